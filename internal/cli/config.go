package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/mtlsguard/mtlsguard/internal/config"
)

func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check a proxy config or print an example",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newConfigCheckCmd(), newConfigExampleCmd())
	return cmd
}

func newConfigCheckCmd() *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "check -c FILE",
		Short: "Validate a proxy config and print it with every default filled in",
		Long: "Validate a proxy config file. A valid file is printed to stdout as the effective config, " +
			"with every default filled in and secrets redacted. Otherwise every problem is listed on stderr " +
			"as FILE:LINE: key: problem; fix, and the exit code is 2.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if path == "" {
				return usageErrorf("no config file: pass -c FILE (see 'mtlsguard config example')")
			}
			c, err := config.Load(path)
			if err != nil {
				return configError(cmd.ErrOrStderr(), path, err)
			}
			out, err := c.Effective()
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "", "proxy config file (YAML)")
	return cmd
}

func newConfigExampleCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "example",
		Short: "Print a commented example config with every key and its default",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(config.Example())
			return err
		},
	}
}

// configError turns an error of config.Load into an exit-code-2 error. A
// config's problems are written to w one per line (FILE:LINE: key: problem;
// fix) and summed up in the returned error; any other error (an unreadable
// file) is returned as it is.
func configError(w io.Writer, path string, err error) error {
	var errs config.Errors
	if !errors.As(err, &errs) {
		return withCode(ExitUsage, err)
	}
	for _, e := range errs {
		fmt.Fprintln(w, e.Error())
	}
	problems := "problems"
	if len(errs) == 1 {
		problems = "problem"
	}
	return usageErrorf("%s: %d %s; fix them and run 'mtlsguard config check -c %s' again", path, len(errs), problems, path)
}
