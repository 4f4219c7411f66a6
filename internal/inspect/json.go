package inspect

import (
	"math"
	"sync"
)

// JSONLimits bounds the shape of a JSON document. A zero field means no limit
// for that field. When one byte both breaks the syntax and passes a limit, the
// syntax error is reported; when it passes MaxTokens and MaxDepth, the token
// limit is.
type JSONLimits struct {
	// MaxDepth is the deepest allowed nesting of arrays and objects: "[]" has
	// depth 1, "[[]]" depth 2, a bare scalar depth 0. Exceeding it is
	// "json-depth" (400), decided at the opening bracket.
	MaxDepth int
	// MaxTokens is the largest allowed number of lexical tokens: each of
	// { } [ ] : , counts one, and so does each string (object keys included),
	// number, true, false and null. {"a":[1,2]} has 9. Exceeding it is
	// "json-tokens" (413), decided at the first byte of the excess token.
	MaxTokens int
	// MaxString is the longest allowed string, keys included, in raw bytes
	// between the quotes as sent (escapes count as written, so "\u00e9" is 6).
	// The raw length is never smaller than the decoded one, so the limit is
	// conservative. Exceeding it is "json-string" (413), decided at the first
	// byte past the limit.
	MaxString int64
}

// jsonState is what the scanner expects next.
type jsonState uint8

const (
	jsValue        jsonState = iota // the start of a value
	jsValueOrClose                  // after '[': a value or ']'
	jsKey                           // after ',' in an object: a key
	jsKeyOrClose                    // after '{': a key or '}'
	jsColon                         // after a key
	jsObjAfter                      // after a value in an object: ',' or '}'
	jsArrAfter                      // after a value in an array: ',' or ']'
	jsDone                          // after the top-level value: whitespace only
	jsString                        // inside a string
	jsEscape                        // after '\' in a string
	jsUnicode                       // inside \uXXXX; need hex digits left
	jsUTF8                          // inside a multi-byte UTF-8 sequence; need bytes left in [lo, hi]
	jsNumMinus                      // after '-'
	jsNumZero                       // after a leading '0'
	jsNumInt                        // in the integer digits
	jsNumDot                        // after '.'
	jsNumFrac                       // in the fraction digits
	jsNumE                          // after 'e' or 'E'
	jsNumESign                      // after the exponent's sign
	jsNumExp                        // in the exponent digits
	jsLiteral                       // inside true, false or null
)

// JSONScanner checks a JSON document (RFC 8259) fed to it in pieces, and stops
// at the first byte that breaks the syntax or a limit. It is a byte state
// machine: it keeps no tokens, never recurses, and tracks nesting in a bit
// stack, so a document 100,000 levels deep costs 12.5 KiB of stack bits when
// MaxDepth is 0 and nothing more when it is set. After the first document it
// does not allocate, except to build the *Violation it returns.
//
// It accepts what encoding/json.Valid accepts, except that strings must be
// valid UTF-8, as RFC 8259 §8.1 requires and Python's decoder enforces.
//
// A JSONScanner is not safe for concurrent use. Its zero value is not ready;
// use NewJSONScanner or Reset.
type JSONScanner struct {
	limits    JSONLimits
	maxDepth  int   // limits.MaxDepth, or the largest int for none
	maxTokens int   // limits.MaxTokens, or the largest int for none
	maxString int64 // limits.MaxString, or 2⁶² for none (offsets stay far below)
	state     jsonState
	after     jsonState // the state after a complete value at the current depth
	isKey     bool      // the string being read is an object key
	need      uint8     // hex digits or UTF-8 continuation bytes still expected
	lo, hi    byte      // range of the next UTF-8 continuation byte
	lit       string    // the literal being read
	litPos    int       // bytes of lit already matched
	depth     int       // open arrays and objects
	stack     []uint64  // bit d is 1 when the container at depth d+1 is an object
	tokens    int       // tokens seen
	strEnd    int64     // offset of the first string byte past MaxString
	off       int64     // offset of the first byte of the next Write
	err       *Violation
}

// NewJSONScanner returns a scanner ready for a document checked against l.
func NewJSONScanner(l JSONLimits) *JSONScanner {
	s := &JSONScanner{}
	s.Reset(l)
	return s
}

// Reset readies s for a new document checked against l, keeping the memory it
// has grown.
func (s *JSONScanner) Reset(l JSONLimits) {
	stack := s.stack[:0]
	*s = JSONScanner{limits: l, stack: stack, maxDepth: l.MaxDepth, maxTokens: l.MaxTokens, after: jsDone}
	if l.MaxDepth <= 0 {
		s.maxDepth = math.MaxInt
	}
	if l.MaxTokens <= 0 {
		s.maxTokens = math.MaxInt
	}
	if s.maxString = l.MaxString; l.MaxString <= 0 {
		s.maxString = 1 << 62
	}
}

