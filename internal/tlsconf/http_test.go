package tlsconf

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/pki"
)

// TestHTTPServer serves Config() through net/http, as the proxy does, and
// checks that HTTP/2 and HTTP/1.1 are both negotiated and that the handler
// sees the verified client certificate.
func TestHTTPServer(t *testing.T) {
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{
		TLSConfig: f.srv.Config(),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, r.Proto+" "+r.TLS.PeerCertificates[0].Subject.CommonName)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go hs.ServeTLS(ln, "", "")
	t.Cleanup(func() { hs.Close() })
	conf := f.clientConf(f.client(pki.ClientSpec{CN: "alice"}))
	for _, tc := range []struct {
		protos []string
		want   string
	}{
		{[]string{"h2", "http/1.1"}, "HTTP/2.0 alice"},
		{[]string{"http/1.1"}, "HTTP/1.1 alice"},
	} {
		c := conf.Clone()
		c.NextProtos = tc.protos
		tr := &http.Transport{TLSClientConfig: c, ForceAttemptHTTP2: len(tc.protos) == 2}
		resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get("https://" + ln.Addr().String() + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tr.CloseIdleConnections()
		if string(body) != tc.want {
			t.Errorf("ALPN %v: body %q, want %q", tc.protos, body, tc.want)
		}
	}
}

// BenchmarkHandshake measures a full mTLS handshake (TLS 1.3, ECDSA P-256,
// client certificate verified, CRL checked) over loopback, client and
// server CPU together.
func BenchmarkHandshake(b *testing.B) {
	ca, _ := pki.NewCA("bench CA")
	server, _ := ca.Server()
	client, _ := ca.Client(pki.ClientSpec{CN: "alice"})
	dir := b.TempDir()
	files := map[string][]byte{"s.crt": server.CertPEM, "s.key": server.KeyPEM, "ca.crt": ca.CertPEM()}
	crl, _ := ca.CRL(nil, time.Hour)
	files["ca.crl"] = crl
	for n, d := range files {
		if err := os.WriteFile(dir+"/"+n, d, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	srv, err := NewServer(ServerOptions{CertFile: dir + "/s.crt", KeyFile: dir + "/s.key", ClientCAFile: dir + "/ca.crt", CRLFile: dir + "/ca.crl"})
	if err != nil {
		b.Fatal(err)
	}
	sconf := srv.Config()
	cconf := &tls.Config{RootCAs: ca.Pool(), Certificates: []tls.Certificate{client.TLSCertificate()}, ServerName: "localhost"}
	b.ReportAllocs()
	for b.Loop() {
		cc, sc := net.Pipe()
		errc := make(chan error, 1)
		go func() { errc <- tls.Server(sc, sconf).Handshake() }()
		if err := tls.Client(cc, cconf).Handshake(); err != nil {
			b.Fatal(err)
		}
		if err := <-errc; err != nil {
			b.Fatal(err)
		}
		cc.Close()
		sc.Close()
	}
}
