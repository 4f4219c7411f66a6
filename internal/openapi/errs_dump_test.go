package openapi

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDumpErrs(t *testing.T) {
	if os.Getenv("DUMP") == "" {
		t.Skip()
	}
	files, _ := filepath.Glob("testdata/broken/*")
	for _, f := range files {
		_, err := Load(t.Context(), f, nil)
		t.Logf("%v", err)
	}
}