// Write scans the next bytes of the document. It returns a *Violation as soon
// as a byte breaks the syntax or passes a limit; n is then the number of bytes
// of p before that byte (the Violation's Offset counts from the document's
// start), and every later Write returns the same error.
func (s *JSONScanner) Write(p []byte) (n int, err error) {
	if s.err != nil {
		return 0, s.err
	}
	if _, v := s.scan(p); v != nil {
		s.err = v
		return int(v.Offset - s.off), v
	}
	s.off += int64(len(p))
	return len(p), nil
}

// Close ends the document: it returns the error Write returned, or a
// "json-syntax" Violation when the document is incomplete, or nil.
func (s *JSONScanner) Close() error {
	if s.err != nil {
		return s.err
	}
	switch s.state {
	case jsDone:
		return nil
	case jsNumZero, jsNumInt, jsNumFrac, jsNumExp:
		if s.depth == 0 {
			return nil
		}
	}
	s.err = badRequest("json-syntax", s.off, "invalid JSON at byte %d: unexpected end of JSON input", s.off)
	return s.err
}

// scan is the scanner's hot loop. Each label is a state and each transition
// a goto, so that the common path (structural bytes, keys, short strings and
// numbers) takes predictable direct branches and keeps its state in registers:
// a switch per token ran at half this speed, a call per state at a third. The
// rare states (escapes, UTF-8 sequences, literals or numbers split across
// writes) are methods reached through slow, which reads and sets s.state.
func (s *JSONScanner) scan(p []byte) (i int, v *Violation) {
	var c byte
	st, after, tokens, maxTokens, off := s.state, s.after, s.tokens, s.maxTokens, s.off
resume:
	switch st {
	case jsValue:
		goto value
	case jsValueOrClose:
		goto valueOrClose
	case jsKey:
		goto key
	case jsKeyOrClose:
		goto keyOrClose
	case jsColon:
		goto colon
	case jsObjAfter:
		goto objAfter
	case jsArrAfter:
		goto arrAfter
	case jsString:
		goto str
	case jsNumZero:
		goto numZero
	case jsNumInt, jsNumFrac, jsNumExp:
		goto digits
	case jsDone:
		goto done
	}
	goto slow

valueOrClose:
	for ; i < len(p) && jsonSpace[p[i]]; i++ {
	}
	if i == len(p) {
		st = jsValueOrClose
		goto save
	}
	if p[i] == ']' {
		goto closeBracket
	}
	goto valueByte
value:
	for ; i < len(p) && jsonSpace[p[i]]; i++ {
	}
	if i == len(p) {
		st = jsValue
		goto save
	}
valueByte:
	if c = p[i]; valueStart[c] == jsBad {
		v = s.syntax(i, c, "looking for beginning of value")
		goto fail
	}
	if tokens++; tokens > maxTokens {
		v = s.tokenViolation(i)
		goto fail
	}
	switch c {
	case '"':
		s.isKey, s.strEnd = false, off+int64(i)+1+s.maxString
		i++
		goto str
	case '{':
		if s.depth++; s.depth > s.maxDepth || s.depth > len(s.stack)<<6 {
			if v = s.grow(i, true); v != nil {
				goto fail
			}
		} else {
			s.mark(true)
		}
		after = jsObjAfter
		i++
		goto keyOrClose
	case '[':
		if s.depth++; s.depth > s.maxDepth || s.depth > len(s.stack)<<6 {
			if v = s.grow(i, false); v != nil {
				goto fail
			}
		} else {
			s.mark(false)
		}
		after = jsArrAfter
		i++
		goto valueOrClose
	case '0':
		i++
		goto numZero
	case '-':
		i++
		st = jsNumMinus
		goto slow
	case 't', 'f', 'n':
		lit := literals[c]
		if len(p)-i >= len(lit) && string(p[i:i+len(lit)]) == lit {
			i += len(lit)
			goto afterValue
		}
		s.lit, s.litPos, st = lit, 1, jsLiteral
		i++
		goto slow
	}
	i++
	st = jsNumInt
	goto digits

keyOrClose:
	for ; i < len(p) && jsonSpace[p[i]]; i++ {
	}
	if i == len(p) {
		st = jsKeyOrClose
		goto save
	}
	if p[i] == '}' {
		goto closeBracket
	}
	goto keyByte
key:
	for ; i < len(p) && jsonSpace[p[i]]; i++ {
	}
	if i == len(p) {
		st = jsKey
		goto save
	}
keyByte:
	if c = p[i]; c != '"' {
		v = s.syntax(i, c, "looking for beginning of object key string")
		goto fail
	}
	if tokens++; tokens > maxTokens {
		v = s.tokenViolation(i)
		goto fail
	}
	s.isKey, s.strEnd = true, off+int64(i)+1+s.maxString
	i++
	goto str

colon:
	for ; i < len(p) && jsonSpace[p[i]]; i++ {
	}
	if i == len(p) {
		st = jsColon
		goto save
	}
	if c = p[i]; c != ':' {
		v = s.syntax(i, c, "after object key")
		goto fail
	}
	if tokens++; tokens > maxTokens {
		v = s.tokenViolation(i)
		goto fail
	}
	i++
	goto value

str:
	for ; i < len(p) && stringPlain[p[i]]; i++ {
	}
	if i == len(p) {
		if off+int64(i) > s.strEnd {
			v = s.stringViolation()
			goto fail
		}
		st = jsString
		goto save
	}
	if c = p[i]; c == '"' {
		if off+int64(i) > s.strEnd {
			v = s.stringViolation()
			goto fail
		}
		i++
		if s.isKey {
			goto colon
		}
		goto afterValue
	}
	if off+int64(i) >= s.strEnd {
		v = s.stringViolation()
		goto fail
	}
	switch {
	case c == '\\':
		st = jsEscape
		i++
	case c < 0x20:
		v = s.syntax(i, c, "in string literal")
		goto fail
	default:
		if i, v = s.utf8Lead(i, c); v != nil {
			goto fail
		}
		st = jsUTF8
	}
	goto slow

numZero:
	if i == len(p) {
		st = jsNumZero
		goto save
	}
	st = jsNumInt
	if c = p[i]; c >= '0' && c <= '9' {
		goto afterValue // "01": the number ends at the '1', which is then refused
	}
	goto numberPart
digits:
	for ; i < len(p) && p[i] >= '0' && p[i] <= '9'; i++ {
	}
	if i == len(p) {
		goto save
	}
numberPart:
	switch c = p[i]; {
	case c == '.' && st == jsNumInt:
		st = jsNumDot
	case (c == 'e' || c == 'E') && st != jsNumExp:
		st = jsNumE
	default:
		goto afterValue
	}
	i++
	goto slow

closeBracket:
	if tokens++; tokens > maxTokens {
		v = s.tokenViolation(i)
		goto fail
	}
	after = s.pop()
	i++
afterValue:
	switch after {
	case jsObjAfter:
		goto objAfter
	case jsArrAfter:
		goto arrAfter
	}
	goto done

objAfter:
	for ; i < len(p) && jsonSpace[p[i]]; i++ {
	}
	if i == len(p) {
		st = jsObjAfter
		goto save
	}
	switch c = p[i]; c {
	case '}':
		goto closeBracket
	case ',':
		if tokens++; tokens > maxTokens {
			v = s.tokenViolation(i)
			goto fail
		}
		i++
		goto key
	}
	v = s.syntax(i, c, "after object key:value pair")
	goto fail

arrAfter:
	for ; i < len(p) && jsonSpace[p[i]]; i++ {
	}
	if i == len(p) {
		st = jsArrAfter
		goto save
	}
	switch c = p[i]; c {
	case ']':
		goto closeBracket
	case ',':
		if tokens++; tokens > maxTokens {
			v = s.tokenViolation(i)
			goto fail
		}
		i++
		goto value
	}
	v = s.syntax(i, c, "after array element")
	goto fail

done:
	for ; i < len(p) && jsonSpace[p[i]]; i++ {
	}
	if i == len(p) {
		st = jsDone
		goto save
	}
	v = s.syntax(i, p[i], "after top-level value")
	goto fail

slow:
	if i == len(p) {
		goto save
	}
	s.state, s.after = st, after
	if i, v = s.slow(p, i); v != nil {
		goto fail
	}
	st = s.state
	goto resume

save:
	s.state, s.after, s.tokens = st, after, tokens
	return i, nil
fail:
	s.after, s.tokens = after, tokens
	return i, v
}

