package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

// JUnit writes the report as JUnit XML: one <testsuite name="mtlsguard scan">
// with one <testcase> per check. A check with findings fails (its findings'
// evidence in the failure body), a skipped or inconclusive check is skipped,
// an errored one is an error. Findings whose rule matches no check get a
// test case of their own, so CI never shows green over a finding.
type JUnit struct{}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	ClassName string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitOutcome `xml:"failure"`
	Error     *junitOutcome `xml:"error"`
	Skipped   *junitOutcome `xml:"skipped"`
}

// junitOutcome is the body of a <failure>, <error> or <skipped> element.
type junitOutcome struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",cdata"`
}

// Write renders r as JUnit XML to w.
func (JUnit) Write(w io.Writer, r *finding.Report) error {
	if r == nil {
		return errNilReport
	}
	suite := newJUnitSuite(r)
	doc := junitSuites{
		Name: "mtlsguard", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Skipped: suite.Skipped, Time: suite.Time, Suites: []junitSuite{suite},
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write JUnit report: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write JUnit report: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write JUnit report: %w", err)
	}
	return nil
}

func newJUnitSuite(r *finding.Report) junitSuite {
	fs := sortedFindings(r.Findings)
	s := junitSuite{
		Name: "mtlsguard scan", Time: junitTime(r.Duration),
		Properties: []junitProperty{
			{"target", r.Target}, {"spec", r.Spec}, {"version", r.Version},
			{"score", strconv.Itoa(r.Score)}, {"grade", r.Grade},
		},
		Cases: []junitCase{},
	}
	if !r.StartedAt.IsZero() {
		s.Timestamp = r.StartedAt.UTC().Format("2006-01-02T15:04:05")
	}
	checked := map[string]bool{}
	for _, c := range r.Checks {
		checked[c.ID] = true
		s.add(newJUnitCase(r, c, findingsFor(fs, c.ID)))
	}
	for _, f := range fs {
		if checked[f.ID] {
			continue
		}
		checked[f.ID] = true
		c := finding.CheckResult{ID: f.ID, Title: f.Title, Status: finding.Failed}
		s.add(newJUnitCase(r, c, findingsFor(fs, f.ID)))
	}
	return s
}

// add appends a test case and counts its outcome.
func (s *junitSuite) add(c junitCase) {
	s.Cases = append(s.Cases, c)
	s.Tests++
	switch {
	case c.Failure != nil:
		s.Failures++
	case c.Error != nil:
		s.Errors++
	case c.Skipped != nil:
		s.Skipped++
	}
}

// newJUnitCase maps one check to a test case. Findings fail it whatever its
// status says; otherwise errored is an error, skipped and inconclusive are
// skipped, and anything else passes.
func newJUnitCase(r *finding.Report, c finding.CheckResult, fs []finding.Finding) junitCase {
	tc := junitCase{
		ClassName: "mtlsguard." + firstNonEmpty(ruleCategory(r, c.ID), "uncategorized"),
		Name:      c.ID + ": " + firstNonEmpty(c.Title, c.ID),
		Time:      junitTime(c.Seconds),
	}
	switch {
	case len(fs) > 0 || c.Status == finding.Failed:
		tc.Failure = newJUnitFailure(c, fs)
	case c.Status == finding.Errored:
		tc.Error = &junitOutcome{Message: firstNonEmpty(c.Reason, "check failed to run"), Type: "error", Body: sanitizeBlock(c.Reason)}
	case c.Status == finding.Skipped || c.Status == finding.Inconclusive:
		tc.Skipped = &junitOutcome{Message: string(c.Status) + ": " + firstNonEmpty(c.Reason, "no reason given")}
	}
	return tc
}

// newJUnitFailure describes a failed check: the message counts its findings,
// the type is the worst severity, the body holds every finding's evidence.
func newJUnitFailure(c finding.CheckResult, fs []finding.Finding) *junitOutcome {
	if len(fs) == 0 {
		return &junitOutcome{Message: firstNonEmpty(c.Reason, "check failed"), Type: "failed", Body: sanitizeBlock(c.Reason)}
	}
	msg := fmt.Sprintf("%d finding: %s", len(fs), fs[0].Title)
	if len(fs) > 1 {
		msg = fmt.Sprintf("%d findings: %s", len(fs), fs[0].Title)
	}
	var body strings.Builder
	for i, f := range fs {
		if i > 0 {
			body.WriteString("\n")
		}
		writeFindingText(&body, f)
	}
	return &junitOutcome{Message: msg, Type: fs[0].Severity.String(), Body: sanitizeBlock(body.String())}
}

// writeFindingText writes a finding as plain text: heading, location,
// evidence and fixes.
func writeFindingText(b *strings.Builder, f finding.Finding) {
	fmt.Fprintf(b, "[%s] %s: %s\n", f.Severity, f.ID, f.Title)
	if w := where(f.Location); w != "" {
		fmt.Fprintf(b, "location: %s\n", w)
	}
	for _, e := range f.Evidence {
		fmt.Fprintf(b, "evidence: %s\n", e)
	}
	for _, p := range remediationLines(f.Remediation) {
		fmt.Fprintf(b, "fix (%s): %s\n", p[0], p[1])
	}
}

// junitTime is seconds with millisecond precision, as JUnit readers expect.
func junitTime(s float64) string {
	return strconv.FormatFloat(s, 'f', 3, 64)
}
