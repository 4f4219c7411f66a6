// Package demo holds the pieces of `mtlsguard demo`: a deliberately fragile
// API that behaves like a typical Django app under gunicorn, and the story
// that puts a naive TLS terminator and then mtlsguard in front of it.
//
// The fragile app is a target for demonstrations and tests, never a model to
// copy: it has a fixed pool of workers that slow requests exhaust, a
// recursive JSON parser that fails with a 500 on deep nesting, uploads
// without a size limit, an admin endpoint without a role check and a
// whoami that trusts identity headers sent by anyone.
package demo

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"time"
)

// AppOptions configure the fragile app. Zero fields take the defaults noted
// on each.
type AppOptions struct {
	// Workers is the number of requests handled at once, like gunicorn's
	// sync workers; default 4.
	Workers int
	// SlowDelay is how long GET /api/slow holds its worker; default 200 ms.
	SlowDelay time.Duration
	// MaxJSONDepth is the nesting depth past which POST /api/items fails
	// with a 500 RecursionError, as Python's json.loads does near 1,000;
	// default 1000.
	MaxJSONDepth int
	// Backlog is how many requests may wait for a worker; past it a
	// request gets 503 at once, like a full listen backlog; default 1024.
	Backlog int
}

func (o AppOptions) withDefaults() AppOptions {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.SlowDelay <= 0 {
		o.SlowDelay = 200 * time.Millisecond
	}
	if o.MaxJSONDepth <= 0 {
		o.MaxJSONDepth = 1000
	}
	if o.Backlog <= 0 {
		o.Backlog = 1024
	}
	return o
}

// NewApp returns the fragile app: a plain-HTTP handler (it expects a TLS
// terminator in front) whose every request, whatever its path, holds one of
// o.Workers slots from the moment a worker takes it until its response is
// written, body reading included. Requests that find every worker busy wait
// in a queue of at most o.Backlog; a request whose client goes away while
// waiting leaves the queue.
//
// Endpoints: GET /api/ping, GET /api/slow, POST /api/items, POST
// /api/upload, GET /api/admin/users, GET /api/whoami and GET /healthz;
// AppSpec describes them.
func NewApp(o AppOptions) http.Handler {
	o = o.withDefaults()
	a := &app{opts: o, slots: make(chan struct{}, o.Workers)}
	a.routes = a.routeTable()
	return a
}

type app struct {
	opts    AppOptions
	slots   chan struct{}
	waiting atomic.Int64
	routes  map[string]route
}

var errBacklogFull = errors.New("backlog full")

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := a.acquire(r.Context()); err != nil {
		if errors.Is(err, errBacklogFull) {
			writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: "service unavailable"})
		}
		return
	}
	defer func() { <-a.slots }()
	a.dispatch(w, r)
}

// acquire takes a worker slot, waiting in the bounded queue when every
// worker is busy.
func (a *app) acquire(ctx context.Context) error {
	if a.waiting.Add(1) > int64(a.opts.Backlog) {
		a.waiting.Add(-1)
		return errBacklogFull
	}
	defer a.waiting.Add(-1)
	select {
	case a.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
