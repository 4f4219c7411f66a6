package openapi

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
)

func TestLoadBrokenFiles(t *testing.T) {
	tests := []struct {
		file string
		want string
		line int
	}{
		{"empty.yaml", "testdata/broken/empty.yaml: the document is empty: give an OpenAPI 3.x or Swagger 2.0 file", 0},
		{"garbage.yaml", "testdata/broken/garbage.yaml:2:7: not valid JSON or YAML: did not find expected ',' or '}' (while parsing a flow mapping)", 2},
		{"garbage.json", "testdata/broken/garbage.json:1:56: not valid JSON or YAML: did not find expected node content (while parsing a flow node)", 1},
		{"notspec.yaml", "testdata/broken/notspec.yaml: not an OpenAPI document: no top-level `openapi` (3.x) or `swagger` (2.0) version key", 0},
		{"nopaths.yaml", "testdata/broken/nopaths.yaml: no top-level `paths` object: add `paths:` listing the API's operations", 0},
		{"badref.yaml", `testdata/broken/badref.yaml:12:15: $ref "#/components/schemas/Missing" does not resolve: nothing at "Missing" under "/components/schemas"`, 12},
		{"externalref.yaml", `testdata/broken/externalref.yaml:9:11: $ref "common.yaml#/components/parameters/Limit" points outside this document: only local references (#/...) are supported; bundle the spec into one file first`, 9},
		{"refloop.yaml", "testdata/broken/refloop.yaml:13:8: $ref loop: #/components/parameters/A → #/components/parameters/B → #/components/parameters/A", 13},
		{"version4.yaml", `testdata/broken/version4.yaml:1:1: unsupported OpenAPI version "4.0.0": mtlsguard reads Swagger 2.0 and OpenAPI 3.0, 3.1 and 3.2`, 1},
		{"swagger12.yaml", `testdata/broken/swagger12.yaml:1:1: unsupported Swagger version "1.2": the only Swagger version is "2.0"`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := Load(t.Context(), filepath.Join("testdata", "broken", tt.file), nil)
			if s != nil || err == nil {
				t.Fatalf("Load = %v, %v; want an error", s, err)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Line != tt.line {
				t.Errorf("errors.As(*Error) line = %+v, want line %d", e, tt.line)
			}
		})
	}
}

func TestParseInvalidDocuments(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"openapi key with a 2.0 version", "openapi: 2.0\ninfo: {title: x, version: '1'}\npaths: {}\n",
			"x.yaml: unsupported version: write `openapi: 3.0.3` (or 3.1.x, 3.2.x) for OpenAPI, or `swagger: \"2.0\"` for Swagger"},
		{"paths as a list", "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  - /a\n",
			"x.yaml:3:1: `paths` must be an object mapping each path to its operations"},
		{"root is a list", "- openapi\n- 3.0.3\n",
			"x.yaml: not an OpenAPI document: no top-level `openapi` (3.x) or `swagger` (2.0) version key"},
		{"bad maxLength", "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n        - {name: q, in: query, schema: {type: string, maxLength: ten}}\n      responses: {'200': {description: ok}}\n",
			`x.yaml:7:66: maxLength must be a non-negative integer, not "ten"`},
		{"negative maxItems", "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n        - {name: q, in: query, schema: {type: array, maxItems: -1}}\n      responses: {'200': {description: ok}}\n",
			`x.yaml:7:64: maxItems must be a non-negative integer, not -1`},
		{"ref that is not a pointer", "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n        - $ref: '#components'\n      responses: {'200': {description: ok}}\n",
			`x.yaml:7:11: $ref "#components" is not a JSON pointer: write it as #/components/schemas/Name`},
		{"alias bomb", aliasBomb(),
			"x.yaml:5:115: more than 10000 YAML alias expansions: flatten the document's anchors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tt.doc))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

// aliasBomb nests aliases so that a naive walk would visit 10^6 schemas.
func aliasBomb() string {
	doc := "openapi: 3.0.3\ninfo: {title: x, version: '1'}\nx-bomb:\n  a0: &a0 {type: string}\n"
	prev := "a0"
	for i := 1; i <= 6; i++ {
		name := "a" + string(rune('0'+i))
		doc += "  " + name + ": &" + name + " {type: object, properties: {"
		for j := range 10 {
			doc += "p" + string(rune('0'+j)) + ": *" + prev + ", "
		}
		doc += "}}\n"
		prev = name
	}
	return doc + "paths:\n  /a:\n    post:\n      requestBody: {content: {application/json: {schema: *a6}}}\n      responses: {'200': {description: ok}}\n"
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(t.Context(), "testdata/nope.yaml", nil)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("error %v does not wrap fs.ErrNotExist", err)
	}
	want := "testdata/nope.yaml: cannot read the spec: open testdata/nope.yaml: no such file or directory"
	if err.Error() != want {
		t.Errorf("error\n got %s\nwant %s", err, want)
	}
}

func TestGuardTurnsPanicIntoError(t *testing.T) {
	s, err := guard("odd.yaml", func() (*Spec, error) { panic("index out of range [3] with length 2") })
	want := "odd.yaml: the document cannot be read (parser failure: index out of range [3] with length 2): check that it is a valid OpenAPI file"
	if s != nil || err == nil || err.Error() != want {
		t.Fatalf("guard = %v, %v; want nil, %s", s, err, want)
	}
}
