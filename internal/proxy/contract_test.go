package proxy

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mtlsguard/mtlsguard/internal/config"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

// contractSpec bounds every kind of value the proxy checks. /items/{id} and
// /items/search share a parent so that the literal must win, and
// /items/{id}/notes/{note} makes a match backtrack from the literal.
const contractSpec = `openapi: 3.1.0
info: {title: contract test, version: "1"}
paths:
  /items:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Item"}
      responses: {"201": {description: created}}
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer}}
    get:
      responses: {"200": {description: an item}}
    put:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Item"}
      responses: {"200": {description: updated}}
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Item"}
      responses: {"200": {description: updated}}
  /items/search:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                q: {type: string, maxLength: 4}
      responses: {"200": {description: found}}
  /items/{id}/notes/{note}:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                text: {type: string, maxLength: 8}
      responses: {"200": {description: noted}}
  /files/{name}.json:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: array, maxItems: 2}
      responses: {"200": {description: stored}}
  /batch:
    post:
      requestBody:
        content:
          application/json:
            schema:
              oneOf:
                - $ref: "#/components/schemas/Item"
                - type: array
                  maxItems: 2
                  items: {$ref: "#/components/schemas/Item"}
      responses: {"201": {description: created}}
  /either:
    post:
      requestBody:
        content:
          application/json:
            schema:
              anyOf:
                - {type: object, properties: {a: {type: string, maxLength: 1}}}
                - {type: object, properties: {a: {type: string, maxLength: 9}}}
      responses: {"201": {description: created}}
  /upload:
    post:
      requestBody:
        content:
          application/octet-stream:
            schema: {type: string, maxLength: 4}
      responses: {"200": {description: stored}}
components:
  schemas:
    Item:
      type: object
      maxProperties: 6
      properties:
        name: {type: string, maxLength: 32}
        tags:
          type: array
          maxItems: 3
          items: {type: string, maxLength: 5}
        attrs:
          type: object
          maxProperties: 2
          additionalProperties: {type: string, maxLength: 4}
        qty: {type: integer, minimum: 0, maximum: 100}
        ratio: {type: number, exclusiveMinimum: 0, exclusiveMaximum: 1}
        parent: {$ref: "#/components/schemas/Item"}
`

// startContractProxy runs a proxy enforcing contractSpec; extra is more
// config under the openapi section's siblings.
func startContractProxy(t *testing.T, enforce string) *running {
	t.Helper()
	p := newTestPKI(t)
	p.write(t, "api.yaml", []byte(contractSpec))
	return startProxyWith(t, p, newUpstream(t), "openapi: {spec: api.yaml, enforce: "+enforce+"}\n", nil)
}

