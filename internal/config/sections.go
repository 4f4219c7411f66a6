package config

import (
	"crypto/tls"
	"fmt"
	"maps"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

// defaultConfig is the config of an empty file: every safe default, no
// listener, upstream or certificates.
func defaultConfig() *Config {
	return &Config{
		TLS: TLS{MinVersion: tls.VersionTLS12},
		Identity: Identity{
			Key:        KeyCN,
			Forward:    []string{ForwardHeaders, ForwardClientCert, ForwardXFCC},
			SignHeader: "X-Mtlsguard-Signature",
		},
		Defaults: DefaultLimits(),
		Timeouts: Timeouts{
			ReadHeader: 5 * time.Second, Body: 30 * time.Second, Idle: 60 * time.Second,
			Upstream: 30 * time.Second, Drain: 15 * time.Second,
		},
		HTTP:             HTTP{MaxHeaderBytes: 64 << 10, MaxConcurrentStreams: 100, MaxConnections: 10000},
		State:            State{MaxIdentities: 100000, IdleTTL: 10 * time.Minute},
		UpstreamCapacity: Capacity{Min: 1, Max: 256, MaxQueue: 64, MaxQueueWait: time.Second},
		OpenAPI:          OpenAPI{UnknownOperations: UnknownPass},
		Log:              Log{Format: "text", Level: "info", Access: true},
	}
}

// topFields is the key table of the file's top level.
func topFields(c *Config) fields {
	var defaults Overrides
	return fields{
		"listen":   set(&c.Listen, address("127.0.0.1:8443")),
		"upstream": set(&c.Upstream, upstreamURL),
		"tls":      func(d *decoder, v value) { d.mapping(v, tlsFields(&c.TLS)) },
		"identity": func(d *decoder, v value) { d.mapping(v, identityFields(&c.Identity)) },
		"defaults": func(d *decoder, v value) {
			d.mapping(v, overrideFields(&defaults))
			c.Defaults = c.Defaults.With(defaults)
		},
		"groups":   func(d *decoder, v value) { c.Groups = d.groups(v) },
		"routes":   func(d *decoder, v value) { c.Routes = d.routes(v) },
		"timeouts": func(d *decoder, v value) { d.mapping(v, timeoutFields(&c.Timeouts)) },
		"http": func(d *decoder, v value) {
			d.mapping(v, fields{
				"max_header_bytes":       set(&c.HTTP.MaxHeaderBytes, sizeInt("64KiB")),
				"max_concurrent_streams": set(&c.HTTP.MaxConcurrentStreams, streams),
				"max_connections":        set(&c.HTTP.MaxConnections, whole(1, "10000")),
			})
		},
		"state": func(d *decoder, v value) {
			d.mapping(v, fields{
				"max_identities": set(&c.State.MaxIdentities, whole(1, "100000")),
				"idle_ttl":       set(&c.State.IdleTTL, duration("10m")),
			})
		},
		"upstream_capacity": func(d *decoder, v value) { d.mapping(v, capacityFields(&c.UpstreamCapacity)) },
		"openapi":           func(d *decoder, v value) { d.mapping(v, openapiFields(&c.OpenAPI)) },
		"metrics":           set(&c.Metrics, optionalAddress),
		"log": func(d *decoder, v value) {
			d.mapping(v, fields{
				"format": set(&c.Log.Format, oneOf("text", "json")),
				"level":  set(&c.Log.Level, oneOf("debug", "info", "warn", "error")),
				"access": set(&c.Log.Access, boolean),
			})
		},
	}
}

func tlsFields(t *TLS) fields {
	return fields{
		"cert":        set(&t.Cert, filePath("write the server certificate file (PEM), e.g. server.crt")),
		"key":         set(&t.Key, filePath("write the server's private key file (PEM), e.g. server.key")),
		"client_ca":   set(&t.ClientCA, filePath("write the CA file (PEM) that signs client certificates, e.g. ca.crt")),
		"crl":         set(&t.CRL, filePath("write the CRL file of client_ca, e.g. ca.crl, or remove the key")),
		"min_version": set(&t.MinVersion, tlsVersion),
	}
}

func identityFields(id *Identity) fields {
	return fields{
		"key":              set(&id.Key, identityKey),
		"forward":          set(&id.Forward, list(oneOf(ForwardHeaders, ForwardClientCert, ForwardXFCC))),
		"strip_headers":    set(&id.StripHeaders, list(headerName)),
		"sign_secret":      signSecret(id, "sign_secret", inlineSecret),
		"sign_secret_file": signSecret(id, "sign_secret_file", fileSecret),
		"sign_secret_env":  signSecret(id, "sign_secret_env", envSecret),
		"sign_header":      set(&id.SignHeader, headerName),
	}
}

// overrideFields is the key table shared by defaults, groups and routes.
func overrideFields(o *Overrides) fields {
	return fields{
		"rate":         setPtr(&o.Rate, rate),
		"burst":        setPtr(&o.Burst, whole(0, "40")),
		"max_inflight": setPtr(&o.MaxInflight, whole(1, "8")),
		"max_conns":    setPtr(&o.MaxConns, whole(1, "32")),
		"max_body":     setPtr(&o.MaxBody, size("1MiB")),
		"weight":       setPtr(&o.Weight, whole(1, "1")),
		"json": func(d *decoder, v value) {
			d.mapping(v, fields{
				"max_depth":  setPtr(&o.JSON.MaxDepth, whole(1, "32")),
				"max_tokens": setPtr(&o.JSON.MaxTokens, whole(1, "100000")),
				"max_string": setPtr(&o.JSON.MaxString, size("256KiB")),
				"max_number": setPtr(&o.JSON.MaxNumber, whole(1, "1000")),
			})
		},
		"xml": func(d *decoder, v value) {
			d.mapping(v, fields{
				"max_depth": setPtr(&o.XML.MaxDepth, whole(1, "32")),
				"doctype":   setPtr(&o.XML.Doctype, oneOf(DoctypeDeny, DoctypeAllow)),
			})
		},
		"multipart": func(d *decoder, v value) {
			d.mapping(v, fields{
				"max_parts":     setPtr(&o.Multipart.MaxParts, whole(1, "100")),
				"max_part_size": setPtr(&o.Multipart.MaxPartSize, size("1MiB")),
			})
		},
	}
}

func timeoutFields(t *Timeouts) fields {
	return fields{
		"read_header": set(&t.ReadHeader, duration("5s")),
		"body":        set(&t.Body, duration("30s")),
		"idle":        set(&t.Idle, duration("60s")),
		"upstream":    set(&t.Upstream, duration("30s")),
		"drain":       set(&t.Drain, duration("15s")),
	}
}

func capacityFields(c *Capacity) fields {
	return fields{
		"max_inflight": func(d *decoder, v value) {
			if s, _ := textOf(v.node); s == "auto" {
				c.Auto, c.MaxInflight = true, 0
				return
			}
			set(&c.MaxInflight, offOr(whole(1, "16")))(d, v)
		},
		"min":            set(&c.Min, whole(1, "1")),
		"max":            set(&c.Max, whole(1, "256")),
		"max_queue":      set(&c.MaxQueue, whole(1, "64")),
		"max_queue_wait": set(&c.MaxQueueWait, duration("1s")),
	}
}

// groups decodes the groups mapping, name → group, in file order.
func (d *decoder) groups(v value) []Group {
	var out []Group
	d.entries(v, "group names", func(name string, gv value) {
		d.lines[gv.path] = gv.line
		g := Group{Name: name, Line: gv.line}
		if !validGroupName(name) {
			d.fail(gv, fmt.Sprintf("%q is not a group name", name), "use letters, digits, '-', '_' and '.' only")
		}
		fs := overrideFields(&g.Overrides)
		fs["match"] = func(d *decoder, v value) { d.mapping(v, matchFields(&g.Match)) }
		d.mapping(gv, fs)
		out = append(out, g)
	})
	return out
}

func matchFields(m *Match) fields {
	return fields{
		"ou":            set(&m.OU, list(text("write an organizational unit, e.g. admins"))),
		"cn":            set(&m.CN, list(text("write a common name, e.g. alice"))),
		"spiffe_prefix": set(&m.SPIFFEPrefix, spiffePrefix),
	}
}

// routes decodes the routes list in file order.
func (d *decoder) routes(v value) []Route {
	var out []Route
	d.sequence(v, "routes", func(_ int, rv value) {
		r := Route{Line: rv.line}
		fs := overrideFields(&r.Overrides)
		maps.Copy(fs, fields{
			"path":    set(&r.Path, routePath),
			"methods": set(&r.Methods, list(method)),
			"allow":   set(&r.Allow, list(allowEntry)),
		})
		d.mapping(rv, fs)
		out = append(out, r)
	})
	return out
}

func validGroupName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.", r)) {
			return false
		}
	}
	return true
}

