package config

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// decoder walks the YAML syntax tree of one file against the key tables of
// sections.go, converting values into Config fields and collecting every
// problem with its line instead of stopping at the first.
type decoder struct {
	file    string
	dir     string          // base of relative file paths; "" keeps them as written
	errs    Errors          // every problem found so far
	lines   map[string]int  // key path → line, for every known key present in the file
	failed  map[string]bool // key paths with a problem recorded, or suggested for a typo
	anchors map[string]ast.Node
}

// value is one node of the tree with the key path that leads to it.
type value struct {
	path string
	node ast.Node // anchors, aliases and tags resolved; nil for an empty value
	line int
	bad  bool // the node could not be resolved and an error is already recorded
}

// fields maps the keys of one mapping to the functions that decode their values.
type fields map[string]func(*decoder, value)

func newDecoder(file, dir string) *decoder {
	return &decoder{file: file, dir: dir, lines: map[string]int{}, failed: map[string]bool{}, anchors: map[string]ast.Node{}}
}

func (d *decoder) failAt(line int, key, problem, fix string) {
	d.failed[key] = true
	d.errs = append(d.errs, Error{File: d.file, Line: max(line, 1), Key: key, Problem: problem, Fix: fix})
}

func (d *decoder) fail(v value, problem, fix string) { d.failAt(v.line, v.path, problem, fix) }

// decodeFile parses data and decodes it into a Config that starts from the
// defaults. It returns nil, with the reason recorded, when data is not a
// YAML mapping.
func (d *decoder) decodeFile(data []byte) *Config {
	const exampleFix = "write at least listen, upstream and tls; `mtlsguard config example` prints a complete file"
	f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		d.syntaxError(err)
		return nil
	}
	var bodies []ast.Node
	for _, doc := range f.Docs {
		if doc != nil && doc.Body != nil {
			bodies = append(bodies, doc.Body)
		}
	}
	if len(bytes.TrimSpace(data)) == 0 || len(bodies) == 0 {
		d.failAt(1, "", "the file is empty", exampleFix)
		return nil
	}
	if len(bodies) > 1 {
		d.failAt(lineOf(bodies[1]), "", "more than one YAML document", "keep one document: remove the second ---")
		return nil
	}
	ast.Walk(anchorCollector(d.anchors), bodies[0])
	root := d.value("", bodies[0], 1)
	if _, ok := root.node.(*ast.MappingNode); !ok && !root.bad {
		d.fail(root, "the file is not a mapping of keys", exampleFix)
		return nil
	}
	c := defaultConfig()
	d.mapping(root, topFields(c))
	return c
}

// syntaxError records a YAML syntax error at the line the parser names.
func (d *decoder) syntaxError(err error) {
	var se *yaml.SyntaxError
	if !errors.As(err, &se) || se.Token == nil || se.Token.Position == nil {
		first, _, _ := strings.Cut(err.Error(), "\n")
		d.failAt(1, "", "not valid YAML: "+first, "check the indentation and quoting")
		return
	}
	fix := "check the indentation and quoting on this line"
	if strings.Contains(se.Message, "'\t'") {
		fix = "indent with spaces, not tabs"
	}
	d.failAt(se.Token.Position.Line, "", "not valid YAML: "+se.Message, fix)
}

// anchorCollector records every &anchor so that aliases can be resolved.
type anchorCollector map[string]ast.Node

func (a anchorCollector) Visit(n ast.Node) ast.Visitor {
	if an, ok := n.(*ast.AnchorNode); ok && an.Name != nil {
		a[an.Name.GetToken().Value] = an.Value
	}
	return a
}

func lineOf(n ast.Node) int {
	if n == nil || n.GetToken() == nil || n.GetToken().Position == nil {
		return 0
	}
	return n.GetToken().Position.Line
}

