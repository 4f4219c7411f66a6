// Package checks is the registry of mtlsguard scan: every runtime probe
// and every static contract rule, each with a stable ID, in report order.
// Each family lives in its own file; the engine that runs them is package
// scan.
package checks

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

// check is a registry entry: its rule, its needs and the function that runs it.
type check struct {
	rule  finding.Rule
	needs scan.Needs
	run   func(ctx context.Context, env *scan.Env, rule finding.Rule) scan.Outcome
}

var _ scan.Check = check{}

func (c check) Rule() finding.Rule { return c.rule }
func (c check) Needs() scan.Needs  { return c.needs }
func (c check) Run(ctx context.Context, env *scan.Env) scan.Outcome {
	return c.run(ctx, env, c.rule)
}

// Runtime returns the runtime checks, in report order.
func Runtime() []scan.Check {
	par := scan.Needs{}
	load := scan.Needs{Active: true, Phase: scan.Load}
	return []scan.Check{
		check{ruleNoCert, par, runNoCert},
		check{ruleUntrusted, par, runUntrusted},
		check{ruleExpired, scan.Needs{Identities: []scan.Identity{scan.Expired}}, runExpired},
		check{ruleLegacy, par, runLegacy},
		check{ruleWeakCipher, par, runWeakCipher},
		check{ruleSpoof, par, runSpoof},
		check{ruleNoisy, scan.Needs{Identities: []scan.Identity{scan.Peer}, Active: true, Phase: scan.Load}, runNoisy},
		check{ruleNoLimit, load, runNoLimit},
		check{ruleShared, scan.Needs{Identities: []scan.Identity{scan.Peer}, Active: true, Phase: scan.Load}, runShared},
		check{ruleRetryAfter, load, runRetryAfter},
		check{ruleBodyLimit, scan.Needs{Active: true}, runBodyLimit},
		check{ruleDrift, scan.Needs{Spec: true, Active: true}, runDrift},
		check{ruleDepth, scan.Needs{Active: true}, runDepth},
		check{ruleXML, scan.Needs{Active: true}, runXML},
		check{ruleHeader, scan.Needs{Active: true}, runHeader},
		check{ruleSlowloris, scan.Needs{Active: true, Phase: scan.Background}, runSlowloris},
		check{ruleBFLA, scan.Needs{Identities: []scan.Identity{scan.Low}}, runBFLA},
	}
}

// All returns the whole registry: the runtime checks, then the static rules.
func All() []scan.Check {
	return append(Runtime(), Static()...)
}

// IDs returns the IDs of checks, in order.
func IDs(cs []scan.Check) []string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.Rule().ID
	}
	return ids
}

// Select keeps the checks named in only (all when empty) and drops those
// in skip. An unknown ID is an error that lists the valid ones.
func Select(cs []scan.Check, only, skip []string) ([]scan.Check, error) {
	valid := IDs(cs)
	for _, id := range slices.Concat(only, skip) {
		if !slices.Contains(valid, strings.ToUpper(id)) {
			return nil, fmt.Errorf("unknown check %q; valid checks: %s", id, strings.Join(valid, ", "))
		}
	}
	var out []scan.Check
	for _, c := range cs {
		id := c.Rule().ID
		if len(only) > 0 && !containsFold(only, id) || containsFold(skip, id) {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(v string) bool { return strings.EqualFold(v, s) })
}
