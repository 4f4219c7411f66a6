package proxy

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestResponsesStreamThrough: the client reads the upstream's first chunk
// while the upstream is still holding the rest back.
func TestResponsesStreamThrough(t *testing.T) {
	p := newTestPKI(t)
	release := make(chan struct{})
	up := &upstream{release: make(chan struct{}), entered: make(chan struct{}, 1)}
	up.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write([]byte("data: first\n\n"))
		http.NewResponseController(w).Flush()
		<-release
		w.Write([]byte("data: second\n\n"))
	}))
	defer up.Server.Close()
	r := startProxyWith(t, p, up, "", nil)
	resp, err := r.client(t, "alice", false).Get(r.url("/events"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if sc.Text() != "" {
				lines <- sc.Text()
			}
		}
		close(lines)
	}()
	select {
	case l := <-lines:
		if l != "data: first" {
			t.Fatalf("first line %q", l)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first chunk did not stream through before the upstream finished")
	}
	close(release)
	if l := <-lines; l != "data: second" {
		t.Fatalf("second line %q", l)
	}
}

// TestClientGoneMidResponse: a client that hangs up while the response
// streams leaves no request counted in flight, and its line is logged.
func TestClientGoneMidResponse(t *testing.T) {
	p := newTestPKI(t)
	up := &upstream{release: make(chan struct{}), entered: make(chan struct{}, 1)}
	up.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 32<<10)
		for i := 0; i < 2000 && r.Context().Err() == nil; i++ {
			w.Write(chunk)
			http.NewResponseController(w).Flush()
			time.Sleep(time.Millisecond)
		}
	}))
	defer up.Server.Close()
	r := startProxyWith(t, p, up, "", nil)
	c := r.client(t, "alice", false)
	resp, err := c.Get(r.url("/big"))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close() // hang up mid-response
	c.Transport.(*http.Transport).CloseIdleConnections()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rec := httptest.NewRecorder()
		r.srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if strings.Contains(rec.Body.String(), "\nmtlsguard_inflight_requests 0\n") &&
			strings.Contains(rec.Body.String(), `mtlsguard_requests_total{outcome="client_gone",reason="client-gone"} 1`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("in-flight gauge or client_gone count wrong after the client left:\n%s", grepLines(rec.Body.String(), "mtlsguard_inflight_requests", "mtlsguard_requests_total"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(r.logs.String(), `"decision":"client-gone"`) {
		t.Errorf("no access line for the aborted request:\n%s", r.logs.String())
	}
}

func grepLines(s string, prefixes ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
			}
		}
	}
	return strings.Join(out, "\n")
}