// value resolves anchors, aliases and tags of n. line is the line of the key
// that holds n; it is used when n itself has none.
func (d *decoder) value(path string, n ast.Node, line int) value {
	v := value{path: path, line: line}
	for hops := 0; n != nil; hops++ {
		switch t := n.(type) {
		case *ast.AnchorNode:
			n = t.Value
		case *ast.TagNode:
			n = t.Value
		case *ast.AliasNode:
			name := ""
			if t.Value != nil {
				name = t.Value.GetToken().Value
			}
			target, ok := d.anchors[name]
			if !ok || hops > 8 {
				d.fail(v, fmt.Sprintf("alias *%s names no anchor", name), "define &"+name+" before using it")
				v.bad = true
				return v
			}
			n = target
		case *ast.NullNode:
			return v
		case *ast.MappingValueNode:
			// A one-key mapping can come back as its single entry.
			v.node = &ast.MappingNode{BaseNode: t.BaseNode, Values: []*ast.MappingValueNode{t}}
			return v
		default:
			v.node = n
			return v
		}
	}
	return v
}

// kind names the shape of v for error messages.
func kind(v value) string {
	switch v.node.(type) {
	case nil:
		return "nothing"
	case *ast.MappingNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	default:
		return "a single value"
	}
}

// mapping decodes v, which must be a mapping (or empty), key by key with fs.
func (d *decoder) mapping(v value, fs fields) {
	d.entries(v, "keys "+strings.Join(sortedKeys(fs), ", "), func(key string, kv value) {
		set, ok := fs[key]
		if !ok {
			d.unknownKey(kv, key, fs)
			return
		}
		d.lines[kv.path] = kv.line
		set(d, kv)
	})
}

// entries calls each for every key of the mapping v in file order, after
// rejecting duplicate and non-string keys. want describes what v should hold.
func (d *decoder) entries(v value, want string, each func(key string, kv value)) {
	if v.bad || v.node == nil {
		return
	}
	m, ok := v.node.(*ast.MappingNode)
	if !ok {
		d.fail(v, "expected a mapping, got "+kind(v), "write "+want+" under it, one per line")
		return
	}
	seen := map[string]int{}
	for _, mv := range m.Values {
		line := lineOf(mv.Key)
		if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
			d.failAt(line, v.path, "merge keys (<<) are not supported", "write the keys out")
			continue
		}
		key := mapKey(mv.Key)
		path := joinPath(v.path, key)
		if first, dup := seen[key]; dup {
			d.failAt(line, path, fmt.Sprintf("duplicate key (first at line %d)", first), "keep one")
			continue
		}
		seen[key] = line
		each(key, d.value(path, mv.Value, line))
	}
}

func mapKey(k ast.MapKeyNode) string {
	if s, ok := k.(*ast.StringNode); ok {
		return s.Value
	}
	return k.GetToken().Value
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func sortedKeys(fs fields) []string {
	keys := make([]string, 0, len(fs))
	for k := range fs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// unknownKey reports a key that fs does not know, suggesting the nearest
// known key, or the section a misplaced key belongs in.
func (d *decoder) unknownKey(v value, key string, fs fields) {
	known := sortedKeys(fs)
	if near := nearest(key, known); near != "" {
		d.fail(v, "unknown key", "did you mean "+near+"?")
		// Whatever is said about the key meant is said here already.
		d.failed[joinPath(strings.TrimSuffix(strings.TrimSuffix(v.path, key), "."), near)] = true
		return
	}
	if elsewhere := placeOf(key); elsewhere != "" {
		d.fail(v, "unknown key here", "did you mean "+elsewhere+"?")
		return
	}
	if key == "redis" && !strings.Contains(v.path, ".") {
		d.fail(v, "limits shared through Redis are not supported yet", "remove the redis section; each proxy keeps its own limits")
		return
	}
	d.fail(v, "unknown key", "known keys here: "+strings.Join(known, ", "))
}

// sequence calls each for every entry of the list v.
func (d *decoder) sequence(v value, want string, each func(i int, ev value)) {
	if v.bad || v.node == nil {
		return
	}
	s, ok := v.node.(*ast.SequenceNode)
	if !ok {
		d.fail(v, "expected a list, got "+kind(v), "write "+want+" as a list, one entry per line starting with -")
		return
	}
	for i, n := range s.Values {
		line := lineOf(n)
		if line == 0 {
			line = v.line
		}
		each(i, d.value(fmt.Sprintf("%s[%d]", v.path, i), n, line))
	}
}
