package openapi

import (
	"regexp"
	"slices"
	"strings"

	"github.com/pb33f/go-yaml"
)

// security reads a security requirement list into alternatives of scheme
// names, plus every scope named. An empty list means no security: nil.
func (r *reader) security(n *yaml.Node) (reqs [][]string, scopes []string) {
	for _, alt := range r.items(n) {
		names := []string{}
		for _, p := range r.pairs(alt) {
			names = append(names, p.key.Value)
			scopes = append(scopes, r.strings(p.val)...)
		}
		reqs = append(reqs, names)
	}
	return reqs, scopes
}

// schemes reads components.securitySchemes (3.x) or securityDefinitions (2.0).
func (r *reader) schemes() map[string]SecurityScheme {
	var defs *site
	if r.swagger {
		defs = r.child(site{val: r.root}, "securityDefinitions")
	} else if c := r.child(site{val: r.root}, "components"); c != nil {
		defs = r.child(*c, "securitySchemes")
	}
	if defs == nil {
		return nil
	}
	out := map[string]SecurityScheme{}
	for _, p := range r.pairs(defs.val) {
		s := site{key: p.key, val: r.unalias(p.val), ptr: defs.ptr + "/" + escapePointer(p.key.Value)}
		if d := r.deref(s); d != nil {
			out[p.key.Value] = SecurityScheme{Name: p.key.Value, Type: r.str(d.val, "type"), Loc: r.loc(s)}
		}
	}
	return out
}

// adminWord matches the words that mark an operation, tag, scope or role
// as privileged. "ops" is not one: APIs tag health and ping endpoints so.
var adminWord = regexp.MustCompile(`^(admin|admins|administrator|administration|internal|manage|management|superuser|root|staff)$`)

// adminRole matches the role names that mark an operation as privileged:
// the admin words, and ops, which names an operator role only where a
// role extension says it is a role.
var adminRole = regexp.MustCompile(`^(ops|operator|operators)$`)

// roleExtensions name the roles an operation needs.
var roleExtensions = []string{"x-roles", "x-role", "x-required-role", "x-required-roles", "x-allowed-roles", "x-permissions"}

// privilege marks op as privileged when its path, tags, scopes or role
// extensions name an admin-ish word, or x-admin is true.
func (r *reader) privilege(op *Operation, n *yaml.Node, scopes []string) {
	for _, ext := range roleExtensions {
		op.Roles = append(op.Roles, r.scalarOrList(r.get(n, ext))...)
	}
	words := slices.Concat(strings.Split(op.Path, "/"), op.Tags, scopes, op.Roles)
	op.Privileged = r.str(n, "x-admin") == "true" || slices.ContainsFunc(words, namesAdmin) ||
		slices.ContainsFunc(op.Roles, namesAdminRole)
}

// namesAdminRole reports a role name that is an admin role by itself.
func namesAdminRole(s string) bool {
	return adminRole.MatchString(strings.ToLower(strings.TrimSpace(s)))
}

// namesAdmin splits s into words (at anything but letters) and reports whether one is an admin word.
func namesAdmin(s string) bool {
	f := strings.FieldsFunc(strings.ToLower(s), func(c rune) bool { return c < 'a' || c > 'z' })
	return slices.ContainsFunc(f, adminWord.MatchString)
}
