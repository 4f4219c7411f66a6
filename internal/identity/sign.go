package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Errors of Verify, for errors.Is.
var (
	ErrSignatureMalformed = errors.New("signature header malformed")
	ErrSignatureExpired   = errors.New("signature timestamp outside the allowed skew")
	ErrSignatureMismatch  = errors.New("signature does not match")
)

// Sign returns the value of the signature header that proves a request came
// through the proxy:
//
//	t=<unix seconds>,v1=<hex HMAC-SHA256(secret, message)>
//	message = "<t>\n<fingerprint>\n<METHOD>\n<request-target>"
//
// where fingerprint is the X-SSL-Client-Fingerprint value (SHA-256 of the
// client certificate, lower-case hex), METHOD the request method as sent
// (upper case) and request-target the origin-form target the upstream
// receives, path and query ("/api/items?page=2"; Django:
// request.get_full_path()). The hex is lower case. An upstream recomputes
// the HMAC with the shared secret, compares in constant time and refuses a
// t more than its allowed skew away from its clock.
func Sign(secret []byte, fingerprint, method, target string, now time.Time) string {
	t := strconv.FormatInt(now.Unix(), 10)
	return "t=" + t + ",v1=" + mac(secret, t, fingerprint, method, target)
}

func mac(secret []byte, t, fingerprint, method, target string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(t + "\n" + fingerprint + "\n" + method + "\n" + target))
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks header (a value made by Sign) for the given fingerprint,
// method and target at time now: its t must be within skew of now and one
// of its v1 values must equal the HMAC. Parts are comma-separated key=value
// pairs; unknown keys are ignored so that a v2 can be added later.
func Verify(secret []byte, header, fingerprint, method, target string, now time.Time, skew time.Duration) error {
	t, sigs, err := parseSignature(header)
	if err != nil {
		return err
	}
	unix, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: t=%q is not a Unix time", ErrSignatureMalformed, t)
	}
	if d := now.Sub(time.Unix(unix, 0)); d > skew || d < -skew {
		return fmt.Errorf("%w: signed %v away from now, allowed %v", ErrSignatureExpired, d, skew)
	}
	want := []byte(mac(secret, t, fingerprint, method, target))
	for _, s := range sigs {
		if hmac.Equal([]byte(s), want) {
			return nil
		}
	}
	return ErrSignatureMismatch
}

func parseSignature(header string) (t string, sigs []string, err error) {
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return "", nil, fmt.Errorf("%w: %q is not key=value", ErrSignatureMalformed, part)
		}
		switch k {
		case "t":
			t = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	if t == "" || len(sigs) == 0 {
		return "", nil, fmt.Errorf("%w: want t=<unix>,v1=<hex>", ErrSignatureMalformed)
	}
	return t, sigs, nil
}
