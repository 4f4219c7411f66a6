package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

// Text writes the report for a person at a terminal: header, score and
// grade, categories, findings by severity with evidence and fixes, checks,
// notes, budget and what was sent. Control characters in report content
// (which may quote a hostile server) are shown escaped, never sent raw to
// the terminal.
type Text struct {
	// Color adds ANSI colors to severities, grades and statuses. Set it only
	// when the output is a terminal.
	Color bool
}

// ANSI styles.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiPurple = "\x1b[35m"
	ansiGray   = "\x1b[90m"
)

var severityStyle = map[finding.Severity]string{
	finding.Critical: ansiBold + ansiPurple, finding.High: ansiBold + ansiRed,
	finding.Medium: ansiYellow, finding.Low: ansiBlue, finding.Info: ansiGray,
}

var statusStyle = map[finding.Status]string{
	finding.Passed: ansiGreen, finding.Failed: ansiRed, finding.Errored: ansiBold + ansiRed,
	finding.Skipped: ansiGray, finding.Inconclusive: ansiYellow,
}

var gradeStyle = map[string]string{
	"A": ansiGreen, "B": ansiGreen, "C": ansiYellow, "D": ansiRed, "F": ansiBold + ansiRed,
}

// textWriter carries the color choice and the first write error, so that the
// section functions read as plain prints.
type textWriter struct {
	w     *bufio.Writer
	color bool
	err   error
}

// Write renders r as text to w.
func (t Text) Write(w io.Writer, r *finding.Report) error {
	if r == nil {
		return errNilReport
	}
	tw := &textWriter{w: bufio.NewWriter(w), color: t.Color}
	fs := sortedFindings(r.Findings)
	tw.header(r, fs)
	tw.categories(r.Categories)
	tw.findings(fs)
	tw.checks(r)
	tw.notes(r.Notes)
	tw.budget(r.Budget)
	tw.sent(r.Sent)
	if tw.err == nil {
		tw.err = tw.w.Flush()
	}
	if tw.err != nil {
		return fmt.Errorf("write text report: %w", tw.err)
	}
	return nil
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

// style wraps s in an ANSI style when color is on.
func (t *textWriter) style(code, s string) string {
	if !t.color || code == "" {
		return s
	}
	return code + s + ansiReset
}

func (t *textWriter) heading(s string) {
	t.printf("\n%s\n", t.style(ansiBold, s))
}

// table writes rows aligned in columns; cells are sanitized first. Styles
// are applied after alignment so escape codes do not skew the widths.
func (t *textWriter) table(indent string, rows [][]string) {
	if t.err != nil {
		return
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = sanitize(c)
		}
		fmt.Fprintln(tw, indent+strings.Join(cells, "\t"))
	}
	if t.err = tw.Flush(); t.err != nil {
		return
	}
	// An empty last cell leaves padding behind; trim it.
	for _, line := range strings.SplitAfter(b.String(), "\n") {
		if line != "" {
			t.printf("%s\n", strings.TrimRight(line, " \n"))
		}
	}
}

func (t *textWriter) header(r *finding.Report, fs []finding.Finding) {
	t.printf("%s\n", t.style(ansiBold, "mtlsguard scan report"))
	rows := [][]string{{"target", r.Target}}
	if r.Spec != "" {
		rows = append(rows, []string{"spec", r.Spec})
	}
	if ts := timestamp(r.StartedAt); ts != "" {
		rows = append(rows, []string{"started", ts})
	}
	rows = append(rows, []string{"duration", seconds(r.Duration)})
	if r.Version != "" {
		rows = append(rows, []string{"version", firstNonEmpty(r.Tool, toolName) + " " + r.Version})
	}
	t.table("  ", rows)
	var counts []string
	for _, c := range countBySeverity(fs) {
		if c.Count > 0 {
			counts = append(counts, t.style(severityStyle[c.Severity], fmt.Sprintf("%d %s", c.Count, c.Severity)))
		}
	}
	summary := "no findings"
	if len(counts) > 0 {
		summary = strings.Join(counts, ", ")
	}
	t.printf("\nScore %d/100  grade %s  (%s)\n", r.Score, t.style(gradeStyle[r.Grade], sanitize(r.Grade)), summary)
}

func (t *textWriter) categories(cs []finding.CategoryScore) {
	if len(cs) == 0 {
		return
	}
	t.heading("Categories")
	rows := [][]string{{"CATEGORY", "SCORE", "GRADE", "FINDINGS"}}
	for _, c := range cs {
		rows = append(rows, []string{c.Category, strconv.Itoa(c.Score), c.Grade, strconv.Itoa(c.Findings)})
	}
	t.table("  ", rows)
}

// findings groups findings under one heading per severity, most severe first.
func (t *textWriter) findings(fs []finding.Finding) {
	t.heading(fmt.Sprintf("Findings (%d)", len(fs)))
	if len(fs) == 0 {
		t.printf("  none\n")
		return
	}
	for i, f := range fs {
		if i == 0 || fs[i-1].Severity != f.Severity {
			label := strings.ToUpper(f.Severity.String())
			t.printf("\n%s\n", t.style(severityStyle[f.Severity], label))
		}
		t.finding(f)
	}
}

