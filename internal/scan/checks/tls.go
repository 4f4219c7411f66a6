package checks

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"syscall"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

// handshake tries one TLS handshake as the primary identity with adjust
// applied. It returns the state on success, (nil, nil) when the server
// refused, and an error when the probe itself failed (budget, network).
func handshake(ctx context.Context, env *scan.Env, note string, adjust func(*tls.Config)) (*tls.ConnectionState, error) {
	conn, err := env.DialTLS(ctx, scan.Primary, note, adjust)
	if err != nil {
		if refused(err) {
			return nil, nil
		}
		return nil, err
	}
	defer conn.Close()
	st := conn.ConnectionState()
	return &st, nil
}

// suitesFor lists the cipher suites (secure and insecure) usable with version.
func suitesFor(version uint16, keep func(*tls.CipherSuite) bool) []uint16 {
	var ids []uint16
	for _, s := range slices.Concat(tls.CipherSuites(), tls.InsecureCipherSuites()) {
		if slices.Contains(s.SupportedVersions, version) && keep(s) {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

func runLegacy(ctx context.Context, env *scan.Env, rule finding.Rule) scan.Outcome {
	var evidence []string
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		name := tls.VersionName(v)
		st, err := handshake(ctx, env, name+" handshake", func(c *tls.Config) {
			c.MinVersion, c.MaxVersion = v, v
			c.CipherSuites = suitesFor(v, func(*tls.CipherSuite) bool { return true })
		})
		if err != nil {
			return scan.Inconclusivef("%s handshake: %v", name, err)
		}
		if st != nil {
			evidence = append(evidence, fmt.Sprintf("%s handshake completed with %s", name, tls.CipherSuiteName(st.CipherSuite)))
		}
	}
	if len(evidence) == 0 {
		return scan.Passf("TLS 1.0 and 1.1 handshakes refused")
	}
	return scan.Found(strings.Join(evidence, "; "), rule.NewFinding(evidence...))
}

// weak reports a suite that is insecure or uses CBC mode.
func weak(s *tls.CipherSuite) bool { return s.Insecure || strings.Contains(s.Name, "_CBC_") }

// runWeakCipher offers only weak suites, notes the one the server picks,
// withdraws it and offers the rest again, until the server refuses.
func runWeakCipher(ctx context.Context, env *scan.Env, rule finding.Rule) scan.Outcome {
	offer := suitesFor(tls.VersionTLS12, weak)
	var accepted []string
	for len(offer) > 0 {
		st, err := handshake(ctx, env, "weak-suite handshake", func(c *tls.Config) {
			c.MinVersion, c.MaxVersion = tls.VersionTLS10, tls.VersionTLS12
			c.CipherSuites = offer
		})
		if err != nil {
			return scan.Inconclusivef("weak-suite handshake: %v", err)
		}
		if st == nil {
			break
		}
		accepted = append(accepted, fmt.Sprintf("%s accepted (%s)", tls.CipherSuiteName(st.CipherSuite), tls.VersionName(st.Version)))
		offer = slices.DeleteFunc(offer, func(id uint16) bool { return id == st.CipherSuite })
	}
	if len(accepted) == 0 {
		return scan.Passf("no NULL, RC4, 3DES or CBC suite accepted")
	}
	return scan.Found(fmt.Sprintf("%d weak suites accepted", len(accepted)), rule.NewFinding(accepted...))
}

// refused reports an error that is the server's answer: a TLS alert it
// sent, or the connection closed or reset during the handshake. Anything
// else (budget, dial, local configuration) leaves the probe undecided.
func refused(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" {
		return true
	}
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF)
}
