package checks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

// depthSteps pass Python's recursion limit (~1,000) and Go's encoding/json
// limit (10,000).
var depthSteps = []int{1500, 12000}

// nested is a JSON array nested depth levels deep.
func nested(depth int) []byte {
	return append(bytes.Repeat([]byte{'['}, depth), bytes.Repeat([]byte{']'}, depth)...)
}

func runDepth(ctx context.Context, env *scan.Env, rule finding.Rule) scan.Outcome {
	t, ok := jsonTarget(env)
	if !ok {
		return scan.Skipf("no operation takes a JSON body (give --spec, or --path for a POST endpoint)")
	}
	control := t.send(ctx, env, nested(2), "JSON depth 2 (control)")
	if crashed(control) {
		return scan.Inconclusivef("%s %s fails even on JSON nested 2 deep (%s)", t.method, t.path, statusOf(control))
	}
	var evidence, seen []string
	for _, d := range depthSteps {
		r := t.send(ctx, env, nested(d), fmt.Sprintf("JSON depth %d", d))
		switch {
		case r.Throttled() || r.OverBudget():
			return scan.Inconclusivef("JSON depth %d: %s", d, undecided(r))
		case crashed(r):
			evidence = append(evidence, fmt.Sprintf("%s %s with JSON nested %d deep → %s", t.method, t.path, d, outcomeOf(r)))
		default:
			seen = append(seen, fmt.Sprintf("%d deep → %d", d, r.Status))
		}
	}
	if len(evidence) == 0 {
		return scan.Passf("%s %s: %s", t.method, t.path, strings.Join(seen, ", "))
	}
	evidence = append(evidence, fmt.Sprintf("JSON nested 2 deep → %d", control.Status))
	f := rule.NewFinding(evidence...)
	f.Location = t.location()
	return scan.Found(evidence[0], f)
}

// crashed reports a 5xx, a reset or a timeout.
func crashed(r scan.Response) bool {
	return (r.Err != nil && !r.OverBudget()) || (r.Status >= 500 && !r.Throttled())
}

func outcomeOf(r scan.Response) string {
	if r.Err != nil {
		if errors.Is(r.Err, context.DeadlineExceeded) {
			return "no answer (timeout)"
		}
		return "connection error: " + short(r.Err)
	}
	return fmt.Sprintf("%d %s", r.Status, snippet(r.Body))
}

// xmlMarker is the replacement text of the probe's one entity.
const xmlMarker = "mtlsguard-entity"

// xmlProbe declares one small internal entity and uses it four times: it
// shows whether entities are expanded, never a real expansion bomb.
var xmlProbe = []byte(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY mg "` + xmlMarker + `">]><r>&mg;&mg;&mg;&mg;</r>`)

func runXML(ctx context.Context, env *scan.Env, rule finding.Rule) scan.Outcome {
	op, ok := xmlOperation(env)
	if !ok {
		return scan.Skipf("the spec has no operation that takes an XML body")
	}
	send := func(body []byte, note string) scan.Response {
		return env.Send(ctx, scan.Primary, scan.Request{Method: op.Method, Path: op.URLPath, Body: body, ContentType: op.ContentType, Note: note})
	}
	if c := send([]byte(`<?xml version="1.0"?><r>plain</r>`), "XML without DTD (control)"); !c.OK() {
		return scan.Inconclusivef("%s %s refused plain XML (%s)", op.Method, op.Path, statusOf(c))
	}
	r := send(xmlProbe, "XML with one internal entity")
	switch {
	case r.Throttled() || r.OverBudget():
		return scan.Inconclusivef("XML probe: %s", undecided(r))
	case !r.OK():
		return scan.Passf("%s %s refused a DTD with an entity (%s)", op.Method, op.Path, statusOf(r))
	}
	expanded := "accepted (2xx)"
	if bytes.Contains(r.Body, []byte(strings.Repeat(xmlMarker, 4))) {
		expanded = "expanded: the answer carries the entity's text four times"
	}
	f := rule.NewFinding(
		fmt.Sprintf("%s %s with <!DOCTYPE r [<!ENTITY mg %q>]> and &mg; ×4 → %d", op.Method, op.URLPath, xmlMarker, r.Status),
		"entity "+expanded,
	)
	f.Location = &finding.Location{Method: op.Method, Path: op.Path}
	if op.Location != nil {
		f.Location = op.Location
	}
	return scan.Found(f.Evidence[1], f)
}

func xmlOperation(env *scan.Env) (scan.Operation, bool) {
	for _, op := range env.Ops {
		if !op.Safe() && !op.Privileged && op.Method != http.MethodDelete && strings.Contains(op.ContentType, "xml") {
			return op, true
		}
	}
	return scan.Operation{}, false
}

// headerSteps are the sizes of the one large header HDR-NO-LIMIT sends.
var headerSteps = []int{128 << 10, 512 << 10}

func runHeader(ctx context.Context, env *scan.Env, rule finding.Rule) scan.Outcome {
	path := env.Baseline.Cheap
	var evidence []string
	for _, size := range headerSteps {
		h := http.Header{"X-Mtlsguard-Pad": {strings.Repeat("a", size)}}
		r := env.Send(ctx, scan.Primary, scan.Request{Path: path, Header: h, Note: byteSize(int64(size)) + " header"})
		switch {
		case r.Throttled() || r.OverBudget():
			return scan.Inconclusivef("%s header: %s", byteSize(int64(size)), undecided(r))
		case r.Err != nil || r.Status >= 400:
			if len(evidence) == 0 {
				return scan.Passf("GET %s with a %s header → %s", path, byteSize(int64(size)), statusOf(r))
			}
			evidence = append(evidence, fmt.Sprintf("a %s header → %s", byteSize(int64(size)), statusOf(r)))
			continue
		}
		evidence = append(evidence, fmt.Sprintf("GET %s with one %s header → %d", path, byteSize(int64(size)), r.Status))
	}
	f := rule.NewFinding(evidence...)
	f.Location = &finding.Location{Method: "GET", Path: path}
	return scan.Found(evidence[0], f)
}
