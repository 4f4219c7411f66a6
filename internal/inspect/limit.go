package inspect

import "io"

// LimitReader returns a reader that reads from r until r ends or more than
// limit bytes arrive. The first limit bytes read as usual; when r holds more, the
// read that would pass limit returns the bytes up to limit together with a
// *Violation{Reason: "body-size", Status: 413, Offset: limit}, and every later
// read returns the same error.
//
// Unlike io.LimitReader it reports the excess instead of a quiet EOF, and
// unlike http.MaxBytesReader it needs no ResponseWriter and fails with the
// same error type as the shape guards, which pass it on when they read
// through it. It is not safe for concurrent use.
func LimitReader(r io.Reader, limit int64) io.Reader {
	return &limitReader{r: r, left: limit, limit: limit}
}

// limitReader is the reader LimitReader returns.
type limitReader struct {
	r           io.Reader
	left, limit int64
	err         error
}

// Read reads at most one byte past the limit, to learn whether r goes on.
func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	if int64(n) <= l.left {
		l.left -= int64(n)
		return n, err
	}
	n, l.left = int(l.left), 0
	l.err = tooLarge("body-size", l.limit, "body larger than %d bytes", l.limit)
	return n, l.err
}
