package openapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func load(t testing.TB, file string) *Spec {
	t.Helper()
	s, err := Load(t.Context(), "testdata/"+file, nil)
	if err != nil {
		t.Fatalf("Load(%s): %v", file, err)
	}
	return s
}

func TestLoadFixtures(t *testing.T) {
	tests := []struct {
		file, version, title string
		ops                  int
		servers              []string
		security             [][]string
		mutualTLS            bool
	}{
		{"api.yaml", "3.0.3", "Orders API", 9, []string{"https://orders.example.com"}, nil, false},
		{"swagger2.json", "2.0", "Pet Store", 5, []string{"https://pets.example.com/v1"}, [][]string{{"apiKey"}}, false},
		{"v31.yaml", "3.1.0", "Ledger API", 2, []string{"https://ledger.example.com"}, [][]string{{"mtls"}}, true},
		{"recursive.yaml", "3.1.0", "Folders API", 1, nil, [][]string{{"bearer"}}, false},
		{"hardened.yaml", "3.1.0", "Hardened API", 2, nil, [][]string{{"mtls"}}, true},
		{"compose.yaml", "3.0.3", "Composition", 2, nil, [][]string{{"key"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := load(t, tt.file)
			got := fmt.Sprint(s.Version, "|", s.Title, "|", len(s.Operations), "|", s.Servers, "|", s.Security, "|", s.HasMutualTLS, "|", s.Loc)
			want := fmt.Sprint(tt.version, "|", tt.title, "|", tt.ops, "|", tt.servers, "|", tt.security, "|", tt.mutualTLS, "|", "testdata/"+tt.file+":1:1")
			if got != want {
				t.Errorf("\n got %s\nwant %s", got, want)
			}
		})
	}
}

// opLine summarises an operation for table comparison.
func opLine(op *Operation) string {
	var params []string
	for _, p := range op.Params {
		params = append(params, fmt.Sprintf("%s:%s:%t:%s", p.In, p.Name, p.Required, p.Schema.Type))
	}
	body := "-"
	if op.Body != nil {
		body = fmt.Sprintf("%v:%t", op.Body.ContentTypes, op.Body.Required)
	}
	var status []string
	for _, k := range []string{"200", "201", "202", "204", "400", "403", "429"} {
		if r, ok := op.Responses[k]; ok {
			status = append(status, fmt.Sprintf("%s@%d%v", k, r.Loc.Line, r.Headers))
		}
	}
	return fmt.Sprintf("%s %s @%d id=%s priv=%t roles=%v sec=%v params=%v body=%s resp@%d=%v",
		op.Method, op.Path, op.Loc.Line, op.OperationID, op.Privileged, op.Roles, op.Security, params, body, op.ResponsesLoc.Line, status)
}

func TestOperations(t *testing.T) {
	tests := map[string][]string{
		"api.yaml": {
			"GET /api/admin/users @92 id=listUsers priv=true roles=[admin] sec=[] params=[] body=- resp@97=[200@98[] 403@106[]]",
			"DELETE /api/admin/users/{id} @109 id=deleteUser priv=true roles=[] sec=[] params=[path:id:true:integer] body=- resp@115=[204@116[]]",
			"GET /api/items @134 id=listItems priv=false roles=[] sec=[] params=[query:limit:false:integer query:offset:false:integer] body=- resp@150=[200@151[]]",
			"POST /api/orders @50 id=createOrder priv=false roles=[] sec=[] params=[] body=[application/json]:true resp@60=[201@61[] 400@67[]]",
			"GET /api/ping @17 id=ping priv=false roles=[] sec=[] params=[] body=- resp@20=[200@21[]]",
			"GET /api/reports/slow @31 id=slowReport priv=false roles=[] sec=[] params=[query:days:false:integer] body=- resp@42=[200@43[]]",
			"GET /api/search @160 id=search priv=false roles=[] sec=[] params=[query:q:true:string] body=- resp@171=[200@172[] 429@181[]]",
			"POST /api/upload @70 id=uploadAttachment priv=false roles=[] sec=[] params=[] body=[multipart/form-data]:true resp@88=[200@89[]]",
			"GET /api/whoami @119 id=whoami priv=false roles=[] sec=[] params=[] body=- resp@122=[200@123[]]",
		},
		"swagger2.json": {
			"GET /health @61 id=health priv=false roles=[] sec=[] params=[] body=- resp@64=[200@64[]]",
			"GET /pets @19 id=listPets priv=false roles=[] sec=[[apiKey]] params=[query:limit:false:integer query:tags:false:array] body=- resp@26=[200@27[] 429@28[Retry-After]]",
			"POST /pets @31 id=addPet priv=false roles=[] sec=[[apiKey]] params=[] body=[application/json]:true resp@37=[201@38[] 429@39[Retry-After]]",
			"DELETE /pets/{petId} @45 id=deletePet priv=true roles=[] sec=[[oauth]] params=[path:petId:true:integer] body=- resp@48=[204@48[]]",
			"POST /pets/{petId} @50 id=uploadPhoto priv=false roles=[] sec=[[apiKey]] params=[path:petId:true:integer] body=[multipart/form-data]:true resp@57=[200@57[]]",
		},
		"v31.yaml": {
			"POST /internal/rebuild @51 id=rebuildIndex priv=true roles=[] sec=[[mtls]] params=[] body=- resp@54=[202@55[]]",
			"POST /transfers @32 id=createTransfer priv=false roles=[payments-operator] sec=[[mtls]] params=[] body=[application/json]:true resp@41=[201@42[] 429@44[Retry-After]]",
		},
		"compose.yaml": {
			"GET /shapes @71 id= priv=false roles=[] sec=[[] [key]] params=[query:filter:false:object] body=- resp@85=[200@86[] 429@88[Retry-After]]",
			"POST /shapes @60 id= priv=false roles=[] sec=[[key]] params=[] body=[application/xml application/vnd.shape+json]:true resp@63=[200@64[] 429@66[Retry-After]]",
		},
	}
	for file, want := range tests {
		t.Run(file, func(t *testing.T) {
			s := load(t, file)
			var got []string
			for _, op := range s.Operations {
				got = append(got, opLine(op))
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("operations\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
			}
		})
	}
}

func TestSecuritySchemes(t *testing.T) {
	s := load(t, "swagger2.json")
	got := fmt.Sprint(s.Schemes["apiKey"], s.Schemes["oauth"])
	want := "{apiKey apiKey testdata/swagger2.json:10:5} {oauth oauth2 testdata/swagger2.json:11:5}"
	if got != want {
		t.Errorf("schemes %s, want %s", got, want)
	}
	v31 := load(t, "v31.yaml").Schemes["mtls"]
	if v31.Type != "mutualTLS" || v31.Loc.Line != 9 || v31.Loc.Pointer != "/components/securitySchemes/mtls" {
		t.Errorf("mtls scheme = %+v", v31)
	}
}

// find returns the operation with method and path.
func find(t *testing.T, s *Spec, method, path string) *Operation {
	t.Helper()
	for _, op := range s.Operations {
		if op.Method == method && op.Path == path {
			return op
		}
	}
	t.Fatalf("no operation %s %s", method, path)
	return nil
}

// prop returns the schema of a property path ("a.b", "lines[].sku") under s.
func prop(t *testing.T, s *Schema, path string) *Schema {
	t.Helper()
	var out *Schema
	s.Walk(func(p string, sc *Schema) bool {
		if p == path && out == nil {
			out = sc
		}
		return true
	})
	if out == nil {
		t.Fatalf("no schema at %q", path)
	}
	return out
}

func bounds(sc *Schema) string {
	f := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprint(*p)
	}
	i := func(p *int64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprint(*p)
	}
	return fmt.Sprintf("%s[%s,%s] excl(%t,%t) len(%s,%s) items(%s,%s) props(%s) enum=%v const=%v/%t add=%t @%d %s",
		sc.Describe(), f(sc.Minimum), f(sc.Maximum), sc.ExclusiveMinimum, sc.ExclusiveMaximum,
		i(sc.MinLength), i(sc.MaxLength), i(sc.MinItems), i(sc.MaxItems), i(sc.MaxProperties),
		sc.Enum, sc.Const, sc.HasConst, sc.AdditionalAllowed, sc.Loc.Line, sc.Loc.Pointer)
}

func TestSchemaConstraints(t *testing.T) {
	tests := []struct {
		file, method, path, field, want string
	}{
		{"v31.yaml", "POST", "/transfers", "amount", "number[0,1e+06] excl(true,true) len(-,-) items(-,-) props(-) enum=[] const=<nil>/false add=true @17 /components/schemas/Transfer/properties/amount"},
		{"v31.yaml", "POST", "/transfers", "currency", "untyped[-,-] excl(false,false) len(-,-) items(-,-) props(-) enum=[] const=EUR/true add=true @21 /components/schemas/Transfer/properties/currency"},
		{"v31.yaml", "POST", "/transfers", "memo", "string[-,-] excl(false,false) len(-,-) items(-,-) props(-) enum=[] const=<nil>/false add=true @23 /components/schemas/Transfer/properties/memo"},
		{"v31.yaml", "POST", "/transfers", "tags[]", "untyped[-,-] excl(false,false) len(-,-) items(-,-) props(-) enum=[] const=<nil>/false add=true @27 /components/schemas/Transfer/properties/tags/items"},
		{"swagger2.json", "POST", "/pets", "weight", "number[0,200] excl(true,false) len(-,-) items(-,-) props(-) enum=[] const=<nil>/false add=true @80 /definitions/Pet/properties/weight"},
		{"swagger2.json", "POST", "/pets", "status", "string[-,-] excl(false,false) len(-,-) items(-,-) props(-) enum=[available sold] const=<nil>/false add=true @78 /definitions/Pet/properties/status"},
		{"swagger2.json", "POST", "/pets", "", "object[-,-] excl(false,false) len(-,-) items(-,-) props(-) enum=[] const=<nil>/false add=false @72 /definitions/Pet"},
		{"swagger2.json", "POST", "/pets/{petId}", "photo", "string, format binary[-,-] excl(false,false) len(-,-) items(-,-) props(-) enum=[] const=<nil>/false add=true @54 /paths/~1pets~1{petId}/post/parameters/0"},
		{"api.yaml", "POST", "/api/orders", "lines[].quantity", "integer[1,1000] excl(false,false) len(-,-) items(-,-) props(-) enum=[] const=<nil>/false add=true @223 /components/schemas/Order/properties/lines/items/properties/quantity"},
		{"api.yaml", "POST", "/api/orders", "metadata.*", "string[-,-] excl(false,false) len(-,256) items(-,-) props(-) enum=[] const=<nil>/false add=true @229 /components/schemas/Order/properties/metadata/additionalProperties"},
		{"api.yaml", "POST", "/api/orders", "lines", "array[-,-] excl(false,false) len(-,-) items(1,-) props(-) enum=[] const=<nil>/false add=true @211 /components/schemas/Order/properties/lines"},
		{"compose.yaml", "POST", "/shapes", "radius", "number[0,10] excl(true,true) len(-,-) items(-,-) props(-) enum=[] const=<nil>/false add=true @47 /components/schemas/Circle/allOf/1/properties/radius"},
		{"compose.yaml", "POST", "/shapes", "label", "string[-,-] excl(false,false) len(-,5) items(-,-) props(-) enum=[] const=<nil>/false add=true @53 /components/schemas/Circle/allOf/1/properties/label"},
		{"compose.yaml", "POST", "/shapes", "id", "string[-,-] excl(false,false) len(-,10) items(-,-) props(-) enum=[] const=<nil>/false add=true @35 /components/schemas/Base/properties/id"},
		{"compose.yaml", "POST", "/shapes", "side", "integer[1,10] excl(false,false) len(-,-) items(-,-) props(-) enum=[] const=<nil>/false add=true @29 /components/requestBodies/Shape/content/application~1vnd.shape+json/schema/oneOf/1/properties/side"},
	}
	for _, tt := range tests {
		t.Run(tt.file+" "+tt.field, func(t *testing.T) {
			op := find(t, load(t, tt.file), tt.method, tt.path)
			if got := bounds(prop(t, op.Body.Schema, tt.field)); got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestAllOfMerge(t *testing.T) {
	op := find(t, load(t, "compose.yaml"), "POST", "/shapes")
	circle := op.Body.Schema.OneOf[0]
	var names []string
	for _, p := range circle.Properties {
		names = append(names, p.Name)
	}
	got := fmt.Sprint(circle.Type, " ", names, " ", circle.Required, " ", circle.AdditionalAllowed, " ", circle.Ref)
	want := "object [id rank radius label] [id radius] false #/components/schemas/Circle"
	if got != want {
		t.Errorf("Circle = %s, want %s", got, want)
	}
}

func TestRecursiveSchemas(t *testing.T) {
	op := find(t, load(t, "recursive.yaml"), "PUT", "/folders")
	var got []string
	op.Body.Schema.Walk(func(path string, sc *Schema) bool {
		got = append(got, fmt.Sprintf("%s:%s:%t:%d", path, sc.Type, sc.Recursive, sc.Loc.Line))
		return true
	})
	want := []string{":object:false:11", "name:string:false:15", "children:array:false:18", "children[]:object:true:21",
		"owner:object:false:25", "owner.name:string:false:29", "owner.home:object:true:32"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("walk\n got %v\nwant %v", got, want)
	}
	stub := prop(t, op.Body.Schema, "children[]")
	if stub.Ref != "#/components/schemas/Folder" || stub.Loc.Pointer != "/components/schemas/Folder/properties/children/items" {
		t.Errorf("stub = %+v", stub)
	}
	b, _ := json.Marshal(op.Body.Schema.Example())
	if string(b) != `{"children":[null],"name":"example","owner":{"name":"example"}}` {
		t.Errorf("example = %s", b)
	}
}

func TestSharedDefinitionsAreOneValue(t *testing.T) {
	s := load(t, "api.yaml")
	order := find(t, s, "POST", "/api/orders").Body.Schema
	items := find(t, s, "GET", "/api/items")
	if order.Ref != "#/components/schemas/Order" || order.Loc.Line != 194 || order.Loc.Pointer != "/components/schemas/Order" {
		t.Errorf("order = %s %d %s", order.Ref, order.Loc.Line, order.Loc.Pointer)
	}
	if items.Params[0].Schema == items.Params[1].Schema {
		t.Error("two inline schemas share one value")
	}
}

func TestPrivileged(t *testing.T) {
	tests := []struct {
		ext  string
		want bool
	}{
		{"tags: [catalog]", false},
		{"tags: [Admin]", true},
		{"tags: [user-management]", true},
		{"x-roles: [reader, writer]", false},
		{"x-roles: [reader, super-admin]", true},
		{"x-required-role: ops", true},
		{"tags: [ops]", false},
		{"tags: [Ops, health]", false},
		{"tags: [ops-admin]", true},
		{"x-roles: [shops]", false},
		{"x-admin: true", true},
		{"x-admin: false", false},
		{"security: [{oauth: ['orders:admin']}]", true},
	}
	for _, tt := range tests {
		t.Run(tt.ext, func(t *testing.T) {
			doc := "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /shops/{id}:\n    get:\n      " + tt.ext + "\n      responses: {'200': {description: ok}}\n"
			s, err := Parse("x.yaml", []byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Operations[0].Privileged; got != tt.want {
				t.Errorf("Privileged = %t, want %t", got, tt.want)
			}
		})
	}
}

// TestPrivilegedByPath: a path segment marks an operation as privileged
// when it is an admin word; "ops" (a Django API's ping and health tag) is
// not one.
func TestPrivilegedByPath(t *testing.T) {
	tests := []struct {
		path, tags string
		want       bool
	}{
		{"/api/ping", "[ops]", false},
		{"/api/ops/ping", "[ops]", false},
		{"/api/admin/users", "[ops]", true},
		{"/api/internal/stats", "[]", true},
		{"/api/management/jobs", "[]", true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			doc := "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  " + tt.path + ":\n    get:\n      tags: " + tt.tags + "\n      responses: {'200': {description: ok}}\n"
			s, err := Parse("x.yaml", []byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Operations[0].Privileged; got != tt.want {
				t.Errorf("%s tagged %s: Privileged = %t, want %t", tt.path, tt.tags, got, tt.want)
			}
		})
	}
}

func TestPathsWithEscapedPointers(t *testing.T) {
	doc := `openapi: 3.0.3
info: {title: x, version: '1'}
paths:
  /a~b/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, maxLength: 5}}
    get:
      responses: {'200': {description: ok}}
  /ref:
    $ref: '#/paths/~1a~0b~1%7Bid%7D'
`
	s, err := Parse("x.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Operations) != 2 {
		t.Fatalf("%d operations, want 2", len(s.Operations))
	}
	ref := s.Operations[1]
	got := fmt.Sprint(ref.Path, " ", ref.Loc.Pointer, " ", ref.Params[0].Loc.Pointer)
	want := "/ref /paths/~1a~0b~1{id}/get /paths/~1a~0b~1{id}/parameters/0"
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
