package checks

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"strings"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

// maxDriftProbes bounds the over-limit bodies BODY-SPEC-DRIFT sends.
const maxDriftProbes = 24

func runDrift(ctx context.Context, env *scan.Env, rule finding.Rule) scan.Outcome {
	var fs []finding.Finding
	probes, inconclusive, limits := 0, 0, 0
	for _, op := range env.Ops {
		if op.Safe() || op.Method == http.MethodDelete || !op.JSON() || len(op.Limits) == 0 {
			continue
		}
		limits += len(op.Limits)
		ok := env.Send(ctx, scan.Primary, jsonRequest(op, op.Example, "valid example"))
		if !ok.OK() {
			inconclusive++
			continue
		}
		for _, l := range op.Limits {
			if probes == maxDriftProbes {
				break
			}
			probes++
			body := overLimit(op.Example, l)
			r := env.Send(ctx, scan.Primary, jsonRequest(op, body, l.Keyword+"+1 on "+fieldName(l.Field)))
			switch {
			case r.Throttled() || r.OverBudget() || r.Err != nil:
				inconclusive++
			case r.OK():
				fs = append(fs, driftFinding(rule, op, l, r))
			}
		}
	}
	switch {
	case limits == 0:
		return scan.Skipf("the spec bounds no field of a JSON request body")
	case len(fs) > 0:
		return scan.Found(fmt.Sprintf("%d of %d limits not enforced", len(fs), probes), fs...)
	case inconclusive > 0:
		return scan.Inconclusivef("%d probes could not decide (example refused, throttled or failed)", inconclusive)
	}
	return scan.Passf("all %d over-limit bodies refused", probes)
}

func jsonRequest(op scan.Operation, body any, note string) scan.Request {
	b, _ := json.Marshal(body) // body is built from decoded JSON: always marshals
	return scan.Request{Method: op.Method, Path: op.URLPath, Body: b, ContentType: "application/json", Note: note}
}

func driftFinding(rule finding.Rule, op scan.Operation, l scan.BodyLimit, r scan.Response) finding.Finding {
	f := rule.NewFinding(
		fmt.Sprintf("spec allows %s %s for %s; server took %s", l.Keyword, num(l.Max), fieldName(l.Field), num(l.Max+1)),
		fmt.Sprintf("%s %s → %d %s", op.Method, op.URLPath, r.Status, snippet(r.Body)),
	)
	loc := finding.Location{Method: op.Method, Path: op.Path}
	if l.Location != nil {
		loc.File, loc.Line, loc.Column, loc.Pointer = l.Location.File, l.Location.Line, l.Location.Column, l.Location.Pointer
	}
	f.Location = &loc
	return f
}

func fieldName(path []string) string {
	if len(path) == 0 {
		return "the body"
	}
	return strings.Join(path, ".")
}

func num(f float64) string {
	if f == math.Trunc(f) {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprint(f)
}

// overLimit returns a copy of example with the field of l one past its bound.
func overLimit(example any, l scan.BodyLimit) any {
	return setPath(deepCopy(example), l.Field, func(old any) any { return pastLimit(old, l) })
}

// pastLimit is a value one past l's bound, shaped like old where it can be.
func pastLimit(old any, l scan.BodyLimit) any {
	n := int(l.Max) + 1
	switch l.Keyword {
	case "maxLength":
		return strings.Repeat("a", n)
	case "maxItems":
		item := any("a")
		if a, ok := old.([]any); ok && len(a) > 0 {
			item = a[0]
		}
		out := make([]any, n)
		for i := range out {
			out[i] = deepCopy(item)
		}
		return out
	case "maxProperties":
		m := map[string]any{}
		if o, ok := old.(map[string]any); ok {
			maps.Copy(m, o)
		}
		for i := 0; len(m) < n; i++ {
			m[fmt.Sprintf("k%d", i)] = "a"
		}
		return m
	case "maximum":
		return l.Max + 1
	}
	return old
}

// setPath replaces the value at path (creating objects on the way; "[]"
// steps into every element of an array) with f(old).
func setPath(v any, path []string, f func(any) any) any {
	if len(path) == 0 {
		return f(v)
	}
	if path[0] == "[]" {
		a, _ := v.([]any)
		if len(a) == 0 {
			a = []any{nil}
		}
		for i := range a {
			a[i] = setPath(a[i], path[1:], f)
		}
		return a
	}
	m, ok := v.(map[string]any)
	if !ok {
		m = map[string]any{}
	}
	m[path[0]] = setPath(m[path[0]], path[1:], f)
	return m
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		a := make([]any, len(t))
		for i, x := range t {
			a[i] = deepCopy(x)
		}
		return a
	}
	return v
}
