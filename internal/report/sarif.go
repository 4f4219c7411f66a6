package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

// SARIF writes the report as a SARIF 2.1.0 log with one run. The rules
// table is built from the report's rules first (then any rule a finding
// names that the table lacks), and every result points into it with the
// right ruleIndex. Findings in the spec get physical locations (file, line,
// column); runtime findings get logical ones ("GET /users").
type SARIF struct{}

// SARIF constants: the schema the log declares and the tool's home page.
const (
	sarifSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	sarifVersion   = "2.1.0"
	toolName       = "mtlsguard"
	toolURI        = "https://github.com/mtlsguard/mtlsguard"
	srcRoot        = "%SRCROOT%"
	fingerprintKey = "mtlsguard/v1"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
	Properties  map[string]any    `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifHelp      `json:"help"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           sarifRuleProps `json:"properties"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Category         string   `json:"category"`
	Kind             string   `json:"kind,omitempty"`
	Tags             []string `json:"tags"`
	SecuritySeverity string   `json:"security-severity"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	StartTimeUTC               string              `json:"startTimeUtc,omitempty"`
	EndTimeUTC                 string              `json:"endTimeUtc,omitempty"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level          string        `json:"level"`
	Message        sarifText     `json:"message"`
	AssociatedRule *sarifRuleRef `json:"associatedRule,omitempty"`
}

type sarifRuleRef struct {
	ID    string `json:"id"`
	Index *int   `json:"index,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical    `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical    `json:"logicalLocations,omitempty"`
	Properties       map[string]string `json:"properties,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// Write renders r as a SARIF 2.1.0 log to w.
func (SARIF) Write(w io.Writer, r *finding.Report) error {
	if r == nil {
		return errNilReport
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(newSARIFLog(r)); err != nil {
		return fmt.Errorf("write SARIF report: %w", err)
	}
	return nil
}

func newSARIFLog(r *finding.Report) sarifLog {
	fs := sortedFindings(r.Findings)
	rules := newRuleTable(r.Rules, fs)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: toolName, Version: r.Version, InformationURI: toolURI, Rules: rules.rules,
		}},
		Invocations: []sarifInvocation{newSARIFInvocation(r, rules)},
		Results:     newSARIFResults(r, fs, rules),
		Properties:  map[string]any{"target": r.Target, "score": r.Score, "grade": r.Grade},
	}
	if r.Spec != "" {
		run.Properties["spec"] = r.Spec
	}
	return sarifLog{Schema: sarifSchemaURI, Version: sarifVersion, Runs: []sarifRun{run}}
}

// ruleTable is driver.rules and the index of each rule ID in it.
type ruleTable struct {
	rules []sarifRule
	index map[string]int
}

// newRuleTable builds the rules from the registry first, in its order and
// without duplicate IDs, then appends a rule for every finding whose ID the
// registry lacks, so that every result has a true index to point at.
func newRuleTable(registry []finding.Rule, fs []finding.Finding) ruleTable {
	t := ruleTable{rules: []sarifRule{}, index: map[string]int{}}
	for _, rule := range registry {
		t.add(rule)
	}
	for _, f := range fs {
		t.add(finding.Rule{
			ID: f.ID, Title: f.Title, Category: f.Category, Severity: f.Severity,
			Description: f.Description, Remediation: f.Remediation,
		})
	}
	return t
}

func (t *ruleTable) add(rule finding.Rule) {
	if _, ok := t.index[rule.ID]; ok {
		return
	}
	t.index[rule.ID] = len(t.rules)
	t.rules = append(t.rules, newSARIFRule(rule))
}

func newSARIFRule(rule finding.Rule) sarifRule {
	title := firstNonEmpty(rule.Title, rule.ID)
	tags := []string{"security"}
	if rule.Category != "" {
		tags = append(tags, "owasp-api-2023", rule.Category)
	}
	return sarifRule{
		ID: rule.ID, Name: ruleName(rule.ID),
		ShortDescription:     sarifText{Text: title},
		FullDescription:      sarifText{Text: firstNonEmpty(rule.Description, title)},
		Help:                 newSARIFHelp(rule),
		DefaultConfiguration: sarifConfig{Level: sarifLevel(rule.Severity)},
		Properties: sarifRuleProps{
			Category: rule.Category, Kind: rule.Kind, Tags: tags,
			SecuritySeverity: securitySeverity(rule.Severity),
		},
	}
}

// newSARIFHelp writes the rule's description and its three fixes, as plain
// text and as Markdown.
func newSARIFHelp(rule finding.Rule) sarifHelp {
	var text, md strings.Builder
	desc := firstNonEmpty(rule.Description, rule.Title, rule.ID)
	text.WriteString(desc)
	md.WriteString(desc)
	for _, p := range remediationLines(rule.Remediation) {
		fmt.Fprintf(&text, "\n\nFix in %s: %s", p[0], p[1])
		fence := "```"
		for strings.Contains(p[1], fence) {
			fence += "`"
		}
		fmt.Fprintf(&md, "\n\n**Fix in %s**\n\n%s\n%s\n%s", p[0], fence, p[1], fence)
	}
	return sarifHelp{Text: text.String(), Markdown: md.String()}
}

// ruleName turns an ID such as RATE-NO-LIMIT into RateNoLimit, the form
// SARIF viewers show as a rule's name.
func ruleName(id string) string {
	var b strings.Builder
	upper := true
	for _, r := range id {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			upper = true
			continue
		}
		if upper {
			b.WriteRune(unicode.ToUpper(r))
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
		upper = false
	}
	return b.String()
}

