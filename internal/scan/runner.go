package scan

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

// parallelism is how many Parallel-phase checks run at once.
const parallelism = 4

// result is one check's contribution to the report.
type result struct {
	rule     finding.Rule
	check    finding.CheckResult
	findings []finding.Finding
	note     string
}

type runner struct {
	env      *Env
	checks   []Check
	progress func(Event)
	mu       sync.Mutex // serialises progress calls
	results  []result
}

func newRunner(env *Env, cfg Config) *runner {
	return &runner{env: env, checks: cfg.Checks, progress: cfg.Progress, results: make([]result, len(cfg.Checks))}
}

// run runs every check in its phase and returns the results in registry
// order: background checks start first and run alongside the parallel
// ones; load checks run one by one once the parallel ones are done.
func (r *runner) run(ctx context.Context) []result {
	var bg, par sync.WaitGroup
	sem := make(chan struct{}, parallelism)
	var load []int
	for i, c := range r.checks {
		switch c.Needs().Phase {
		case Background:
			bg.Go(func() { r.runOne(ctx, i) })
		case Load:
			load = append(load, i)
		default:
			par.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				r.runOne(ctx, i)
			})
		}
	}
	par.Wait()
	for _, i := range load {
		r.runOne(ctx, i)
	}
	bg.Wait()
	return r.results
}

func (r *runner) runOne(ctx context.Context, i int) {
	c := r.checks[i]
	rule := c.Rule()
	r.emit(Event{Check: rule.ID, Index: i + 1, Total: len(r.checks)})
	env := r.env.ForCheck(rule.ID)
	start := time.Now()
	out, note := r.unmet(c, rule)
	if out.Status == "" {
		out = c.Run(ctx, env)
	}
	if out.Status == "" {
		out.Status = finding.Passed
	}
	res := result{rule: rule, findings: out.Findings, note: note}
	res.check = finding.CheckResult{
		ID: rule.ID, Title: rule.Title, Status: out.Status, Reason: out.Reason,
		Findings: len(out.Findings), Requests: r.env.shared.rec.requests(rule.ID),
		Seconds: time.Since(start).Seconds(),
	}
	r.results[i] = res
	r.emit(Event{Check: rule.ID, Index: i + 1, Total: len(r.checks), Done: true, Status: out.Status, Reason: out.Reason})
}

// unmet skips a check whose needs the scan does not meet, with the reason
// and a note for the report; it returns a zero Outcome to let it run.
func (r *runner) unmet(c Check, rule finding.Rule) (Outcome, string) {
	needs := c.Needs()
	var missing []string
	for _, id := range needs.Identities {
		if !r.env.Has(id) {
			missing = append(missing, hints[id])
		}
	}
	if needs.Spec && r.env.Contract == nil {
		missing = append(missing, "an OpenAPI spec (--spec)")
	}
	if len(missing) > 0 {
		reason := "needs " + strings.Join(missing, " and ")
		return Skipf("%s", reason), fmt.Sprintf("%s skipped: %s", rule.ID, reason)
	}
	if needs.Active && r.env.Passive {
		return Skipf("sends more than GET/HEAD; not run under --passive"), ""
	}
	return Outcome{}, ""
}

func (r *runner) emit(ev Event) {
	if r.progress == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.progress(ev)
}
