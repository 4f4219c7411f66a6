package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

func newCertsCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "certs",
		Short:  "(not built yet)",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("certs: not built yet") },
	}
}
