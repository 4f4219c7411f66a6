package report

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"sort"
	"testing"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

// keyPaths lists every field path in a decoded JSON value, arrays written
// as [] ("findings[].location.file"), so the document can be compared with
// JSON.md.
func keyPaths(prefix string, v any, out map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			out[p] = true
			keyPaths(p, child, out)
		}
	case []any:
		for _, child := range v {
			keyPaths(prefix+"[]", child, out)
		}
	}
}

// TestJSONDocumented: every field the writer emits is documented in JSON.md
// and every documented field is emitted, so the two cannot drift apart.
func TestJSONDocumented(t *testing.T) {
	var doc any
	if err := json.Unmarshal(render(t, JSON{}, sampleReport()), &doc); err != nil {
		t.Fatal(err)
	}
	emitted := map[string]bool{}
	keyPaths("", doc, emitted)
	md, err := os.ReadFile("JSON.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_.\\[\\]]+)` \\|").FindAllSubmatch(md, -1) {
		documented[string(m[1])] = true
	}
	for _, p := range sortedKeys(emitted) {
		if !documented[p] {
			t.Errorf("field %s is emitted but not documented in JSON.md", p)
		}
	}
	for _, p := range sortedKeys(documented) {
		if !emitted[p] {
			t.Errorf("field %s is documented in JSON.md but not emitted", p)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestJSONRoundTrip: evidence (escapes, markup, control characters) and
// locations come back exactly as the report held them.
func TestJSONRoundTrip(t *testing.T) {
	r := sampleReport()
	var doc jsonReport
	if err := json.Unmarshal(render(t, JSON{}, r), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Target != r.Target || doc.Score != r.Score || doc.Grade != r.Grade || doc.SchemaVersion != 1 {
		t.Errorf("header = %+v", doc)
	}
	want := sortedFindings(r.Findings)
	if len(doc.Findings) != len(want) {
		t.Fatalf("findings = %d, want %d", len(doc.Findings), len(want))
	}
	for i, f := range doc.Findings {
		w := want[i]
		if f.ID != w.ID || f.Severity != w.Severity.String() || !slices.Equal(f.Evidence, w.Evidence) ||
			f.Remediation != jsonRemediation(w.Remediation) {
			t.Errorf("finding %d = %+v, want %+v", i, f, w)
		}
		if (f.Location == nil) != (w.Location == nil) {
			t.Errorf("finding %d: location %+v, want %+v", i, f.Location, w.Location)
		}
	}
	if got := doc.Counts; got != (jsonCounts{Critical: 1, High: 2, Medium: 2, Low: 1, Info: 1, Total: 7}) {
		t.Errorf("counts = %+v", got)
	}
	if doc.Checks[4].Status != string(finding.Inconclusive) || doc.Checks[4].Category != "API4:2023" {
		t.Errorf("checks[4] = %+v", doc.Checks[4])
	}
}

func TestJSONNoHTMLEscaping(t *testing.T) {
	out := render(t, JSON{}, sampleReport())
	if !bytes.Contains(out, []byte(`<script>alert('pwned')</script> & welcome admin`)) {
		t.Errorf("evidence markup was escaped or lost")
	}
	if !bytes.Contains(out, []byte(`\u001b[31mRecursionError`)) {
		t.Errorf("control character not escaped as \\u001b")
	}
}
