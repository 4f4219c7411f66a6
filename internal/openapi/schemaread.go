package openapi

import (
	"strconv"

	"github.com/pb33f/go-yaml"
)

// schema reads the schema at s, following $refs. Definitions reached through
// $ref are read once and shared; a $ref back to a definition still being read
// becomes a Recursive stub located at the referring node.
func (r *reader) schema(s site, depth int) *Schema {
	if r.err != nil || s.val == nil {
		return nil
	}
	if depth > maxNesting {
		r.fail(s.key, "schema nested more than %d levels deep", maxNesting)
		return nil
	}
	ref := r.ref(s.val)
	if ref == "" {
		return r.schemaNode(s, depth)
	}
	t := r.deref(s)
	if t == nil {
		return nil
	}
	if r.building[t.ptr] {
		return &Schema{Recursive: true, Ref: ref, Type: r.typeOf(t.val), Loc: r.loc(s)}
	}
	if sc, ok := r.defs[t.ptr]; ok {
		return sc
	}
	r.building[t.ptr] = true
	sc := r.schemaNode(*t, depth+1)
	delete(r.building, t.ptr)
	if sc != nil {
		sc.Ref = ref
		r.defs[t.ptr] = sc
	}
	return sc
}

// schemaNode reads one schema node that is not a $ref.
func (r *reader) schemaNode(s site, depth int) *Schema {
	sc := &Schema{AdditionalAllowed: true, Loc: r.loc(s)}
	if s.val.Kind == yaml.ScalarNode { // 3.1 boolean schema: true accepts anything
		return sc
	}
	sc.Type = r.typeOf(s.val)
	sc.Format = r.str(s.val, "format")
	if r.str(s.val, "type") == "file" { // 2.0 formData upload
		sc.Format = "binary"
	}
	sc.Pattern = r.str(s.val, "pattern")
	r.limits(sc, s.val)
	r.bounds(sc, s.val)
	r.values(sc, s.val)
	r.properties(sc, s, depth)
	if it := r.child(s, "items"); it != nil {
		sc.Items = r.schema(*it, depth+1)
	}
	r.additional(sc, s, depth)
	r.compositions(sc, s, depth)
	if sc.Type == "" && (len(sc.Properties) > 0 || sc.AdditionalProperties != nil) {
		sc.Type = "object"
	}
	if sc.Type == "" && sc.Items != nil {
		sc.Type = "array"
	}
	return sc
}

// typeOf reads "type": a string, or 3.1's list, whose first non-null entry wins.
// 2.0's "file" parameters are binary strings.
func (r *reader) typeOf(n *yaml.Node) string {
	for _, t := range r.scalarOrList(r.get(n, "type")) {
		switch t {
		case "null":
			continue
		case "file":
			return "string"
		}
		return t
	}
	return ""
}

// get is the value of entry key of mapping n, or nil.
func (r *reader) get(n *yaml.Node, key string) *yaml.Node {
	_, v := r.field(n, key)
	return v
}

// limits reads the integer keywords.
func (r *reader) limits(sc *Schema, n *yaml.Node) {
	sc.MaxLength = r.intField(n, "maxLength")
	sc.MinLength = r.intField(n, "minLength")
	sc.MaxItems = r.intField(n, "maxItems")
	sc.MinItems = r.intField(n, "minItems")
	sc.MaxProperties = r.intField(n, "maxProperties")
}

// bounds reads minimum/maximum and both forms of exclusiveMinimum/Maximum:
// 3.0's boolean flag and 3.1's number, which is the bound itself.
func (r *reader) bounds(sc *Schema, n *yaml.Node) {
	sc.Minimum = r.numField(n, "minimum")
	sc.Maximum = r.numField(n, "maximum")
	sc.Minimum, sc.ExclusiveMinimum = r.exclusive(n, "exclusiveMinimum", sc.Minimum, func(a, b float64) bool { return a >= b })
	sc.Maximum, sc.ExclusiveMaximum = r.exclusive(n, "exclusiveMaximum", sc.Maximum, func(a, b float64) bool { return a <= b })
}