// jsBad marks a byte that cannot start a value in valueStart.
const jsBad jsonState = 255

// valueStart maps the first byte of a value to the state after it.
var valueStart = func() (t [256]jsonState) {
	for c := range t {
		t[c] = jsBad
	}
	for c := '1'; c <= '9'; c++ {
		t[c] = jsNumInt
	}
	t['{'], t['['], t['"'] = jsKeyOrClose, jsValueOrClose, jsString
	t['-'], t['0'] = jsNumMinus, jsNumZero
	t['t'], t['f'], t['n'] = jsLiteral, jsLiteral, jsLiteral
	return t
}()

// literals maps the first byte of a literal to the literal.
var literals = [256]string{'t': "true", 'f': "false", 'n': "null"}

// slow handles one step of the rare states.
func (s *JSONScanner) slow(p []byte, i int) (int, *Violation) {
	switch s.state {
	case jsEscape, jsUnicode, jsUTF8:
		return s.stringSpecial(p, i)
	case jsLiteral:
		return s.literal(p, i)
	default:
		return s.numberDigit(p, i)
	}
}

// mark records the kind of the innermost container.
func (s *JSONScanner) mark(object bool) {
	d := uint(s.depth - 1)
	if object {
		s.stack[d>>6] |= 1 << (d & 63)
		return
	}
	s.stack[d>>6] &^= 1 << (d & 63)
}

