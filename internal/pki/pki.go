// Package pki is a development public-key infrastructure: a certificate
// authority, server and client certificates and certificate revocation lists,
// all with ECDSA P-256 keys, in memory (for tests) or as files in a directory
// (for `mtlsguard certs`).
//
// It is for trying mutual TLS on one machine and for tests that need real
// certificates. It is not a production CA: keys are written unencrypted and
// there is no issuance policy beyond what the caller asks for.
package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"time"
)

// DefaultDays is the validity of a certificate when ClientSpec.Days is zero,
// and of every server certificate.
const DefaultDays = 365

// caDays is the validity of a new CA: long enough that a development CA
// outlives the certificates it issues.
const caDays = 10 * 365

// backdate is subtracted from NotBefore so that a certificate is valid at
// once on a machine whose clock is a little behind the issuer's.
const backdate = time.Hour

// CA is a certificate authority: its self-signed certificate and its key.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// Pair is an issued certificate with its key, parsed and PEM-encoded.
// KeyPEM is a PKCS #8 "PRIVATE KEY" block.
type Pair struct {
	Cert    *x509.Certificate
	Key     *ecdsa.PrivateKey
	CertPEM []byte
	KeyPEM  []byte
}

// ClientSpec describes a client certificate. Only CN is required.
type ClientSpec struct {
	CN     string
	OUs    []string
	Orgs   []string
	SPIFFE string // a SPIFFE ID (spiffe://trust-domain/path), put in a URI SAN
	DNS    []string
	Emails []string
	// Days is the validity in days; zero means DefaultDays.
	Days int
	// Expired makes a certificate whose validity ended a day ago, for tests
	// and scans of expired-certificate handling.
	Expired bool
}

// NewCA makes a self-signed CA named cn with a new P-256 key.
func NewCA(cn string) (*CA, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.AddDate(0, 0, caDays),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	cert, _, err := sign(tmpl, tmpl, key, key)
	if err != nil {
		return nil, fmt.Errorf("create CA %q: %w", cn, err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// Pool returns a pool holding only the CA's certificate.
func (ca *CA) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return pool
}

// CertPEM returns the CA certificate as a PEM block.
func (ca *CA) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// Server issues a server certificate (ExtKeyUsageServerAuth) for hosts,
// each a DNS name or an IP address; with no hosts it covers localhost,
// 127.0.0.1 and ::1. The first host is also the subject CN.
func (ca *CA) Server(hosts ...string) (*Pair, error) {
	if len(hosts) == 0 {
		hosts = []string{"localhost", "127.0.0.1", "::1"}
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: hosts[0]},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	setValidity(tmpl, DefaultDays, false)
	pair, err := ca.issue(tmpl)
	if err != nil {
		return nil, fmt.Errorf("issue server certificate for %v: %w", hosts, err)
	}
	return pair, nil
}

// Client issues a client certificate (ExtKeyUsageClientAuth) as spec says.
// It refuses an empty CN, a negative Days and a malformed SPIFFE ID.
func (ca *CA) Client(spec ClientSpec) (*Pair, error) {
	tmpl, err := clientTemplate(spec)
	if err != nil {
		return nil, err
	}
	pair, err := ca.issue(tmpl)
	if err != nil {
		return nil, fmt.Errorf("issue client certificate %q: %w", spec.CN, err)
	}
	return pair, nil
}

func clientTemplate(spec ClientSpec) (*x509.Certificate, error) {
	if spec.CN == "" {
		return nil, fmt.Errorf("client certificate: empty CN; give the client a name")
	}
	if spec.Days < 0 {
		return nil, fmt.Errorf("client certificate %q: days is %d; give a positive number of days (0 means %d)", spec.CN, spec.Days, DefaultDays)
	}
	tmpl := &x509.Certificate{
		Subject: pkix.Name{
			CommonName:         spec.CN,
			OrganizationalUnit: spec.OUs,
			Organization:       spec.Orgs,
		},
		DNSNames:       spec.DNS,
		EmailAddresses: spec.Emails,
		KeyUsage:       x509.KeyUsageDigitalSignature,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if spec.SPIFFE != "" {
		u, err := ParseSPIFFE(spec.SPIFFE)
		if err != nil {
			return nil, fmt.Errorf("client certificate %q: %w", spec.CN, err)
		}
		tmpl.URIs = []*url.URL{u}
	}
	days := spec.Days
	if days == 0 {
		days = DefaultDays
	}
	setValidity(tmpl, days, spec.Expired)
	return tmpl, nil
}

// setValidity sets NotBefore/NotAfter for a validity of days; an expired
// certificate ends a day before now.
func setValidity(tmpl *x509.Certificate, days int, expired bool) {
	now := time.Now()
	if expired {
		tmpl.NotAfter = now.AddDate(0, 0, -1)
		tmpl.NotBefore = tmpl.NotAfter.AddDate(0, 0, -days)
		return
	}
	tmpl.NotBefore = now.Add(-backdate)
	tmpl.NotAfter = now.AddDate(0, 0, days)
}

func (ca *CA) issue(tmpl *x509.Certificate) (*Pair, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	cert, certPEM, err := sign(tmpl, ca.Cert, key, ca.Key)
	if err != nil {
		return nil, err
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, err
	}
	return &Pair{Cert: cert, Key: key, CertPEM: certPEM, KeyPEM: keyPEM}, nil
}

// TLSCertificate returns the pair as a tls.Certificate with its leaf set.
func (p *Pair) TLSCertificate() tls.Certificate {
	return tls.Certificate{
		Certificate: [][]byte{p.Cert.Raw},
		PrivateKey:  p.Key,
		Leaf:        p.Cert,
	}
}

// sign gives tmpl a random serial and signs it with parentKey.
func sign(tmpl, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey) (*x509.Certificate, []byte, error) {
	serial, err := newSerial()
	if err != nil {
		return nil, nil, err
	}
	tmpl.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, nil, fmt.Errorf("sign certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse new certificate: %w", err)
	}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

func newKey() (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate P-256 key: %w", err)
	}
	return key, nil
}

// newSerial returns a random 128-bit serial number that is never zero.
func newSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	for {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return nil, fmt.Errorf("generate serial number: %w", err)
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}

func encodeKey(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
