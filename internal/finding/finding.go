// Package finding is the one output model of mtlsguard scan: findings, the rules
// that produce them, per-check outcomes and the report that carries them, with
// the score and grade computed from them.
//
// It is shared by the scanner (which fills it), the report writers (which
// render it) and the dashboard store (which keeps it). It knows nothing of how
// a check runs.
package finding

import (
	"fmt"
	"strings"
)

// Severity orders findings. The zero value is Info.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

// String returns the lower-case name: "info", "low", "medium", "high", "critical".
func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name, case-insensitively.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return Info, fmt.Errorf("unknown severity %q: use one of info, low, medium, high, critical", s)
}

// MarshalText writes the severity as its name, so JSON carries "high", not 3.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Remediation tells how to fix a finding in each layer a team may own.
type Remediation struct {
	Django    string `json:"django,omitempty"`
	Nginx     string `json:"nginx,omitempty"`
	Mtlsguard string `json:"mtlsguard,omitempty"`
}

// Location points at where a finding lives: a place in the spec file (for
// SARIF physical locations), an operation of the API, or both.
type Location struct {
	File    string `json:"file,omitempty"`    // spec file as given by the user
	Line    int    `json:"line,omitempty"`    // 1-based; 0 when unknown
	Column  int    `json:"column,omitempty"`  // 1-based; 0 when unknown
	Pointer string `json:"pointer,omitempty"` // JSON pointer into the spec, e.g. /paths/~1users/post
	Method  string `json:"method,omitempty"`  // HTTP method of the operation, upper case
	Path    string `json:"path,omitempty"`    // path template of the operation, or the probed URL path
}

// Finding is one weakness found, with the evidence that shows it.
type Finding struct {
	ID          string      `json:"id"` // the rule ID, e.g. RATE-NO-LIMIT
	Severity    Severity    `json:"severity"`
	Category    string      `json:"category"` // OWASP API Security Top 10 2023, e.g. "API4:2023"
	Title       string      `json:"title"`
	Description string      `json:"description,omitempty"`
	Evidence    []string    `json:"evidence"` // what was sent and seen, one fact a line
	Remediation Remediation `json:"remediation"`
	Location    *Location   `json:"location,omitempty"`
}

// Rule describes a check: what every finding with its ID means and how to fix it.
// The scanner's registry is a list of rules; SARIF's rules table is built from it.
type Rule struct {
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Category    string      `json:"category"`
	Severity    Severity    `json:"severity"` // the default severity of its findings
	Description string      `json:"description"`
	Remediation Remediation `json:"remediation"`
	Kind        string      `json:"kind"` // "static", "passive" or "active"
}

// NewFinding starts a finding from its rule: ID, severity, category, title,
// description and remediation copied, evidence and location left to the caller.
func (r Rule) NewFinding(evidence ...string) Finding {
	return Finding{
		ID: r.ID, Severity: r.Severity, Category: r.Category, Title: r.Title,
		Description: r.Description, Remediation: r.Remediation, Evidence: evidence,
	}
}

// Status is the outcome of running one check.
type Status string

// Check outcomes. Inconclusive means the check ran but could not decide, for
// example because the target throttled the probe itself.
const (
	Passed       Status = "passed"
	Failed       Status = "failed"
	Skipped      Status = "skipped"
	Inconclusive Status = "inconclusive"
	Errored      Status = "error"
)

// CheckResult is what one check did: its outcome, why, and how many findings it made.
type CheckResult struct {
	ID       string  `json:"id"`
	Title    string  `json:"title"`
	Status   Status  `json:"status"`
	Reason   string  `json:"reason,omitempty"` // why skipped, inconclusive or errored; a summary otherwise
	Findings int     `json:"findings"`
	Requests int     `json:"requests"` // requests this check sent
	Seconds  float64 `json:"seconds"`
}

// Budget is the scan's limits and what of them was used.
type Budget struct {
	MaxRequests  int     `json:"max_requests"`
	MaxSeconds   float64 `json:"max_seconds"`
	MaxRPS       float64 `json:"max_rps"`
	MaxBytes     int64   `json:"max_bytes"`
	MaxConns     int     `json:"max_conns"`
	Requests     int     `json:"requests"`
	BytesSent    int64   `json:"bytes_sent"`
	Seconds      float64 `json:"seconds"`
	StoppedEarly string  `json:"stopped_early,omitempty"` // why load probes stopped, if they did
}

// Sent summarises one kind of request the scan sent, for the "what was sent" list.
type Sent struct {
	Check  string `json:"check"`
	Method string `json:"method"`
	Path   string `json:"path"`
	Count  int    `json:"count"`
	Bytes  int64  `json:"bytes"`
	Note   string `json:"note,omitempty"`
}
