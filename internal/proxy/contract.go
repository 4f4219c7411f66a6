package proxy

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/mtlsguard/mtlsguard/internal/config"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

// contract is an OpenAPI contract compiled for the request path: a tree of
// path-template segments leading to operations, each with the bounds of its
// JSON request body. It is a resource guard, not a validator: it checks
// maxLength, maxItems, maxProperties, minimum and maximum where the values
// have the type the keyword is about, and nothing else (no types, required
// properties, enums or patterns; a oneOf/anyOf alternative only when the
// value's JSON kind picks it alone). It is read-only after compileContract,
// so requests share it.
type contract struct {
	root          segment
	base          string // path of the contract's server URL, e.g. /v1; "" for none
	enforce       bool
	refuseUnknown bool // unknown_operations: refuse
	bounded       int  // operations whose JSON body has bounds
}

// segment is one node of the path-template tree. Literal segments are tried
// before templated ones, so /items/new wins over /items/{id}.
type segment struct {
	literal map[string]*segment
	params  []*paramSegment // longest fixed text first
	ops     map[string]*operation
}

// paramSegment matches a templated segment such as {id}, v{major} or
// {name}.json: any non-empty text between its fixed prefix and suffix.
type paramSegment struct {
	prefix, suffix string
	next           segment
}

// operation is one method on one path template.
type operation struct {
	name string // "POST /items/{id}", for logs
	body *bound // nil: nothing to check in a JSON body
}

// loadContract compiles the contract of o, and logs what it guards; nil
// when there is none. A Config built by hand carries only the file name,
// which is read here.
func loadContract(o config.OpenAPI, log *slog.Logger) (*contract, error) {
	if o.Spec == "" {
		return nil, nil
	}
	spec := o.Contract
	if spec == nil {
		var err error
		if spec, err = openapi.Load(context.Background(), o.Spec, nil); err != nil {
			return nil, fmt.Errorf("openapi.spec: the contract cannot be read: %w", err)
		}
	}
	c := compileContract(spec, o.Enforce)
	c.refuseUnknown = o.UnknownOperations == config.UnknownRefuse
	log.Info("contract loaded", "file", spec.File, "operations", len(spec.Operations), "bounded_bodies", c.bounded,
		"enforce", o.Enforce, "unknown_operations", o.UnknownOperations)
	return c, nil
}

// compileContract builds the path tree and the body bounds of every
// operation of spec.
func compileContract(spec *openapi.Spec, enforce bool) *contract {
	c := &contract{base: basePath(spec.Servers), enforce: enforce}
	bc := &boundCompiler{done: map[*openapi.Schema]*bound{}, byRef: map[string]*bound{}}
	for _, op := range spec.Operations {
		n := c.root.add(op.Path)
		if n.ops == nil {
			n.ops = map[string]*operation{}
		}
		o := &operation{name: op.Method + " " + op.Path, body: bc.body(op.Body)}
		n.ops[op.Method] = o
		if o.body != nil {
			c.bounded++
		}
	}
	return c
}

