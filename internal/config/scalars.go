package config

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// getter converts one value; on failure it records why and returns false.
type getter[T any] func(*decoder, value) (T, bool)

// set decodes a value into *dst.
func set[T any](dst *T, get getter[T]) func(*decoder, value) {
	return func(d *decoder, v value) {
		if x, ok := get(d, v); ok {
			*dst = x
		}
	}
}

// setPtr decodes a value into a new T and points *dst at it.
func setPtr[T any](dst **T, get getter[T]) func(*decoder, value) {
	return func(d *decoder, v value) {
		if x, ok := get(d, v); ok {
			*dst = &x
		}
	}
}

// scalar returns the text of a single value; fix says what to write instead
// of a list, a mapping or nothing.
func (d *decoder) scalar(v value, fix string) (string, bool) {
	s, ok := textOf(v.node)
	switch {
	case ok:
		return s, true
	case v.bad:
	case v.node == nil:
		d.fail(v, "no value", fix)
	default:
		d.fail(v, "expected a single value, got "+kind(v), fix)
	}
	return "", false
}

// textOf returns the text of a scalar node; false for nothing, a list or a mapping.
func textOf(n ast.Node) (string, bool) {
	switch n := n.(type) {
	case nil, *ast.MappingNode, *ast.SequenceNode:
		return "", false
	case *ast.StringNode:
		return n.Value, true
	case *ast.LiteralNode:
		if n.Value == nil {
			return "", true
		}
		return strings.TrimSpace(n.Value.Value), true
	default:
		if n.GetToken() == nil {
			return "", true
		}
		return n.GetToken().Value, true
	}
}

// text is a non-empty string.
func text(fix string) getter[string] {
	return func(d *decoder, v value) (string, bool) {
		s, ok := d.scalar(v, fix)
		if ok && strings.TrimSpace(s) == "" {
			d.fail(v, "empty", fix)
			return "", false
		}
		return s, ok
	}
}

// filePath is a non-empty path, resolved against the config file's directory.
func filePath(fix string) getter[string] {
	return func(d *decoder, v value) (string, bool) {
		s, ok := text(fix)(d, v)
		if ok && d.dir != "" && !filepath.IsAbs(s) {
			s = filepath.Join(d.dir, s)
		}
		return s, ok
	}
}

// address is host:port with a numeric port; the host may be empty (all interfaces).
func address(example string) getter[string] {
	fix := "write host:port, e.g. " + example
	return func(d *decoder, v value) (string, bool) {
		s, ok := d.scalar(v, fix)
		if !ok {
			return "", false
		}
		_, port, err := net.SplitHostPort(s)
		if err != nil {
			d.fail(v, fmt.Sprintf("%q is not a host:port address", s), fix)
			return "", false
		}
		if p, err := strconv.ParseUint(port, 10, 16); err != nil || (p == 0 && port != "0") {
			d.fail(v, fmt.Sprintf("%q has no valid port", s), fix)
			return "", false
		}
		return s, true
	}
}

// whole is an integer of at least lo.
func whole(lo int, example string) getter[int] {
	fix := fmt.Sprintf("write a whole number of at least %d, e.g. %s", lo, example)
	return func(d *decoder, v value) (int, bool) {
		s, ok := d.scalar(v, fix)
		if !ok {
			return 0, false
		}
		n, err := strconv.Atoi(strings.TrimSpace(s))
		switch {
		case err != nil:
			d.fail(v, fmt.Sprintf("%q is not a whole number", s), fix)
		case n < lo:
			d.fail(v, fmt.Sprintf("%d is less than %d", n, lo), fix)
		default:
			return n, true
		}
		return 0, false
	}
}

// size is a positive byte count: "1MiB", "512KiB", "10MB" or plain bytes.
func size(example string) getter[int64] {
	fix := "write a whole number of bytes with an optional unit B, KiB, MiB, GiB, KB, MB or GB, e.g. " + example
	return func(d *decoder, v value) (int64, bool) {
		s, ok := d.scalar(v, fix)
		if !ok {
			return 0, false
		}
		n, err := parseSize(s)
		switch {
		case err != nil:
			d.fail(v, fmt.Sprintf("%q is not a size", s), fix)
		case n == 0:
			d.fail(v, "a size of 0 admits nothing", fix)
		default:
			return n, true
		}
		return 0, false
	}
}

// duration is a positive time.Duration: "5s", "1m30s", "250ms".
func duration(example string) getter[time.Duration] {
	fix := "write a positive duration with a unit (ms, s, m, h), e.g. " + example
	return func(d *decoder, v value) (time.Duration, bool) {
		s, ok := d.scalar(v, fix)
		if !ok {
			return 0, false
		}
		t, err := time.ParseDuration(strings.TrimSpace(s))
		switch {
		case err != nil:
			if _, numErr := strconv.ParseFloat(s, 64); numErr == nil {
				d.fail(v, fmt.Sprintf("%q has no unit", s), fix)
			} else {
				d.fail(v, fmt.Sprintf("%q is not a duration", s), fix)
			}
		case t <= 0:
			d.fail(v, fmt.Sprintf("%q is not positive", s), fix)
		default:
			return t, true
		}
		return 0, false
	}
}

// rate is "N/s", "N/m", "N/h", or "off".
func rate(d *decoder, v value) (Rate, bool) {
	const fix = "write N/s, N/m or N/h, e.g. 20/s, or off for no limit"
	s, ok := d.scalar(v, fix)
	if !ok {
		return Rate{}, false
	}
	r, err := parseRate(s)
	switch {
	case errors.Is(err, errRateZero):
		d.fail(v, fmt.Sprintf("%q admits no request", s), "write off for no limit, or a positive rate, e.g. 20/s")
	case err != nil:
		d.fail(v, fmt.Sprintf("%q is not a rate", s), fix)
	default:
		return r, true
	}
	return Rate{}, false
}

// boolean is true or false.
func boolean(d *decoder, v value) (bool, bool) {
	const fix = "write true or false"
	s, ok := d.scalar(v, fix)
	if !ok {
		return false, false
	}
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	d.fail(v, fmt.Sprintf("%q is not true or false", s), fix)
	return false, false
}

// oneOf is one of options, exactly.
func oneOf(options ...string) getter[string] {
	fix := "write one of " + strings.Join(options, ", ")
	return func(d *decoder, v value) (string, bool) {
		s, ok := d.scalar(v, fix)
		if !ok {
			return "", false
		}
		for _, o := range options {
			if s == o {
				return s, true
			}
		}
		problem := fmt.Sprintf("%q is not one of the choices", s)
		if near := nearest(s, options); near != "" {
			d.fail(v, problem, "did you mean "+near+"? "+fix)
		} else {
			d.fail(v, problem, fix)
		}
		return "", false
	}
}

// list is one value or a list of values, each read with item. An explicitly
// empty list ([]) gives an empty, non-nil slice.
func list(item getter[string]) getter[[]string] {
	return func(d *decoder, v value) ([]string, bool) {
		if _, ok := v.node.(*ast.SequenceNode); !ok {
			s, ok := item(d, v)
			return []string{s}, ok
		}
		out, ok := []string{}, true
		d.sequence(v, "", func(_ int, ev value) {
			s, itemOK := item(d, ev)
			out = append(out, s)
			ok = ok && itemOK
		})
		return out, ok
	}
}
