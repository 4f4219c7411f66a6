package tlsconf

import (
	"context"
	"crypto/tls"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/pki"
)

func TestHandshakes(t *testing.T) {
	ca := mustCA(t)
	revoked := issueFrom(t, ca, pki.ClientSpec{CN: "revoked"})
	tests := []struct {
		name       string
		version    uint16
		pair       func(f *fixture) *pki.Pair
		clientWant string // "" = accepted
		serverWant string
	}{
		{"valid", tls.VersionTLS13, func(f *fixture) *pki.Pair { return f.client(pki.ClientSpec{CN: "alice"}) }, "", ""},
		{"valid TLS 1.2", tls.VersionTLS12, func(f *fixture) *pki.Pair { return f.client(pki.ClientSpec{CN: "alice"}) }, "", ""},
		{"no certificate", tls.VersionTLS13, func(*fixture) *pki.Pair { return nil }, "certificate required", "didn't provide a certificate"},
		{"no certificate TLS 1.2", tls.VersionTLS12, func(*fixture) *pki.Pair { return nil }, "handshake failure", "didn't provide a certificate"},
		{"untrusted CA", tls.VersionTLS13, func(f *fixture) *pki.Pair { return issueFrom(t, mustCA(t), pki.ClientSpec{CN: "alice"}) }, "unknown certificate authority", "unknown authority"},
		{"expired", tls.VersionTLS13, func(f *fixture) *pki.Pair { return f.client(pki.ClientSpec{CN: "old", Expired: true}) }, "expired certificate", "expired"},
		{"revoked", tls.VersionTLS13, func(*fixture) *pki.Pair { return revoked }, "bad certificate", `"revoked" (serial ` + revoked.Cert.SerialNumber.Text(16) + ") is revoked"},
		{"revoked TLS 1.2", tls.VersionTLS12, func(*fixture) *pki.Pair { return revoked }, "bad certificate", "is revoked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixtureWithCA(t, ca, revoked.Cert.SerialNumber)
			conf := f.clientConf(tt.pair(f))
			conf.MaxVersion = tt.version
			if tt.clientWant != "" {
				f.refuse(conf, tt.clientWant, tt.serverWant)
				return
			}
			c := f.accept(conf)
			if st := c.ConnectionState(); st.Version != tt.version || st.NegotiatedProtocol != "h2" {
				t.Errorf("version %x protocol %q, want %x h2", st.Version, st.NegotiatedProtocol, tt.version)
			}
		})
	}
}

