package inspect

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// xmlCharset lets encoding/xml read documents that declare US-ASCII or
// ISO-8859-1 instead of UTF-8, which the parsers behind the proxy accept and
// so must the guard. Any other declared encoding is refused as syntax.
func xmlCharset(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "us-ascii", "ascii":
		return in, nil // a subset of UTF-8; other bytes fail as invalid UTF-8
	case "iso-8859-1", "iso_8859-1", "latin1", "latin-1", "l1":
		return &latin1Reader{r: in}, nil
	}
	return nil, fmt.Errorf("unsupported XML encoding %q: send UTF-8, US-ASCII or ISO-8859-1", label)
}

// latin1Reader turns ISO-8859-1 bytes into UTF-8: every byte is the code
// point of the same number.
type latin1Reader struct {
	r       io.Reader
	err     error  // r's error, returned once pending is drained
	pending []byte // converted bytes not yet returned
	in      [256]byte
	out     [512]byte // a byte becomes at most two
}

// Read returns converted bytes, reading more from r when none are pending.
func (l *latin1Reader) Read(p []byte) (int, error) {
	for len(l.pending) == 0 {
		if l.err != nil {
			return 0, l.err
		}
		var n int
		n, l.err = l.r.Read(l.in[:])
		l.pending = l.out[:0]
		for _, c := range l.in[:n] {
			l.pending = utf8.AppendRune(l.pending, rune(c))
		}
	}
	n := copy(p, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}
