package scan

import (
	"sort"
	"sync"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

type sentKey struct{ check, method, path, note string }

// recorder keeps what every check sent, aggregated by method, path and note.
type recorder struct {
	mu       sync.Mutex
	sent     map[sentKey]*finding.Sent
	perCheck map[string]int
}

func newRecorder() *recorder {
	return &recorder{sent: map[sentKey]*finding.Sent{}, perCheck: map[string]int{}}
}

func (r *recorder) add(check, method, path, note string, size int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := sentKey{check, method, path, note}
	s := r.sent[k]
	if s == nil {
		s = &finding.Sent{Check: check, Method: method, Path: path, Note: note}
		r.sent[k] = s
	}
	s.Count++
	s.Bytes += size
	r.perCheck[check]++
}

func (r *recorder) requests(check string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.perCheck[check]
}

// list returns the aggregated entries sorted by check, path, method and note.
func (r *recorder) list() []finding.Sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]finding.Sent, 0, len(r.sent))
	for _, s := range r.sent {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Check != b.Check {
			return a.Check < b.Check
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Method != b.Method {
			return a.Method < b.Method
		}
		return a.Note < b.Note
	})
	return out
}

// addConn records a bare TLS connection (a handshake probe); it counts
// against the connection budget, not the request budget.
func (r *recorder) addConn(check, note string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := sentKey{check, "TLS", "", note}
	s := r.sent[k]
	if s == nil {
		s = &finding.Sent{Check: check, Method: "TLS", Note: note}
		r.sent[k] = s
	}
	s.Count++
}
