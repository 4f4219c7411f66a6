package demo

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// route is one endpoint: the method it answers and its handler.
type route struct {
	method  string
	handler http.HandlerFunc
}

func (a *app) routeTable() map[string]route {
	return map[string]route{
		"/api/ping":        {http.MethodGet, a.ping},
		"/api/slow":        {http.MethodGet, a.slow},
		"/api/items":       {http.MethodPost, a.createItems},
		"/api/upload":      {http.MethodPost, a.upload},
		"/api/admin/users": {http.MethodGet, a.adminUsers},
		"/api/whoami":      {http.MethodGet, a.whoami},
		"/healthz":         {http.MethodGet, a.healthz},
	}
}

// dispatch answers unknown paths with 404 and other methods with 405, in
// JSON like the rest of the API.
func (a *app) dispatch(w http.ResponseWriter, r *http.Request) {
	rt, ok := a.routes[r.URL.Path]
	switch {
	case !ok:
		writeJSON(w, http.StatusNotFound, errorBody{Error: "not found"})
	case r.Method != rt.method:
		w.Header().Set("Allow", rt.method)
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: "method not allowed"})
	default:
		rt.handler(w, r)
	}
}

type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

func (a *app) ping(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, struct {
		Pong bool `json:"pong"`
	}{true})
}

// slow holds its worker for SlowDelay, as a view waiting on a slow query
// would; a client that goes away does not free the worker sooner, as with
// a sync worker that does not notice.
func (a *app) slow(w http.ResponseWriter, _ *http.Request) {
	time.Sleep(a.opts.SlowDelay)
	writeJSON(w, http.StatusOK, struct {
		SleptMS int64 `json:"slept_ms"`
	}{a.opts.SlowDelay.Milliseconds()})
}

// createItems parses the whole body, of any size, with the recursive
// parser: an item object creates one item, an array creates one per
// element. Nothing is validated against the spec's limits.
func (a *app) createItems(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "could not read body"})
		return
	}
	n, err := countItems(body, a.opts.MaxJSONDepth)
	switch {
	case errors.Is(err, errRecursion):
		writeJSON(w, http.StatusInternalServerError, errorBody{Error: errRecursion.Error()})
	case err != nil:
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid JSON: " + err.Error()})
	default:
		writeJSON(w, http.StatusCreated, struct {
			Created int `json:"created"`
		}{n})
	}
}

// upload reads the whole body, however large, and reports its size.
func (a *app) upload(w http.ResponseWriter, r *http.Request) {
	n, err := io.Copy(io.Discard, r.Body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "could not read body"})
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Bytes int64 `json:"bytes"`
	}{n})
}

type user struct {
	CN   string `json:"cn"`
	Role string `json:"role"`
}

// adminUsers is meant for admins but checks no role: anyone gets the list.
func (a *app) adminUsers(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, struct {
		Users []user `json:"users"`
	}{[]user{{"admin", "admin"}, {"alice", "user"}, {"bob", "user"}}})
}

// whoami trusts the identity headers that a TLS terminator would set,
// without knowing whether the terminator or the client set them.
func (a *app) whoami(w http.ResponseWriter, r *http.Request) {
	cn := identityHeader(r.Header)
	if cn == "" {
		cn = "anonymous"
	}
	writeJSON(w, http.StatusOK, struct {
		CN string `json:"cn"`
	}{cn})
}

func (a *app) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, struct {
		Status string `json:"status"`
	}{"ok"})
}

// identityKeys are the WSGI names of the identity headers the app trusts,
// in the order it looks for them.
var identityKeys = []string{"X_SSL_CLIENT_S_DN_CN", "X_SSL_CLIENT_CN"}

// identityHeader finds the client CN the way a WSGI app does: headers are
// matched by their WSGI key (upper case, '-' as '_'), so X-SSL-Client-CN and
// X_SSL_Client_CN are the same key. When both spellings come, the
// underscore one wins, as in a WSGI environ written in arrival order when a
// proxy passes the client's copy after its own header.
func identityHeader(h http.Header) string {
	for _, key := range identityKeys {
		var dash, underscore string
		for name, values := range h {
			if len(values) == 0 || wsgiKey(name) != key {
				continue
			}
			if strings.Contains(name, "_") {
				underscore = values[len(values)-1]
			} else {
				dash = values[len(values)-1]
			}
		}
		if underscore != "" {
			return underscore
		}
		if dash != "" {
			return dash
		}
	}
	return ""
}

func wsgiKey(name string) string {
	return strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}
