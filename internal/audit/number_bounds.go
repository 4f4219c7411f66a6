package audit

import (
	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

var ruleNumberBounds = finding.Rule{
	ID:       "SPEC-NUMBER-BOUNDS",
	Title:    "Request number without minimum and maximum",
	Category: "API4:2023",
	Severity: finding.Low,
	Kind:     Kind,
	Description: "An integer or number the API accepts lacks a minimum or a maximum. Page sizes, counts, " +
		"durations and amounts without bounds let one request ask for unbounded work (limit=10000000) or " +
		"overflow the app's own types.",
	Remediation: finding.Remediation{
		Django: "Use `serializers.IntegerField(min_value=..., max_value=...)` (or `DecimalField`/`FloatField` " +
			"with both) and DRF's pagination `max_page_size`; write the same minimum and maximum into the schema.",
		Nginx:     "nginx cannot bound values; keep the limit in the app and in the contract.",
		Mtlsguard: "The proxy does not bound values; declare minimum and maximum so `mtlsguard scan` checks the app enforces them, and cap the work one identity can do with `defaults.rate` and `defaults.max_inflight`.",
	},
}

func numberMissing(sc *openapi.Schema) string {
	if (sc.Type != "integer" && sc.Type != "number") || sc.Recursive || closed(sc) {
		return ""
	}
	switch {
	case sc.Minimum == nil && sc.Maximum == nil:
		return "has neither minimum nor maximum"
	case sc.Maximum == nil:
		return "has no maximum"
	case sc.Minimum == nil:
		return "has no minimum"
	}
	return ""
}
