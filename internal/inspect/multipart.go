package inspect

import (
	"io"
	"mime/multipart"
)

// MultipartLimits bounds a multipart/form-data body. A zero field means no
// limit for that field.
type MultipartLimits struct {
	// MaxParts is the largest allowed number of parts; one more is
	// "multipart-parts" (413).
	MaxParts int
	// MaxPartSize is the largest allowed part body in bytes, as sent (no
	// transfer decoding), headers excluded; one byte more is
	// "multipart-part-size" (413).
	MaxPartSize int64
}

// CheckMultipart reads a multipart body with the given boundary from r and
// returns a *Violation for the first part past a limit or the first
// malformation, or nil. It streams: no part is held in memory.
//
// Offsets count the bytes read from r when the decision was made; the
// multipart reader reads ahead in blocks of up to 4 KiB, so they can lie past
// the offending part's start. An error from r itself is returned as it is when
// it is a *Violation, wrapped otherwise.
func CheckMultipart(r io.Reader, boundary string, l MultipartLimits) error {
	if boundary == "" {
		return badRequest("multipart-syntax", 0, "multipart body without a boundary parameter in its Content-Type")
	}
	src := &source{r: r}
	mr := multipart.NewReader(src, boundary)
	for parts := 1; ; parts++ {
		part, err := mr.NextRawPart()
		// Not errors.Is: NextPart wraps io.EOF when the body ends early.
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return multipartError(src, err)
		}
		if l.MaxParts > 0 && parts > l.MaxParts {
			return tooLarge("multipart-parts", src.n, "multipart body has more than %d parts", l.MaxParts)
		}
		if err := checkPart(src, part, l.MaxPartSize); err != nil {
			return err
		}
	}
}

// checkPart reads one part to its end, or to one byte past limit.
func checkPart(src *source, part *multipart.Part, limit int64) error {
	body := io.Reader(part)
	if limit > 0 {
		body = io.LimitReader(part, limit+1)
	}
	n, err := io.Copy(io.Discard, body)
	if err != nil {
		return multipartError(src, err)
	}
	if limit > 0 && n > limit {
		return tooLarge("multipart-part-size", src.n, "multipart part %.64q is larger than %d bytes", part.FormName(), limit)
	}
	return nil
}

// multipartError maps a multipart reader's error: the body's own error is
// passed on, anything else is malformed input.
func multipartError(src *source, err error) error {
	if rerr := src.readError("multipart"); rerr != nil {
		return rerr
	}
	return badRequest("multipart-syntax", src.n, "invalid multipart body: %v", err)
}
