package checks

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

// spoofValue is the identity every spoofed header claims.
const spoofValue = "admin"

// maxSpoofPaths bounds the paths the spoofing probe compares.
const maxSpoofPaths = 6

// spoofHeaders are identity headers as proxies set them, in the spellings
// that reach a WSGI app as the same key ('-' and '_', any case).
var spoofHeaders = []struct{ name, value string }{
	{"X-SSL-Client-CN", spoofValue},
	{"X_SSL_CLIENT_CN", spoofValue},
	{"SSL_CLIENT_S_DN_CN", spoofValue},
	{"SSL-Client-S-DN-CN", spoofValue},
	{"X-SSL-Client-S-DN", "CN=" + spoofValue},
	{"SSL_CLIENT_S_DN", "CN=" + spoofValue},
	{"X-SSL-Client-DN", "CN=" + spoofValue},
	{"X-Client-CN", spoofValue},
	{"X-SSL-Client-Verify", "SUCCESS"},
	{"SSL_CLIENT_VERIFY", "SUCCESS"},
	{"X-Forwarded-Client-Cert", `By=spiffe://mtlsguard/scan;Subject="CN=` + spoofValue + `";URI=spiffe://mtlsguard/` + spoofValue},
	{"X-Remote-User", spoofValue},
	{"Remote-User", spoofValue},
	{"X-Forwarded-User", spoofValue},
}

func spoofHeader(pick func(name string) bool) http.Header {
	h := http.Header{}
	for _, s := range spoofHeaders {
		if pick(s.name) {
			h[s.name] = []string{s.value}
		}
	}
	return h
}

func sameAnswer(a, b scan.Response) bool {
	return a.Err == nil && b.Err == nil && a.Status == b.Status && bytes.Equal(a.Body, b.Body)
}

func runSpoof(ctx context.Context, env *scan.Env, rule finding.Rule) scan.Outcome {
	var checked []string
	for _, p := range env.Baseline.Paths {
		if p.Status >= 400 || len(checked) == maxSpoofPaths {
			continue
		}
		out, ok := spoofPath(ctx, env, rule, p.Path)
		if out.Status != finding.Passed {
			return out
		}
		if ok {
			checked = append(checked, p.Path)
		}
	}
	if len(checked) == 0 {
		return scan.Inconclusivef("no path answered the same twice; nothing to compare")
	}
	return scan.Passf("identity headers changed nothing on %s", strings.Join(checked, ", "))
}

// spoofPath compares path's answer with and without every spoofed header.
// ok is false when the path's answer is not stable enough to compare.
func spoofPath(ctx context.Context, env *scan.Env, rule finding.Rule, path string) (scan.Outcome, bool) {
	get := func(h http.Header, note string) scan.Response {
		return env.Send(ctx, scan.Primary, scan.Request{Path: path, Header: h, Note: note})
	}
	before := get(nil, "baseline")
	spoofed := get(spoofHeader(func(string) bool { return true }), "every identity header")
	after := get(nil, "baseline")
	for _, r := range []scan.Response{before, spoofed, after} {
		if r.OverBudget() || r.Throttled() {
			return scan.Inconclusivef("GET %s: %s", path, undecided(r)), false
		}
	}
	if !sameAnswer(before, after) {
		return scan.Passf(""), false
	}
	if sameAnswer(before, spoofed) {
		return scan.Passf(""), true
	}
	evidence := []string{
		fmt.Sprintf("GET %s → %d %s", path, before.Status, snippet(before.Body)),
		fmt.Sprintf("GET %s with every identity header claiming %q → %d %s", path, spoofValue, spoofed.Status, snippet(spoofed.Body)),
	}
	for _, s := range spoofHeaders {
		r := get(spoofHeader(func(n string) bool { return n == s.name }), s.name)
		if r.Err == nil && !sameAnswer(before, r) {
			evidence = append(evidence, fmt.Sprintf("%s: %s alone changes the answer (%d %s)", s.name, s.value, r.Status, snippet(r.Body)))
		}
	}
	f := rule.NewFinding(evidence...)
	f.Location = &finding.Location{Method: "GET", Path: path}
	return scan.Found("spoofed identity headers change "+path, f), true
}

// snippet is the start of a body, on one line.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}
