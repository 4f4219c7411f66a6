package proxy

import (
	"strings"
	"testing"
	"time"
)

func TestRateLimitGCRAWithHeaders(t *testing.T) {
	clock := newFakeClock()
	r := startProxy(t, "defaults:\n  rate: 1/s\n  burst: 3\n", clock.Now)
	c := r.client(t, "alice", false)

	for i, wantR := range []string{`"default";r=2;t=1`, `"default";r=1;t=2`, `"default";r=0;t=3`} {
		res := get(t, c, r.url("/ping"))
		if res.status != 200 {
			t.Fatalf("request %d: status %d, body %s", i+1, res.status, res.body)
		}
		if got := res.header.Get("RateLimit-Policy"); got != `"default";q=3;w=3` {
			t.Errorf("request %d: RateLimit-Policy = %q", i+1, got)
		}
		if got := res.header.Get("RateLimit"); got != wantR {
			t.Errorf("request %d: RateLimit = %q, want %q", i+1, got, wantR)
		}
	}
	res := get(t, c, r.url("/ping"))
	p := problem(t, res, 429, "rate-limited")
	if res.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After = %q, want 1", res.header.Get("Retry-After"))
	}
	if res.header.Get("RateLimit") != `"default";r=0;t=3` {
		t.Errorf("RateLimit on 429 = %q", res.header.Get("RateLimit"))
	}
	if p["title"] != "Request rate limit exceeded" {
		t.Errorf("title = %v", p["title"])
	}
	// Another identity has its own budget.
	if res := get(t, r.client(t, "bob", false), r.url("/ping")); res.status != 200 {
		t.Fatalf("bob: status %d", res.status)
	}
	// One emission interval later alice has exactly one request again.
	clock.Advance(time.Second)
	if res := get(t, c, r.url("/ping")); res.status != 200 {
		t.Fatalf("after 1s: status %d", res.status)
	}
	problem(t, get(t, c, r.url("/ping")), 429, "rate-limited")
	if n := len(r.up.requests()); n != 5 {
		t.Errorf("upstream saw %d requests, want 5", n)
	}
}

func TestRateLimitPerRouteClassAndGroup(t *testing.T) {
	clock := newFakeClock()
	r := startProxy(t, `defaults:
  rate: 100/s
  burst: 100
groups:
  admins:
    match: {ou: admins}
    rate: 1000/s
    burst: 1000
routes:
  - path: /api/search
    rate: 1/m
    burst: 1
`, clock.Now)
	alice := r.client(t, "alice", false)
	if res := get(t, alice, r.url("/api/search?q=a")); res.status != 200 || res.header.Get("RateLimit-Policy") != `"/api/search";q=1;w=60` {
		t.Fatalf("first search: %d %q", res.status, res.header.Get("RateLimit-Policy"))
	}
	res := get(t, alice, r.url("/api/search?q=b"))
	problem(t, res, 429, "rate-limited")
	if res.header.Get("Retry-After") != "60" {
		t.Errorf("Retry-After = %q, want 60", res.header.Get("Retry-After"))
	}
	// The default class is separate: alice still has her default budget.
	if res := get(t, alice, r.url("/api/items")); res.status != 200 || res.header.Get("RateLimit-Policy") != `"default";q=100;w=1` {
		t.Fatalf("items: %d %q", res.status, res.header.Get("RateLimit-Policy"))
	}
	// The admins group's override applies to its members.
	if res := get(t, r.client(t, "root", false), r.url("/api/items")); res.header.Get("RateLimit-Policy") != `"default";q=1000;w=1` {
		t.Fatalf("root policy = %q", res.header.Get("RateLimit-Policy"))
	}
}

func TestInflightCap(t *testing.T) {
	r := startProxy(t, "defaults:\n  max_inflight: 1\n", nil)
	c := r.client(t, "alice", false)
	done := make(chan result, 1)
	go func() { done <- get(t, c, r.url("/hold")) }()
	<-r.up.entered
	problem(t, get(t, c, r.url("/ping")), 429, "too-many-inflight")
	// Another identity is not affected.
	if res := get(t, r.client(t, "bob", false), r.url("/ping")); res.status != 200 {
		t.Fatalf("bob: %d", res.status)
	}
	r.up.closeRelease()
	if res := <-done; res.status != 200 {
		t.Fatalf("held request: %d", res.status)
	}
	if res := get(t, c, r.url("/ping")); res.status != 200 {
		t.Fatalf("after release: %d", res.status)
	}
}

