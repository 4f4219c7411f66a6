package inspect

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// jsonCorpus holds documents on both sides of the grammar; validity is
// decided by encoding/json.Valid, not written down here.
var jsonCorpus = []string{
	`0`, `-0`, `1`, `-1`, `123`, `1.5`, `-1.5e10`, `1E+2`, `1e-2`, `0.0`, `1.0e0`,
	`01`, `-`, `1.`, `.5`, `1e`, `1e+`, `+1`, `0x10`, `1.e5`, `-01`, `--1`, `1ee2`, `NaN`, `Infinity`,
	`true`, `false`, `null`, `tru`, `nul`, `True`, `nulll`, `truex`, `t`,
	`""`, `"a"`, `"\""`, `"\\"`, `"\/"`, `"\b\f\n\r\t"`, `"\u0041"`, `"\uD83D\uDE00"`, `"\uD800"`, `"\uABCDx"`,
	`"\x"`, `"\u12"`, `"\u12G4"`, `"a` + "\x01" + `"`, `"tab` + "\t" + `"`, `"a`, `"\`, `"\u`,
	"\"caf\u00e9\"", "\"\u65e5\u672c\"", "\"\U0001F600\"",
	`[]`, `{}`, `[1]`, `[1,2]`, `[1,]`, `[,1]`, `[1 2]`, `[`, `]`, `[[]]`, `[[]`, `[]]`, `[{}]`,
	`{"a":1}`, `{"a":1,}`, `{"a"}`, `{"a":}`, `{a:1}`, `{"a" 1}`, `{"a":1 "b":2}`, `{,}`, `{"a":1}}`,
	`{"a":[1,{"b":null}],"c":"d"}`, ` [ 1 , 2 ] `, "\t\n\r {}\r\n", `{"":""}`, `[1,[2,[3]]]`,
	``, ` `, `[] []`, `1 2`, `{} x`, `"a" "b"`, `[1}`, `{"a":1]`, `[true,false,null]`, `[truefalse]`,
	"\ufeff{}", `{"a":-}`, `[-1.5e-3,0,-0.0]`, `[1e999]`, `{"a":{"b":{"c":{}}}}`,
}

func TestJSONAgreesWithEncodingJSON(t *testing.T) {
	for _, doc := range jsonCorpus {
		err := CheckJSON([]byte(doc), JSONLimits{})
		if want := json.Valid([]byte(doc)); (err == nil) != want {
			t.Errorf("CheckJSON(%q) = %v, encoding/json.Valid = %v", doc, err, want)
		}
		var v *Violation
		if err != nil && (!errors.As(err, &v) || v.Reason != "json-syntax" || v.Status != 400) {
			t.Errorf("CheckJSON(%q) = %#v, want a json-syntax Violation", doc, err)
		}
	}
}

func TestJSONAcceptsValidDocumentsWithinLimits(t *testing.T) {
	docs := map[string][]byte{
		"deep": deepDoc(30, 8<<10), "wide": wideDoc(500), "strings": stringDoc(8 << 10), "unicode": unicodeDoc(8 << 10),
	}
	for name, doc := range docs {
		if !json.Valid(doc) {
			t.Fatalf("%s: encoding/json.Valid refuses the test document", name)
		}
		if err := CheckJSON(doc, JSONLimits{MaxDepth: 32, MaxTokens: 100_000, MaxString: 2000}); err != nil {
			t.Errorf("%s: CheckJSON = %v, want nil", name, err)
		}
	}
}

func TestJSONRejectsInvalidUTF8(t *testing.T) {
	for _, doc := range []string{
		"\"\xff\"", "\"\xc0\xaf\"", "\"\xe0\x80\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
		"\"\xe6\x97\"", "\"\xc3\"", "\"\x80\"", "\"\xf0\x9f\x98\"",
	} {
		v := violationOf(t, CheckJSON([]byte(doc), JSONLimits{}))
		if v == nil || v.Reason != "json-syntax" {
			t.Errorf("CheckJSON(%q) = %v, want json-syntax (invalid UTF-8)", doc, v)
		}
	}
}