// grow handles the rare side of opening a container: it refuses one past
// MaxDepth, or adds a word to the depth stack before marking it.
func (s *JSONScanner) grow(i int, object bool) *Violation {
	if s.depth > s.maxDepth {
		off := s.off + int64(i)
		return badRequest("json-depth", off, "JSON nesting depth exceeds %d at byte %d", s.limits.MaxDepth, off)
	}
	s.stack = append(s.stack, 0)
	s.mark(object)
	return nil
}

// stringViolation builds the "json-string" Violation for the current string.
func (s *JSONScanner) stringViolation() *Violation {
	return tooLarge("json-string", s.strEnd, "JSON string longer than %d bytes at byte %d", s.limits.MaxString, s.strEnd)
}

// pop closes the innermost array or object and returns the state after it.
func (s *JSONScanner) pop() jsonState {
	s.depth--
	d := s.depth - 1
	switch {
	case d < 0:
		return jsDone
	case s.stack[d>>6]>>(d&63)&1 == 1:
		return jsObjAfter
	}
	return jsArrAfter
}

// tokenViolation builds the "json-tokens" Violation for the token at p[i].
func (s *JSONScanner) tokenViolation(i int) *Violation {
	off := s.off + int64(i)
	return tooLarge("json-tokens", off, "JSON token count exceeds %d at byte %d", s.limits.MaxTokens, off)
}

// literal matches the rest of true, false or null.
func (s *JSONScanner) literal(p []byte, i int) (int, *Violation) {
	for ; i < len(p); i++ {
		if p[i] != s.lit[s.litPos] {
			return i, s.syntax(i, p[i], "in literal "+s.lit+" (expecting "+quoteByte(s.lit[s.litPos])+")")
		}
		if s.litPos++; s.litPos == len(s.lit) {
			s.state = s.after
			return i + 1, nil
		}
	}
	return i, nil
}

// numberDigit reads the byte after '-', '.', 'e' or the exponent's sign.
func (s *JSONScanner) numberDigit(p []byte, i int) (int, *Violation) {
	c := p[i]
	switch {
	case s.state == jsNumE && (c == '+' || c == '-'):
		s.state = jsNumESign
	case c < '0' || c > '9':
		return i, s.syntax(i, c, "in numeric literal")
	case s.state == jsNumMinus && c == '0':
		s.state = jsNumZero
	default:
		s.state = numberDigitNext[s.state]
	}
	return i + 1, nil
}

// numberDigitNext is the state after a digit in the states numberDigit reads.
var numberDigitNext = [...]jsonState{jsNumMinus: jsNumInt, jsNumDot: jsNumFrac, jsNumE: jsNumExp, jsNumESign: jsNumExp}

// scanners reuses scanners across CheckJSON calls so that checking allocates
// nothing once warm.
var scanners = sync.Pool{New: func() any { return &JSONScanner{} }}

// maxPooledStack is the largest depth stack, in words, kept in the pool; a
// scanner that went deeper is left to the garbage collector.
const maxPooledStack = 64

// CheckJSON checks a whole JSON document against l and returns the
// *Violation for the first byte that breaks the syntax or a limit, or nil.
// It is safe for concurrent use.
func CheckJSON(b []byte, l JSONLimits) error {
	s := scanners.Get().(*JSONScanner)
	s.Reset(l)
	_, err := s.Write(b)
	if err == nil {
		err = s.Close()
	}
	if cap(s.stack) <= maxPooledStack {
		scanners.Put(s)
	}
	return err
}
