package proxy

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

// bound is the compiled form of one schema: the limits that apply to a
// value at its place in the body, and the bounds of its members. A
// negative max is no limit.
type bound struct {
	maxLength, maxItems, maxProps int64
	min, max                      float64
	hasMin, hasMax                bool
	exclMin, exclMax              bool

	props map[string]*bound // declared properties; a nil value bounds nothing
	items *bound
	extra *bound // properties not declared (additionalProperties)

	// alts are the bounds of oneOf/anyOf alternatives by the JSON kind of
	// the value they describe, when that kind tells them apart (an object
	// or an array of objects, say); an alternative sharing its kind with
	// another is not checked, since the value alone cannot choose it.
	alts *[kindCount]*bound
}

// JSON value kinds, for choosing a oneOf/anyOf alternative.
const (
	kindObject = iota
	kindArray
	kindString
	kindNumber
	kindCount
)

// kindOfSchema is the JSON kind a schema describes, or -1 when it does not say.
func kindOfSchema(s *openapi.Schema) int {
	switch s.Type {
	case "object":
		return kindObject
	case "array":
		return kindArray
	case "string":
		return kindString
	case "integer", "number":
		return kindNumber
	case "":
		switch {
		case len(s.Properties) > 0 || s.AdditionalProperties != nil || s.MaxProperties != nil:
			return kindObject
		case s.Items != nil || s.MaxItems != nil:
			return kindArray
		}
	}
	return -1
}

// kindOfByte is the JSON kind of a value that starts with c, or -1.
func kindOfByte(c byte) int {
	switch {
	case c == '{':
		return kindObject
	case c == '[':
		return kindArray
	case c == '"':
		return kindString
	case c == '-' || (c >= '0' && c <= '9'):
		return kindNumber
	}
	return -1
}

// boundCompiler turns schemas into bounds once each: schemas reached through
// the same $ref are the same *openapi.Schema and get the same *bound, and a
// recursive schema points back at its ancestor's bound.
type boundCompiler struct {
	done  map[*openapi.Schema]*bound
	byRef map[string]*bound
}

// body returns the bounds of a JSON request body; nil when it has none.
func (bc *boundCompiler) body(b *openapi.Body) *bound {
	if b == nil || b.Schema == nil || !acceptsJSON(b.ContentTypes) {
		return nil
	}
	return bc.bound(b.Schema)
}

func acceptsJSON(types []string) bool {
	for _, t := range types {
		t = strings.ToLower(strings.TrimSpace(strings.SplitN(t, ";", 2)[0]))
		if t == "application/json" || strings.HasSuffix(t, "+json") || t == "*/*" || t == "application/*" {
			return true
		}
	}
	return false
}

func (bc *boundCompiler) bound(s *openapi.Schema) *bound {
	if s == nil {
		return nil
	}
	if s.Recursive {
		return bc.byRef[s.Ref]
	}
	if b, ok := bc.done[s]; ok {
		return b
	}
	b := &bound{maxLength: limitOf(s.MaxLength), maxItems: limitOf(s.MaxItems), maxProps: limitOf(s.MaxProperties)}
	if s.Minimum != nil {
		b.min, b.hasMin, b.exclMin = *s.Minimum, true, s.ExclusiveMinimum
	}
	if s.Maximum != nil {
		b.max, b.hasMax, b.exclMax = *s.Maximum, true, s.ExclusiveMaximum
	}
	bc.done[s] = b
	if s.Ref != "" {
		bc.byRef[s.Ref] = b
	}
	bc.members(b, s)
	bc.alternatives(b, s)
	if b.empty() {
		bc.done[s] = nil
		return nil
	}
	return b
}

// members compiles the schemas of properties, items and additional
// properties.
func (bc *boundCompiler) members(b *bound, s *openapi.Schema) {
	bounded := false
	for _, p := range s.Properties {
		pb := bc.bound(p.Schema)
		if b.props == nil {
			b.props = make(map[string]*bound, len(s.Properties))
		}
		b.props[p.Name] = pb
		bounded = bounded || pb != nil
	}
	b.items = bc.bound(s.Items)
	b.extra = bc.bound(s.AdditionalProperties)
	if !bounded && b.extra == nil {
		b.props = nil // nothing to look up: every property is unbounded
	}
}

