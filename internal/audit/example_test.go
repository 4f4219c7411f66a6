package audit_test

import (
	"fmt"

	"github.com/mtlsguard/mtlsguard/internal/audit"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

func ExampleAudit() {
	spec, err := openapi.Parse("api.yaml", []byte(`openapi: 3.1.0
info: {title: Notes, version: "1"}
components:
  securitySchemes:
    mtls: {type: mutualTLS}
security: [{mtls: []}]
paths:
  /notes:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              properties:
                text: {type: string}
      responses:
        "201": {description: Created.}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range audit.Audit(spec) {
		fmt.Printf("%s %s:%d %s\n", f.ID, f.Location.File, f.Location.Line, f.Evidence[0])
	}
	// Output:
	// SPEC-STRING-MAXLENGTH api.yaml:17 requestBody property `text` (string) has no maxLength
	// SPEC-NO-429 api.yaml:18 POST /notes declares no 429 response (it declares 201)
}
