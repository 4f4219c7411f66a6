package demo

import _ "embed"

//go:embed app_openapi.yaml
var appSpec []byte

// AppSpec returns the fragile app's OpenAPI 3.0 contract (YAML). It declares
// some limits (Item.name maxLength 64, tag maxLength 32) that the app does
// not enforce, and forgets others: Item.description has no maxLength,
// quantity no maximum, tags no maxItems, attributes no maxProperties, the
// recursive children no depth, the upload no size; no operation declares
// a 429, and there is no security scheme at all. The caller may modify the
// returned slice.
func AppSpec() []byte {
	return append([]byte(nil), appSpec...)
}
