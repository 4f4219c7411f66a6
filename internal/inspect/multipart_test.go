package inspect

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"strings"
	"testing"
	"testing/iotest"
)

// formBody builds a multipart/form-data body with one field per size, each
// filled with that many bytes, and returns it with its boundary.
func formBody(t testing.TB, sizes ...int) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i, n := range sizes {
		fw, err := w.CreateFormFile(fmt.Sprintf("f%d", i), "x.bin")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(bytes.Repeat([]byte{'x'}, n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), w.Boundary()
}

func TestCheckMultipart(t *testing.T) {
	limits := MultipartLimits{MaxParts: 3, MaxPartSize: 10_000}
	tests := []struct {
		name   string
		sizes  []int
		reason string
		status int
	}{
		{"within limits", []int{10, 10_000, 0}, "", 0},
		{"too many parts", []int{1, 1, 1, 1}, "multipart-parts", 413},
		{"part one byte too large", []int{10, 10_001}, "multipart-part-size", 413},
		{"part far too large", []int{1 << 20}, "multipart-part-size", 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, boundary := formBody(t, tt.sizes...)
			v := violationOf(t, CheckMultipart(bytes.NewReader(body), boundary, limits))
			if tt.reason == "" {
				if v != nil {
					t.Fatalf("CheckMultipart = %v, want nil", v)
				}
				return
			}
			if v == nil || v.Reason != tt.reason || v.Status != tt.status {
				t.Fatalf("CheckMultipart = %v, want %s (%d)", v, tt.reason, tt.status)
			}
			if v.Offset <= 0 || v.Offset > int64(len(body)) {
				t.Errorf("Offset = %d, want within the body's %d bytes", v.Offset, len(body))
			}
		})
	}
}

func TestCheckMultipartStopsEarly(t *testing.T) {
	body, boundary := formBody(t, 8<<20)
	v := violationOf(t, CheckMultipart(bytes.NewReader(body), boundary, MultipartLimits{MaxPartSize: 1000}))
	if v == nil || v.Reason != "multipart-part-size" || v.Offset > 8<<10 {
		t.Fatalf("CheckMultipart = %v, want multipart-part-size decided within the first 8 KiB", v)
	}
	body, boundary = formBody(t, make([]int, 10_000)...)
	v = violationOf(t, CheckMultipart(bytes.NewReader(body), boundary, MultipartLimits{MaxParts: 5}))
	if v == nil || v.Reason != "multipart-parts" || v.Offset > 8<<10 {
		t.Fatalf("CheckMultipart = %v, want multipart-parts decided within the first 8 KiB", v)
	}
}

func TestCheckMultipartMalformed(t *testing.T) {
	good, boundary := formBody(t, 100, 100)
	tests := []struct {
		name     string
		body     string
		boundary string
	}{
		{"garbage", "this is not multipart at all", boundary},
		{"empty", "", boundary},
		{"truncated", string(good[:len(good)-40]), boundary},
		{"wrong boundary", string(good), "other"},
		{"no boundary", string(good), ""},
		{"bad part header", "--" + boundary + "\r\nno colon here\r\n\r\nx\r\n--" + boundary + "--\r\n", boundary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := violationOf(t, CheckMultipart(strings.NewReader(tt.body), tt.boundary, MultipartLimits{}))
			if v == nil || v.Reason != "multipart-syntax" || v.Status != 400 {
				t.Fatalf("CheckMultipart = %v, want multipart-syntax (400)", v)
			}
		})
	}
	if err := CheckMultipart(strings.NewReader("--"+boundary+"--\r\n"), boundary, MultipartLimits{MaxParts: 1}); err != nil {
		t.Errorf("CheckMultipart with no parts = %v, want nil", err)
	}
}

func TestCheckMultipartReaderErrors(t *testing.T) {
	body, boundary := formBody(t, 5000)
	err := CheckMultipart(LimitReader(bytes.NewReader(body), 1000), boundary, MultipartLimits{})
	if v := violationOf(t, err); v == nil || v.Reason != "body-size" || v.Offset != 1000 {
		t.Errorf("CheckMultipart through LimitReader = %v, want body-size at 1000", err)
	}
	boom := errors.New("connection reset")
	err = CheckMultipart(io.MultiReader(bytes.NewReader(body[:200]), iotest.ErrReader(boom)), boundary, MultipartLimits{})
	var v *Violation
	if !errors.Is(err, boom) || errors.As(err, &v) {
		t.Errorf("CheckMultipart on a failing body = %v, want it to wrap %v and not be a Violation", err, boom)
	}
}

// BenchmarkMultipart checks a 1 MiB form of 16 parts.
func BenchmarkMultipart(b *testing.B) {
	sizes := make([]int, 16)
	for i := range sizes {
		sizes[i] = 64 << 10
	}
	body, boundary := formBody(b, sizes...)
	l := MultipartLimits{MaxParts: 100, MaxPartSize: 1 << 20}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := CheckMultipart(bytes.NewReader(body), boundary, l); err != nil {
			b.Fatal(err)
		}
	}
}