func TestContractBounds(t *testing.T) {
	r := startContractProxy(t, "true")
	c := r.client(t, "alice", false)
	name := func(n int, s string) string { return `{"name":"` + strings.Repeat(s, n) + `"}` }
	cases := []struct {
		name, method, path, ct, body string
		detail                       string // "": passes to the upstream unchanged
	}{
		{"every bound exactly met", "POST", "/items", "application/json",
			`{"name":"` + strings.Repeat("n", 32) + `","tags":["abcde","b","c"],"attrs":{"a":"wxyz","b":""},"qty":100,"ratio":0.999,"parent":{"qty":0}}`, ""},
		{"maxLength+1", "POST", "/items", "application/json", name(33, "n"), "name: 33 characters, the contract allows at most 32"},
		{"maxLength counts characters, not bytes", "POST", "/items", "application/json", name(32, "é"), ""},
		{"maxLength+1 in characters", "POST", "/items", "application/json", name(33, "é"), "name: 33 characters, the contract allows at most 32"},
		{"an escape is one character", "POST", "/items", "application/json", name(32, `\u00e9`), ""},
		{"a surrogate pair is one character", "POST", "/items", "application/json", name(32, `\ud83d\ude00`), ""},
		{"escaped key", "POST", "/items", "application/json", `{"n\u0061me":"` + strings.Repeat("n", 33) + `"}`, "name: 33 characters, the contract allows at most 32"},
		{"maxItems+1", "POST", "/items", "application/json", `{"tags":["a","b","c","d"]}`, "tags: 4 items, the contract allows at most 3"},
		{"array items", "POST", "/items", "application/json", `{"tags":["a","abcdef"]}`, "tags[1]: 6 characters, the contract allows at most 5"},
		{"maxProperties+1", "POST", "/items", "application/json", `{"attrs":{"a":"","b":"","c":""}}`, "attrs: 3 properties, the contract allows at most 2"},
		{"additionalProperties", "POST", "/items", "application/json", `{"attrs":{"colour":"amber"}}`, "attrs.colour: 5 characters, the contract allows at most 4"},
		{"maxProperties of the body", "POST", "/items", "application/json", `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7}`, "body: 7 properties, the contract allows at most 6"},
		{"maximum+1", "POST", "/items", "application/json", `{"qty":101}`, "qty: 101, the contract allows at most 100"},
		{"maximum as a float", "POST", "/items", "application/json", `{"qty":1e2}`, ""},
		{"minimum-1", "POST", "/items", "application/json", `{"qty":-1}`, "qty: -1, the contract allows at least 0"},
		{"exclusiveMaximum at the bound", "POST", "/items", "application/json", `{"ratio":1}`, "ratio: 1, the contract allows less than 1"},
		{"exclusiveMinimum at the bound", "POST", "/items", "application/json", `{"ratio":0.0}`, "ratio: 0.0, the contract allows more than 0"},
		{"recursive schema", "POST", "/items", "application/json", `{"parent":{"parent":{"tags":["abcdef"]}}}`, "parent.parent.tags[0]: 6 characters, the contract allows at most 5"},
		{"path parameter", "PUT", "/items/42", "application/json", name(33, "n"), "name: 33 characters, the contract allows at most 32"},
		{"literal beats parameter", "POST", "/items/search", "application/json", name(33, "n"), ""},
		{"literal's own schema", "POST", "/items/search", "application/json", `{"q":"abcde"}`, "q: 5 characters, the contract allows at most 4"},
		{"backtrack from the literal", "POST", "/items/search/notes/1", "application/json", `{"text":"123456789"}`, "text: 9 characters, the contract allows at most 8"},
		{"parameter inside a segment", "POST", "/files/report.json", "application/json", `[1,2,3]`, "body: 3 items, the contract allows at most 2"},
		{"parameter inside a segment, other suffix", "POST", "/files/report.xml.gz", "application/json", `[1,2,3]`, ""},
		{"dot segments resolved", "POST", "/x/../items", "application/json", name(33, "n"), "name: 33 characters, the contract allows at most 32"},
		{"unknown path", "POST", "/other", "application/json", name(33, "n"), ""},
		{"unknown method", "PATCH", "/items", "application/json", name(33, "n"), ""},
		{"non-JSON body", "POST", "/items", "text/plain", name(33, "n"), ""},
		{"oneOf: the object alternative", "POST", "/batch", "application/json", name(33, "n"), "name: 33 characters, the contract allows at most 32"},
		{"oneOf: the array alternative", "POST", "/batch", "application/json", `[{"name":"a"},` + name(33, "n") + `]`, "[1].name: 33 characters, the contract allows at most 32"},
		{"oneOf: the array's own bound", "POST", "/batch", "application/json", `[{},{},{}]`, "body: 3 items, the contract allows at most 2"},
		{"oneOf: within bounds", "POST", "/batch", "application/json", `[` + name(32, "n") + `]`, ""},
		{"oneOf: a kind no alternative has", "POST", "/batch", "application/json", `"` + strings.Repeat("s", 99) + `"`, ""},
		{"anyOf: alternatives of one kind are not chosen", "POST", "/either", "application/json", `{"a":"abcdefgh"}`, ""},
		{"operation without a JSON body", "POST", "/upload", "application/json", `"abcdef"`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(r.up.requests())
			req, _ := http.NewRequest(tc.method, r.url(tc.path), strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.ct)
			res := do(t, c, req)
			if tc.detail == "" {
				if res.status != http.StatusOK {
					t.Fatalf("status %d, want 200; body %s", res.status, res.body)
				}
				r.up.mu.Lock()
				got := string(r.up.bodies[len(r.up.bodies)-1])
				r.up.mu.Unlock()
				if got != tc.body {
					t.Errorf("upstream got %q, want %q", got, tc.body)
				}
				return
			}
			want := `{"type":"https://mtlsguard.dev/problems/contract-violation","title":"Request body outside the bounds of the API contract","status":422,"detail":` + jsonString(t, tc.detail) + "}\n"
			if res.status != http.StatusUnprocessableEntity || res.body != want || res.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("got %d %s %q\nwant 422 %q", res.status, res.header.Get("Content-Type"), res.body, want)
			}
			if n := len(r.up.requests()); n != before {
				t.Errorf("the upstream saw %d requests, want none", n-before)
			}
		})
	}
}

