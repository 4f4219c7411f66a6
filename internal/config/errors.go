package config

import (
	"fmt"
	"slices"
	"strings"
)

// Error is one problem found in a config file: where it is, which key it is
// about, what is wrong and how to fix it.
type Error struct {
	File    string // the name given to Parse or the path given to Load
	Line    int    // 1-based; the line of the key the problem is about
	Key     string // dotted key path, e.g. "defaults.rate" or "routes[1].allow"; "" for the whole file
	Problem string // what is wrong, e.g. `"20 per sec" is not a rate`
	Fix     string // what to write instead; may be empty
}

// Error formats e as FILE:LINE: key.path: problem; fix.
func (e Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	if e.Fix != "" {
		b.WriteString("; ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// Errors is every problem found in one config file, ordered by line. Parse
// and Load return it (as error) when the file is not valid; use errors.As
// to get at the individual problems.
type Errors []Error

// Error joins every problem, one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// sort orders problems by line and then by key, so the output reads top to
// bottom like the file.
func (es Errors) sort() {
	slices.SortStableFunc(es, func(a, b Error) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return strings.Compare(a.Key, b.Key)
	})
}

// nearest returns the candidate closest to word by edit distance, or "" when
// none is close enough to be a plausible typo.
func nearest(word string, candidates []string) string {
	best, bestDist := "", len(word)/3+2
	for _, c := range candidates {
		d := editDistance(strings.ToLower(word), c)
		if d < bestDist || (d == bestDist && best != "" && c < best) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and transpositions of neighbours each cost one,
// so "clinet_ca" is one edit from "client_ca".
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
