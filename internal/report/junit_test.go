package report

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

// Reader-side JUnit types, written apart from the writer's so that the test
// reads the XML as a CI server would.
type readSuites struct {
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Suites   []readSuite `xml:"testsuite"`
}

type readSuite struct {
	Name      string     `xml:"name,attr"`
	Tests     int        `xml:"tests,attr"`
	Failures  int        `xml:"failures,attr"`
	Errors    int        `xml:"errors,attr"`
	Skipped   int        `xml:"skipped,attr"`
	Time      string     `xml:"time,attr"`
	Timestamp string     `xml:"timestamp,attr"`
	Cases     []readCase `xml:"testcase"`
}

type readCase struct {
	ClassName string       `xml:"classname,attr"`
	Name      string       `xml:"name,attr"`
	Time      string       `xml:"time,attr"`
	Failure   *readOutcome `xml:"failure"`
	Error     *readOutcome `xml:"error"`
	Skipped   *readOutcome `xml:"skipped"`
}

type readOutcome struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

func parseJUnit(t *testing.T, out []byte) readSuites {
	t.Helper()
	var doc readSuites
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("JUnit output does not parse: %v\n%s", err, out)
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("testsuites = %d, want 1", len(doc.Suites))
	}
	return doc
}

func TestJUnitCounts(t *testing.T) {
	doc := parseJUnit(t, render(t, JUnit{}, sampleReport()))
	s := doc.Suites[0]
	if s.Name != "mtlsguard scan" || s.Time != "12.345" || s.Timestamp != "2026-03-14T09:26:53" {
		t.Errorf("suite name/time/timestamp = %q/%q/%q", s.Name, s.Time, s.Timestamp)
	}
	// 10 checks plus EXPERIMENTAL-PROBE, whose finding matches no check.
	if s.Tests != 11 || s.Failures != 6 || s.Errors != 1 || s.Skipped != 3 {
		t.Errorf("suite counts tests=%d failures=%d errors=%d skipped=%d, want 11/6/1/3", s.Tests, s.Failures, s.Errors, s.Skipped)
	}
	if doc.Tests != s.Tests || doc.Failures != s.Failures || doc.Errors != s.Errors || doc.Skipped != s.Skipped {
		t.Errorf("testsuites counts %+v differ from the suite's", doc)
	}
	var tests, failures, errs, skipped int
	for _, c := range s.Cases {
		tests++
		switch {
		case c.Failure != nil:
			failures++
		case c.Error != nil:
			errs++
		case c.Skipped != nil:
			skipped++
		}
	}
	if tests != s.Tests || failures != s.Failures || errs != s.Errors || skipped != s.Skipped {
		t.Errorf("elements counted %d/%d/%d/%d, attributes say %d/%d/%d/%d",
			tests, failures, errs, skipped, s.Tests, s.Failures, s.Errors, s.Skipped)
	}
}

