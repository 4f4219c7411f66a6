package cli

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

// progressWidth is the width of the terminal bar, in cells.
const progressWidth = 30

// progress shows the scan's checks: on a terminal, a bar of the checks
// done with the running check's ID beside it, and a line above the bar for
// each check that did not pass; otherwise one plain line per check ended.
// Its methods are safe for concurrent use; scan.Run calls event from
// several goroutines, one at a time.
type progress struct {
	w   io.Writer
	tty bool

	mu      sync.Mutex
	bars    *mpb.Progress // nil until the first event, and without a terminal
	bar     *mpb.Bar
	running atomic.Pointer[string] // the check last started, shown beside the bar
}

// newProgress returns the display for w: a bar when tty is true (w is a
// terminal), plain lines otherwise.
func newProgress(w io.Writer, tty bool) *progress { return &progress{w: w, tty: tty} }

func (p *progress) event(ev scan.Event) {
	if !p.tty {
		if ev.Done {
			fmt.Fprintln(p.w, "scan: "+progressLine(ev))
		}
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.start(ev.Total)
	if !ev.Done {
		p.running.Store(&ev.Check)
		return
	}
	if ev.Status != finding.Passed && ev.Status != finding.Skipped {
		_, _ = fmt.Fprintln(p.bars, progressLine(ev))
	}
	p.bar.Increment()
}

// progressLine is one check's result: "[3/17] ID status: reason".
func progressLine(ev scan.Event) string {
	msg := fmt.Sprintf("[%d/%d] %s %s", ev.Index, ev.Total, ev.Check, ev.Status)
	if ev.Reason != "" && ev.Status != finding.Passed {
		msg += ": " + ev.Reason
	}
	return msg
}

// start makes the bar on the first event, when the number of checks is known.
func (p *progress) start(total int) {
	if p.bars != nil {
		return
	}
	// ForceTTY and WithAutoRefresh keep the bar drawing when w wraps the
	// terminal rather than being its *os.File.
	p.bars = mpb.New(mpb.WithOutput(p.w), mpb.ForceTTY(), mpb.WithAutoRefresh(), mpb.WithWidth(progressWidth))
	p.bar = p.bars.AddBar(int64(total),
		mpb.PrependDecorators(decor.Name("scan "), decor.CountersNoUnit("%d/%d checks")),
		mpb.AppendDecorators(decor.Any(p.current)),
		mpb.BarFillerClearOnComplete(),
	)
}

// current is the running check's ID, for the bar's renderer: it must not
// take p.mu, which event holds while it waits on the renderer.
func (p *progress) current(s decor.Statistics) string {
	id := p.running.Load()
	if s.Completed || id == nil {
		return ""
	}
	return *id
}

// finish ends the display: the bar completes, or is dropped when the scan
// stopped before its last check. It returns the error that stopped the
// bar from drawing, if one did.
func (p *progress) finish() error {
	p.mu.Lock()
	bars, bar := p.bars, p.bar
	p.mu.Unlock()
	if bars == nil {
		return nil
	}
	if !bar.Completed() {
		bar.Abort(false)
	}
	bars.Wait()
	if bars.Error != nil {
		return fmt.Errorf("progress display: %w", bars.Error)
	}
	return nil
}
