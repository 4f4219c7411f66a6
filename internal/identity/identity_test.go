package identity

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/pki"
)

func issue(t testing.TB, spec pki.ClientSpec) *pki.Pair {
	t.Helper()
	ca, err := pki.NewCA("identity test CA")
	if err != nil {
		t.Fatal(err)
	}
	pair, err := ca.Client(spec)
	if err != nil {
		t.Fatal(err)
	}
	return pair
}

func TestParseKeyKind(t *testing.T) {
	for _, s := range []string{"cn", "spiffe", "san-dns", "san-email", "fingerprint", "subject", "CN"} {
		k, err := ParseKeyKind(s)
		if err != nil || string(k) != strings.ToLower(s) {
			t.Errorf("ParseKeyKind(%q) = %q, %v", s, k, err)
		}
	}
	_, err := ParseKeyKind("ip")
	if err == nil || !strings.Contains(err.Error(), `"ip" is not known; use one of cn, spiffe, san-dns, san-email, fingerprint, subject`) {
		t.Errorf("ParseKeyKind(ip) error %v", err)
	}
}

func TestFromCertificateAndKey(t *testing.T) {
	pair := issue(t, pki.ClientSpec{
		CN: "alice", OUs: []string{"admins"}, Orgs: []string{"Acme"},
		SPIFFE: "spiffe://example.org/sa/alice", DNS: []string{"alice.internal", "a2.internal"},
		Emails: []string{"alice@example.org"},
	})
	id := FromCertificate(pair.Cert)
	sum := sha256.Sum256(pair.Cert.Raw)
	fp := hex.EncodeToString(sum[:])
	tests := []struct {
		kind KeyKind
		want string
	}{
		{KeyCN, "alice"},
		{KeySPIFFE, "spiffe://example.org/sa/alice"},
		{KeySANDNS, "alice.internal"},
		{KeySANEmail, "alice@example.org"},
		{KeyFingerprint, fp},
		{KeySubject, "CN=alice,OU=admins,O=Acme"},
		{KeyKind("bogus"), ""},
	}
	for _, tt := range tests {
		if got := id.Key(tt.kind); got != tt.want {
			t.Errorf("Key(%s) = %q, want %q", tt.kind, got, tt.want)
		}
	}
	if id.Serial != pair.Cert.SerialNumber.Text(16) || len(id.Fingerprint) != 64 {
		t.Errorf("serial %q fingerprint %q", id.Serial, id.Fingerprint)
	}
	bare := FromCertificate(issue(t, pki.ClientSpec{CN: "bob"}).Cert)
	for _, k := range []KeyKind{KeySPIFFE, KeySANDNS, KeySANEmail} {
		if got := bare.Key(k); got != "" {
			t.Errorf("Key(%s) of a certificate without it = %q, want empty", k, got)
		}
	}
}

func TestForwarderSetsExactHeaders(t *testing.T) {
	pair := issue(t, pki.ClientSpec{CN: "alice", OUs: []string{"admins"}, SPIFFE: "spiffe://example.org/sa/alice", DNS: []string{"alice.internal"}})
	id := FromCertificate(pair.Cert)
	sum := sha256.Sum256(pair.Cert.Raw)
	fp := hex.EncodeToString(sum[:])
	r := httptest.NewRequest("POST", "/api/items?page=2", nil)
	now := time.Unix(1700000000, 0)
	f := Forwarder{Headers: true, ClientCert: true, XFCC: true, SignSecret: []byte("s3cret")}
	h := http.Header{}
	f.Set(h, &id, r, now)
	want := map[string]string{
		"X-Ssl-Client-Verify":      "SUCCESS",
		"X-Ssl-Client-S-Dn":        "CN=alice,OU=admins",
		"X-Ssl-Client-S-Dn-Cn":     "alice",
		"X-Ssl-Client-Fingerprint": fp,
		"X-Ssl-Client-San-Uri":     "spiffe://example.org/sa/alice",
		"X-Ssl-Client-Serial":      pair.Cert.SerialNumber.Text(16),
		"X-Ssl-Client-Not-After":   pair.Cert.NotAfter.UTC().Format(time.RFC3339),
		"Client-Cert":              ":" + base64.StdEncoding.EncodeToString(pair.Cert.Raw) + ":",
		"X-Forwarded-Client-Cert":  "Hash=" + fp + `;Subject="CN=alice,OU=admins";URI=spiffe://example.org/sa/alice;DNS=alice.internal`,
		"X-Mtlsguard-Signature":    "t=1700000000,v1=" + referenceMAC("s3cret", "1700000000\n"+fp+"\nPOST\n/api/items?page=2"),
	}
	if len(h) != len(want) {
		t.Errorf("%d headers set, want %d: %v", len(h), len(want), h)
	}
	for k, v := range want {
		if got := h.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestForwarderOmitsEmptyAndHonoursSwitches(t *testing.T) {
	id := FromCertificate(issue(t, pki.ClientSpec{CN: "bob"}).Cert)
	h := http.Header{}
	(&Forwarder{Headers: true}).Set(h, &id, httptest.NewRequest("GET", "/", nil), time.Now())
	if _, ok := h["X-Ssl-Client-San-Uri"]; ok {
		t.Error("SAN-URI set for a certificate without URI SANs")
	}
	if len(h) != 6 {
		t.Errorf("%d headers, want 6: %v", len(h), h)
	}
	h = http.Header{}
	(&Forwarder{}).Set(h, &id, httptest.NewRequest("GET", "/", nil), time.Now())
	if len(h) != 0 {
		t.Errorf("zero Forwarder set %v", h)
	}
}

func TestXFCCQuoting(t *testing.T) {
	id := Identity{
		Fingerprint: "ab12",
		Subject:     `CN=a\,\"b\\,O=x`,
		URIs:        []string{"https://x.example/a;b=c"},
		DNS:         []string{"one.example", "two.example"},
	}
	want := `Hash=ab12;Subject="CN=a\\,\\\"b\\\\,O=x";URI="https://x.example/a;b=c";DNS=one.example;DNS=two.example`
	if got := XFCCValue(&id); got != want {
		t.Errorf("XFCCValue =\n%s\nwant\n%s", got, want)
	}
	if got := XFCCValue(&Identity{Fingerprint: "ff"}); got != `Hash=ff;Subject="";URI=` {
		t.Errorf("XFCCValue of a bare identity = %s", got)
	}
}
