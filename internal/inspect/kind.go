package inspect

import (
	"mime"
	"strings"
)

// Kind is the body format a guard applies to, as named by Content-Type.
type Kind int

// Kinds of body. Other gets no shape guard, only the byte limit.
const (
	Other Kind = iota
	JSON
	XML
	Multipart
)

var kindNames = [...]string{"other", "json", "xml", "multipart"}

// String returns the lower-case name: "other", "json", "xml" or "multipart".
func (k Kind) String() string {
	if k < Other || k > Multipart {
		return "other"
	}
	return kindNames[k]
}

// KindOf classifies a Content-Type header value. application/json and any
// */*+json are JSON; application/xml, text/xml and any */*+xml are XML;
// multipart/form-data is Multipart and boundary is its boundary parameter (""
// when absent, which CheckMultipart refuses). Case and parameters are handled;
// an empty or malformed media type is Other.
func KindOf(contentType string) (k Kind, boundary string) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return Other, ""
	}
	// ParseMediaType lower-cases the media type already.
	switch {
	case mt == "application/json" || hasSuffixType(mt, "+json"):
		return JSON, ""
	case mt == "application/xml" || mt == "text/xml" || hasSuffixType(mt, "+xml"):
		return XML, ""
	case mt == "multipart/form-data":
		return Multipart, params["boundary"]
	}
	return Other, ""
}

// hasSuffixType reports whether mt is type/subtype with a structured syntax
// suffix (RFC 6838 §4.2.8) and a non-empty name before it.
func hasSuffixType(mt, suffix string) bool {
	slash := strings.IndexByte(mt, '/')
	if slash <= 0 {
		return false
	}
	sub := mt[slash+1:]
	return len(sub) > len(suffix) && strings.HasSuffix(sub, suffix)
}
