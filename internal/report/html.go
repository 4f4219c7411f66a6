package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

// HTML writes the report as one self-contained page: inline CSS, no
// scripts, no external assets, and a Content-Security-Policy that forbids
// both, so the page stays inert even if content slipped past escaping.
// All report content goes through html/template's contextual escaping.
type HTML struct{}

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"bytes": byteSize, "clean": sanitize, "cleanBlock": sanitizeBlock,
}).Parse(htmlSource))

// htmlPage is what the template renders; every string in it is escaped by
// html/template, none is template.HTML. Text a server could have written
// also goes through clean, so control characters show as \x1b and the like.
type htmlPage struct {
	R          *finding.Report
	Started    string
	Duration   string
	GradeClass string
	Counts     []htmlCount
	Findings   []htmlFinding
	Checks     []htmlCheck
	Budget     [][3]string
}

type htmlCount struct {
	Severity string
	Count    int
}

type htmlFinding struct {
	F     finding.Finding
	Where string
	Fixes [][2]string
	Open  bool
}

type htmlCheck struct {
	C        finding.CheckResult
	Category string
	Seconds  string
}

// Write renders r as HTML to w.
func (HTML) Write(w io.Writer, r *finding.Report) error {
	if r == nil {
		return errNilReport
	}
	if err := htmlTemplate.Execute(w, newHTMLPage(r)); err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	return nil
}

func newHTMLPage(r *finding.Report) htmlPage {
	fs := sortedFindings(r.Findings)
	p := htmlPage{
		R: r, Started: timestamp(r.StartedAt), Duration: seconds(r.Duration),
		GradeClass: "grade-" + gradeClass(r.Grade),
	}
	for _, c := range countBySeverity(fs) {
		p.Counts = append(p.Counts, htmlCount{Severity: c.Severity.String(), Count: c.Count})
	}
	for _, f := range fs {
		p.Findings = append(p.Findings, htmlFinding{
			F: f, Where: where(f.Location), Fixes: remediationLines(f.Remediation), Open: f.Severity >= finding.High,
		})
	}
	for _, c := range r.Checks {
		p.Checks = append(p.Checks, htmlCheck{C: c, Category: ruleCategory(r, c.ID), Seconds: seconds(c.Seconds)})
	}
	b := r.Budget
	p.Budget = [][3]string{
		{"requests", strconv.Itoa(b.Requests), limit(b.MaxRequests > 0, strconv.Itoa(b.MaxRequests))},
		{"bytes sent", byteSize(b.BytesSent), limit(b.MaxBytes > 0, byteSize(b.MaxBytes))},
		{"seconds", seconds(b.Seconds), limit(b.MaxSeconds > 0, seconds(b.MaxSeconds))},
		{"rate", "", limit(b.MaxRPS > 0, strconv.FormatFloat(b.MaxRPS, 'f', -1, 64)+" requests/s")},
		{"connections", "", limit(b.MaxConns > 0, strconv.Itoa(b.MaxConns)+" open")},
	}
	return p
}

// gradeClass keeps CSS class names to a known set whatever the grade holds.
func gradeClass(g string) string {
	switch g {
	case "A", "B", "C", "D":
		return g
	}
	return "F"
}
