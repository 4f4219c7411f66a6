package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text, ünïcode ×3", "plain text, ünïcode ×3"},
		{"\x1b[2J\x1b[31mred", `\x1b[2J\x1b[31mred`},
		{"a\nb\r\tc", `a\nb\r\tc`},
		{"\x00\x7f", `\x00\x7f`},
		{"csi \u009b31m", `csi \u009b31m`},
		{"admin\u202egnp.exe", `admin\u202egnp.exe`},
		{"", ""},
	}
	for _, tt := range tests {
		if got := sanitize(tt.in); got != tt.want {
			t.Errorf("sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestTextNoRawControl: whatever a server put in evidence, titles, reasons or
// notes, the text report without color holds no control byte but newlines,
// and with color only the writer's own SGR sequences.
func TestTextNoRawControl(t *testing.T) {
	r := sampleReport()
	r.Target = "https://x/\x1b]0;pwned\x07"
	r.Notes = append(r.Notes, "note\x1b[1A\rover")
	r.Checks = append(r.Checks, finding.CheckResult{ID: "C\x1bX", Status: finding.Errored, Reason: "reason\x1b[K\ttab"})
	r.Findings = append(r.Findings, finding.Finding{ID: "T", Title: "t\x08\x08", Evidence: []string{"line1\nline2"}})
	for _, color := range []bool{false, true} {
		out := render(t, Text{Color: color}, r)
		for i, b := range out {
			if b < 0x20 && b != '\n' && !(color && b == 0x1b && isSGR(out[i:])) {
				t.Fatalf("color=%v: raw control byte %#x at %d: %q", color, b, i, out[max(0, i-20):min(len(out), i+20)])
			}
		}
		if !bytes.Contains(out, []byte(`line1\nline2`)) {
			t.Errorf("color=%v: newline in evidence not escaped", color)
		}
	}
}

// isSGR reports whether b starts with an ANSI color sequence ESC [ digits;… m.
func isSGR(b []byte) bool {
	if len(b) < 3 || b[1] != '[' {
		return false
	}
	for _, c := range b[2:] {
		switch {
		case c == 'm':
			return true
		case c == ';' || (c >= '0' && c <= '9'):
		default:
			return false
		}
	}
	return false
}

func TestTextSections(t *testing.T) {
	out := string(render(t, Text{}, sampleReport()))
	order := []string{
		"mtlsguard scan report", "target    https://127.0.0.1:8443", "Score 12/100  grade F",
		"Categories", "Findings (7)", "CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO",
		"Checks (10)", "Notes", "Budget", "What was sent",
	}
	at := 0
	for _, s := range order {
		i := strings.Index(out[at:], s)
		if i < 0 {
			t.Fatalf("%q missing or out of order after byte %d", s, at)
		}
		at += i + len(s)
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("Color false but output has escape codes")
	}
}

func TestTextEmptyReport(t *testing.T) {
	out := string(render(t, Text{}, &finding.Report{Target: "https://127.0.0.1:1", Grade: "A", Score: 100}))
	for _, want := range []string{"Score 100/100  grade A  (no findings)", "Findings (0)\n  none", "requests     0    no limit\n", "rate              no limit\n", "What was sent\n  nothing"} {
		if !strings.Contains(out, want) {
			t.Errorf("empty report lacks %q:\n%s", want, out)
		}
	}
}

func TestByteSize(t *testing.T) {
	tests := map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536000: "1.5 MiB", 64 << 20: "64.0 MiB", 3 << 30: "3.0 GiB"}
	for n, want := range tests {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}
