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
	// MaxNumber is the longest allowed number, in bytes as sent (sign,
	// digits, point and exponent). Python's int() refuses more than 4,300
	// digits with a ValueError, which a Django view that only catches
	// JSONDecodeError turns into a 500. Exceeding it is "json-number" (413),
	// decided at the end of the digit run that passes it.
	MaxNumber int64
}

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
	depthCap  int   // the depth past which scan calls grow: min(maxDepth, bits in stack)
	maxTokens int   // limits.MaxTokens, or the largest int for none
	maxString int64 // limits.MaxString, or 2⁶² for none (offsets stay far below)
	maxNumber int64 // limits.MaxNumber, or 2⁶² for none
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
	numStart  int64     // offset of the first byte of the number being read
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
	s.depthCap = min(s.maxDepth, len(s.stack)<<6)
	if l.MaxTokens <= 0 {
		s.maxTokens = math.MaxInt
	}
	if s.maxString = l.MaxString; l.MaxString <= 0 {
		s.maxString = 1 << 62
	}
	if s.maxNumber = l.MaxNumber; l.MaxNumber <= 0 {
		s.maxNumber = 1 << 62
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
