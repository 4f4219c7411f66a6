package target

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
)

// SpecYAML is the OpenAPI 3.1 description of the target's routes, with
// the body limits the hardened variant enforces.
//
//go:embed testdata/api.yaml
var SpecYAML []byte

// WriteSpec writes SpecYAML to dir/api.yaml and returns its path.
func WriteSpec(dir string) (string, error) {
	p := filepath.Join(dir, "api.yaml")
	if err := os.WriteFile(p, SpecYAML, 0o600); err != nil {
		return "", fmt.Errorf("write target spec: %w", err)
	}
	return p, nil
}
