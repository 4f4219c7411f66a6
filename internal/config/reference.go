package config

import (
	"fmt"
	"strings"
)

// keyDoc documents one config key. The table below is the single source of
// REFERENCE.md (rendered and compared by the tests) and of the "did you
// mean" hints for keys written in the wrong section.
type keyDoc struct {
	key, def, meaning string
}

var reference = []keyDoc{
	{"listen", "(required)", "Address of the mTLS listener, host:port."},
	{"upstream", "(required)", "Base URL of the app, http or https, with a host."},
	{"tls.cert", "(required)", "Server certificate chain, PEM. Relative paths are relative to the config file."},
	{"tls.key", "(required)", "Private key of `tls.cert`, PEM."},
	{"tls.client_ca", "(required)", "CA certificates that sign client certificates, PEM. Clients without a certificate it verifies are refused."},
	{"tls.crl", "none", "Certificate revocation list of `client_ca`, PEM or DER; reloaded when it changes."},
	{"tls.min_version", `"1.2"`, `Oldest TLS version accepted: "1.2" or "1.3". 1.0 and 1.1 are refused (RFC 8996).`},
	{"identity.key", "cn", "What limits are keyed on: cn, spiffe, san-dns, san-email, fingerprint (SHA-256) or subject (RFC 2253 DN)."},
	{"identity.forward", "[headers, client-cert, xfcc]", "How the verified identity reaches the app: X-SSL-Client-* headers, RFC 9440 Client-Cert, Envoy-style X-Forwarded-Client-Cert. `[]` forwards none."},
	{"identity.strip_headers", "[]", "Inbound headers to delete besides the known identity headers, which are always deleted."},
	{"identity.sign_secret", "none", "HMAC-SHA256 key (at least 32 bytes) for a signature header over the identity and a timestamp. Give at most one of the three sign_secret keys."},
	{"identity.sign_secret_file", "none", "File holding the signing key; a trailing newline is ignored."},
	{"identity.sign_secret_env", "none", "Environment variable holding the signing key."},
	{"identity.sign_header", "X-Mtlsguard-Signature", "Name of the signature header."},
	{"defaults.rate", "20/s", "Requests per identity: N/s, N/m or N/h, or off (GCRA)."},
	{"defaults.burst", "40", "Requests an identity may send at once above the steady rate; at least 1 when rate is set."},
	{"defaults.max_inflight", "8", "Requests of one identity in progress at once; more get 429."},
	{"defaults.max_conns", "32", "Open connections of one identity; more are refused."},
	{"defaults.max_body", "1MiB", "Request body bytes: plain bytes or B, KiB, MiB, GiB, KB, MB, GB; more get 413."},
	{"defaults.json.max_depth", "32", "Nesting depth of a JSON body."},
	{"defaults.json.max_tokens", "100000", "Values, keys and delimiters in a JSON body."},
	{"defaults.json.max_string", "256KiB", "Bytes of one JSON string or key."},
	{"defaults.json.max_number", "1000", "Bytes of one JSON number as sent. Python's int() refuses more than 4,300 digits (a 500 in Django)."},
	{"defaults.xml.max_depth", "32", "Element nesting of an XML body."},
	{"defaults.xml.doctype", "deny", "deny rejects any DOCTYPE, and with it every entity; allow lets it through."},
	{"defaults.multipart.max_parts", "100", "Parts of a multipart/form-data body."},
	{"defaults.multipart.max_part_size", "= max_body", "Bytes of one part; follows max_body unless set."},
	{"defaults.weight", "1", "Share of the upstream's capacity relative to other identities (fair admission)."},
	{"groups.NAME.match.ou", "", "Certificates with any of these organizational units (a string or a list)."},
	{"groups.NAME.match.cn", "", "Certificates with any of these common names (a string or a list)."},
	{"groups.NAME.match.spiffe_prefix", "", "Certificates whose SPIFFE ID starts with this. A group needs at least one match criterion."},
	{"groups.NAME.rate … weight", "defaults", "Any key of defaults (rate, burst, max_inflight, max_conns, max_body, json, xml, multipart, weight) overrides it for the group's identities."},
	{"routes[].path", "(required)", "Path prefix, starting with /; the longest matching prefix wins."},
	{"routes[].methods", "all", "Methods the route covers (a string or a list)."},
	{"routes[].allow", "everyone", "Who may use the route: group names, or id:VALUE for one identity (VALUE is the identity key's value); others get 403."},
	{"routes[].rate … weight", "defaults", "Any key of defaults overrides it on this route."},
	{"timeouts.read_header", "5s", "Time to read the request line and headers."},
	{"timeouts.body", "30s", "Time to read the whole request body."},
	{"timeouts.idle", "60s", "Keep-alive connection with no request."},
	{"timeouts.upstream", "30s", "Time for the upstream's response headers; then 504."},
	{"timeouts.drain", "15s", "On SIGTERM, time admitted requests get to finish."},
	{"http.max_header_bytes", "64KiB", "Bytes of the request line and headers."},
	{"http.max_concurrent_streams", "100", "HTTP/2 streams per connection."},
	{"http.max_connections", "10000", "Open client connections in all, counted from accept (before the TLS handshake, so clients without a valid certificate count too); past it the proxy stops accepting until one closes."},
	{"state.max_identities", "100000", "Identities the limiter tracks at once; past it new identities are refused, never given a fresh budget."},
	{"state.idle_ttl", "10m", "An identity unseen this long is forgotten."},
	{"upstream_capacity.max_inflight", "off", "Requests the app can work on at once, shared fairly between identities: a number, auto, or off."},
	{"upstream_capacity.min", "1", "Lower bound of the automatic capacity."},
	{"upstream_capacity.max", "256", "Upper bound of the automatic capacity."},
	{"upstream_capacity.max_queue", "64", "Requests one identity may have waiting for capacity."},
	{"upstream_capacity.max_queue_wait", "1s", "Longest wait for capacity; then 503 with Retry-After."},
	{"openapi.spec", "none", "OpenAPI 2.0/3.0/3.1 contract (JSON or YAML), relative to the config file. The proxy checks JSON request bodies of the operations it describes against its maxLength, maxItems, maxProperties, minimum and maximum; it does not check types or required properties. Requests to paths and methods the contract does not describe pass."},
	{"openapi.enforce", "false", "true refuses a body past the contract's bounds with 422 contract-violation; false only logs it (`contract violation` at warn level)."},
	{"openapi.unknown_operations", "pass", "Requests whose path and method the contract does not describe: pass forwards them unchecked; refuse answers 404 unknown-operation, or 405 unknown-method with Allow when the path is described (HEAD counts as GET)."},
	{"metrics", "off", "Address of the Prometheus listener, host:port; must differ from listen."},
	{"log.format", "text", "text or json."},
	{"log.level", "info", "debug, info, warn or error."},
	{"log.access", "true", "One log line per request with identity, decision and latency."},
}

