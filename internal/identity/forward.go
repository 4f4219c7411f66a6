package identity

import (
	"encoding/base64"
	"net/http"
	"net/textproto"
	"strings"
	"time"
)

// Names of the headers Forwarder sets.
const (
	HeaderVerify      = "X-SSL-Client-Verify"
	HeaderSubjectDN   = "X-SSL-Client-S-DN"
	HeaderSubjectCN   = "X-SSL-Client-S-DN-CN"
	HeaderFingerprint = "X-SSL-Client-Fingerprint"
	HeaderSANURI      = "X-SSL-Client-SAN-URI"
	HeaderSerial      = "X-SSL-Client-Serial"
	HeaderNotAfter    = "X-SSL-Client-Not-After"
	HeaderClientCert  = "Client-Cert"             // RFC 9440
	HeaderXFCC        = "X-Forwarded-Client-Cert" // Envoy
	DefaultSignHeader = "X-Mtlsguard-Signature"   // see Sign
)

// Forwarder sets the verified identity on a request to the upstream. Strip
// the client's own identity headers first (Stripper): Set replaces the
// headers it writes but does not look for other spellings. The zero value
// sets nothing.
type Forwarder struct {
	// Headers sets the simple headers: X-SSL-Client-Verify: SUCCESS, -S-DN
	// (RFC 2253), -S-DN-CN, -Fingerprint (SHA-256 hex), -SAN-URI (every URI
	// SAN, comma-joined; omitted when none), -Serial (hex) and -Not-After
	// (RFC 3339, UTC). A header whose value is empty is not set.
	Headers bool
	// ClientCert sets RFC 9440 Client-Cert: the DER leaf as a structured
	// field byte sequence, ":BASE64:".
	ClientCert bool
	// XFCC sets X-Forwarded-Client-Cert as Envoy does; see XFCCValue.
	XFCC bool
	// SignSecret, when not empty, adds a signature header; see Sign.
	SignSecret []byte
	// SignHeader names the signature header; "" means DefaultSignHeader.
	SignHeader string
}

// Set writes id's headers into h. r is the request as the upstream will
// receive it: its method and r.URL.RequestURI() are signed (r may be nil
// when SignSecret is empty). now is the signature's time.
func (f *Forwarder) Set(h http.Header, id *Identity, r *http.Request, now time.Time) {
	w := id.wire
	if w == nil {
		w = newWireValues(id)
	}
	if f.Headers {
		setSimple(h, id, w)
	}
	if f.ClientCert {
		setNonEmpty(h, HeaderClientCert, w.clientCert)
	}
	if f.XFCC {
		setNonEmpty(h, HeaderXFCC, w.xfcc)
	}
	if len(f.SignSecret) > 0 {
		name := f.SignHeader
		if name == "" {
			name = DefaultSignHeader
		}
		h.Set(name, Sign(f.SignSecret, id.Fingerprint, r.Method, r.URL.RequestURI(), now))
	}
}

// wireValues are the header values of one identity that take work to build.
type wireValues struct {
	sanURI, notAfter, clientCert, xfcc string
}

func newWireValues(id *Identity) *wireValues {
	w := &wireValues{
		sanURI:     strings.Join(id.URIs, ","),
		clientCert: ":" + base64.StdEncoding.EncodeToString(id.Raw) + ":",
		xfcc:       XFCCValue(id),
	}
	if !id.NotAfter.IsZero() {
		w.notAfter = id.NotAfter.UTC().Format(time.RFC3339)
	}
	return w
}

func setSimple(h http.Header, id *Identity, w *wireValues) {
	setNonEmpty(h, HeaderVerify, "SUCCESS")
	setNonEmpty(h, HeaderSubjectDN, id.Subject)
	setNonEmpty(h, HeaderSubjectCN, id.CN)
	setNonEmpty(h, HeaderFingerprint, id.Fingerprint)
	setNonEmpty(h, HeaderSANURI, w.sanURI)
	setNonEmpty(h, HeaderSerial, id.Serial)
	setNonEmpty(h, HeaderNotAfter, w.notAfter)
}

// canonicalNames maps the header names above to their canonical form, so
// that setting them skips net/http's per-call canonicalization.
var canonicalNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{HeaderVerify, HeaderSubjectDN, HeaderSubjectCN, HeaderFingerprint,
		HeaderSANURI, HeaderSerial, HeaderNotAfter, HeaderClientCert, HeaderXFCC} {
		m[n] = textproto.CanonicalMIMEHeaderKey(n)
	}
	return m
}()

// setNonEmpty sets name (one of the Header constants) to value unless
// value is empty.
func setNonEmpty(h http.Header, name, value string) {
	if value != "" {
		h[canonicalNames[name]] = []string{value}
	}
}

// XFCCValue returns one Envoy-style X-Forwarded-Client-Cert element for id:
//
//	Hash=<sha256 hex>;Subject="<RFC 2253 DN>";URI=<first URI SAN>;DNS=<dns>;DNS=<dns>...
//
// As in Envoy, Subject is always quoted, URI is present even when empty,
// and there is one DNS pair per DNS SAN. A value containing ',', ';', '=',
// '"', '\' or white space is quoted. Inside quotes, '"' and '\' are escaped
// with a backslash (an RFC 9110 quoted-pair); Envoy escapes only '"', which
// reads the same for every DN without a backslash, and escaping '\' too
// keeps a DN that ends in one unambiguous.
func XFCCValue(id *Identity) string {
	var b strings.Builder
	b.WriteString("Hash=")
	b.WriteString(id.Fingerprint)
	b.WriteString(";Subject=")
	writeQuoted(&b, id.Subject)
	b.WriteString(";URI=")
	writeXFCCValue(&b, first(id.URIs))
	for _, d := range id.DNS {
		b.WriteString(";DNS=")
		writeXFCCValue(&b, d)
	}
	return b.String()
}

func writeXFCCValue(b *strings.Builder, v string) {
	if strings.ContainsAny(v, ",;=\"\\ \t") {
		writeQuoted(b, v)
		return
	}
	b.WriteString(v)
}

func writeQuoted(b *strings.Builder, v string) {
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('"')
}
