package identity

import "net/http"

// Header families a client must never be able to set. Names are compared
// after normalization: ASCII lower case, '_' read as '-'. A WSGI or CGI
// server maps both X-SSL-Client-CN and X_SSL_Client_CN to
// HTTP_X_SSL_CLIENT_CN, so both spellings must go.
//
// A prefix family ends where its words end: "x-ssl-client-" strips
// X-SSL-Client-CN but lets X-SSL-Clientele through (another word that no
// server maps to a certificate variable); the bare family name
// (X-SSL-Client) is stripped too. "x-client-cert" and
// "x-forwarded-tls-client-cert" are plain prefixes, as deployments spell
// them X-Client-Cert, X-Client-Certificate, X-Client-Cert-Chain and
// X-Forwarded-Tls-Client-Cert, X-Forwarded-Tls-Client-Cert-Info.
var (
	strippedPrefixes = []string{"x-ssl-client-", "ssl-client-", "x-client-cert", "x-forwarded-tls-client-cert"}
	strippedExact    = []string{
		"x-ssl-client", "ssl-client",
		"client-cert", "client-cert-chain",
		"x-forwarded-client-cert",
		normalize(DefaultSignHeader),
	}
)

// Stripper deletes identity headers sent by clients: the known families
// above, the default signature header and any extra names. It is safe for
// concurrent use once built.
type Stripper struct {
	extra []string // normalized
}

// NewStripper returns a Stripper that also removes the extra header names
// (the configured forward and signature header names, for instance),
// compared the same way.
func NewStripper(extra []string) *Stripper {
	s := &Stripper{}
	for _, name := range extra {
		if name != "" {
			s.extra = append(s.extra, normalize(name))
		}
	}
	return s
}

// Matches reports whether a header called name would be stripped.
// It does not allocate.
func (s *Stripper) Matches(name string) bool {
	for _, p := range strippedPrefixes {
		if hasNormPrefix(name, p) {
			return true
		}
	}
	for _, e := range strippedExact {
		if normEqual(name, e) {
			return true
		}
	}
	for _, e := range s.extra {
		if normEqual(name, e) {
			return true
		}
	}
	return false
}

// Strip deletes every header of h that Matches and returns how many names
// it deleted. It works on any http.Header, request trailers included; note
// that net/http fills Request.Trailer only once the body has been read, so
// a proxy strips trailers after the body (or refuses requests that declare
// identity trailers).
func (s *Stripper) Strip(h http.Header) int {
	n := 0
	for name := range h {
		if s.Matches(name) {
			delete(h, name)
			n++
		}
	}
	return n
}

// normalize lower-cases ASCII letters and turns '_' into '-'.
func normalize(name string) string {
	b := []byte(name)
	for i, c := range b {
		b[i] = normByte(c)
	}
	return string(b)
}

func normByte(c byte) byte {
	switch {
	case c == '_':
		return '-'
	case 'A' <= c && c <= 'Z':
		return c + 'a' - 'A'
	}
	return c
}

// hasNormPrefix reports whether normalize(name) starts with prefix, which
// must already be normalized.
func hasNormPrefix(name, prefix string) bool {
	if len(name) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if normByte(name[i]) != prefix[i] {
			return false
		}
	}
	return true
}

// normEqual reports whether normalize(name) == norm.
func normEqual(name, norm string) bool {
	return len(name) == len(norm) && hasNormPrefix(name, norm)
}
