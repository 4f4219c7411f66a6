package checks

import "github.com/mtlsguard/mtlsguard/internal/finding"

// OWASP API Security Top 10 (2023) categories the runtime checks use,
// spelled as finding.Finding.Category documents them.
const (
	catAuthn    = "API2:2023" // Broken Authentication
	catResource = "API4:2023" // Unrestricted Resource Consumption
	catBFLA     = "API5:2023" // Broken Function Level Authorization
	catConfig   = "API8:2023" // Security Misconfiguration
)

// Rule kinds.
const (
	passive = "passive"
	active  = "active"
)

var ruleNoCert = finding.Rule{
	ID: "MTLS-NO-CERT", Title: "Requests without a client certificate reach the app",
	Category: catAuthn, Severity: finding.Critical, Kind: passive,
	Description: "The TLS endpoint lets a client connect without presenting a certificate and the request is served: mTLS is optional, so identity-keyed limits and authorization have nothing to key on.",
	Remediation: finding.Remediation{
		Django:    "Do not rely on the app for mTLS; refuse requests without a verified identity header set by the terminating proxy (e.g. a middleware that returns 403 when HTTP_X_SSL_CLIENT_VERIFY != 'SUCCESS').",
		Nginx:     "ssl_verify_client on; (not 'optional' or 'optional_no_ca') with ssl_client_certificate pointing at the client CA.",
		Mtlsguard: "Put mtlsguard proxy in front: tls.client_ca is required and clients without a certificate it verifies are refused.",
	},
}

var ruleUntrusted = finding.Rule{
	ID: "MTLS-UNTRUSTED-CA", Title: "Certificates from an untrusted CA are accepted",
	Category: catAuthn, Severity: finding.Critical, Kind: passive,
	Description: "A client certificate signed by a CA the scanner made up (with the primary identity's CN) was accepted and the request served: anyone can mint the identity.",
	Remediation: finding.Remediation{
		Django:    "Trust only the identity the proxy verified; never parse a client certificate forwarded without verification.",
		Nginx:     "ssl_verify_client on; ssl_client_certificate /etc/nginx/client-ca.crt; (not optional_no_ca).",
		Mtlsguard: "tls.client_ca: the CA bundle of your clients only; mtlsguard verifies the chain on every handshake.",
	},
}

var ruleExpired = finding.Rule{
	ID: "MTLS-EXPIRED-CERT", Title: "Expired client certificates are accepted",
	Category: catAuthn, Severity: finding.High, Kind: passive,
	Description: "A client certificate signed by the trusted CA but past its validity was accepted and the request served: revoking access by letting certificates expire does not work.",
	Remediation: finding.Remediation{
		Django:    "Trust only the identity the proxy verified (check HTTP_X_SSL_CLIENT_VERIFY == 'SUCCESS').",
		Nginx:     "ssl_verify_client on; (nginx rejects expired certificates unless verification is optional_no_ca).",
		Mtlsguard: "mtlsguard proxy verifies validity on every handshake; keep tls.crl current for early revocation.",
	},
}

var ruleLegacy = finding.Rule{
	ID: "TLS-LEGACY-VERSION", Title: "TLS 1.0 or 1.1 accepted",
	Category: catConfig, Severity: finding.Medium, Kind: passive,
	Description: "The server completes handshakes with TLS 1.0 or 1.1, deprecated by RFC 8996.",
	Remediation: finding.Remediation{
		Django:    "Not an application setting: fix it where TLS terminates.",
		Nginx:     "ssl_protocols TLSv1.2 TLSv1.3;",
		Mtlsguard: "tls.min_version: \"1.2\" (the default) or \"1.3\"; 1.0 and 1.1 are always refused.",
	},
}

var ruleWeakCipher = finding.Rule{
	ID: "TLS-WEAK-CIPHER", Title: "Weak cipher suites accepted",
	Category: catConfig, Severity: finding.Medium, Kind: passive,
	Description: "The server agrees to NULL, export, RC4, 3DES or CBC-mode cipher suites when a client offers nothing else.",
	Remediation: finding.Remediation{
		Django:    "Not an application setting: fix it where TLS terminates.",
		Nginx:     "ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20; ssl_prefer_server_ciphers on;",
		Mtlsguard: "mtlsguard proxy offers only AEAD suites (AES-GCM, ChaCha20-Poly1305); keep tls.min_version at \"1.2\" or \"1.3\".",
	},
}

