// Package audit checks an API contract statically: it reads the constraint
// model of package openapi and reports what the contract leaves unbounded or
// unprotected — strings without maxLength, arrays without maxItems, open
// objects, unbounded numbers, recursive schemas, missing 429 responses and
// Retry-After headers, operations without security — each finding located
// at the spec's file, line and JSON pointer for SARIF.
//
// It judges the contract only; whether the running API enforces limits is
// the scan's business (package scan).
package audit

import (
	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

// Kind is the finding.Rule kind of every rule here.
const Kind = "static"

// Rules returns the static rules, in report order.
func Rules() []finding.Rule {
	out := make([]finding.Rule, 0, len(schemaChecks)+3)
	for _, c := range schemaChecks {
		out = append(out, c.rule)
	}
	return append(out, ruleNo429, ruleNoRetryAfter, ruleNoSecurity)
}

// Audit applies every rule to s. Request schemas (parameters and bodies) are
// checked node by node; a schema shared through $ref is reported once, at its
// definition, naming every operation that uses it. At most MaxPerRule
// findings are kept per rule; the last one says how many more there were.
func Audit(s *openapi.Spec) []finding.Finding {
	if s == nil {
		return nil
	}
	c := newCollector()
	for _, op := range s.Operations {
		auditSchemas(c, op)
		auditResponses(c, op)
	}
	auditSecurity(c, s)
	return c.findings()
}
