package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is a request rate: N requests per Per. It is written "20/s", "100/m"
// or "5000/h". The zero value means unlimited and is written "off".
type Rate struct {
	N   int
	Per time.Duration
}

// Unlimited reports whether r sets no limit.
func (r Rate) Unlimited() bool { return r.N == 0 || r.Per == 0 }

// String gives the rate back in config form: "20/s", or "off" for the zero value.
func (r Rate) String() string {
	if r.Unlimited() {
		return "off"
	}
	for _, u := range rateUnits {
		if r.Per == u.per {
			return strconv.Itoa(r.N) + "/" + u.name
		}
	}
	return strconv.Itoa(r.N) + "/" + formatDuration(r.Per)
}

var rateUnits = []struct {
	name string
	per  time.Duration
}{{"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}}

// errRateZero tells parseRate's caller that the rate was 0/x, which admits
// nothing and is almost always a mistake for "off".
var errRateZero = errors.New("zero rate")

// parseRate reads "N/s", "N/m", "N/h", "off" or "unlimited".
func parseRate(s string) (Rate, error) {
	if s == "off" || s == "unlimited" {
		return Rate{}, nil
	}
	num, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Rate{}, errors.New("no /")
	}
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n < 0 {
		return Rate{}, errors.New("bad count")
	}
	for _, u := range rateUnits {
		if strings.TrimSpace(unit) == u.name {
			if n == 0 {
				return Rate{}, errRateZero
			}
			return Rate{N: n, Per: u.per}, nil
		}
	}
	return Rate{}, errors.New("bad unit")
}

var sizeUnits = []struct {
	name string
	size int64
}{
	{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1},
}

// ParseSize reads a byte count as the config writes it: a whole number with
// an optional unit, "1MiB", "512KiB", "10MB" or plain bytes. Commands take
// sizes in flags the same way.
func ParseSize(s string) (int64, error) {
	n, err := parseSize(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size: give a whole number of bytes with an optional unit, as in 1048576, 512KiB or 10MiB", s)
	}
	return n, nil
}

// parseSize reads a byte count: "1MiB", "512KiB", "10MB" or plain bytes.
// Units are matched without regard to case; the number must be whole.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	num, mult := s, int64(1)
	for _, u := range sizeUnits {
		if len(s) > len(u.name) && strings.EqualFold(s[len(s)-len(u.name):], u.name) {
			num, mult = strings.TrimSpace(s[:len(s)-len(u.name)]), u.size
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, errors.New("not a size")
	}
	if n > (1<<62)/mult {
		return 0, errors.New("too large")
	}
	return n * mult, nil
}

// formatSize writes n in the largest unit that divides it exactly, binary
// units first: 1048576 → "1MiB", 10000000 → "10MB", 1000001 → "1000001".
func formatSize(n int64) string {
	for _, u := range sizeUnits {
		if n >= u.size && n%u.size == 0 && u.size > 1 {
			return fmt.Sprintf("%d%s", n/u.size, u.name)
		}
	}
	return strconv.FormatInt(n, 10)
}

// formatDuration writes d in its shortest exact form: "5s", "10m", "1h",
// "1m30s", "250ms"; time.Duration.String would write "10m0s".
func formatDuration(d time.Duration) string {
	for _, u := range []struct {
		name string
		unit time.Duration
	}{{"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}} {
		if d >= u.unit && d%u.unit == 0 {
			return strconv.FormatInt(int64(d/u.unit), 10) + u.name
		}
	}
	return d.String()
}
