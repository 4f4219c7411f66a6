package openapi_test

import (
	"encoding/json"
	"fmt"

	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

func ExampleParse() {
	spec, err := openapi.Parse("api.yaml", []byte(`openapi: 3.1.0
info: {title: Notes, version: "1"}
paths:
  /notes:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [text]
              properties:
                text: {type: string, maxLength: 280}
                stars: {type: integer, minimum: 1, maximum: 5}
      responses:
        "201": {description: Created.}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	op := spec.Operations[0]
	body, _ := json.Marshal(op.Body.Schema.Example())
	fmt.Println(op.Method, op.Path, "at", op.Loc)
	fmt.Println("example body:", string(body))
	op.Body.Schema.Walk(func(path string, sc *openapi.Schema) bool {
		if sc.MaxLength != nil {
			fmt.Printf("%s: maxLength %d at line %d\n", path, *sc.MaxLength, sc.Loc.Line)
		}
		return true
	})
	// Output:
	// POST /notes at api.yaml:5:5
	// example body: {"stars":1,"text":"example"}
	// text: maxLength 280 at line 13
}
