package proxy

import (
	"net/http"
	"strconv"
	"time"
)

// ProblemBase prefixes every problem type URI; the URIs are stable and
// documented in README.md, so clients and dashboards can key on them.
const ProblemBase = "https://mtlsguard.dev/problems/"

// reason is why the proxy refused a request, or that it did not. Each reason
// has one status, one problem type and one metrics label, so the set of label
// values is bounded.
type reason uint8

const (
	reasonNone reason = iota // allowed
	reasonRate
	reasonInflight
	reasonConns
	reasonTableFull
	reasonForbidden
	reasonNoIdentity
	reasonBodySize
	reasonBodyTimeout
	reasonJSONDepth
	reasonJSONTokens
	reasonJSONString
	reasonJSONNumber
	reasonJSONSyntax
	reasonXMLDoctype
	reasonXMLDepth
	reasonXMLSyntax
	reasonMultipartParts
	reasonMultipartPartSize
	reasonMultipartSyntax
	reasonContract
	reasonUnknownOperation
	reasonUnknownMethod
	reasonCapacity
	reasonUpstreamError
	reasonUpstreamTimeout
	reasonClientGone
	reasonCount
)

type reasonInfo struct {
	name   string // metrics label and the last segment of the problem type
	status int
	title  string
}

var reasons = [reasonCount]reasonInfo{
	reasonNone:              {"none", http.StatusOK, ""},
	reasonRate:              {"rate-limited", http.StatusTooManyRequests, "Request rate limit exceeded"},
	reasonInflight:          {"too-many-inflight", http.StatusTooManyRequests, "Too many requests in flight for this identity"},
	reasonConns:             {"too-many-connections", http.StatusTooManyRequests, "Too many open connections for this identity"},
	reasonTableFull:         {"identity-table-full", http.StatusServiceUnavailable, "Too many identities tracked at once"},
	reasonForbidden:         {"forbidden-route", http.StatusForbidden, "Identity not allowed on this route"},
	reasonNoIdentity:        {"missing-identity", http.StatusForbidden, "Client certificate lacks the identity field limits are keyed on"},
	reasonBodySize:          {"body-too-large", http.StatusRequestEntityTooLarge, "Request body too large"},
	reasonBodyTimeout:       {"body-timeout", http.StatusRequestTimeout, "Request body not received in time"},
	reasonJSONDepth:         {"json-depth", http.StatusBadRequest, "JSON nested too deeply"},
	reasonJSONTokens:        {"json-tokens", http.StatusRequestEntityTooLarge, "JSON document has too many tokens"},
	reasonJSONString:        {"json-string", http.StatusRequestEntityTooLarge, "JSON string too long"},
	reasonJSONNumber:        {"json-number", http.StatusRequestEntityTooLarge, "JSON number too long"},
	reasonJSONSyntax:        {"json-syntax", http.StatusBadRequest, "Malformed JSON"},
	reasonXMLDoctype:        {"xml-doctype", http.StatusBadRequest, "XML DOCTYPE or entity declarations are not allowed"},
	reasonXMLDepth:          {"xml-depth", http.StatusBadRequest, "XML nested too deeply"},
	reasonXMLSyntax:         {"xml-syntax", http.StatusBadRequest, "Malformed XML"},
	reasonMultipartParts:    {"multipart-parts", http.StatusRequestEntityTooLarge, "Too many multipart parts"},
	reasonMultipartPartSize: {"multipart-part-size", http.StatusRequestEntityTooLarge, "Multipart part too large"},
	reasonMultipartSyntax:   {"multipart-syntax", http.StatusBadRequest, "Malformed multipart body"},
	reasonContract:          {"contract-violation", http.StatusUnprocessableEntity, "Request body outside the bounds of the API contract"},
	reasonUnknownOperation:  {"unknown-operation", http.StatusNotFound, "Operation not described by the API contract"},
	reasonUnknownMethod:     {"unknown-method", http.StatusMethodNotAllowed, "Method not described by the API contract for this path"},
	reasonCapacity:          {"temporary-reduced-capacity", http.StatusServiceUnavailable, "Upstream at capacity"},
	reasonUpstreamError:     {"upstream-unavailable", http.StatusBadGateway, "Upstream unavailable"},
	reasonUpstreamTimeout:   {"upstream-timeout", http.StatusGatewayTimeout, "Upstream did not answer in time"},
	reasonClientGone:        {"client-gone", 499, ""},
}

// reasonByName maps the inspect package's violation reasons onto ours.
var reasonByName = func() map[string]reason {
	m := make(map[string]reason, reasonCount)
	for i, ri := range reasons {
		m[ri.name] = reason(i)
	}
	m["body-size"] = reasonBodySize
	return m
}()

// writeProblem answers with an RFC 9457 problem+json body. retryAfter > 0 adds
// Retry-After in whole seconds, rounded up so a client never retries early.
func writeProblem(w http.ResponseWriter, rs reason, detail string, retryAfter time.Duration) {
	ri := reasons[rs]
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	if retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(ceilSeconds(retryAfter)))
	}
	w.WriteHeader(ri.status)
	b := make([]byte, 0, 256)
	b = append(b, `{"type":`...)
	b = strconv.AppendQuote(b, ProblemBase+ri.name)
	b = append(b, `,"title":`...)
	b = strconv.AppendQuote(b, ri.title)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(ri.status), 10)
	if detail != "" {
		b = append(b, `,"detail":`...)
		b = appendJSONString(b, detail)
	}
	b = append(b, "}\n"...)
	_, _ = w.Write(b)
}

// ceilSeconds rounds d up to whole seconds, at least 1.
func ceilSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		return 1
	}
	return s
}

// appendJSONString appends s as a JSON string. strconv.AppendQuote is not
// JSON (it writes \x escapes), so control characters and quotes are escaped here.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
