package inspect

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// deepDoc nests arrays and objects depth levels deep around a small record,
// repeated in a top-level array until the document reaches about size bytes.
func deepDoc(depth, size int) []byte {
	var one bytes.Buffer
	for d := 0; d < depth; d++ {
		if d%2 == 0 {
			one.WriteString(`{"k":`)
		} else {
			one.WriteString(`[`)
		}
	}
	one.WriteString(`{"id":12345,"ok":true,"v":-1.5e3,"s":"x"}`)
	for d := depth - 1; d >= 0; d-- {
		if d%2 == 0 {
			one.WriteString(`}`)
		} else {
			one.WriteString(`]`)
		}
	}
	return repeatInArray(one.Bytes(), size)
}

// wideDoc is an array of n small objects.
func wideDoc(n int) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"id":`)
		b.WriteString(strings.Repeat("7", 1+i%5))
		b.WriteString(`,"name":"user","active":false,"score":0.25,"tags":null}`)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// stringDoc is an array of long strings with escapes and non-ASCII text.
func stringDoc(size int) []byte {
	s := `"` + strings.Repeat("lorem ipsum dolor sit amet, ", 30) + `caf\u00e9 \"q\" \n naïve 日本語 ` + strings.Repeat("x", 200) + `"`
	return repeatInArray([]byte(s), size)
}

// unicodeDoc is an array of objects whose text is mostly non-ASCII.
func unicodeDoc(size int) []byte {
	return repeatInArray([]byte(`{"名前":"山田太郎","город":"Москва","note":"Ελληνικά κείμενα και emoji 😀🎉"}`), size)
}

// repeatInArray repeats one value in a top-level array up to about size bytes.
func repeatInArray(one []byte, size int) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for b.Len() < size {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.Write(one)
	}
	b.WriteByte(']')
	return b.Bytes()
}

var benchLimits = JSONLimits{MaxDepth: 64, MaxTokens: 10_000_000, MaxString: 1 << 20}

func benchmarkJSON(b *testing.B, doc []byte) {
	b.Helper()
	if err := CheckJSON(doc, benchLimits); err != nil {
		b.Fatalf("CheckJSON: %v", err)
	}
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := CheckJSON(doc, benchLimits); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONDeep(b *testing.B)    { benchmarkJSON(b, deepDoc(30, 1<<20)) }
func BenchmarkJSONWide(b *testing.B)    { benchmarkJSON(b, wideDoc(100_000)) }
func BenchmarkJSONStrings(b *testing.B) { benchmarkJSON(b, stringDoc(1<<20)) }
func BenchmarkJSONUnicode(b *testing.B) { benchmarkJSON(b, unicodeDoc(1<<20)) }

// BenchmarkJSONScannerChunked feeds the wide document in 4 KiB writes, as a
// body arrives from the network.
func BenchmarkJSONScannerChunked(b *testing.B) {
	doc := wideDoc(100_000)
	s := NewJSONScanner(benchLimits)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		s.Reset(benchLimits)
		for p := doc; len(p) > 0; {
			n := min(len(p), 4096)
			if _, err := s.Write(p[:n]); err != nil {
				b.Fatal(err)
			}
			p = p[n:]
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStdlibValidWide is the baseline: encoding/json.Valid on the wide
// document, run on the same machine in the same run.
func BenchmarkStdlibValidWide(b *testing.B) {
	doc := wideDoc(100_000)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if !json.Valid(doc) {
			b.Fatal("invalid")
		}
	}
}

// BenchmarkStdlibValidDeep is the baseline for BenchmarkJSONDeep.
func BenchmarkStdlibValidDeep(b *testing.B) {
	doc := deepDoc(30, 1<<20)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if !json.Valid(doc) {
			b.Fatal("invalid")
		}
	}
}
