package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/pki"
	"github.com/mtlsguard/mtlsguard/internal/tlsconf"
)

func runCerts(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), append([]string{"certs"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCertsInitWritesFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	code, stdout, stderr := runCerts(t, "init", "--dir", dir)
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	want := []string{"ca.crt", "ca.key", "server.crt", "server.key", "ca.crl"}
	var lines []string
	for _, n := range want {
		lines = append(lines, filepath.Join(dir, n))
	}
	if stdout != strings.Join(lines, "\n")+"\n" {
		t.Errorf("stdout %q, want the five paths", stdout)
	}
	modes := map[string]os.FileMode{"ca.crt": 0o644, "ca.key": 0o600, "server.crt": 0o644, "server.key": 0o600, "ca.crl": 0o644}
	for name, mode := range modes {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s mode %o, want %o", name, fi.Mode().Perm(), mode)
		}
	}

	code, _, stderr = runCerts(t, "init", "--dir", dir)
	if code != ExitUsage || !strings.Contains(stderr, filepath.Join(dir, "ca.crt")) || !strings.Contains(stderr, "pass --force to overwrite it") {
		t.Errorf("second init: exit %d, stderr %q; want 2 naming ca.crt and --force", code, stderr)
	}
	if code, _, stderr = runCerts(t, "init", "--dir", dir, "--force"); code != ExitOK {
		t.Errorf("init --force: exit %d, stderr %q", code, stderr)
	}
}

func TestCertsIssue(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCerts(t, "init", "--dir", dir); code != ExitOK {
		t.Fatal(stderr)
	}
	code, stdout, stderr := runCerts(t, "issue", "--dir", dir, "--cn", "alice", "--ou", "admins", "--ou", "ops",
		"--org", "Acme", "--spiffe", "spiffe://example.org/sa/alice", "--dns", "alice.internal", "--email", "a@example.org", "--days", "30")
	crt, key := filepath.Join(dir, "alice.crt"), filepath.Join(dir, "alice.key")
	if code != ExitOK || stdout != crt+"\n"+key+"\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if fi, _ := os.Stat(key); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %o, want 600", fi.Mode().Perm())
	}
	c, err := pki.ReadCertFile(crt)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join([]string{c.Subject.CommonName, strings.Join(c.Subject.OrganizationalUnit, ","), c.Subject.Organization[0],
		c.URIs[0].String(), c.DNSNames[0], c.EmailAddresses[0]}, "|")
	if want := "alice|ops,admins|Acme|spiffe://example.org/sa/alice|alice.internal|a@example.org"; got != want {
		t.Errorf("certificate holds %q, want %q", got, want)
	}
	if d := time.Until(c.NotAfter); d < 29*24*time.Hour || d > 30*24*time.Hour {
		t.Errorf("valid for %v, want 30 days", d)
	}
	code, _, stderr = runCerts(t, "issue", "--dir", dir, "--cn", "alice")
	if code != ExitUsage || !strings.Contains(stderr, crt) || !strings.Contains(stderr, "--force") {
		t.Errorf("second issue: exit %d, stderr %q", code, stderr)
	}
	code, _, _ = runCerts(t, "issue", "--dir", dir, "--cn", "old", "--expired")
	if c, _ := pki.ReadCertFile(filepath.Join(dir, "old.crt")); code != ExitOK || c == nil || !c.NotAfter.Before(time.Now()) {
		t.Errorf("--expired: exit %d, certificate %v", code, c)
	}
}