func TestJSONViolations(t *testing.T) {
	tests := []struct {
		name   string
		doc    string
		limits JSONLimits
		reason string
		status int
		offset int64
	}{
		{"depth 2 of 1", `[[1]]`, JSONLimits{MaxDepth: 1}, "json-depth", 400, 1},
		{"depth in object", `{"a":{"b":{}}}`, JSONLimits{MaxDepth: 2}, "json-depth", 400, 10},
		{"depth after siblings", `[[],[],[[]]]`, JSONLimits{MaxDepth: 2}, "json-depth", 400, 8},
		{"tokens", `[1,2,3]`, JSONLimits{MaxTokens: 5}, "json-tokens", 413, 5},
		{"tokens count keys and colons", `{"a":1,"b":2}`, JSONLimits{MaxTokens: 6}, "json-tokens", 413, 10},
		{"tokens count closing bracket", `[1]`, JSONLimits{MaxTokens: 2}, "json-tokens", 413, 2},
		{"string value", `["abcdef"]`, JSONLimits{MaxString: 4}, "json-string", 413, 6},
		{"string key", `{"abcdef":1}`, JSONLimits{MaxString: 5}, "json-string", 413, 7},
		{"string escapes count raw", `["\u00e9"]`, JSONLimits{MaxString: 5}, "json-string", 413, 7},
		{"string multibyte counts bytes", "[\"\u00e9\u00e9\u00e9\"]", JSONLimits{MaxString: 5}, "json-string", 413, 7},
		{"string past limit before bad byte", "[\"abcde\x01\"]", JSONLimits{MaxString: 2}, "json-string", 413, 4},
		{"bad byte at limit", "[\"ab\x01\"]", JSONLimits{MaxString: 2}, "json-string", 413, 4},
		{"bad byte inside limit", "[\"a\x01\"]", JSONLimits{MaxString: 2}, "json-syntax", 400, 3},
		{"syntax trailing comma", `[1,]`, JSONLimits{}, "json-syntax", 400, 3},
		{"syntax bad literal", `[tru]`, JSONLimits{}, "json-syntax", 400, 4},
		{"syntax leading zero", `[01]`, JSONLimits{}, "json-syntax", 400, 2},
		{"syntax bad escape", `"\q"`, JSONLimits{}, "json-syntax", 400, 2},
		{"syntax bad unicode", `"\u12x4"`, JSONLimits{}, "json-syntax", 400, 5},
		{"syntax second value", `{} {}`, JSONLimits{}, "json-syntax", 400, 3},
		{"syntax missing colon", `{"a" 1}`, JSONLimits{}, "json-syntax", 400, 5},
		{"syntax bad UTF-8", "\"a\xffb\"", JSONLimits{}, "json-syntax", 400, 2},
		{"syntax truncated", `{"a":[1,2`, JSONLimits{}, "json-syntax", 400, 9},
		{"syntax empty", ``, JSONLimits{}, "json-syntax", 400, 0},
		{"syntax before depth", `[x[[`, JSONLimits{MaxDepth: 1}, "json-syntax", 400, 1},
		{"tokens before depth", `[[`, JSONLimits{MaxDepth: 1, MaxTokens: 1}, "json-tokens", 413, 1},
		{"number digits", `[123456]`, JSONLimits{MaxNumber: 5}, "json-number", 413, 6},
		{"number sign counts", `[-12345]`, JSONLimits{MaxNumber: 5}, "json-number", 413, 6},
		{"number fraction", `{"a":1.23456}`, JSONLimits{MaxNumber: 6}, "json-number", 413, 11},
		{"number exponent", `[1e+1234]`, JSONLimits{MaxNumber: 5}, "json-number", 413, 6},
		{"number in a later value", `[1,22,333]`, JSONLimits{MaxNumber: 2}, "json-number", 413, 8},
		{"Python's int limit", "[" + strings.Repeat("7", 4301) + "]", JSONLimits{MaxNumber: 1000}, "json-number", 413, 1001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := violationOf(t, CheckJSON([]byte(tt.doc), tt.limits))
			if v == nil {
				t.Fatalf("CheckJSON(%q) = nil, want %s", tt.doc, tt.reason)
			}
			if v.Reason != tt.reason || v.Status != tt.status || v.Offset != tt.offset {
				t.Errorf("CheckJSON(%q) = {%s %d %d} %q, want {%s %d %d}",
					tt.doc, v.Reason, v.Status, v.Offset, v.Detail, tt.reason, tt.status, tt.offset)
			}
		})
	}
}

