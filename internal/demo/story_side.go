package demo

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/mtlsguard/mtlsguard/internal/audit"
	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/load"
	"github.com/mtlsguard/mtlsguard/internal/report"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

// Side is one half of the comparison: the bench and the scan of one front
// of the same app. The grade and score are the live API's, from the
// runtime checks alone: the contract's static findings are the same on
// both sides (the spec did not change) and are counted apart.
type Side struct {
	Front        string            `json:"front"` // what stood in front of the app
	Target       string            `json:"target"`
	Score        int               `json:"score"`
	Grade        string            `json:"grade"`
	BySeverity   map[string]int    `json:"findings_by_severity"` // runtime findings
	FindingIDs   []string          `json:"finding_ids"`          // runtime, sorted, each once
	ContractIDs  []string          `json:"contract_finding_ids"` // static, sorted, each once
	Contract     int               `json:"contract_findings"`
	OverallScore int               `json:"overall_score"` // the report's, contract included
	OverallGrade string            `json:"overall_grade"`
	Spot         Spot              `json:"spot_checks"`
	Bench        *load.NoisyReport `json:"bench"`
	HTML         string            `json:"html_report,omitempty"` // empty when not kept

	Report *finding.Report `json:"-"`
}

// measure sends the spot checks and runs the noisy-neighbour bench against
// target, then scans it and writes the HTML report as name.html. The bench
// goes before the scan so that its baseline meets an app that no probe has
// disturbed.
func (st *stage) measure(ctx context.Context, front, name, target string) (Side, error) {
	spot, err := st.spot(ctx, target)
	if err != nil {
		return Side{}, err
	}
	st.step("   spot: Alice claiming admin is seen as %q; admin list: %d as admin, %d as mallory",
		spot.WhoamiSpoofed, spot.AdminAsAdmin, spot.AdminAsMallory)
	bench, err := st.bench(ctx, target)
	if err != nil {
		return Side{}, fmt.Errorf("demo: bench %s: %w", front, err)
	}
	if err := stopped(ctx); err != nil {
		return Side{}, err
	}
	rep, err := st.scan(ctx, target)
	if err != nil {
		return Side{}, fmt.Errorf("demo: scan %s: %w", front, err)
	}
	side := summarize(front, target, rep)
	side.Bench, side.Spot = bench, spot
	st.step("   scan: live API grade %s (%d): %s; contract: %d findings", side.Grade, side.Score, severityLine(side.BySeverity), side.Contract)
	if side.HTML, err = writeHTML(st.dir, name, rep); err != nil {
		return Side{}, err
	}
	return side, nil
}

// scan runs Options.Checks (the whole registry by default) against target
// with the story's identities: Alice primary, Bob her peer, Mallory the
// low-privilege one.
func (st *stage) scan(ctx context.Context, target string) (*finding.Report, error) {
	certs := map[scan.Identity]tls.Certificate{}
	for id, name := range map[scan.Identity]string{scan.Primary: Alice, scan.Peer: Bob, scan.Low: Mallory, scan.Expired: Expired} {
		c, err := st.pki.Certificate(name)
		if err != nil {
			return nil, err
		}
		certs[id] = c
	}
	return scan.Run(ctx, scan.Config{
		Target: target, Certs: certs, RootCAs: st.pki.Pool, Contract: st.contract,
		Limits: st.opts.ScanLimits, Timing: st.opts.ScanTiming, Checks: st.opts.Checks,
		Progress: st.scanEvent, Version: st.opts.Version,
	})
}

// scanEvent shows the runtime checks that found something; the
// contract's rules are summed up at the end.
func (st *stage) scanEvent(ev scan.Event) {
	if ev.Done && ev.Status == finding.Failed && !isStatic(ev.Check) {
		st.step("   scan: %s failed: %s", ev.Check, ev.Reason)
	}
}

// bench runs the noisy-neighbour scenario: victims as Alice, Mallory the abuser.
func (st *stage) bench(ctx context.Context, target string) (*load.NoisyReport, error) {
	victim, abuser := st.pki.Clients[Alice], st.pki.Clients[Mallory]
	return load.RunNoisyNeighbor(ctx, load.NoisyNeighbor{
		Target: target, CA: st.pki.CA,
		VictimCert: victim.Cert, VictimKey: victim.Key, AbuserCert: abuser.Cert, AbuserKey: abuser.Key,
		VictimPath: "/api/ping", VictimRate: benchVictimRate, Victims: benchVictims,
		AbuserPath: "/api/slow", AbuserConcurrency: benchAbuserConns, Duration: st.opts.Phase,
	}, &linePrefixer{w: st.opts.Progress, prefix: "demo:    bench "})
}

// summarize condenses a report for the comparison, runtime and static
// findings apart.
func summarize(front, target string, rep *finding.Report) Side {
	s := Side{
		Front: front, Target: target, OverallScore: rep.Score, OverallGrade: rep.Grade,
		BySeverity: map[string]int{}, FindingIDs: []string{}, ContractIDs: []string{}, Report: rep,
	}
	var live []finding.Finding
	for _, f := range rep.Findings {
		if isStatic(f.ID) {
			s.Contract++
			s.ContractIDs = appendOnce(s.ContractIDs, f.ID)
			continue
		}
		live = append(live, f)
		s.BySeverity[f.Severity.String()]++
		s.FindingIDs = appendOnce(s.FindingIDs, f.ID)
	}
	slices.Sort(s.FindingIDs)
	slices.Sort(s.ContractIDs)
	s.Score = finding.Score(live)
	s.Grade = finding.Grade(s.Score)
	return s
}

func appendOnce(ids []string, id string) []string {
	if slices.Contains(ids, id) {
		return ids
	}
	return append(ids, id)
}

// writeHTML writes rep as dir/name.html.
func writeHTML(dir, name string, rep *finding.Report) (string, error) {
	w, err := report.ForFormat("html")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".html")
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	if err := w.Write(f, rep); err != nil {
		_ = f.Close()
		return "", fmt.Errorf("demo: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("demo: write %s: %w", path, err)
	}
	return path, nil
}

// isStatic reports whether id is one of the contract's static rules.
func isStatic(id string) bool {
	return slices.ContainsFunc(audit.Rules(), func(r finding.Rule) bool { return r.ID == id })
}
