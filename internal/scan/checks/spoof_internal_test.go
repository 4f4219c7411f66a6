package checks

import (
	"slices"
	"testing"

	"github.com/mtlsguard/mtlsguard/internal/scan"
)

func TestSpoofPaths(t *testing.T) {
	ops := []scan.Operation{
		{Method: "GET", Path: "/api/admin/users", URLPath: "/api/admin/users", OperationID: "listUsers"},
		{Method: "GET", Path: "/api/ping", URLPath: "/api/ping", OperationID: "ping"},
		{Method: "POST", Path: "/api/me", URLPath: "/api/me"},
		{Method: "GET", Path: "/api/accounts/{id}", URLPath: "/api/accounts/1"},
		{Method: "GET", Path: "/api/current", URLPath: "/api/current", OperationID: "getCurrentSession"},
		{Method: "GET", Path: "/api/whoami", URLPath: "/api/whoami", Summary: "The identity the app sees."},
		{Method: "GET", Path: "/a", URLPath: "/a"}, {Method: "GET", Path: "/b", URLPath: "/b"},
		{Method: "GET", Path: "/c", URLPath: "/c"},
	}
	cases := []struct {
		name string
		env  scan.Env
		want []string
	}{
		{"spec: identity operations first, at most six", scan.Env{Ops: ops},
			[]string{"/api/whoami", "/api/current", "/api/accounts/1", "/api/admin/users", "/api/ping", "/a"}},
		{"--path wins", scan.Env{Ops: ops, Paths: []string{"/x", "/y"}}, []string{"/x", "/y"}},
		{"neither: the baseline's answering paths", scan.Env{Baseline: scan.Baseline{Paths: []scan.PathLatency{{Path: "/", Status: 200}, {Path: "/gone", Status: 404}, {Path: "/moved", Status: 301}}}},
			[]string{"/", "/moved"}},
		{"a spec without GETs: the baseline's paths", scan.Env{Ops: ops[2:3], Baseline: scan.Baseline{Paths: []scan.PathLatency{{Path: "/", Status: 200}}}},
			[]string{"/"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := spoofPaths(&tc.env); !slices.Equal(got, tc.want) {
				t.Errorf("spoofPaths = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSpoofHeadersBothSpellings(t *testing.T) {
	for _, name := range []string{
		"X-SSL-Client-CN", "X_SSL_CLIENT_CN", "X-SSL-Client-S-DN-CN", "X_SSL_CLIENT_S_DN_CN", "X-SSL-Client-S-DN", "X_SSL_CLIENT_S_DN",
		"X-SSL-Client-Verify", "X_SSL_CLIENT_VERIFY", "SSL_CLIENT_S_DN_CN", "SSL-Client-S-DN-CN", "SSL_CLIENT_VERIFY",
		"X-Client-Cert", "X_CLIENT_CERT", "X-Forwarded-Client-Cert", "X_FORWARDED_CLIENT_CERT", "Client-Cert", "CLIENT_CERT",
		"X-Remote-User", "X_REMOTE_USER",
	} {
		if !slices.ContainsFunc(spoofHeaders, func(h struct{ name, value string }) bool { return h.name == name }) {
			t.Errorf("%s is not sent", name)
		}
	}
	if len(spoofHeaders) != 2*len(spoofFamily) {
		t.Errorf("%d headers for a family of %d", len(spoofHeaders), len(spoofFamily))
	}
}

// TestPrivilegedPaths: without a spec, an admin-ish --path segment marks
// an operation for AUTHZ-BFLA; "ops" does not.
func TestPrivilegedPaths(t *testing.T) {
	env := &scan.Env{Paths: []string{"/api/ops/ping", "/ops", "/admin/users", "/api/internal/stats?x=1", "/shops"}}
	var got []string
	for _, op := range privilegedOps(env) {
		got = append(got, op.Path)
	}
	if want := []string{"/admin/users", "/api/internal/stats?x=1"}; !slices.Equal(got, want) {
		t.Errorf("privileged paths %v, want %v", got, want)
	}
}
