package audit

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

func TestRulesRegistry(t *testing.T) {
	var ids []string
	for _, r := range Rules() {
		ids = append(ids, fmt.Sprintf("%s %s %s", r.ID, r.Category, r.Severity))
		if r.Title == "" || r.Description == "" || r.Kind != "static" {
			t.Errorf("%s: title %q, description %q, kind %q", r.ID, r.Title, r.Description, r.Kind)
		}
		rem := r.Remediation
		if rem.Django == "" || rem.Nginx == "" || rem.Mtlsguard == "" {
			t.Errorf("%s: remediation missing a layer: %+v", r.ID, rem)
		}
	}
	want := []string{
		"SPEC-STRING-MAXLENGTH API4:2023 medium",
		"SPEC-ARRAY-MAXITEMS API4:2023 medium",
		"SPEC-OBJECT-MAXPROPERTIES API4:2023 low",
		"SPEC-NUMBER-BOUNDS API4:2023 low",
		"SPEC-RECURSIVE-SCHEMA API4:2023 medium",
		"SPEC-NO-429 API4:2023 low",
		"SPEC-429-NO-RETRY-AFTER API4:2023 low",
		"SPEC-NO-SECURITY API2:2023 medium",
	}
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("rules\n got %v\nwant %v", ids, want)
	}
}

// The mtlsguard remediation names only keys the proxy's configuration has.
func TestRemediationNamesConfigKeys(t *testing.T) {
	known := []string{"defaults.json.max_string", "routes[].json.max_string", "routes[].max_body", "defaults.json.max_tokens",
		"routes[].json.max_tokens", "defaults.json.max_depth", "routes[].json.max_depth", "defaults.rate", "defaults.burst",
		"routes[].rate", "defaults.max_inflight", "tls.client_ca", "routes[].allow"}
	for _, r := range Rules() {
		for _, part := range strings.Split(r.Remediation.Mtlsguard, "`")[1:] {
			if strings.HasPrefix(part, "defaults.") || strings.HasPrefix(part, "routes[]") || strings.HasPrefix(part, "tls.") {
				found := false
				for _, k := range known {
					found = found || part == k
				}
				if !found {
					t.Errorf("%s names unknown config key %q", r.ID, part)
				}
			}
		}
	}
}

func TestFindingsCarryTheirRule(t *testing.T) {
	rules := map[string]finding.Rule{}
	for _, r := range Rules() {
		rules[r.ID] = r
	}
	for _, file := range []string{"api.yaml", "swagger2.json", "v31.yaml", "recursive.yaml", "compose.yaml"} {
		for _, f := range Audit(load(t, file)) {
			r, ok := rules[f.ID]
			if !ok || f.Severity != r.Severity || f.Category != r.Category || f.Title != r.Title || f.Remediation != r.Remediation {
				t.Errorf("%s: finding %s does not match its rule", file, f.ID)
			}
			if f.Location == nil || f.Location.Line == 0 || len(f.Evidence) == 0 {
				t.Errorf("%s: finding %s has no line or evidence: %+v", file, f.ID, f)
			}
		}
	}
}

