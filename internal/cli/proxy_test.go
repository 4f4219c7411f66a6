package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/pki"
)

func TestProxyCommandStopsCleanlyOnCancel(t *testing.T) {
	dir := t.TempDir()
	if err := pki.InitDir(dir, false); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "guard.yaml")
	os.WriteFile(cfg, []byte("listen: 127.0.0.1:0\nupstream: http://127.0.0.1:9\ntls:\n  cert: server.crt\n  key: server.key\n  client_ca: ca.crt\nlog:\n  format: json\n"), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout bytes.Buffer
	stderr := &lockedBuffer{}
	code := make(chan int, 1)
	go func() { code <- Main(ctx, []string{"proxy", "-c", cfg}, &stdout, stderr) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), `"msg":"proxy listening"`) {
		if time.Now().After(deadline) {
			t.Fatalf("proxy never listened:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel() // what SIGTERM does through main's signal.NotifyContext
	select {
	case c := <-code:
		if c != ExitOK {
			t.Fatalf("exit %d, want 0:\n%s", c, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("proxy did not stop")
	}
	if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Errorf("no stop line:\n%s", stderr.String())
	}
}

func TestProxyCommandBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("listen: 127.0.0.1:0\nupstream: http://127.0.0.1:9\ntls:\n  cert: server.crt\n  key: server.key\n  clinet_ca: ca.crt\n"), 0o600)
	missing := filepath.Join(dir, "missing.yaml")
	os.WriteFile(missing, []byte("listen: 127.0.0.1:0\nupstream: http://127.0.0.1:9\ntls:\n  cert: nope.crt\n  key: nope.key\n  client_ca: nope.crt\n"), 0o600)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"proxy"}, "no config file: pass -c FILE"},
		{[]string{"proxy", "-c", bad}, "bad.yaml:6: tls.clinet_ca: unknown key; did you mean client_ca?"},
		{[]string{"proxy", "-c", missing}, "nope.crt"},
		{[]string{"proxy", "-c", filepath.Join(dir, "absent.yaml")}, "absent.yaml"},
	}
	for _, tc := range cases {
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), tc.args, &stdout, &stderr)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want 2; stderr %s", tc.args, code, stderr.String())
		}
		if !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: stderr %q lacks %q", tc.args, stderr.String(), tc.want)
		}
		if strings.Contains(stderr.String(), "goroutine ") {
			t.Errorf("%v: stack trace printed", tc.args)
		}
	}
}
