package openapi

import "strings"

// Schema is the constraint model of one JSON Schema node. Pointers are nil
// when the keyword is absent. allOf branches are merged into the node;
// oneOf/anyOf alternatives are kept in OneOf.
type Schema struct {
	Type   string // "string", "integer", "number", "array", "object", "boolean" or ""; inferred from properties/items when absent
	Format string

	MaxLength, MinLength, MaxItems, MinItems, MaxProperties *int64

	// Minimum and Maximum are the bounds; the Exclusive flags say the bound
	// itself is not allowed. 3.0's boolean exclusiveMaximum and 3.1's numeric
	// one both end up here.
	Minimum, Maximum                   *float64
	ExclusiveMinimum, ExclusiveMaximum bool

	Enum     []any
	Const    any
	HasConst bool // Const is set (it may be nil: const: null)
	Pattern  string

	Properties []*Property // in file order
	Required   []string

	Items *Schema

	// AdditionalProperties is the schema of properties not listed, when one
	// is given; AdditionalAllowed is false only for additionalProperties: false.
	AdditionalProperties *Schema
	AdditionalAllowed    bool

	OneOf []*Schema // oneOf and anyOf alternatives

	Recursive bool   // this node refers back to an ancestor and is not expanded
	Ref       string // the $ref that led here, if any
	Loc       Location
}

// Property is one named property of an object schema.
type Property struct {
	Name   string
	Schema *Schema
}

// Bounds of Walk and Example. Shared definitions are visited once per path
// that reaches them, so a contract whose definitions fan out (A has ten
// properties of type B, B ten of type C...) is a small file with a huge tree;
// the bounds keep such a tree from exhausting time and memory.
const (
	maxWalkDepth = 64     // nesting depth
	maxWalkNodes = 100000 // nodes visited by one Walk or Example
)

// Walk calls fn for s and every schema nested in it, depth first in file
// order, with a field path: "" for s, "name" for a property, "tags[]" for
// array items, "meta.*" for additional properties; oneOf alternatives share
// their parent's path. When fn returns false the node's children are skipped.
// Recursive nodes are visited but never expanded. A shared definition is
// visited once per path that reaches it; Walk stops after maxWalkNodes nodes.
func (s *Schema) Walk(fn func(path string, sc *Schema) bool) {
	budget := maxWalkNodes
	s.walk("", fn, 0, &budget)
}

func (s *Schema) walk(path string, fn func(string, *Schema) bool, depth int, budget *int) {
	if s == nil || depth > maxWalkDepth || *budget <= 0 {
		return
	}
	*budget--
	if !fn(path, s) || s.Recursive {
		return
	}
	for _, p := range s.Properties {
		p.Schema.walk(joinPath(path, p.Name), fn, depth+1, budget)
	}
	s.Items.walk(path+"[]", fn, depth+1, budget)
	s.AdditionalProperties.walk(joinPath(path, "*"), fn, depth+1, budget)
	for _, alt := range s.OneOf {
		alt.walk(path, fn, depth+1, budget)
	}
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// IsRequired reports whether name is in the schema's required list.
func (s *Schema) IsRequired(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}

// Describe names the schema's type for messages: "string", "string, format uuid", "object".
func (s *Schema) Describe() string {
	t := s.Type
	if t == "" {
		t = "untyped"
	}
	if s.Format != "" {
		t += ", format " + s.Format
	}
	return t
}

// LengthBounded reports whether a string's length is bounded by the contract
// even without maxLength: an enum, a const or a fixed-size format.
func (s *Schema) LengthBounded() bool {
	if s.MaxLength != nil || len(s.Enum) > 0 || s.HasConst {
		return true
	}
	return boundedFormats[strings.ToLower(s.Format)]
}

// boundedFormats have a fixed maximum length by definition.
var boundedFormats = map[string]bool{
	"date": true, "date-time": true, "time": true, "uuid": true, "ipv4": true, "ipv6": true,
	"int32": true, "int64": true,
}