// sarifLevel maps a severity to a SARIF level: critical and high are errors,
// medium a warning, low and info notes.
func sarifLevel(s finding.Severity) string {
	switch {
	case s >= finding.High:
		return "error"
	case s == finding.Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is the CVSS-like score GitHub code scanning reads to rank
// a rule: ≥9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low.
func securitySeverity(s finding.Severity) string {
	switch s {
	case finding.Critical:
		return "9.5"
	case finding.High:
		return "8.0"
	case finding.Medium:
		return "5.5"
	case finding.Low:
		return "3.0"
	}
	return "0.0"
}

// notificationLevel is the SARIF level of a check that reached no verdict.
var notificationLevel = map[finding.Status]string{
	finding.Skipped: "note", finding.Inconclusive: "warning", finding.Errored: "error",
}

// newSARIFInvocation records when the scan ran and, as notifications, every
// check that did not run to a verdict.
func newSARIFInvocation(r *finding.Report, rules ruleTable) sarifInvocation {
	inv := sarifInvocation{ExecutionSuccessful: true}
	if !r.StartedAt.IsZero() {
		inv.StartTimeUTC = r.StartedAt.UTC().Format(time.RFC3339Nano)
		end := r.StartedAt.Add(time.Duration(r.Duration * float64(time.Second)))
		inv.EndTimeUTC = end.UTC().Format(time.RFC3339Nano)
	}
	for _, c := range r.Checks {
		level, ok := notificationLevel[c.Status]
		if !ok {
			continue
		}
		ref := &sarifRuleRef{ID: c.ID}
		if i, ok := rules.index[c.ID]; ok {
			ref.Index = &i
		}
		msg := fmt.Sprintf("%s %s: %s", c.ID, c.Status, firstNonEmpty(c.Reason, "no reason given"))
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications,
			sarifNotification{Level: level, Message: sarifText{Text: msg}, AssociatedRule: ref})
	}
	return inv
}

func newSARIFResults(r *finding.Report, fs []finding.Finding, rules ruleTable) []sarifResult {
	out := make([]sarifResult, 0, len(fs))
	seen := map[string]int{}
	for _, f := range fs {
		fp := fingerprint(f)
		seen[fp]++
		if n := seen[fp]; n > 1 {
			fp = fmt.Sprintf("%s:%d", fp, n)
		}
		out = append(out, sarifResult{
			RuleID: f.ID, RuleIndex: rules.index[f.ID], Level: sarifLevel(f.Severity),
			Message:             sarifText{Text: resultMessage(f)},
			Locations:           []sarifLocation{newSARIFLocation(r.Target, f.Location)},
			PartialFingerprints: map[string]string{fingerprintKey: fp},
			Properties:          map[string]any{"category": f.Category, "severity": f.Severity.String()},
		})
	}
	return out
}

// resultMessage is the title, then the evidence one fact a line.
func resultMessage(f finding.Finding) string {
	msg := firstNonEmpty(f.Title, f.ID)
	for _, e := range f.Evidence {
		msg += "\n- " + e
	}
	return msg
}

// fingerprint identifies a finding across scans: its rule and where it is,
// never its evidence (timings and counts change from run to run). The JSON
// pointer is preferred to the line, which moves when the spec is edited.
func fingerprint(f finding.Finding) string {
	key := f.ID
	if l := f.Location; l != nil {
		key += "\x00" + l.File + "\x00" + l.Method + "\x00" + l.Path + "\x00" + l.Pointer
		if l.Pointer == "" {
			key += fmt.Sprintf("\x00%d:%d", l.Line, l.Column)
		}
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// newSARIFLocation places a finding: in the spec file when it has one, at
// its operation when it has one, else at the scan target itself (code
// scanning services drop results without a location).
func newSARIFLocation(target string, l *finding.Location) sarifLocation {
	var loc sarifLocation
	if l != nil && l.File != "" {
		loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: artifactLocation(l.File)}
		if l.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: l.Line, StartColumn: max(l.Column, 0)}
		}
	}
	if op := operation(l); op != "" {
		loc.LogicalLocations = []sarifLogical{{Name: op, FullyQualifiedName: op, Kind: "function"}}
	}
	if l != nil && l.Pointer != "" {
		loc.Properties = map[string]string{"jsonPointer": l.Pointer}
	}
	if loc.PhysicalLocation == nil && loc.LogicalLocations == nil {
		name := firstNonEmpty(target, "target")
		loc.LogicalLocations = []sarifLogical{{Name: name, FullyQualifiedName: name, Kind: "resource"}}
	}
	return loc
}

// artifactLocation turns a spec path as the user gave it into a URI: a
// relative path stays relative to %SRCROOT%, an absolute path becomes a
// file: URI and a URL stays as it is.
func artifactLocation(file string) sarifArtifact {
	if u, err := url.Parse(file); err == nil && len(u.Scheme) > 1 && u.Host != "" {
		return sarifArtifact{URI: u.String()}
	}
	p := filepath.ToSlash(file)
	if filepath.IsAbs(file) || strings.HasPrefix(p, "/") {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p // C:/api.yaml → /C:/api.yaml
		}
		return sarifArtifact{URI: (&url.URL{Scheme: "file", Path: p}).String()}
	}
	return sarifArtifact{URI: (&url.URL{Path: p}).String(), URIBaseID: srcRoot}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
