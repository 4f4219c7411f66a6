package audit

import (
	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

var ruleArrayMaxItems = finding.Rule{
	ID:       "SPEC-ARRAY-MAXITEMS",
	Title:    "Request array without maxItems",
	Category: "API4:2023",
	Severity: finding.Medium,
	Kind:     Kind,
	Description: "An array the API accepts has no maxItems. One request can carry millions of elements, " +
		"each of which the app deserialises, validates and often writes to the database in one transaction.",
	Remediation: finding.Remediation{
		Django: "Use DRF `serializers.ListField(child=..., max_length=N)` or `ListSerializer` with `max_length=N` " +
			"(DRF 3.14+), and write the same maxItems into the OpenAPI schema.",
		Nginx: "nginx cannot count array elements: cap the body with `client_max_body_size` for the location.",
		Mtlsguard: "Bound the whole document with `defaults.json.max_tokens` (or `routes[].json.max_tokens`) and " +
			"`routes[].max_body`; add maxItems to the schema so `mtlsguard scan` checks it.",
	},
}

func arrayMissing(sc *openapi.Schema) string {
	if sc.Type != "array" || sc.Recursive || sc.MaxItems != nil || closed(sc) {
		return ""
	}
	return "has no maxItems"
}
