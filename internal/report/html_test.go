package report

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

// page is an HTML report as a browser would see it: its elements, the
// attributes they carry and the text shown.
type page struct {
	tags  map[string]int
	attrs []html.Attribute
	text  string
	csp   string
}

func parsePage(t *testing.T, out []byte) page {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("HTML does not parse: %v", err)
	}
	p := page{tags: map[string]int{}}
	var text strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.ElementNode:
			p.tags[n.Data]++
			p.attrs = append(p.attrs, n.Attr...)
			if n.Data == "meta" && attr(n, "http-equiv") == "Content-Security-Policy" {
				p.csp = attr(n, "content")
			}
		case html.TextNode:
			text.WriteString(n.Data)
			text.WriteString("\n")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	p.text = text.String()
	return p
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// hostileReport puts markup in every place a server or spec can reach.
func hostileReport() *finding.Report {
	r := sampleReport()
	r.Target = `https://x/"><script>alert("target")</script>`
	r.Spec = `<img src=x onerror=alert("spec")>`
	r.Findings = append(r.Findings, finding.Finding{
		ID: `ID"><svg onload=alert(1)>`, Severity: finding.Critical, Category: "</style><script>alert(2)</script>",
		Title:       `"><img src=x onerror=alert(3)>`,
		Evidence:    []string{"<script>alert(4)</script>", "</pre><iframe src=javascript:alert(5)>"},
		Location:    &finding.Location{Method: "GET", Path: `/a"onmouseover="alert(6)`},
		Remediation: finding.Remediation{Nginx: "<script>alert(7)</script>"},
	})
	r.Checks = append(r.Checks, finding.CheckResult{ID: "C", Title: "<b>bold</b>", Status: `"><script>alert(8)</script>`, Reason: "<marquee>"})
	r.Notes = append(r.Notes, "<script>alert(9)</script>")
	r.Sent = append(r.Sent, finding.Sent{Check: "C", Method: "GET", Path: "<script>alert(10)</script>"})
	r.Budget.StoppedEarly = "<script>alert(11)</script>"
	return r
}

func TestHTMLEscapesContent(t *testing.T) {
	out := render(t, HTML{}, hostileReport())
	p := parsePage(t, out)
	for _, tag := range []string{"script", "img", "svg", "iframe", "marquee", "b", "link", "object", "embed", "base"} {
		if n := p.tags[tag]; n > 0 {
			t.Errorf("page has %d <%s> element(s): report content was not escaped", n, tag)
		}
	}
	for _, a := range p.attrs {
		if strings.HasPrefix(a.Key, "on") || a.Key == "src" || a.Key == "href" {
			t.Errorf("page has attribute %s=%q", a.Key, a.Val)
		}
	}
	for _, shown := range []string{
		"<script>alert(4)</script>", "</pre><iframe src=javascript:alert(5)>", `"><img src=x onerror=alert(3)>`,
		"<script>alert(9)</script>", "<script>alert(10)</script>", "<script>alert(11)</script>", "<marquee>",
	} {
		if !strings.Contains(p.text, shown) {
			t.Errorf("text %q is not shown as text", shown)
		}
	}
	if bytes.Contains(out, []byte("<script")) {
		t.Errorf("raw <script in output")
	}
}

func TestHTMLSelfContained(t *testing.T) {
	out := render(t, HTML{}, sampleReport())
	p := parsePage(t, out)
	if p.csp != "default-src 'none'; style-src 'unsafe-inline'" {
		t.Errorf("Content-Security-Policy = %q", p.csp)
	}
	if p.tags["style"] != 1 || p.tags["script"] != 0 || p.tags["link"] != 0 {
		t.Errorf("style/script/link elements = %d/%d/%d, want 1/0/0", p.tags["style"], p.tags["script"], p.tags["link"])
	}
	if bytes.Contains(out, []byte("http://")) || bytes.Contains(out, []byte("url(")) {
		t.Errorf("page refers to an external resource")
	}
}

func TestHTMLContent(t *testing.T) {
	p := parsePage(t, render(t, HTML{}, sampleReport()))
	for _, want := range []string{
		"https://127.0.0.1:8443", "specs/api.yaml", "2/100", "F",
		"1 critical", "2 high", "2 medium", "1 low", "1 info",
		"API4:2023", "Findings (7)", "ID-SPOOFABLE-HEADER", "EXPERIMENTAL-PROBE",
		"specs/api.yaml:42:11 (POST /users)", "GET /health",
		"sent 200 GET /health in 2.1s from CN=client-a",
		"limit_req_zone $ssl_client_s_dn zone=id:10m rate=10r/s;", "identity:\n  strip_client_headers: true",
		"Checks (10)", "inconclusive", "target throttled the probe: 429 with Retry-After: 30",
		"needs a low-privilege identity: pass --low-cert and --low-key",
		"RATE-SHARED-LIMIT skipped: no --peer-cert given",
		"255", "1000", "64.0 MiB", "baseline p99 rose from 12ms to 480ms (> 3×): load probes stopped",
		"nested arrays, depth 10 to 12,000", "1.5 MiB", `body began: \x1b[31mRecursionError\x1b[0m\tat depth 998`,
	} {
		if !strings.Contains(p.text, want) {
			t.Errorf("page does not show %q", want)
		}
	}
	if n := p.tags["details"]; n != 7 {
		t.Errorf("<details> = %d, want one per finding (7)", n)
	}
}
