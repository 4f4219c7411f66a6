package report

import (
	"encoding/json"
	"encoding/xml"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

// FuzzWriters feeds arbitrary server-controlled text (evidence, reason) and
// a spec path through every writer: JSON must give the evidence back, JUnit
// must stay well-formed XML, SARIF valid against the schema, HTML must hold no element the text did not
// come from, and text output no raw control byte.
func FuzzWriters(f *testing.F) {
	for _, seed := range []string{
		"<script>alert(1)</script>", "]]>", "\x00\x1b[2J", "a\u202eb", "\xff\xfe", "&amp;", `"'<>`, "line\nline",
	} {
		f.Add(seed, "specs/api.yaml")
	}
	sch := sarifSchema(f)
	f.Fuzz(func(t *testing.T, evidence, file string) {
		r := &finding.Report{
			Target: "https://127.0.0.1:1",
			Findings: []finding.Finding{{
				ID: "X", Severity: finding.High, Title: evidence, Evidence: []string{evidence},
				Location: &finding.Location{File: file, Line: 1, Method: "GET", Path: evidence},
			}},
			Checks: []finding.CheckResult{{ID: "X", Status: finding.Failed}, {ID: "Y", Status: finding.Skipped, Reason: evidence}},
			Notes:  []string{evidence},
		}
		fuzzJSON(t, r, evidence)
		fuzzJUnit(t, r)
		fuzzHTML(t, r)
		fuzzText(t, r)
		inst, _ := decodeSARIF(t, render(t, SARIF{}, r))
		if err := sch.Validate(inst); err != nil {
			t.Fatalf("SARIF for spec file %q does not validate: %v", file, err)
		}
	})
}

func fuzzJSON(t *testing.T, r *finding.Report, evidence string) {
	var doc jsonReport
	if err := json.Unmarshal(render(t, JSON{}, r), &doc); err != nil {
		t.Fatalf("JSON output does not parse: %v", err)
	}
	// encoding/json writes invalid UTF-8 as U+FFFD, so only valid text
	// comes back byte for byte.
	if got := doc.Findings[0].Evidence; utf8.ValidString(evidence) && !slices.Equal(got, []string{evidence}) {
		t.Fatalf("evidence %q came back as %q", evidence, got)
	}
}

func fuzzJUnit(t *testing.T, r *finding.Report) {
	var doc readSuites
	if err := xml.Unmarshal(render(t, JUnit{}, r), &doc); err != nil {
		t.Fatalf("JUnit output is not well-formed: %v", err)
	}
	if s := doc.Suites[0]; s.Tests != 2 || s.Failures != 1 || s.Skipped != 1 {
		t.Fatalf("counts %d/%d/%d, want 2/1/1", s.Tests, s.Failures, s.Skipped)
	}
}

func fuzzHTML(t *testing.T, r *finding.Report) {
	out := render(t, HTML{}, r)
	for _, b := range out {
		if b < 0x20 && b != '\n' && b != '\t' || b == 0x7f {
			t.Fatalf("raw control byte %#x in HTML output", b)
		}
	}
	p := parsePage(t, out)
	for _, tag := range []string{"script", "img", "iframe", "svg", "object"} {
		if p.tags[tag] > 0 {
			t.Fatalf("<%s> element from report content", tag)
		}
	}
	for _, a := range p.attrs {
		if strings.HasPrefix(a.Key, "on") {
			t.Fatalf("event handler attribute %s from report content", a.Key)
		}
	}
}

func fuzzText(t *testing.T, r *finding.Report) {
	for _, b := range render(t, Text{}, r) {
		if b < 0x20 && b != '\n' || b == 0x7f {
			t.Fatalf("raw control byte %#x in text output", b)
		}
	}
}
