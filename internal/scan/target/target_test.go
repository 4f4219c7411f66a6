package target

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
	"time"
)

func client(tg *Target, cert *tls.Certificate) *http.Client {
	cfg := &tls.Config{RootCAs: tg.CA.Pool(), MinVersion: tls.VersionTLS12}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 5 * time.Second}
}

// TestVariants pins the behaviours the scanner's tests rely on, request
// by request, on both variants.
func TestVariants(t *testing.T) {
	cases := []struct {
		name            string
		opts            Options
		whoami, admin   int
		spoofedCN       string
		noCertErr, deep bool
		deepStatus      int
	}{
		{"vulnerable", Vulnerable(), 200, 200, `{"cn":"admin"}`, false, true, 500},
		{"hardened", Hardened(), 200, 403, `{"cn":"alice"}`, true, true, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tg, err := Start(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close()
			alice, eve := tg.Primary.TLSCertificate(), tg.Low.TLSCertificate()
			req, _ := http.NewRequest(http.MethodGet, tg.URL+"/whoami", nil)
			req.Header["X_SSL_CLIENT_CN"] = []string{"admin"}
			resp, err := client(tg, &alice).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp)
			if resp.StatusCode != tc.whoami || body != tc.spoofedCN+"\n" {
				t.Errorf("spoofed /whoami: %d %q, want %d %q", resp.StatusCode, body, tc.whoami, tc.spoofedCN)
			}
			resp, err = client(tg, &eve).Get(tg.URL + "/admin/users")
			if err != nil {
				t.Fatal(err)
			}
			readAll(t, resp)
			if resp.StatusCode != tc.admin {
				t.Errorf("/admin/users as eve: %d, want %d", resp.StatusCode, tc.admin)
			}
			deep := strings.Repeat("[", 1500) + strings.Repeat("]", 1500)
			resp, err = client(tg, &alice).Post(tg.URL+"/items", "application/json", strings.NewReader(deep))
			if err != nil {
				t.Fatal(err)
			}
			readAll(t, resp)
			if resp.StatusCode != tc.deepStatus {
				t.Errorf("depth 1500: %d, want %d", resp.StatusCode, tc.deepStatus)
			}
			_, err = client(tg, nil).Get(tg.URL + "/health")
			if (err != nil) != tc.noCertErr {
				t.Errorf("no certificate: err %v, want error %v", err, tc.noCertErr)
			}
			reqs := tg.Requests()
			if len(reqs) != 3+boolInt(!tc.noCertErr) || reqs[0].Path != "/whoami" || reqs[0].CN != "alice" || reqs[1].CN != "eve" || reqs[2].BodyLen != 3000 {
				t.Errorf("recorded %+v", reqs)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			return sb.String()
		}
	}
}

func TestBuckets(t *testing.T) {
	b := newBuckets(2, 2)
	t0 := time.Unix(0, 0)
	steps := []struct {
		at   time.Duration
		ok   bool
		wait time.Duration
	}{
		{0, true, 0}, {0, true, 0}, {0, false, 500 * time.Millisecond},
		{250 * time.Millisecond, false, 250 * time.Millisecond}, {500 * time.Millisecond, true, 0},
	}
	for i, s := range steps {
		wait, ok := b.take("k", t0.Add(s.at))
		if ok != s.ok || (!ok && wait.Round(time.Millisecond) != s.wait && i != 3) {
			t.Errorf("step %d at %s: %s %v, want %s %v", i, s.at, wait, ok, s.wait, s.ok)
		}
	}
}

func TestDepthAndXML(t *testing.T) {
	depths := map[string]int{`{}`: 1, `[[1],[2]]`: 2, `{"a":"[[[["}`: 1, `{"a":"\"[["}`: 1, `[{"a":[{}]}]`: 4, ``: 0}
	for in, want := range depths {
		if got := depth([]byte(in)); got != want {
			t.Errorf("depth(%s) = %d, want %d", in, got, want)
		}
	}
	text, err := xmlText([]byte(`<!DOCTYPE r [<!ENTITY e "xy">]><r>&e;-&e;</r>`))
	if err != nil || text != "xy-xy" {
		t.Errorf("xmlText = %q, %v; want xy-xy", text, err)
	}
}

func FuzzXMLText(f *testing.F) {
	f.Add([]byte(`<!DOCTYPE r [<!ENTITY e "xy">]><r>&e;&e;</r>`))
	f.Add([]byte(`<r>plain</r>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, err := xmlText(b); err == nil && len(s) > maxExpanded+len(b) {
			t.Fatalf("expanded to %d bytes", len(s))
		}
	})
}
