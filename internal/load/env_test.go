package load

import (
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/mtlsguard/mtlsguard/internal/pki"
)

// testPKI is a CA with a server certificate for 127.0.0.1 and client
// certificates, all written to a temporary directory.
type testPKI struct {
	ca     *pki.CA
	server *pki.Pair
	caFile string
	dir    string
}

// certFiles are the two PEM files of one client identity.
type certFiles struct{ cert, key string }

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	ca, err := pki.NewCA("load test CA")
	if err != nil {
		t.Fatal(err)
	}
	server, err := ca.Server("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	p := &testPKI{ca: ca, server: server, dir: t.TempDir()}
	p.caFile = p.write(t, "ca.crt", ca.CertPEM())
	return p
}

func (p *testPKI) write(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// client issues a client certificate for cn and writes it out.
func (p *testPKI) client(t *testing.T, cn string) certFiles {
	t.Helper()
	pair, err := p.ca.Client(pki.ClientSpec{CN: cn})
	if err != nil {
		t.Fatal(err)
	}
	return certFiles{p.write(t, cn+".crt", pair.CertPEM), p.write(t, cn+".key", pair.KeyPEM)}
}

// newClient returns a Client with cn's certificate that trusts the CA.
func (p *testPKI) newClient(t *testing.T, cn string, opts ClientOptions) *Client {
	t.Helper()
	f := p.client(t, cn)
	c, err := NewClient(f.cert, f.key, p.caFile, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// serve starts an mTLS server that requires a certificate from the CA.
func (p *testPKI) serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	// Handshake failures are expected in tests of them; keep them quiet.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{p.server.TLSCertificate()},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    p.ca.Pool(),
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// counter counts requests by the client certificate's CN.
type counter struct {
	mu   sync.Mutex
	byCN map[string]int
}

func (c *counter) add(r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byCN == nil {
		c.byCN = map[string]int{}
	}
	c.byCN[r.TLS.PeerCertificates[0].Subject.CommonName]++
}

func (c *counter) get(cn string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byCN[cn]
}
