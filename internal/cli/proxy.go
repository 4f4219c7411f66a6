package cli

import (
	"errors"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/mtlsguard/mtlsguard/internal/config"
	"github.com/mtlsguard/mtlsguard/internal/proxy"
)

func newProxyCmd() *cobra.Command {
	var file, logFormat, logLevel string
	cmd := &cobra.Command{
		Use:   "proxy -c FILE",
		Short: "Run the mTLS-terminating reverse proxy with per-identity limits",
		Long: `Run the mTLS-terminating reverse proxy described by a YAML config file.

The proxy verifies client certificates, derives an identity from each, enforces that
identity's connection, rate, in-flight, body and route limits, and forwards admitted
requests with verified identity headers it has first stripped from the request.

SIGHUP (or a change of the files) reloads the server certificate, client CA and CRL.
SIGTERM/SIGINT stop accepting, let admitted requests finish (timeouts.drain) and exit 0.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return usageErrorf("no config file: pass -c FILE (see 'mtlsguard config example')")
			}
			cfg, err := config.Load(file)
			if err != nil {
				return configError(cmd.ErrOrStderr(), file, err)
			}
			if logFormat != "" {
				cfg.Log.Format = logFormat
			}
			if logLevel != "" {
				cfg.Log.Level = logLevel
			}
			log, err := newLogger(cmd.ErrOrStderr(), cfg.Log.Format, cfg.Log.Level)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			err = proxy.Run(cmd.Context(), proxy.Options{Config: cfg, Logger: log})
			var pe *os.PathError
			if errors.As(err, &pe) {
				return withCode(ExitUsage, err)
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&file, "config", "c", "", "proxy config file (YAML)")
	cmd.Flags().StringVar(&logFormat, "log-format", "", "text or json (overrides log.format)")
	cmd.Flags().StringVar(&logLevel, "log-level", "", "debug, info, warn or error (overrides log.level)")
	return cmd
}

// newLogger builds the slog logger every long-running command uses.
func newLogger(w interface{ Write([]byte) (int, error) }, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if level == "" {
		level = "info"
	}
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErrorf("log level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageErrorf("log format %q: use text or json", format)
}
