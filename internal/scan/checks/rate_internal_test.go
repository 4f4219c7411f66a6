package checks

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

func TestReadQuota(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	cases := []struct {
		name   string
		header http.Header
		want   quota
	}{
		{"none", http.Header{}, quota{remaining: -1, reset: -1}},
		{"structured", http.Header{"Ratelimit": {`"default";r=17;t=2`}}, quota{policy: "default", remaining: 17, reset: 2 * time.Second}},
		{"structured, two policies: the lowest wins", http.Header{"Ratelimit": {`"second";r=9;t=1, "day";r=0;t=3600`}},
			quota{policy: "day", remaining: 0, reset: time.Hour}},
		{"older draft", http.Header{"Ratelimit": {"limit=0, remaining=0, reset=3"}}, quota{remaining: 0, reset: 3 * time.Second}},
		{"separate fields", http.Header{"Ratelimit-Remaining": {"4"}, "Ratelimit-Reset": {"7"}}, quota{remaining: 4, reset: 7 * time.Second}},
		{"x- fields, reset as a Unix time", http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"1700000030"}},
			quota{remaining: 0, reset: 30 * time.Second}},
		{"garbage", http.Header{"Ratelimit": {`;;=,"x";r=-1;t=abc`}, "X-Ratelimit-Remaining": {"many"}}, quota{remaining: -1, reset: -1}},
		{"huge reset capped", http.Header{"Ratelimit": {`"p";r=0;t=99999999999`}}, quota{policy: "p", remaining: 0, reset: 86400 * time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := readQuota(tc.header, now); got != tc.want {
				t.Errorf("readQuota(%v) = %+v, want %+v", tc.header, got, tc.want)
			}
		})
	}
}

func FuzzReadQuota(f *testing.F) {
	for _, s := range []string{`"default";r=0;t=1`, "limit=10, remaining=3, reset=2", `a;b;c=;=d,,`, `"x";r=99999999999999999999`} {
		f.Add(s, "12")
	}
	f.Fuzz(func(t *testing.T, rl, remaining string) {
		h := http.Header{"Ratelimit": {rl}, "X-Ratelimit-Remaining": {remaining}, "X-Ratelimit-Reset": {remaining}}
		q := readQuota(h, time.Now())
		if q.remaining < -1 || q.reset < -1 {
			t.Fatalf("readQuota(%q, %q) = %+v: below unknown", rl, remaining, q)
		}
		_ = q.String()
	})
}

func answer(status int, header ...string) scan.Response {
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return scan.Response{Status: status, Header: h}
}

// TestSharedVerdict: only a 429 for a peer that demonstrably had budget
// of its own shows a shared limit.
func TestSharedVerdict(t *testing.T) {
	withBudget := func(rl string) peerBudget {
		r := answer(200, "RateLimit", rl)
		return peerBudget{resp: r, quota: readQuota(r.Header, time.Now()), ok: true}
	}
	cases := []struct {
		name   string
		before peerBudget
		after  scan.Response
		want   finding.Status
		reason string
	}{
		{"peer served: per identity", withBudget(`"default";r=15;t=1`), answer(200), finding.Passed, ""},
		{"429 with budget, no headers: shared", peerBudget{resp: answer(200), quota: quota{remaining: -1, reset: -1}, ok: true},
			answer(429), finding.Failed, ""},
		{"429 on the policy the peer had budget on: shared", withBudget(`"default";r=15;t=1`),
			answer(429, "RateLimit", `"default";r=0;t=1`), finding.Failed, ""},
		{"429 on the peer's own spent policy", withBudget(`"default";r=1;t=2`),
			answer(429, "RateLimit", `"default";r=0;t=2`), finding.Inconclusive, `names its own quota (policy "default", remaining 0, reset 2s)`},
		{"503 with Retry-After counts as throttling", withBudget(`"default";r=15;t=1`),
			answer(503, "Retry-After", "1"), finding.Failed, ""},
		{"500 decides nothing", withBudget(`"default";r=15;t=1`), answer(500), finding.Inconclusive, "neither a success nor throttling: 500"},
		{"over budget", withBudget(`"default";r=15;t=1`), scan.Response{Err: fmt.Errorf("%w: requests", scan.ErrBudget)}, finding.Inconclusive, "peer probe"},
		{"network error", withBudget(`"default";r=15;t=1`), scan.Response{Err: errors.New("reset by peer")}, finding.Inconclusive, ": error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, why := sharedVerdict(tc.before, tc.after)
			if got != tc.want {
				t.Fatalf("verdict %s (%s), want %s", got, why, tc.want)
			}
			if tc.reason != "" && !strings.Contains(why, tc.reason) {
				t.Errorf("reason %q lacks %q", why, tc.reason)
			}
		})
	}
}

func TestPeerWait(t *testing.T) {
	cases := []struct {
		r    scan.Response
		want time.Duration
	}{
		{answer(429, "Retry-After", "3", "RateLimit", `"d";r=0;t=5`), 3 * time.Second},
		{answer(200, "RateLimit", `"d";r=0;t=2`), 2 * time.Second},
		{answer(429), peerFallbackWait},
	}
	for _, tc := range cases {
		if got := peerWait(tc.r, readQuota(tc.r.Header, time.Now())); got != tc.want {
			t.Errorf("peerWait(%d %v) = %s, want %s", tc.r.Status, tc.r.Header, got, tc.want)
		}
	}
}
