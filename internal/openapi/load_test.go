package openapi

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadURL(t *testing.T) {
	api, err := os.ReadFile("testdata/api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api.yaml", func(w http.ResponseWriter, _ *http.Request) { w.Write(api) })
	mux.HandleFunc("/huge.yaml", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("openapi: 3.0.3\nx-pad: \""))
		w.Write([]byte(strings.Repeat("x", MaxSpecBytes)))
		w.Write([]byte("\"\n"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	s, err := Load(t.Context(), srv.URL+"/api.yaml", srv.Client())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if s.File != srv.URL+"/api.yaml" || len(s.Operations) != 9 || s.Operations[0].Loc.File != s.File {
		t.Errorf("spec from URL: file %q, %d operations, op file %q", s.File, len(s.Operations), s.Operations[0].Loc.File)
	}

	tests := []struct{ path, want string }{
		{"/missing.yaml", ": cannot fetch the spec: the server answered 404 Not Found"},
		{"/huge.yaml", ": the spec is larger than 10 MiB: mtlsguard reads smaller contracts only"},
	}
	for _, tt := range tests {
		_, err := Load(t.Context(), srv.URL+tt.path, nil)
		if err == nil || err.Error() != srv.URL+tt.path+tt.want {
			t.Errorf("Load(%s) error %v, want %s", tt.path, err, srv.URL+tt.path+tt.want)
		}
	}
}

func TestLoadRefusesLargeFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(p, make([]byte, MaxSpecBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(t.Context(), p, nil)
	want := p + ": the spec is larger than 10 MiB: mtlsguard reads smaller contracts only"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.*")
	broken, _ := filepath.Glob("testdata/broken/*")
	for _, p := range append(files, broken...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(aliasBomb()))
	f.Add([]byte("swagger: '2.0'\npaths: {/a: {get: {parameters: [{in: body, schema: {$ref: '#'}}]}}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if (s == nil) == (err == nil) {
			t.Fatalf("Parse = %v, %v: want exactly one of spec and error", s, err)
		}
		if s == nil {
			return
		}
		for _, op := range s.Operations {
			if op.Body != nil {
				op.Body.Schema.Example()
				op.Body.Schema.Walk(func(string, *Schema) bool { return true })
			}
			for _, p := range op.Params {
				p.Schema.Example()
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/api.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("api.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}
