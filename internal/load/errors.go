package load

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
)

// Error classes that ClassifyError returns.
const (
	ErrClassTimeout  = "timeout"  // the request's deadline passed
	ErrClassCanceled = "canceled" // the caller's context ended first
	ErrClassRefused  = "refused"  // nothing listens at the target
	ErrClassReset    = "reset"    // the peer reset or broke the connection
	ErrClassEOF      = "eof"      // the peer closed the connection before a full response
	ErrClassTLS      = "tls"      // the handshake failed: certificate, CA, alert, version
	ErrClassDNS      = "dns"      // the target's name did not resolve
	ErrClassOther    = "other"
)

// ClassifyError names the class of a request error, one of the ErrClass
// constants, so that results count errors by what went wrong rather than by
// their full text.
func ClassifyError(err error) string {
	for _, c := range errorClasses {
		if c.match(err) {
			return c.name
		}
	}
	return ErrClassOther
}

// errorClasses is ordered: a TLS alert that arrives as a reset must count as
// tls, and a deadline is a timeout whatever the socket did.
var errorClasses = []struct {
	name  string
	match func(error) bool
}{
	{ErrClassCanceled, func(err error) bool { return errors.Is(err, context.Canceled) }},
	{ErrClassTimeout, isTimeout},
	{ErrClassTLS, isTLS},
	{ErrClassRefused, func(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }},
	{ErrClassReset, func(err error) bool {
		return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED)
	}},
	{ErrClassEOF, func(err error) bool { return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) }},
	{ErrClassDNS, func(err error) bool { var d *net.DNSError; return errors.As(err, &d) }},
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isTLS(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		alert    tls.AlertError
		record   tls.RecordHeaderError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	if errors.As(err, &verify) || errors.As(err, &alert) || errors.As(err, &record) ||
		errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid) {
		return true
	}
	// The alerts a server sends back (bad certificate, unknown CA, certificate
	// required) reach the client as an unexported error type whose text is
	// the only stable mark.
	return strings.Contains(err.Error(), "tls: ")
}
