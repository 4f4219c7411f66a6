package checks

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// quota is what an answer's rate-limit headers say about the budget of the
// identity that sent the request: the most constrained policy named, how
// many requests it has left and when it resets. Unknown values are -1.
type quota struct {
	policy    string        // the policy's name, unquoted; "" when unnamed
	remaining int           // requests left; -1 unknown
	reset     time.Duration // until the quota is back; -1 unknown
}

// epochFloor tells a Unix time from delta-seconds in X-RateLimit-Reset.
const epochFloor = 1_000_000_000

// readQuota reads the RateLimit field in both of its draft forms
// (`"name";r=0;t=1` and `limit=10, remaining=0, reset=1`), then the
// RateLimit-Remaining/-Reset and X-RateLimit-Remaining/-Reset fields.
// Policies in one field are independent, so the lowest remaining wins.
func readQuota(h http.Header, now time.Time) quota {
	q := quota{remaining: -1, reset: -1}
	for _, v := range h.Values("RateLimit") {
		for item := range strings.SplitSeq(v, ",") {
			q.mergeItem(item)
		}
	}
	if q.remaining < 0 {
		q.remaining = firstInt(h, "RateLimit-Remaining", "X-RateLimit-Remaining")
	}
	if q.reset < 0 {
		if n := firstInt(h, "RateLimit-Reset", "X-RateLimit-Reset"); n >= epochFloor {
			q.reset = max(0, time.Unix(int64(n), 0).Sub(now))
		} else if n >= 0 {
			q.reset = time.Duration(n) * time.Second
		}
	}
	return q
}

// mergeItem folds one comma-separated member of a RateLimit field into q.
func (q *quota) mergeItem(item string) {
	name, remaining, reset := "", -1, -1
	for part := range strings.SplitSeq(item, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			name = strings.Trim(k, `"`)
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "r", "remaining":
			remaining = n
		case "t", "reset":
			reset = min(n, maxQuotaReset)
		}
	}
	if remaining >= 0 && (q.remaining < 0 || remaining < q.remaining) {
		q.remaining, q.policy = remaining, name
		if reset >= 0 {
			q.reset = time.Duration(reset) * time.Second
		}
	} else if remaining < 0 && reset >= 0 && q.reset < 0 {
		q.reset = time.Duration(reset) * time.Second
	}
}

// maxQuotaReset caps a reset in seconds (a day): far past any wait the
// scan makes, and safe from overflowing time.Duration.
const maxQuotaReset = 86400

// firstInt is the first of the named fields holding a non-negative
// integer, or -1.
func firstInt(h http.Header, names ...string) int {
	for _, name := range names {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Get(name))); err == nil && n >= 0 {
			return min(n, 1<<40)
		}
	}
	return -1
}

// String renders the quota for the evidence.
func (q quota) String() string {
	var parts []string
	if q.policy != "" {
		parts = append(parts, "policy "+strconv.Quote(q.policy))
	}
	if q.remaining >= 0 {
		parts = append(parts, "remaining "+strconv.Itoa(q.remaining))
	}
	if q.reset >= 0 {
		parts = append(parts, "reset "+q.reset.String())
	}
	if len(parts) == 0 {
		return "no rate-limit headers"
	}
	return strings.Join(parts, ", ")
}
