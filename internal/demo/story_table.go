package demo

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/load"
)

// row is one line of the before/after table.
type row struct {
	label string
	value func(Side) string
}

var tableRows = []row{
	{"live API grade (score)", func(s Side) string { return fmt.Sprintf("%s (%d)", s.Grade, s.Score) }},
	{"live API findings", func(s Side) string { return severityLine(s.BySeverity) }},
	{"contract findings (" + specFile + ")", func(s Side) string {
		return fmt.Sprintf("%d (%d rules)", s.Contract, len(s.ContractIDs))
	}},
	{"report grade, contract included", func(s Side) string { return fmt.Sprintf("%s (%d)", s.OverallGrade, s.OverallScore) }},
	{"whoami as alice + " + spoofHeader + ": admin", func(s Side) string { return s.Spot.WhoamiSpoofed }},
	{"admin list as admin, as mallory", func(s Side) string {
		return fmt.Sprintf("%d, %d", s.Spot.AdminAsAdmin, s.Spot.AdminAsMallory)
	}},
	{"victims' p99, no attack", func(s Side) string { return benchValue(s, baselineP99) }},
	{"victims' success under attack", func(s Side) string { return benchValue(s, attackSuccess) }},
	{"victims' p99 under attack", func(s Side) string { return benchValue(s, attackP99) }},
	{"abuser's 2xx/s under attack", func(s Side) string { return benchValue(s, abuserOK) }},
}

// WriteText writes the proxy config, the before/after table, the findings
// that went away and where the reports are.
func (o *Outcome) WriteText(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "mtlsguard proxy ran with this config (%s):\n\n", guardFile)
	for line := range strings.Lines(o.ProxyConfig) {
		b.WriteString("    " + line)
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 3, ' ', 0)
	fmt.Fprintf(tw, "\t%s\t%s\n", o.Before.Front, o.After.Front)
	for _, r := range tableRows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.label, r.value(o.Before), r.value(o.After))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	gone, kept := compareIDs(o.Before.FindingIDs, o.After.FindingIDs)
	fmt.Fprintf(&b, "\nfixed by mtlsguard proxy: %s\n", listOrNone(gone))
	fmt.Fprintf(&b, "still found: %s\n", listOrNone(kept))
	fmt.Fprintf(&b, "contract (fix it in %s; the proxy cannot): %s\n", specFile, listOrNone(o.After.ContractIDs))
	o.writeWhere(&b)
	_, err := w.Write(b.Bytes())
	return err
}

func (o *Outcome) writeWhere(b *bytes.Buffer) {
	if !o.Kept {
		b.WriteString("\nHTML reports were written to a temporary directory, now removed; run with --keep to keep them.\n")
		return
	}
	fmt.Fprintf(b, "\nHTML reports: %s (before), %s (after)\n", o.Before.HTML, o.After.HTML)
	fmt.Fprintf(b, "certificates, openapi.yaml and %s are kept in %s\n", guardFile, o.Dir)
}

// compareIDs splits the IDs found before into those gone after and those
// still there.
func compareIDs(before, after []string) (gone, kept []string) {
	for _, id := range before {
		if slices.Contains(after, id) {
			kept = append(kept, id)
		} else {
			gone = append(gone, id)
		}
	}
	for _, id := range after {
		if !slices.Contains(before, id) {
			kept = append(kept, id+" (new)")
		}
	}
	return gone, kept
}

func listOrNone(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// severityLine counts findings from critical down, as "1 critical, 3 high".
func severityLine(by map[string]int) string {
	var parts []string
	for s := finding.Critical; s >= finding.Info; s-- {
		if n := by[s.String()]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	return listOrNone(parts)
}

func benchValue(s Side, f func(*load.NoisyReport) string) string {
	if s.Bench == nil {
		return "-"
	}
	return f(s.Bench)
}

func baselineP99(r *load.NoisyReport) string { return roundDuration(r.Baseline.Victims.Latency.P99) }
func attackP99(r *load.NoisyReport) string   { return roundDuration(r.Attack.Victims.Latency.P99) }

func attackSuccess(r *load.NoisyReport) string {
	v := r.Attack.Victims
	return fmt.Sprintf("%.1f%% (%d/%d)", 100*v.SuccessRate(), v.OK, v.Requests)
}

func abuserOK(r *load.NoisyReport) string {
	if r.Attack.Abuser == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f", r.Attack.Abuser.OKThroughput())
}

// roundDuration keeps two or three significant digits.
func roundDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// linePrefixer writes whole lines to w, each after prefix. The bench
// writes a line in several pieces; they are held until the newline.
type linePrefixer struct {
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *linePrefixer) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		if _, err := fmt.Fprintf(p.w, "%s%s", p.prefix, p.buf[:i+1]); err != nil {
			return 0, err
		}
		p.buf = p.buf[i+1:]
	}
}
