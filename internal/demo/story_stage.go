package demo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/audit"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

// specFile is the name the app's contract is written under.
const specFile = "openapi.yaml"

// stage is what both halves of the story share: the directory, the PKI,
// the contract and the fragile app, running.
type stage struct {
	dir      string
	opts     Options
	pki      *PKI
	contract *scan.Contract
	app      *http.Server
	appURL   *url.URL
	wg       sync.WaitGroup
}

// newStage writes the PKI and the contract and starts the fragile app.
func newStage(ctx context.Context, dir string, o Options) (*stage, error) {
	st := &stage{dir: dir, opts: o}
	st.step("1/5 PKI in %s: CA, server, %s, %s, %s, %s (OU=admins), %s, %s (other CA)",
		dir, Alice, Bob, Mallory, Admin, Expired, Untrusted)
	var err error
	if st.pki, err = NewPKI(dir); err != nil {
		return nil, err
	}
	if st.contract, err = writeContract(dir); err != nil {
		return nil, err
	}
	ln, err := listenLoopback()
	if err != nil {
		return nil, err
	}
	st.app = &http.Server{
		Handler:           NewApp(AppOptions{Workers: 4, SlowDelay: 200 * time.Millisecond, MaxJSONDepth: 1000}),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	st.appURL = &url.URL{Scheme: "http", Host: ln.Addr().String()}
	st.serve(func() error { return st.app.Serve(ln) })
	st.step("2/5 fragile app (4 workers, 200 ms /api/slow, JSON 500 past depth 1000) on %s", st.appURL)
	return st, nil
}

// writeContract writes the app's spec into dir and audits it.
func writeContract(dir string) (*scan.Contract, error) {
	path := filepath.Join(dir, specFile)
	data := AppSpec()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return nil, fmt.Errorf("demo: write %s: %w", path, err)
	}
	spec, err := openapi.Parse(path, data)
	if err != nil {
		return nil, fmt.Errorf("demo: the app's own contract: %w", err)
	}
	return scan.NewContract(spec, audit.Audit(spec)), nil
}

func listenLoopback() (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: listen on a free loopback port: %w", err)
	}
	return ln, nil
}

// serve runs fn in a goroutine that close waits for.
func (st *stage) serve(fn func() error) {
	st.wg.Go(func() {
		if err := fn(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			st.step("server stopped: %v", err)
		}
	})
}

// close stops the app and waits for every server of the story to return.
func (st *stage) close() {
	_ = st.app.Close()
	st.wg.Wait()
}

func (st *stage) step(format string, args ...any) {
	fmt.Fprintf(st.opts.Progress, "demo: "+format+"\n", args...)
}

// before puts the naive terminator in front of the app and measures it.
func (st *stage) before(ctx context.Context) (Side, error) {
	cert, err := st.pki.ServerCertificate()
	if err != nil {
		return Side{}, fmt.Errorf("demo: %w", err)
	}
	ln, err := listenLoopback()
	if err != nil {
		return Side{}, err
	}
	srv := NewNaiveServer(st.appURL, cert, st.pki.Pool)
	st.serve(func() error { return srv.ServeTLS(ln, "", "") })
	defer srv.Close()
	target := "https://" + ln.Addr().String()
	st.step("3/5 naive TLS terminator (verifies certificates, forwards identity headers, no limits) on %s", target)
	return st.measure(ctx, "naive TLS terminator", "before", target)
}

// after puts mtlsguard proxy in front of the app and measures it.
func (st *stage) after(ctx context.Context) (string, Side, error) {
	ln, err := listenLoopback()
	if err != nil {
		return "", Side{}, err
	}
	cfgText, srv, err := newGuard(st.dir, ln.Addr().String(), st.appURL.String())
	if err != nil {
		_ = ln.Close()
		return "", Side{}, err
	}
	pctx, stop := context.WithCancel(ctx)
	st.serve(func() error { return srv.Serve(pctx, ln) })
	defer stop()
	target := "https://" + ln.Addr().String()
	st.step("4/5 mtlsguard proxy (config %s) on %s", filepath.Join(st.dir, guardFile), target)
	side, err := st.measure(ctx, "mtlsguard proxy", "after", target)
	return cfgText, side, err
}
