package checks

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

// adminSegments mark a --path as privileged when there is no spec. "ops"
// is not one: APIs put ping and health endpoints under it.
var adminSegments = []string{"admin", "admins", "administrator", "internal", "manage", "management", "staff", "superuser", "root", "debug", "actuator"}

// privilegedOps are the operations AUTHZ-BFLA probes: the spec's
// privileged ones (DELETE left out: a vulnerable API would delete), only
// GET/HEAD under --passive; without a spec, --path entries with an
// admin-ish segment.
func privilegedOps(env *scan.Env) []scan.Operation {
	var ops []scan.Operation
	for _, op := range env.Ops {
		if op.Privileged && op.Method != http.MethodDelete && (!env.Passive || op.Safe()) {
			ops = append(ops, op)
		}
	}
	if len(env.Ops) > 0 {
		return ops
	}
	for _, p := range env.Paths {
		segs := strings.Split(strings.ToLower(strings.Trim(strings.SplitN(p, "?", 2)[0], "/")), "/")
		if slices.ContainsFunc(segs, func(s string) bool { return slices.Contains(adminSegments, s) }) {
			ops = append(ops, scan.Operation{Method: http.MethodGet, Path: p, URLPath: p})
		}
	}
	return ops
}

func runBFLA(ctx context.Context, env *scan.Env, rule finding.Rule) scan.Outcome {
	ops := privilegedOps(env)
	if len(ops) == 0 {
		return scan.Skipf("no privileged operation known (mark them in the spec with admin tags or x-roles, or give --path /admin/…)")
	}
	var fs []finding.Finding
	var refused []string
	inconclusive := 0
	for _, op := range ops {
		req := scan.Request{Method: op.Method, Path: op.URLPath, Note: "as the low-privilege identity"}
		if op.JSON() {
			req = jsonRequest(op, op.Example, "as the low-privilege identity")
		}
		r := env.Send(ctx, scan.Low, req)
		switch {
		case r.Throttled() || r.OverBudget() || r.Err != nil:
			inconclusive++
		case r.OK():
			f := rule.NewFinding(fmt.Sprintf("%s %s as the low-privilege identity → %d %s", op.Method, op.URLPath, r.Status, snippet(r.Body)))
			f.Location = opLocation(op)
			fs = append(fs, f)
		default:
			refused = append(refused, fmt.Sprintf("%s %s → %d", op.Method, op.URLPath, r.Status))
		}
	}
	switch {
	case len(fs) > 0:
		return scan.Found(fmt.Sprintf("%d of %d privileged operations served the low-privilege identity", len(fs), len(ops)), fs...)
	case inconclusive > 0:
		return scan.Inconclusivef("%d of %d probes throttled or failed", inconclusive, len(ops))
	}
	return scan.Passf("refused: %s", strings.Join(refused, ", "))
}

func opLocation(op scan.Operation) *finding.Location {
	if op.Location != nil {
		l := *op.Location
		return &l
	}
	return &finding.Location{Method: op.Method, Path: op.Path}
}
