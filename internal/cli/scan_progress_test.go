package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

// progressEvents is a scan of three checks: one passes, one fails, one is
// inconclusive.
var progressEvents = []scan.Event{
	{Check: "MTLS-NO-CERT", Index: 1, Total: 3},
	{Check: "RATE-NO-LIMIT", Index: 2, Total: 3},
	{Check: "MTLS-NO-CERT", Index: 1, Total: 3, Done: true, Status: finding.Passed, Reason: "refused"},
	{Check: "RATE-NO-LIMIT", Index: 2, Total: 3, Done: true, Status: finding.Failed, Reason: "80 GET / unthrottled"},
	{Check: "AUTHZ-BFLA", Index: 3, Total: 3},
	{Check: "AUTHZ-BFLA", Index: 3, Total: 3, Done: true, Status: finding.Inconclusive, Reason: "1 of 1 probes throttled"},
}

func TestProgressPlainLines(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, false)
	for _, ev := range progressEvents {
		p.event(ev)
	}
	if err := p.finish(); err != nil {
		t.Fatal(err)
	}
	want := "scan: [1/3] MTLS-NO-CERT passed\n" +
		"scan: [2/3] RATE-NO-LIMIT failed: 80 GET / unthrottled\n" +
		"scan: [3/3] AUTHZ-BFLA inconclusive: 1 of 1 probes throttled\n"
	if buf.String() != want {
		t.Errorf("plain progress:\n%q\nwant\n%q", buf.String(), want)
	}
}

// TestProgressTerminal forces the terminal display onto a buffer: it
// draws the bar, prints the checks that did not pass above it and ends,
// whether the scan ran every check or stopped early.
func TestProgressTerminal(t *testing.T) {
	cases := []struct {
		name   string
		events []scan.Event
		want   []string
	}{
		{"complete", progressEvents, []string{"scan ", "3/3 checks", "[2/3] RATE-NO-LIMIT failed: 80 GET / unthrottled", "[3/3] AUTHZ-BFLA inconclusive"}},
		{"stopped early", progressEvents[:2], []string{"scan ", "0/3 checks"}},
		{"no check ran", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := newProgress(&buf, true)
			for _, ev := range tc.events {
				p.event(ev)
			}
			if err := p.finish(); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("terminal progress lacks %q:\n%q", w, out)
				}
			}
			if tc.events == nil && out != "" {
				t.Errorf("no events, yet output %q", out)
			}
			if strings.Contains(out, "MTLS-NO-CERT passed") {
				t.Errorf("a passed check printed above the bar:\n%q", out)
			}
		})
	}
}
