// Package identity says who a verified mTLS client is and carries that to the
// upstream: it derives an Identity from the client's leaf certificate, picks
// the key limits are counted on, strips every identity header a client could
// have sent itself, and sets the verified ones (simple X-SSL-Client-*
// headers, RFC 9440 Client-Cert, Envoy-style X-Forwarded-Client-Cert and an
// optional HMAC signature).
//
// It does not verify certificates: FromCertificate trusts that the TLS layer
// (see package tlsconf) already has.
package identity

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// KeyKind names the part of an Identity that limits are keyed on.
type KeyKind string

// The key kinds accepted by ParseKeyKind.
const (
	KeyCN          KeyKind = "cn"          // subject common name
	KeySPIFFE      KeyKind = "spiffe"      // the SPIFFE ID URI SAN
	KeySANDNS      KeyKind = "san-dns"     // the first DNS SAN
	KeySANEmail    KeyKind = "san-email"   // the first e-mail SAN
	KeyFingerprint KeyKind = "fingerprint" // SHA-256 of the certificate, hex
	KeySubject     KeyKind = "subject"     // the whole subject DN, RFC 2253
)

var keyKinds = []KeyKind{KeyCN, KeySPIFFE, KeySANDNS, KeySANEmail, KeyFingerprint, KeySubject}

// ParseKeyKind parses s (as written in the config, case-insensitive) into a
// KeyKind, or names the accepted values.
func ParseKeyKind(s string) (KeyKind, error) {
	for _, k := range keyKinds {
		if strings.EqualFold(s, string(k)) {
			return k, nil
		}
	}
	names := make([]string, len(keyKinds))
	for i, k := range keyKinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("identity key %q is not known; use one of %s", s, strings.Join(names, ", "))
}

// Identity is what a verified client certificate says about its holder.
// Treat it as read-only once made: FromCertificate also prepares the
// forwarded header values from these fields.
type Identity struct {
	CN      string
	OUs     []string
	Orgs    []string
	URIs    []string // every URI SAN, as written
	SPIFFE  string   // the first URI SAN with the spiffe scheme, or ""
	DNS     []string
	Emails  []string
	Subject string // RFC 2253, most specific RDN first (as Go's pkix.Name.String)
	// Fingerprint is the SHA-256 of the DER certificate in lower-case hex.
	Fingerprint string
	Serial      string // lower-case hex, no leading zeros
	NotAfter    time.Time
	Raw         []byte // the leaf certificate, DER

	// wire holds the forwarded header values, computed once per
	// certificate by FromCertificate so that Forwarder.Set, which runs on
	// every request, only copies them. Nil for an Identity built by hand.
	wire *wireValues
}

// FromCertificate derives the Identity of leaf. The slices and Raw share
// memory with leaf.
func FromCertificate(leaf *x509.Certificate) Identity {
	sum := sha256.Sum256(leaf.Raw)
	id := Identity{
		CN:          leaf.Subject.CommonName,
		OUs:         leaf.Subject.OrganizationalUnit,
		Orgs:        leaf.Subject.Organization,
		DNS:         leaf.DNSNames,
		Emails:      leaf.EmailAddresses,
		Subject:     leaf.Subject.String(),
		Fingerprint: hex.EncodeToString(sum[:]),
		NotAfter:    leaf.NotAfter,
		Raw:         leaf.Raw,
	}
	if leaf.SerialNumber != nil {
		id.Serial = leaf.SerialNumber.Text(16)
	}
	for _, u := range leaf.URIs {
		id.URIs = append(id.URIs, u.String())
		if id.SPIFFE == "" && u.Scheme == "spiffe" {
			id.SPIFFE = u.String()
		}
	}
	id.wire = newWireValues(&id)
	return id
}

// Key returns the value of id that k names, or "" when the certificate has
// none (no SPIFFE URI, no DNS SAN, an empty CN, an unknown kind). Callers
// must treat "" as "no identity for this key", never as a shared bucket.
func (id *Identity) Key(k KeyKind) string {
	switch k {
	case KeyCN:
		return id.CN
	case KeySPIFFE:
		return id.SPIFFE
	case KeySANDNS:
		return first(id.DNS)
	case KeySANEmail:
		return first(id.Emails)
	case KeyFingerprint:
		return id.Fingerprint
	case KeySubject:
		return id.Subject
	}
	return ""
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
