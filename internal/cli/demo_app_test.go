package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer that a running command writes while the
// test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestDemoAppServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out lockedBuffer
	cmd := newDemoCmd()
	cmd.SetArgs([]string{"app", "--listen", "127.0.0.1:0", "--slow-delay", "10ms"})
	cmd.SetOut(&out)
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	const prefix = "fragile app listening on "
	var url string
	for deadline := time.Now().Add(20 * time.Second); url == ""; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no listening line; output %q", out.String())
		}
		if line, ok := strings.CutPrefix(out.String(), prefix); ok && strings.HasSuffix(line, "\n") {
			url = strings.TrimSpace(line)
		}
	}
	resp, err := http.Get(url + "/api/slow")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"slept_ms":10}` {
		t.Errorf("GET /api/slow = %d %s, want 200 {\"slept_ms\":10}", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("app returned %v after cancel, want nil", err)
	}
}

func TestDemoAppRefusesBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"app", "--workers", "0"}, "--workers, --slow-delay and --max-json-depth must be positive"},
		{[]string{"app", "--listen", "256.0.0.1:0"}, "listen on 256.0.0.1:0"},
	}
	for _, tt := range tests {
		cmd := newDemoCmd()
		cmd.SetArgs(tt.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.ExecuteContext(context.Background())
		var ee *ExitError
		if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.As(err, &ee) || ee.Code != ExitUsage {
			t.Errorf("demo %v: error %v, want exit %d with %q", tt.args, err, ExitUsage, tt.want)
		}
	}
}
