package scan

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/pki"
)

func TestMintExpired(t *testing.T) {
	ca, err := pki.NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	other, err := pki.NewCA("other CA")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := MintExpired(ca.Cert, ca.Key, "alice")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if leaf.Subject.CommonName != "alice" || !leaf.NotAfter.Before(time.Now()) {
		t.Errorf("minted CN %q valid until %s; want alice, expired", leaf.Subject.CommonName, leaf.NotAfter)
	}
	if err := leaf.CheckSignatureFrom(ca.Cert); err != nil {
		t.Errorf("not signed by the CA: %v", err)
	}
	if _, err := MintExpired(ca.Cert, other.Key, "alice"); err == nil || !strings.Contains(err.Error(), "does not belong") {
		t.Errorf("mismatched key: %v", err)
	}
}
