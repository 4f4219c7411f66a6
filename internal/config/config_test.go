package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the output:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestValidConfigsMatchGoldenEffectiveOutput(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	if len(files) < 2 {
		t.Fatalf("found %d valid fixtures, want at least 2", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			c, err := Load(file)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			out, err := c.Effective()
			if err != nil {
				t.Fatalf("Effective: %v", err)
			}
			golden(t, filepath.Join("testdata", name+".golden"), out)
			// The effective config is itself a valid config that says the same.
			again, err := Parse(name+".effective.yaml", out)
			if err != nil {
				t.Fatalf("effective output does not parse:\n%v", err)
			}
			out2, _ := again.Effective()
			if string(out2) != string(out) {
				t.Errorf("effective output changes when parsed again:\n%s", out2)
			}
		})
	}
}

func TestInvalidConfigsReportEveryProblem(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.yaml")
	if len(files) < 20 {
		t.Fatalf("found %d invalid fixtures, want at least 20", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(filepath.Base(file), data)
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", c)
			}
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error is %T, want config.Errors: %v", err, err)
			}
			for _, e := range errs {
				if e.Line < 1 || e.Problem == "" || e.File != filepath.Base(file) {
					t.Errorf("incomplete error %+v", e)
				}
			}
			golden(t, strings.TrimSuffix(file, ".yaml")+".err", []byte(err.Error()+"\n"))
		})
	}
	errFiles, _ := filepath.Glob("testdata/invalid/*.err")
	if len(errFiles) != len(files) && !*update {
		t.Errorf("%d .err files for %d fixtures: remove stale ones", len(errFiles), len(files))
	}
}