func parse(t testing.TB, doc string) *openapi.Spec {
	t.Helper()
	s, err := openapi.Parse("x.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return s
}

// sharedSpec has n operations posting the same $ref'd schema, which lacks maxLength.
func sharedSpec(n int) string {
	var b strings.Builder
	b.WriteString("openapi: 3.1.0\ninfo: {title: x, version: '1'}\ncomponents:\n  securitySchemes: {mtls: {type: mutualTLS}}\n")
	b.WriteString("  schemas:\n    Note:\n      type: object\n      additionalProperties: false\n      properties:\n        text: {type: string}\n")
	b.WriteString("security: [{mtls: []}]\npaths:\n")
	for i := range n {
		fmt.Fprintf(&b, "  /n%03d:\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}}\n", i)
		b.WriteString("      responses: {'200': {description: ok}}\n")
	}
	return b.String()
}

func TestSharedSchemaReportedOnce(t *testing.T) {
	fs := Audit(parse(t, sharedSpec(13)))
	var strs []finding.Finding
	for _, f := range fs {
		if f.ID == "SPEC-STRING-MAXLENGTH" {
			strs = append(strs, f)
		}
	}
	if len(strs) != 1 {
		t.Fatalf("%d SPEC-STRING-MAXLENGTH findings, want 1", len(strs))
	}
	f := strs[0]
	got := fmt.Sprintf("%d %s %s %s", f.Location.Line, f.Location.Pointer, f.Location.Method, f.Location.Path)
	if want := "10 /components/schemas/Note/properties/text POST /n000"; got != want {
		t.Errorf("location %s, want %s", got, want)
	}
	want := []string{
		"requestBody property `text` (string) has no maxLength",
		"the same schema is used by POST /n001, POST /n002, POST /n003, POST /n004, POST /n005, POST /n006, POST /n007, POST /n008, POST /n009, POST /n010 and 2 more",
	}
	if !reflect.DeepEqual(f.Evidence, want) {
		t.Errorf("evidence\n got %q\nwant %q", f.Evidence, want)
	}
}

func TestFindingsPerRuleAreCapped(t *testing.T) {
	fs := Audit(parse(t, sharedSpec(MaxPerRule+25)))
	n := 0
	for _, f := range fs {
		if f.ID == "SPEC-NO-429" {
			n++
		}
	}
	if n != MaxPerRule {
		t.Fatalf("%d SPEC-NO-429 findings, want %d", n, MaxPerRule)
	}
	last := fs[len(fs)-1]
	want := "25 more places break this rule in the same way (not listed)"
	if last.ID != "SPEC-NO-429" || last.Evidence[len(last.Evidence)-1] != want {
		t.Errorf("last finding %s, evidence %q; want SPEC-NO-429 ending %q", last.ID, last.Evidence, want)
	}
}

func TestNoSecurityAtTheRoot(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"3.1 without security or mutualTLS",
			"openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {'429': {description: x, headers: {Retry-After: {schema: {type: integer}}}}}\n",
			[]string{"SPEC-NO-SECURITY 1:1 [no operation declares a security requirement and there is no global `security`: the one operation is open by contract no security scheme of type mutualTLS: the contract does not say that clients must present a certificate]"}},
		{"3.0 open by security: []",
			"openapi: 3.0.3\ninfo: {title: x, version: '1'}\nsecurity: [{k: []}]\npaths:\n  /a:\n    get:\n      security: []\n      responses: {'429': {description: x, headers: {Retry-After: {schema: {type: integer}}}}}\n",
			[]string{"SPEC-NO-SECURITY 6:5 GET /a [GET /a has no security requirement (none of its own and no global one, or `security: []`)]"}},
		{"3.0 with global security",
			"openapi: 3.0.3\ninfo: {title: x, version: '1'}\nsecurity: [{k: []}]\npaths:\n  /a:\n    get:\n      responses: {'429': {description: x, headers: {Retry-After: {schema: {type: integer}}}}}\n",
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range Audit(parse(t, tt.doc)) {
				got = append(got, fmt.Sprintf("%s %v", line(f), f.Evidence))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestAuditNil(t *testing.T) {
	if fs := Audit(nil); fs != nil {
		t.Errorf("Audit(nil) = %v", fs)
	}
}

func BenchmarkAudit(b *testing.B) {
	s := parse(b, sharedSpec(500))
	b.ReportAllocs()
	for b.Loop() {
		Audit(s)
	}
}

// A contract whose definitions fan out (8 properties of the next level, 8
// levels deep) has 8^8 paths but 9 definitions: one finding each.
func TestFanOutReportedPerDefinition(t *testing.T) {
	doc := "openapi: 3.1.0\ninfo: {title: x, version: '1'}\ncomponents:\n  securitySchemes: {mtls: {type: mutualTLS}}\n  schemas:\n    L8: {type: string}\n"
	for l := 7; l >= 0; l-- {
		doc += fmt.Sprintf("    L%d:\n      type: object\n      properties:\n", l)
		for p := range 8 {
			doc += fmt.Sprintf("        p%d: {$ref: '#/components/schemas/L%d'}\n", p, l+1)
		}
	}
	doc += "security: [{mtls: []}]\npaths:\n  /a:\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/L0'}}}}\n" +
		"      responses: {'429': {description: x, headers: {Retry-After: {schema: {type: integer}}}}}\n"
	count := map[string]int{}
	for _, f := range Audit(parse(t, doc)) {
		count[f.ID]++
	}
	want := map[string]int{"SPEC-STRING-MAXLENGTH": 1, "SPEC-OBJECT-MAXPROPERTIES": 8}
	if !reflect.DeepEqual(count, want) {
		t.Errorf("findings per rule %v, want %v", count, want)
	}
}
