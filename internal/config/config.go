package config

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// Config is the parsed, validated configuration of `mtlsguard proxy`. Every
// field holds its effective value: what the file set, or the default.
// Nothing changes a Config after Parse returns it, so it may be read from
// many goroutines.
type Config struct {
	Listen           string   // address of the mTLS listener, host:port
	Upstream         *url.URL // the app: http or https, with a host
	TLS              TLS
	Identity         Identity
	Defaults         Limits  // the budget of every identity, fully filled in
	Groups           []Group // in file order
	Routes           []Route // in file order; the proxy picks the longest matching prefix
	Timeouts         Timeouts
	HTTP             HTTP
	State            State
	UpstreamCapacity Capacity
	OpenAPI          OpenAPI // the contract enforced on JSON bodies; off by default
	Metrics          string  // listen address of the Prometheus listener; "" = off
	Log              Log
}

// TLS is the server side of the mTLS handshake. Paths are as written in the
// file for Parse and resolved against the file's directory for Load; this
// package does not open them.
type TLS struct {
	Cert       string // server certificate chain, PEM
	Key        string // private key of Cert, PEM
	ClientCA   string // CAs that sign client certificates, PEM
	CRL        string // optional certificate revocation list, PEM or DER
	MinVersion uint16 // tls.VersionTLS12 (default) or tls.VersionTLS13
}

// KeyKind names the part of a verified client certificate that limits are
// keyed on.
type KeyKind string

// Identity keys.
const (
	KeyCN          KeyKind = "cn"          // subject common name
	KeySPIFFE      KeyKind = "spiffe"      // the spiffe:// URI SAN
	KeySANDNS      KeyKind = "san-dns"     // the first DNS SAN
	KeySANEmail    KeyKind = "san-email"   // the first email SAN
	KeyFingerprint KeyKind = "fingerprint" // SHA-256 of the certificate, hex
	KeySubject     KeyKind = "subject"     // the whole subject DN, RFC 2253
)

// Forwarding modes of Identity.Forward.
const (
	ForwardHeaders    = "headers"     // X-SSL-Client-* simple headers
	ForwardClientCert = "client-cert" // RFC 9440 Client-Cert
	ForwardXFCC       = "xfcc"        // Envoy-style X-Forwarded-Client-Cert
)

// Identity says what a client's identity is and how it reaches the app.
type Identity struct {
	Key          KeyKind  // default cn
	Forward      []string // subset of headers, client-cert, xfcc; default all three
	StripHeaders []string // inbound headers to delete besides the known identity headers
	SignSecret   []byte   // HMAC-SHA256 key for SignHeader; nil = no signature
	SignHeader   string   // default X-Mtlsguard-Signature

	// signSource is the key the secret came from and, for files and
	// environment variables, their name: shown by Effective instead of the secret.
	signSource [2]string
}

// Group is a set of identities, matched on their certificate, with its own
// limits.
type Group struct {
	Name      string
	Match     Match
	Overrides Overrides
	Line      int // line of the group's name in the file
}

// Match selects certificates. A certificate matches if any criterion
// matches; at least one is set.
type Match struct {
	OU           []string // any of these organizational units
	CN           []string // any of these common names
	SPIFFEPrefix string   // SPIFFE ID starts with this
}

// Route is a path prefix with its own limits and, optionally, an allow-list.
type Route struct {
	Path      string   // prefix; starts with /
	Methods   []string // upper case; empty = every method
	Allow     []string // group names or "id:VALUE"; empty = everyone
	Overrides Overrides
	Line      int // line of the route's entry in the file
}

// AllowIDPrefix marks an allow-list entry that names one identity rather
// than a group: "id:alice" admits the identity whose key is "alice".
const AllowIDPrefix = "id:"

// Timeouts bound how long each phase of a request may take.
type Timeouts struct {
	ReadHeader time.Duration // request line and headers; default 5s
	Body       time.Duration // whole request body; default 30s
	Idle       time.Duration // keep-alive connection with no request; default 60s
	Upstream   time.Duration // upstream response headers; default 30s
	Drain      time.Duration // admitted requests finishing on shutdown; default 15s
}

// HTTP bounds the protocol itself.
type HTTP struct {
	MaxHeaderBytes       int    // request line and headers; default 64 KiB
	MaxConcurrentStreams uint32 // HTTP/2 streams per connection; default 100
	MaxConnections       int    // open client connections, all identities and handshakes together; default 10000
}

// State bounds the limiter's memory.
type State struct {
	MaxIdentities int           // identities tracked at once; default 100000
	IdleTTL       time.Duration // an identity unseen this long is forgotten; default 10m
}

// Capacity is the upstream's capacity, shared fairly between identities.
type Capacity struct {
	MaxInflight  int           // requests at the upstream at once; 0 = no fair admission (default)
	Auto         bool          // find MaxInflight from the upstream's latency, between Min and Max
	Min, Max     int           // bounds of the automatic capacity; default 1 and 256
	MaxQueue     int           // requests one identity may have waiting; default 64
	MaxQueueWait time.Duration // longest wait before 503; default 1s
}

// Log sets the log output.
type Log struct {
	Format string // text (default) or json
	Level  string // debug, info (default), warn or error
	Access bool   // one line per request; default true
}

// Load reads and parses the config file at path. Relative paths in tls,
// identity.sign_secret_file and openapi.spec are resolved against the file's
// directory. The contract named by openapi.spec is read and checked too.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return parse(path, data, filepath.Dir(path))
}

// Parse parses a config held in memory; name is used in error messages.
// Relative paths stay as written (relative to the working directory).
func Parse(name string, data []byte) (*Config, error) {
	return parse(name, data, "")
}

func parse(name string, data []byte, dir string) (*Config, error) {
	d := newDecoder(name, dir)
	if c := d.decodeFile(data); c != nil {
		validate(d, c)
		if len(d.errs) == 0 {
			return c, nil
		}
	}
	d.errs.sort()
	return nil, d.errs
}
