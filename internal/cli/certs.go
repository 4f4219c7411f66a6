package cli

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mtlsguard/mtlsguard/internal/pki"
)

// Every failure of a certs command comes from what it was given (a
// directory, a name, a file), so all of them exit with ExitUsage.

func newCertsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "certs",
		Short: "A development PKI: CA, server and client certificates, CRL",
		Long: "A development PKI (ECDSA P-256) so that mTLS can be tried in one command. Files in DIR:\n" +
			"  ca.crt ca.key          the CA (the proxy's tls.client_ca; clients trust it for the server)\n" +
			"  server.crt server.key  the server certificate for localhost, 127.0.0.1 and ::1\n" +
			"  ca.crl                 the CRL (the proxy's tls.crl), updated by 'certs revoke'\n" +
			"  NAME.crt NAME.key      client certificates, NAME from --cn\n" +
			"Keys are written with mode 0600. Not for production use.",
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newCertsInitCmd(), newCertsIssueCmd(), newCertsRevokeCmd())
	return cmd
}

func newCertsInitCmd() *cobra.Command {
	var dir string
	var force bool
	cmd := &cobra.Command{
		Use:   "init --dir DIR",
		Short: "Create a CA, a server certificate for localhost and an empty CRL",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return usageErrorf("no directory: pass --dir DIR, where the CA and server files go")
			}
			if err := pki.InitDir(dir, force); err != nil {
				return withCode(ExitUsage, err)
			}
			return printPaths(cmd.OutOrStdout(), dir,
				pki.CACertFile, pki.CAKeyFile, pki.ServerCertFile, pki.ServerKeyFile, pki.CRLFile)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "directory for the PKI files (created if missing)")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite existing files")
	return cmd
}

func newCertsIssueCmd() *cobra.Command {
	var dir string
	var spec pki.ClientSpec
	var force bool
	cmd := &cobra.Command{
		Use:   "issue --dir DIR --cn NAME",
		Short: "Issue a client certificate signed by DIR's CA, as DIR/NAME.crt and DIR/NAME.key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkIssue(dir, spec); err != nil {
				return err
			}
			certPath, keyPath, err := pki.IssueFiles(dir, spec, force)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			return printPaths(cmd.OutOrStdout(), "", certPath, keyPath)
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", "", "PKI directory made by 'mtlsguard certs init'")
	f.StringVar(&spec.CN, "cn", "", "subject common name; also names the files")
	f.StringArrayVar(&spec.OUs, "ou", nil, "organizational unit (repeatable), e.g. admins")
	f.StringArrayVar(&spec.Orgs, "org", nil, "organization (repeatable)")
	f.StringVar(&spec.SPIFFE, "spiffe", "", "SPIFFE ID put in a URI SAN, spiffe://trust-domain/path")
	f.StringArrayVar(&spec.DNS, "dns", nil, "DNS SAN (repeatable)")
	f.StringArrayVar(&spec.Emails, "email", nil, "e-mail SAN (repeatable)")
	f.IntVar(&spec.Days, "days", pki.DefaultDays, "validity in days")
	f.BoolVar(&spec.Expired, "expired", false, "make a certificate whose validity ended yesterday (for tests and scans)")
	f.BoolVar(&force, "force", false, "overwrite existing files")
	return cmd
}

// checkIssue refuses bad flags before anything is read or written.
func checkIssue(dir string, spec pki.ClientSpec) error {
	if dir == "" {
		return usageErrorf("no directory: pass --dir DIR, a directory made by 'mtlsguard certs init'")
	}
	if spec.CN == "" {
		return usageErrorf("no name: pass --cn NAME, the client's common name")
	}
	if _, err := pki.FileName(spec.CN); err != nil {
		return usageErrorf("--cn: %w", err)
	}
	if spec.Days <= 0 {
		return usageErrorf("--days %d: give a positive number of days", spec.Days)
	}
	if spec.SPIFFE != "" {
		if _, err := pki.ParseSPIFFE(spec.SPIFFE); err != nil {
			return usageErrorf("--spiffe: %w", err)
		}
	}
	return nil
}

func newCertsRevokeCmd() *cobra.Command {
	var dir, cert string
	cmd := &cobra.Command{
		Use:   "revoke --dir DIR --cert FILE",
		Short: "Add a client certificate to DIR's CRL (DIR/ca.crl)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" || cert == "" {
				return usageErrorf("pass --dir DIR (made by 'mtlsguard certs init') and --cert FILE (the certificate to revoke)")
			}
			c, err := pki.ReadCertFile(cert)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			if err := pki.RevokeFile(dir, cert); err != nil {
				return withCode(ExitUsage, err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "revoked %s (serial %x)\n%s\n", cert, c.SerialNumber, filepath.Join(dir, pki.CRLFile))
			return err
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "PKI directory made by 'mtlsguard certs init'")
	cmd.Flags().StringVar(&cert, "cert", "", "certificate file to revoke")
	return cmd
}

// printPaths writes one path per line, each joined to dir.
func printPaths(w io.Writer, dir string, names ...string) error {
	for _, n := range names {
		if _, err := fmt.Fprintln(w, filepath.Join(dir, n)); err != nil {
			return err
		}
	}
	return nil
}
