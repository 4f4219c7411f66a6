package checks

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

// runSlowloris opens one TLS connection as the primary identity and sends
// a request header a line at a time, never finishing it, for at most
// Timing.SlowHeaderHold. A connection still open at the end is the finding.
func runSlowloris(ctx context.Context, env *scan.Env, rule finding.Rule) scan.Outcome {
	conn, err := env.DialTLS(ctx, scan.Primary, "slow header", nil)
	if err != nil {
		return scan.Inconclusivef("open the connection: %v", err)
	}
	defer conn.Close()
	closed := make(chan time.Time, 1)
	go func() {
		_, _ = io.Copy(io.Discard, conn) // ends when the server closes or answers and closes
		closed <- time.Now()
	}()
	start := time.Now()
	path := env.Baseline.Cheap
	head := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: mtlsguard-scan\r\n", path, env.Target.Host)
	if _, err := io.WriteString(conn, head); err != nil {
		return scan.Inconclusivef("write the request line: %v", err)
	}
	lines := 1
	tick := time.NewTicker(env.Timing.SlowHeaderInterval)
	defer tick.Stop()
	deadline := time.NewTimer(env.Timing.SlowHeaderHold)
	defer deadline.Stop()
	for {
		select {
		case at := <-closed:
			return scan.Passf("the server closed the connection after %s (%d header lines sent)", at.Sub(start).Round(100*time.Millisecond), lines)
		case <-ctx.Done():
			return scan.Inconclusivef("scan ended after %s", time.Since(start).Round(100*time.Millisecond))
		case <-deadline.C:
			f := rule.NewFinding(
				fmt.Sprintf("GET %s sent one header line every %s: connection still open after %s (%d lines, header never finished)", path, env.Timing.SlowHeaderInterval, env.Timing.SlowHeaderHold, lines),
				fmt.Sprintf("the server's header read timeout is absent or longer than %s", env.Timing.SlowHeaderHold),
			)
			f.Location = &finding.Location{Method: "GET", Path: path}
			return scan.Found(f.Evidence[0], f)
		case <-tick.C:
			if _, err := fmt.Fprintf(conn, "X-Mtlsguard-Slow-%d: 1\r\n", lines); err != nil {
				return scan.Passf("the server closed the connection after %s (%d header lines sent)", time.Since(start).Round(100*time.Millisecond), lines)
			}
			lines++
		}
	}
}
