package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"
)

// referenceMAC is the documented algorithm written out independently, as
// an upstream in another language would.
func referenceMAC(secret, message string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(message))
	return hex.EncodeToString(m.Sum(nil))
}

func TestSignFormat(t *testing.T) {
	got := Sign([]byte("k"), "abc", "GET", "/x?y=1", time.Unix(1700000000, 0))
	want := "t=1700000000,v1=" + referenceMAC("k", "1700000000\nabc\nGET\n/x?y=1")
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	secret := []byte("s3cret")
	signedAt := time.Unix(1700000000, 0)
	good := Sign(secret, "fp", "POST", "/a?b=1", signedAt)
	tests := []struct {
		name               string
		secret             []byte
		header, fp, method string
		target             string
		now                time.Time
		want               error
	}{
		{"round trip", secret, good, "fp", "POST", "/a?b=1", signedAt, nil},
		{"within skew", secret, good, "fp", "POST", "/a?b=1", signedAt.Add(30 * time.Second), nil},
		{"before, within skew", secret, good, "fp", "POST", "/a?b=1", signedAt.Add(-30 * time.Second), nil},
		{"rotated extra v1", secret, good + ",v1=00", "fp", "POST", "/a?b=1", signedAt, nil},
		{"past skew", secret, good, "fp", "POST", "/a?b=1", signedAt.Add(31 * time.Second), ErrSignatureExpired},
		{"future past skew", secret, good, "fp", "POST", "/a?b=1", signedAt.Add(-31 * time.Second), ErrSignatureExpired},
		{"other fingerprint", secret, good, "fp2", "POST", "/a?b=1", signedAt, ErrSignatureMismatch},
		{"other method", secret, good, "fp", "GET", "/a?b=1", signedAt, ErrSignatureMismatch},
		{"other target", secret, good, "fp", "POST", "/a?b=2", signedAt, ErrSignatureMismatch},
		{"other secret", []byte("x"), good, "fp", "POST", "/a?b=1", signedAt, ErrSignatureMismatch},
		{"tampered t", secret, "t=1700000001" + good[len("t=1700000000"):], "fp", "POST", "/a?b=1", signedAt, ErrSignatureMismatch},
		{"empty", secret, "", "fp", "POST", "/a?b=1", signedAt, ErrSignatureMalformed},
		{"no t", secret, good[len("t=1700000000,"):], "fp", "POST", "/a?b=1", signedAt, ErrSignatureMalformed},
		{"bad t", secret, "t=soon,v1=00", "fp", "POST", "/a?b=1", signedAt, ErrSignatureMalformed},
		{"no equals", secret, "t=1700000000,v1", "fp", "POST", "/a?b=1", signedAt, ErrSignatureMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.header, tt.fp, tt.method, tt.target, tt.now, 30*time.Second)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}
