package inspect

import (
	"fmt"
	"strconv"
)

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
	if c = p[i]; !valueFirst[c] {
		v = s.syntax(i, c, "looking for beginning of value")
		goto fail
	}
	if tokens++; tokens > maxTokens {
		v = s.tokenViolation(i)
		goto fail
	}
	if c == '-' || (c >= '0' && c <= '9') {
		s.numStart = off + int64(i)
	}
	switch c {
	case '"':
		s.isKey, s.strEnd = false, off+int64(i)+1+s.maxString
		i++
		goto str
	case '{':
		if s.depth++; s.depth > s.depthCap {
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
		if s.depth++; s.depth > s.depthCap {
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
		if i+1 < len(p) && p[i+1] >= '1' && p[i+1] <= '9' {
			i += 2
			st = jsNumInt
			goto digits
		}
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
		if n := s.utf8Sequence(p, i); n > 0 {
			i += n
			goto str
		}
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
	if off+int64(i)-s.numStart > s.maxNumber {
		v = s.numberViolation()
		goto fail
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
	if i+1 < len(p) && p[i+1] >= '0' && p[i+1] <= '9' {
		i += 2
		st = numberDigitNext[st]
		goto digits
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

// valueFirst marks the bytes that can start a value.
var valueFirst = func() (t [256]bool) {
	for _, c := range []byte(`{["-0123456789tfn`) {
		t[c] = true
	}
	return t
}()

// literals maps the first byte of a literal to the literal.
var literals = [256]string{'t': "true", 'f': "false", 'n': "null"}

// stringPlain marks bytes that stand for themselves inside a string.
var stringPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// jsonSpace marks the four whitespace bytes of RFC 8259.
var jsonSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// mark records the kind of the innermost container.
func (s *JSONScanner) mark(object bool) {
	d := uint(s.depth - 1)
	if object {
		s.stack[d>>6] |= 1 << (d & 63)
		return
	}
	s.stack[d>>6] &^= 1 << (d & 63)
}

// grow handles the rare side of opening a container, past depthCap: it
// refuses one past MaxDepth, or adds a word to the depth stack before marking
// it.
func (s *JSONScanner) grow(i int, object bool) *Violation {
	if s.depth > s.maxDepth {
		off := s.off + int64(i)
		return badRequest("json-depth", off, "JSON nesting depth exceeds %d at byte %d", s.limits.MaxDepth, off)
	}
	s.stack = append(s.stack, 0)
	s.depthCap = min(s.maxDepth, len(s.stack)<<6)
	s.mark(object)
	return nil
}

// pop closes the innermost array or object and returns the state after it.
// It reads the parent's kind without a branch (jsObjAfter is jsArrAfter-1):
// in nested documents the kind alternates in ways a predictor cannot guess.
func (s *JSONScanner) pop() jsonState {
	if s.depth--; s.depth == 0 {
		return jsDone
	}
	d := uint(s.depth - 1)
	return jsArrAfter - jsonState(s.stack[d>>6]>>(d&63)&1)
}

// tokenViolation builds the "json-tokens" Violation for the token at p[i].
func (s *JSONScanner) tokenViolation(i int) *Violation {
	off := s.off + int64(i)
	return tooLarge("json-tokens", off, "JSON token count exceeds %d at byte %d", s.limits.MaxTokens, off)
}

// stringViolation builds the "json-string" Violation for the current string.
func (s *JSONScanner) stringViolation() *Violation {
	return tooLarge("json-string", s.strEnd, "JSON string longer than %d bytes at byte %d", s.limits.MaxString, s.strEnd)
}

// numberViolation builds the "json-number" Violation for the current number.
func (s *JSONScanner) numberViolation() *Violation {
	end := s.numStart + s.maxNumber
	return tooLarge("json-number", end, "JSON number longer than %d bytes at byte %d", s.limits.MaxNumber, end)
}

// syntax builds the "json-syntax" Violation for byte c at p[i], worded as
// encoding/json words it.
func (s *JSONScanner) syntax(i int, c byte, where string) *Violation {
	off := s.off + int64(i)
	return badRequest("json-syntax", off, "invalid JSON at byte %d: invalid character %s %s", off, quoteByte(c), where)
}

// quoteByte renders a byte for an error message.
func quoteByte(c byte) string {
	switch {
	case c == '\'':
		return `'\''`
	case c == '"':
		return `'"'`
	case c >= 0x80:
		return fmt.Sprintf("byte 0x%02x", c)
	}
	q := strconv.Quote(string(rune(c)))
	return "'" + q[1:len(q)-1] + "'"
}
