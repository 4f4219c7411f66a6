package scan

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"fmt"

	"github.com/mtlsguard/mtlsguard/internal/pki"
)

// mintUntrusted makes a client certificate with the primary's CN from a CA
// of the scanner's own, which the target has no reason to trust.
func mintUntrusted(primary tls.Certificate) (tls.Certificate, error) {
	cn := "mtlsguard-scan"
	if leaf, err := leafOf(primary); err == nil && leaf.Subject.CommonName != "" {
		cn = leaf.Subject.CommonName
	}
	ca, err := pki.NewCA("mtlsguard scan untrusted CA")
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("make the untrusted CA: %w", err)
	}
	pair, err := ca.Client(pki.ClientSpec{CN: cn})
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("make the untrusted client certificate: %w", err)
	}
	return pair.TLSCertificate(), nil
}

// MintExpired makes a client certificate named cn, signed by the given CA,
// whose validity ended a day ago: what MTLS-EXPIRED-CERT presents. The
// CA's key must be ECDSA (as `mtlsguard certs` makes it).
func MintExpired(caCert *x509.Certificate, caKey crypto.Signer, cn string) (tls.Certificate, error) {
	key, ok := caKey.(*ecdsa.PrivateKey)
	if !ok {
		return tls.Certificate{}, fmt.Errorf("CA key is %T: minting an expired certificate needs an ECDSA CA key; pass --expired-cert/--expired-key instead", caKey)
	}
	if !key.PublicKey.Equal(caCert.PublicKey) {
		return tls.Certificate{}, fmt.Errorf("the CA key does not belong to CA certificate %q: pass the matching --ca and --ca-key", caCert.Subject.CommonName)
	}
	if !caCert.IsCA {
		return tls.Certificate{}, fmt.Errorf("%q is not a CA certificate: pass the CA that signs client certificates with --ca", caCert.Subject.CommonName)
	}
	ca := &pki.CA{Cert: caCert, Key: key}
	pair, err := ca.Client(pki.ClientSpec{CN: cn, Expired: true})
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("mint the expired client certificate: %w", err)
	}
	return pair.TLSCertificate(), nil
}

func leafOf(c tls.Certificate) (*x509.Certificate, error) {
	if c.Leaf != nil {
		return c.Leaf, nil
	}
	if len(c.Certificate) == 0 {
		return nil, fmt.Errorf("empty certificate chain")
	}
	return x509.ParseCertificate(c.Certificate[0])
}
