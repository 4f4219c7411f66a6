package checks

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

// spoofValue is the identity every spoofed header claims.
const spoofValue = "admin"

// maxSpoofPaths bounds the paths the spoofing probe compares.
const maxSpoofPaths = 6

// spoofFamily are identity headers as TLS terminators set them (nginx,
// Apache, HAProxy, Envoy, RFC 9440, mtlsguard), each sent in its '-'
// spelling and its '_' one: a WSGI app (Django's request.META) reads both
// as the same key, and a server that drops '_' headers still gets the
// other.
var spoofFamily = []struct{ name, value string }{
	{"X-SSL-Client-CN", spoofValue},
	{"X-SSL-Client-S-DN-CN", spoofValue},
	{"SSL-Client-S-DN-CN", spoofValue},
	{"X-SSL-Client-S-DN", "CN=" + spoofValue},
	{"SSL-Client-S-DN", "CN=" + spoofValue},
	{"X-SSL-Client-DN", "CN=" + spoofValue},
	{"X-Client-CN", spoofValue},
	{"X-SSL-Client-Verify", "SUCCESS"},
	{"SSL-Client-Verify", "SUCCESS"},
	{"X-Client-Verify", "SUCCESS"},
	{"X-Client-Cert", spoofPEM},
	{"X-SSL-Client-Cert", spoofPEM},
	{"Client-Cert", ":" + base64.StdEncoding.EncodeToString([]byte(spoofValue)) + ":"},
	{"X-Forwarded-Client-Cert", `By=spiffe://mtlsguard/scan;Subject="CN=` + spoofValue + `";URI=spiffe://mtlsguard/` + spoofValue},
	{"X-Remote-User", spoofValue},
	{"Remote-User", spoofValue},
	{"X-Forwarded-User", spoofValue},
	{"X-Authenticated-User", spoofValue},
}

// spoofPEM is a certificate as nginx's $ssl_client_escaped_cert forwards
// it; its content is no real certificate.
var spoofPEM = url.QueryEscape("-----BEGIN CERTIFICATE-----\n" + base64.StdEncoding.EncodeToString([]byte("CN="+spoofValue)) + "\n-----END CERTIFICATE-----\n")

// spoofHeaders are spoofFamily in both spellings: "X-SSL-Client-CN" and
// "X_SSL_CLIENT_CN".
var spoofHeaders = spellings()

func spellings() []struct{ name, value string } {
	out := make([]struct{ name, value string }, 0, 2*len(spoofFamily))
	for _, h := range spoofFamily {
		out = append(out, h)
		h.name = strings.ToUpper(strings.ReplaceAll(h.name, "-", "_"))
		out = append(out, h)
	}
	return out
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
	var checked, undecidedPaths []string
	for _, path := range spoofPaths(env) {
		out, ok := spoofPath(ctx, env, rule, path)
		switch {
		case out.Status == finding.Failed:
			return out
		case out.Status == finding.Inconclusive:
			undecidedPaths = append(undecidedPaths, out.Reason)
		case ok:
			checked = append(checked, path)
		}
	}
	switch {
	case len(checked) > 0:
		return scan.Passf("identity headers changed nothing on %s", strings.Join(checked, ", "))
	case len(undecidedPaths) > 0:
		return scan.Inconclusivef("%s", strings.Join(undecidedPaths, "; "))
	}
	return scan.Inconclusivef("no path answered the same twice; nothing to compare")
}

// identityWords mark an operation that shows who the caller is: where a
// spoofed identity header shows first.
var identityWords = []string{"whoami", "me", "identity", "profile", "session", "account", "user"}

// spoofPaths are the GETs the spoofing probe compares, at most
// maxSpoofPaths: the --path entries when given; else the spec's GETs that
// name the caller's identity, then its other GETs; else the baseline's
// paths that answered below 400.
func spoofPaths(env *scan.Env) []string {
	var out []string
	add := func(p string) {
		if len(out) < maxSpoofPaths && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, p := range env.Paths {
		add(p)
	}
	if len(out) == 0 {
		for _, op := range rankedGETs(env.Ops) {
			add(op.URLPath)
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, p := range env.Baseline.Paths {
		if p.Status < 400 {
			add(p.Path)
		}
	}
	return out
}

// rankedGETs are ops' GET operations, those about the caller's identity
// first, in the order of identityWords: /whoami before /users.
func rankedGETs(ops []scan.Operation) []scan.Operation {
	var gets []scan.Operation
	for _, op := range ops {
		if op.Method == http.MethodGet {
			gets = append(gets, op)
		}
	}
	slices.SortStableFunc(gets, func(a, b scan.Operation) int { return identityRank(a) - identityRank(b) })
	return gets
}

// identityRank is the position in identityWords of the first word that
// an operation's path, operationId or summary names (len(identityWords)
// for none): a word such as "me", or one containing "whoami", "user" and
// the like (operationIds run words together).
func identityRank(op scan.Operation) int {
	words := strings.FieldsFunc(strings.ToLower(op.Path+" "+op.OperationID+" "+op.Summary), func(c rune) bool {
		return c < 'a' || c > 'z'
	})
	for i, id := range identityWords {
		if slices.ContainsFunc(words, func(w string) bool { return w == id || len(id) >= 4 && strings.Contains(w, id) }) {
			return i
		}
	}
	return len(identityWords)
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
