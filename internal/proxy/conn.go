package proxy

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/identity"
)

// conn is what the proxy knows about one client connection: the identity of
// its verified certificate (derived once, at the first request) and whether it
// holds one of that identity's connection slots.
type conn struct {
	nc   net.Conn
	once sync.Once
	id   identity.Identity
	key  string // the identity's value for identity.key; "" when the certificate lacks it
	// groups the identity matches, in config order.
	groups []int
	// holdsSlot: the connection counts against the identity's max_conns.
	holdsSlot bool
	// refused: the identity already had max_conns open; every request on
	// this connection is answered 429 and the connection is closed.
	refused bool
}

type connKey struct{}

// conns tracks open connections so that a closed one gives its slot back.
type connTable struct {
	mu sync.Mutex
	m  map[net.Conn]*conn
}

func (t *connTable) add(c *conn) {
	t.mu.Lock()
	t.m[c.nc] = c
	t.mu.Unlock()
}

func (t *connTable) remove(nc net.Conn) *conn {
	t.mu.Lock()
	c := t.m[nc]
	delete(t.m, nc)
	t.mu.Unlock()
	return c
}

// connContext attaches a fresh conn to every accepted connection's context.
func (s *Server) connContext(ctx context.Context, nc net.Conn) context.Context {
	c := &conn{nc: nc}
	s.open.add(c)
	return context.WithValue(ctx, connKey{}, c)
}

// connStateChanged gives back the connection slot when a connection ends.
func (s *Server) connStateChanged(nc net.Conn, st http.ConnState) {
	if st != http.StateClosed && st != http.StateHijacked {
		return
	}
	c := s.open.remove(nc)
	if c != nil && c.holdsSlot {
		s.conns.Release(c.key)
		s.metrics.connsOpen.Dec()
	}
}

// identify derives the identity of the connection's verified leaf once, and
// claims a connection slot for it.
func (s *Server) identify(c *conn, cs *tls.ConnectionState) {
	c.once.Do(func() {
		if cs == nil || len(cs.PeerCertificates) == 0 {
			return // cannot happen with RequireAndVerifyClientCert; refuse below
		}
		c.id = identity.FromCertificate(cs.PeerCertificates[0])
		c.key = c.id.Key(s.idKind)
		if c.key == "" {
			return
		}
		c.groups = s.policy.groupsOf(&c.id)
		max := s.policy.limitsFor(c.groups, nil).maxConns
		if max <= 0 || s.conns.Acquire(c.key, max) {
			c.holdsSlot = max > 0
			if c.holdsSlot {
				s.metrics.connsOpen.Inc()
			}
			return
		}
		c.refused = true
	})
}

// refuseConn answers a request on a connection over its identity's cap and
// closes the connection: HTTP/1 through Connection: close, HTTP/2 by closing
// the transport once the answer is written.
func (s *Server) refuseConn(w http.ResponseWriter, r *http.Request, c *conn) {
	if r.ProtoMajor < 2 {
		w.Header().Set("Connection", "close")
	}
	writeProblem(w, reasonConns, "this identity already has its maximum number of open connections; reuse one (keep-alive) or close others", time.Second)
	if r.ProtoMajor >= 2 {
		_ = http.NewResponseController(w).Flush()
		time.AfterFunc(100*time.Millisecond, func() { _ = c.nc.Close() })
	}
}
