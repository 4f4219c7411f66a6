package config

import "time"

// Limits is the budget of one identity: what it may send, how fast and how
// much at once. Config.Defaults holds it with every field filled in; groups
// and routes change parts of it through Overrides.
type Limits struct {
	Rate        Rate  // requests per unit of time (GCRA); zero = unlimited
	Burst       int   // requests admitted at once above the steady rate; ≥ 1 when Rate is set
	MaxInflight int   // requests in progress at once
	MaxConns    int   // open connections at once
	MaxBody     int64 // request body bytes
	JSON        JSONLimits
	XML         XMLLimits
	Multipart   MultipartLimits
	Weight      int // share of the upstream's capacity relative to other identities
}

// JSONLimits bounds the shape of JSON request bodies.
type JSONLimits struct {
	MaxDepth  int   // nesting of arrays and objects
	MaxTokens int   // values, keys and delimiters in the whole document
	MaxString int64 // bytes of one string or key
	MaxNumber int   // bytes of one number as sent (sign, digits, point, exponent)
}

// XMLLimits bounds the shape of XML request bodies.
type XMLLimits struct {
	MaxDepth int    // element nesting
	Doctype  string // "deny" rejects any DOCTYPE (and so every entity); "allow" lets it through
}

// MultipartLimits bounds multipart/form-data request bodies.
type MultipartLimits struct {
	MaxParts    int   // parts in one body
	MaxPartSize int64 // bytes of one part; follows MaxBody unless set
}

// Doctype policies of XMLLimits.
const (
	DoctypeDeny  = "deny"
	DoctypeAllow = "allow"
)

// DefaultLimits is the budget of an identity when the config says nothing:
// 20 requests per second with a burst of 40, 8 in flight, 32 connections,
// 1 MiB bodies, JSON and XML nested at most 32 deep, no DOCTYPE.
func DefaultLimits() Limits {
	return Limits{
		Rate:        Rate{N: 20, Per: time.Second},
		Burst:       40,
		MaxInflight: 8,
		MaxConns:    32,
		MaxBody:     1 << 20,
		JSON:        JSONLimits{MaxDepth: 32, MaxTokens: 100000, MaxString: 256 << 10, MaxNumber: 1000},
		XML:         XMLLimits{MaxDepth: 32, Doctype: DoctypeDeny},
		Multipart:   MultipartLimits{MaxParts: 100, MaxPartSize: 1 << 20},
		Weight:      1,
	}
}

// Overrides changes some fields of a Limits; a nil field keeps the value it
// is applied to. Groups and routes carry one each.
type Overrides struct {
	Rate        *Rate
	Burst       *int
	MaxInflight *int
	MaxConns    *int
	MaxBody     *int64
	JSON        JSONOverrides
	XML         XMLOverrides
	Multipart   MultipartOverrides
	Weight      *int
}

// JSONOverrides changes some fields of a JSONLimits.
type JSONOverrides struct {
	MaxDepth  *int
	MaxTokens *int
	MaxString *int64
	MaxNumber *int
}

// XMLOverrides changes some fields of an XMLLimits.
type XMLOverrides struct {
	MaxDepth *int
	Doctype  *string
}

// MultipartOverrides changes some fields of a MultipartLimits.
type MultipartOverrides struct {
	MaxParts    *int
	MaxPartSize *int64
}

// With returns l with every field that o sets replaced. When o raises or
// lowers MaxBody without setting MaxPartSize, a part size that did not bind
// (it was at least the old MaxBody) follows the new MaxBody, so that
// "max_body: 20MiB" on an upload route also admits a 20 MiB part.
func (l Limits) With(o Overrides) Limits {
	if o.MaxBody != nil && o.Multipart.MaxPartSize == nil && l.Multipart.MaxPartSize >= l.MaxBody {
		l.Multipart.MaxPartSize = *o.MaxBody
	}
	apply(&l.Rate, o.Rate)
	apply(&l.Burst, o.Burst)
	apply(&l.MaxInflight, o.MaxInflight)
	apply(&l.MaxConns, o.MaxConns)
	apply(&l.MaxBody, o.MaxBody)
	apply(&l.JSON.MaxDepth, o.JSON.MaxDepth)
	apply(&l.JSON.MaxTokens, o.JSON.MaxTokens)
	apply(&l.JSON.MaxString, o.JSON.MaxString)
	apply(&l.JSON.MaxNumber, o.JSON.MaxNumber)
	apply(&l.XML.MaxDepth, o.XML.MaxDepth)
	apply(&l.XML.Doctype, o.XML.Doctype)
	apply(&l.Multipart.MaxParts, o.Multipart.MaxParts)
	apply(&l.Multipart.MaxPartSize, o.Multipart.MaxPartSize)
	apply(&l.Weight, o.Weight)
	return l
}

func apply[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
