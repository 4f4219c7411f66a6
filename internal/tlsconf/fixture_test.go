package tlsconf

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/pki"
)

// fixture is a running mTLS echo server over files in a temporary
// directory, with certificates made by pki.
type fixture struct {
	t          *testing.T
	dir        string
	ca         *pki.CA
	opts       ServerOptions
	srv        *Server
	addr       string
	serverErrs chan error // handshake errors seen by the server
	logs       *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newFixture writes a CA, a server certificate and a CRL revoking
// revokedSerials, and starts a server on 127.0.0.1:0.
func newFixture(t *testing.T, revokedSerials ...*big.Int) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), ca: mustCA(t), serverErrs: make(chan error, 64), logs: &syncBuffer{}}
	f.opts = ServerOptions{
		CertFile:     filepath.Join(f.dir, "server.crt"),
		KeyFile:      filepath.Join(f.dir, "server.key"),
		ClientCAFile: filepath.Join(f.dir, "ca.crt"),
		CRLFile:      filepath.Join(f.dir, "ca.crl"),
		NextProtos:   []string{"h2", "http/1.1"},
		Logger:       slog.New(slog.NewTextHandler(f.logs, nil)),
	}
	f.writeServerPair(f.ca)
	f.write(f.opts.ClientCAFile, f.ca.CertPEM())
	f.writeCRL(f.ca, revokedSerials...)
	srv, err := NewServer(f.opts)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	f.listen()
	return f
}

func mustCA(t *testing.T) *pki.CA {
	t.Helper()
	ca, err := pki.NewCA("tlsconf test CA")
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func (f *fixture) listen() {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", f.srv.Config())
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { ln.Close() })
	f.addr = ln.Addr().String()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c.(*tls.Conn))
		}
	}()
}

// serve answers every line with "ok" once the handshake succeeds.
func (f *fixture) serve(c *tls.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if err := c.Handshake(); err != nil {
		select {
		case f.serverErrs <- err:
		default:
		}
		// Keep reading until the client goes, so that its first write
		// does not meet a reset that would hide the alert it must read.
		io.Copy(io.Discard, c.NetConn())
		return
	}
	r := bufio.NewReader(c)
	for {
		if _, err := r.ReadString('\n'); err != nil {
			return
		}
		if _, err := c.Write([]byte("ok\n")); err != nil {
			return
		}
	}
}

func (f *fixture) write(path string, data []byte) {
	f.t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) writeServerPair(ca *pki.CA) *pki.Pair {
	f.t.Helper()
	pair, err := ca.Server()
	if err != nil {
		f.t.Fatal(err)
	}
	f.write(f.opts.CertFile, pair.CertPEM)
	f.write(f.opts.KeyFile, pair.KeyPEM)
	return pair
}

func (f *fixture) writeCRL(ca *pki.CA, serials ...*big.Int) {
	f.t.Helper()
	crl, err := ca.CRL(serials, time.Hour)
	if err != nil {
		f.t.Fatal(err)
	}
	f.write(f.opts.CRLFile, crl)
}

func (f *fixture) client(spec pki.ClientSpec) *pki.Pair {
	return issueFrom(f.t, f.ca, spec)
}

func issueFrom(t *testing.T, ca *pki.CA, spec pki.ClientSpec) *pki.Pair {
	t.Helper()
	pair, err := ca.Client(spec)
	if err != nil {
		t.Fatal(err)
	}
	return pair
}

// clientConf trusts the fixture's first CA and presents pair (none if nil).
func (f *fixture) clientConf(pair *pki.Pair) *tls.Config {
	conf := &tls.Config{RootCAs: f.ca.Pool(), NextProtos: []string{"h2", "http/1.1"}}
	if pair != nil {
		conf.Certificates = []tls.Certificate{pair.TLSCertificate()}
	}
	return conf
}

// dial connects with conf and exchanges one line. A refused client
// certificate shows up in the handshake (TLS 1.2) or the first read (1.3).
func (f *fixture) dial(conf *tls.Config) (*tls.Conn, error) {
	d := tls.Dialer{Config: conf, NetDialer: &net.Dialer{Timeout: 10 * time.Second}}
	c, err := d.Dial("tcp", f.addr)
	if err != nil {
		return nil, err
	}
	tc := c.(*tls.Conn)
	if err := ping(tc); err != nil {
		tc.Close()
		return nil, err
	}
	return tc, nil
}

func ping(c *tls.Conn) error {
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "ok\n" {
		return errors.New("unexpected reply " + line)
	}
	return nil
}

// accept asserts that conf's client is accepted and returns the connection.
func (f *fixture) accept(conf *tls.Config) *tls.Conn {
	f.t.Helper()
	c, err := f.dial(conf)
	if err != nil {
		f.t.Fatalf("client refused: %v", err)
	}
	f.t.Cleanup(func() { c.Close() })
	return c
}

// refuse asserts that conf's client is refused with an error containing
// clientWant, and that the server's handshake error contains serverWant.
func (f *fixture) refuse(conf *tls.Config, clientWant, serverWant string) {
	f.t.Helper()
	c, err := f.dial(conf)
	if err == nil {
		c.Close()
		f.t.Fatalf("client accepted, want refusal with %q", clientWant)
	}
	if !strings.Contains(err.Error(), clientWant) {
		f.t.Errorf("client error %q, want it to contain %q", err, clientWant)
	}
	select {
	case serr := <-f.serverErrs:
		if !strings.Contains(serr.Error(), serverWant) {
			f.t.Errorf("server error %q, want it to contain %q", serr, serverWant)
		}
	case <-time.After(10 * time.Second):
		f.t.Errorf("server reported no handshake error, want %q", serverWant)
	}
}

func serverSerial(c *tls.Conn) *big.Int {
	return c.ConnectionState().PeerCertificates[0].SerialNumber
}

// staleCRL is a CRL by ca whose NextUpdate passed an hour ago.
func staleCRL(t *testing.T, ca *pki.CA, serials ...*big.Int) []byte {
	t.Helper()
	tmpl := &x509.RevocationList{
		Number:     big.NewInt(1),
		ThisUpdate: time.Now().Add(-2 * time.Hour),
		NextUpdate: time.Now().Add(-time.Hour),
	}
	for _, s := range serials {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{SerialNumber: s, RevocationTime: tmpl.ThisUpdate})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.Cert, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
