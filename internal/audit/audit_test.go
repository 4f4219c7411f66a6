package audit

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

func load(t testing.TB, file string) *openapi.Spec {
	t.Helper()
	s, err := openapi.Load(t.Context(), "../openapi/testdata/"+file, nil)
	if err != nil {
		t.Fatalf("Load(%s): %v", file, err)
	}
	return s
}

// line summarises a finding: "ID line:col METHOD path".
func line(f finding.Finding) string {
	l := f.Location
	return strings.TrimSpace(fmt.Sprintf("%s %d:%d %s %s", f.ID, l.Line, l.Column, l.Method, l.Path))
}

func TestAuditFixtures(t *testing.T) {
	tests := map[string][]string{
		"api.yaml": {
			"SPEC-STRING-MAXLENGTH 82:17 POST /api/upload",
			"SPEC-STRING-MAXLENGTH 168:11 GET /api/search",
			"SPEC-STRING-MAXLENGTH 201:9 POST /api/orders",
			"SPEC-STRING-MAXLENGTH 236:9 POST /api/orders",
			"SPEC-ARRAY-MAXITEMS 211:9 POST /api/orders",
			"SPEC-OBJECT-MAXPROPERTIES 78:13 POST /api/upload",
			"SPEC-OBJECT-MAXPROPERTIES 194:5 POST /api/orders",
			"SPEC-OBJECT-MAXPROPERTIES 227:9 POST /api/orders",
			"SPEC-NUMBER-BOUNDS 39:11 GET /api/reports/slow",
			"SPEC-NUMBER-BOUNDS 147:11 GET /api/items",
			"SPEC-NUMBER-BOUNDS 189:7 DELETE /api/admin/users/{id}",
			"SPEC-NUMBER-BOUNDS 207:9 POST /api/orders",
			"SPEC-NO-429 20:7 GET /api/ping",
			"SPEC-NO-429 42:7 GET /api/reports/slow",
			"SPEC-NO-429 60:7 POST /api/orders",
			"SPEC-NO-429 88:7 POST /api/upload",
			"SPEC-NO-429 97:7 GET /api/admin/users",
			"SPEC-NO-429 115:7 DELETE /api/admin/users/{id}",
			"SPEC-NO-429 122:7 GET /api/whoami",
			"SPEC-NO-429 150:7 GET /api/items",
			"SPEC-429-NO-RETRY-AFTER 181:9 GET /api/search",
			"SPEC-NO-SECURITY 1:1",
		},
		"swagger2.json": {
			"SPEC-STRING-MAXLENGTH 54:11 POST /pets/{petId}",
			"SPEC-STRING-MAXLENGTH 81:55 POST /pets",
			"SPEC-ARRAY-MAXITEMS 24:11 GET /pets",
			"SPEC-NO-429 48:9 DELETE /pets/{petId}",
			"SPEC-NO-429 57:9 POST /pets/{petId}",
			"SPEC-NO-429 64:9 GET /health",
			"SPEC-NO-SECURITY 61:7 GET /health",
		},
		"v31.yaml": {
			"SPEC-STRING-MAXLENGTH 23:9 POST /transfers",
			"SPEC-ARRAY-MAXITEMS 25:9 POST /transfers",
			"SPEC-OBJECT-MAXPROPERTIES 13:5 POST /transfers",
			"SPEC-NO-429 54:7 POST /internal/rebuild",
		},
		"recursive.yaml": {
			"SPEC-RECURSIVE-SCHEMA 21:11 PUT /folders",
			"SPEC-RECURSIVE-SCHEMA 32:9 PUT /folders",
			"SPEC-NO-SECURITY 1:1",
		},
		"compose.yaml": {
			"SPEC-STRING-MAXLENGTH 84:19 GET /shapes",
			"SPEC-NO-SECURITY 71:5 GET /shapes",
		},
		"hardened.yaml": nil,
	}
	for file, want := range tests {
		t.Run(file, func(t *testing.T) {
			var got []string
			for _, f := range Audit(load(t, file)) {
				got = append(got, line(f))
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("findings\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
			}
		})
	}
}

func TestAuditEvidence(t *testing.T) {
	tests := []struct {
		file, id string
		line     int
		pointer  string
		evidence []string
	}{
		{"api.yaml", "SPEC-STRING-MAXLENGTH", 236, "/components/schemas/Address/properties/street",
			[]string{"requestBody property `shipping.street` (string) has no maxLength"}},
		{"api.yaml", "SPEC-STRING-MAXLENGTH", 168, "/paths/~1api~1search/get/parameters/0/schema",
			[]string{"query parameter `q` (string) has no maxLength"}},
		{"api.yaml", "SPEC-STRING-MAXLENGTH", 82, "/paths/~1api~1upload/post/requestBody/content/multipart~1form-data/schema/properties/file",
			[]string{"requestBody property `file` (string, format binary) has no maxLength"}},
		{"api.yaml", "SPEC-OBJECT-MAXPROPERTIES", 227, "/components/schemas/Order/properties/metadata",
			[]string{"requestBody property `metadata` (object) accepts additional properties of a schema and has no maxProperties"}},
		{"api.yaml", "SPEC-NUMBER-BOUNDS", 207, "/components/schemas/Order/properties/discount",
			[]string{"requestBody property `discount` (number) has neither minimum nor maximum"}},
		{"api.yaml", "SPEC-NUMBER-BOUNDS", 39, "/paths/~1api~1reports~1slow/get/parameters/0/schema",
			[]string{"query parameter `days` (integer) has no maximum"}},
		{"api.yaml", "SPEC-NO-429", 60, "/paths/~1api~1orders/post/responses",
			[]string{"POST /api/orders declares no 429 response (it declares 201, 400)"}},
		{"api.yaml", "SPEC-429-NO-RETRY-AFTER", 181, "/paths/~1api~1search/get/responses/429",
			[]string{"GET /api/search: response 429 declares no Retry-After header (headers: none)"}},
		{"api.yaml", "SPEC-NO-SECURITY", 1, "",
			[]string{"no operation declares a security requirement and there is no global `security`: all 9 operations are open by contract"}},
		{"swagger2.json", "SPEC-STRING-MAXLENGTH", 81, "/definitions/Pet/properties/nicknames/items",
			[]string{"requestBody property `nicknames[]` (string) has no maxLength"}},
		{"swagger2.json", "SPEC-NO-SECURITY", 61, "/paths/~1health/get",
			[]string{"GET /health has no security requirement (none of its own and no global one, or `security: []`)"}},
		{"recursive.yaml", "SPEC-RECURSIVE-SCHEMA", 32, "/components/schemas/Person/properties/home",
			[]string{"requestBody property `owner.home` (object) refers back to `#/components/schemas/Folder`: the contract sets no bound on nesting depth"}},
		{"recursive.yaml", "SPEC-NO-SECURITY", 1, "",
			[]string{"no security scheme of type mutualTLS: the contract does not say that clients must present a certificate"}},
		{"compose.yaml", "SPEC-NO-SECURITY", 71, "/paths/~1shapes/get",
			[]string{"GET /shapes allows anonymous access: its security requirement includes `{}`"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s %d", tt.file, tt.id, tt.line), func(t *testing.T) {
			f := findAt(t, Audit(load(t, tt.file)), tt.id, tt.line)
			if f.Location.Pointer != tt.pointer || f.Location.File != "../openapi/testdata/"+tt.file {
				t.Errorf("location %+v, want pointer %q", *f.Location, tt.pointer)
			}
			if !reflect.DeepEqual(f.Evidence, tt.evidence) {
				t.Errorf("evidence\n got %q\nwant %q", f.Evidence, tt.evidence)
			}
		})
	}
}

func findAt(t *testing.T, fs []finding.Finding, id string, line int) finding.Finding {
	t.Helper()
	for _, f := range fs {
		if f.ID == id && f.Location.Line == line {
			return f
		}
	}
	t.Fatalf("no %s finding at line %d", id, line)
	return finding.Finding{}
}