func TestJUnitCases(t *testing.T) {
	s := parseJUnit(t, render(t, JUnit{}, sampleReport())).Suites[0]
	byName := map[string]readCase{}
	for _, c := range s.Cases {
		byName[c.Name] = c
	}
	tests := []struct {
		name, class, outcome, message, typ, bodyHas string
	}{
		{"MTLS-NO-CERT: Requests without a certificate reach the app", "mtlsguard.API8:2023", "pass", "", "", ""},
		{"ID-SPOOFABLE-HEADER: Client-sent identity headers reach the app", "mtlsguard.API2:2023", "failure",
			"1 finding: Client-sent identity headers reach the app", "critical", "the app answered: <script>alert('pwned')</script> & welcome admin"},
		{"SPEC-STRING-MAXLENGTH: String without maxLength", "mtlsguard.API4:2023", "failure",
			"2 findings: String without maxLength", "medium", "location: specs/api.yaml:57:13 (POST /users)"},
		{"JSON-DEPTH-CRASH: Deeply nested JSON crashes the app", "mtlsguard.API4:2023", "failure",
			"1 finding: Deeply nested JSON crashes the app", "high", `body began: \x1b[31mRecursionError\x1b[0m` + "\tat depth 998"},
		{"RATE-SHARED-LIMIT: Identities share one limit", "mtlsguard.API4:2023", "skipped",
			"skipped: needs a second identity: pass --peer-cert and --peer-key", "", ""},
		{"CONC-NOISY-NEIGHBOR: One identity slows the others", "mtlsguard.API4:2023", "skipped",
			"inconclusive: target throttled the probe: 429 with Retry-After: 30", "", ""},
		{"SLOW-LORIS: Slow headers are held open", "mtlsguard.API4:2023", "error",
			"dial tcp 127.0.0.1:8443: connect: connection refused", "error", "connection refused"},
		{"EXPERIMENTAL-PROBE: Probe outside the registry", "mtlsguard.API4:2023", "failure",
			"1 finding: Probe outside the registry", "low", "Server: Werkzeug/3.0 <dev>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := byName[tt.name]
			if !ok {
				t.Fatalf("no test case named %q", tt.name)
			}
			if c.ClassName != tt.class {
				t.Errorf("classname = %q, want %q", c.ClassName, tt.class)
			}
			got, o := outcome(c)
			if got != tt.outcome {
				t.Fatalf("outcome = %s, want %s", got, tt.outcome)
			}
			if o == nil {
				return
			}
			if o.Message != tt.message || o.Type != tt.typ {
				t.Errorf("message/type = %q/%q, want %q/%q", o.Message, o.Type, tt.message, tt.typ)
			}
			if !strings.Contains(o.Body, tt.bodyHas) {
				t.Errorf("body lacks %q:\n%s", tt.bodyHas, o.Body)
			}
		})
	}
}

func outcome(c readCase) (string, *readOutcome) {
	switch {
	case c.Failure != nil:
		return "failure", c.Failure
	case c.Error != nil:
		return "error", c.Error
	case c.Skipped != nil:
		return "skipped", c.Skipped
	}
	return "pass", nil
}

// TestJUnitHostileEvidence: a CDATA terminator and characters XML forbids
// must not break the document.
func TestJUnitHostileEvidence(t *testing.T) {
	evidence := "body: ]]><injected/> \x00\x1b[2J \u202e"
	r := &finding.Report{
		Findings: []finding.Finding{{ID: "X", Severity: finding.High, Title: `a "quoted" <title>`, Evidence: []string{evidence}}},
		Checks:   []finding.CheckResult{{ID: "X", Title: "x", Status: finding.Failed, Findings: 1}},
	}
	out := render(t, JUnit{}, r)
	c := parseJUnit(t, out).Suites[0].Cases[0]
	if c.Failure == nil {
		t.Fatalf("no failure in\n%s", out)
	}
	if want := `evidence: body: ]]><injected/> \x00\x1b[2J \u202e`; !strings.Contains(c.Failure.Body, want) {
		t.Errorf("body = %q, want it to contain %q", c.Failure.Body, want)
	}
	if c.Failure.Message != `1 finding: a "quoted" <title>` {
		t.Errorf("message = %q", c.Failure.Message)
	}
	if bytes.Contains(out, []byte("<injected/>")) && !bytes.Contains(out, []byte("]]]]><![CDATA[>")) {
		t.Errorf("CDATA terminator not split:\n%s", out)
	}
}

// TestJUnitFindingsFailPassedCheck: a finding fails its test case even if
// the check reported passed, so CI cannot go green over a finding.
func TestJUnitFindingsFailPassedCheck(t *testing.T) {
	r := &finding.Report{
		Findings: []finding.Finding{{ID: "X", Severity: finding.Low, Title: "t"}},
		Checks:   []finding.CheckResult{{ID: "X", Title: "x", Status: finding.Passed}, {ID: "Y", Title: "y", Status: finding.Failed, Reason: "exit 7"}},
	}
	s := parseJUnit(t, render(t, JUnit{}, r)).Suites[0]
	if s.Tests != 2 || s.Failures != 2 {
		t.Fatalf("tests/failures = %d/%d, want 2/2", s.Tests, s.Failures)
	}
	if got := s.Cases[1].Failure; got == nil || got.Message != "exit 7" {
		t.Errorf("failed check without findings: failure = %+v, want message %q", got, "exit 7")
	}
}
