package cli

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mtlsguard/mtlsguard/internal/config"
	"github.com/mtlsguard/mtlsguard/internal/load"
)

func newBenchCmd() *cobra.Command {
	bench := &cobra.Command{
		Use:   "bench",
		Short: "Measure what one client's load costs the others",
		Args:  cobra.NoArgs,
	}
	bench.AddCommand(newNoisyNeighborCmd())
	return bench
}

// noisyFlags are the flags of `bench noisy-neighbor` as given.
type noisyFlags struct {
	cfg      load.NoisyNeighbor
	bodySize string
	json     bool
}

func newNoisyNeighborCmd() *cobra.Command {
	var f noisyFlags
	cmd := &cobra.Command{
		Use:   "noisy-neighbor --target URL --ca F --victim-cert F --victim-key F --abuser-cert F --abuser-key F",
		Short: "Measure victims' latency while one identity floods the target",
		Long: `noisy-neighbor measures how much one authenticated client can hurt the others.

Phase 1 (baseline): --victims clients with the victim certificate each send
--victim-rate requests per second to --victim-path, open loop: every request
is timed from when it was due, so a stalled target cannot hide its stall.
Phase 2 (attack): the same victims, while one client with the abuser
certificate keeps --abuser-concurrency requests to --abuser-path in flight
(POSTs of --abuser-body-size bytes when given). Each phase lasts --duration
(at most 2m).

The report gives, per phase, the victims' success rate (2xx), p50/p90/p99/max
latency, statuses and errors, the abuser's throughput, and the ratio of the
victims' p99 under attack to their baseline p99. It works against any HTTPS
target, not only mtlsguard.`,
		Example: `  mtlsguard bench noisy-neighbor --target https://127.0.0.1:8443 --ca ca.crt \
    --victim-cert alice.crt --victim-key alice.key \
    --abuser-cert mallory.crt --abuser-key mallory.key --duration 20s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runNoisyNeighbor(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.cfg.Target, "target", "", "base URL of the API, as in https://127.0.0.1:8443 (required)")
	fl.StringVar(&f.cfg.CA, "ca", "", "PEM file of the CA that signed the target's certificate (required)")
	fl.StringVar(&f.cfg.VictimCert, "victim-cert", "", "victims' client certificate, PEM (required)")
	fl.StringVar(&f.cfg.VictimKey, "victim-key", "", "victims' private key, PEM (required)")
	fl.StringVar(&f.cfg.AbuserCert, "abuser-cert", "", "abuser's client certificate, PEM (required)")
	fl.StringVar(&f.cfg.AbuserKey, "abuser-key", "", "abuser's private key, PEM (required)")
	fl.StringVar(&f.cfg.VictimPath, "victim-path", load.DefaultVictimPath, "path the victims request")
	fl.Float64Var(&f.cfg.VictimRate, "victim-rate", load.DefaultVictimRate, "requests per second of each victim")
	fl.IntVar(&f.cfg.Victims, "victims", load.DefaultVictims, "number of victim clients")
	fl.StringVar(&f.cfg.AbuserPath, "abuser-path", load.DefaultAbuserPath, "path the abuser floods")
	fl.IntVar(&f.cfg.AbuserConcurrency, "abuser-concurrency", load.DefaultAbuserConcurrency, "abuser's requests in flight")
	fl.StringVar(&f.bodySize, "abuser-body-size", "0", "body of each abuser request (a POST), as in 1048576, 512KiB or 10MiB; 0 sends GETs")
	fl.DurationVar(&f.cfg.Duration, "duration", load.DefaultPhaseDuration, "length of each phase, at most 2m")
	fl.BoolVar(&f.json, "json", false, "write the report as JSON instead of a table")
	for _, name := range []string{"target", "ca", "victim-cert", "victim-key", "abuser-cert", "abuser-key"} {
		_ = cmd.MarkFlagRequired(name) // the flags exist: this cannot fail
	}
	return cmd
}

func runNoisyNeighbor(cmd *cobra.Command, f noisyFlags) error {
	if err := f.complete(); err != nil {
		return err
	}
	rep, err := load.RunNoisyNeighbor(cmd.Context(), f.cfg, cmd.ErrOrStderr())
	switch {
	case errors.Is(err, load.ErrUnreachable):
		return withCode(ExitTarget, err)
	case rep == nil && err != nil:
		return usageErrorf("%w", err)
	}
	if werr := writeNoisyReport(cmd, rep, f.json); werr != nil {
		return werr
	}
	if rep.Baseline.Victims.OK == 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: no victim request succeeded in the baseline; check --victim-path and that the victim certificate may call it\n")
	}
	return err // the run was interrupted: the report is partial
}

// complete checks the flags that the scenario's own validation would
// report less precisely, and parses the body size.
func (f *noisyFlags) complete() error {
	if f.cfg.Duration <= 0 || f.cfg.Duration > load.MaxDuration {
		return usageErrorf("--duration %v is out of range: give more than 0 and at most %v", f.cfg.Duration, load.MaxDuration)
	}
	if f.cfg.VictimRate <= 0 {
		return usageErrorf("--victim-rate %g must be more than 0", f.cfg.VictimRate)
	}
	if f.cfg.Victims <= 0 || f.cfg.AbuserConcurrency <= 0 {
		return usageErrorf("--victims and --abuser-concurrency must be at least 1 (got %d and %d)", f.cfg.Victims, f.cfg.AbuserConcurrency)
	}
	size, err := config.ParseSize(f.bodySize)
	if err != nil {
		return usageErrorf("--abuser-body-size: %w", err)
	}
	f.cfg.AbuserBodySize = size
	return nil
}

func writeNoisyReport(cmd *cobra.Command, rep *load.NoisyReport, asJSON bool) error {
	if !asJSON {
		return rep.WriteTable(cmd.OutOrStdout())
	}
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
