package scan

import (
	"context"
	"fmt"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

// Check is one probe or rule of the registry. Its Rule carries the stable
// ID and the metadata every finding it makes copies; Needs says what it
// requires to run; Run probes the target through env and returns what it
// found. Run must stay inside env's clients (and so inside the budget).
type Check interface {
	Rule() finding.Rule
	Needs() Needs
	Run(ctx context.Context, env *Env) Outcome
}

// Phase says when a check runs relative to the others.
type Phase int

// Phases. Parallel checks run a few at a time first; Background checks run
// alongside them for their whole length (a held connection); Load checks
// run one at a time last, so that their bursts neither disturb the others'
// measurements nor get the primary identity throttled before them.
const (
	Parallel Phase = iota
	Background
	Load
)

// Needs is what a check requires. A check whose needs are not met is
// skipped and the report says why.
type Needs struct {
	Identities []Identity // beyond the primary one
	Spec       bool       // an OpenAPI spec
	Active     bool       // sends more than handshakes and GET/HEAD: not run under --passive
	Phase      Phase
}

// Outcome is what one run of a check concluded.
type Outcome struct {
	Status   finding.Status
	Reason   string
	Findings []finding.Finding
}

// Found is a failed outcome carrying findings.
func Found(reason string, fs ...finding.Finding) Outcome {
	return Outcome{Status: finding.Failed, Reason: reason, Findings: fs}
}

// Passf is a passed outcome: the weakness was looked for and is absent.
func Passf(format string, args ...any) Outcome {
	return Outcome{Status: finding.Passed, Reason: fmt.Sprintf(format, args...)}
}

// Skipf is a skipped outcome: the check could not run here.
func Skipf(format string, args ...any) Outcome {
	return Outcome{Status: finding.Skipped, Reason: fmt.Sprintf(format, args...)}
}

// Inconclusivef is an outcome that decides nothing: the probe was
// throttled, ran out of budget or met errors that do not show the weakness.
func Inconclusivef(format string, args ...any) Outcome {
	return Outcome{Status: finding.Inconclusive, Reason: fmt.Sprintf(format, args...)}
}
