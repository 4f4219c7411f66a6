package config

import (
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in      string
		want    Rate
		wantErr bool
	}{
		{"20/s", Rate{20, time.Second}, false},
		{"100/m", Rate{100, time.Minute}, false},
		{"5000/h", Rate{5000, time.Hour}, false},
		{" 7 / s ", Rate{7, time.Second}, false},
		{"off", Rate{}, false},
		{"unlimited", Rate{}, false},
		{"0/s", Rate{}, true},
		{"20", Rate{}, true},
		{"20/d", Rate{}, true},
		{"-1/s", Rate{}, true},
		{"x/s", Rate{}, true},
		{"20 per sec", Rate{}, true},
	}
	for _, tt := range tests {
		got, err := parseRate(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseRate(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestRateString(t *testing.T) {
	tests := []struct {
		r    Rate
		want string
	}{
		{Rate{20, time.Second}, "20/s"},
		{Rate{100, time.Minute}, "100/m"},
		{Rate{5000, time.Hour}, "5000/h"},
		{Rate{}, "off"},
		{Rate{N: 3}, "off"},
		{Rate{3, 10 * time.Second}, "3/10s"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.r, got, tt.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"1MiB", 1 << 20, false},
		{"512KiB", 512 << 10, false},
		{"512kib", 512 << 10, false},
		{"10MB", 10e6, false},
		{"2GiB", 2 << 30, false},
		{"1KB", 1000, false},
		{"123", 123, false},
		{"123B", 123, false},
		{"0", 0, false},
		{"1.5MiB", 0, true},
		{"MiB", 0, true},
		{"-1KiB", 0, true},
		{"1TiB", 0, true},
		{"99999999999GiB", 0, true},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestFormatSizeAndDuration(t *testing.T) {
	sizes := map[int64]string{1 << 20: "1MiB", 10e6: "10MB", 1000001: "1000001", 64 << 10: "64KiB", 3 << 30: "3GiB", 1: "1"}
	for n, want := range sizes {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
		if back, err := parseSize(want); err != nil || back != n {
			t.Errorf("parseSize(formatSize(%d)) = %d, %v", n, back, err)
		}
	}
	durations := map[time.Duration]string{5 * time.Second: "5s", 10 * time.Minute: "10m", time.Hour: "1h",
		90 * time.Second: "90s", 250 * time.Millisecond: "250ms", 1500 * time.Microsecond: "1.5ms"}
	for d, want := range durations {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestLimitsWith(t *testing.T) {
	base := DefaultLimits()
	fast, one, big, part, deny := Rate{200, time.Second}, 1, int64(20<<20), int64(64<<10), DoctypeAllow
	tests := []struct {
		name string
		o    Overrides
		want func(l *Limits)
	}{
		{"nothing", Overrides{}, func(*Limits) {}},
		{"rate and burst", Overrides{Rate: &fast, Burst: &one}, func(l *Limits) { l.Rate, l.Burst = fast, 1 }},
		{"max_body moves a non-binding part size", Overrides{MaxBody: &big}, func(l *Limits) {
			l.MaxBody, l.Multipart.MaxPartSize = big, big
		}},
		{"explicit part size wins", Overrides{MaxBody: &big, Multipart: MultipartOverrides{MaxPartSize: &part}}, func(l *Limits) {
			l.MaxBody, l.Multipart.MaxPartSize = big, part
		}},
		{"nested fields", Overrides{JSON: JSONOverrides{MaxDepth: &one}, XML: XMLOverrides{Doctype: &deny}, Weight: &one}, func(l *Limits) {
			l.JSON.MaxDepth, l.XML.Doctype, l.Weight = 1, DoctypeAllow, 1
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := base
			tt.want(&want)
			if got := base.With(tt.o); got != want {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
		})
	}
	// A binding part size stays when max_body changes.
	small := base.With(Overrides{Multipart: MultipartOverrides{MaxPartSize: &part}})
	if got := small.With(Overrides{MaxBody: &big}); got.Multipart.MaxPartSize != part {
		t.Errorf("binding part size changed to %d", got.Multipart.MaxPartSize)
	}
}

func TestNearest(t *testing.T) {
	keys := []string{"cert", "key", "client_ca", "crl", "min_version"}
	tests := map[string]string{"clinet_ca": "client_ca", "cert": "cert", "minversion": "min_version", "CRL": "crl", "frobnicate": "", "kye": "key"}
	for in, want := range tests {
		if got := nearest(in, keys); got != want {
			t.Errorf("nearest(%q) = %q, want %q", in, got, want)
		}
	}
}
