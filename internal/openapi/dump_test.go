package openapi

import (
	"encoding/json"
	"os"
	"testing"
)

func TestDump(t *testing.T) {
	p := os.Getenv("DUMP")
	if p == "" {
		t.Skip()
	}
	s, err := Load(t.Context(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(s, "", " ")
	os.WriteFile("/tmp/dump/out.json", b, 0o644)
	for _, op := range s.Operations {
		if op.Body != nil && op.Body.Schema != nil {
			b, _ := json.Marshal(op.Body.Schema.Example())
			t.Logf("%s %s example %s", op.Method, op.Path, b)
		}
	}
}
