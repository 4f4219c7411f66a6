package checks

import (
	"context"
	"fmt"

	"github.com/mtlsguard/mtlsguard/internal/audit"
	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

// Static returns the static contract rules as checks: each reports the
// findings of its rule from the spec's audit.
func Static() []scan.Check {
	var cs []scan.Check
	for _, r := range audit.Rules() {
		cs = append(cs, check{rule: r, needs: scan.Needs{Spec: true}, run: runStatic})
	}
	return cs
}

func runStatic(_ context.Context, env *scan.Env, rule finding.Rule) scan.Outcome {
	var fs []finding.Finding
	for _, f := range env.Contract.Static {
		if f.ID == rule.ID {
			fs = append(fs, f)
		}
	}
	if len(fs) == 0 {
		return scan.Passf("no finding in %s", env.Contract.File)
	}
	return scan.Found(fmt.Sprintf("%d places in %s", len(fs), env.Contract.File), fs...)
}
