package inspect

import (
	"fmt"
	"strconv"
)

// stringSpecial reads one byte of an escape or of a multi-byte UTF-8 sequence.
func (s *JSONScanner) stringSpecial(p []byte, i int) (int, *Violation) {
	if s.off+int64(i) >= s.strEnd {
		return i, s.stringViolation()
	}
	c := p[i]
	switch s.state {
	case jsEscape:
		return s.escape(i, c)
	case jsUnicode:
		if !isHex(c) {
			return i, s.syntax(i, c, `in \u hexadecimal character escape`)
		}
	default:
		if c < s.lo || c > s.hi {
			return i, s.badUTF8(i)
		}
		s.lo, s.hi = 0x80, 0xBF
	}
	if s.need--; s.need == 0 {
		s.state = jsString
	}
	return i + 1, nil
}

// escape reads the byte after a backslash.
func (s *JSONScanner) escape(i int, c byte) (int, *Violation) {
	switch c {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.state = jsString
	case 'u':
		s.state, s.need = jsUnicode, 4
	default:
		return i, s.syntax(i, c, "in string escape code")
	}
	return i + 1, nil
}

// utf8Lead reads the first byte of a multi-byte UTF-8 sequence and sets the
// range of the byte after it (Unicode 15, table 3-7: no overlongs, no
// surrogates, nothing past U+10FFFF).
func (s *JSONScanner) utf8Lead(i int, c byte) (int, *Violation) {
	lead := utf8Leads[c]
	if lead.need == 0 {
		return i, s.badUTF8(i)
	}
	s.state, s.need, s.lo, s.hi = jsUTF8, lead.need, lead.lo, lead.hi
	return i + 1, nil
}

// utf8Lead describes what follows a UTF-8 lead byte.
type utf8Lead struct {
	need   uint8 // continuation bytes; 0 for a byte that cannot lead
	lo, hi byte  // range of the first continuation byte
}

// utf8Leads holds, for each lead byte, the continuation bytes it needs.
var utf8Leads = func() (t [256]utf8Lead) {
	for c := 0xC2; c <= 0xDF; c++ {
		t[c] = utf8Lead{1, 0x80, 0xBF}
	}
	for c := 0xE0; c <= 0xEF; c++ {
		t[c] = utf8Lead{2, 0x80, 0xBF}
	}
	for c := 0xF0; c <= 0xF4; c++ {
		t[c] = utf8Lead{3, 0x80, 0xBF}
	}
	t[0xE0].lo = 0xA0 // no overlong 3-byte forms
	t[0xED].hi = 0x9F // no surrogates
	t[0xF0].lo = 0x90 // no overlong 4-byte forms
	t[0xF4].hi = 0x8F // nothing past U+10FFFF
	return t
}()

// stringPlain marks bytes that stand for themselves inside a string.
var stringPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// jsonSpace marks the four whitespace bytes of RFC 8259.
var jsonSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// isHex reports whether c is a hexadecimal digit.
func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// syntax builds the "json-syntax" Violation for byte c at p[i], worded as
// encoding/json words it.
func (s *JSONScanner) syntax(i int, c byte, where string) *Violation {
	off := s.off + int64(i)
	return badRequest("json-syntax", off, "invalid JSON at byte %d: invalid character %s %s", off, quoteByte(c), where)
}

// badUTF8 builds the "json-syntax" Violation for a byte of p[i] that breaks UTF-8.
func (s *JSONScanner) badUTF8(i int) *Violation {
	off := s.off + int64(i)
	return badRequest("json-syntax", off, "invalid JSON at byte %d: invalid UTF-8 in string", off)
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
