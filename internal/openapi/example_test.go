package openapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// schemaOf parses one request-body schema written in YAML flow style.
func schemaOf(t testing.TB, yamlSchema string) *Schema {
	t.Helper()
	doc := "openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    post:\n      requestBody: {content: {application/json: {schema: " +
		yamlSchema + "}}}\n      responses: {'200': {description: ok}}\n"
	s, err := Parse("x.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return s.Operations[0].Body.Schema
}

func TestExample(t *testing.T) {
	tests := []struct{ schema, want string }{
		{"{type: string}", `"example"`},
		{"{type: string, maxLength: 3}", `"exa"`},
		{"{type: string, minLength: 10, maxLength: 12}", `"xxxxxxxxxx"`},
		{"{type: string, format: uuid}", `"3f2c8a3e-9d4b-4c1e-8f6a-2b7d9e0c1a5f"`},
		{"{type: string, enum: [red, green]}", `"red"`},
		{"{const: 42}", `42`},
		{"{type: integer}", `1`},
		{"{type: integer, minimum: 5}", `5`},
		{"{type: integer, minimum: 5, exclusiveMinimum: true}", `6`},
		{"{type: integer, exclusiveMinimum: 5}", `6`},
		{"{type: integer, maximum: -3}", `-3`},
		{"{type: integer, exclusiveMaximum: 0}", `-1`},
		{"{type: number, minimum: 2.5, maximum: 3}", `2.5`},
		{"{type: number, exclusiveMaximum: 1}", `0.5`},
		{"{type: boolean}", `true`},
		{"{type: array, items: {type: integer}}", `[1]`},
		{"{type: array, minItems: 3, items: {type: boolean}}", `[true,true,true]`},
		{"{type: array, maxItems: 0, items: {type: boolean}}", `[]`},
		{"{type: object, required: [b], maxProperties: 1, properties: {a: {type: string}, b: {type: integer}}}", `{"b":1}`},
		{"{type: object, properties: {a: {type: [string, 'null']}, n: {type: object, properties: {x: {type: number}}}}}", `{"a":"example","n":{"x":1.5}}`},
		{"{oneOf: [{type: integer}, {type: string}]}", `1`},
		{"{allOf: [{type: object, properties: {a: {type: boolean}}}, {required: [a]}]}", `{"a":true}`},
		{"{description: anything}", `null`},
	}
	for _, tt := range tests {
		t.Run(tt.schema, func(t *testing.T) {
			b, err := json.Marshal(schemaOf(t, tt.schema).Example())
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("Example() = %s, want %s", b, tt.want)
			}
		})
	}
}

func TestWalkPaths(t *testing.T) {
	s := load(t, "api.yaml")
	var got []string
	find(t, s, "POST", "/api/orders").Body.Schema.Walk(func(path string, sc *Schema) bool {
		got = append(got, path+":"+sc.Type)
		return path != "shipping" // children of shipping are skipped
	})
	want := []string{":object", "customer:string", "note:string", "priority:integer", "discount:number", "shipping:object",
		"lines:array", "lines[]:object", "lines[].sku:string", "lines[].quantity:integer", "metadata:object", "metadata.*:string"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Walk\n got %v\nwant %v", got, want)
	}
}

func TestWalkStopsOnDeepGraphs(t *testing.T) {
	// 100 nested inline objects: Walk stops at its depth bound instead of recursing on.
	var b strings.Builder
	for range 100 {
		b.WriteString("{type: object, properties: {n: ")
	}
	b.WriteString("{type: string}")
	for range 100 {
		b.WriteString("}}")
	}
	n := 0
	schemaOf(t, b.String()).Walk(func(string, *Schema) bool { n++; return true })
	if n != maxWalkDepth+1 {
		t.Errorf("visited %d nodes, want %d", n, maxWalkDepth+1)
	}
}

func TestNestingTooDeep(t *testing.T) {
	var b strings.Builder
	for range maxNesting + 5 {
		b.WriteString("{items: ")
	}
	b.WriteString("{type: string}")
	b.WriteString(strings.Repeat("}", maxNesting+5))
	doc := "openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    post:\n      requestBody: {content: {application/json: {schema: " + b.String() + "}}}\n      responses: {'200': {description: ok}}\n"
	_, err := Parse("x.yaml", []byte(doc))
	want := fmt.Sprintf("x.yaml:6:%d: schema nested more than %d levels deep", 59+8*maxNesting, maxNesting)
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

// fanOut is a contract of a few lines whose schema tree has 8^8 nodes.
func fanOut() string {
	doc := "openapi: 3.1.0\ninfo: {title: x, version: '1'}\ncomponents:\n  schemas:\n    L8: {type: string}\n"
	for l := 7; l >= 0; l-- {
		doc += fmt.Sprintf("    L%d:\n      type: object\n      properties:\n", l)
		for p := range 8 {
			doc += fmt.Sprintf("        p%d: {$ref: '#/components/schemas/L%d'}\n", p, l+1)
		}
	}
	return doc + "paths:\n  /a:\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/L0'}}}}\n      responses: {'200': {description: ok}}\n"
}

func TestFanOutIsBounded(t *testing.T) {
	s, err := Parse("x.yaml", []byte(fanOut()))
	if err != nil {
		t.Fatal(err)
	}
	root := s.Operations[0].Body.Schema
	n := 0
	root.Walk(func(string, *Schema) bool { n++; return true })
	if n != maxWalkNodes {
		t.Errorf("Walk visited %d nodes, want the bound %d", n, maxWalkNodes)
	}
	b, err := json.Marshal(root.Example())
	if err != nil || len(b) > 4*maxWalkNodes*10 {
		t.Errorf("Example: %d bytes, %v", len(b), err)
	}
}
