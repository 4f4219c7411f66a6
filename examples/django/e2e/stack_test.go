package e2e

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

// systemPython is Debian's interpreter, the one python3-django and gunicorn
// install for; a pyenv or venv python3 earlier on PATH would not see them.
const systemPython = "/usr/bin/python3"

const (
	readyTimeout  = 20 * time.Second
	stopTimeout   = 10 * time.Second
	clientTimeout = 15 * time.Second
)

// djangoDir returns examples/django, found from this file's path so that the
// test runs from any working directory.
func djangoDir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("runtime.Caller cannot locate the test file")
	}
	return filepath.Dir(filepath.Dir(file))
}

// requireDjango skips the test when the system Python cannot import Django.
func requireDjango(t *testing.T) {
	t.Helper()
	requirePythonModule(t, "django", "python3-django")
}

// requireGunicorn skips the test when the system Python has no gunicorn.
func requireGunicorn(t *testing.T) {
	t.Helper()
	requirePythonModule(t, "gunicorn", "gunicorn")
}

func requirePythonModule(t *testing.T, module, debPackage string) {
	t.Helper()
	out, err := exec.Command(systemPython, "-c", "import "+module).CombinedOutput()
	if err != nil {
		t.Skipf("skipping the Django end-to-end test: %s cannot import %s (%v: %s); install it with: apt-get install -y %s",
			systemPython, module, err, bytes.TrimSpace(out), debPackage)
	}
}

// process is a child the test started. Its output goes to a log file that
// is printed when the test fails.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// startProcess starts argv in dir with env (added to the test's own) and
// stops it when the test ends. extra become the child's fds 3, 4, ...
func startProcess(t *testing.T, name, dir string, env []string, extra []*os.File, argv ...string) *process {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	out, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.ExtraFiles = extra
	// Its own process group, so that gunicorn's workers can be ended with
	// their master if the master does not end them itself.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop sends SIGTERM and, if the process has not exited within
// stopTimeout, SIGKILL to its process group (the process and the children
// it forked, nothing else).
func (p *process) stop(t *testing.T) {
	start := time.Now()
	defer func() {
		if d := time.Since(start); d > time.Second {
			t.Logf("%s took %v to stop", p.name, d.Round(time.Millisecond))
		}
	}()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		t.Logf("%s did not stop within %v; killing its process group", p.name, stopTimeout)
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
	if t.Failed() {
		t.Logf("--- %s output (last 6 KiB) ---\n%s", p.name, tail(p.log, 6<<10))
	}
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// errExited is returned by ready when the process ended while it waited.
var errExited = errors.New("exited before it was ready")

// waitReady polls url with client until it answers 200, and fails the test
// if the process exits first or readyTimeout passes.
func (p *process) waitReady(t *testing.T, c *http.Client, url string) {
	t.Helper()
	if err := p.ready(c, url); err != nil {
		t.Fatalf("%s: %v\n%s", p.name, err, tail(p.log, 6<<10))
	}
}

// ready polls url with client until it answers 200 (nil), the process
// exits (errExited) or readyTimeout passes.
func (p *process) ready(c *http.Client, url string) error {
	deadline := time.Now().Add(readyTimeout)
	var last error
	for time.Now().Before(deadline) {
		res, err := c.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			err = errors.New(res.Status)
		}
		last = err
		select {
		case <-p.done:
			return fmt.Errorf("%w (%v)", errExited, p.err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("not ready at %s within %v: %w", url, readyTimeout, last)
}

// run runs a command to completion and fails the test with its output if it
// fails.
func run(t *testing.T, dir string, argv ...string) []byte {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return out
}

// buildMtlsguard builds the binary from the module root into dir.
func buildMtlsguard(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "mtlsguard")
	run(t, filepath.Join(djangoDir(t), "..", ".."), "go", "build", "-o", bin, "./cmd/mtlsguard")
	return bin
}

// loopbackListener returns a listening socket on a free loopback port as a
// file to hand to a child (gunicorn binds fd://3), so no port is ever
// chosen and then lost to a race.
func loopbackListener(t *testing.T) (*os.File, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, ln.Addr().String()
}

// freeAddr returns a loopback address that was free a moment ago, for the
// proxy, whose config takes an address rather than a socket.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// guardConfig writes the shipped guard.yaml to dir with only listen and
// upstream changed; its tls paths (certs/...) resolve to dir/certs.
func guardConfig(t *testing.T, dir, name, listen, upstream string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(djangoDir(t), "guard.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(src, &cfg); err != nil {
		t.Fatalf("guard.yaml: %v", err)
	}
	cfg["listen"], cfg["upstream"] = listen, upstream
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// guardDefaults returns defaults.rate (per second) and defaults.burst of
// guard.yaml.
func guardDefaults(t *testing.T) (rate float64, burst int) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(djangoDir(t), "guard.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Defaults struct {
			Rate  string `yaml:"rate"`
			Burst int    `yaml:"burst"`
		} `yaml:"defaults"`
	}
	if err := yaml.Unmarshal(src, &cfg); err != nil {
		t.Fatalf("guard.yaml: %v", err)
	}
	n, ok := strings.CutSuffix(cfg.Defaults.Rate, "/s")
	rate, err = strconv.ParseFloat(n, 64)
	if !ok || err != nil || cfg.Defaults.Burst < 1 {
		t.Fatalf("guard.yaml: defaults.rate %q, burst %d; the test reads N/s and a burst of at least 1",
			cfg.Defaults.Rate, cfg.Defaults.Burst)
	}
	return rate, cfg.Defaults.Burst
}

// mtlsClient returns a client that presents dir/name.crt and trusts
// dir/ca.crt, and the SHA-256 fingerprint of its certificate.
func mtlsClient(t *testing.T, dir, name string) (*http.Client, string) {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key"))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatalf("%s/ca.crt holds no certificate", dir)
	}
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 8,
	}
	sum := sha256.Sum256(pair.Certificate[0])
	return &http.Client{Transport: tr, Timeout: clientTimeout}, hex.EncodeToString(sum[:])
}

// reply is a response read in full.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// problemType returns the RFC 9457 type of a problem+json reply, or "".
func (r reply) problemType() string {
	var p struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(r.body, &p)
	return p.Type
}

// send sends one request and fails the test if there is no answer. header
// keys are sent exactly as written, so that X_SSL_Client_S_DN_CN keeps its
// underscores.
func send(t *testing.T, c *http.Client, method, url string, body []byte, header map[string]string) reply {
	t.Helper()
	r, err := do(c, method, url, body, header)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// do is send for goroutines other than the test's.
func do(c *http.Client, method, url string, body []byte, header map[string]string) (reply, error) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = []string{v}
	}
	res, err := c.Do(req)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: reading the body: %w", method, url, err)
	}
	return reply{status: res.StatusCode, header: res.Header, body: b}, nil
}