func TestInflightCountsHTTP2Streams(t *testing.T) {
	r := startProxy(t, "defaults:\n  max_inflight: 2\n", nil)
	c := r.client(t, "alice", true)
	done := make(chan result, 2)
	for range 2 {
		go func() { done <- get(t, c, r.url("/hold")) }()
	}
	<-r.up.entered
	<-r.up.entered
	res := get(t, c, r.url("/ping"))
	if res.proto != 2 {
		t.Fatalf("proto = HTTP/%d, want HTTP/2", res.proto)
	}
	problem(t, res, 429, "too-many-inflight")
	r.up.closeRelease()
	for range 2 {
		if res := <-done; res.status != 200 {
			t.Fatalf("held: %d", res.status)
		}
	}
}

func TestConnectionCap(t *testing.T) {
	r := startProxy(t, "defaults:\n  max_conns: 1\n", nil)
	first := r.client(t, "alice", false)
	if res := get(t, first, r.url("/ping")); res.status != 200 {
		t.Fatalf("first conn: %d", res.status)
	}
	second := r.client(t, "alice", false) // a new transport: a new connection
	res := get(t, second, r.url("/ping"))
	problem(t, res, 429, "too-many-connections")
	if !res.close {
		t.Error("refused connection not closed (no Connection: close)")
	}
	// The first connection keeps working; bob has his own cap.
	if res := get(t, first, r.url("/ping")); res.status != 200 {
		t.Fatalf("first conn again: %d", res.status)
	}
	if res := get(t, r.client(t, "bob", false), r.url("/ping")); res.status != 200 {
		t.Fatalf("bob: %d", res.status)
	}
	// Once the first closes, its slot is free again.
	first.Transport.(interface{ CloseIdleConnections() }).CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for {
		third := r.client(t, "alice", false)
		res := get(t, third, r.url("/ping"))
		if res.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot never freed: %d", res.status)
		}
		third.Transport.(interface{ CloseIdleConnections() }).CloseIdleConnections()
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(r.up.requests()); n < 4 {
		t.Errorf("upstream saw %d requests", n)
	}
}

func TestRouteAllowList(t *testing.T) {
	r := startProxy(t, `groups:
  admins:
    match: {ou: admins}
routes:
  - path: /api/admin/
    allow: [admins, "id:bob"]
`, nil)
	alice := r.client(t, "alice", false)
	for _, path := range []string{"/api/admin/users", "/api//admin/users", "/api/x/../admin/users", "/api/./admin/"} {
		p := problem(t, get(t, alice, r.url(path)), 403, "forbidden-route")
		if !strings.Contains(p["detail"].(string), "/api/admin/") {
			t.Errorf("%s: detail %v", path, p["detail"])
		}
	}
	for _, who := range []string{"root", "bob"} {
		if res := get(t, r.client(t, who, false), r.url("/api//admin/users")); res.status != 200 || !strings.Contains(res.body, `"path":"/api/admin/users"`) {
			t.Fatalf("%s: %d %s", who, res.status, res.body)
		}
	}
	if res := get(t, alice, r.url("/api/administrators")); res.status != 200 {
		t.Fatalf("prefix must match whole segments: %d", res.status)
	}
	for _, req := range r.up.requests() {
		if strings.HasPrefix(req.URL.Path, "/api/admin/") && req.Header.Get("X-SSL-Client-S-DN-CN") == "alice" {
			t.Fatalf("alice reached %s", req.URL.Path)
		}
	}
}

func TestMissingIdentityKey(t *testing.T) {
	r := startProxy(t, "identity:\n  key: spiffe\n", nil)
	problem(t, get(t, r.client(t, "alice", false), r.url("/ping")), 403, "missing-identity")
	if res := get(t, r.client(t, "svc", false), r.url("/ping")); res.status != 200 {
		t.Fatalf("svc: %d", res.status)
	}
}