// basePath is the path of the first server URL, which the operation paths
// are relative to; "" when it has none or is itself a template.
func basePath(servers []string) string {
	if len(servers) == 0 {
		return ""
	}
	u, err := url.Parse(servers[0])
	if err != nil || strings.Contains(u.Path, "{") {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

// add returns the node of template, creating the segments it lacks.
func (s *segment) add(template string) *segment {
	rest, more := strings.TrimPrefix(template, "/"), template != "/"
	n := s
	for more {
		var seg string
		seg, rest, more = strings.Cut(rest, "/")
		n = n.child(seg)
	}
	return n
}

func (s *segment) child(seg string) *segment {
	open, end := strings.IndexByte(seg, '{'), strings.LastIndexByte(seg, '}')
	if open < 0 || end < open {
		if s.literal == nil {
			s.literal = map[string]*segment{}
		}
		if s.literal[seg] == nil {
			s.literal[seg] = &segment{}
		}
		return s.literal[seg]
	}
	prefix, suffix := seg[:open], seg[end+1:]
	for _, p := range s.params {
		if p.prefix == prefix && p.suffix == suffix {
			return &p.next
		}
	}
	p := &paramSegment{prefix: prefix, suffix: suffix}
	s.params = append(s.params, p)
	sort.SliceStable(s.params, func(i, j int) bool {
		return len(s.params[i].prefix)+len(s.params[i].suffix) > len(s.params[j].prefix)+len(s.params[j].suffix)
	})
	return &p.next
}

// matches reports whether seg fills the template: non-empty text between
// its prefix and suffix.
func (p *paramSegment) matches(seg string) bool {
	return len(seg) > len(p.prefix)+len(p.suffix) && strings.HasPrefix(seg, p.prefix) && strings.HasSuffix(seg, p.suffix)
}

// match finds the operation for a cleaned request path; nil when the
// contract does not describe it.
func (c *contract) match(method, path string) *operation {
	if c.base != "" {
		rest, ok := strings.CutPrefix(path, c.base)
		if !ok || (rest != "" && rest[0] != '/') {
			return nil
		}
		path = rest
	}
	if path == "" || path == "/" {
		return c.root.ops[method]
	}
	rest, _ := strings.CutPrefix(path, "/")
	return c.root.find(method, rest)
}

// find matches the segments in rest below s, backtracking from a literal
// segment to the templated ones when the literal's subtree has no match.
func (s *segment) find(method, rest string) *operation {
	seg, tail, more := strings.Cut(rest, "/")
	next := func(n *segment) *operation {
		if !more {
			return n.ops[method]
		}
		return n.find(method, tail)
	}
	if n := s.literal[seg]; n != nil {
		if op := next(n); op != nil {
			return op
		}
	}
	for _, p := range s.params {
		if p.matches(seg) {
			if op := next(&p.next); op != nil {
				return op
			}
		}
	}
	return nil
}

// methods lists the methods the contract describes on a cleaned path,
// sorted; none when it does not describe the path at all.
func (c *contract) methods(path string) []string {
	if c.base != "" {
		rest, ok := strings.CutPrefix(path, c.base)
		if !ok || (rest != "" && rest[0] != '/') {
			return nil
		}
		path = rest
	}
	set := map[string]bool{}
	collect := func(n *segment) {
		for m := range n.ops {
			set[m] = true
		}
	}
	if path == "" || path == "/" {
		collect(&c.root)
	} else {
		c.root.each(strings.TrimPrefix(path, "/"), collect)
	}
	out := make([]string, 0, len(set))
	for m := range set {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// each calls fn for every node whose template matches the segments in rest.
func (s *segment) each(rest string, fn func(*segment)) {
	seg, tail, more := strings.Cut(rest, "/")
	visit := func(n *segment) {
		if more {
			n.each(tail, fn)
		} else {
			fn(n)
		}
	}
	if n := s.literal[seg]; n != nil {
		visit(n)
	}
	for _, p := range s.params {
		if p.matches(seg) {
			visit(&p.next)
		}
	}
}

// describedOperation applies unknown_operations: refuse. A request the
// contract does not describe gets 404, or 405 with Allow when the contract
// describes its path with other methods. HEAD counts as GET.
func (s *Server) describedOperation(w *recorder, method, path string) bool {
	c := s.contract
	if c == nil || !c.refuseUnknown || c.match(method, path) != nil ||
		(method == http.MethodHead && c.match(http.MethodGet, path) != nil) {
		return true
	}
	allowed := c.methods(path)
	if len(allowed) == 0 {
		w.reject(reasonUnknownOperation, method+" "+path+" is not an operation of the API contract", 0)
		return false
	}
	list := strings.Join(allowed, ", ")
	w.Header().Set("Allow", list)
	w.reject(reasonUnknownMethod, "the API contract describes "+list+" on this path, not "+method, 0)
	return false
}

// checkContract checks a JSON body the JSON guard has accepted against the
// contract's bounds for its operation. Without enforce a violation is only
// logged.
func (s *Server) checkContract(r *http.Request, body []byte) (reason, string) {
	if s.contract == nil {
		return reasonNone, ""
	}
	op := s.contract.match(r.Method, cleanPath(r.URL.Path))
	if op == nil || op.body == nil {
		return reasonNone, ""
	}
	detail := op.body.check(body)
	if detail == "" {
		return reasonNone, ""
	}
	if !s.contract.enforce {
		s.log.Warn("contract violation", "operation", op.name, "detail", detail, "enforce", false)
		return reasonNone, ""
	}
	return reasonContract, detail
}
