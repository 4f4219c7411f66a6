package proxy

import (
	"io"
	"net/http"
	"testing"
)

// BenchmarkProxiedRequest compares a keep-alive mTLS request through the
// proxy with every limit on against the same proxy with limits off. Run both
// in one invocation and compare the ratio, not the absolute figures:
//
//	go test -run '^$' -bench ProxiedRequest -benchmem -count 6 ./internal/proxy/
func BenchmarkProxiedRequest(b *testing.B) {
	cases := []struct{ name, cfg string }{
		{"limits-off", "defaults:\n  rate: off\n  max_inflight: 0\n  max_conns: 0\nlog:\n  access: false\n"},
		{"limits-on", `defaults:
  rate: 1000000/s
  burst: 1000000
  max_inflight: 1000
  max_conns: 1000
groups:
  admins: {match: {ou: admins}}
routes:
  - path: /api/admin/
    allow: [admins]
  - path: /upload
    max_body: 10MiB
log:
  access: false
`},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			p := newTestPKI(b)
			up := newUpstream(b)
			up.noRecord = true
			r := startProxyWith(b, p, up, tc.cfg, nil)
			c := r.client(b, "alice", false)
			req, _ := http.NewRequest(http.MethodGet, r.url("/ping"), nil)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				resp, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}
