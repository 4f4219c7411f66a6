package openapi

import (
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestHangHunt(t *testing.T) {
	if os.Getenv("HUNT") == "" {
		t.Skip()
	}
	files, _ := filepath.Glob("testdata/*.*")
	broken, _ := filepath.Glob("testdata/broken/*")
	var seeds [][]byte
	for _, p := range append(files, broken...) {
		b, _ := os.ReadFile(p)
		seeds = append(seeds, b)
	}
	seeds = append(seeds, []byte(aliasBomb()))
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		in := append([]byte(nil), seeds[rng.Intn(len(seeds))]...)
		for m := rng.Intn(4) + 1; m > 0 && len(in) > 0; m-- {
			switch rng.Intn(3) {
			case 0:
				in[rng.Intn(len(in))] = byte(rng.Intn(128))
			case 1:
				j := rng.Intn(len(in))
				in = append(in[:j], in[min(len(in), j+rng.Intn(20)):]...)
			case 2:
				j := rng.Intn(len(in))
				k := rng.Intn(len(in))
				in = append(in[:j], append(append([]byte(nil), in[k:min(len(in), k+rng.Intn(30))]...), in[j:]...)...)
			}
		}
		done := make(chan struct{})
		go func() { Parse("h.yaml", in); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			os.WriteFile("/tmp/hang.yaml", in, 0o644)
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			os.WriteFile("/tmp/hang.stack", buf[:n], 0o644)
			t.Fatalf("hang at iteration %d", i)
		}
	}
}