var ruleSpoof = finding.Rule{
	ID: "ID-SPOOFABLE-HEADER", Title: "Client-sent identity headers change what the app sees",
	Category: catAuthn, Severity: finding.Critical, Kind: passive,
	Description: "A request carrying identity headers a TLS-terminating proxy would set (X-SSL-Client-CN, SSL_CLIENT_S_DN_CN, X-Forwarded-Client-Cert…) got a different answer than the same request without them: the client can claim any identity.",
	Remediation: finding.Remediation{
		Django:    "Read the identity only from a header your proxy always overwrites, and make the proxy strip every spelling (X-SSL-Client-CN and X_SSL_Client_CN both become HTTP_X_SSL_CLIENT_CN in WSGI).",
		Nginx:     "underscores_in_headers off; ignore_invalid_headers on; proxy_set_header X-SSL-Client-CN $ssl_client_s_dn_cn; for every identity header the app reads.",
		Mtlsguard: "mtlsguard proxy always deletes every client-sent spelling of the known identity headers before setting the verified ones (identity.forward); list any other header your app trusts in identity.strip_headers.",
	},
}

var ruleNoLimit = finding.Rule{
	ID: "RATE-NO-LIMIT", Title: "No per-identity rate limit",
	Category: catResource, Severity: finding.High, Kind: active,
	Description: "A bounded burst from one authenticated identity on the cheapest GET was never throttled: one client can take the whole service's capacity.",
	Remediation: finding.Remediation{
		Django:    "django-ratelimit keyed on the verified identity: @ratelimit(key='header:x-ssl-client-cn', rate='20/s', block=True), with RATELIMIT_VIEW returning 429 and Retry-After.",
		Nginx:     "limit_req_zone $ssl_client_s_dn_cn zone=perclient:10m rate=20r/s; limit_req zone=perclient burst=40 nodelay; limit_req_status 429;",
		Mtlsguard: "defaults.rate: 20/s and defaults.burst: 40 (per identity), tighter per route under routes[].",
	},
}

var ruleShared = finding.Rule{
	ID: "RATE-SHARED-LIMIT", Title: "Rate limit shared between identities",
	Category: catResource, Severity: finding.Medium, Kind: active,
	Description: "Once the primary identity was throttled, the peer identity was throttled too: the limit is global (or per address), so one client's flood denies service to the others.",
	Remediation: finding.Remediation{
		Django:    "Key django-ratelimit on the certificate identity (key='header:x-ssl-client-cn'), not on 'ip' and not global.",
		Nginx:     "limit_req_zone $ssl_client_s_dn_cn … (not $binary_remote_addr behind a load balancer, not a constant key).",
		Mtlsguard: "mtlsguard keys defaults.rate on identity.key (cn, spiffe, fingerprint…); use groups: to give classes of clients their own rates.",
	},
}

var ruleRetryAfter = finding.Rule{
	ID: "RATE-NO-RETRY-AFTER", Title: "Throttling answers carry no Retry-After",
	Category: catResource, Severity: finding.Low, Kind: active,
	Description: "The target throttled with 429 (or 503) but said neither Retry-After nor RateLimit headers, so well-behaved clients cannot back off and retry storms follow.",
	Remediation: finding.Remediation{
		Django:    "In the RATELIMIT_VIEW (django-ratelimit) return HttpResponse(status=429, headers={'Retry-After': '1'}).",
		Nginx:     "add_header Retry-After 1 always; in the location that returns limit_req_status 429.",
		Mtlsguard: "mtlsguard proxy sends Retry-After with RateLimit and RateLimit-Policy on every 429 (defaults.rate) and on 503 when upstream_capacity.max_queue_wait runs out.",
	},
}

var ruleNoisy = finding.Rule{
	ID: "CONC-NOISY-NEIGHBOR", Title: "One identity's slow requests degrade another's",
	Category: catResource, Severity: finding.High, Kind: active,
	Description: "While the primary identity held many slow requests open, the peer identity's latency on a cheap GET grew sharply or its requests failed: there is no per-identity concurrency cap or fair share of the workers.",
	Remediation: finding.Remediation{
		Django:    "Run more workers than one client may hold and cap each client's concurrent requests at the proxy; gunicorn's timeout alone does not isolate clients.",
		Nginx:     "limit_conn_zone $ssl_client_s_dn_cn zone=perclientconn:10m; limit_conn perclientconn 8;",
		Mtlsguard: "defaults.max_inflight: 8 per identity and upstream_capacity.max_inflight: (your worker count) so admission is shared fairly.",
	},
}

var ruleBodyLimit = finding.Rule{
	ID: "BODY-NO-LIMIT", Title: "Very large request bodies accepted",
	Category: catResource, Severity: finding.Medium, Kind: active,
	Description: "Request bodies stepped up to the probe's cap were all accepted: a client can make the app buffer and parse as much as it likes.",
	Remediation: finding.Remediation{
		Django:    "DATA_UPLOAD_MAX_MEMORY_SIZE = 1048576 (and FILE_UPLOAD_MAX_MEMORY_SIZE) in settings.py.",
		Nginx:     "client_max_body_size 1m;",
		Mtlsguard: "defaults.max_body: 1MiB, raised only where needed with routes[].max_body.",
	},
}

