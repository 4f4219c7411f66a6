package openapi

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
)

// reader turns the node tree of one document into a Spec. It keeps the first
// error it meets (err) and does nothing after it, so that the many small
// read functions need not each return one.
type reader struct {
	file     string
	root     *yaml.Node // the document's top mapping
	swagger  bool       // Swagger 2.0 rather than OpenAPI 3.x
	consumes []string   // 2.0: the document's default request media types
	defs     map[string]*Schema
	building map[string]bool // $ref targets being read: a reference back to one is recursion
	aliases  int
	err      *Error
}

func newReader(file string, root *yaml.Node) *reader {
	return &reader{file: file, root: root, defs: map[string]*Schema{}, building: map[string]bool{}}
}

// fail records the first error, at node n (which may be nil).
func (r *reader) fail(n *yaml.Node, format string, args ...any) {
	if r.err != nil {
		return
	}
	r.err = &Error{File: r.file, Problem: fmt.Sprintf(format, args...)}
	if n != nil {
		r.err.Line, r.err.Column = n.Line, n.Column
	}
}

// loc is the Location of a site: the line of its key when it has one.
func (r *reader) loc(s site) Location {
	n := s.key
	if n == nil {
		n = s.val
	}
	l := Location{File: r.file, Pointer: s.ptr}
	if n != nil {
		l.Line, l.Column = n.Line, n.Column
	}
	return l
}

// ref returns the $ref string of a mapping node, or "".
func (r *reader) ref(n *yaml.Node) string {
	k, v := r.field(n, "$ref")
	if k == nil || v == nil || v.Kind != yaml.ScalarNode {
		return ""
	}
	return v.Value
}

// deref follows a chain of $refs from s to the node that defines it. It
// returns s itself when s is no reference, and nil after an error.
func (r *reader) deref(s site) *site {
	var chain []string
	for {
		ref := r.ref(s.val)
		if ref == "" {
			return &s
		}
		if slices.Contains(chain, ref) || len(chain) == maxRefHops {
			r.fail(s.val, "$ref loop: %s", strings.Join(append(chain, ref), " → "))
			return nil
		}
		chain = append(chain, ref)
		t := r.resolve(s.val, ref)
		if t == nil {
			return nil
		}
		s = *t
	}
}

// resolve finds the target of a local $ref written at node at.
func (r *reader) resolve(at *yaml.Node, ref string) *site {
	ptr, ok := refPointer(ref)
	if !ok {
		r.fail(at, "$ref %q points outside this document: only local references (#/...) are supported; bundle the spec into one file first", ref)
		return nil
	}
	cur := site{val: r.root, ptr: ""}
	if ptr == "" {
		return &cur
	}
	if !strings.HasPrefix(ptr, "/") {
		r.fail(at, "$ref %q is not a JSON pointer: write it as #/components/schemas/Name", ref)
		return nil
	}
	for tok := range strings.SplitSeq(ptr[1:], "/") {
		next := r.step(cur, unescapePointer(tok))
		if next == nil {
			r.fail(at, "$ref %q does not resolve: nothing at %q under %q", ref, tok, orRoot(cur.ptr))
			return nil
		}
		cur = *next
	}
	return &cur
}

// step moves one JSON pointer token down from s: a mapping key or a sequence index.
func (r *reader) step(s site, tok string) *site {
	n := r.unalias(s.val)
	if n != nil && n.Kind == yaml.SequenceNode {
		i, err := strconv.Atoi(tok)
		if err != nil || i < 0 || i >= len(n.Content) {
			return nil
		}
		v := r.unalias(n.Content[i])
		return &site{key: v, val: v, ptr: s.ptr + "/" + tok}
	}
	k, v := r.field(n, tok)
	if v == nil {
		return nil
	}
	return &site{key: k, val: v, ptr: s.ptr + "/" + escapePointer(tok)}
}

func orRoot(ptr string) string {
	if ptr == "" {
		return "the document root"
	}
	return ptr
}