// offOr reads "off" as 0 and anything else with get.
func offOr(get getter[int]) getter[int] {
	return func(d *decoder, v value) (int, bool) {
		if s, _ := textOf(v.node); s == "off" {
			return 0, true
		}
		return get(d, v)
	}
}

// sizeInt is a size that must fit an int.
func sizeInt(example string) getter[int] {
	return func(d *decoder, v value) (int, bool) {
		n, ok := size(example)(d, v)
		if ok && n > 1<<30 {
			d.fail(v, "larger than 1GiB", "write a smaller size, e.g. "+example)
			return 0, false
		}
		return int(n), ok
	}
}

func streams(d *decoder, v value) (uint32, bool) {
	n, ok := whole(1, "100")(d, v)
	if ok && n > 1<<31-1 {
		d.fail(v, fmt.Sprintf("%d is more than HTTP/2 allows", n), "write a smaller number, e.g. 100")
		return 0, false
	}
	return uint32(n), ok
}

// optionalAddress is a host:port, or off, "" or nothing for no listener.
func optionalAddress(d *decoder, v value) (string, bool) {
	if s, ok := textOf(v.node); (ok && (s == "off" || s == "")) || (v.node == nil && !v.bad) {
		return "", true
	}
	return address("127.0.0.1:9090")(d, v)
}

