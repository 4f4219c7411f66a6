package load

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// RequestSpec describes the request a generator sends, the same each time.
type RequestSpec struct {
	// Method defaults to GET, or to POST when BodySize is positive.
	Method string
	// URL is absolute: http or https.
	URL string
	// Header is sent with every request; it is only read.
	Header http.Header
	// BodySize, when positive, sends a body of that many bytes, streamed
	// (it is never held in memory whole), with a Content-Length.
	BodySize int64
}

// Validate reports a URL that is not absolute http(s) and a negative body.
func (s RequestSpec) Validate() error {
	u, err := url.Parse(s.URL)
	if err != nil {
		return fmt.Errorf("request URL %q: %w", s.URL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("request URL %q is not absolute: give scheme and host, as in https://127.0.0.1:8443/api/ping", s.URL)
	}
	if s.BodySize < 0 {
		return fmt.Errorf("request body size %d is negative", s.BodySize)
	}
	return nil
}

func (s RequestSpec) method() string {
	switch {
	case s.Method != "":
		return s.Method
	case s.BodySize > 0:
		return http.MethodPost
	default:
		return http.MethodGet
	}
}

func (s RequestSpec) newRequest(ctx context.Context) (*http.Request, error) {
	var body io.Reader
	if s.BodySize > 0 {
		body = io.LimitReader(filler{}, s.BodySize)
	}
	req, err := http.NewRequestWithContext(ctx, s.method(), s.URL, body)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	if s.BodySize > 0 {
		req.ContentLength = s.BodySize
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	for k, vs := range s.Header {
		req.Header[k] = vs
	}
	return req, nil
}

// filler is an endless stream of 'x'.
type filler struct{}

func (filler) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}
