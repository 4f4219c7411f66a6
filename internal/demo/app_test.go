package demo

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// call sends one request to srv and returns the status and body.
func call(t *testing.T, srv *httptest.Server, method, path string, header http.Header, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func newTestApp(t *testing.T, o AppOptions) (*httptest.Server, *app) {
	t.Helper()
	h := NewApp(o)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, h.(*app)
}

func nested(depth int) []byte {
	return []byte(strings.Repeat("[", depth) + strings.Repeat("]", depth))
}

func TestAppEndpoints(t *testing.T) {
	srv, _ := newTestApp(t, AppOptions{SlowDelay: 10 * time.Millisecond, MaxJSONDepth: 50})
	tests := []struct {
		name, method, path string
		body               []byte
		status             int
		want               string
	}{
		{"ping", "GET", "/api/ping", nil, 200, `{"pong":true}`},
		{"slow", "GET", "/api/slow", nil, 200, `{"slept_ms":10}`},
		{"healthz", "GET", "/healthz", nil, 200, `{"status":"ok"}`},
		{"admin without role check", "GET", "/api/admin/users", nil, 200,
			`{"users":[{"cn":"admin","role":"admin"},{"cn":"alice","role":"user"},{"cn":"bob","role":"user"}]}`},
		{"one item", "POST", "/api/items", []byte(`{"name":"a","tags":["x"]}`), 201, `{"created":1}`},
		{"array of items", "POST", "/api/items", []byte(` [{"name":"a"},{"name":"b"},{"name":"c"}] `), 201, `{"created":3}`},
		{"nesting at the limit", "POST", "/api/items", nested(50), 201, `{"created":1}`},
		{"nesting past the limit", "POST", "/api/items", nested(51), 500,
			`{"error":"RecursionError: maximum recursion depth exceeded while decoding a JSON document"}`},
		{"objects past the limit", "POST", "/api/items", []byte(strings.Repeat(`{"a":`, 51) + "1" + strings.Repeat("}", 51)), 500,
			`{"error":"RecursionError: maximum recursion depth exceeded while decoding a JSON document"}`},
		{"invalid JSON", "POST", "/api/items", []byte(`{"name":}`), 400, `{"error":"invalid JSON: at byte 8: unexpected character '}'"}`},
		{"trailing data", "POST", "/api/items", []byte(`{} {}`), 400, `{"error":"invalid JSON: at byte 3: extra data after the value"}`},
		{"upload without limit", "POST", "/api/upload", bytes.Repeat([]byte("x"), 3<<20), 200, `{"bytes":3145728}`},
		{"unknown path", "GET", "/api/nope", nil, 404, `{"error":"not found"}`},
		{"wrong method", "POST", "/api/ping", nil, 405, `{"error":"method not allowed"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(t, srv, tt.method, tt.path, nil, tt.body)
			if status != tt.status || body != tt.want {
				t.Errorf("%s %s = %d %s, want %d %s", tt.method, tt.path, status, body, tt.status, tt.want)
			}
		})
	}
}

func TestAppWhoamiTrustsHeaders(t *testing.T) {
	srv, _ := newTestApp(t, AppOptions{})
	tests := []struct {
		name   string
		header http.Header
		want   string
	}{
		{"no header", nil, `{"cn":"anonymous"}`},
		{"CN header", http.Header{"X-Ssl-Client-Cn": {"alice"}}, `{"cn":"alice"}`},
		{"subject DN CN header", http.Header{"X-Ssl-Client-S-Dn-Cn": {"bob"}}, `{"cn":"bob"}`},
		{"subject DN CN first", http.Header{"X-Ssl-Client-S-Dn-Cn": {"bob"}, "X-Ssl-Client-Cn": {"alice"}}, `{"cn":"bob"}`},
		{"underscore spelling", http.Header{"X_SSL_Client_CN": {"admin"}}, `{"cn":"admin"}`},
		{"underscore beats dash", http.Header{"X-Ssl-Client-Cn": {"alice"}, "X_SSL_Client_CN": {"admin"}}, `{"cn":"admin"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(t, srv, "GET", "/api/whoami", tt.header, nil)
			if status != 200 || body != tt.want {
				t.Errorf("whoami = %d %s, want 200 %s", status, body, tt.want)
			}
		})
	}
}

// waitFor polls cond until it holds; the test's own timeout bounds it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestAppWorkerPoolSaturation(t *testing.T) {
	const delay = 300 * time.Millisecond
	srv, a := newTestApp(t, AppOptions{Workers: 4, SlowDelay: delay})
	start := time.Now()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { call(t, srv, "GET", "/api/slow", nil, nil) })
	}
	waitFor(t, "four busy workers", func() bool { return len(a.slots) == 4 })
	var fifth time.Duration
	wg.Go(func() {
		if status, _ := call(t, srv, "GET", "/api/slow", nil, nil); status != 200 {
			t.Errorf("fifth slow request: status %d, want 200", status)
		}
		fifth = time.Since(start)
	})
	waitFor(t, "the fifth request to queue", func() bool { return a.waiting.Load() == 1 })
	wg.Wait()
	// The fifth request can only start when one of the first four ends.
	if fifth < 2*delay {
		t.Errorf("fifth slow request took %v from the start, want at least %v", fifth, 2*delay)
	}
}

func TestAppBacklogFull(t *testing.T) {
	srv, a := newTestApp(t, AppOptions{Workers: 1, Backlog: 1, SlowDelay: 500 * time.Millisecond})
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { call(t, srv, "GET", "/api/slow", nil, nil) })
	waitFor(t, "a busy worker", func() bool { return len(a.slots) == 1 })
	wg.Go(func() { call(t, srv, "GET", "/api/ping", nil, nil) })
	waitFor(t, "a queued request", func() bool { return a.waiting.Load() == 1 })
	status, body := call(t, srv, "GET", "/api/ping", nil, nil)
	if status != 503 || body != `{"error":"service unavailable"}` {
		t.Errorf("request past the backlog = %d %s, want 503", status, body)
	}
}

func TestAppSpecIsTheEmbeddedContract(t *testing.T) {
	spec := AppSpec()
	for _, want := range []string{"openapi: 3.0.3", "/api/items:", "/api/admin/users:", "/api/whoami:", "maxLength: 64"} {
		if !bytes.Contains(spec, []byte(want)) {
			t.Errorf("AppSpec lacks %q", want)
		}
	}
	spec[0] = 'X'
	if AppSpec()[0] != 'o' {
		t.Error("AppSpec returned the embedded bytes themselves")
	}
}

func FuzzCountItems(f *testing.F) {
	for _, s := range []string{`{}`, `[1,2,3]`, `{"a":[true,false,null]}`, `"\u00e9"`, `-0.5e+3`, `[01]`, `{"a" 1}`, `[`, `"\x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := countItems(data, 64)
		if err == errRecursion {
			return
		}
		if valid := json.Valid(data); (err == nil) != valid {
			t.Errorf("countItems(%q) error = %v, but json.Valid = %v", data, err, valid)
		}
	})
}
