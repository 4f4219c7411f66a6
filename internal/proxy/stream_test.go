package proxy

import (
	"bufio"
	"net/http"
	"net/http/httptest"
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
