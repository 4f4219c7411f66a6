package audit

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

// MaxPerRule bounds the findings one rule reports for one spec, so that a
// large contract gives a readable report rather than thousands of lines.
const MaxPerRule = 100

// maxUsers is how many other operations a shared-schema finding names.
const maxUsers = 10

// hit is one finding being collected: a rule at a place, with the
// operations that reach that place.
type hit struct {
	rule     finding.Rule
	loc      openapi.Location
	op       *openapi.Operation // the first operation that reached it; nil for the document
	evidence []string
	others   []string // further operations reaching the same node, "POST /x"
}

// collector gathers hits, one per rule and node.
type collector struct {
	byKey map[string]*hit
	hits  []*hit
}

func newCollector() *collector { return &collector{byKey: map[string]*hit{}} }

// add records that rule fails at loc for op. A second add for the same rule
// and node only notes the operation.
func (c *collector) add(rule finding.Rule, loc openapi.Location, op *openapi.Operation, evidence ...string) {
	key := rule.ID + "\x00" + loc.File + "\x00" + loc.Pointer
	if h, ok := c.byKey[key]; ok {
		if op != nil && op != h.op && !slices.Contains(h.others, opName(op)) {
			h.others = append(h.others, opName(op))
		}
		return
	}
	h := &hit{rule: rule, loc: loc, op: op, evidence: evidence}
	c.byKey[key] = h
	c.hits = append(c.hits, h)
}

// findings renders the hits: by rule in registry order, then by line.
func (c *collector) findings() []finding.Finding {
	order := map[string]int{}
	for i, r := range Rules() {
		order[r.ID] = i
	}
	sort.SliceStable(c.hits, func(i, j int) bool {
		a, b := c.hits[i], c.hits[j]
		if a.rule.ID != b.rule.ID {
			return order[a.rule.ID] < order[b.rule.ID]
		}
		if a.loc.Line != b.loc.Line {
			return a.loc.Line < b.loc.Line
		}
		return a.loc.Column < b.loc.Column
	})
	var out []finding.Finding
	count := map[string]int{}
	for _, h := range c.hits {
		if count[h.rule.ID]++; count[h.rule.ID] <= MaxPerRule {
			out = append(out, h.finding())
		}
	}
	for i := range out {
		last := i == len(out)-1 || out[i+1].ID != out[i].ID
		if extra := count[out[i].ID] - MaxPerRule; last && extra > 0 {
			out[i].Evidence = append(out[i].Evidence, fmt.Sprintf("%d more places break this rule in the same way (not listed)", extra))
		}
	}
	return out
}

// finding turns a hit into a Finding located at its node and first operation.
func (h *hit) finding() finding.Finding {
	ev := append([]string(nil), h.evidence...)
	if len(h.others) > 0 {
		names := h.others
		more := ""
		if len(names) > maxUsers {
			names, more = names[:maxUsers], fmt.Sprintf(" and %d more", len(h.others)-maxUsers)
		}
		ev = append(ev, fmt.Sprintf("the same schema is used by %s%s", strings.Join(names, ", "), more))
	}
	f := h.rule.NewFinding(ev...)
	f.Location = &finding.Location{File: h.loc.File, Line: h.loc.Line, Column: h.loc.Column, Pointer: h.loc.Pointer}
	if h.op != nil {
		f.Location.Method, f.Location.Path = h.op.Method, h.op.Path
	}
	return f
}

func opName(op *openapi.Operation) string { return op.Method + " " + op.Path }
