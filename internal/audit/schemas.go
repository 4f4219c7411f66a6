package audit

import (
	"fmt"
	"strings"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

// schemaCheck is a rule judged on one request schema node at a time.
type schemaCheck struct {
	rule finding.Rule
	// missing says what the node lacks ("has no maxLength"), or "" when it is fine.
	missing func(sc *openapi.Schema) string
}

// schemaChecks are the node rules, in report order.
var schemaChecks = []schemaCheck{
	{ruleStringMaxLength, stringMissing},
	{ruleArrayMaxItems, arrayMissing},
	{ruleObjectMaxProperties, objectMissing},
	{ruleNumberBounds, numberMissing},
	{ruleRecursiveSchema, recursionMissing},
}

// auditSchemas runs the node rules over op's parameters and request body.
func auditSchemas(c *collector, op *openapi.Operation) {
	seen := map[string]bool{} // nodes already checked for this operation
	for _, p := range op.Params {
		auditSchema(c, op, fmt.Sprintf("%s parameter `%s`", p.In, p.Name), p.Schema, seen)
	}
	if op.Body != nil {
		auditSchema(c, op, "requestBody", op.Body.Schema, seen)
	}
}

func auditSchema(c *collector, op *openapi.Operation, where string, root *openapi.Schema, seen map[string]bool) {
	root.Walk(func(path string, sc *openapi.Schema) bool {
		key := sc.Loc.Pointer
		if seen[key] {
			return false // a shared definition reached twice: its nodes are done
		}
		seen[key] = true
		for _, chk := range schemaChecks {
			if what := chk.missing(sc); what != "" {
				c.add(chk.rule, sc.Loc, op, fmt.Sprintf("%s (%s) %s", subject(where, path), sc.Describe(), what))
			}
		}
		return true
	})
}

// subject names a node: "requestBody", "requestBody property `a.b`", "requestBody items".
func subject(where, path string) string {
	switch {
	case path == "":
		return where
	case path == "[]":
		return where + " items"
	case strings.HasPrefix(path, "[]."):
		return where + " items property `" + path[3:] + "`"
	}
	return where + " property `" + path + "`"
}

// closed reports a schema whose values are listed (enum or const), which bounds them.
func closed(sc *openapi.Schema) bool { return len(sc.Enum) > 0 || sc.HasConst }