// placeOf returns the documented key path whose last part is key, for a key
// written in the wrong section; "" when there is none.
func placeOf(key string) string {
	for _, k := range reference {
		if strings.HasSuffix(k.key, "."+key) {
			return k.key
		}
	}
	return ""
}

// referenceMarkdown renders the reference table as REFERENCE.md.
func referenceMarkdown() string {
	var b strings.Builder
	b.WriteString("# mtlsguard proxy: configuration reference\n\n")
	b.WriteString("The proxy reads one YAML file (`mtlsguard proxy -c FILE`). Unknown keys, bad values and\n")
	b.WriteString("contradictions are errors that name the file, line, key and fix; `mtlsguard config check -c FILE`\n")
	b.WriteString("lists them all, or prints the effective config with every default filled in.\n")
	b.WriteString("`mtlsguard config example` prints a commented example. A file with only `listen`, `upstream`\n")
	b.WriteString("and `tls` is complete: every other key has the safe default below.\n\n")
	b.WriteString("Rates are written `20/s`, `100/m`, `5000/h` (or `off`); sizes `1MiB`, `512KiB`, `10MB` or plain\n")
	b.WriteString("bytes; durations `5s`, `1m30s`, `250ms`. Lists may be written as one value: `ou: admins`.\n\n")
	b.WriteString("| key | default | meaning |\n| --- | --- | --- |\n")
	for _, k := range reference {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", k.key, cell(k.def), strings.ReplaceAll(k.meaning, "|", `\|`))
	}
	return b.String()
}

func cell(def string) string {
	if def == "" {
		return ""
	}
	if strings.HasPrefix(def, "(") || def == "none" || def == "defaults" || def == "all" || def == "everyone" {
		return def
	}
	return "`" + def + "`"
}
