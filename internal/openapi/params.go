package openapi

import (
	"net/textproto"
	"strconv"
	"strings"
)

// paramSite is a parameter's definition (after $ref), with its name and location.
type paramSite struct {
	name, in string
	def      site
}

// params reads a parameters list, following $refs.
func (r *reader) params(list *site) []paramSite {
	if list == nil {
		return nil
	}
	var out []paramSite
	for i, n := range r.items(list.val) {
		d := r.deref(site{key: n, val: n, ptr: list.ptr + "/" + strconv.Itoa(i)})
		if d == nil {
			return nil
		}
		out = append(out, paramSite{name: r.str(d.val, "name"), in: r.str(d.val, "in"), def: *d})
	}
	return out
}

// mergeParams lets an operation's parameter replace the path item's one of the same name and location.
func mergeParams(shared, own []paramSite) []paramSite {
	out := append([]paramSite(nil), own...)
	for _, p := range shared {
		replaced := false
		for _, o := range own {
			replaced = replaced || (o.name == p.name && o.in == p.in)
		}
		if !replaced {
			out = append(out, p)
		}
	}
	return out
}

// parameters fills op.Params, and op.Body from 2.0's body and formData parameters.
func (r *reader) parameters(op *Operation, s site, list []paramSite) {
	var form []paramSite
	for _, p := range list {
		switch {
		case r.swagger && p.in == "body":
			op.Body = r.bodyParam(s, p)
		case r.swagger && p.in == "formData":
			form = append(form, p)
		default:
			op.Params = append(op.Params, r.param(p))
		}
	}
	if len(form) > 0 {
		op.Body = r.formBody(s, form)
	}
}

// param reads one non-body parameter: its schema is "schema" (3.x), the first
// media type of "content" (3.x), or the parameter itself (2.0).
func (r *reader) param(p paramSite) *Param {
	out := &Param{Name: p.name, In: p.in, Loc: r.loc(p.def)}
	out.Required = p.in == "path" || r.str(p.def.val, "required") == "true"
	switch sch, content := r.child(p.def, "schema"), r.child(p.def, "content"); {
	case sch != nil:
		out.Schema = r.schema(*sch, 0)
	case content != nil:
		if mt := r.mediaSchema(*content, nil); mt != nil {
			out.Schema = r.schema(*mt, 0)
		}
	case r.swagger:
		out.Schema = r.schemaNode(p.def, 0)
	}
	if out.Schema == nil {
		out.Schema = &Schema{AdditionalAllowed: true, Loc: out.Loc}
	}
	return out
}

// bodyParam reads 2.0's in: body parameter.
func (r *reader) bodyParam(op site, p paramSite) *Body {
	b := &Body{Required: r.str(p.def.val, "required") == "true", ContentTypes: r.consumesOf(op, "application/json"), Loc: r.loc(p.def)}
	if sch := r.child(p.def, "schema"); sch != nil {
		b.Schema = r.schema(*sch, 0)
	}
	return b
}

// formBody turns 2.0's formData parameters into one object schema.
func (r *reader) formBody(op site, form []paramSite) *Body {
	// the form is the operation's formData parameters together: located at the first one
	loc := r.loc(form[0].def)
	loc.Pointer = op.ptr + "/parameters"
	obj := &Schema{Type: "object", Loc: loc}
	def := "application/x-www-form-urlencoded"
	b := &Body{Loc: obj.Loc, Schema: obj}
	for _, p := range form {
		sc := r.schemaNode(p.def, 0)
		obj.Properties = append(obj.Properties, &Property{Name: p.name, Schema: sc})
		if r.str(p.def.val, "required") == "true" {
			obj.Required = append(obj.Required, p.name)
			b.Required = true
		}
		if sc.Format == "binary" {
			def = "multipart/form-data"
		}
	}
	b.ContentTypes = r.consumesOf(op, def)
	return b
}

// consumesOf is the operation's consumes list, else the document's, else def.
func (r *reader) consumesOf(op site, def string) []string {
	if c := r.strings(r.get(op.val, "consumes")); len(c) > 0 {
		return c
	}
	if len(r.consumes) > 0 {
		return r.consumes
	}
	return []string{def}
}

// requestBody reads a 3.x requestBody.
func (r *reader) requestBody(s site) *Body {
	d := r.deref(s)
	if d == nil {
		return nil
	}
	b := &Body{Required: r.str(d.val, "required") == "true", Loc: r.loc(s)}
	content := r.child(*d, "content")
	if content == nil {
		return b
	}
	if mt := r.mediaSchema(*content, &b.ContentTypes); mt != nil {
		b.Schema = r.schema(*mt, 0)
	}
	return b
}

// mediaSchema picks the schema of a content map: the JSON media type's if
// there is one, else the first's. It lists the media types into types when given.
func (r *reader) mediaSchema(content site, types *[]string) *site {
	var first, json *site
	for _, p := range r.pairs(content.val) {
		if types != nil {
			*types = append(*types, p.key.Value)
		}
		mt := site{key: p.key, val: r.unalias(p.val), ptr: content.ptr + "/" + escapePointer(p.key.Value)}
		sch := r.child(mt, "schema")
		if first == nil {
			first = sch
		}
		if json == nil && isJSON(p.key.Value) {
			json = sch
		}
	}
	if json != nil {
		return json
	}
	return first
}

// isJSON matches application/json and its +json relatives.
func isJSON(mediaType string) bool {
	mt, _, _ := strings.Cut(strings.ToLower(mediaType), ";")
	mt = strings.TrimSpace(mt)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// responses reads the responses object and each response's header names.
func (r *reader) responses(op *Operation, s site) {
	rs := r.child(s, "responses")
	if rs == nil {
		op.ResponsesLoc = op.Loc
		return
	}
	op.ResponsesLoc = r.loc(*rs)
	op.Responses = map[string]*Response{}
	for _, p := range r.pairs(rs.val) {
		rsite := site{key: p.key, val: r.unalias(p.val), ptr: rs.ptr + "/" + escapePointer(p.key.Value)}
		resp := &Response{Status: p.key.Value, Loc: r.loc(rsite)}
		if d := r.deref(rsite); d != nil {
			for _, h := range r.pairs(r.get(d.val, "headers")) {
				resp.Headers = append(resp.Headers, textproto.CanonicalMIMEHeaderKey(h.key.Value))
			}
		}
		op.Responses[resp.Status] = resp
	}
}