func jsonString(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestContractNotEnforcedOnlyLogs(t *testing.T) {
	r := startContractProxy(t, "false")
	c := r.client(t, "alice", false)
	res := post(t, c, r.url("/items/7"), "application/json", strings.NewReader(`{"qty":101}`))
	if res.status != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", res.status, res.body)
	}
	for _, want := range []string{`"msg":"contract loaded","file":"` + r.pki.dir + `/api.yaml","operations":10,"bounded_bodies":7,"enforce":false,"unknown_operations":"pass"}`,
		`"msg":"contract violation"`, `"operation":"POST /items/{id}"`, `"detail":"qty: 101, the contract allows at most 100"`} {
		if !strings.Contains(r.logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, r.logs.String())
		}
	}
}

func TestContractUnknownOperationsRefused(t *testing.T) {
	p := newTestPKI(t)
	p.write(t, "api.yaml", []byte(contractSpec))
	r := startProxyWith(t, p, newUpstream(t), "openapi: {spec: api.yaml, enforce: true, unknown_operations: refuse}\n", nil)
	c := r.client(t, "alice", false)
	cases := []struct {
		method, path string
		status       int
		allow, body  string
	}{
		{"POST", "/items", 200, "", ""},
		{"GET", "/items/1", 200, "", ""},
		{"HEAD", "/items/1", 200, "", ""},
		{"PUT", "/items/search", 200, "", ""},
		{"GET", "/other", 404, "", `{"type":"https://mtlsguard.dev/problems/unknown-operation","title":"Operation not described by the API contract","status":404,"detail":"GET /other is not an operation of the API contract"}` + "\n"},
		{"GET", "/items/1/notes", 404, "", `{"type":"https://mtlsguard.dev/problems/unknown-operation","title":"Operation not described by the API contract","status":404,"detail":"GET /items/1/notes is not an operation of the API contract"}` + "\n"},
		{"GET", "/items", 405, "POST", `{"type":"https://mtlsguard.dev/problems/unknown-method","title":"Method not described by the API contract for this path","status":405,"detail":"the API contract describes POST on this path, not GET"}` + "\n"},
		{"DELETE", "/items/search", 405, "GET, POST, PUT", `{"type":"https://mtlsguard.dev/problems/unknown-method","title":"Method not described by the API contract for this path","status":405,"detail":"the API contract describes GET, POST, PUT on this path, not DELETE"}` + "\n"},
	}
	for _, tc := range cases {
		req, _ := http.NewRequest(tc.method, r.url(tc.path), strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		res := do(t, c, req)
		if res.status != tc.status || res.header.Get("Allow") != tc.allow || (tc.body != "" && res.body != tc.body) {
			t.Errorf("%s %s: %d Allow %q %q\nwant %d Allow %q %q", tc.method, tc.path, res.status, res.header.Get("Allow"), res.body, tc.status, tc.allow, tc.body)
		}
	}
	if n := len(r.up.requests()); n != 4 {
		t.Errorf("the upstream saw %d requests, want the 4 described ones", n)
	}
}

func TestContractLoadErrorNamesFileAndLine(t *testing.T) {
	p := newTestPKI(t)
	path := p.write(t, "api.yaml", []byte(strings.Replace(contractSpec, "maxLength: 32", "maxLength: many", 1)))
	_, err := loadContract(config.OpenAPI{Spec: path, Enforce: true}, slog.New(slog.DiscardHandler))
	want := "openapi.spec: the contract cannot be read: " + path + `:90:41: maxLength must be a non-negative integer, not "many"`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	if _, err := loadContract(config.OpenAPI{Spec: p.dir + "/missing.yaml"}, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "missing.yaml: cannot read the spec") {
		t.Errorf("missing file: %v", err)
	}
}

func TestContractMatch(t *testing.T) {
	spec, err := openapi.Parse("api.yaml", []byte(strings.Replace(contractSpec, "paths:", "servers: [{url: \"https://api.example/v1/\"}]\npaths:", 1)))
	if err != nil {
		t.Fatal(err)
	}
	c := compileContract(spec, true)
	cases := []struct{ method, path, want string }{
		{"POST", "/v1/items", "POST /items"},
		{"PUT", "/v1/items/1", "PUT /items/{id}"},
		{"POST", "/v1/items/search", "POST /items/search"},
		{"PUT", "/v1/items/search", "PUT /items/{id}"},
		{"POST", "/v1/items/search/notes/x", "POST /items/{id}/notes/{note}"},
		{"POST", "/v1/files/a.json", "POST /files/{name}.json"},
		{"POST", "/v1/files/.json", ""},
		{"POST", "/v1/items/", ""},
		{"POST", "/items", ""},
		{"POST", "/v10/items", ""},
		{"GET", "/v1/items", ""},
	}
	for _, tc := range cases {
		got := ""
		if op := c.match(tc.method, tc.path); op != nil {
			got = op.name
		}
		if got != tc.want {
			t.Errorf("%s %s matched %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}

// itemBound is the compiled body of POST /items.
func itemBound(t testing.TB) *bound {
	spec, err := openapi.Parse("api.yaml", []byte(contractSpec))
	if err != nil {
		t.Fatal(err)
	}
	op := compileContract(spec, true).match("POST", "/items")
	if op == nil || op.body == nil {
		t.Fatal("POST /items has no bounds")
	}
	return op.body
}

// FuzzContractCheck checks that the walker never panics, reads every valid
// JSON document to its end, and counts a string's characters as
// encoding/json decodes them.
func FuzzContractCheck(f *testing.F) {
	for _, s := range []string{`{"name":"abc","tags":["x"],"attrs":{"k":"v"},"qty":5,"parent":{"ratio":0.5}}`,
		`"\ud83d\ude00\u00e9x"`, `[1,-2.5e3,true,null,{"a":[]}]`, `{"n\u0061me":"\"\\"}`, `"\ud800\u0041"`} {
		f.Add([]byte(s))
	}
	b := itemBound(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = b.check(data)
		if !json.Valid(data) {
			return
		}
		w := bodyWalker{b: data}
		w.value(b, 0)
		if w.bad {
			t.Fatalf("valid JSON %q not walked to its end", data)
		}
		var s string
		if json.Unmarshal(data, &s) != nil || !utf8.Valid(data) {
			return
		}
		w = bodyWalker{b: data}
		w.space()
		if n := w.str(); n != int64(utf8.RuneCountInString(s)) {
			t.Fatalf("%q: %d characters, encoding/json decodes %d", data, n, utf8.RuneCountInString(s))
		}
	})
}

func BenchmarkContractBody(b *testing.B) {
	bd := itemBound(b)
	body := []byte(`{"name":"widget","tags":["blue","small","new"],"attrs":{"colour":"blue","size":"M"},` +
		`"qty":12,"ratio":0.25,"parent":{"name":"box","qty":1},"note":"something the contract does not bound"}`)
	if d := bd.check(body); d != "body: 7 properties, the contract allows at most 6" {
		b.Fatalf("check = %q", d)
	}
	body = []byte(`{"name":"widget","tags":["blue","small","new"],"attrs":{"colour":"blue","size":"M"},` +
		`"qty":12,"ratio":0.25,"parent":{"name":"box","qty":1}}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if d := bd.check(body); d != "" {
			b.Fatal(d)
		}
	}
}

// BenchmarkContractRequest is the whole per-request cost: the operation's
// match on a templated path and the check of its body.
func BenchmarkContractRequest(b *testing.B) {
	spec, err := openapi.Parse("api.yaml", []byte(contractSpec))
	if err != nil {
		b.Fatal(err)
	}
	s := &Server{contract: compileContract(spec, true), log: slog.New(slog.DiscardHandler)}
	body := []byte(`{"name":"widget","tags":["blue","small","new"],"attrs":{"colour":"blue","size":"M"},` +
		`"qty":12,"ratio":0.25,"parent":{"name":"box","qty":1}}`)
	r := httptest.NewRequest(http.MethodPut, "/items/12345", nil)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if rs, detail := s.checkContract(r, body); rs != reasonNone {
			b.Fatal(detail)
		}
	}
}
