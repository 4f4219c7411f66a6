// Package inspect holds the body guards of mtlsguard proxy: it decides, before
// the upstream receives a byte, whether a request body is too deep, too big or
// malformed for the application's parser.
//
// Deeply nested JSON makes Python's json.loads raise RecursionError near depth
// 1,000 (a 500 from Django), an XML DOCTYPE opens the door to entity expansion
// and external entities, and a multipart body with thousands of parts keeps a
// worker busy long after the bytes arrived. The guards here stop those bodies at
// the edge with a *Violation that names a stable reason and the HTTP status to
// answer with.
//
// The package knows nothing of HTTP handlers, identities or configuration
// files; the proxy maps a Violation onto its problem+json response. It does not
// validate bodies against a schema.
package inspect
