// Package config loads the YAML configuration of `mtlsguard proxy`: a
// strict parse (unknown keys, bad values and contradictions are errors that
// name the file, line, key and fix, all of them in one pass), then defaults,
// then validation, into typed values that the proxy uses as they are.
// It does not open the TLS files it names; package tlsconf does. It does read
// the OpenAPI contract openapi.spec names, so a bad contract is reported with
// the config's own problems (the proxy only compiles it).
//
// A file with only listen, upstream and tls is complete. Every key, with its
// default (REFERENCE.md has the same table, with more words):
//
//	listen                              required   host:port of the mTLS listener
//	upstream                            required   http(s)://host[:port][/path] of the app
//	tls.cert, tls.key, tls.client_ca    required   PEM files; relative to the config file
//	tls.crl                             none       revocation list of client_ca
//	tls.min_version                     "1.2"      or "1.3"; 1.0 and 1.1 are refused
//	identity.key                        cn         cn|spiffe|san-dns|san-email|fingerprint|subject
//	identity.forward                    [headers, client-cert, xfcc]
//	identity.strip_headers              []         extra inbound headers to delete
//	identity.sign_secret                none       HMAC key, >= 32 bytes; or:
//	identity.sign_secret_file           none       a file holding it; or:
//	identity.sign_secret_env            none       an environment variable holding it
//	identity.sign_header                X-Mtlsguard-Signature
//	defaults.rate                       20/s       N/s, N/m, N/h or off
//	defaults.burst                      40
//	defaults.max_inflight               8
//	defaults.max_conns                  32
//	defaults.max_body                   1MiB       B, KiB, MiB, GiB, KB, MB, GB or plain bytes
//	defaults.json.max_depth             32
//	defaults.json.max_tokens            100000
//	defaults.json.max_string            256KiB
//	defaults.json.max_number            1000
//	defaults.xml.max_depth              32
//	defaults.xml.doctype                deny       or allow
//	defaults.multipart.max_parts        100
//	defaults.multipart.max_part_size    = max_body
//	defaults.weight                     1          fair-share weight
//	groups.NAME.match.ou / .cn          -          a string or a list
//	groups.NAME.match.spiffe_prefix     -          spiffe://...; a group needs one match criterion
//	groups.NAME.rate … weight           defaults   any defaults key, for the group
//	routes[].path                       required   prefix starting with /
//	routes[].methods                    all
//	routes[].allow                      everyone   group names or id:VALUE
//	routes[].rate … weight              defaults   any defaults key, for the route
//	timeouts.read_header                5s
//	timeouts.body                       30s
//	timeouts.idle                       60s
//	timeouts.upstream                   30s
//	timeouts.drain                      15s
//	http.max_header_bytes               64KiB
//	http.max_concurrent_streams         100
//	http.max_connections                10000
//	state.max_identities                100000
//	state.idle_ttl                      10m
//	upstream_capacity.max_inflight      off        a number, auto or off
//	upstream_capacity.min               1          bounds of auto
//	upstream_capacity.max               256
//	upstream_capacity.max_queue         64         per identity
//	upstream_capacity.max_queue_wait    1s
//	openapi.spec                        none       contract file whose body bounds are enforced
//	openapi.enforce                     false      true: 422 past a bound; false: log only
//	openapi.unknown_operations          pass       or refuse: 404/405 for what it does not describe
//	metrics                             off        host:port of the Prometheus listener
//	log.format                          text       or json
//	log.level                           info       debug|info|warn|error
//	log.access                          true
package config
