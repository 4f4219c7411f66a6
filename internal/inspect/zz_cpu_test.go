package inspect

import (
	"encoding/json"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_THREAD, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestZZCPU(t *testing.T) {
	if os.Getenv("ZZCPU") == "" {
		t.Skip()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	docs := map[string][]byte{"deep": deepDoc(30, 1<<20), "wide": wideDoc(100_000), "strings": stringDoc(1 << 20), "unicode": unicodeDoc(1 << 20)}
	for name, doc := range docs {
		for _, impl := range []string{"scanner", "stdlib"} {
			best := time.Hour
			for r := 0; r < 5; r++ {
				start := cpuNow()
				for k := 0; k < 20; k++ {
					if impl == "scanner" {
						CheckJSON(doc, benchLimits)
					} else {
						json.Valid(doc)
					}
				}
				if d := cpuNow() - start; d < best {
					best = d
				}
			}
			t.Logf("%-8s %-8s %7.1f MB/s (CPU time)", name, impl, float64(len(doc))*20/best.Seconds()/1e6)
		}
	}
}

func TestZZGrind(t *testing.T) {
	if os.Getenv("ZZGRIND") == "" {
		t.Skip()
	}
	doc := deepDoc(30, 1<<20)
	for k := 0; k < 3; k++ {
		CheckJSON(doc, benchLimits)
	}
}
