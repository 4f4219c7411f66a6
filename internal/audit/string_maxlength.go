package audit

import (
	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

var ruleStringMaxLength = finding.Rule{
	ID:       "SPEC-STRING-MAXLENGTH",
	Title:    "Request string without maxLength",
	Category: "API4:2023",
	Severity: finding.Medium,
	Kind:     Kind,
	Description: "A string the API accepts has no maxLength (nor an enum, const or fixed-size format). " +
		"The contract lets one client send megabytes in a single field, which the app then parses, validates, " +
		"stores and logs; nothing tells gateways or the scanner what the real limit is.",
	Remediation: finding.Remediation{
		Django: "Bound the field where it is parsed: DRF `serializers.CharField(max_length=N)` (and the model's " +
			"`CharField(max_length=N)`), and cap whole requests with `DATA_UPLOAD_MAX_MEMORY_SIZE`. " +
			"Then write the same maxLength into the OpenAPI schema.",
		Nginx: "nginx cannot see JSON fields: cap the whole body per location with `client_max_body_size 64k;`.",
		Mtlsguard: "Set `defaults.json.max_string` (for example 4KiB) or `routes[].json.max_string` for this path, " +
			"and `routes[].max_body`; add maxLength to the schema so `mtlsguard scan` checks it (BODY-SPEC-DRIFT).",
	},
}

// stringMissing flags strings whose length nothing bounds.
func stringMissing(sc *openapi.Schema) string {
	if sc.Type != "string" || sc.Recursive || sc.LengthBounded() {
		return ""
	}
	return "has no maxLength"
}
