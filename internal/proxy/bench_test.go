package proxy

import (
	"io"

	"github.com/mtlsguard/mtlsguard/internal/config"
	"net/http"
	"testing"
)

// BenchmarkProxiedRequest compares a keep-alive mTLS request through the
// proxy with every limit on against the same proxy with limits off. Run both
// in one invocation and compare the ratio, not the absolute figures:
//
//	go test -run '^$' -bench ProxiedRequest -benchmem -count 6 ./internal/proxy/
func BenchmarkProxiedRequest(b *testing.B) {
	off := func(c *config.Config) {
		c.Defaults.MaxInflight, c.Defaults.MaxConns, c.Defaults.MaxBody = 0, 0, 0
	}
	cases := []struct {
		name, cfg string
		edit      func(*config.Config)
	}{
		{"limits-off", "defaults:\n  rate: off\nlog:\n  access: false\n", off},
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
`, nil},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			p := newTestPKI(b)
			up := newUpstream(b)
			up.noRecord = true
			r := startProxyEdit(b, p, up, tc.cfg, nil, tc.edit)
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
