package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/mtlsguard/mtlsguard/internal/demo"
)

func newDemoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Show mtlsguard at work on one machine",
		Args:  cobra.NoArgs,
		RunE:  func(*cobra.Command, []string) error { return errors.New("demo: not built yet") },
	}
	cmd.AddCommand(newDemoAppCmd())
	return cmd
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
