package audit

import (
	"os"
	"testing"

	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

func TestDump(t *testing.T) {
	p := os.Getenv("DUMP")
	if p == "" {
		t.Skip()
	}
	s, err := openapi.Load(t.Context(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Audit(s) {
		t.Logf("%s %d:%d %s %s %s %q", f.ID, f.Location.Line, f.Location.Column, f.Location.Method, f.Location.Path, f.Location.Pointer, f.Evidence)
	}
}
