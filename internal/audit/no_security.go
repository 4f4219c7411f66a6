package audit

import (
	"fmt"
	"strings"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

var ruleNoSecurity = finding.Rule{
	ID:       "SPEC-NO-SECURITY",
	Title:    "Operation without a security requirement",
	Category: "API2:2023",
	Severity: finding.Medium,
	Kind:     Kind,
	Description: "The contract lets the operation be called without authentication: it has no security " +
		"requirement (or allows anonymous access with `{}`), or, in OpenAPI 3.1, no scheme of type mutualTLS " +
		"says that clients must present a certificate. Tools and gateways generated from the contract will not " +
		"require one.",
	Remediation: finding.Remediation{
		Django: "Require authentication on every view (`DEFAULT_PERMISSION_CLASSES = ['rest_framework.permissions.IsAuthenticated']`) " +
			"with an authentication class that trusts only the verified client-certificate identity set by the proxy, " +
			"and declare it in the contract: a `mutualTLS` security scheme (3.1) referenced by `security`.",
		Nginx: "`ssl_verify_client on;` with `ssl_client_certificate ca.crt;` on the server, and declare the scheme in the contract.",
		Mtlsguard: "The proxy refuses clients without a certificate signed by `tls.client_ca`; restrict operations to " +
			"groups with `routes[].allow`. Declare `components.securitySchemes.mtls: {type: mutualTLS}` and `security: [{mtls: []}]`.",
	},
}

// auditSecurity reports operations open by contract, once at the root when
// the whole document declares no security, and (3.1+) a missing mutualTLS scheme.
func auditSecurity(c *collector, s *openapi.Spec) {
	var open []*openapi.Operation
	for _, op := range s.Operations {
		if anonymous(op.Security) {
			open = append(open, op)
		}
	}
	var root []string
	if len(open) > 0 && len(open) == len(s.Operations) && s.Security == nil {
		root = append(root, "no operation declares a security requirement and there is no global `security`: "+allOpen(len(open)))
		open = nil
	}
	if mutualTLSVersion(s.Version) && !s.HasMutualTLS {
		root = append(root, "no security scheme of type mutualTLS: the contract does not say that clients must present a certificate")
	}
	if len(root) > 0 {
		c.add(ruleNoSecurity, s.Loc, nil, root...)
	}
	for _, op := range open {
		c.add(ruleNoSecurity, op.Loc, op, fmt.Sprintf("%s %s", opName(op), whyOpen(op.Security)))
	}
}

// anonymous reports a requirement that lets a client in without credentials.
func anonymous(req [][]string) bool {
	for _, alt := range req {
		if len(alt) == 0 {
			return true
		}
	}
	return len(req) == 0
}

func whyOpen(req [][]string) string {
	if len(req) == 0 {
		return "has no security requirement (none of its own and no global one, or `security: []`)"
	}
	return "allows anonymous access: its security requirement includes `{}`"
}

// mutualTLSVersion reports OpenAPI versions that can declare a mutualTLS scheme (3.1 and later).
func mutualTLSVersion(v string) bool {
	return strings.HasPrefix(v, "3.") && !strings.HasPrefix(v, "3.0")
}

func allOpen(n int) string {
	if n == 1 {
		return "the one operation is open by contract"
	}
	return fmt.Sprintf("all %d operations are open by contract", n)
}
