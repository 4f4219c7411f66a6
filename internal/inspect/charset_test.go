package inspect

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestLatin1Reader(t *testing.T) {
	var in []byte
	for i := 0; i < 1000; i++ {
		in = append(in, byte(i))
	}
	want := make([]rune, len(in))
	for i, c := range in {
		want[i] = rune(c)
	}
	for _, r := range []io.Reader{
		&latin1Reader{r: strings.NewReader(string(in))},
		iotest.OneByteReader(&latin1Reader{r: iotest.HalfReader(strings.NewReader(string(in)))}),
	} {
		got, err := io.ReadAll(r)
		if err != nil || string(got) != string(want) {
			t.Fatalf("latin1Reader = %q, %v; want %q", got, err, string(want))
		}
	}
}