// newFixtureWithCA is newFixture with a given CA, so that certificates
// made before the fixture can be revoked in its CRL.
func newFixtureWithCA(t *testing.T, ca *pki.CA, revoked ...*big.Int) *fixture {
	t.Helper()
	f := newFixture(t)
	f.ca = ca
	f.write(f.opts.ClientCAFile, ca.CertPEM())
	f.writeServerPair(ca)
	f.writeCRL(ca, revoked...)
	if err := f.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestReloadServerCertKeepsOpenConnections(t *testing.T) {
	f := newFixture(t)
	conf := f.clientConf(f.client(pki.ClientSpec{CN: "alice"}))
	open := f.accept(conf)
	oldSerial := serverSerial(open)
	newPair := f.writeServerPair(f.ca)
	if err := f.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	fresh := f.accept(conf)
	if got := serverSerial(fresh); got.Cmp(newPair.Cert.SerialNumber) != 0 || got.Cmp(oldSerial) == 0 {
		t.Errorf("new handshake got server serial %x, want the reloaded %x", got, newPair.Cert.SerialNumber)
	}
	if err := ping(open); err != nil {
		t.Errorf("connection opened before the reload broke: %v", err)
	}
}

func TestReloadCRLRefusesResumedSession(t *testing.T) {
	f := newFixture(t)
	alice := f.client(pki.ClientSpec{CN: "alice"})
	conf := f.clientConf(alice)
	conf.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	f.accept(conf)
	if c := f.accept(conf); !c.ConnectionState().DidResume {
		t.Fatal("second connection did not resume; the revocation check below would not cover resumption")
	}
	f.writeCRL(f.ca, alice.Cert.SerialNumber)
	if err := f.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	f.refuse(conf, "bad certificate", "is revoked")
	f.accept(f.clientConf(f.client(pki.ClientSpec{CN: "bob"})))
}

func TestReloadCA(t *testing.T) {
	f := newFixture(t)
	alice := f.clientConf(f.client(pki.ClientSpec{CN: "alice"}))
	alice.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	f.accept(alice)
	ca2 := mustCA(t)
	f.write(f.opts.ClientCAFile, ca2.CertPEM())
	f.writeCRL(ca2)
	if err := f.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	f.refuse(alice, "unknown certificate authority", "unknown authority")
	bob := f.clientConf(issueFrom(t, ca2, pki.ClientSpec{CN: "bob"}))
	f.accept(bob)
}

func TestReloadBadFileKeepsOldMaterial(t *testing.T) {
	other, err := pki.NewCA("another CA")
	if err != nil {
		t.Fatal(err)
	}
	otherCRL, err := other.CRL(nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		file func(o ServerOptions) string
		data func(f *fixture) []byte
		want string
	}{
		{"cert not PEM", func(o ServerOptions) string { return o.CertFile }, func(*fixture) []byte { return []byte("junk") }, "server.crt holds no certificate (not PEM"},
		{"key of another cert", func(o ServerOptions) string { return o.KeyFile }, func(f *fixture) []byte {
			p, _ := f.ca.Server()
			return p.KeyPEM
		}, "server.key does not match certificate"},
		{"CA file holds a key", func(o ServerOptions) string { return o.ClientCAFile }, func(f *fixture) []byte {
			p, _ := f.ca.Server()
			return p.KeyPEM
		}, `ca.crt holds no certificate (found a "PRIVATE KEY" block`},
		{"CRL not PEM", func(o ServerOptions) string { return o.CRLFile }, func(*fixture) []byte { return []byte("junk") }, "ca.crl"},
		{"CRL of another CA", func(o ServerOptions) string { return o.CRLFile }, func(*fixture) []byte { return otherCRL }, "not in the client CA file"},
		{"CRL of a CA with the same name", func(o ServerOptions) string { return o.CRLFile }, func(*fixture) []byte {
			crl, _ := mustCA(t).CRL(nil, time.Hour)
			return crl
		}, `signature does not verify with client CA "tlsconf test CA"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := mustCA(t)
			revoked := issueFrom(t, ca, pki.ClientSpec{CN: "revoked"})
			f := newFixtureWithCA(t, ca, revoked.Cert.SerialNumber)
			valid := f.clientConf(f.client(pki.ClientSpec{CN: "alice"}))
			before := serverSerial(f.accept(valid))
			f.write(tt.file(f.opts), tt.data(f))
			err := f.srv.Reload()
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "keeping the previous one") {
				t.Fatalf("Reload error %v, want one containing %q", err, tt.want)
			}
			if !strings.Contains(f.logs.String(), "TLS reload incomplete") {
				t.Error("failed reload not logged")
			}
			if got := serverSerial(f.accept(valid)); got.Cmp(before) != 0 {
				t.Errorf("server certificate changed to %x after a failed reload", got)
			}
			f.refuse(f.clientConf(revoked), "bad certificate", "is revoked")
		})
	}
}

func TestWatchPicksUpCRLChange(t *testing.T) {
	f := newFixture(t)
	reloads := make(chan error, 16)
	f.srv.opts.OnReload = func(err error) { reloads <- err }
	alice := f.client(pki.ClientSpec{CN: "alice"})
	f.accept(f.clientConf(alice))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		f.srv.Watch(ctx, 10*time.Millisecond)
		close(done)
	}()
	f.writeCRL(f.ca, alice.Cert.SerialNumber)
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := f.dial(f.clientConf(alice))
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("Watch did not reload the CRL within 15s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-reloads:
		if err != nil {
			t.Errorf("OnReload got %v, want nil", err)
		}
	default:
		t.Error("OnReload not called for the reload Watch made")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not return after cancel")
	}
}

func TestChangedSeesContentNotJustTime(t *testing.T) {
	f := newFixture(t)
	if f.srv.changed() {
		t.Fatal("changed() true right after load")
	}
	data, _ := os.ReadFile(f.opts.ClientCAFile)
	fi, _ := os.Stat(f.opts.ClientCAFile)
	f.write(f.opts.ClientCAFile, data)
	os.Chtimes(f.opts.ClientCAFile, fi.ModTime(), fi.ModTime())
	if f.srv.changed() {
		t.Error("changed() true for an identical rewrite")
	}
	data[len(data)-2] = 'X' // same size, same mtime, different content
	f.write(f.opts.ClientCAFile, data)
	os.Chtimes(f.opts.ClientCAFile, fi.ModTime(), fi.ModTime())
	if !f.srv.changed() {
		t.Error("changed() false after a same-size rewrite")
	}
	f.srv.Reload() // fails (bad CA) but records the stamps
	if f.srv.changed() {
		t.Error("changed() true again after a reload of a bad file")
	}
}

func TestStaleCRLWarnsAndApplies(t *testing.T) {
	f := newFixture(t)
	alice := f.client(pki.ClientSpec{CN: "alice"})
	f.write(f.opts.CRLFile, staleCRL(t, f.ca, alice.Cert.SerialNumber))
	if err := f.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(f.logs.String(), "CRL is stale"); n != 1 {
		t.Errorf("%d stale-CRL warnings in logs, want 1:\n%s", n, f.logs.String())
	}
	f.refuse(f.clientConf(alice), "bad certificate", "is revoked")
	f.srv.cur.Load().revoked.noteStale(time.Now(), f.opts.CRLFile, f.srv.log)
	if n := strings.Count(f.logs.String(), "CRL is stale"); n != 1 {
		t.Errorf("%d stale-CRL warnings after a second check, want 1", n)
	}
}

func TestCRLGoingStaleWarnsOnce(t *testing.T) {
	f := newFixture(t) // its CRL is current for an hour
	rev := f.srv.cur.Load().revoked
	for _, at := range []time.Duration{30 * time.Minute, 2 * time.Hour, 3 * time.Hour} {
		rev.noteStale(time.Now().Add(at), f.opts.CRLFile, f.srv.log)
	}
	if n := strings.Count(f.logs.String(), "CRL is stale"); n != 1 {
		t.Errorf("%d stale-CRL warnings, want 1:\n%s", n, f.logs.String())
	}
}

func TestNewServerErrors(t *testing.T) {
	dir := t.TempDir()
	ca := mustCA(t)
	server, _ := ca.Server()
	files := map[string][]byte{"server.crt": server.CertPEM, "server.key": server.KeyPEM, "ca.crt": ca.CertPEM(), "junk": []byte("x")}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name string
		o    ServerOptions
		want string
	}{
		{"missing option", ServerOptions{CertFile: p("server.crt")}, "set all three"},
		{"missing cert", ServerOptions{CertFile: p("nope.crt"), KeyFile: p("server.key"), ClientCAFile: p("ca.crt")}, "server certificate: certificate file " + p("nope.crt") + " does not exist; check the path"},
		{"swapped", ServerOptions{CertFile: p("server.key"), KeyFile: p("server.crt"), ClientCAFile: p("ca.crt")}, `found a "PRIVATE KEY" block; are the paths swapped?`},
		{"CA not PEM", ServerOptions{CertFile: p("server.crt"), KeyFile: p("server.key"), ClientCAFile: p("junk")}, "client CA: client CA file " + p("junk") + " holds no certificate (not PEM"},
		{"missing CRL", ServerOptions{CertFile: p("server.crt"), KeyFile: p("server.key"), ClientCAFile: p("ca.crt"), CRLFile: p("ca.crl")}, "client CRL: CRL file " + p("ca.crl") + " does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewServer(tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewServer error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestClientConfig(t *testing.T) {
	f := newFixture(t)
	alice := f.client(pki.ClientSpec{CN: "alice"})
	crt, key := filepath.Join(f.dir, "alice.crt"), filepath.Join(f.dir, "alice.key")
	f.write(crt, alice.CertPEM)
	f.write(key, alice.KeyPEM)

	conf, err := ClientConfig(crt, key, f.opts.ClientCAFile)
	if err != nil {
		t.Fatal(err)
	}
	f.accept(conf)
	anon, err := ClientConfig("", "", f.opts.ClientCAFile)
	if err != nil {
		t.Fatal(err)
	}
	f.refuse(anon, "certificate required", "didn't provide a certificate")
	if _, err := ClientConfig(crt, "", ""); err == nil || !strings.Contains(err.Error(), "both the certificate and its key") {
		t.Errorf("ClientConfig with a certificate and no key: %v", err)
	}
	if _, err := ClientConfig(crt, f.opts.KeyFile, ""); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("ClientConfig with a mismatched key: %v", err)
	}
}

// TestServerRefusesCBCSuites offers a TLS 1.2 client only CBC-mode suites:
// the server must refuse them, though Go's defaults would accept them.
func TestServerRefusesCBCSuites(t *testing.T) {
	f := newFixture(t)
	alice := f.client(pki.ClientSpec{CN: "alice"})
	cbc := f.clientConf(alice)
	cbc.MaxVersion = tls.VersionTLS12
	cbc.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256}
	f.refuse(cbc, "handshake failure", "no cipher suite supported by both client and server")
	gcm := f.clientConf(alice)
	gcm.MaxVersion = tls.VersionTLS12
	gcm.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
	if c := f.accept(gcm); c.ConnectionState().CipherSuite != tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 {
		t.Fatalf("suite %s", tls.CipherSuiteName(c.ConnectionState().CipherSuite))
	}
}
