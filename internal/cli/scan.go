package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mtlsguard/mtlsguard/internal/audit"
	"github.com/mtlsguard/mtlsguard/internal/config"
	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
	"github.com/mtlsguard/mtlsguard/internal/pki"
	"github.com/mtlsguard/mtlsguard/internal/report"
	"github.com/mtlsguard/mtlsguard/internal/scan"
	"github.com/mtlsguard/mtlsguard/internal/scan/checks"
	"github.com/mtlsguard/mtlsguard/internal/tlsconf"
)

// scanFlags are the flags of `mtlsguard scan`, as typed.
type scanFlags struct {
	cert, key, ca, caKey, spec   string
	peerCert, peerKey            string
	lowCert, lowKey              string
	expiredCert, expiredKey      string
	paths, only, skip            []string
	passive                      bool
	maxRequests                  int
	maxSeconds, maxRPS           float64
	maxBody, format, out, failOn string
}

func newScanCmd() *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "scan URL --cert F --key F",
		Short: "Audit an OpenAPI contract and probe a live mTLS API for resource-exhaustion weaknesses",
		Long: `Probe a live mTLS API with real client certificates, inside a budget of requests, bytes,
connections and seconds, and audit its OpenAPI contract. Every finding carries its evidence
and the fix for Django, nginx and mtlsguard proxy.

Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it;
2 usage, certificate or spec error; 3 target unreachable.

Checks (select with --checks, leave out with --skip):
` + checkList(),
		Example: `  mtlsguard scan https://api.example.com:8443 --cert alice.crt --key alice.key --ca ca.crt \
      --spec openapi.yaml --peer-cert bob.crt --peer-key bob.key --low-cert eve.crt --low-key eve.key`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.cert, "cert", "", "client certificate of the primary identity (PEM)")
	fl.StringVar(&f.key, "key", "", "key of --cert (PEM)")
	fl.StringVar(&f.ca, "ca", "", "CA that signed the server's certificate (PEM); default: system roots")
	fl.StringVar(&f.spec, "spec", "", "OpenAPI 2.0/3.0/3.1 spec, a file or an https URL")
	fl.StringVar(&f.peerCert, "peer-cert", "", "a second ordinary identity (per-identity vs shared limits, noisy neighbour)")
	fl.StringVar(&f.peerKey, "peer-key", "", "key of --peer-cert")
	fl.StringVar(&f.lowCert, "low-cert", "", "a low-privilege identity (authorization checks)")
	fl.StringVar(&f.lowKey, "low-key", "", "key of --low-cert")
	fl.StringVar(&f.caKey, "ca-key", "", "key of --ca, to mint an expired client certificate for MTLS-EXPIRED-CERT")
	fl.StringVar(&f.expiredCert, "expired-cert", "", "an expired client certificate from the trusted CA")
	fl.StringVar(&f.expiredKey, "expired-key", "", "key of --expired-cert")
	fl.StringArrayVar(&f.paths, "path", nil, "a path to probe (repeatable); without --spec the default is /, and payload probes POST to the first one")
	fl.StringSliceVar(&f.only, "checks", nil, "run only these check IDs (comma-separated)")
	fl.StringSliceVar(&f.skip, "skip", nil, "skip these check IDs (comma-separated)")
	fl.BoolVar(&f.passive, "passive", false, "only handshakes, GET/HEAD requests and the static audit")
	fl.IntVar(&f.maxRequests, "max-requests", scan.DefaultLimits.MaxRequests, "most HTTP requests the scan sends")
	fl.Float64Var(&f.maxSeconds, "max-seconds", scan.DefaultLimits.MaxDuration.Seconds(), "longest the scan runs")
	fl.Float64Var(&f.maxRPS, "max-rps", scan.DefaultLimits.MaxRPS, "most requests per second")
	fl.StringVar(&f.maxBody, "max-body", "8MiB", "largest body BODY-NO-LIMIT sends")
	fl.StringVar(&f.format, "format", "text", "output: "+strings.Join(report.Formats, ", "))
	fl.StringVarP(&f.out, "out", "o", "", "write the report to FILE instead of stdout")
	fl.StringVar(&f.failOn, "fail-on", "high", "exit 1 on findings at or above: info, low, medium, high, critical")
	return cmd
}

func runScan(cmd *cobra.Command, target string, f scanFlags) error {
	writer, err := report.ForFormat(f.format)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	failOn, err := finding.ParseSeverity(f.failOn)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("--fail-on: %w", err))
	}
	cfg, err := scanConfig(cmd.Context(), target, f)
	if err != nil {
		return err
	}
	prog := newProgress(cmd.ErrOrStderr(), isTerminal(cmd.ErrOrStderr()))
	cfg.Progress = prog.event
	rep, err := scan.Run(cmd.Context(), cfg)
	if perr := prog.finish(); perr != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), "scan:", perr) // the display failed, not the scan
	}
	switch {
	case errors.Is(err, scan.ErrUnreachable):
		return withCode(ExitTarget, err)
	case err != nil:
		return withCode(ExitUsage, err)
	}
	if err := writeReport(cmd.OutOrStdout(), f.out, writer, rep); err != nil {
		return withCode(ExitFindings, err)
	}
	if n := rep.AtOrAbove(failOn); n > 0 {
		return withCode(ExitFindings, fmt.Errorf("%d findings at or above %s (score %d, grade %s)", n, failOn, rep.Score, rep.Grade))
	}
	return nil
}

