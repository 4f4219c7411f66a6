package tlsconf

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"sync/atomic"
	"time"
)

// revocations is the set of revoked certificates from a CRL file: one or
// more CRLs, each verified against a client CA.
type revocations struct {
	serials    map[string]struct{} // revocationKey(issuer, serial)
	nextUpdate time.Time           // earliest NextUpdate of the CRLs
	staleNoted atomic.Bool         // a stale warning was logged for this load
}

// noteStale logs, once per loaded CRL file, that it went stale while in use.
func (r *revocations) noteStale(now time.Time, path string, log *slog.Logger) {
	if r == nil || r.nextUpdate.IsZero() || !now.After(r.nextUpdate) || r.staleNoted.Swap(true) {
		return
	}
	log.Warn("CRL is stale (its NextUpdate has passed); still applying it, publish a fresh one",
		"file", path, "next_update", r.nextUpdate.UTC().Format(time.RFC3339))
}

// revoked reports whether c appears in the set.
func (r *revocations) revoked(c *x509.Certificate) bool {
	if r == nil {
		return false
	}
	_, ok := r.serials[revocationKey(c.RawIssuer, c.SerialNumber)]
	return ok
}

func revocationKey(issuer []byte, serial *big.Int) string {
	return string(issuer) + "\x00" + string(serial.Bytes())
}

// loadCRL reads the CRLs in path (PEM "X509 CRL" blocks, or one DER CRL),
// checks each signature against a CA in cas and warns through log when one
// is stale. A stale CRL is still applied: an old revocation list is better
// than none. Watch warns again, once, if it goes stale while in use.
func loadCRL(path string, cas []*x509.Certificate, now time.Time, log *slog.Logger) (*revocations, error) {
	blocks, data, err := readBlocks(path, "CRL")
	if err != nil {
		return nil, err
	}
	ders, err := crlDERs(path, blocks, data)
	if err != nil {
		return nil, err
	}
	r := &revocations{serials: map[string]struct{}{}}
	for _, der := range ders {
		list, err := x509.ParseRevocationList(der)
		if err != nil {
			return nil, fmt.Errorf("CRL file %s: %w; give a PEM (\"-----BEGIN X509 CRL-----\") or DER CRL", path, err)
		}
		if err := checkCRLIssuer(list, cas); err != nil {
			return nil, fmt.Errorf("CRL file %s: %w", path, err)
		}
		if !list.NextUpdate.IsZero() && (r.nextUpdate.IsZero() || list.NextUpdate.Before(r.nextUpdate)) {
			r.nextUpdate = list.NextUpdate
		}
		for _, e := range list.RevokedCertificateEntries {
			r.serials[revocationKey(list.RawIssuer, e.SerialNumber)] = struct{}{}
		}
	}
	r.noteStale(now, path, log)
	return r, nil
}

func crlDERs(path string, blocks []*pem.Block, data []byte) ([][]byte, error) {
	if len(blocks) == 0 {
		return [][]byte{data}, nil // DER
	}
	var ders [][]byte
	for _, b := range blocks {
		if b.Type == "X509 CRL" {
			ders = append(ders, b.Bytes)
		}
	}
	if len(ders) == 0 {
		return nil, fmt.Errorf("CRL file %s holds no CRL (found a %q block); give a file with \"-----BEGIN X509 CRL-----\" blocks", path, blocks[0].Type)
	}
	return ders, nil
}

// checkCRLIssuer verifies list's signature with the client CA that issued it.
func checkCRLIssuer(list *x509.RevocationList, cas []*x509.Certificate) error {
	var sigErr error
	for _, ca := range cas {
		if !bytes.Equal(ca.RawSubject, list.RawIssuer) {
			continue
		}
		err := list.CheckSignatureFrom(ca)
		if err == nil {
			return nil
		}
		sigErr = fmt.Errorf("signature does not verify with client CA %q: %w; regenerate the CRL with that CA", ca.Subject.CommonName, err)
	}
	if sigErr != nil {
		return sigErr
	}
	return fmt.Errorf("issued by %q, which is not in the client CA file; use the CRL of the CA that signs client certificates", list.Issuer.String())
}
