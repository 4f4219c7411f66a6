package demo

import (
	"errors"
	"fmt"
)

// errRecursion is what the app answers, with a 500, for JSON nested past
// its depth limit: the error Python's json.loads raises.
var errRecursion = errors.New("RecursionError: maximum recursion depth exceeded while decoding a JSON document")

// countItems parses body as one JSON value and returns how many items it
// creates: the number of elements of a top-level array, else 1.
//
// The parser recurses once per level of nesting, as CPython's json module
// does, and gives up with errRecursion past maxDepth levels: that is the
// weakness the app exists to show, so it must not be made iterative.
func countItems(body []byte, maxDepth int) (int, error) {
	p := &jsonParser{data: body, maxDepth: maxDepth}
	p.space()
	n, err := p.value(1)
	if err != nil {
		return 0, err
	}
	p.space()
	if p.pos != len(p.data) {
		return 0, p.errorf("extra data after the value")
	}
	return n, nil
}

type jsonParser struct {
	data     []byte
	pos      int
	maxDepth int
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at byte %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *jsonParser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// value parses the value at depth and returns its element count for an
// array, else 1.
func (p *jsonParser) value(depth int) (int, error) {
	if p.pos >= len(p.data) {
		return 0, p.errorf("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '[' || c == '{':
		if depth > p.maxDepth {
			return 0, errRecursion
		}
		if c == '[' {
			return p.array(depth)
		}
		return 1, p.object(depth)
	case c == '"':
		return 1, p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return 1, p.number()
	default:
		return 1, p.literal()
	}
}

func (p *jsonParser) array(depth int) (int, error) {
	p.pos++ // '['
	p.space()
	if p.consume(']') {
		return 0, nil
	}
	for n := 1; ; n++ {
		p.space()
		if _, err := p.value(depth + 1); err != nil {
			return 0, err
		}
		p.space()
		if p.consume(']') {
			return n, nil
		}
		if !p.consume(',') {
			return 0, p.errorf("expected , or ] in array")
		}
	}
}

func (p *jsonParser) object(depth int) error {
	p.pos++ // '{'
	p.space()
	if p.consume('}') {
		return nil
	}
	for {
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return p.errorf("expected a string key in object")
		}
		if err := p.str(); err != nil {
			return err
		}
		p.space()
		if !p.consume(':') {
			return p.errorf("expected : after object key")
		}
		p.space()
		if _, err := p.value(depth + 1); err != nil {
			return err
		}
		p.space()
		if p.consume('}') {
			return nil
		}
		if !p.consume(',') {
			return p.errorf("expected , or } in object")
		}
	}
}

func (p *jsonParser) consume(c byte) bool {
	if p.pos < len(p.data) && p.data[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *jsonParser) str() error {
	p.pos++ // '"'
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		p.pos++
		switch {
		case c == '"':
			return nil
		case c < 0x20:
			return p.errorf("control character in string")
		case c == '\\':
			if err := p.escape(); err != nil {
				return err
			}
		}
	}
	return p.errorf("unterminated string")
}

func (p *jsonParser) escape() error {
	if p.pos >= len(p.data) {
		return p.errorf("unterminated escape")
	}
	c := p.data[p.pos]
	p.pos++
	switch c {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return nil
	case 'u':
		for range 4 {
			if p.pos >= len(p.data) || !isHex(p.data[p.pos]) {
				return p.errorf("bad \\u escape")
			}
			p.pos++
		}
		return nil
	}
	return p.errorf("bad escape \\%c", c)
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// number accepts -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (p *jsonParser) number() error {
	p.consume('-')
	switch {
	case p.consume('0'):
	case p.digits() == 0:
		return p.errorf("bad number")
	}
	if p.consume('.') && p.digits() == 0 {
		return p.errorf("bad number: no digits after the point")
	}
	if p.consume('e') || p.consume('E') {
		if !p.consume('+') {
			p.consume('-')
		}
		if p.digits() == 0 {
			return p.errorf("bad number: no digits in the exponent")
		}
	}
	return nil
}

func (p *jsonParser) digits() int {
	start := p.pos
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
	}
	return p.pos - start
}

func (p *jsonParser) literal() error {
	for _, lit := range []string{"true", "false", "null"} {
		if len(p.data)-p.pos >= len(lit) && string(p.data[p.pos:p.pos+len(lit)]) == lit {
			p.pos += len(lit)
			return nil
		}
	}
	return p.errorf("unexpected character %q", p.data[p.pos])
}
