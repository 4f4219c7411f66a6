package scan

import (
	"net/http"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

// Contract is what the scan knows from the API's OpenAPI spec: its
// operations, ready to probe, and the static audit's findings.
type Contract struct {
	File   string            // the spec as the user named it
	Ops    []Operation       // every operation, in spec order
	Static []finding.Finding // findings of the static rules
}

// Operation is one operation of the spec, ready to send.
type Operation struct {
	Method      string // upper case
	Path        string // path template, as in the spec: /users/{id}
	URLPath     string // the template filled from examples, with required query parameters
	OperationID string
	Summary     string
	Privileged  bool   // admin-only by tags, path or x-roles-style extensions
	ContentType string // request media type; "" without a body
	Example     any    // a valid request body (JSON value); nil without one
	Limits      []BodyLimit
	Location    *finding.Location
}

// Safe reports a GET or HEAD operation.
func (o Operation) Safe() bool { return o.Method == http.MethodGet || o.Method == http.MethodHead }

// JSON reports an operation whose body is JSON.
func (o Operation) JSON() bool { return o.Example != nil && isJSONType(o.ContentType) }

// BodyLimit is a bound the spec sets on one field of a request body.
type BodyLimit struct {
	Field    []string // property names from the body's root; "[]" steps into array items
	Keyword  string   // maxLength, maxItems, maxProperties or maximum
	Max      float64
	Location *finding.Location // the schema's place in the spec
}

// Timing holds the durations and sizes of the probes. Zero fields take the
// defaults of DefaultTiming; tests shrink them.
type Timing struct {
	RequestTimeout     time.Duration // one exchange
	RetryMaxWait       time.Duration // longest Retry-After the scan waits out
	SlowHeaderHold     time.Duration // SLOW-LORIS: how long a slow header is held
	SlowHeaderInterval time.Duration // SLOW-LORIS: pause between header lines
	NoisyHold          time.Duration // CONC-NOISY-NEIGHBOR: how long the primary holds slow requests
	NoisyHolders       int           // CONC-NOISY-NEIGHBOR: slow requests held at once
	Samples            int           // CONC-NOISY-NEIGHBOR: peer requests per phase
	Burst              int           // RATE-NO-LIMIT: requests in the burst
	BaselineSamples    int           // GETs per path when measuring the baseline
	DegradeFactor      float64       // load probes stop when p50 > factor × baseline …
	DegradeFloor       time.Duration // … and p50 > floor
}

// DefaultTiming fits a full scan in about 13 s: the slow-header probe holds
// its connection for 12 s (past the 10 s header timeout the remediation
// recommends) while the other checks run.
var DefaultTiming = Timing{
	RequestTimeout:     10 * time.Second,
	RetryMaxWait:       5 * time.Second,
	SlowHeaderHold:     12 * time.Second,
	SlowHeaderInterval: time.Second,
	NoisyHold:          2 * time.Second,
	NoisyHolders:       8,
	Samples:            10,
	Burst:              80,
	BaselineSamples:    3,
	DegradeFactor:      10,
	DegradeFloor:       time.Second,
}

func (t Timing) withDefaults() Timing {
	d := DefaultTiming
	setDur(&d.RequestTimeout, t.RequestTimeout)
	setDur(&d.RetryMaxWait, t.RetryMaxWait)
	setDur(&d.SlowHeaderHold, t.SlowHeaderHold)
	setDur(&d.SlowHeaderInterval, t.SlowHeaderInterval)
	setDur(&d.NoisyHold, t.NoisyHold)
	setDur(&d.DegradeFloor, t.DegradeFloor)
	setInt(&d.NoisyHolders, t.NoisyHolders)
	setInt(&d.Samples, t.Samples)
	setInt(&d.Burst, t.Burst)
	setInt(&d.BaselineSamples, t.BaselineSamples)
	if t.DegradeFactor > 0 {
		d.DegradeFactor = t.DegradeFactor
	}
	return d
}

func setDur(dst *time.Duration, v time.Duration) {
	if v > 0 {
		*dst = v
	}
}

func setInt(dst *int, v int) {
	if v > 0 {
		*dst = v
	}
}

func isJSONType(ct string) bool {
	return ct == "application/json" || (len(ct) > 5 && ct[len(ct)-5:] == "+json")
}
