package openapi

import (
	"sort"
	"strings"

	"github.com/pb33f/go-yaml"
)

// methods are the operation keys of a path item, in the order OpenAPI lists them.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// spec reads the whole document.
func (r *reader) spec(version string) *Spec {
	s := &Spec{File: r.file, Version: version, Loc: r.loc(site{val: r.root})}
	_, info := r.field(r.root, "info")
	s.Title = r.str(info, "title")
	s.Servers = r.servers()
	s.Security, _ = r.security(r.get(r.root, "security"))
	s.Schemes = r.schemes()
	for _, sch := range s.Schemes {
		s.HasMutualTLS = s.HasMutualTLS || sch.Type == "mutualTLS"
	}
	if r.swagger {
		r.consumes = r.strings(r.get(r.root, "consumes"))
	}
	s.Operations = r.paths(s.Security)
	if r.err != nil {
		return nil
	}
	return s
}

// paths reads every operation under /paths, sorted by path then method.
func (r *reader) paths(global [][]string) []*Operation {
	k, v := r.field(r.root, "paths")
	if k == nil {
		r.fail(nil, "no top-level `paths` object: add `paths:` listing the API's operations")
		return nil
	}
	if v == nil || (v.Kind != yaml.MappingNode && v.Tag != "!!null") {
		r.fail(k, "`paths` must be an object mapping each path to its operations")
		return nil
	}
	var ops []*Operation
	for _, p := range r.pairs(v) {
		item := r.deref(site{key: p.key, val: r.unalias(p.val), ptr: "/paths/" + escapePointer(p.key.Value)})
		if item == nil {
			break
		}
		ops = append(ops, r.pathItem(p.key.Value, *item, global)...)
	}
	sort.SliceStable(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	return ops
}

// pathItem reads the operations of one path.
func (r *reader) pathItem(path string, item site, global [][]string) []*Operation {
	shared := r.params(r.child(item, "parameters"))
	var ops []*Operation
	for _, m := range methods {
		if s := r.child(item, m); s != nil && r.err == nil {
			ops = append(ops, r.operation(path, m, *s, shared, global))
		}
	}
	return ops
}

// operation reads one operation; shared are the path item's parameters.
func (r *reader) operation(path, method string, s site, shared []paramSite, global [][]string) *Operation {
	op := &Operation{
		Method:      strings.ToUpper(method),
		Path:        path,
		OperationID: r.str(s.val, "operationId"),
		Summary:     r.str(s.val, "summary"),
		Tags:        r.strings(r.get(s.val, "tags")),
		Loc:         r.loc(s),
	}
	op.Security = global
	var scopes []string
	if k, v := r.field(s.val, "security"); k != nil {
		op.Security, scopes = r.security(v)
	}
	r.parameters(op, s, mergeParams(shared, r.params(r.child(s, "parameters"))))
	if rb := r.child(s, "requestBody"); rb != nil {
		op.Body = r.requestBody(*rb)
	}
	r.responses(op, s)
	r.privilege(op, s.val, scopes)
	return op
}

// servers lists 3.x servers[].url, or builds 2.0's from schemes, host and basePath.
func (r *reader) servers() []string {
	if !r.swagger {
		var out []string
		for _, sv := range r.items(r.get(r.root, "servers")) {
			if u := r.str(sv, "url"); u != "" {
				out = append(out, u)
			}
		}
		return out
	}
	host, base := r.str(r.root, "host"), r.str(r.root, "basePath")
	if host == "" {
		if base == "" {
			return nil
		}
		return []string{base}
	}
	schemes := r.strings(r.get(r.root, "schemes"))
	if len(schemes) == 0 {
		schemes = []string{"https"}
	}
	out := make([]string, 0, len(schemes))
	for _, sc := range schemes {
		out = append(out, sc+"://"+host+base)
	}
	return out
}
