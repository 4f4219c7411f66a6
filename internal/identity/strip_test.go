package identity

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/pki"
)

var stripCases = []struct {
	name  string
	strip bool
}{
	{"X-SSL-Client-CN", true},
	{"x_ssl_client_cn", true},
	{"X_Ssl-Client_S_DN", true},
	{"X-SSL-Client", true},
	{"SSL_CLIENT_S_DN_CN", true},
	{"Ssl-Client-Verify", true},
	{"X-Client-Cert", true},
	{"X-Client-Certificate", true},
	{"x_client_cert_chain", true},
	{"Client-Cert", true},
	{"client_cert_chain", true},
	{"X-Forwarded-Client-Cert", true},
	{"x_forwarded_client_cert", true},
	{"X-Forwarded-Tls-Client-Cert", true},
	{"X-Forwarded-Tls-Client-Cert-Info", true},
	{"X-Mtlsguard-Signature", true},
	{"x_mtlsguard_signature", true},
	{"X-App-Sig", true},        // extra
	{"X_Remote_User", true},    // extra, other spelling
	{"X-SSL-Clientele", false}, // another word, not in the family
	{"X-SSL-Cli", false},
	{"SSL-Clients", false},
	{"Client-Certificate", false}, // RFC 9440 names only Client-Cert and Client-Cert-Chain
	{"Client-Cert-Chains", false},
	{"X-Client", false},
	{"HTTP_X_SSL_CLIENT_CN", false}, // WSGI would map it to HTTP_HTTP_X_SSL_CLIENT_CN
	{"X-Forwarded-For", false},
	{"X-Forwarded-Client", false},
	{"Content-Type", false},
	{"X-Remote-Users", false},
}

var testExtra = []string{"X-App-Sig", "x-remote-user"}

func TestStripperMatches(t *testing.T) {
	s := NewStripper(testExtra)
	for _, tc := range stripCases {
		if got := s.Matches(tc.name); got != tc.strip {
			t.Errorf("Matches(%q) = %v, want %v", tc.name, got, tc.strip)
		}
	}
}

// TestStripOverRealServer sends every spelling on the wire to a real Go
// HTTP server, so the names are those net/http hands a proxy, and checks
// what is left after Strip.
func TestStripOverRealServer(t *testing.T) {
	s := NewStripper(testExtra)
	type result struct {
		stripped int
		left     []string
	}
	got := make(chan result, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.Strip(r.Header)
		var left []string
		for k := range r.Header {
			left = append(left, strings.ToLower(k))
		}
		got <- result{n, left}
	}))
	defer srv.Close()

	var req strings.Builder
	req.WriteString("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n")
	var wantLeft []string
	wantStripped := 0
	for _, tc := range stripCases {
		fmt.Fprintf(&req, "%s: spoofed\r\n", tc.name)
		if tc.strip {
			wantStripped++
		} else {
			wantLeft = append(wantLeft, strings.ToLower(tc.name))
		}
	}
	req.WriteString("\r\n")
	sendRaw(t, srv.Listener.Addr().String(), req.String())

	select {
	case r := <-got:
		wantLeft = append(wantLeft, "connection")
		slices.Sort(wantLeft)
		slices.Sort(r.left)
		if r.stripped != wantStripped || !slices.Equal(r.left, wantLeft) {
			t.Errorf("stripped %d, left %v; want %d, %v", r.stripped, r.left, wantStripped, wantLeft)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("handler never ran")
	}
}

func sendRaw(t *testing.T, addr, req string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// TestStripRemovesWhatSetWrites: the names Forwarder writes are all in the
// stripped families, so a client cannot pre-set any of them.
func TestStripRemovesWhatSetWrites(t *testing.T) {
	pair := issue(t, pki.ClientSpec{CN: "a", SPIFFE: "spiffe://x/y"})
	id := FromCertificate(pair.Cert)
	h := http.Header{}
	f := Forwarder{Headers: true, ClientCert: true, XFCC: true, SignSecret: []byte("k"), SignHeader: "X-App-Sig"}
	f.Set(h, &id, httptest.NewRequest("GET", "/", nil), time.Now())
	n := len(h)
	if got := NewStripper(testExtra).Strip(h); got != n || len(h) != 0 {
		t.Errorf("Strip removed %d of %d, left %v", got, n, h)
	}
}

// matchesReference is Matches written with allocating string functions.
func matchesReference(s *Stripper, name string) bool {
	n := normalize(name)
	for _, p := range strippedPrefixes {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return slices.Contains(strippedExact, n) || slices.Contains(s.extra, n)
}

func FuzzStrip(f *testing.F) {
	for _, tc := range stripCases {
		f.Add(tc.name + "\nContent-Type\nx_SSL_client_" + tc.name)
	}
	s := NewStripper(testExtra)
	f.Fuzz(func(t *testing.T, names string) {
		h := http.Header{}
		want := 0
		for _, name := range strings.Split(names, "\n") {
			if _, dup := h[name]; dup {
				continue
			}
			h[name] = []string{"v"}
			if matchesReference(s, name) {
				want++
			}
		}
		total := len(h)
		if got := s.Strip(h); got != want || len(h) != total-want {
			t.Fatalf("Strip = %d, %d left of %d; want %d stripped", got, len(h), total, want)
		}
		for name := range h {
			if s.Matches(name) || matchesReference(s, name) {
				t.Fatalf("%q left after Strip", name)
			}
		}
	})
}

func BenchmarkStripSet(b *testing.B) {
	pair := issue(b, pki.ClientSpec{CN: "alice", SPIFFE: "spiffe://example.org/sa/alice"})
	id := FromCertificate(pair.Cert)
	r := httptest.NewRequest("GET", "/api/items?page=2", nil)
	h := http.Header{
		"Accept": {"*/*"}, "User-Agent": {"bench"}, "Content-Type": {"application/json"},
		"Accept-Encoding": {"gzip"}, "X-Request-Id": {"abc"}, "Authorization": {"Bearer x"},
	}
	spoof := []string{"admin"}
	s := NewStripper([]string{"X-Remote-User"})
	f := Forwarder{Headers: true, ClientCert: true, XFCC: true, SignSecret: []byte("k")}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		h["X_ssl_client_cn"] = spoof
		s.Strip(h)
		f.Set(h, &id, r, now)
	}
}

func BenchmarkStrip(b *testing.B) {
	h := http.Header{
		"Accept": {"*/*"}, "User-Agent": {"bench"}, "Content-Type": {"application/json"},
		"Accept-Encoding": {"gzip"}, "X-Request-Id": {"abc"}, "Authorization": {"Bearer x"},
	}
	spoof := []string{"admin"}
	s := NewStripper([]string{"X-Remote-User"})
	b.ReportAllocs()
	for b.Loop() {
		h["X_ssl_client_cn"] = spoof
		s.Strip(h)
	}
}
