package e2e

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/identity"
)

var update = flag.Bool("update", false, "rewrite examples/django/api/testdata/signature_vectors.json from identity.Sign")

// vector is one signature the Go proxy makes, for the Python middleware to
// reproduce.
type vector struct {
	Name        string `json:"name"`
	Secret      string `json:"secret"`
	Fingerprint string `json:"fingerprint"`
	Method      string `json:"method"`
	Target      string `json:"target"`
	Unix        int64  `json:"unix"`
	Header      string `json:"header"`
}

type vectorFile struct {
	Comment string   `json:"comment"`
	Vectors []vector `json:"vectors"`
}

// vectorInputs cover what differs between real requests: methods, query
// strings, escapes that a decoded path would lose, a non-ASCII secret (its
// UTF-8 bytes are the key on both sides) and an empty fingerprint.
var vectorInputs = []vector{
	{Name: "get", Secret: "0123456789abcdef0123456789abcdef", Fingerprint: "5d41402abc4b2a76b9719d911017c592a5d8c0f1e8a8d0c1b2a3f4e5d6c7b8a9", Method: "GET", Target: "/api/whoami", Unix: 1764806400},
	{Name: "post with query", Secret: "0123456789abcdef0123456789abcdef", Fingerprint: "aa11bb22cc33dd44ee55ff6600778899aabbccddeeff00112233445566778899", Method: "POST", Target: "/api/items?page=2&sort=-created", Unix: 1764806401},
	{Name: "escaped path", Secret: "0123456789abcdef0123456789abcdef", Fingerprint: "00000000000000000000000000000000000000000000000000000000000000ff", Method: "DELETE", Target: "/api/files/a%2Fb?q=%C3%A9", Unix: 1764806402},
	{Name: "utf-8 secret", Secret: "clé-secrète-partagée-entre-proxy-et-django", Fingerprint: "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100", Method: "PUT", Target: "/api/upload", Unix: 1764806403},
	{Name: "empty fingerprint", Secret: "0123456789abcdef0123456789abcdef", Fingerprint: "", Method: "HEAD", Target: "/", Unix: 0},
}

func vectorsPath(t *testing.T) string {
	return filepath.Join(djangoDir(t), "api", "testdata", "signature_vectors.json")
}

func makeVectors() vectorFile {
	f := vectorFile{Comment: "written by go test ./examples/django/e2e -run TestSignatureVectors -update from identity.Sign; read by api/test_mtlsguard_middleware.py"}
	for _, v := range vectorInputs {
		v.Header = identity.Sign([]byte(v.Secret), v.Fingerprint, v.Method, v.Target, time.Unix(v.Unix, 0))
		f.Vectors = append(f.Vectors, v)
	}
	return f
}

// TestSignatureVectors checks that the vectors the Python test reads are
// the ones identity.Sign makes today.
func TestSignatureVectors(t *testing.T) {
	want, err := json.MarshalIndent(makeVectors(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	path := vectorsPath(t)
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from identity.Sign's output; run go test ./examples/django/e2e -run TestSignatureVectors -update\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestPythonMiddleware runs the middleware's Python unit tests, which check
// the same vectors, with Debian's Django.
func TestPythonMiddleware(t *testing.T) {
	requireDjango(t)
	cmd := exec.Command(systemPython, "-m", "unittest", "-v", "test_mtlsguard_middleware")
	cmd.Dir = filepath.Join(djangoDir(t), "api")
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "MTLSGUARD_VECTORS="+vectorsPath(t))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python unittest: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("\nOK")) {
		t.Fatalf("python unittest did not report OK:\n%s", out)
	}
}
