package demo

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/load"
)

func TestZZScratch(t *testing.T) {
	ctx := context.Background()
	st, err := newStage(ctx, t.TempDir(), Options{Progress: os.Stderr, Phase: 4 * time.Second}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	ln, _ := listenLoopback()
	_, srv, err := newGuard(st.dir, ln.Addr().String(), st.appURL.String())
	if err != nil {
		t.Fatal(err)
	}
	pctx, stop := context.WithCancel(ctx)
	st.serve(func() error { return srv.Serve(pctx, ln) })
	defer stop()
	rep, err := st.bench(ctx, "https://"+ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []load.PhaseReport{rep.Baseline, rep.Attack} {
		t.Logf("%s victims %d/%d %v p50 %v p99 %v", p.Name, p.Victims.OK, p.Victims.Requests, p.Victims.Statuses, p.Victims.Latency.P50, p.Victims.Latency.P99)
		if p.Abuser != nil {
			t.Logf("abuser %d/%d %v %v p50 %v", p.Abuser.OK, p.Abuser.Requests, p.Abuser.Statuses, p.Abuser.Errors, p.Abuser.Latency.P50)
		}
	}
}