func (t *textWriter) finding(f finding.Finding) {
	t.printf("  %s  %s\n", t.style(ansiBold, sanitize(f.ID)), sanitize(f.Title))
	rows := [][]string{{"category", f.Category}}
	if w := where(f.Location); w != "" {
		rows = append(rows, []string{"location", w})
	}
	t.table("    ", rows)
	if f.Description != "" {
		t.printf("    %s\n", sanitize(f.Description))
	}
	if len(f.Evidence) > 0 {
		t.printf("    evidence:\n")
		for _, e := range f.Evidence {
			t.printf("      - %s\n", sanitize(e))
		}
	}
	if fixes := remediationLines(f.Remediation); len(fixes) > 0 {
		t.printf("    fix:\n")
		for _, p := range fixes {
			t.fix(p[0], p[1])
		}
	}
}

// fix writes one layer's fix; a multi-line fix (a config snippet) keeps its
// lines, indented under the first.
func (t *textWriter) fix(layer, text string) {
	for i, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if i > 0 {
			layer = ""
		}
		t.printf("      %-10s %s\n", layer, sanitize(line))
	}
}

// checks lists every check with its status; the status column is colored
// after alignment.
func (t *textWriter) checks(r *finding.Report) {
	if len(r.Checks) == 0 {
		return
	}
	t.heading(fmt.Sprintf("Checks (%d)", len(r.Checks)))
	rows := [][]string{{"ID", "STATUS", "FINDINGS", "REQUESTS", "TIME", "REASON"}}
	for _, c := range r.Checks {
		rows = append(rows, []string{c.ID, string(c.Status), strconv.Itoa(c.Findings),
			strconv.Itoa(c.Requests), seconds(c.Seconds), c.Reason})
	}
	if !t.color {
		t.table("  ", rows)
		return
	}
	var b strings.Builder
	sub := &textWriter{w: bufio.NewWriter(&b)}
	sub.table("  ", rows)
	if t.err = sub.w.Flush(); t.err != nil {
		return
	}
	lines := strings.SplitAfter(b.String(), "\n")
	for i, line := range lines {
		if i > 0 && i <= len(r.Checks) {
			s := r.Checks[i-1].Status
			line = strings.Replace(line, " "+string(s)+" ", " "+t.style(statusStyle[s], string(s))+" ", 1)
		}
		t.printf("%s", line)
	}
}

func (t *textWriter) notes(notes []string) {
	if len(notes) == 0 {
		return
	}
	t.heading("Notes")
	for _, n := range notes {
		t.printf("  - %s\n", sanitize(n))
	}
}

// budget shows each limit next to what the scan used of it.
func (t *textWriter) budget(b finding.Budget) {
	t.heading("Budget")
	rows := [][]string{
		{"requests", strconv.Itoa(b.Requests), limit(b.MaxRequests > 0, "of "+strconv.Itoa(b.MaxRequests))},
		{"bytes sent", byteSize(b.BytesSent), limit(b.MaxBytes > 0, "of "+byteSize(b.MaxBytes))},
		{"seconds", seconds(b.Seconds), limit(b.MaxSeconds > 0, "of "+seconds(b.MaxSeconds))},
		{"rate", "", limit(b.MaxRPS > 0, "at most "+strconv.FormatFloat(b.MaxRPS, 'f', -1, 64)+" requests/s")},
		{"connections", "", limit(b.MaxConns > 0, "at most "+strconv.Itoa(b.MaxConns)+" open")},
	}
	t.table("  ", rows)
	if b.StoppedEarly != "" {
		t.printf("  %s %s\n", t.style(ansiYellow, "stopped early:"), sanitize(b.StoppedEarly))
	}
}

// limit is v, or "no limit" when the limit is not set.
func limit(set bool, v string) string {
	if !set {
		return "no limit"
	}
	return v
}

func (t *textWriter) sent(sent []finding.Sent) {
	t.heading("What was sent")
	if len(sent) == 0 {
		t.printf("  nothing\n")
		return
	}
	rows := [][]string{{"CHECK", "METHOD", "PATH", "COUNT", "BYTES", "NOTE"}}
	for _, s := range sent {
		rows = append(rows, []string{s.Check, s.Method, s.Path, strconv.Itoa(s.Count), byteSize(s.Bytes), s.Note})
	}
	t.table("  ", rows)
}

// sanitize makes s safe to print on a terminal and in a table cell: control
// characters (ESC, CR, newline, tab, C1 codes…) are written as Go escapes,
// so a server cannot move the cursor or recolor the screen through evidence.
// Invalid UTF-8 becomes U+FFFD. Bidirectional overrides are escaped too:
// they can make text read in an order other than the one it has.
func sanitize(s string) string { return escapeRunes(s, unsafeRune) }

// unsafeRune reports whether r must not reach a terminal as it is.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

// sanitizeBlock is sanitize for multi-line text (config snippets, failure
// bodies): newlines and tabs stay, every other control character is escaped.
// XML 1.0 forbids those characters even escaped, and CDATA cannot escape
// anything, so JUnit bodies go through here too.
func sanitizeBlock(s string) string { return escapeRunes(s, unsafeInBlock) }

func unsafeInBlock(r rune) bool {
	return r != '\n' && r != '\t' && unsafeRune(r)
}

// escapeRunes makes s valid UTF-8 and writes every rune for which unsafe
// holds as its Go escape.
func escapeRunes(s string, unsafe func(rune) bool) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexFunc(s, unsafe) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unsafe(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
