package scan

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrUnreachable means the target could not be reached at all.
var ErrUnreachable = errors.New("target unreachable")

// ErrServerTrust means the target's certificate is not trusted by the
// roots the scan was given.
var ErrServerTrust = errors.New("target's server certificate is not trusted")

// maxBaselinePaths bounds the paths the baseline measures.
const maxBaselinePaths = 6

// Baseline is the target's latency before any load, measured with a few
// cheap GETs as the primary identity.
type Baseline struct {
	Cheap   string        // the fastest safe GET path that answers below 400
	Slow    string        // the slowest safe GET path that answers 2xx
	Latency time.Duration // p50 of Cheap
	Status  int           // status of Cheap
	Paths   []PathLatency // every path measured
	factor  float64
	floor   time.Duration
}

// PathLatency is the baseline of one path.
type PathLatency struct {
	Path   string
	Status int
	P50    time.Duration
}

// Degraded reports a p50 past the bound that stops load probes: more than
// DegradeFactor times the baseline and more than DegradeFloor.
func (b Baseline) Degraded(p50 time.Duration) bool {
	return float64(p50) > b.factor*float64(b.Latency) && p50 > b.floor
}

// candidatePaths are the safe GETs the baseline measures: the spec's
// non-privileged GET operations, then the --path entries.
func candidatePaths(ops []Operation, paths []string) []string {
	var out []string
	for _, op := range ops {
		if op.Method == "GET" && !op.Privileged && !slices.Contains(out, op.URLPath) {
			out = append(out, op.URLPath)
		}
	}
	for _, p := range paths {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		out = []string{"/"}
	}
	if len(out) > maxBaselinePaths {
		out = out[:maxBaselinePaths]
	}
	return out
}

// measureBaseline GETs each candidate path a few times as the primary
// identity. It fails with ErrUnreachable or ErrServerTrust when no request
// got any answer.
func measureBaseline(ctx context.Context, env *Env) (Baseline, error) {
	b := Baseline{factor: env.Timing.DegradeFactor, floor: env.Timing.DegradeFloor}
	var lastErr error
	for _, p := range candidatePaths(env.Ops, env.Paths) {
		pl, err := measurePath(ctx, env, p)
		if err != nil {
			lastErr = err
			continue
		}
		b.Paths = append(b.Paths, pl)
	}
	if len(b.Paths) == 0 {
		return b, classifyDialError(lastErr)
	}
	b.pick()
	return b, nil
}

func measurePath(ctx context.Context, env *Env, path string) (PathLatency, error) {
	var lat []time.Duration
	status := 0
	for range env.Timing.BaselineSamples {
		r := env.Send(ctx, Primary, Request{Path: path, Note: "baseline"})
		if r.Err != nil {
			return PathLatency{}, r.Err
		}
		status = r.Status
		lat = append(lat, r.Latency)
	}
	return PathLatency{Path: path, Status: status, P50: Percentile(lat, 50)}, nil
}

// pick chooses the cheap and slow paths among those measured.
func (b *Baseline) pick() {
	cheap, slow := -1, -1
	for i, p := range b.Paths {
		if p.Status < 400 && (cheap < 0 || p.P50 < b.Paths[cheap].P50) {
			cheap = i
		}
		if p.Status < 300 && (slow < 0 || p.P50 > b.Paths[slow].P50) {
			slow = i
		}
	}
	if cheap < 0 {
		cheap = 0
	}
	b.Cheap, b.Latency, b.Status = b.Paths[cheap].Path, b.Paths[cheap].P50, b.Paths[cheap].Status
	if slow >= 0 {
		b.Slow = b.Paths[slow].Path
	}
}

func classifyDialError(err error) error {
	var verr *tls.CertificateVerificationError
	var uerr x509.UnknownAuthorityError
	switch {
	case errors.As(err, &verr), errors.As(err, &uerr):
		return fmt.Errorf("%w: %w (pass the CA that signed it with --ca)", ErrServerTrust, err)
	case errors.Is(err, ErrBudget):
		return err
	case err == nil:
		return ErrUnreachable
	}
	return fmt.Errorf("%w: %w", ErrUnreachable, err)
}

// Percentile returns the p-th percentile (nearest rank) of ds; 0 for none.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(p/100*float64(len(s))+0.5) - 1
	i = max(0, min(i, len(s)-1))
	return s[i]
}
