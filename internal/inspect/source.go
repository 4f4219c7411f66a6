package inspect

import (
	"errors"
	"fmt"
	"io"
)

// source wraps the body a parser reads and remembers the error the body
// itself returned, so that a failed read (a body-size Violation, a dropped
// connection) is not mistaken for malformed input.
type source struct {
	r   io.Reader
	n   int64 // bytes read so far
	err error // the first error other than io.EOF
}

// Read reads from the body, counting bytes and keeping its error.
func (s *source) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.n += int64(n)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

// readError returns the body's own error, a Violation as it is and any other
// error wrapped, or nil when the body read cleanly and the fault is the
// input's.
func (s *source) readError(what string) error {
	if s.err == nil {
		return nil
	}
	var v *Violation
	if errors.As(s.err, &v) {
		return s.err
	}
	return fmt.Errorf("inspect: reading %s body: %w", what, s.err)
}
