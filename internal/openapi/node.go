package openapi

import (
	"net/url"
	"slices"
	"strings"

	"github.com/pb33f/go-yaml"
)

// Bounds that keep a hostile document from making the reader loop or explode.
const (
	maxAliases  = 10000 // YAML alias expansions per document
	maxRefHops  = 32    // $ref → $ref chains
	maxNesting  = 128   // schemas nested inline
	maxValueDep = 64    // enum/const values nested
)

// site is a node with where it lives: the key that names it (for the line a
// user looks at), its value and its JSON pointer.
type site struct {
	key, val *yaml.Node
	ptr      string
}

// pair is one key/value entry of a mapping.
type pair struct{ key, val *yaml.Node }

// unalias follows YAML aliases, counting them so that an alias bomb ends in
// an error instead of an exponential walk.
func (r *reader) unalias(n *yaml.Node) *yaml.Node {
	for hops := 0; n != nil && n.Kind == yaml.AliasNode; hops++ {
		r.aliases++
		if r.aliases > maxAliases || hops > maxRefHops {
			r.fail(n, "more than %d YAML alias expansions: flatten the document's anchors", maxAliases)
			return nil
		}
		n = n.Alias
	}
	return n
}

// pairs lists a mapping's entries in file order, then the entries of YAML
// merge keys (<<) that the mapping does not set itself. A node that is not
// a mapping has none.
func (r *reader) pairs(m *yaml.Node) []pair {
	m = r.unalias(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	var out, merged []pair
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Value == "<<" && k.Tag == "!!merge" {
			merged = append(merged, r.merged(v)...)
			continue
		}
		out = append(out, pair{k, v})
	}
	for _, p := range merged {
		if !slices.ContainsFunc(out, func(o pair) bool { return o.key.Value == p.key.Value }) {
			out = append(out, p)
		}
	}
	return out
}

// merged expands the value of a merge key: one mapping or a list of them.
func (r *reader) merged(v *yaml.Node) []pair {
	v = r.unalias(v)
	if v == nil || v.Kind != yaml.SequenceNode {
		return r.pairs(v)
	}
	var out []pair
	for _, m := range v.Content {
		out = append(out, r.pairs(m)...)
	}
	return out
}

// field returns the entry named key of mapping m, or nils.
func (r *reader) field(m *yaml.Node, key string) (k, v *yaml.Node) {
	for _, p := range r.pairs(m) {
		if p.key.Value == key {
			return p.key, r.unalias(p.val)
		}
	}
	return nil, nil
}

// child is the site of entry key under s, or nil when absent.
func (r *reader) child(s site, key string) *site {
	k, v := r.field(s.val, key)
	if v == nil {
		return nil
	}
	return &site{key: k, val: v, ptr: s.ptr + "/" + escapePointer(key)}
}

// str is the scalar value of entry key, or "".
func (r *reader) str(m *yaml.Node, key string) string {
	_, v := r.field(m, key)
	if v == nil || v.Kind != yaml.ScalarNode {
		return ""
	}
	return v.Value
}

// items lists a sequence's elements, aliases followed.
func (r *reader) items(n *yaml.Node) []*yaml.Node {
	n = r.unalias(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for _, it := range n.Content {
		if it = r.unalias(it); it != nil {
			out = append(out, it)
		}
	}
	return out
}

// strings lists the scalar elements of a sequence.
func (r *reader) strings(n *yaml.Node) []string {
	var out []string
	for _, it := range r.items(n) {
		if it.Kind == yaml.ScalarNode {
			out = append(out, it.Value)
		}
	}
	return out
}

// escapePointer escapes one JSON pointer token (RFC 6901).
func escapePointer(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

// unescapePointer reverses escapePointer.
func unescapePointer(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
}

// refPointer turns a local $ref ("#/components/schemas/User") into its JSON
// pointer, URL-decoding the fragment. ok is false for references to other documents.
func refPointer(ref string) (ptr string, ok bool) {
	frag, found := strings.CutPrefix(ref, "#")
	if !found {
		return "", false
	}
	if dec, err := url.PathUnescape(frag); err == nil {
		frag = dec
	}
	return frag, true
}

// scalarOrList reads a value written as one scalar or a list of them.
func (r *reader) scalarOrList(n *yaml.Node) []string {
	n = r.unalias(n)
	if n != nil && n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return []string{n.Value}
	}
	return r.strings(n)
}
