package scan_test

import (
	"context"
	"crypto/tls"
	"fmt"

	"github.com/mtlsguard/mtlsguard/internal/scan"
	"github.com/mtlsguard/mtlsguard/internal/scan/checks"
	"github.com/mtlsguard/mtlsguard/internal/scan/target"
)

// Aim the engine at any mTLS URL: a primary client certificate, the roots
// that verify the server and the checks to run. Here the target is the
// in-process vulnerable test API.
func ExampleRun() {
	tg, err := target.Start(target.Vulnerable())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tg.Close()
	sel, err := checks.Select(checks.All(), []string{"MTLS-NO-CERT", "TLS-LEGACY-VERSION", "SPEC-NO-429"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := scan.Run(context.Background(), scan.Config{
		Target:  tg.URL,
		Certs:   map[scan.Identity]tls.Certificate{scan.Primary: tg.Primary.TLSCertificate()},
		RootCAs: tg.CA.Pool(),
		Paths:   []string{"/health"},
		Checks:  sel,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range rep.Checks {
		fmt.Println(c.ID, c.Status)
	}
	fmt.Println(rep.Findings[0].Evidence[0])
	// Output:
	// MTLS-NO-CERT failed
	// TLS-LEGACY-VERSION failed
	// SPEC-NO-429 skipped
	// GET /health without a client certificate → 200 (16 bytes)
}