// alternatives compiles oneOf/anyOf alternatives that the kind of a value
// tells apart.
func (bc *boundCompiler) alternatives(b *bound, s *openapi.Schema) {
	var alts [kindCount]*bound
	var seen [kindCount]int
	for _, alt := range s.OneOf {
		k := kindOfSchema(alt)
		if k < 0 {
			return // an untyped alternative could be any value: choose none
		}
		seen[k]++
		alts[k] = bc.bound(alt)
	}
	any := false
	for k := range alts {
		if seen[k] > 1 {
			alts[k] = nil
		}
		any = any || alts[k] != nil
	}
	if any {
		b.alts = &alts
	}
}

func limitOf(p *int64) int64 {
	if p == nil {
		return -1
	}
	return *p
}

func (b *bound) empty() bool {
	return b.maxLength < 0 && b.maxItems < 0 && b.maxProps < 0 && !b.hasMin && !b.hasMax &&
		b.props == nil && b.items == nil && b.extra == nil && b.alts == nil
}

// member is the bound of the property named key (raw JSON string content).
func (b *bound) member(key []byte, scratch *[]byte) *bound {
	if b == nil || (b.props == nil && b.extra == nil) {
		return nil
	}
	if hasBackslash(key) {
		*scratch = unescape((*scratch)[:0], key)
		key = *scratch
	}
	if m, ok := b.props[string(key)]; ok {
		return m
	}
	return b.extra
}

// check walks a JSON document that the JSON guard has accepted and returns
// the first value past a bound, as "path: what, the limit", or "".
// Containers are judged when they end, after their members.
func (b *bound) check(doc []byte) string {
	w := bodyWalker{b: doc}
	v := w.value(b, 0)
	if v == nil || w.bad {
		return ""
	}
	path := v.path
	if path == "" {
		path = "body"
	}
	return path + ": " + v.what
}

// violation is a value past a bound; path grows as the walk unwinds.
type violation struct {
	path, what string
}

func (v *violation) under(name string) *violation {
	switch {
	case v.path == "":
		v.path = name
	case v.path[0] == '[':
		v.path = name + v.path
	default:
		v.path = name + "." + v.path
	}
	return v
}

// maxWalkDepth stops a walk that nests deeper than any JSON guard setting
// would let through; the rest of such a document is not checked.
const maxWalkDepth = 10000

// bodyWalker reads valid JSON in place. It trusts the JSON guard for
// validity but not for safety: on bytes that are not JSON it stops, sets
// bad and checks nothing more.
type bodyWalker struct {
	b       []byte
	i       int
	bad     bool
	scratch []byte // unescaped keys
}

