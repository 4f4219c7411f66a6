package demo

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mtlsguard/mtlsguard/internal/config"
	"github.com/mtlsguard/mtlsguard/internal/proxy"
)

// Files the proxy half of the story writes next to the PKI.
const (
	guardFile   = "guard.yaml"
	signKeyFile = "signing.key"
)

// guardConfig is the proxy config the story shows: the documented defaults
// written out, so a reader sees every limit that protects the app. The
// upstream capacity matches the app's four workers.
const guardConfig = `listen: {{listen}}
upstream: {{upstream}}
tls:
  cert: server.crt
  key: server.key
  client_ca: ca.crt
  min_version: "1.3"             # no CBC suites, no downgrade
identity:
  key: cn                        # limits are per certificate CN
  sign_secret_file: signing.key  # the app can check the identity came from here
defaults:                        # the budget of every identity
  rate: 20/s
  burst: 40
  max_inflight: 8
  max_body: 1MiB
  json: {max_depth: 32}
groups:
  admins:
    match: {ou: admins}
routes:
  - path: /api/upload
    max_body: 20MiB
  - path: /api/admin/
    allow: [admins]              # BFLA stopped at the edge
http:
  max_header_bytes: 32KiB
upstream_capacity:               # fair admission: the app has 4 workers
  max_inflight: 4
  max_queue_wait: 1s
openapi:                         # the contract's field bounds, enforced (422)
  spec: openapi.yaml
  enforce: true
`

// newGuard writes guard.yaml and the signing key into dir, loads the
// config as `mtlsguard proxy -c` would and builds the proxy. It returns
// the config's text for the reader.
func newGuard(dir, listen, upstream string) (string, *proxy.Server, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", nil, fmt.Errorf("demo: signing key: %w", err)
	}
	keyPath := filepath.Join(dir, signKeyFile)
	if err := os.WriteFile(keyPath, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return "", nil, fmt.Errorf("demo: write %s: %w", keyPath, err)
	}
	text := strings.NewReplacer("{{listen}}", listen, "{{upstream}}", upstream).Replace(guardConfig)
	path := filepath.Join(dir, guardFile)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return "", nil, fmt.Errorf("demo: write %s: %w", path, err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		return "", nil, fmt.Errorf("demo: the story's own proxy config: %w", err)
	}
	srv, err := proxy.New(proxy.Options{Config: cfg})
	if err != nil {
		return "", nil, fmt.Errorf("demo: start mtlsguard proxy: %w", err)
	}
	return text, srv, nil
}