func upstreamURL(d *decoder, v value) (*url.URL, bool) {
	const fix = "write the app's base URL, e.g. http://127.0.0.1:8000"
	s, ok := d.scalar(v, fix)
	if !ok {
		return nil, false
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		d.fail(v, fmt.Sprintf("%q is not a URL", s), fix)
	case u.Scheme != "http" && u.Scheme != "https":
		d.fail(v, fmt.Sprintf("%q is not an http or https URL", s), fix)
	case u.Host == "":
		d.fail(v, fmt.Sprintf("%q has no host", s), fix)
	case u.RawQuery != "" || u.Fragment != "":
		d.fail(v, fmt.Sprintf("%q has a query or fragment, which the proxy would not send", s), fix)
	default:
		return u, true
	}
	return nil, false
}

func tlsVersion(d *decoder, v value) (uint16, bool) {
	const fix = `write "1.2" or "1.3"`
	s, ok := d.scalar(v, fix)
	if !ok {
		return 0, false
	}
	switch s {
	case "1.2":
		return tls.VersionTLS12, true
	case "1.3":
		return tls.VersionTLS13, true
	case "1.0", "1.1", "1":
		d.fail(v, fmt.Sprintf("TLS %s is deprecated (RFC 8996) and lacks modern cipher suites", s), fix)
	default:
		d.fail(v, fmt.Sprintf("%q is not a TLS version", s), fix)
	}
	return 0, false
}

func identityKey(d *decoder, v value) (KeyKind, bool) {
	s, ok := oneOf(string(KeyCN), string(KeySPIFFE), string(KeySANDNS), string(KeySANEmail), string(KeyFingerprint), string(KeySubject))(d, v)
	return KeyKind(s), ok
}

func headerName(d *decoder, v value) (string, bool) {
	const fix = "write an HTTP header name, e.g. X-Remote-User"
	s, ok := d.scalar(v, fix)
	if ok && !httpguts.ValidHeaderFieldName(s) {
		d.fail(v, fmt.Sprintf("%q is not a header name", s), fix)
		return "", false
	}
	return s, ok
}

