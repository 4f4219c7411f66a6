package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/scan"
	"github.com/mtlsguard/mtlsguard/internal/scan/checks"
)

// DefaultPhase is the length of each phase of the noisy-neighbour bench,
// sized so the whole story stays under 90 s on two cores.
const DefaultPhase = 8 * time.Second

// The bench of the story: five victims as Alice, Mallory flooding the slow
// endpoint. The victims share one identity; their 10 r/s stay at half the
// proxy's 20/s for it, so a refusal they meet is the abuser's doing. The
// abuser's 32 workers stay within the proxy's default max_conns: past it,
// refused connections reconnect at once, and since the abuser shares this
// machine's cores with the proxy the bench would time TLS handshakes of
// the demo's own making rather than the proxy.
const (
	benchVictims     = 5
	benchVictimRate  = 2.0
	benchAbuserConns = 32
)

// Options configure the story. Zero fields take the defaults noted.
type Options struct {
	// Dir is where the PKI, configs and reports go; "" means a new
	// temporary directory. A Dir given is never removed.
	Dir string
	// Keep leaves the temporary directory in place; otherwise it is
	// removed when Run returns.
	Keep bool
	// Phase is the length of each bench phase; default DefaultPhase.
	Phase time.Duration
	// ScanLimits and ScanTiming tune both scans; zero fields take the
	// scanner's defaults.
	ScanLimits scan.Limits
	ScanTiming scan.Timing
	// Checks are the scanner's checks; nil means the whole registry.
	Checks []scan.Check
	// Progress gets one line per step; nil for none.
	Progress io.Writer
	// Version is the tool's version, for the reports.
	Version string
}

// Outcome is the whole comparison: what ran, before and after.
type Outcome struct {
	Dir         string `json:"dir,omitempty"` // empty when the files were removed
	Kept        bool   `json:"kept"`
	ProxyConfig string `json:"proxy_config"` // the guard.yaml the proxy ran with
	Before      Side   `json:"before"`
	After       Side   `json:"after"`
}

// Run tells the story: PKI, fragile app, naive terminator (scan, bench),
// mtlsguard proxy (scan, bench). Everything listens on loopback ports
// chosen free and is stopped before Run returns; Dir is removed unless
// o.Keep. An error means the story could not be told, not that a scan
// found something.
func Run(ctx context.Context, o Options) (out *Outcome, err error) {
	start := time.Now()
	o = o.withDefaults()
	dir, cleanup, err := workDir(o)
	if err != nil {
		return nil, err
	}
	defer func() {
		if rmErr := cleanup(); rmErr != nil && err == nil {
			err = rmErr
		}
	}()
	st, err := newStage(ctx, dir, o)
	if err != nil {
		return nil, err
	}
	defer st.close()
	out = &Outcome{Kept: o.Keep}
	if o.Keep {
		out.Dir = dir
	}
	if out.Before, err = st.before(ctx); err != nil {
		return nil, err
	}
	if out.ProxyConfig, out.After, err = st.after(ctx); err != nil {
		return nil, err
	}
	if !o.Keep {
		out.Before.HTML, out.After.HTML = "", ""
	}
	st.step("5/5 done in %s", time.Since(start).Round(time.Second))
	return out, nil
}

func (o Options) withDefaults() Options {
	if o.Phase <= 0 {
		o.Phase = DefaultPhase
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Checks == nil {
		o.Checks = checks.All()
	}
	return o
}

// workDir returns the story's directory and the function that removes it
// (unless kept).
func workDir(o Options) (string, func() error, error) {
	dir := o.Dir
	made := false
	if dir == "" {
		d, err := os.MkdirTemp("", "mtlsguard-demo-")
		if err != nil {
			return "", nil, fmt.Errorf("demo: temporary directory: %w", err)
		}
		dir, made = d, true
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, fmt.Errorf("demo: create %s: %w", dir, err)
	}
	cleanup := func() error {
		if o.Keep || !made {
			return nil
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("demo: remove %s: %w", dir, err)
		}
		return nil
	}
	return dir, cleanup, nil
}

// errStopped is returned when ctx ends the story early.
var errStopped = errors.New("demo stopped")

func stopped(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", errStopped, err)
	}
	return nil
}
