package inspect

// The rare states of the JSON scanner: escapes, multi-byte UTF-8, and
// literals or numbers cut by the end of a write. scan hands them over through
// slow, with the state in s.state.

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

// utf8Sequence returns the length of the valid UTF-8 sequence at p[i] when
// it lies whole in p and within MaxString, so that scan can read on; 0 sends
// the sequence byte by byte through the rare states, which also report it
// when it is invalid.
func (s *JSONScanner) utf8Sequence(p []byte, i int) int {
	lead := utf8Leads[p[i]]
	n := int(lead.need) + 1
	if lead.need == 0 || len(p)-i < n || s.off+int64(i+n) > s.strEnd {
		return 0
	}
	if c := p[i+1]; c < lead.lo || c > lead.hi {
		return 0
	}
	for _, c := range p[i+2 : i+n] {
		if c&0xC0 != 0x80 {
			return 0
		}
	}
	return n
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

// isHex reports whether c is a hexadecimal digit.
func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// badUTF8 builds the "json-syntax" Violation for a byte of p[i] that breaks UTF-8.
func (s *JSONScanner) badUTF8(i int) *Violation {
	off := s.off + int64(i)
	return badRequest("json-syntax", off, "invalid JSON at byte %d: invalid UTF-8 in string", off)
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