var ruleDrift = finding.Rule{
	ID: "BODY-SPEC-DRIFT", Title: "Runtime accepts values past the spec's limits",
	Category: catResource, Severity: finding.Medium, Kind: active,
	Description: "The spec bounds a field (maxLength, maxItems, maxProperties or maximum), yet the server answered 2xx to a body with the field one past that bound: the contract's limits are not enforced.",
	Remediation: finding.Remediation{
		Django:    "Mirror the spec in serializers: CharField(max_length=N), ListField(max_length=N), IntegerField(max_value=N), or validate bodies against the OpenAPI schema.",
		Nginx:     "nginx cannot validate fields; validate in the app or at an API gateway.",
		Mtlsguard: "openapi: {spec: openapi.yaml, enforce: true} makes the proxy refuse (422) JSON bodies past the contract's maxLength, maxItems, maxProperties, minimum and maximum; defaults.max_body and defaults.json.* bound the worst case for everything else.",
	},
}

var ruleDepth = finding.Rule{
	ID: "JSON-DEPTH-CRASH", Title: "Deeply nested JSON crashes or hangs the app",
	Category: catResource, Severity: finding.High, Kind: active,
	Description: "A JSON body nested past 1,000 or 10,000 levels (where Python's json and Go's encoding/json give up) got a 5xx, a reset connection or no answer, instead of a 4xx.",
	Remediation: finding.Remediation{
		Django:    "Reject deep bodies before json.loads (a middleware that counts nesting) and catch RecursionError as a 400.",
		Nginx:     "nginx cannot measure JSON depth; cap client_max_body_size and guard depth in the app or proxy.",
		Mtlsguard: "defaults.json.max_depth: 32 (and defaults.json.max_tokens) — deeper bodies get 400 before reaching the app.",
	},
}

var ruleXML = finding.Rule{
	ID: "XML-ENTITY-EXPANSION", Title: "XML with DTD entities accepted",
	Category: catResource, Severity: finding.High, Kind: active,
	Description: "An XML body with an inline DTD declaring an entity was accepted (and the entity expanded): the parser is open to billion-laughs expansion. The probe uses one small entity, never a bomb.",
	Remediation: finding.Remediation{
		Django:    "Parse XML with defusedxml (defusedxml.ElementTree.fromstring), which refuses DTDs and entities.",
		Nginx:     "nginx cannot inspect XML; reject DTDs in the app or proxy.",
		Mtlsguard: "defaults.xml.doctype: deny (the default) and defaults.xml.max_depth: 32.",
	},
}

var ruleHeader = finding.Rule{
	ID: "HDR-NO-LIMIT", Title: "Very large request headers accepted",
	Category: catResource, Severity: finding.Low, Kind: active,
	Description: "A request with a single header of 128 KiB or more was served: header buffers are not bounded the way common servers bound them (8–64 KiB).",
	Remediation: finding.Remediation{
		Django:    "Run behind a server that bounds headers: gunicorn --limit-request-field_size 8190 --limit-request-fields 100.",
		Nginx:     "large_client_header_buffers 4 8k;",
		Mtlsguard: "http.max_header_bytes: 64KiB (the default) or lower; mtlsguard proxy answers 431 past it.",
	},
}

var ruleSlowloris = finding.Rule{
	ID: "SLOW-LORIS", Title: "Slow request headers hold connections open",
	Category: catResource, Severity: finding.Medium, Kind: active,
	Description: "A TLS connection sending its request header a line at a time was still open when the probe stopped: a few hundred such connections pin every worker or file descriptor.",
	Remediation: finding.Remediation{
		Django:    "Never expose runserver or sync workers directly; put a proxy with header timeouts in front.",
		Nginx:     "client_header_timeout 10s; client_body_timeout 10s; limit_conn per client.",
		Mtlsguard: "timeouts.read_header: 5s (the default) and defaults.max_conns: 32 per identity.",
	},
}

var ruleBFLA = finding.Rule{
	ID: "AUTHZ-BFLA", Title: "Low-privilege identity reaches privileged operations",
	Category: catBFLA, Severity: finding.High, Kind: active,
	Description: "The low-privilege identity got a 2xx from operations the spec marks privileged (admin tags or paths, x-roles).",
	Remediation: finding.Remediation{
		Django:    "Check the role on every admin view (permission_classes = [IsAdminUser] or a decorator mapping the certificate OU to a group).",
		Nginx:     "map $ssl_client_s_dn $is_admin { ~OU=admins 1; default 0; } and return 403 in admin locations when $is_admin is 0.",
		Mtlsguard: "groups.admins.match.ou: admins, then a route with path: /admin/ and allow: [admins] (routes[].allow).",
	},
}