func TestCertsBadInput(t *testing.T) {
	dir, other, empty := t.TempDir(), t.TempDir(), t.TempDir()
	for _, d := range []string{dir, other} {
		if code, _, stderr := runCerts(t, "init", "--dir", d); code != ExitOK {
			t.Fatal(stderr)
		}
	}
	if code, _, stderr := runCerts(t, "issue", "--dir", other, "--cn", "mallory"); code != ExitOK {
		t.Fatal(stderr)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"init without dir", []string{"init"}, "pass --dir DIR"},
		{"issue without dir", []string{"issue", "--cn", "a"}, "pass --dir DIR"},
		{"issue without cn", []string{"issue", "--dir", dir}, "pass --cn NAME"},
		{"cn names CA files", []string{"issue", "--dir", dir, "--cn", "ca"}, "would overwrite the ca files"},
		{"bad spiffe", []string{"issue", "--dir", dir, "--cn", "a", "--spiffe", "spiffe://Example/x"}, "--spiffe: SPIFFE ID"},
		{"zero days", []string{"issue", "--dir", dir, "--cn", "a", "--days", "0"}, "--days 0: give a positive number"},
		{"days not a number", []string{"issue", "--dir", dir, "--cn", "a", "--days", "ten"}, "invalid argument"},
		{"unknown flag", []string{"issue", "--dir", dir, "--cn", "a", "--color", "red"}, "unknown flag: --color"},
		{"no CA in dir", []string{"issue", "--dir", empty, "--cn", "a"}, "create one with 'mtlsguard certs init --dir " + empty + "'"},
		{"revoke without cert", []string{"revoke", "--dir", dir}, "--cert FILE"},
		{"revoke missing file", []string{"revoke", "--dir", dir, "--cert", filepath.Join(dir, "nope.crt")}, "nope.crt does not exist"},
		{"revoke foreign cert", []string{"revoke", "--dir", dir, "--cert", filepath.Join(other, "mallory.crt")}, "not signed by the CA in " + dir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCerts(t, tt.args...)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
			if strings.Contains(stderr, "goroutine") {
				t.Errorf("stack trace in stderr: %s", stderr)
			}
		})
	}
}

// TestCertsRevokeRefusedByServer runs an mTLS server on the files of a
// certs directory and checks that a revoked certificate is refused once
// the server reloads ca.crl.
func TestCertsRevokeRefusedByServer(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	for _, args := range [][]string{{"init", "--dir", dir}, {"issue", "--dir", dir, "--cn", "alice"}, {"issue", "--dir", dir, "--cn", "bob"}} {
		if code, _, stderr := runCerts(t, args...); code != ExitOK {
			t.Fatal(stderr)
		}
	}
	srv, err := tlsconf.NewServer(tlsconf.ServerOptions{
		CertFile: p("server.crt"), KeyFile: p("server.key"), ClientCAFile: p("ca.crt"), CRLFile: p("ca.crl"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	addr := serveEcho(t, srv.Config())
	if err := echo(t, addr, p("alice.crt"), p("alice.key"), p("ca.crt")); err != nil {
		t.Fatalf("alice refused before revocation: %v", err)
	}
	code, stdout, stderr := runCerts(t, "revoke", "--dir", dir, "--cert", p("alice.crt"))
	alice, _ := pki.ReadCertFile(p("alice.crt"))
	if want := "revoked " + p("alice.crt") + " (serial " + alice.SerialNumber.Text(16) + ")\n" + p("ca.crl") + "\n"; code != ExitOK || stdout != want {
		t.Fatalf("revoke: exit %d, stdout %q, stderr %q; want %q", code, stdout, stderr, want)
	}
	if err := srv.Reload(); err != nil {
		t.Fatal(err)
	}
	if err := echo(t, addr, p("alice.crt"), p("alice.key"), p("ca.crt")); err == nil || !strings.Contains(err.Error(), "bad certificate") {
		t.Errorf("revoked alice: %v, want a bad certificate alert", err)
	}
	if err := echo(t, addr, p("bob.crt"), p("bob.key"), p("ca.crt")); err != nil {
		t.Errorf("bob refused: %v", err)
	}
}

// serveEcho serves conf on 127.0.0.1:0, answering each line with "ok".
func serveEcho(t *testing.T, conf *tls.Config) string {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(20 * time.Second))
				if err := c.(*tls.Conn).Handshake(); err != nil {
					io.Copy(io.Discard, c.(*tls.Conn).NetConn()) // let the client read the alert
					return
				}
				if _, err := bufio.NewReader(c).ReadString('\n'); err == nil {
					c.Write([]byte("ok\n"))
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// echo connects with the given files through tlsconf.ClientConfig and
// exchanges one line.
func echo(t *testing.T, addr, crt, key, ca string) error {
	t.Helper()
	conf, err := tlsconf.ClientConfig(crt, key, ca)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tls.Dial("tcp", addr, conf)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("hi\n")); err != nil {
		return err
	}
	_, err = bufio.NewReader(c).ReadString('\n')
	return err
}
