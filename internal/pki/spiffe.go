package pki

import (
	"fmt"
	"net/url"
	"strings"
)

// ParseSPIFFE parses and validates a SPIFFE ID for an X.509 SVID:
// spiffe://trust-domain/path, where the trust domain holds only lower-case
// letters, digits, '.', '-' and '_', and the path is one or more segments of
// letters, digits, '.', '-' and '_' (no empty, "." or ".." segment, no
// trailing slash). Port, user info, query and fragment are refused.
func ParseSPIFFE(s string) (*url.URL, error) {
	const form = "expected spiffe://trust-domain/path, e.g. spiffe://example.org/ns/prod/sa/billing"
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("SPIFFE ID %q: %w; %s", s, err, form)
	}
	if !strings.HasPrefix(s, "spiffe://") {
		return nil, fmt.Errorf("SPIFFE ID %q: scheme must be spiffe; %s", s, form)
	}
	if u.User != nil || u.Port() != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" || strings.ContainsAny(s, "?#") {
		return nil, fmt.Errorf("SPIFFE ID %q: user info, port, query and fragment are not allowed; %s", s, form)
	}
	if err := checkTrustDomain(u.Host); err != nil {
		return nil, fmt.Errorf("SPIFFE ID %q: %w; %s", s, err, form)
	}
	if err := checkSPIFFEPath(u.EscapedPath()); err != nil {
		return nil, fmt.Errorf("SPIFFE ID %q: %w; %s", s, err, form)
	}
	return u, nil
}

func checkTrustDomain(td string) error {
	if td == "" {
		return fmt.Errorf("empty trust domain")
	}
	for _, r := range td {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return fmt.Errorf("trust domain %q has %q (only a-z, 0-9, '.', '-', '_')", td, r)
		}
	}
	return nil
}

func checkSPIFFEPath(p string) error {
	if p == "" || p == "/" {
		return fmt.Errorf("no path (a workload certificate needs one)")
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("path %q has an empty, '.' or '..' segment", p)
		}
		for _, r := range seg {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
				return fmt.Errorf("path %q has %q (only letters, digits, '.', '-', '_')", p, r)
			}
		}
	}
	return nil
}
