package proxy

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/identity"
)

// Every spelling of an identity header a client might send, with '-' and
// '_' mixed: WSGI maps them all onto the same HTTP_… key.
var spoofed = []string{
	"X-SSL-Client-CN", "x_ssl_client_cn", "X-Ssl-Client_S-Dn", "X_SSL_CLIENT_S_DN_CN", "X-SSL-Client-Verify",
	"X-SSL-Client-Fingerprint", "SSL_CLIENT_S_DN_CN", "Ssl-Client-Verify", "X-Client-Cert", "X_Client_Certificate",
	"Client-Cert", "client_cert_chain", "X-Forwarded-Client-Cert", "X-Forwarded-Tls-Client-Cert",
	"X-Forwarded-Tls-Client-Cert-Info", "X-Mtlsguard-Signature", "X-Remote-User",
}

func TestIdentityHeadersStrippedAndSet(t *testing.T) {
	clock := newFakeClock()
	secret := strings.Repeat("s", 32)
	r := startProxy(t, "identity:\n  strip_headers: [X-Remote-User]\n  sign_secret: "+secret+"\n", clock.Now)
	req, _ := http.NewRequest(http.MethodGet, r.url("/whoami?x=1"), nil)
	for _, h := range spoofed {
		req.Header[h] = []string{"admin"} // raw key: keep the client's exact spelling
	}
	req.Header.Set("X-Forwarded-For", "10.9.9.9")
	if res := do(t, r.client(t, "alice", false), req); res.status != 200 {
		t.Fatalf("status %d", res.status)
	}
	got := r.up.requests()[0]
	for name, vals := range got.Header {
		for _, v := range vals {
			if v == "admin" {
				t.Errorf("spoofed header %s: %s reached the app", name, v)
			}
		}
	}
	leaf := r.pki.clients["alice"].Cert
	sum := sha256.Sum256(leaf.Raw)
	fp := hex.EncodeToString(sum[:])
	want := map[string]string{
		"X-Ssl-Client-Verify":      "SUCCESS",
		"X-Ssl-Client-S-Dn-Cn":     "alice",
		"X-Ssl-Client-Fingerprint": fp,
		"Client-Cert":              ":" + base64.StdEncoding.EncodeToString(leaf.Raw) + ":",
		"X-Forwarded-Proto":        "https",
		"X-Forwarded-For":          "127.0.0.1",
	}
	for k, v := range want {
		if g := got.Header.Get(k); g != v {
			t.Errorf("%s = %q, want %q", k, g, v)
		}
	}
	if dn := got.Header.Get("X-SSL-Client-S-DN"); !strings.Contains(dn, "CN=alice") || !strings.Contains(dn, "OU=users") {
		t.Errorf("S-DN = %q", dn)
	}
	if xfcc := got.Header.Get("X-Forwarded-Client-Cert"); !strings.HasPrefix(xfcc, "Hash="+fp+";") {
		t.Errorf("XFCC = %q", xfcc)
	}
	if n := len(got.Header.Values("X-Forwarded-Client-Cert")); n != 1 {
		t.Errorf("%d XFCC values, want 1", n)
	}
	sig := got.Header.Get("X-Mtlsguard-Signature")
	if err := identity.Verify([]byte(secret), sig, fp, http.MethodGet, "/whoami?x=1", clock.Now(), time.Minute); err != nil {
		t.Errorf("signature %q does not verify: %v", sig, err)
	}
	if err := identity.Verify([]byte(secret), sig, fp, http.MethodPost, "/whoami?x=1", clock.Now(), time.Minute); err == nil {
		t.Error("signature verified for another method")
	}
}

func TestForwardSubset(t *testing.T) {
	r := startProxy(t, "identity:\n  forward: [xfcc]\n", nil)
	if res := get(t, r.client(t, "alice", false), r.url("/x")); res.status != 200 {
		t.Fatal(res.status)
	}
	got := r.up.requests()[0].Header
	if got.Get("X-Forwarded-Client-Cert") == "" {
		t.Error("XFCC missing")
	}
	for _, h := range []string{"X-SSL-Client-Verify", "Client-Cert", "X-Mtlsguard-Signature"} {
		if got.Get(h) != "" {
			t.Errorf("%s set though not forwarded: %q", h, got.Get(h))
		}
	}
}
