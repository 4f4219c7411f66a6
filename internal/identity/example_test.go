package identity_test

import (
	"fmt"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/identity"
)

// The signature header an upstream checks, and the check itself. The HMAC
// is over "<t>\n<fingerprint>\n<METHOD>\n<request-target>"; in Python:
// hmac.new(secret, f"{t}\n{fp}\n{method}\n{target}".encode(), hashlib.sha256).hexdigest()
func ExampleSign() {
	secret := []byte("change-me")
	fingerprint := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	signedAt := time.Unix(1700000000, 0)
	header := identity.Sign(secret, fingerprint, "POST", "/api/items?page=2", signedAt)
	fmt.Println(header)

	err := identity.Verify(secret, header, fingerprint, "POST", "/api/items?page=2", signedAt.Add(5*time.Second), 30*time.Second)
	fmt.Println(err)
	err = identity.Verify(secret, header, fingerprint, "DELETE", "/api/items?page=2", signedAt, 30*time.Second)
	fmt.Println(err)
	// Output:
	// t=1700000000,v1=e1218d24bb287df649e914b4d03f9a77414915c07a48120441b94d73ca50c00c
	// <nil>
	// signature does not match
}
