package load

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable writes the report as a table for people: one row per phase
// with the victims' success and latency and the abuser's throughput, the
// ratio of the p99s, then the status and error counts of each phase.
func (r *NoisyReport) WriteTable(w io.Writer) error {
	sc := r.Scenario
	var b strings.Builder
	fmt.Fprintf(&b, "noisy neighbour against %s, %gs per phase\n", sc.Target, sc.PhaseSeconds)
	fmt.Fprintf(&b, "victims: %d × %g r/s on %s; abuser: %d workers on %s", sc.Victims, sc.VictimRate, sc.VictimPath, sc.AbuserConcurrency, sc.AbuserPath)
	if sc.AbuserBodySize > 0 {
		fmt.Fprintf(&b, " with %d-byte bodies", sc.AbuserBodySize)
	}
	b.WriteString("\n\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tvictims ok\tsuccess\tp50\tp90\tp99\tmax\tabuser req/s\tabuser 2xx/s\t")
	for _, p := range []PhaseReport{r.Baseline, r.Attack} {
		v := p.Victims
		abuserRate, abuserOK := "-", "-"
		if p.Abuser != nil {
			abuserRate, abuserOK = fmt.Sprintf("%.1f", p.Abuser.Throughput()), fmt.Sprintf("%.1f", p.Abuser.OKThroughput())
		}
		fmt.Fprintf(tw, "%s\t%d/%d\t%.2f%%\t%s\t%s\t%s\t%s\t%s\t%s\t\n", p.Name, v.OK, v.Requests, 100*v.SuccessRate(),
			short(v.Latency.P50), short(v.Latency.P90), short(v.Latency.P99), short(v.Latency.Max), abuserRate, abuserOK)
	}
	tw.Flush()
	fmt.Fprintf(&b, "\nvictims' p99 under attack: %.1f× the baseline\n", r.Ratio)
	for _, p := range []PhaseReport{r.Baseline, r.Attack} {
		fmt.Fprintf(&b, "%s victims: %s\n", p.Name, counts(p.Victims))
		if p.Abuser != nil {
			fmt.Fprintf(&b, "%s abuser:  %s\n", p.Name, counts(*p.Abuser))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// short prints a latency with three significant digits at most.
func short(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
	default:
		return fmt.Sprintf("%dµs", d.Microseconds())
	}
}

// counts lists statuses then error classes, as in "200×498 503×2 timeout×1".
func counts(r Result) string {
	var parts []string
	for _, s := range slices.Sorted(maps.Keys(r.Statuses)) {
		parts = append(parts, fmt.Sprintf("%d×%d", s, r.Statuses[s]))
	}
	for _, e := range slices.Sorted(maps.Keys(r.Errors)) {
		parts = append(parts, fmt.Sprintf("%s×%d", e, r.Errors[e]))
	}
	if len(parts) == 0 {
		return "no requests"
	}
	return strings.Join(parts, " ")
}
