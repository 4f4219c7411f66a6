package demo

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/load"
)

func TestCompareIDs(t *testing.T) {
	cases := []struct {
		name             string
		before, after    []string
		wantGone, wantIn []string
	}{
		{"all fixed", []string{"A", "B"}, nil, []string{"A", "B"}, nil},
		{"one left", []string{"A", "B"}, []string{"B"}, []string{"A"}, []string{"B"}},
		{"a new one", []string{"A"}, []string{"A", "C"}, nil, []string{"A", "C (new)"}},
		{"none at all", nil, nil, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gone, kept := compareIDs(tc.before, tc.after)
			if !slices.Equal(gone, tc.wantGone) || !slices.Equal(kept, tc.wantIn) {
				t.Errorf("compareIDs = %q, %q; want %q, %q", gone, kept, tc.wantGone, tc.wantIn)
			}
		})
	}
}

func TestSeverityLine(t *testing.T) {
	cases := []struct {
		by   map[string]int
		want string
	}{
		{map[string]int{}, "none"},
		{map[string]int{"low": 2, "critical": 1, "medium": 3}, "1 critical, 3 medium, 2 low"},
		{map[string]int{"high": 4, "info": 1}, "4 high, 1 info"},
	}
	for _, tc := range cases {
		if got := severityLine(tc.by); got != tc.want {
			t.Errorf("severityLine(%v) = %q, want %q", tc.by, got, tc.want)
		}
	}
}

func TestSummarizeSplitsContractFromLiveFindings(t *testing.T) {
	live := []finding.Finding{
		{ID: "RATE-NO-LIMIT", Severity: finding.High},
		{ID: "JSON-DEPTH-CRASH", Severity: finding.High},
		{ID: "JSON-DEPTH-CRASH", Severity: finding.High},
	}
	static := []finding.Finding{{ID: "SPEC-NO-429", Severity: finding.Low}, {ID: "SPEC-NO-429", Severity: finding.Low}}
	rep := &finding.Report{Findings: slices.Concat(live, static)}
	rep.Finalize()
	s := summarize("front", "https://x", rep)
	wantScore := finding.Score(live)
	if s.Score != wantScore || s.Grade != finding.Grade(wantScore) || s.OverallScore != rep.Score || s.Contract != 2 {
		t.Errorf("score %d grade %s overall %d contract %d; want %d %s %d 2",
			s.Score, s.Grade, s.OverallScore, s.Contract, wantScore, finding.Grade(wantScore), rep.Score)
	}
	if s.OverallScore >= s.Score {
		t.Errorf("overall score %d not below the live score %d: the contract's findings were not counted", s.OverallScore, s.Score)
	}
	if !slices.Equal(s.FindingIDs, []string{"JSON-DEPTH-CRASH", "RATE-NO-LIMIT"}) || !slices.Equal(s.ContractIDs, []string{"SPEC-NO-429"}) {
		t.Errorf("IDs %q, contract %q", s.FindingIDs, s.ContractIDs)
	}
	if s.BySeverity["high"] != 3 || len(s.BySeverity) != 1 {
		t.Errorf("by severity %v, want 3 high only", s.BySeverity)
	}
}

func TestWriteTextNamesKeptReports(t *testing.T) {
	side := func(front string, p99 time.Duration, spot Spot) Side {
		v := load.Result{Requests: 80, OK: 80, Latency: load.Summary{P99: p99}}
		return Side{
			Front: front, Grade: "A", Score: 100, BySeverity: map[string]int{}, HTML: "/d/" + front + ".html",
			Spot:  spot,
			Bench: &load.NoisyReport{Attack: load.PhaseReport{Victims: v, Abuser: &load.Result{OK: 80, Duration: 8 * time.Second}}},
		}
	}
	out := &Outcome{Dir: "/d", Kept: true, ProxyConfig: "listen: x\n",
		Before: side("naive", 3*time.Second, Spot{"admin", 200, 200}), After: side("proxy", 12*time.Millisecond, Spot{"alice", 200, 403})}
	var b bytes.Buffer
	if err := out.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"    listen: x\n", "HTML reports: /d/naive.html (before), /d/proxy.html (after)",
		"100.0% (80/80)", "kept in /d",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
	rows := map[string][]string{
		"victims' p99 under attack":                {"3s", "12ms"},
		"abuser's 2xx/s under attack":              {"10.0", "10.0"},
		"whoami as alice + X_SSL_Client_CN: admin": {"admin", "alice"},
		"admin list as admin, as mallory":          {"200, 200", "200, 403"},
	}
	for label, want := range rows {
		line := lineOf(b.String(), label)
		cells := strings.Split(strings.TrimSpace(strings.TrimPrefix(line, label)), "   ")
		cells = slices.DeleteFunc(cells, func(c string) bool { return strings.TrimSpace(c) == "" })
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if !slices.Equal(cells, want) {
			t.Errorf("row %q = %q, want %q", label, cells, want)
		}
	}
}

func TestLinePrefixer(t *testing.T) {
	var b bytes.Buffer
	p := &linePrefixer{w: &b, prefix: "> "}
	for _, piece := range []string{"base", "line: a", " b\nsec", "ond\n", "tail"} {
		if n, err := p.Write([]byte(piece)); err != nil || n != len(piece) {
			t.Fatalf("Write(%q) = %d, %v", piece, n, err)
		}
	}
	if got, want := b.String(), "> baseline: a b\n> second\n"; got != want {
		t.Errorf("wrote %q, want %q", got, want)
	}
}

func TestWorkDir(t *testing.T) {
	cases := []struct {
		name      string
		given     bool
		keep      bool
		wantAfter bool // the directory exists after cleanup
	}{
		{"temporary, removed", false, false, false},
		{"temporary, kept", false, true, true},
		{"given, never removed", true, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			o := Options{Keep: tc.keep}
			if tc.given {
				o.Dir = filepath.Join(tmp, "given")
			}
			dir, cleanup, err := workDir(o)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(dir, tmp) {
				t.Fatalf("dir %s not under %s", dir, tmp)
			}
			if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := cleanup(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(dir); (err == nil) != tc.wantAfter {
				t.Errorf("after cleanup: stat %s: %v; want exists=%v", dir, err, tc.wantAfter)
			}
		})
	}
}

func lineOf(text, prefix string) string {
	for line := range strings.Lines(text) {
		if strings.HasPrefix(line, prefix) {
			return strings.TrimRight(line, "\n")
		}
	}
	return ""
}
