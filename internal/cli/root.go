// Package cli holds the mtlsguard subcommands. Each command parses its flags,
// builds typed options and calls into the package that does the work; errors
// come back here and become exit codes in one place (Main).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Version is the release version, set at build time with
// -ldflags "-X github.com/mtlsguard/mtlsguard/internal/cli.Version=v1.2.3".
var Version = "dev"

// Exit codes shared by every command.
const (
	ExitOK       = 0
	ExitFindings = 1 // scan: findings at or above --fail-on; other commands: runtime failure
	ExitUsage    = 2 // bad flags, config, certificate or spec
	ExitTarget   = 3 // scan: target unreachable
)

// ExitError carries the exit code an error should end the process with.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// withCode wraps err so that Main exits with code. A nil err stays nil.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &ExitError{Code: code, Err: err}
}

// usageErrorf is a bad-input error: exit code 2.
func usageErrorf(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// Main runs mtlsguard with args and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(stderr, "mtlsguard: %v\n", err)
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if isFlagError(err) {
		return ExitUsage
	}
	return ExitFindings
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "mtlsguard",
		Short:         "Enforce and verify per-identity limits for APIs behind mutual TLS",
		Long:          "mtlsguard keeps one authenticated mTLS client from exhausting an API for everyone else.\n\n  proxy   enforce: an mTLS-terminating reverse proxy with per-identity limits\n  scan    verify: audit an OpenAPI contract and probe the live mTLS API\n  certs   a development PKI (CA, server and client certificates)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErrorf("%v (see '%s --help')", err, c.CommandPath())
	})
	root.AddCommand(
		newVersionCmd(),
		newCertsCmd(),
		newConfigCmd(),
		newProxyCmd(),
		newScanCmd(),
		newBenchCmd(),
		newDemoCmd(),
	)
	return root
}

// isFlagError reports cobra's own argument errors, which carry no ExitError.
func isFlagError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "required flag", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "mtlsguard %s\n", Version)
			return err
		},
	}
}
