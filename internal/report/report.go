// Package report renders one scan report (a *finding.Report) in the formats
// mtlsguard scan offers: text for a terminal, JSON for scripts, SARIF 2.1.0
// for code-scanning dashboards, JUnit XML for CI test views and a
// self-contained HTML page for people.
//
// Writers render what they are given: they never run checks, recompute the
// score or change the report. They do order findings (most severe first)
// on a copy, so output does not depend on the order findings arrived in.
package report

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

// Writer renders a report to w. Implementations are safe for concurrent use:
// they hold no state between calls.
type Writer interface {
	Write(w io.Writer, r *finding.Report) error
}

// Formats are the names ForFormat accepts, in the order help text lists them.
var Formats = []string{"text", "json", "sarif", "junit", "html"}

// ErrUnknownFormat is returned (wrapped) by ForFormat for a name it does not know.
var ErrUnknownFormat = errors.New("unknown report format")

// errNilReport is returned by every writer given a nil report.
var errNilReport = errors.New("no report to write (nil *finding.Report)")

var (
	_ Writer = Text{}
	_ Writer = JSON{}
	_ Writer = SARIF{}
	_ Writer = JUnit{}
	_ Writer = HTML{}
)

// ForFormat returns the writer for a format name, case-insensitively. The
// text writer it returns has no color; callers that know stdout is a
// terminal use Text{Color: true} instead.
func ForFormat(name string) (Writer, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "text":
		return Text{}, nil
	case "json":
		return JSON{}, nil
	case "sarif":
		return SARIF{}, nil
	case "junit":
		return JUnit{}, nil
	case "html":
		return HTML{}, nil
	}
	return nil, fmt.Errorf("%w %q: use one of %s", ErrUnknownFormat, name, strings.Join(Formats, ", "))
}

// sortedFindings returns a copy of fs ordered as finding.Report.Finalize
// orders them: most severe first, then by ID, then by location.
func sortedFindings(fs []finding.Finding) []finding.Finding {
	out := append([]finding.Finding(nil), fs...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return locationKey(a.Location) < locationKey(b.Location)
	})
	return out
}

// locationKey orders and identifies locations; line numbers are zero-padded
// so that line 9 sorts before line 10.
func locationKey(l *finding.Location) string {
	if l == nil {
		return ""
	}
	return fmt.Sprintf("%s\x00%s\x00%s\x00%09d\x00%09d\x00%s", l.File, l.Path, l.Method, l.Line, l.Column, l.Pointer)
}

// where is a location as a person reads it: "api.yaml:42:7 (POST /users)",
// "GET /users", or "" when the finding has no location.
func where(l *finding.Location) string {
	if l == nil {
		return ""
	}
	op := operation(l)
	file := fileLine(l)
	switch {
	case file != "" && op != "":
		return file + " (" + op + ")"
	case file != "":
		return file
	}
	return op
}

// fileLine is "file", "file:line" or "file:line:column".
func fileLine(l *finding.Location) string {
	if l == nil || l.File == "" {
		return ""
	}
	s := l.File
	if l.Line > 0 {
		s += ":" + strconv.Itoa(l.Line)
		if l.Column > 0 {
			s += ":" + strconv.Itoa(l.Column)
		}
	}
	return s
}

// operation is "METHOD path", or whichever of the two is known.
func operation(l *finding.Location) string {
	if l == nil {
		return ""
	}
	return strings.TrimSpace(l.Method + " " + l.Path)
}

// severityCount is how many findings a report has of one severity.
type severityCount struct {
	Severity finding.Severity
	Count    int
}

// countBySeverity lists the count of every severity, most severe first,
// including severities with no findings.
func countBySeverity(fs []finding.Finding) []severityCount {
	out := make([]severityCount, 0, finding.Critical+1)
	for s := finding.Critical; s >= finding.Info; s-- {
		n := 0
		for _, f := range fs {
			if f.Severity == s {
				n++
			}
		}
		out = append(out, severityCount{Severity: s, Count: n})
	}
	return out
}

// ruleCategory finds the OWASP category of a check or rule ID: from the
// rules table first, else from a finding with that ID, else "".
func ruleCategory(r *finding.Report, id string) string {
	for _, rule := range r.Rules {
		if rule.ID == id && rule.Category != "" {
			return rule.Category
		}
	}
	for _, f := range r.Findings {
		if f.ID == id && f.Category != "" {
			return f.Category
		}
	}
	return ""
}

// findingsFor returns the findings with a rule ID, in sorted order.
func findingsFor(sorted []finding.Finding, id string) []finding.Finding {
	var out []finding.Finding
	for _, f := range sorted {
		if f.ID == id {
			out = append(out, f)
		}
	}
	return out
}

// remediationLines lists a remediation's non-empty parts with their layer names.
func remediationLines(rem finding.Remediation) [][2]string {
	var out [][2]string
	for _, p := range [][2]string{{"Django", rem.Django}, {"nginx", rem.Nginx}, {"mtlsguard", rem.Mtlsguard}} {
		if p[1] != "" {
			out = append(out, p)
		}
	}
	return out
}

// byteSize is a human-readable byte count in IEC units.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// seconds formats a duration in seconds with millisecond precision at most.
func seconds(s float64) string {
	return strconv.FormatFloat(math.Round(s*1000)/1000, 'f', -1, 64) + "s"
}