// scanConfig turns the flags into a scan.Config: certificates loaded,
// the spec read and audited, the checks selected and the limits typed.
func scanConfig(ctx context.Context, target string, f scanFlags) (scan.Config, error) {
	cfg := scan.Config{Target: target, Paths: f.paths, Passive: f.passive, Version: Version}
	sel, err := checks.Select(checks.All(), f.only, f.skip)
	if err != nil {
		return cfg, withCode(ExitUsage, err)
	}
	cfg.Checks = sel
	if cfg.MaxBody, err = config.ParseSize(f.maxBody); err != nil {
		return cfg, usageErrorf("--max-body: %v", err)
	}
	if f.maxRequests <= 0 || f.maxSeconds <= 0 || f.maxRPS <= 0 {
		return cfg, usageErrorf("--max-requests, --max-seconds and --max-rps must be above zero")
	}
	cfg.Limits = scan.Limits{MaxRequests: f.maxRequests, MaxRPS: f.maxRPS, MaxDuration: time.Duration(f.maxSeconds * float64(time.Second))}
	if err := loadIdentities(&cfg, f); err != nil {
		return cfg, withCode(ExitUsage, err)
	}
	if f.spec != "" {
		if cfg.Contract, err = loadContract(ctx, f.spec, cfg); err != nil {
			return cfg, withCode(ExitUsage, err)
		}
	}
	return cfg, nil
}

// loadIdentities reads every certificate the flags name, and mints the
// expired one from --ca and --ca-key when asked.
func loadIdentities(cfg *scan.Config, f scanFlags) error {
	if f.cert == "" || f.key == "" {
		return errors.New("the primary identity is required: pass --cert and --key")
	}
	primary, err := tlsconf.ClientConfig(f.cert, f.key, f.ca)
	if err != nil {
		return fmt.Errorf("--cert/--key/--ca: %w", err)
	}
	cfg.RootCAs = primary.RootCAs
	cfg.Certs = map[scan.Identity]tls.Certificate{scan.Primary: primary.Certificates[0]}
	optional := []struct {
		id        scan.Identity
		cert, key string
		flag      string
	}{
		{scan.Peer, f.peerCert, f.peerKey, "--peer-cert/--peer-key"},
		{scan.Low, f.lowCert, f.lowKey, "--low-cert/--low-key"},
		{scan.Expired, f.expiredCert, f.expiredKey, "--expired-cert/--expired-key"},
	}
	for _, o := range optional {
		if o.cert == "" && o.key == "" {
			continue
		}
		c, err := tlsconf.ClientConfig(o.cert, o.key, "")
		if err != nil {
			return fmt.Errorf("%s: %w", o.flag, err)
		}
		cfg.Certs[o.id] = c.Certificates[0]
	}
	if f.caKey != "" && cfg.Certs[scan.Expired].Certificate == nil {
		return mintExpired(cfg, f)
	}
	return nil
}

func mintExpired(cfg *scan.Config, f scanFlags) error {
	if f.ca == "" {
		return errors.New("--ca-key needs --ca: the CA certificate that goes with the key")
	}
	caCert, err := pki.ReadCertFile(f.ca)
	if err != nil {
		return fmt.Errorf("--ca: %w", err)
	}
	caKey, err := pki.ReadKeyFile(f.caKey)
	if err != nil {
		return fmt.Errorf("--ca-key: %w", err)
	}
	cn := "mtlsguard-expired"
	if leaf, err := leafOf(cfg.Certs[scan.Primary]); err == nil {
		cn = leaf.Subject.CommonName
	}
	c, err := scan.MintExpired(caCert, caKey, cn)
	if err != nil {
		return fmt.Errorf("--ca-key: %w", err)
	}
	cfg.Certs[scan.Expired] = c
	return nil
}

// loadContract reads the spec (a URL is fetched as the primary identity)
// and audits it.
func loadContract(ctx context.Context, spec string, cfg scan.Config) (*scan.Contract, error) {
	primary := cfg.Certs[scan.Primary]
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: cfg.RootCAs, Certificates: []tls.Certificate{primary}},
	}}
	s, err := openapi.Load(ctx, spec, client)
	if err != nil {
		return nil, fmt.Errorf("--spec: %w", err)
	}
	return scan.NewContract(s, audit.Audit(s)), nil
}

// writeReport renders rep to path, or to stdout when path is empty.
func writeReport(stdout io.Writer, path string, w report.Writer, rep *finding.Report) error {
	if path == "" {
		if _, ok := w.(report.Text); ok && isTerminal(stdout) {
			w = report.Text{Color: true}
		}
		return w.Write(stdout, rep)
	}
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := w.Write(file, rep); err != nil {
		_ = file.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return file.Close()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func leafOf(c tls.Certificate) (*x509.Certificate, error) {
	if c.Leaf != nil {
		return c.Leaf, nil
	}
	if len(c.Certificate) == 0 {
		return nil, errors.New("empty certificate chain")
	}
	return x509.ParseCertificate(c.Certificate[0])
}

// checkList renders the registry for the help text: one check a line, with
// its severity and title.
func checkList() string {
	var b strings.Builder
	for _, c := range checks.All() {
		r := c.Rule()
		fmt.Fprintf(&b, "  %-26s %-8s %s\n", r.ID, r.Severity, r.Title)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
