package pki

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInitDirWritesFilesWithModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	if err := InitDir(dir, false); err != nil {
		t.Fatal(err)
	}
	want := map[string]os.FileMode{
		CACertFile: 0o644, CAKeyFile: 0o600, ServerCertFile: 0o644, ServerKeyFile: 0o600, CRLFile: 0o644,
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Errorf("%d files in %s, want %d", len(entries), dir, len(want))
	}
	for name, mode := range want {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s mode %o, want %o", name, fi.Mode().Perm(), mode)
		}
	}
	if _, err := LoadPair(filepath.Join(dir, ServerCertFile), filepath.Join(dir, ServerKeyFile)); err != nil {
		t.Errorf("server pair: %v", err)
	}
}

func TestInitDirRefusesWithoutForce(t *testing.T) {
	dir := t.TempDir()
	if err := InitDir(dir, false); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, CACertFile))
	err := InitDir(dir, false)
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), filepath.Join(dir, CACertFile)) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("second init: %v, want ErrExists naming ca.crt and --force", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, CACertFile)); string(after) != string(before) {
		t.Fatal("refused init changed ca.crt")
	}
	if err := InitDir(dir, true); err != nil {
		t.Fatalf("forced init: %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, CACertFile)); string(after) == string(before) {
		t.Fatal("forced init kept the old CA")
	}
}

func TestIssueAndRevokeFiles(t *testing.T) {
	dir := t.TempDir()
	if err := InitDir(dir, false); err != nil {
		t.Fatal(err)
	}
	certPath, keyPath, err := IssueFiles(dir, ClientSpec{CN: "alice smith", OUs: []string{"admins"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if certPath != filepath.Join(dir, "alice-smith.crt") || keyPath != filepath.Join(dir, "alice-smith.key") {
		t.Fatalf("paths %s %s", certPath, keyPath)
	}
	if fi, _ := os.Stat(keyPath); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %o, want 600", fi.Mode().Perm())
	}
	if _, _, err := IssueFiles(dir, ClientSpec{CN: "alice smith"}, false); !errors.Is(err, ErrExists) {
		t.Fatalf("second issue: %v, want ErrExists", err)
	}
	bob, _, err := IssueFiles(dir, ClientSpec{CN: "bob"}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{certPath, bob, certPath} { // revoking twice keeps one entry
		if err := RevokeFile(dir, p); err != nil {
			t.Fatal(err)
		}
	}
	ca, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, CRLFile))
	list, err := ca.ParseCRL(data)
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := ReadCertFile(certPath)
	bobCert, _ := ReadCertFile(bob)
	got := list.RevokedCertificateEntries
	if len(got) != 2 || got[0].SerialNumber.Cmp(alice.SerialNumber) != 0 || got[1].SerialNumber.Cmp(bobCert.SerialNumber) != 0 {
		t.Fatalf("CRL entries %v, want alice's then bob's serial", got)
	}
}

func TestRevokeRefusesForeignCert(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	for _, d := range []string{dir, other} {
		if err := InitDir(d, false); err != nil {
			t.Fatal(err)
		}
	}
	foreign, _, err := IssueFiles(other, ClientSpec{CN: "mallory"}, false)
	if err != nil {
		t.Fatal(err)
	}
	err = RevokeFile(dir, foreign)
	if err == nil || !strings.Contains(err.Error(), "not signed by the CA in "+dir) {
		t.Fatalf("revoke foreign cert: %v", err)
	}
}

func TestFileName(t *testing.T) {
	tests := []struct{ cn, want, err string }{
		{"alice", "alice", ""},
		{"Alice Smith/ops", "Alice-Smith-ops", ""},
		{"../../etc/passwd", "etc-passwd", ""},
		{"svc.billing_v2", "svc.billing_v2", ""},
		{"...", "", "no usable file name"},
		{"CA", "", "would overwrite"},
		{"server", "", "would overwrite"},
	}
	for _, tt := range tests {
		got, err := FileName(tt.cn)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("FileName(%q) = %q, %v; want %q, %q", tt.cn, got, err, tt.want, tt.err)
		}
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	if err := InitDir(dir, false); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(junk, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	crt, key := filepath.Join(dir, ServerCertFile), filepath.Join(dir, ServerKeyFile)
	caKey := filepath.Join(dir, CAKeyFile)
	tests := []struct {
		name, cert, key, want string
	}{
		{"missing cert", filepath.Join(dir, "nope.crt"), key, "nope.crt does not exist"},
		{"missing key", crt, filepath.Join(dir, "nope.key"), "nope.key does not exist"},
		{"cert not PEM", junk, key, "junk.pem is not PEM"},
		{"key not PEM", crt, junk, "junk.pem is not PEM"},
		{"swapped", key, crt, `PEM block is "PRIVATE KEY", expected "CERTIFICATE"`},
		{"cert as key", crt, crt, `PEM block is "CERTIFICATE", expected "PRIVATE KEY"`},
		{"mismatch", crt, caKey, "ca.key does not match certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadPair(tt.cert, tt.key)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("LoadPair: %v, want error containing %q", err, tt.want)
			}
		})
	}
}
