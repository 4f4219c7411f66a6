package checks

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/mtlsguard/mtlsguard/internal/scan"
)

func TestOverLimit(t *testing.T) {
	example := map[string]any{"name": "w", "tags": []any{"blue"}, "attrs": map[string]any{"colour": "blue"}, "qty": 3.0}
	cases := []struct {
		limit scan.BodyLimit
		want  string
	}{
		{scan.BodyLimit{Field: []string{"name"}, Keyword: "maxLength", Max: 3}, `{"attrs":{"colour":"blue"},"name":"aaaa","qty":3,"tags":["blue"]}`},
		{scan.BodyLimit{Field: []string{"tags"}, Keyword: "maxItems", Max: 2}, `{"attrs":{"colour":"blue"},"name":"w","qty":3,"tags":["blue","blue","blue"]}`},
		{scan.BodyLimit{Field: []string{"tags", "[]"}, Keyword: "maxLength", Max: 1}, `{"attrs":{"colour":"blue"},"name":"w","qty":3,"tags":["aa"]}`},
		{scan.BodyLimit{Field: []string{"attrs"}, Keyword: "maxProperties", Max: 1}, `{"attrs":{"colour":"blue","k0":"a"},"name":"w","qty":3,"tags":["blue"]}`},
		{scan.BodyLimit{Field: []string{"qty"}, Keyword: "maximum", Max: 100}, `{"attrs":{"colour":"blue"},"name":"w","qty":101,"tags":["blue"]}`},
		{scan.BodyLimit{Field: []string{"meta", "size"}, Keyword: "maximum", Max: 9}, `{"attrs":{"colour":"blue"},"meta":{"size":10},"name":"w","qty":3,"tags":["blue"]}`},
	}
	for _, tc := range cases {
		got, err := json.Marshal(overLimit(example, tc.limit))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("%v %s: got %s, want %s", tc.limit.Field, tc.limit.Keyword, got, tc.want)
		}
	}
	if orig, _ := json.Marshal(example); string(orig) != `{"attrs":{"colour":"blue"},"name":"w","qty":3,"tags":["blue"]}` {
		t.Errorf("overLimit changed the example: %s", orig)
	}
}

var categoryRE = regexp.MustCompile(`^API(10|[1-9]):2023$`)

func TestSelect(t *testing.T) {
	all := All()
	cases := []struct {
		only, skip []string
		want       int
		err        string
	}{
		{nil, nil, len(all), ""},
		{[]string{"rate-no-limit", "SLOW-LORIS"}, nil, 2, ""},
		{nil, []string{"SLOW-LORIS"}, len(all) - 1, ""},
		{[]string{"SLOW-LORIS"}, []string{"SLOW-LORIS"}, 0, ""},
		{[]string{"NOPE"}, nil, 0, `unknown check "NOPE"; valid checks: MTLS-NO-CERT, `},
		{nil, []string{"NOPE"}, 0, `unknown check "NOPE"`},
	}
	for _, tc := range cases {
		got, err := Select(all, tc.only, tc.skip)
		if tc.err != "" {
			if err == nil || len(err.Error()) < len(tc.err) || err.Error()[:len(tc.err)] != tc.err {
				t.Errorf("Select(%v, %v) error %v, want %q", tc.only, tc.skip, err, tc.err)
			}
			continue
		}
		if err != nil || len(got) != tc.want {
			t.Errorf("Select(%v, %v) = %d checks, %v; want %d", tc.only, tc.skip, len(got), err, tc.want)
		}
	}
}

// TestRegistry pins the stable IDs, their order and the metadata every
// rule must carry.
func TestRegistry(t *testing.T) {
	want := []string{
		"MTLS-NO-CERT", "MTLS-UNTRUSTED-CA", "MTLS-EXPIRED-CERT", "TLS-LEGACY-VERSION", "TLS-WEAK-CIPHER",
		"ID-SPOOFABLE-HEADER", "CONC-NOISY-NEIGHBOR", "RATE-NO-LIMIT", "RATE-SHARED-LIMIT", "RATE-NO-RETRY-AFTER",
		"BODY-NO-LIMIT", "BODY-SPEC-DRIFT", "JSON-DEPTH-CRASH", "XML-ENTITY-EXPANSION", "HDR-NO-LIMIT",
		"SLOW-LORIS", "AUTHZ-BFLA",
	}
	ids := IDs(Runtime())
	if len(ids) != len(want) {
		t.Fatalf("runtime IDs %v, want %v", ids, want)
	}
	for i, c := range Runtime() {
		r := c.Rule()
		if r.ID != want[i] {
			t.Errorf("check %d is %s, want %s", i, r.ID, want[i])
		}
		rem := r.Remediation
		if r.Title == "" || r.Description == "" || !categoryRE.MatchString(r.Category) || rem.Django == "" || rem.Nginx == "" || rem.Mtlsguard == "" {
			t.Errorf("%s lacks metadata: %+v", r.ID, r)
		}
		if (r.Kind == active) != c.Needs().Active && r.ID != "AUTHZ-BFLA" {
			t.Errorf("%s: kind %s but Needs.Active %v", r.ID, r.Kind, c.Needs().Active)
		}
	}
	if n := len(All()) - len(Runtime()); n != 8 {
		t.Errorf("%d static rules in the registry, want 8", n)
	}
}
