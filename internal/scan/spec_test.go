package scan

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mtlsguard/mtlsguard/internal/openapi"
	"github.com/mtlsguard/mtlsguard/internal/scan/target"
)

func TestNewContract(t *testing.T) {
	spec, err := openapi.Parse("api.yaml", target.SpecYAML)
	if err != nil {
		t.Fatal(err)
	}
	c := NewContract(spec, nil)
	var ops []string
	for _, op := range c.Ops {
		ops = append(ops, fmt.Sprintf("%s %s %v %s", op.Method, op.URLPath, op.Privileged, op.ContentType))
	}
	want := []string{
		"POST /admin/reset true ", "GET /admin/users true ", "GET /health false ", "POST /import false application/xml",
		"GET /items false ", "POST /items false application/json", "GET /items/1 false ", "PUT /items/1 false application/json",
		"GET /slow false ", "GET /whoami false ",
	}
	if !slices.Equal(ops, want) {
		t.Fatalf("operations:\n  %s\nwant:\n  %s", strings.Join(ops, "\n  "), strings.Join(want, "\n  "))
	}
	post := c.Ops[5]
	var limits []string
	for _, l := range post.Limits {
		limits = append(limits, fmt.Sprintf("%s %s %v %s:%d", strings.Join(l.Field, "."), l.Keyword, l.Max, l.Location.File, l.Location.Line))
	}
	wantLimits := []string{
		"name maxLength 32 api.yaml:98", "tags maxItems 5 api.yaml:102", "tags.[] maxLength 16 api.yaml:105",
		"attrs maxProperties 4 api.yaml:106", "qty maximum 100 api.yaml:111",
	}
	if !slices.Equal(limits, wantLimits) {
		t.Errorf("limits of POST /items:\n  %s\nwant:\n  %s", strings.Join(limits, "\n  "), strings.Join(wantLimits, "\n  "))
	}
	if ex, ok := post.Example.(map[string]any); !ok || ex["name"] == nil {
		t.Errorf("example of POST /items = %#v, want an object with a name", post.Example)
	}
}

func TestFieldPath(t *testing.T) {
	cases := map[string][]string{
		"":          nil,
		"name":      {"name"},
		"tags[]":    {"tags", "[]"},
		"a.b[][].c": {"a", "b", "[]", "[]", "c"},
		"[]":        {"[]"},
	}
	for in, want := range cases {
		if got := fieldPath(in); !slices.Equal(got, want) {
			t.Errorf("fieldPath(%q) = %q, want %q", in, got, want)
		}
	}
}
