package audit

import (
	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

var ruleObjectMaxProperties = finding.Rule{
	ID:       "SPEC-OBJECT-MAXPROPERTIES",
	Title:    "Request object open to any number of properties",
	Category: "API4:2023",
	Severity: finding.Low,
	Kind:     Kind,
	Description: "An object the API accepts allows additional properties (additionalProperties is true, a schema, " +
		"or unspecified) and has no maxProperties, so a client may send any number of keys: memory and hashing " +
		"work grow with them, and unexpected keys may reach the model (mass assignment).",
	Remediation: finding.Remediation{
		Django: "Declare the fields in the DRF serializer and reject unknown ones (override `to_internal_value` " +
			"to fail on `set(data) - set(self.fields)`); for free-form maps validate `len(value) <= N`. " +
			"In the schema write `additionalProperties: false`, or maxProperties.",
		Nginx:     "nginx cannot count keys: cap the body with `client_max_body_size` for the location.",
		Mtlsguard: "Bound keys and values with `defaults.json.max_tokens` (or `routes[].json.max_tokens`) and `routes[].max_body`.",
	},
}

func objectMissing(sc *openapi.Schema) string {
	if sc.Type != "object" || sc.Recursive || !sc.AdditionalAllowed || sc.MaxProperties != nil || closed(sc) {
		return ""
	}
	if sc.AdditionalProperties != nil {
		return "accepts additional properties of a schema and has no maxProperties"
	}
	return "allows additional properties (additionalProperties is not false) and has no maxProperties"
}
