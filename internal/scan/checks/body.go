package checks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

// bodyTarget is the operation payload probes send bodies to.
type bodyTarget struct {
	method, path string
	example      []byte // a valid JSON body
	loc          *finding.Location
}

// jsonTarget picks the first non-privileged JSON write operation of the
// spec, or POST to the first --path when there is no spec.
func jsonTarget(env *scan.Env) (bodyTarget, bool) {
	for _, op := range env.Ops {
		if op.Safe() || op.Privileged || op.Method == http.MethodDelete || !op.JSON() {
			continue
		}
		ex, err := json.Marshal(op.Example)
		if err != nil {
			continue
		}
		return bodyTarget{op.Method, op.URLPath, ex, op.Location}, true
	}
	if len(env.Ops) == 0 && len(env.Paths) > 0 {
		return bodyTarget{http.MethodPost, env.Paths[0], []byte("{}"), nil}, true
	}
	return bodyTarget{}, false
}

func (t bodyTarget) location() *finding.Location {
	if t.loc != nil {
		return t.loc
	}
	return &finding.Location{Method: t.method, Path: t.path}
}

func (t bodyTarget) send(ctx context.Context, env *scan.Env, body []byte, note string) scan.Response {
	return env.Send(ctx, scan.Primary, scan.Request{Method: t.method, Path: t.path, Body: body, ContentType: "application/json", Note: note})
}

// bodySteps are the sizes BODY-NO-LIMIT sends, each capped at env.MaxBody.
var bodySteps = []int64{64 << 10, 1 << 20}

// padded is the example followed by whitespace up to size bytes: still the
// same valid JSON document to any parser.
func padded(example []byte, size int64) []byte {
	if int64(len(example)) >= size {
		return example
	}
	return append(bytes.Clone(example), bytes.Repeat([]byte{' '}, int(size)-len(example))...)
}

func runBodyLimit(ctx context.Context, env *scan.Env, rule finding.Rule) scan.Outcome {
	t, ok := jsonTarget(env)
	if !ok {
		return scan.Skipf("no operation takes a JSON body (give --spec, or --path for a POST endpoint)")
	}
	var largest int64
	for i, size := range append(bodySteps, env.MaxBody) {
		if size > env.MaxBody || size <= largest {
			continue
		}
		r := t.send(ctx, env, padded(t.example, size), fmt.Sprintf("%s body", byteSize(size)))
		switch {
		case r.OverBudget(), r.Throttled():
			return scan.Inconclusivef("%s %s with %s: %s", t.method, t.path, byteSize(size), undecided(r))
		case r.Err != nil:
			return scan.Passf("%s %s: accepted %s, connection closed at %s", t.method, t.path, byteSize(largest), byteSize(size))
		case r.Status == http.StatusRequestEntityTooLarge || (r.Status >= 400 && r.Status < 500 && i > 0):
			return scan.Passf("%s %s: accepted %s, refused %s with %d", t.method, t.path, byteSize(largest), byteSize(size), r.Status)
		case !r.OK():
			return scan.Inconclusivef("%s %s with %s → %d: the operation refused a padded valid body", t.method, t.path, byteSize(size), r.Status)
		}
		largest = size
	}
	f := rule.NewFinding(fmt.Sprintf("%s %s accepted every body up to %s (valid JSON padded with whitespace) with 2xx", t.method, t.path, byteSize(largest)))
	f.Location = t.location()
	return scan.Found(f.Evidence[0], f)
}

// byteSize prints a size in B, KiB or MiB.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
