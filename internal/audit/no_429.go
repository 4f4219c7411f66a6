package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

var ruleNo429 = finding.Rule{
	ID:       "SPEC-NO-429",
	Title:    "Operation declares no 429 response",
	Category: "API4:2023",
	Severity: finding.Low,
	Kind:     Kind,
	Description: "The operation lists no 429 Too Many Requests response. Either the API has no rate limit " +
		"for it, or clients are not told that one exists and will not back off when they hit it.",
	Remediation: finding.Remediation{
		Django: "Rate-limit the view per client identity, for example django-ratelimit " +
			"`@ratelimit(key='header:x-ssl-client-cn', rate='20/s', block=True)` turned into a 429 by a " +
			"`RATELIMIT_VIEW`, and document the 429 response in the schema.",
		Nginx: "`limit_req_zone $ssl_client_s_dn zone=perclient:10m rate=20r/s;` with `limit_req zone=perclient burst=40;` " +
			"and `limit_req_status 429;` in the location.",
		Mtlsguard: "Set `defaults.rate` and `defaults.burst` (or `routes[].rate` for this path): the proxy answers " +
			"429 with Retry-After and RateLimit headers per certificate identity. Add the 429 response to the contract.",
	},
}

var ruleNoRetryAfter = finding.Rule{
	ID:       "SPEC-429-NO-RETRY-AFTER",
	Title:    "429 response without a Retry-After header",
	Category: "API4:2023",
	Severity: finding.Low,
	Kind:     Kind,
	Description: "The operation's 429 response does not declare a Retry-After header, so clients are not told " +
		"when to retry and tend to retry at once, turning throttling into more load.",
	Remediation: finding.Remediation{
		Django: "Send Retry-After with every 429 (DRF's `Throttled` exception does when the throttle's `wait()` " +
			"returns a value) and declare `headers: {Retry-After: {schema: {type: integer}}}` on the 429 response.",
		Nginx:     "nginx's limit_req sends no Retry-After: add `add_header Retry-After 1 always;` in an `error_page 429` location.",
		Mtlsguard: "The proxy's 429 and 503 answers carry Retry-After and RateLimit headers; declare them on the 429 response of the contract.",
	},
}

// auditResponses checks op's responses for 429 and its Retry-After header.
func auditResponses(c *collector, op *openapi.Operation) {
	r, ok := op.Responses["429"]
	if !ok {
		c.add(ruleNo429, op.ResponsesLoc, op, fmt.Sprintf("%s declares no 429 response (it declares %s)", opName(op), statuses(op)))
		return
	}
	if !slices.Contains(r.Headers, "Retry-After") {
		c.add(ruleNoRetryAfter, r.Loc, op, fmt.Sprintf("%s: response 429 declares no Retry-After header (headers: %s)", opName(op), orNone(r.Headers)))
	}
}

func statuses(op *openapi.Operation) string {
	var s []string
	for k := range op.Responses {
		s = append(s, k)
	}
	slices.Sort(s)
	if len(s) == 0 {
		return "no responses"
	}
	return strings.Join(s, ", ")
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
