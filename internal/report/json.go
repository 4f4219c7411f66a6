package report

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

// JSONSchemaVersion is the version of the JSON document JSON writes, carried
// in its schema_version field. It changes only when a field is renamed,
// removed or changes meaning; new fields may appear without a change.
const JSONSchemaVersion = 1

// JSON writes the report as one indented JSON document whose fields are
// documented in JSON.md. Output is deterministic: fields in a fixed order,
// findings sorted most severe first, absent lists written as [] not null.
type JSON struct{}

// jsonReport is the document JSON writes. Field names match the finding
// package's own JSON tags, so a stored report and a written one agree.
type jsonReport struct {
	SchemaVersion int            `json:"schema_version"`
	Tool          string         `json:"tool"`
	Version       string         `json:"version"`
	Target        string         `json:"target"`
	Spec          string         `json:"spec"`
	StartedAt     string         `json:"started_at"`
	Duration      float64        `json:"duration_seconds"`
	Score         int            `json:"score"`
	Grade         string         `json:"grade"`
	Counts        jsonCounts     `json:"counts"`
	Categories    []jsonCategory `json:"categories"`
	Findings      []jsonFinding  `json:"findings"`
	Checks        []jsonCheck    `json:"checks"`
	Budget        jsonBudget     `json:"budget"`
	Sent          []jsonSent     `json:"sent"`
	Notes         []string       `json:"notes"`
}

type jsonCounts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Info     int `json:"info"`
	Total    int `json:"total"`
}

type jsonCategory struct {
	Category string `json:"category"`
	Score    int    `json:"score"`
	Grade    string `json:"grade"`
	Findings int    `json:"findings"`
}

type jsonFinding struct {
	ID          string          `json:"id"`
	Severity    string          `json:"severity"`
	Category    string          `json:"category"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Evidence    []string        `json:"evidence"`
	Remediation jsonRemediation `json:"remediation"`
	Location    *jsonLocation   `json:"location"`
}

type jsonRemediation struct {
	Django    string `json:"django"`
	Nginx     string `json:"nginx"`
	Mtlsguard string `json:"mtlsguard"`
}

type jsonLocation struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Pointer string `json:"pointer"`
	Method  string `json:"method"`
	Path    string `json:"path"`
}

// jsonBudget and jsonSent mirror finding.Budget and finding.Sent without
// omitempty, so every field is always present.
type jsonBudget struct {
	MaxRequests  int     `json:"max_requests"`
	MaxSeconds   float64 `json:"max_seconds"`
	MaxRPS       float64 `json:"max_rps"`
	MaxBytes     int64   `json:"max_bytes"`
	MaxConns     int     `json:"max_conns"`
	Requests     int     `json:"requests"`
	BytesSent    int64   `json:"bytes_sent"`
	Seconds      float64 `json:"seconds"`
	StoppedEarly string  `json:"stopped_early"`
}

type jsonSent struct {
	Check  string `json:"check"`
	Method string `json:"method"`
	Path   string `json:"path"`
	Count  int    `json:"count"`
	Bytes  int64  `json:"bytes"`
	Note   string `json:"note"`
}

type jsonCheck struct {
	ID       string  `json:"id"`
	Title    string  `json:"title"`
	Category string  `json:"category"`
	Status   string  `json:"status"`
	Reason   string  `json:"reason"`
	Findings int     `json:"findings"`
	Requests int     `json:"requests"`
	Seconds  float64 `json:"seconds"`
}

// Write renders r as JSON to w.
func (JSON) Write(w io.Writer, r *finding.Report) error {
	if r == nil {
		return errNilReport
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Evidence quotes what servers sent; keep < > & readable rather than \u003c.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(newJSONReport(r)); err != nil {
		return fmt.Errorf("write JSON report: %w", err)
	}
	return nil
}

func newJSONReport(r *finding.Report) jsonReport {
	fs := sortedFindings(r.Findings)
	doc := jsonReport{
		SchemaVersion: JSONSchemaVersion,
		Tool:          r.Tool, Version: r.Version, Target: r.Target, Spec: r.Spec,
		StartedAt: timestamp(r.StartedAt), Duration: r.Duration,
		Score: r.Score, Grade: r.Grade,
		Counts:     newJSONCounts(fs),
		Categories: make([]jsonCategory, 0, len(r.Categories)),
		Findings:   make([]jsonFinding, 0, len(fs)),
		Checks:     make([]jsonCheck, 0, len(r.Checks)),
		Budget:     jsonBudget(r.Budget),
		Sent:       make([]jsonSent, 0, len(r.Sent)),
		Notes:      append(make([]string, 0, len(r.Notes)), r.Notes...),
	}
	for _, c := range r.Categories {
		doc.Categories = append(doc.Categories, jsonCategory(c))
	}
	for _, s := range r.Sent {
		doc.Sent = append(doc.Sent, jsonSent(s))
	}
	for _, f := range fs {
		doc.Findings = append(doc.Findings, newJSONFinding(f))
	}
	for _, c := range r.Checks {
		doc.Checks = append(doc.Checks, jsonCheck{
			ID: c.ID, Title: c.Title, Category: ruleCategory(r, c.ID), Status: string(c.Status),
			Reason: c.Reason, Findings: c.Findings, Requests: c.Requests, Seconds: c.Seconds,
		})
	}
	return doc
}

func newJSONCounts(fs []finding.Finding) jsonCounts {
	var c jsonCounts
	for _, sc := range countBySeverity(fs) {
		switch sc.Severity {
		case finding.Critical:
			c.Critical = sc.Count
		case finding.High:
			c.High = sc.Count
		case finding.Medium:
			c.Medium = sc.Count
		case finding.Low:
			c.Low = sc.Count
		case finding.Info:
			c.Info = sc.Count
		}
	}
	c.Total = len(fs)
	return c
}

func newJSONFinding(f finding.Finding) jsonFinding {
	out := jsonFinding{
		ID: f.ID, Severity: f.Severity.String(), Category: f.Category, Title: f.Title,
		Description: f.Description,
		Evidence:    append(make([]string, 0, len(f.Evidence)), f.Evidence...),
		Remediation: jsonRemediation(f.Remediation),
	}
	if l := f.Location; l != nil {
		out.Location = &jsonLocation{File: l.File, Line: l.Line, Column: l.Column, Pointer: l.Pointer, Method: l.Method, Path: l.Path}
	}
	return out
}

// timestamp is t in RFC 3339 UTC, or "" for the zero time.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
