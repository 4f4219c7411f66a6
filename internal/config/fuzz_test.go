package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error carries a line,
// and that whatever it accepts renders to an effective config that parses
// back to the same output.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.yaml")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add(Example())
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error is %T, want Errors: %v", err, err)
			}
			for _, e := range errs {
				if e.Line < 1 || e.Problem == "" {
					t.Fatalf("error without line or problem: %+v", e)
				}
			}
			return
		}
		out, err := c.Effective()
		if err != nil {
			t.Fatalf("Effective: %v", err)
		}
		if c.Identity.signSource[0] == "sign_secret" {
			return // redacted: cannot parse back
		}
		again, err := Parse("effective.yaml", out)
		if err != nil {
			t.Fatalf("effective output does not parse:\n%s\n%v", out, err)
		}
		if out2, _ := again.Effective(); string(out2) != string(out) {
			t.Fatalf("effective output changed:\n%s\n---\n%s", out, out2)
		}
	})
}