// exclusive applies one exclusive keyword to bound; tighter(a, b) tells
// whether a numeric exclusive bound a is at least as tight as b.
func (r *reader) exclusive(n *yaml.Node, key string, bound *float64, tighter func(a, b float64) bool) (*float64, bool) {
	v := r.get(n, key)
	if v == nil || v.Kind != yaml.ScalarNode {
		return bound, false
	}
	if v.Tag == "!!bool" { // 3.0: a flag on minimum/maximum
		return bound, v.Value == "true" && bound != nil
	}
	x, err := strconv.ParseFloat(v.Value, 64)
	if err != nil {
		r.fail(v, "%s must be a number or a boolean, not %q", key, v.Value)
		return bound, false
	}
	if bound == nil || tighter(x, *bound) {
		return &x, true
	}
	return bound, false
}

func (r *reader) intField(n *yaml.Node, key string) *int64 {
	v := r.get(n, key)
	if v == nil || v.Kind != yaml.ScalarNode {
		return nil
	}
	i, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(v.Value, 64)
		if ferr != nil || f != float64(int64(f)) {
			r.fail(v, "%s must be a non-negative integer, not %q", key, v.Value)
			return nil
		}
		i = int64(f)
	}
	if i < 0 {
		r.fail(v, "%s must be a non-negative integer, not %d", key, i)
		return nil
	}
	return &i
}

func (r *reader) numField(n *yaml.Node, key string) *float64 {
	v := r.get(n, key)
	if v == nil || v.Kind != yaml.ScalarNode {
		return nil
	}
	f, err := strconv.ParseFloat(v.Value, 64)
	if err != nil {
		r.fail(v, "%s must be a number, not %q", key, v.Value)
		return nil
	}
	return &f
}

// values reads enum, const and required.
func (r *reader) values(sc *Schema, n *yaml.Node) {
	for _, e := range r.items(r.get(n, "enum")) {
		sc.Enum = append(sc.Enum, r.value(e, 0))
	}
	if k, v := r.field(n, "const"); k != nil {
		sc.Const, sc.HasConst = r.value(v, 0), true
	}
	sc.Required = r.strings(r.get(n, "required"))
}

// value decodes a literal: strings, int64, float64, bool, nil, []any, map[string]any.
func (r *reader) value(n *yaml.Node, depth int) any {
	n = r.unalias(n)
	if n == nil || depth > maxValueDep {
		return nil
	}
	switch n.Kind {
	case yaml.SequenceNode:
		out := []any{}
		for _, it := range n.Content {
			out = append(out, r.value(it, depth+1))
		}
		return out
	case yaml.MappingNode:
		out := map[string]any{}
		for _, p := range r.pairs(n) {
			out[p.key.Value] = r.value(p.val, depth+1)
		}
		return out
	}
	return scalar(n)
}

func scalar(n *yaml.Node) any {
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		if b, err := strconv.ParseBool(n.Value); err == nil {
			return b
		}
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return i
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	}
	return n.Value
}

// properties reads "properties" in file order.
func (r *reader) properties(sc *Schema, s site, depth int) {
	ps := r.child(s, "properties")
	if ps == nil {
		return
	}
	for _, p := range r.pairs(ps.val) {
		ptr := ps.ptr + "/" + escapePointer(p.key.Value)
		sub := r.schema(site{key: p.key, val: r.unalias(p.val), ptr: ptr}, depth+1)
		if sub != nil {
			sc.Properties = append(sc.Properties, &Property{Name: p.key.Value, Schema: sub})
		}
	}
}

// additional reads additionalProperties: absent or true allows any, false
// allows none, a schema allows those matching it.
func (r *reader) additional(sc *Schema, s site, depth int) {
	a := r.child(s, "additionalProperties")
	if a == nil {
		return
	}
	if a.val.Kind == yaml.ScalarNode {
		sc.AdditionalAllowed = a.val.Value != "false"
		return
	}
	sc.AdditionalProperties = r.schema(*a, depth+1)
}
