package pki

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"
)

// CRLValidity is how long a CRL written by InitDir and RevokeFile stays
// current (its NextUpdate).
const CRLValidity = 30 * 24 * time.Hour

// CRL returns a PEM "X509 CRL" signed by the CA that revokes
// revokedSerials as of now and is current for next.
func (ca *CA) CRL(revokedSerials []*big.Int, next time.Duration) ([]byte, error) {
	now := time.Now()
	entries := make([]x509.RevocationListEntry, 0, len(revokedSerials))
	for _, s := range revokedSerials {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: s, RevocationTime: now})
	}
	return ca.crl(entries, nil, next)
}

// crl signs entries; its number is one past previous, or the current time in
// nanoseconds if that is larger, so that numbers keep growing across
// rewrites.
func (ca *CA) crl(entries []x509.RevocationListEntry, previous *big.Int, next time.Duration) ([]byte, error) {
	now := time.Now()
	number := big.NewInt(now.UnixNano())
	if previous != nil && previous.Cmp(number) >= 0 {
		number = new(big.Int).Add(previous, big.NewInt(1))
	}
	tmpl := &x509.RevocationList{
		RevokedCertificateEntries: entries,
		Number:                    number,
		ThisUpdate:                now.Add(-time.Minute),
		NextUpdate:                now.Add(next),
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.Cert, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("sign CRL: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), nil
}

// ParseCRL parses a PEM "X509 CRL" (or raw DER) and checks that ca signed it.
func (ca *CA) ParseCRL(data []byte) (*x509.RevocationList, error) {
	der := data
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "X509 CRL" {
			return nil, fmt.Errorf("PEM block is %q, expected \"X509 CRL\"", block.Type)
		}
		der = block.Bytes
	}
	list, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("parse CRL: %w", err)
	}
	if err := list.CheckSignatureFrom(ca.Cert); err != nil {
		return nil, fmt.Errorf("CRL is not signed by CA %q: %w", ca.Cert.Subject.CommonName, err)
	}
	return list, nil
}
