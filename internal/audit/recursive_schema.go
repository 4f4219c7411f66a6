package audit

import (
	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

var ruleRecursiveSchema = finding.Rule{
	ID:       "SPEC-RECURSIVE-SCHEMA",
	Title:    "Recursive request schema",
	Category: "API4:2023",
	Severity: finding.Medium,
	Kind:     Kind,
	Description: "A request schema refers back to itself, so the contract allows nesting of any depth. " +
		"Deeply nested JSON exhausts recursive parsers and validators: Python's json.loads raises " +
		"RecursionError near depth 1,000 and the request ends in a 500.",
	Remediation: finding.Remediation{
		Django: "Reject deep documents before parsing: a custom DRF `JSONParser` that checks depth, and a depth " +
			"argument to recursive serializers; consider flattening the structure (parent IDs instead of nesting).",
		Nginx:     "nginx cannot measure JSON depth; cap the body with `client_max_body_size`.",
		Mtlsguard: "Set `defaults.json.max_depth` (default 32) or `routes[].json.max_depth` for this path to the deepest nesting the app needs.",
	},
}

func recursionMissing(sc *openapi.Schema) string {
	if !sc.Recursive {
		return ""
	}
	return "refers back to `" + sc.Ref + "`: the contract sets no bound on nesting depth"
}
