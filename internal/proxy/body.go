package proxy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/inspect"
)

// bodyTooLargeError ends a streamed read past max_body. It reaches the
// reverse proxy's error handler through the transport, which answers 413.
type bodyTooLargeError struct{ max int64 }

func (e *bodyTooLargeError) Error() string {
	return "request body exceeds max_body of " + strconv.FormatInt(e.max, 10) + " bytes"
}

// errBodyTimeout ends a streamed body that did not arrive within
// timeouts.body; the error handler answers 408 for it.
var errBodyTimeout = errors.New("request body not received within timeouts.body")

// limitedBody streams a body the proxy does not inspect, counting bytes and
// failing the read that passes max. The read deadline set for the body is
// cleared at EOF, so it cannot cut the response that follows.
type limitedBody struct {
	r      io.ReadCloser
	rc     *http.ResponseController
	w      *recorder // told why the body ended, for the error handler
	max, n int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.max > 0 && int64(len(p)) > b.max-b.n+1 {
		p = p[:b.max-b.n+1]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF {
		if rs, _ := readErrorReason(err); rs == reasonBodyTimeout {
			b.w.bodyFault = reasonBodyTimeout
			return n, errBodyTimeout
		}
	}
	if b.max > 0 && b.n > b.max {
		b.w.bodyFault = reasonBodySize
		return n, &bodyTooLargeError{max: b.max}
	}
	if err == io.EOF {
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.r.Close() }

var jsonScanners = sync.Pool{New: func() any { return inspect.NewJSONScanner(inspect.JSONLimits{}) }}

// guardBody applies max_body and, for JSON, XML and multipart bodies, the
// shape limits. Inspected bodies are read whole (at most max_body bytes)
// before the upstream sees a byte; other bodies stream through a counter.
func (s *Server) guardBody(w *recorder, r *http.Request, lim *limits) (reason, string) {
	if r.Body == nil || r.Body == http.NoBody {
		return reasonNone, ""
	}
	if lim.maxBody > 0 && r.ContentLength > lim.maxBody {
		return reasonBodySize, "Content-Length " + strconv.FormatInt(r.ContentLength, 10) + " exceeds max_body of " + strconv.FormatInt(lim.maxBody, 10) + " bytes"
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(s.cfg.Timeouts.Body))
	kind, boundary := inspect.KindOf(r.Header.Get("Content-Type"))
	if kind == inspect.Other {
		r.Body = &limitedBody{r: r.Body, rc: rc, w: w, max: lim.maxBody}
		return reasonNone, ""
	}
	buf, rs, detail := s.readInspected(r, lim, kind)
	if rs != reasonNone {
		// The deadline stays: the server's attempt to drain the rest of a
		// refused body must not wait on a slow client.
		return rs, detail
	}
	_ = rc.SetReadDeadline(time.Time{})
	switch kind {
	case inspect.JSON:
		if rs, detail := s.checkContract(r, buf); rs != reasonNone {
			return rs, detail
		}
	case inspect.XML:
		if rs, detail := violationReason(inspect.CheckXML(bytes.NewReader(buf), lim.xml), reasonXMLSyntax); rs != reasonNone {
			return rs, detail
		}
	case inspect.Multipart:
		if rs, detail := violationReason(inspect.CheckMultipart(bytes.NewReader(buf), boundary, lim.multipart), reasonMultipartSyntax); rs != reasonNone {
			return rs, detail
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(buf))
	r.ContentLength = int64(len(buf))
	r.TransferEncoding = nil
	return reasonNone, ""
}

// readInspected reads the body into memory, at most max_body bytes, feeding
// JSON to the scanner as it arrives so a too-deep document stops early.
func (s *Server) readInspected(r *http.Request, lim *limits, kind inspect.Kind) ([]byte, reason, string) {
	size := int64(32 << 10)
	if r.ContentLength > 0 {
		size = r.ContentLength + 1
	}
	if lim.maxBody > 0 {
		size = min(size, lim.maxBody+1)
	}
	buf := make([]byte, 0, size)
	var js *inspect.JSONScanner
	if kind == inspect.JSON {
		js = jsonScanners.Get().(*inspect.JSONScanner)
		js.Reset(lim.json)
		defer jsonScanners.Put(js)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Body.Read(buf[len(buf):cap(buf)])
		chunk := buf[len(buf) : len(buf)+n]
		buf = buf[:len(buf)+n]
		if lim.maxBody > 0 && int64(len(buf)) > lim.maxBody {
			return nil, reasonBodySize, "request body exceeds max_body of " + strconv.FormatInt(lim.maxBody, 10) + " bytes"
		}
		if js != nil && n > 0 {
			if _, jerr := js.Write(chunk); jerr != nil {
				rs, detail := violationReason(jerr, reasonJSONSyntax)
				return nil, rs, detail
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			rs, detail := readErrorReason(err)
			return nil, rs, detail
		}
	}
	if js != nil {
		if err := js.Close(); err != nil {
			rs, detail := violationReason(err, reasonJSONSyntax)
			return nil, rs, detail
		}
	}
	return buf, reasonNone, ""
}

// violationReason maps an inspect.Violation onto the proxy's reasons; any
// other error is the fallback reason.
func violationReason(err error, fallback reason) (reason, string) {
	if err == nil {
		return reasonNone, ""
	}
	var v *inspect.Violation
	if errors.As(err, &v) {
		if rs, ok := reasonByName[v.Reason]; ok {
			return rs, v.Detail
		}
	}
	return fallback, err.Error()
}

// readErrorReason tells a slow client (408) from one that went away.
func readErrorReason(err error) (reason, string) {
	var ne net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return reasonBodyTimeout, "the request body did not arrive within timeouts.body"
	}
	return reasonClientGone, ""
}