func method(d *decoder, v value) (string, bool) {
	const fix = "write an HTTP method, e.g. GET or POST"
	s, ok := d.scalar(v, fix)
	if ok && !httpguts.ValidHeaderFieldName(s) {
		d.fail(v, fmt.Sprintf("%q is not an HTTP method", s), fix)
		return "", false
	}
	return strings.ToUpper(s), ok
}

func routePath(d *decoder, v value) (string, bool) {
	const fix = "write a path prefix starting with /, e.g. /api/upload"
	s, ok := d.scalar(v, fix)
	if ok && (!strings.HasPrefix(s, "/") || strings.ContainsAny(s, " \t?#")) {
		d.fail(v, fmt.Sprintf("%q is not a path prefix", s), fix)
		return "", false
	}
	return s, ok
}

func allowEntry(d *decoder, v value) (string, bool) {
	const fix = "write a group name, or id:VALUE for one identity"
	s, ok := text(fix)(d, v)
	if ok && s == AllowIDPrefix {
		d.fail(v, `"id:" names no identity`, "write id: followed by the identity's key, e.g. id:alice")
		return "", false
	}
	return s, ok
}

func spiffePrefix(d *decoder, v value) (string, bool) {
	const fix = "write a SPIFFE ID prefix, e.g. spiffe://example.org/ns/prod/"
	s, ok := d.scalar(v, fix)
	if ok && (!strings.HasPrefix(s, "spiffe://") || len(s) == len("spiffe://")) {
		d.fail(v, fmt.Sprintf("%q is not a SPIFFE ID prefix", s), fix)
		return "", false
	}
	return s, ok
}

// minSecretBytes is the shortest HMAC-SHA256 key accepted: the hash's own size.
const minSecretBytes = 32

// secret is a signing key and where it came from: an inline value, or the
// name of a file or environment variable, which Effective may show.
type secret struct {
	key    []byte
	source string
}

// signSecret decodes one of the three ways to give the signing secret and
// rejects a second one.
func signSecret(id *Identity, key string, get getter[secret]) func(*decoder, value) {
	return func(d *decoder, v value) {
		parent := strings.TrimSuffix(v.path, key)
		for _, other := range []string{"sign_secret", "sign_secret_file", "sign_secret_env"} {
			if line, dup := d.lines[parent+other]; dup && other != key {
				d.fail(v, fmt.Sprintf("the secret is already given by %s (line %d)", other, line), "keep one of sign_secret, sign_secret_file and sign_secret_env")
				return
			}
		}
		s, ok := get(d, v)
		if !ok {
			return
		}
		if len(s.key) < minSecretBytes {
			d.fail(v, fmt.Sprintf("the secret is %d bytes; an HMAC-SHA256 key needs at least %d", len(s.key), minSecretBytes),
				"generate one with: head -c 32 /dev/urandom | base64")
			return
		}
		id.SignSecret = s.key
		id.signSource = [2]string{key, s.source}
	}
}

func inlineSecret(d *decoder, v value) (secret, bool) {
	s, ok := text("write the secret, or use sign_secret_file or sign_secret_env")(d, v)
	return secret{key: []byte(s), source: redacted}, ok
}

func fileSecret(d *decoder, v value) (secret, bool) {
	path, ok := filePath("write the path of a file holding the secret")(d, v)
	if !ok {
		return secret{}, false
	}
	data, err := os.ReadFile(path)
	if err != nil {
		d.fail(v, fmt.Sprintf("cannot read the secret: %v", err), "check the path and the file's permissions")
		return secret{}, false
	}
	return secret{key: []byte(strings.TrimRight(string(data), "\r\n")), source: path}, true
}

func envSecret(d *decoder, v value) (secret, bool) {
	name, ok := text("write the name of an environment variable, e.g. MTLSGUARD_SIGN_SECRET")(d, v)
	if !ok {
		return secret{}, false
	}
	s, set := os.LookupEnv(name)
	if !set {
		d.fail(v, fmt.Sprintf("environment variable %s is not set", name), "export it before starting mtlsguard, or use sign_secret_file")
		return secret{}, false
	}
	return secret{key: []byte(s), source: name}, true
}
