package load

import (
	"context"
	"crypto/tls"
	"errors"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/pki"
)

// hijackClose answers a request by closing its connection, with a reset
// when reset is set.
func hijackClose(reset bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		// Close the TCP connection under TLS, so that no close_notify
		// alert goes out first.
		tcp := conn.(interface{ NetConn() net.Conn }).NetConn().(*net.TCPConn)
		if reset {
			tcp.SetLinger(0)
		}
		tcp.Close()
	}
}

func TestResultsClassifyOutcomes(t *testing.T) {
	p := newTestPKI(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/throttled", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTooManyRequests) })
	mux.HandleFunc("/created", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		// Answer nothing: a 200 written as the client gives up can still
		// reach it.
		panic(http.ErrAbortHandler)
	})
	mux.HandleFunc("/reset", hijackClose(true))
	mux.HandleFunc("/close", hijackClose(false))
	srv := p.serve(t, mux)

	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	good := p.client(t, "alice")
	otherCA, err := pki.NewCA("other CA")
	if err != nil {
		t.Fatal(err)
	}
	otherCAFile := p.write(t, "other-ca.crt", otherCA.CertPEM())
	tests := []struct {
		name      string
		cert, key string
		caFile    string
		url       string
		statuses  map[int]int
		errs      map[string]int
		ok        int
		opts      ClientOptions
	}{
		{"2xx", good.cert, good.key, p.caFile, srv.URL + "/created", map[int]int{201: 2}, map[string]int{}, 2, ClientOptions{}},
		{"429", good.cert, good.key, p.caFile, srv.URL + "/throttled", map[int]int{429: 2}, map[string]int{}, 0, ClientOptions{}},
		{"timeout", good.cert, good.key, p.caFile, srv.URL + "/stall", map[int]int{}, map[string]int{ErrClassTimeout: 2}, 0, ClientOptions{Timeout: 100 * time.Millisecond}},
		{"reset", good.cert, good.key, p.caFile, srv.URL + "/reset", map[int]int{}, map[string]int{ErrClassReset: 2}, 0, ClientOptions{}},
		{"closed early", good.cert, good.key, p.caFile, srv.URL + "/close", map[int]int{}, map[string]int{ErrClassEOF: 2}, 0, ClientOptions{}},
		{"refused", good.cert, good.key, p.caFile, closedURL, map[int]int{}, map[string]int{ErrClassRefused: 2}, 0, ClientOptions{}},
		{"no client certificate", "", "", p.caFile, srv.URL + "/created", map[int]int{}, map[string]int{ErrClassTLS: 2}, 0, ClientOptions{}},
		{"untrusted server", good.cert, good.key, otherCAFile, srv.URL + "/created", map[int]int{}, map[string]int{ErrClassTLS: 2}, 0, ClientOptions{}},
		{"wrong server name", good.cert, good.key, p.caFile, srv.URL + "/created", map[int]int{}, map[string]int{ErrClassTLS: 2}, 0, ClientOptions{ServerName: "elsewhere.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.cert, tt.key, tt.caFile, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			// Two requests 50 ms apart: each on a fresh connection where
			// the first broke it.
			res := OpenLoop(context.Background(), c, RequestSpec{URL: tt.url}, 20, 100*time.Millisecond, 10)
			if res.Requests != 2 || res.OK != tt.ok || !maps.Equal(res.Statuses, tt.statuses) || !maps.Equal(res.Errors, tt.errs) {
				t.Errorf("got %d requests, %d ok, statuses %v, errors %v; want 2, %d, %v, %v",
					res.Requests, res.OK, res.Statuses, res.Errors, tt.ok, tt.statuses, tt.errs)
			}
		})
	}
}

func TestClassifyError(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{context.Canceled, ErrClassCanceled},
		{context.DeadlineExceeded, ErrClassTimeout},
		{&net.DNSError{Err: "no such host", Name: "nowhere.invalid"}, ErrClassDNS},
		{errors.New("something else"), ErrClassOther},
	}
	for _, tt := range tests {
		if got := ClassifyError(tt.err); got != tt.want {
			t.Errorf("ClassifyError(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestNewClientExplainsBadFiles(t *testing.T) {
	p := newTestPKI(t)
	good := p.client(t, "alice")
	notPEM := p.write(t, "not-pem.crt", []byte("hello"))
	tests := []struct {
		name              string
		cert, key, caFile string
		want              string
	}{
		{"missing certificate", p.dir + "/nope.crt", good.key, p.caFile, "nope.crt does not exist; check the path"},
		{"key without certificate", "", good.key, p.caFile, "give both the certificate and its key, or neither"},
		{"certificate with the wrong key", good.cert, p.client(t, "bob").key, p.caFile, "give the key that was issued with this certificate"},
		{"missing CA", good.cert, good.key, p.dir + "/nope-ca.crt", "server CA: CA file " + p.dir + "/nope-ca.crt does not exist"},
		{"CA not PEM", good.cert, good.key, notPEM, "holds no certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewClient(tt.cert, tt.key, tt.caFile, ClientOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewClient error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestClientProtocols(t *testing.T) {
	p := newTestPKI(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200 + r.ProtoMajor) // 201 for HTTP/1.1, 202 for HTTP/2
	}))
	srv.EnableHTTP2 = true
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{p.server.TLSCertificate()},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    p.ca.Pool(),
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	tests := []struct {
		name string
		opts ClientOptions
		want int
	}{
		{"HTTP/1.1 by default", ClientOptions{}, 201},
		{"HTTP/2 when asked", ClientOptions{HTTP2: true}, 202},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := p.newClient(t, "alice", tt.opts)
			if status, err := c.Do(context.Background(), RequestSpec{URL: srv.URL}); err != nil || status != tt.want {
				t.Errorf("Do = %d, %v; want %d", status, err, tt.want)
			}
		})
	}
}