// TestJSONNumberLimit: numbers exactly at MaxNumber pass, in one write and
// fed a byte at a time; one byte more fails at the same offset either way.
func TestJSONNumberLimit(t *testing.T) {
	l := JSONLimits{MaxNumber: 6}
	for _, doc := range []string{`[123456]`, `[-12345]`, `[1.2345]`, `[12e-34]`, `[-0.5e1]`, `0`, `{"n":999999,"m":-1.5}`} {
		if err := CheckJSON([]byte(doc), l); err != nil {
			t.Errorf("CheckJSON(%s) = %v, want nil", doc, err)
		}
		if err := feedByteByByte(doc, l); err != nil {
			t.Errorf("byte by byte %s: %v, want nil", doc, err)
		}
	}
	for _, doc := range []string{`[1234567]`, `[-123456]`, `[1.23456]`, `[12e-345]`} {
		v := violationOf(t, feedByteByByte(doc, l))
		if v == nil || v.Reason != "json-number" || v.Offset != 7 {
			t.Errorf("byte by byte %s: %v, want json-number at 7", doc, v)
		}
	}
	if v := violationOf(t, CheckJSON([]byte(`[1234567]`), l)); v == nil || v.Detail != "JSON number longer than 6 bytes at byte 7" {
		t.Errorf("detail: %v", v)
	}
}

func feedByteByByte(doc string, l JSONLimits) error {
	s := NewJSONScanner(l)
	for i := 0; i < len(doc); i++ {
		if _, err := s.Write([]byte{doc[i]}); err != nil {
			return err
		}
	}
	return s.Close()
}

func TestJSONDetail(t *testing.T) {
	v := violationOf(t, CheckJSON([]byte(strings.Repeat("[", 40)), JSONLimits{MaxDepth: 32}))
	if want := "JSON nesting depth exceeds 32 at byte 32"; v == nil || v.Detail != want {
		t.Fatalf("Detail = %v, want %q", v, want)
	}
	if want := "json-depth: " + v.Detail; v.Error() != want {
		t.Errorf("Error() = %q, want %q", v.Error(), want)
	}
	v = violationOf(t, CheckJSON([]byte(`{"a" x}`), JSONLimits{}))
	if want := "invalid JSON at byte 5: invalid character 'x' after object key"; v == nil || v.Detail != want {
		t.Errorf("Detail = %v, want %q", v, want)
	}
}

func TestJSONLimitsAreInclusive(t *testing.T) {
	for _, limit := range []int{1, 2, 32, 1000} {
		for _, open := range []string{"[", `{"k":`} {
			closer := map[string]string{"[": "]", `{"k":`: "}"}[open]
			at := strings.Repeat(open, limit) + "0" + strings.Repeat(closer, limit)
			if err := CheckJSON([]byte(at), JSONLimits{MaxDepth: limit}); err != nil {
				t.Errorf("depth %d with limit %d: %v, want nil", limit, limit, err)
			}
			over := strings.Repeat(open, limit+1) + "0" + strings.Repeat(closer, limit+1)
			v := violationOf(t, CheckJSON([]byte(over), JSONLimits{MaxDepth: limit}))
			if want := int64(limit * len(open)); v == nil || v.Reason != "json-depth" || v.Offset != want {
				t.Errorf("depth %d with limit %d: %v, want json-depth at %d", limit+1, limit, v, want)
			}
		}
	}
	if err := CheckJSON([]byte(`[1,2]`), JSONLimits{MaxTokens: 5}); err != nil {
		t.Errorf("5 tokens with limit 5: %v", err)
	}
	if err := CheckJSON([]byte(`["abcd"]`), JSONLimits{MaxString: 4}); err != nil {
		t.Errorf("4-byte string with limit 4: %v", err)
	}
}

func TestJSONVeryDeepRefusedEarly(t *testing.T) {
	doc := []byte(strings.Repeat(`[{"a":`, 100_000))
	s := NewJSONScanner(JSONLimits{MaxDepth: 64})
	n, err := s.Write(doc)
	v := violationOf(t, err)
	// 32 copies of `[{"a":` reach depth 64; the next '[' is one too many.
	if want := int64(32 * 6); v == nil || v.Reason != "json-depth" || v.Offset != want || int64(n) != want {
		t.Fatalf("Write = %d, %v; want json-depth at %d", n, v, want)
	}
	if len(s.stack) != 1 {
		t.Errorf("depth stack grew to %d words, want 1", len(s.stack))
	}
}

func TestJSONVeryDeepWithoutLimit(t *testing.T) {
	const depth = 100_000
	doc := []byte(strings.Repeat("[", depth) + strings.Repeat("]", depth))
	if err := CheckJSON(doc, JSONLimits{}); err != nil {
		t.Fatalf("CheckJSON(%d deep) = %v, want nil: the scanner does not recurse", depth, err)
	}
}

