package pki

import (
	"crypto/x509"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

func newTestCA(t *testing.T) *CA {
	t.Helper()
	ca, err := NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func TestServerVerifiesForDefaultHosts(t *testing.T) {
	ca := newTestCA(t)
	pair, err := ca.Server()
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
		_, err := pair.Cert.Verify(x509.VerifyOptions{DNSName: host, Roots: ca.Pool()})
		if err != nil {
			t.Errorf("verify for %s: %v", host, err)
		}
	}
	_, err = pair.Cert.Verify(x509.VerifyOptions{DNSName: "example.com", Roots: ca.Pool()})
	if err == nil {
		t.Error("server certificate verified for example.com, which it does not name")
	}
	_, err = pair.Cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err == nil {
		t.Error("server certificate verified for client auth")
	}
}

func TestClientCarriesSpec(t *testing.T) {
	ca := newTestCA(t)
	spec := ClientSpec{
		CN: "alice", OUs: []string{"ops", "admins"}, Orgs: []string{"Acme"},
		SPIFFE: "spiffe://example.org/ns/prod/sa/alice", DNS: []string{"alice.internal"},
		Emails: []string{"alice@example.org"}, Days: 10,
	}
	pair, err := ca.Client(spec)
	if err != nil {
		t.Fatal(err)
	}
	c := pair.Cert
	got := []string{c.Subject.CommonName, strings.Join(c.Subject.OrganizationalUnit, ","), strings.Join(c.Subject.Organization, ","),
		c.URIs[0].String(), strings.Join(c.DNSNames, ","), strings.Join(c.EmailAddresses, ",")}
	// DER sorts a SET OF by encoding, so the shorter OU comes first.
	want := []string{"alice", "ops,admins", "Acme", "spiffe://example.org/ns/prod/sa/alice", "alice.internal", "alice@example.org"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d = %q, want %q", i, got[i], want[i])
		}
	}
	if days := c.NotAfter.Sub(time.Now()).Hours() / 24; days < 9.9 || days > 10.1 {
		t.Errorf("validity %.2f days, want 10", days)
	}
	if _, err := c.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate does not verify for client auth: %v", err)
	}
	if c.SerialNumber.BitLen() > 128 || c.SerialNumber.Sign() <= 0 {
		t.Errorf("serial %v is not a positive 128-bit number", c.SerialNumber)
	}
}

func TestClientExpired(t *testing.T) {
	ca := newTestCA(t)
	pair, err := ca.Client(ClientSpec{CN: "old", Expired: true})
	if err != nil {
		t.Fatal(err)
	}
	if !pair.Cert.NotAfter.Before(time.Now()) {
		t.Fatalf("NotAfter %v is not in the past", pair.Cert.NotAfter)
	}
	_, err = pair.Cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	var invalid x509.CertificateInvalidError
	if !errors.As(err, &invalid) || invalid.Reason != x509.Expired {
		t.Fatalf("verify expired certificate: %v, want an Expired error", err)
	}
}

func TestClientRefusesBadSpec(t *testing.T) {
	ca := newTestCA(t)
	tests := []struct {
		name string
		spec ClientSpec
		want string
	}{
		{"empty CN", ClientSpec{}, "empty CN"},
		{"negative days", ClientSpec{CN: "a", Days: -1}, "days is -1"},
		{"bad SPIFFE", ClientSpec{CN: "a", SPIFFE: "https://example.org/x"}, "scheme must be spiffe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ca.Client(tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestParseSPIFFE(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"spiffe://example.org/ns/prod/sa/billing", true},
		{"spiffe://td_1.example-x/a.b-c_d", true},
		{"spiffe://example.org", false},
		{"spiffe://example.org/", false},
		{"spiffe://Example.org/a", false},
		{"spiffe://example.org/a//b", false},
		{"spiffe://example.org/a/../b", false},
		{"spiffe://example.org/a/", false},
		{"spiffe://example.org:443/a", false},
		{"spiffe://user@example.org/a", false},
		{"spiffe://example.org/a?x=1", false},
		{"spiffe://example.org/a#f", false},
		{"spiffe://example.org/a%20b", false},
		{"spiffe:///a", false},
		{"SPIFFE://example.org/a", false},
		{"http://example.org/a", false},
		{"", false},
	}
	for _, tt := range tests {
		_, err := ParseSPIFFE(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseSPIFFE(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

func TestCRL(t *testing.T) {
	ca := newTestCA(t)
	serials := []*big.Int{big.NewInt(7), big.NewInt(1 << 40)}
	data, err := ca.CRL(serials, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	list, err := ca.ParseCRL(data)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.RevokedCertificateEntries); n != 2 {
		t.Fatalf("%d entries, want 2", n)
	}
	for i, e := range list.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(serials[i]) != 0 {
			t.Errorf("entry %d serial %v, want %v", i, e.SerialNumber, serials[i])
		}
	}
	if d := time.Until(list.NextUpdate); d < 59*time.Minute || d > time.Hour {
		t.Errorf("NextUpdate in %v, want about 1h", d)
	}
	if _, err := newTestCA(t).ParseCRL(data); err == nil {
		t.Error("CRL accepted as signed by a different CA")
	}
}

func TestSerialsDiffer(t *testing.T) {
	ca := newTestCA(t)
	seen := map[string]bool{}
	for range 20 {
		p, err := ca.Client(ClientSpec{CN: "x"})
		if err != nil {
			t.Fatal(err)
		}
		s := p.Cert.SerialNumber.String()
		if seen[s] {
			t.Fatalf("serial %s issued twice", s)
		}
		seen[s] = true
	}
}
