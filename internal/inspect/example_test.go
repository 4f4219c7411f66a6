package inspect_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mtlsguard/mtlsguard/internal/inspect"
)

// A guard refuses a body with a Violation that carries the status to answer
// with and where the body went wrong.
func ExampleCheckJSON() {
	body := []byte(`{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`)
	err := inspect.CheckJSON(body, inspect.JSONLimits{MaxDepth: 32})
	var v *inspect.Violation
	if errors.As(err, &v) {
		fmt.Println(v.Status, v.Reason, v.Offset)
		fmt.Println(v.Detail)
	}
	// Output:
	// 400 json-depth 36
	// JSON nesting depth exceeds 32 at byte 36
}

// A JSONScanner takes a body as it arrives and stops at the first bad byte;
// Close tells whether what came was a whole document.
func ExampleJSONScanner() {
	s := inspect.NewJSONScanner(inspect.JSONLimits{MaxDepth: 8, MaxTokens: 1000})
	for _, chunk := range []string{`{"name":"caf`, `\u00e9","tags":[`, `"a","b"]}`} {
		if _, err := s.Write([]byte(chunk)); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(s.Close())
	// Output:
	// <nil>
}

// KindOf picks the guard from the request's Content-Type.
func ExampleKindOf() {
	for _, ct := range []string{"application/vnd.api+json", "text/xml; charset=utf-8", "multipart/form-data; boundary=XyZ", "text/plain"} {
		k, boundary := inspect.KindOf(ct)
		fmt.Printf("%s %q\n", k, boundary)
	}
	// Output:
	// json ""
	// xml ""
	// multipart "XyZ"
	// other ""
}