func TestErrorFieldsNameLineKeyAndFix(t *testing.T) {
	const base = "listen: 127.0.0.1:8443\nupstream: http://127.0.0.1:8000\ntls:\n  cert: s.crt\n  key: s.key\n  client_ca: ca.crt\n"
	tests := []struct {
		name, yaml string
		want       Error
	}{
		{"bad rate", base + "defaults:\n  rate: 20 per sec\n", Error{File: "guard.yaml", Line: 8, Key: "defaults.rate",
			Problem: `"20 per sec" is not a rate`, Fix: "write N/s, N/m or N/h, e.g. 20/s, or off for no limit"}},
		{"typo in tls", strings.Replace(base, "client_ca", "clinet_ca", 1), Error{File: "guard.yaml", Line: 6, Key: "tls.clinet_ca",
			Problem: "unknown key", Fix: "did you mean client_ca?"}},
		{"unknown group", base + "routes:\n  - path: /a\n    allow: [x]\n", Error{File: "guard.yaml", Line: 9, Key: "routes[0].allow[0]",
			Problem: "no group named x", Fix: "define it under groups, or write id:x for a single identity"}},
		{"legacy tls", base + "  min_version: \"1.1\"\n", Error{File: "guard.yaml", Line: 7, Key: "tls.min_version",
			Problem: "TLS 1.1 is deprecated (RFC 8996) and lacks modern cipher suites", Fix: `write "1.2" or "1.3"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("guard.yaml", []byte(tt.yaml))
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("got %v, want Errors", err)
			}
			if len(errs) != 1 || errs[0] != tt.want {
				t.Errorf("got %#v\nwant %#v", errs, tt.want)
			}
		})
	}
}

func TestMinimalConfigGetsSafeDefaults(t *testing.T) {
	c, err := Load("testdata/valid/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Defaults != DefaultLimits() {
		t.Errorf("Defaults = %+v, want DefaultLimits()", c.Defaults)
	}
	if got := c.Defaults.Rate.String(); got != "20/s" || c.Defaults.Burst != 40 || c.Defaults.MaxInflight != 8 ||
		c.Defaults.MaxConns != 32 || c.Defaults.MaxBody != 1<<20 {
		t.Errorf("defaults: rate %s burst %d inflight %d conns %d body %d", got, c.Defaults.Burst,
			c.Defaults.MaxInflight, c.Defaults.MaxConns, c.Defaults.MaxBody)
	}
	if c.TLS.Cert != filepath.Join("testdata", "valid", "server.crt") {
		t.Errorf("TLS.Cert = %q, want it resolved against the file's directory", c.TLS.Cert)
	}
	if c.Metrics != "" || c.UpstreamCapacity.MaxInflight != 0 || c.UpstreamCapacity.Auto || c.Identity.SignSecret != nil {
		t.Errorf("optional features on by default: %+v", c)
	}
}

func TestFullConfigTypedValues(t *testing.T) {
	c, err := Load("testdata/valid/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(c.Identity.SignSecret) != "0123456789abcdef0123456789abcdef-signing" {
		t.Errorf("SignSecret = %q", c.Identity.SignSecret)
	}
	if len(c.Groups) != 2 || c.Groups[0].Name != "admins" || c.Groups[0].Line != 31 || c.Groups[1].Name != "workloads" {
		t.Errorf("groups = %+v", c.Groups)
	}
	if got := c.Groups[0].Match; len(got.OU) != 2 || got.OU[1] != "ops" || len(got.CN) != 1 || got.CN[0] != "root" {
		t.Errorf("admins match = %+v", got)
	}
	if len(c.Routes) != 3 || c.Routes[0].Methods[0] != "POST" || c.Routes[1].Line != 49 || *c.Routes[0].Overrides.MaxBody != 20<<20 {
		t.Errorf("routes = %+v", c.Routes)
	}
	if r := c.Routes[1].Overrides.Rate; r == nil || !r.Unlimited() {
		t.Errorf("rate: off on /api/admin/ = %v, want an unlimited override", r)
	}
	if c.UpstreamCapacity != (Capacity{Auto: true, Min: 2, Max: 64, MaxQueue: 16, MaxQueueWait: 500e6}) {
		t.Errorf("capacity = %+v", c.UpstreamCapacity)
	}
	if c.Upstream.String() != "https://app.internal:8000/base" || c.Listen != "[::1]:8443" {
		t.Errorf("upstream %v listen %v", c.Upstream, c.Listen)
	}
}

func TestExampleIsValid(t *testing.T) {
	c, err := Parse("example.yaml", Example())
	if err != nil {
		t.Fatal(err)
	}
	if c.Defaults != DefaultLimits() {
		t.Errorf("example's defaults %+v differ from DefaultLimits()", c.Defaults)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want os.ErrNotExist", err)
	}
}

func TestSignSecretFromEnvironment(t *testing.T) {
	t.Setenv("MTLSGUARD_TEST_SECRET", strings.Repeat("k", 32))
	c, err := Parse("guard.yaml", []byte("listen: :8443\nupstream: http://a\ntls: {cert: c, key: k, client_ca: ca}\nidentity: {sign_secret_env: MTLSGUARD_TEST_SECRET}\n"))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := c.Effective()
	if string(c.Identity.SignSecret) != strings.Repeat("k", 32) || strings.Contains(string(out), "kkkk") ||
		!strings.Contains(string(out), "sign_secret_env: MTLSGUARD_TEST_SECRET") {
		t.Errorf("secret %q, effective:\n%s", c.Identity.SignSecret, out)
	}
}

func TestInlineSecretIsRedacted(t *testing.T) {
	secret := "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t"
	c, err := Parse("guard.yaml", []byte("listen: :8443\nupstream: http://a\ntls: {cert: c, key: k, client_ca: ca}\nidentity: {sign_secret: "+secret+"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := c.Effective()
	if strings.Contains(string(out), secret) || !strings.Contains(string(out), "sign_secret: (redacted)") {
		t.Errorf("effective config shows the secret:\n%s", out)
	}
}

func TestReferenceDocumentsEveryKey(t *testing.T) {
	golden(t, "REFERENCE.md", []byte(referenceMarkdown()))
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, k := range reference {
		documented[k.key] = true
		if !strings.Contains(k.key, "…") && !strings.Contains(string(doc), strings.TrimPrefix(k.key, "groups.NAME.match.")) {
			t.Errorf("doc.go does not mention %s", k.key)
		}
	}
	// full.yaml sets every key; every key it sets is documented, and the reverse.
	d := newDecoder("full.yaml", "testdata/valid")
	data, _ := os.ReadFile("testdata/valid/full.yaml")
	if d.decodeFile(data) == nil || len(d.errs) > 0 {
		t.Fatalf("full.yaml: %v", d.errs)
	}
	used := map[string]bool{}
	for path := range d.lines {
		used[referenceKey(path)] = true
	}
	for key := range used {
		if !documented[key] && !isSection(key) {
			t.Errorf("key %s is not in the reference", key)
		}
	}
	// Only one of the three secret keys can be set; the other two have tests of their own.
	used["identity.sign_secret"], used["identity.sign_secret_env"] = true, true
	for key := range documented {
		if !used[key] && !strings.Contains(key, "…") {
			t.Errorf("full.yaml does not set %s", key)
		}
	}
}

// isSection reports whether key holds documented keys (tls, defaults.json, groups.NAME).
func isSection(key string) bool {
	for _, k := range reference {
		if strings.HasPrefix(k.key, key+".") || strings.HasPrefix(k.key, key+"[") {
			return true
		}
	}
	return false
}

var (
	groupPath  = regexp.MustCompile(`^groups\.[^.]+`)
	routeIndex = regexp.MustCompile(`^routes\[\d+\]`)
	listIndex  = regexp.MustCompile(`\[\d+\]$`)
)

// referenceKey maps a decoded key path to its row in the reference:
// groups.admins.match.ou → groups.NAME.match.ou, routes[2].rate → routes[].rate … weight.
func referenceKey(path string) string {
	path = listIndex.ReplaceAllString(path, "")
	path = groupPath.ReplaceAllString(path, "groups.NAME")
	path = routeIndex.ReplaceAllString(path, "routes[]")
	for _, section := range []string{"groups.NAME", "routes[]"} {
		if rest, ok := strings.CutPrefix(path, section+"."); ok && isDefaultsKey("defaults."+rest) {
			return section + ".rate … weight"
		}
	}
	return path
}

// isDefaultsKey reports whether key is a documented key under defaults, or
// one of its sections (defaults.json).
func isDefaultsKey(key string) bool {
	for _, k := range reference {
		if k.key == key || strings.HasPrefix(k.key, key+".") && strings.HasPrefix(key, "defaults.") {
			return true
		}
	}
	return false
}

func BenchmarkParseFull(b *testing.B) {
	data, err := os.ReadFile("testdata/valid/full.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := parse("full.yaml", data, "testdata/valid"); err != nil {
			b.Fatal(err)
		}
	}
}
