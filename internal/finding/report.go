package finding

import (
	"fmt"
	"sort"
	"time"
)

// Report is everything one scan produced. Writers render it; the store keeps it.
type Report struct {
	Tool       string          `json:"tool"`
	Version    string          `json:"version"`
	Target     string          `json:"target"`
	Spec       string          `json:"spec,omitempty"`
	StartedAt  time.Time       `json:"started_at"`
	Duration   float64         `json:"duration_seconds"`
	Score      int             `json:"score"`
	Grade      string          `json:"grade"`
	Categories []CategoryScore `json:"categories"`
	Findings   []Finding       `json:"findings"`
	Checks     []CheckResult   `json:"checks"`
	Rules      []Rule          `json:"-"` // the registry the scan ran with; SARIF's rules table
	Budget     Budget          `json:"budget"`
	Sent       []Sent          `json:"sent"`
	Notes      []string        `json:"notes,omitempty"` // e.g. checks skipped for a missing identity
}

// CategoryScore is the score and grade of one OWASP category.
type CategoryScore struct {
	Category string `json:"category"`
	Score    int    `json:"score"`
	Grade    string `json:"grade"`
	Findings int    `json:"findings"`
}

// penalty is what one weakness of a severity takes off a score of 100.
var penalty = [...]int{Info: 0, Low: 3, Medium: 10, High: 20, Critical: 35}

// Score returns 0–100 for a set of findings: 100 less a penalty for each
// distinct weakness (rule ID) at its most severe finding, never below 0.
// Counting rules rather than findings keeps one gap repeated across many
// operations (ten fields without maxLength) from outweighing ten different
// gaps; the findings list still shows every place.
func Score(fs []Finding) int {
	worst := make(map[string]Severity, len(fs))
	for _, f := range fs {
		if w, seen := worst[f.ID]; !seen || f.Severity > w {
			worst[f.ID] = f.Severity
		}
	}
	s := 100
	for _, sev := range worst {
		if sev >= Info && sev <= Critical {
			s -= penalty[sev]
		}
	}
	return max(s, 0)
}

// Grade maps a score to A (≥90), B (≥80), C (≥70), D (≥60) or F.
func Grade(score int) string {
	switch {
	case score >= 90:
		return "A"
	case score >= 80:
		return "B"
	case score >= 70:
		return "C"
	case score >= 60:
		return "D"
	}
	return "F"
}

// Finalize sorts the findings (most severe first, then by ID and location) and
// fills Score, Grade and Categories from them. Categories lists every category
// of the rules the scan ran, so a clean category shows as 100/A.
func (r *Report) Finalize() {
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return locKey(a.Location) < locKey(b.Location)
	})
	r.Score = Score(r.Findings)
	r.Grade = Grade(r.Score)
	byCat := map[string][]Finding{}
	for _, rule := range r.Rules {
		byCat[rule.Category] = byCat[rule.Category]
	}
	for _, f := range r.Findings {
		byCat[f.Category] = append(byCat[f.Category], f)
	}
	r.Categories = r.Categories[:0]
	for c, fs := range byCat {
		s := Score(fs)
		r.Categories = append(r.Categories, CategoryScore{Category: c, Score: s, Grade: Grade(s), Findings: len(fs)})
	}
	sort.Slice(r.Categories, func(i, j int) bool { return r.Categories[i].Category < r.Categories[j].Category })
}

// AtOrAbove counts findings whose severity is at least min.
func (r *Report) AtOrAbove(min Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity >= min {
			n++
		}
	}
	return n
}

func locKey(l *Location) string {
	if l == nil {
		return ""
	}
	return fmt.Sprintf("%s\x00%s\x00%s\x00%09d", l.File, l.Path, l.Method, l.Line)
}
