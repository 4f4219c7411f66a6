// Package scan is the engine of `mtlsguard scan`: it probes a live mTLS API
// with a client per identity, inside a budget of requests, bytes,
// connections and time, runs a registry of checks against it and gathers
// their findings into one finding.Report.
//
// The checks themselves live in scan/checks; deterministic test targets in
// scan/target. This package knows nothing of output formats or of the
// proxy; it reads no files (the command loads certificates and the spec).
package scan

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

// Config is one scan: the target, the identities, what is known of the API
// and the limits. Zero values take documented defaults.
type Config struct {
	Target     string                       // https URL of the API
	Certs      map[Identity]tls.Certificate // Primary is required; Peer, Low and Expired optional
	RootCAs    *x509.CertPool               // roots that verify the server; nil means the system's
	ServerName string                       // overrides the TLS server name; "" means the target's host
	Contract   *Contract                    // from the spec; nil without one
	Paths      []string                     // --path entries
	Passive    bool                         // only handshakes, GET/HEAD and the static audit
	MaxBody    int64                        // largest probe body; 0 means 8 MiB
	Limits     Limits
	Timing     Timing
	Checks     []Check              // the registry, in report order
	Progress   func(ev Event)       // nil for none; called from several goroutines, one at a time
	Logf       func(string, ...any) // detail lines; nil for none
	Version    string               // the tool's version, for the report
}

// DefaultMaxBody is the largest body BODY-NO-LIMIT sends by default.
const DefaultMaxBody = 8 << 20

// Event is one step of progress: a check started or ended.
type Event struct {
	Check  string
	Index  int // 1-based position in the registry
	Total  int
	Done   bool
	Status finding.Status // when Done
	Reason string         // when Done
}

// Run scans cfg.Target with cfg.Checks and returns the finalized report.
// It fails with ErrUnreachable when the target answers nothing, with
// ErrServerTrust when its certificate does not verify, and with a plain
// error for a bad Config; every other trouble becomes an inconclusive or
// errored check in the report.
func Run(ctx context.Context, cfg Config) (*finding.Report, error) {
	env, err := newEnv(cfg)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	ctx, cancel := context.WithDeadline(ctx, env.Budget.Deadline().Add(2*time.Second))
	defer cancel()
	defer env.closeIdle()
	env.Baseline, err = measureBaseline(ctx, env.ForCheck("baseline"))
	if err != nil {
		return nil, err
	}
	env.Logf("baseline: %s answers %d in %s", env.Baseline.Cheap, env.Baseline.Status, env.Baseline.Latency)
	r := newRunner(env, cfg)
	results := r.run(ctx)
	return assemble(cfg, env, results, start), nil
}

// newEnv validates cfg and builds the clients of every identity.
func newEnv(cfg Config) (*Env, error) {
	u, err := url.Parse(cfg.Target)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("target %q: give an https URL such as https://api.example.com:8443", cfg.Target)
	}
	primary, ok := cfg.Certs[Primary]
	if !ok {
		return nil, errors.New("no primary client certificate: pass --cert and --key")
	}
	untrusted, err := mintUntrusted(primary)
	if err != nil {
		return nil, err
	}
	serverName := cfg.ServerName
	if serverName == "" {
		serverName = u.Hostname()
	}
	budget := NewBudget(cfg.Limits, time.Now())
	sh := &shared{
		bases: map[Identity]*http.Transport{}, tls: map[Identity]*tls.Config{}, gates: map[Identity]*gate{},
		rec: newRecorder(), logf: cfg.Logf, memo: map[string]*memoEntry{},
	}
	add := func(id Identity, cert *tls.Certificate, keepAlive bool) {
		c := clientTLS(cert, cfg.RootCAs, serverName)
		sh.tls[id], sh.gates[id] = c, &gate{}
		sh.bases[id] = newTransport(budget, c, keepAlive)
	}
	for _, id := range []Identity{Primary, Peer, Low} {
		if c, ok := cfg.Certs[id]; ok {
			add(id, &c, true)
		}
	}
	if c, ok := cfg.Certs[Expired]; ok {
		add(Expired, &c, false)
	}
	add(NoCert, nil, false)
	add(Untrusted, &untrusted, false)
	env := &Env{
		Target: u, Paths: cfg.Paths, Passive: cfg.Passive, MaxBody: cfg.MaxBody,
		Timing: cfg.Timing.withDefaults(), Contract: cfg.Contract, Budget: budget, shared: sh,
	}
	if env.MaxBody <= 0 {
		env.MaxBody = DefaultMaxBody
	}
	if cfg.Contract != nil {
		env.Ops = cfg.Contract.Ops
	}
	return env, nil
}

func (e *Env) closeIdle() {
	for _, t := range e.shared.bases {
		t.CloseIdleConnections()
	}
}

// assemble builds the report from the check results.
func assemble(cfg Config, env *Env, results []result, start time.Time) *finding.Report {
	rep := &finding.Report{
		Tool: "mtlsguard", Version: cfg.Version, Target: cfg.Target, StartedAt: start.UTC(),
		Findings: []finding.Finding{}, Checks: []finding.CheckResult{}, Sent: env.shared.rec.list(),
	}
	if cfg.Contract != nil {
		rep.Spec = cfg.Contract.File
	}
	for _, res := range results {
		rep.Rules = append(rep.Rules, res.rule)
		rep.Checks = append(rep.Checks, res.check)
		rep.Findings = append(rep.Findings, res.findings...)
		if res.note != "" {
			rep.Notes = append(rep.Notes, res.note)
		}
	}
	rep.Budget = env.Budget.Used(time.Now())
	rep.Duration = time.Since(start).Seconds()
	rep.Finalize()
	return rep
}
