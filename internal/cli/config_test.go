package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mtlsguard/mtlsguard/internal/config"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigCheckValidPrintsEffectiveConfig(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "guard.yaml", "listen: 127.0.0.1:8443\nupstream: http://127.0.0.1:8000\n"+
		"tls: {cert: server.crt, key: server.key, client_ca: ca.crt}\ngroups:\n  admins: {match: {ou: admins}, rate: 200/s}\n")
	code, stdout, stderr := runCLI(t, "config", "check", "-c", path)
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	wantStart := "listen: 127.0.0.1:8443\nupstream: http://127.0.0.1:8000\ntls:\n  cert: " + filepath.Join(dir, "server.crt") + "\n"
	for _, want := range []string{wantStart, "defaults:\n  rate: 20/s\n  burst: 40\n", "groups:\n  admins:\n    match:\n      ou:\n        - admins\n    rate: 200/s\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.HasPrefix(stdout, wantStart) {
		t.Errorf("stdout does not start with listen, upstream, tls:\n%s", stdout)
	}
	c, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := c.Effective(); stdout != string(want) {
		t.Errorf("stdout is not the effective config:\n%s", stdout)
	}
}

func TestConfigCheckInvalidListsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "guard.yaml", "listen: 127.0.0.1:8443\nupstream: http://127.0.0.1:8000\n"+
		"tls:\n  cert: server.crt\n  key: server.key\n  clinet_ca: ca.crt\ndefaults:\n  rate: 20 per sec\n")
	code, stdout, stderr := runCLI(t, "config", "check", "-c", path)
	want := path + ":6: tls.clinet_ca: unknown key; did you mean client_ca?\n" +
		path + `:8: defaults.rate: "20 per sec" is not a rate; write N/s, N/m or N/h, e.g. 20/s, or off for no limit` + "\n" +
		"mtlsguard: " + path + ": 2 problems; fix them and run 'mtlsguard config check -c " + path + "' again\n"
	if code != ExitUsage || stdout != "" || stderr != want {
		t.Errorf("exit %d, stdout %q\nstderr:\n%s\nwant:\n%s", code, stdout, stderr, want)
	}
}

func TestConfigCheckUsageErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	tests := []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{"no file", []string{"config", "check"}, "mtlsguard: no config file: pass -c FILE (see 'mtlsguard config example')\n"},
		{"missing file", []string{"config", "check", "-c", missing}, "mtlsguard: read config: open " + missing + ": no such file or directory\n"},
		{"stray argument", []string{"config", "check", "-c", missing, "extra"}, "mtlsguard: unknown command \"extra\" for \"mtlsguard config check\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != ExitUsage || stdout != "" || stderr != tt.wantStderr {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2, stderr %q", code, stdout, stderr, tt.wantStderr)
			}
		})
	}
}

func TestConfigExamplePrintsAValidConfig(t *testing.T) {
	code, stdout, stderr := runCLI(t, "config", "example")
	if code != ExitOK || stderr != "" || stdout != string(config.Example()) {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
	path := writeFile(t, t.TempDir(), "example.yaml", stdout)
	if code, _, stderr := runCLI(t, "config", "check", "-c", path); code != ExitOK {
		t.Errorf("config check of the example: exit %d\n%s", code, stderr)
	}
}
