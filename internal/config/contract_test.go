package config

import (
	"path/filepath"
	"testing"
)

func TestOpenAPIContractIsReadWithTheConfig(t *testing.T) {
	c, err := Load("testdata/valid/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	o := c.OpenAPI
	if want := filepath.Join("testdata", "valid", "contract.json"); o.Spec != want || !o.Enforce || o.UnknownOperations != UnknownRefuse {
		t.Fatalf("OpenAPI = {Spec: %q, Enforce: %v, UnknownOperations: %q}, want {%q, true, refuse}", o.Spec, o.Enforce, o.UnknownOperations, want)
	}
	if o.Contract == nil || len(o.Contract.Operations) != 1 {
		t.Fatalf("Contract = %+v, want the fixture's one operation", o.Contract)
	}
	if op := o.Contract.Operations[0]; op.Method != "POST" || op.Path != "/items" || op.Body == nil {
		t.Errorf("operation %s %s, body %v; want POST /items with a body", op.Method, op.Path, op.Body)
	}

	c, err = Load("testdata/valid/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.OpenAPI != (OpenAPI{UnknownOperations: UnknownPass}) {
		t.Errorf("minimal config has a contract: %+v", c.OpenAPI)
	}
}
