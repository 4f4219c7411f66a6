package inspect

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestLimitReader(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		limit   int64
		read    string
		refused bool
	}{
		{"under", "hello", 10, "hello", false},
		{"exactly at limit", "hello", 5, "hello", false},
		{"one over", "hello!", 5, "hello", true},
		{"far over", strings.Repeat("x", 100_000), 3, "xxx", true},
		{"zero limit, empty body", "", 0, "", false},
		{"zero limit, one byte", "x", 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []io.Reader{
				LimitReader(strings.NewReader(tt.body), tt.limit),
				LimitReader(iotest.OneByteReader(strings.NewReader(tt.body)), tt.limit),
			} {
				got, err := io.ReadAll(r)
				if string(got) != tt.read {
					t.Errorf("read %q, want %q", got, tt.read)
				}
				v := violationOf(t, err)
				if !tt.refused {
					if v != nil {
						t.Errorf("err = %v, want nil", v)
					}
					continue
				}
				if v == nil || v.Reason != "body-size" || v.Status != 413 || v.Offset != tt.limit {
					t.Fatalf("err = %v, want body-size (413) at %d", v, tt.limit)
				}
				if n, err2 := r.Read(make([]byte, 10)); n != 0 || err2 != err {
					t.Errorf("Read after the limit = %d, %v; want 0, %v", n, err2, err)
				}
			}
		})
	}
}