func TestJSONSplitFeeding(t *testing.T) {
	docs := append([]string{
		`{"name":"caf\u00e9 日本","n":[-1.5e+10,0,true,false,null],"deep":[[[[{}]]]]}`,
		"[\"\xf0\x9f\x98\x80\",\"\\uD83D\\uDE00\"]",
	}, jsonCorpus...)
	limits := []JSONLimits{{}, {MaxDepth: 3}, {MaxTokens: 7}, {MaxString: 3}}
	for _, doc := range docs {
		for _, l := range limits {
			want := violationOf(t, CheckJSON([]byte(doc), l))
			for cut := 0; cut <= len(doc); cut++ {
				s := NewJSONScanner(l)
				got := violationOf(t, feed(s, []byte(doc[:cut]), []byte(doc[cut:])))
				if !sameViolation(got, want) {
					t.Fatalf("doc %q limits %+v cut %d: %v, want %v", doc, l, cut, got, want)
				}
			}
			if got := violationOf(t, feedBytes(NewJSONScanner(l), []byte(doc))); !sameViolation(got, want) {
				t.Fatalf("doc %q limits %+v byte by byte: %v, want %v", doc, l, got, want)
			}
		}
	}
}

func TestJSONWriteCountsBytesBeforeViolation(t *testing.T) {
	tests := []struct {
		pieces []string
		limits JSONLimits
		n      int // returned by the last Write
		offset int64
	}{
		{[]string{`["abcdefgh"]`}, JSONLimits{MaxString: 2}, 4, 4},
		{[]string{`["ab`, `cdefgh"]`}, JSONLimits{MaxString: 2}, 0, 4},
		{[]string{`[1,`, `2,x]`}, JSONLimits{}, 2, 5},
		{[]string{`[[`, `[[`}, JSONLimits{MaxDepth: 3}, 1, 3},
	}
	for _, tt := range tests {
		s := NewJSONScanner(tt.limits)
		var n int
		var err error
		for _, p := range tt.pieces {
			if n, err = s.Write([]byte(p)); err != nil {
				break
			}
		}
		v := violationOf(t, err)
		if v == nil || n != tt.n || v.Offset != tt.offset {
			t.Errorf("Write(%q) = %d, %v; want %d and a Violation at %d", tt.pieces, n, v, tt.n, tt.offset)
		}
	}
}

func TestJSONScannerErrorSticks(t *testing.T) {
	s := NewJSONScanner(JSONLimits{})
	n, err := s.Write([]byte(`[1,x,2]`))
	if n != 3 || err == nil {
		t.Fatalf("Write = %d, %v; want 3 and an error", n, err)
	}
	if n2, err2 := s.Write([]byte(`]`)); n2 != 0 || err2 != err {
		t.Errorf("second Write = %d, %v; want 0, %v", n2, err2, err)
	}
	if err3 := s.Close(); err3 != err {
		t.Errorf("Close = %v, want %v", err3, err)
	}
	s.Reset(JSONLimits{})
	if _, err := s.Write([]byte(`[1]`)); err != nil || s.Close() != nil {
		t.Errorf("after Reset: Write = %v, Close = %v; want nil", err, s.Close())
	}
}

func TestJSONScannerDoesNotAllocate(t *testing.T) {
	doc := deepDoc(30, 64<<10)
	s := NewJSONScanner(JSONLimits{MaxDepth: 64})
	allocs := testing.AllocsPerRun(20, func() {
		s.Reset(JSONLimits{MaxDepth: 64})
		if _, err := s.Write(doc); err != nil || s.Close() != nil {
			t.Fatalf("unexpected violation: %v", err)
		}
	})
	if allocs != 0 {
		t.Errorf("allocs per document = %v, want 0", allocs)
	}
}

// feed writes each piece to s in turn and closes it.
func feed(s *JSONScanner, pieces ...[]byte) error {
	for _, p := range pieces {
		if _, err := s.Write(p); err != nil {
			return err
		}
	}
	return s.Close()
}

// feedBytes writes doc to s one byte at a time and closes it.
func feedBytes(s *JSONScanner, doc []byte) error {
	for i := range doc {
		if _, err := s.Write(doc[i : i+1]); err != nil {
			return err
		}
	}
	return s.Close()
}

// violationOf returns err as a *Violation, nil for nil, and fails the test
// for an error of any other type.
func violationOf(t testing.TB, err error) *Violation {
	t.Helper()
	if err == nil {
		return nil
	}
	var v *Violation
	if !errors.As(err, &v) {
		t.Fatalf("error %v (%T) is not a *Violation", err, err)
	}
	return v
}

// sameViolation compares two results by reason, status, offset and detail.
func sameViolation(a, b *Violation) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// validUTF8JSON reports whether encoding/json accepts doc and its bytes are
// UTF-8, the scanner's definition of valid.
func validUTF8JSON(doc []byte) bool {
	return utf8.Valid(doc) && json.Valid(doc)
}