func (w *bodyWalker) space() {
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

// next returns the byte at the read position, or 0 (and bad) at the end.
func (w *bodyWalker) next() byte {
	w.space()
	if w.i >= len(w.b) {
		w.bad = true
		return 0
	}
	return w.b[w.i]
}

func (w *bodyWalker) value(b *bound, depth int) *violation {
	if depth > maxWalkDepth {
		w.bad = true
		return nil
	}
	c := w.next()
	if b != nil && b.alts != nil {
		if k := kindOfByte(c); k >= 0 {
			b = b.alts[k]
		} else {
			b = nil
		}
	}
	switch {
	case c == '{':
		return w.object(b, depth)
	case c == '[':
		return w.array(b, depth)
	case c == '"':
		n := w.str()
		if b != nil && b.maxLength >= 0 && n > b.maxLength {
			return &violation{what: strconv.FormatInt(n, 10) + " characters, the contract allows at most " + strconv.FormatInt(b.maxLength, 10)}
		}
	case c == '-' || (c >= '0' && c <= '9'):
		start := w.i
		w.span()
		if b != nil && (b.hasMin || b.hasMax) {
			return b.number(w.b[start:w.i])
		}
	case c >= 'a' && c <= 'z':
		w.span()
	default:
		w.bad = true
	}
	return nil
}

func (w *bodyWalker) object(b *bound, depth int) *violation {
	w.i++
	var n int64
	if w.next() == '}' {
		w.i++
		return nil
	}
	for !w.bad {
		if w.next() != '"' {
			w.bad = true
			return nil
		}
		start := w.i
		w.str()
		key := w.b[start+1 : max(w.i-1, start+1)]
		if w.next() != ':' {
			w.bad = true
			return nil
		}
		w.i++
		if v := w.value(b.member(key, &w.scratch), depth+1); v != nil {
			return v.under(keyName(key))
		}
		n++
		switch w.next() {
		case ',':
			w.i++
		case '}':
			w.i++
			if b != nil && b.maxProps >= 0 && n > b.maxProps {
				return &violation{what: strconv.FormatInt(n, 10) + " properties, the contract allows at most " + strconv.FormatInt(b.maxProps, 10)}
			}
			return nil
		default:
			w.bad = true
		}
	}
	return nil
}

func (w *bodyWalker) array(b *bound, depth int) *violation {
	w.i++
	var n int64
	if w.next() == ']' {
		w.i++
		return nil
	}
	var items *bound
	if b != nil {
		items = b.items
	}
	for !w.bad {
		if v := w.value(items, depth+1); v != nil {
			return v.under("[" + strconv.FormatInt(n, 10) + "]")
		}
		n++
		switch w.next() {
		case ',':
			w.i++
		case ']':
			w.i++
			if b != nil && b.maxItems >= 0 && n > b.maxItems {
				return &violation{what: strconv.FormatInt(n, 10) + " items, the contract allows at most " + strconv.FormatInt(b.maxItems, 10)}
			}
			return nil
		default:
			w.bad = true
		}
	}
	return nil
}

// span skips a number or a literal (true, false, null).
func (w *bodyWalker) span() {
	for w.i < len(w.b) {
		switch c := w.b[w.i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c == '-', c == '+', c == '.', c == 'E':
			w.i++
		default:
			return
		}
	}
}

// str skips a string and returns its length in characters (Unicode code
// points, as JSON Schema counts them): an escape is one character, and so is
// a \u surrogate pair.
func (w *bodyWalker) str() int64 {
	var n int64
	w.i++ // the opening quote
	for w.i < len(w.b) {
		c := w.b[w.i]
		switch {
		case c == '"':
			w.i++
			return n
		case c == '\\':
			w.i += escapeLen(w.b[w.i:])
		default:
			w.i++
		}
		if c < utf8.RuneSelf || c >= 0xC0 {
			n++ // not a UTF-8 continuation byte: a new character
		}
	}
	w.bad = true
	return n
}

// escapeLen is the length of the escape at the start of b: 2 for \n and
// the like, 6 for \uXXXX, 12 for a surrogate pair.
func escapeLen(b []byte) int {
	if len(b) < 6 || b[1] != 'u' {
		return 2
	}
	if r := hex4(b[2:6]); r >= 0xD800 && r < 0xDC00 && len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
		if lo := hex4(b[8:12]); lo >= 0xDC00 && lo < 0xE000 {
			return 12
		}
	}
	return 6
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return -1
		}
	}
	return r
}

func hasBackslash(b []byte) bool {
	for _, c := range b {
		if c == '\\' {
			return true
		}
	}
	return false
}

// unescape appends the text of the JSON string content s to dst.
func unescape(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		if s[i] != '\\' {
			dst = append(dst, s[i])
			i++
			continue
		}
		n := escapeLen(s[i:])
		if i+1 >= len(s) {
			return dst
		}
		switch e := s[i+1]; {
		case e == 'u' && n == 12:
			dst = utf8.AppendRune(dst, 0x10000+(hex4(s[i+2:])-0xD800)<<10+(hex4(s[i+8:])-0xDC00))
		case e == 'u' && n == 6:
			dst = utf8.AppendRune(dst, hex4(s[i+2:]))
		default:
			dst = append(dst, simpleEscapes[e])
		}
		i += n
	}
	return dst
}

var simpleEscapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// keyName is a property name as it appears in a violation's path.
func keyName(raw []byte) string {
	if hasBackslash(raw) {
		return string(unescape(nil, raw))
	}
	return string(raw)
}

// number checks a JSON number against minimum and maximum.
func (b *bound) number(raw []byte) *violation {
	x, err := strconv.ParseFloat(string(raw), 64)
	if err != nil && x == 0 {
		return nil // not a number the guard would have let through
	}
	switch {
	case b.hasMax && b.exclMax && x >= b.max:
		return &violation{what: string(raw) + ", the contract allows less than " + formatBound(b.max)}
	case b.hasMax && x > b.max:
		return &violation{what: string(raw) + ", the contract allows at most " + formatBound(b.max)}
	case b.hasMin && b.exclMin && x <= b.min:
		return &violation{what: string(raw) + ", the contract allows more than " + formatBound(b.min)}
	case b.hasMin && x < b.min:
		return &violation{what: string(raw) + ", the contract allows at least " + formatBound(b.min)}
	}
	return nil
}

func formatBound(x float64) string {
	if x > -1e21 && x < 1e21 {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}
