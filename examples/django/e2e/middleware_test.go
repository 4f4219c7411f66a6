package e2e

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/identity"
)

const unsignedProblem = problemBase + "unsigned-request"

// forged returns the identity headers the proxy would set for the admin
// certificate, as someone who reaches gunicorn directly would forge them,
// plus extra.
func (s *stack) forged(extra map[string]string) map[string]string {
	h := map[string]string{
		"X-SSL-Client-Verify":      "SUCCESS",
		"X-SSL-Client-S-DN":        "CN=admin,OU=admins",
		"X-SSL-Client-S-DN-CN":     "admin",
		"X-SSL-Client-Fingerprint": s.fingerprints["admin"],
	}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

// testMiddlewareRefusesBypass sends requests straight to the gunicorn that
// runs MtlsguardMiddleware.
func (s *stack) testMiddlewareRefusesBypass(t *testing.T) {
	const target = "/api/whoami?page=2&q=a%2Fb"
	now := time.Now()
	sig := func(secret, method string, at time.Time) string {
		return identity.Sign([]byte(secret), s.fingerprints["admin"], method, target, at)
	}
	cases := []struct {
		name   string
		header map[string]string
		detail string // prefix of the problem's detail
	}{
		{"no identity headers", nil, "no X-Mtlsguard-Signature header"},
		{"forged identity, no signature", s.forged(nil), "no X-Mtlsguard-Signature header"},
		{"forged identity, made-up signature", s.forged(map[string]string{
			identity.DefaultSignHeader: "t=" + strconv.FormatInt(now.Unix(), 10) + ",v1=" + strings.Repeat("0", 64)}),
			"signature does not match"},
		{"signed with another secret", s.forged(map[string]string{
			identity.DefaultSignHeader: sig("another-secret-of-at-least-32-bytes!!", "GET", now)}),
			"signature does not match"},
		{"signed for another method", s.forged(map[string]string{
			identity.DefaultSignHeader: sig(s.secret, "POST", now)}),
			"signature does not match"},
		{"replayed after the skew", s.forged(map[string]string{
			identity.DefaultSignHeader: sig(s.secret, "GET", now.Add(-2*time.Minute))}),
			"signature timestamp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := send(t, s.plain, http.MethodGet, s.signedDirect+target, nil, c.header)
			var p struct {
				Type   string `json:"type"`
				Status int    `json:"status"`
				Detail string `json:"detail"`
			}
			_ = json.Unmarshal(r.body, &p)
			if r.status != http.StatusForbidden || r.header.Get("Content-Type") != "application/problem+json" ||
				p.Type != unsignedProblem || p.Status != http.StatusForbidden || !strings.HasPrefix(p.Detail, c.detail) {
				t.Fatalf("status %d, %s: %s; want 403 %s with detail %q…", r.status, r.header.Get("Content-Type"), r.body, unsignedProblem, c.detail)
			}
		})
	}
	t.Run("exempt health check", func(t *testing.T) {
		if r := send(t, s.plain, http.MethodGet, s.signedDirect+"/healthz", nil, nil); r.status != http.StatusOK {
			t.Fatalf("status %d: %.300s; want 200, /healthz is in MTLSGUARD_EXEMPT_PATHS", r.status, r.body)
		}
	})
	// Whoever holds the secret can mint any identity: it must stay as secret
	// as the CA key. A signature made by the Go code with it is accepted by
	// the Python code, over gunicorn's raw target with its escapes.
	t.Run("signed with the secret", func(t *testing.T) {
		h := s.forged(map[string]string{identity.DefaultSignHeader: sig(s.secret, "GET", now)})
		w := getWhoami(t, s.plain, s.signedDirect+target, h)
		if w.Verified == nil || w.Verified.CN != "admin" || w.Verified.Fingerprint != s.fingerprints["admin"] {
			t.Fatalf("whoami %+v; want the verified admin identity", w)
		}
	})
}

// testMiddlewareAdmitsProxied sends requests through the mtlsguard in front
// of the gunicorn that runs MtlsguardMiddleware: the proxy's signatures
// verify, and request.mtls_identity is the client certificate's.
func (s *stack) testMiddlewareAdmitsProxied(t *testing.T) {
	alice := s.clients["alice"]
	for _, target := range []string{"/api/whoami", "/api/whoami?page=2&q=a%2Fb&sort=-name"} {
		t.Run("GET "+target, func(t *testing.T) {
			w := getWhoami(t, alice, s.signedProxy+target, map[string]string{"X_SSL_Client_S_DN_CN": "admin"})
			if w.CN != "alice" || w.Verified == nil || w.Verified.CN != "alice" ||
				w.Verified.DN != "CN=alice" || w.Verified.Fingerprint != s.fingerprints["alice"] {
				t.Fatalf("whoami %+v; want cn alice verified with fingerprint %s", w, s.fingerprints["alice"])
			}
		})
	}
	t.Run("POST /api/items", func(t *testing.T) {
		r := send(t, alice, http.MethodPost, s.signedProxy+"/api/items", []byte(`{"name":"widget"}`), nil)
		if r.status != http.StatusCreated {
			t.Fatalf("status %d: %.300s; want 201", r.status, r.body)
		}
	})
}

// TestMiddlewareWithoutSecretStopsTheApp checks that the middleware fails
// closed: switched on without a secret, the app does not start at all
// rather than serve requests unverified.
func TestMiddlewareWithoutSecretStopsTheApp(t *testing.T) {
	requireDjango(t)
	requireGunicorn(t)
	ln, _ := loopbackListener(t)
	env := []string{"MTLSGUARD_REQUIRE_SIGNATURE=1", "MTLSGUARD_SIGN_SECRET=",
		"GUNICORN_BIND=fd://3", "GUNICORN_WORKERS=1", "PYTHONDONTWRITEBYTECODE=1"}
	p := startProcess(t, "gunicorn-no-secret", filepath.Join(djangoDir(t), "api"), env, []*os.File{ln},
		systemPython, "-m", "gunicorn", "-c", "gunicorn.conf.py", "service.wsgi")
	select {
	case <-p.done:
	case <-time.After(readyTimeout):
		t.Fatalf("gunicorn still runs %v after start; want it to refuse to boot without MTLSGUARD_SIGN_SECRET", readyTimeout)
	}
	const workerBootError = 3 // gunicorn's exit status when a worker cannot load the app
	var exit *exec.ExitError
	if !errors.As(p.err, &exit) || exit.ExitCode() != workerBootError {
		t.Fatalf("gunicorn ended with %v; want exit status %d (worker failed to boot)", p.err, workerBootError)
	}
	if log := tail(p.log, 64<<10); !strings.Contains(log, "ImproperlyConfigured: MTLSGUARD_SIGN_SECRET is empty") {
		t.Fatalf("gunicorn log does not name the missing secret:\n%s", log)
	}
}
