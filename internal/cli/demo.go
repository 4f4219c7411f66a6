package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/mtlsguard/mtlsguard/internal/demo"
)

// demoFlags are the flags of the bare `mtlsguard demo`.
type demoFlags struct {
	keep, json bool
	phase      time.Duration
}

func newDemoCmd() *cobra.Command {
	var f demoFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Show mtlsguard at work on one machine",
		Long: `demo tells the whole story on this machine, on loopback ports chosen free,
with no setup: it makes a PKI in a temporary directory, starts a fragile
app, puts a naive TLS terminator in front of it, scans it and runs the
noisy-neighbour bench; then puts mtlsguard proxy in front of the same app
and does both again. It prints the proxy config it used and a before/after
table; progress goes to stderr. It takes about a minute.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDemo(cmd, f) },
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.keep, "keep", false, "keep the directory with the certificates, configs and HTML reports")
	fl.BoolVar(&f.json, "json", false, "print the comparison as JSON")
	fl.DurationVar(&f.phase, "phase", demo.DefaultPhase, "length of each phase of the noisy-neighbour bench (at most 1m)")
	cmd.AddCommand(newDemoAppCmd())
	return cmd
}

func runDemo(cmd *cobra.Command, f demoFlags) error {
	if f.phase <= 0 || f.phase > time.Minute {
		return usageErrorf("--phase %v: give a duration above 0 and at most 1m, such as 8s", f.phase)
	}
	out, err := demo.Run(cmd.Context(), demo.Options{
		Keep: f.keep, Phase: f.phase, Progress: cmd.ErrOrStderr(), Version: Version,
	})
	if err != nil {
		return err
	}
	if !f.json {
		return out.WriteText(cmd.OutOrStdout())
	}
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func newDemoAppCmd() *cobra.Command {
	var (
		listen string
		opts   demo.AppOptions
	)
	cmd := &cobra.Command{
		Use:   "app",
		Short: "Run the fragile demo app alone, in plain HTTP",
		Long: `app runs the fragile demo API, which behaves like a typical Django app under
gunicorn: a fixed pool of workers, a slow endpoint, a recursive JSON parser,
an unlimited upload, an admin endpoint without a role check and a whoami that
trusts identity headers. It speaks plain HTTP: put a TLS terminator (or
mtlsguard proxy) in front of it. It runs until interrupted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDemoApp(cmd, listen, opts) },
	}
	fl := cmd.Flags()
	fl.StringVar(&listen, "listen", "127.0.0.1:8000", "address to listen on")
	fl.IntVar(&opts.Workers, "workers", 4, "requests handled at once, like gunicorn sync workers")
	fl.DurationVar(&opts.SlowDelay, "slow-delay", 200*time.Millisecond, "how long GET /api/slow holds its worker")
	fl.IntVar(&opts.MaxJSONDepth, "max-json-depth", 1000, "JSON nesting past which POST /api/items fails with 500")
	return cmd
}

func runDemoApp(cmd *cobra.Command, listen string, opts demo.AppOptions) error {
	if opts.Workers < 1 || opts.SlowDelay <= 0 || opts.MaxJSONDepth < 1 {
		return usageErrorf("--workers, --slow-delay and --max-json-depth must be positive")
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return usageErrorf("listen on %s: %w (give a free address with --listen)", listen, err)
	}
	srv := &http.Server{Handler: demo.NewApp(opts), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(cmd.OutOrStdout(), "fragile app listening on http://%s\n", ln.Addr())
	drained := make(chan struct{})
	stop := context.AfterFunc(cmd.Context(), func() {
		defer close(drained)
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	})
	defer stop()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("fragile app: %w", err)
	}
	<-drained // Serve returns as Shutdown starts; let in-flight requests end
	return nil
}
