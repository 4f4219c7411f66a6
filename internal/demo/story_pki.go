package demo

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mtlsguard/mtlsguard/internal/pki"
)

// CertFiles are the PEM files of one certificate and its key.
type CertFiles struct {
	Cert string `json:"cert"`
	Key  string `json:"key"`
}

// The people of the story. Alice and Bob are ordinary clients, Mallory has
// a valid certificate and abuses it, Admin carries OU=admins; Expired is
// from the right CA but out of date, Untrusted from a CA nobody trusts.
const (
	Alice     = "alice"
	Bob       = "bob"
	Mallory   = "mallory"
	Admin     = "admin"
	Expired   = "expired"
	Untrusted = "untrusted"
)

// PKI is the story's certificates, written as files in one directory.
type PKI struct {
	Dir     string
	CA      string               // ca.crt
	Server  CertFiles            // for localhost, 127.0.0.1 and ::1
	Clients map[string]CertFiles // by the names above
	Pool    *x509.CertPool       // the CA, to verify the server and clients
}

// NewPKI writes a development CA, a server certificate and the clients of
// the story into dir, plus an untrusted client from a second CA that is
// not kept.
func NewPKI(dir string) (*PKI, error) {
	if err := pki.InitDir(dir, false); err != nil {
		return nil, fmt.Errorf("demo PKI: %w", err)
	}
	ca, err := pki.LoadCA(dir)
	if err != nil {
		return nil, fmt.Errorf("demo PKI: %w", err)
	}
	p := &PKI{
		Dir: dir, CA: filepath.Join(dir, pki.CACertFile), Pool: ca.Pool(), Clients: map[string]CertFiles{},
		Server: CertFiles{filepath.Join(dir, pki.ServerCertFile), filepath.Join(dir, pki.ServerKeyFile)},
	}
	specs := []pki.ClientSpec{
		{CN: Alice}, {CN: Bob}, {CN: Mallory},
		{CN: Admin, OUs: []string{"admins"}},
		{CN: Expired, Expired: true},
	}
	for _, s := range specs {
		crt, key, err := pki.IssueFiles(dir, s, false)
		if err != nil {
			return nil, fmt.Errorf("demo PKI: %w", err)
		}
		p.Clients[s.CN] = CertFiles{crt, key}
	}
	if p.Clients[Untrusted], err = writeUntrusted(dir); err != nil {
		return nil, fmt.Errorf("demo PKI: %w", err)
	}
	return p, nil
}

// writeUntrusted issues a client certificate named like Alice from a CA of
// its own, whose key is thrown away.
func writeUntrusted(dir string) (CertFiles, error) {
	other, err := pki.NewCA("untrusted CA")
	if err != nil {
		return CertFiles{}, err
	}
	pair, err := other.Client(pki.ClientSpec{CN: Alice})
	if err != nil {
		return CertFiles{}, err
	}
	f := CertFiles{filepath.Join(dir, Untrusted+".crt"), filepath.Join(dir, Untrusted+".key")}
	if err := os.WriteFile(f.Key, pair.KeyPEM, 0o600); err != nil {
		return CertFiles{}, fmt.Errorf("write %s: %w", f.Key, err)
	}
	if err := os.WriteFile(f.Cert, pair.CertPEM, 0o644); err != nil {
		return CertFiles{}, fmt.Errorf("write %s: %w", f.Cert, err)
	}
	return f, nil
}

// Certificate loads the named client's certificate and key.
func (p *PKI) Certificate(name string) (tls.Certificate, error) {
	f, ok := p.Clients[name]
	if !ok {
		return tls.Certificate{}, fmt.Errorf("demo PKI: no client %q", name)
	}
	return pki.LoadPair(f.Cert, f.Key)
}

// ServerCertificate loads the server certificate and key.
func (p *PKI) ServerCertificate() (tls.Certificate, error) {
	return pki.LoadPair(p.Server.Cert, p.Server.Key)
}
