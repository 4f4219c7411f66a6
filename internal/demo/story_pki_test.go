package demo

import (
	"crypto/x509"
	"slices"
	"testing"
	"time"
)

func TestNewPKI(t *testing.T) {
	p, err := NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		ou       string
		verifies bool
		expired  bool
	}{
		{Alice, "", true, false},
		{Bob, "", true, false},
		{Mallory, "", true, false},
		{Admin, "admins", true, false},
		{Expired, "", false, true},
		{Untrusted, "", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := p.Certificate(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			leaf := c.Leaf
			if leaf == nil {
				if leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
					t.Fatal(err)
				}
			}
			if got := slices.Contains(leaf.Subject.OrganizationalUnit, "admins"); got != (tc.ou == "admins") {
				t.Errorf("OU %v", leaf.Subject.OrganizationalUnit)
			}
			if got := time.Now().After(leaf.NotAfter); got != tc.expired {
				t.Errorf("expired = %v, want %v (NotAfter %v)", got, tc.expired, leaf.NotAfter)
			}
			_, err = leaf.Verify(x509.VerifyOptions{Roots: p.Pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
			if (err == nil) != tc.verifies {
				t.Errorf("verify against the CA: %v, want verifies=%v", err, tc.verifies)
			}
		})
	}
	if _, err := p.Certificate("nobody"); err == nil {
		t.Error("Certificate(nobody): no error")
	}
}
