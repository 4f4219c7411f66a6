package scan

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

// NewContract turns a loaded spec and its static findings into what the
// scan probes: every operation with a filled-in URL, a valid example body
// and the limits of its body's fields.
func NewContract(spec *openapi.Spec, static []finding.Finding) *Contract {
	c := &Contract{File: spec.File, Static: static}
	for _, op := range spec.Operations {
		c.Ops = append(c.Ops, operationOf(op))
	}
	return c
}

func operationOf(op *openapi.Operation) Operation {
	o := Operation{
		Method: strings.ToUpper(op.Method), Path: op.Path, URLPath: fillPath(op),
		OperationID: op.OperationID, Summary: op.Summary,
		Privileged: op.Privileged, Location: locationOf(op.Loc, op.Method, op.Path),
	}
	if op.Body == nil || op.Body.Schema == nil {
		return o
	}
	o.ContentType = bodyType(op.Body.ContentTypes)
	if isJSONType(o.ContentType) {
		o.Example = normalize(op.Body.Schema.Example())
		o.Limits = limitsOf(op.Body.Schema, op.Method, op.Path)
	} else if len(op.Body.ContentTypes) > 0 {
		o.Example = op.Body.Schema.Example()
	}
	return o
}

// bodyType prefers a JSON media type, else the first one.
func bodyType(types []string) string {
	if i := slices.IndexFunc(types, isJSONType); i >= 0 {
		return types[i]
	}
	if len(types) > 0 {
		return types[0]
	}
	return ""
}

// fillPath replaces path parameters with their examples and appends the
// required query parameters.
func fillPath(op *openapi.Operation) string {
	p := op.Path
	q := url.Values{}
	for _, prm := range op.Params {
		v := exampleText(prm.Schema)
		switch {
		case prm.In == "path":
			p = strings.ReplaceAll(p, "{"+prm.Name+"}", url.PathEscape(v))
		case prm.In == "query" && prm.Required:
			q.Set(prm.Name, v)
		}
	}
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}

func exampleText(s *openapi.Schema) string {
	v := s.Example()
	if v == nil {
		return "1"
	}
	if str, ok := v.(string); ok {
		if str == "" {
			return "1"
		}
		return str
	}
	return fmt.Sprint(v)
}

// normalize round-trips an example through JSON so that it holds only
// map[string]any, []any, string, float64, bool and nil.
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

// limitsOf lists the bounds on the body's fields, each with its place in
// the spec. Fields under additionalProperties ("*") have no name to send
// and are left out.
func limitsOf(root *openapi.Schema, method, path string) []BodyLimit {
	var out []BodyLimit
	root.Walk(func(p string, s *openapi.Schema) bool {
		if strings.Contains(p, "*") {
			return false
		}
		field := fieldPath(p)
		add := func(kw string, v float64) {
			out = append(out, BodyLimit{Field: field, Keyword: kw, Max: v, Location: locationOf(s.Loc, method, path)})
		}
		if s.MaxLength != nil && s.Type == "string" {
			add("maxLength", float64(*s.MaxLength))
		}
		if s.MaxItems != nil {
			add("maxItems", float64(*s.MaxItems))
		}
		if s.MaxProperties != nil {
			add("maxProperties", float64(*s.MaxProperties))
		}
		if s.Maximum != nil && (s.Type == "integer" || s.Type == "number") {
			add("maximum", *s.Maximum)
		}
		return true
	})
	return out
}

// fieldPath turns Walk's "tags[].name" into ["tags", "[]", "name"].
func fieldPath(p string) []string {
	if p == "" {
		return nil
	}
	var out []string
	for _, part := range strings.Split(p, ".") {
		name, n := part, 0
		for strings.HasSuffix(name, "[]") {
			name, n = strings.TrimSuffix(name, "[]"), n+1
		}
		if name != "" {
			out = append(out, name)
		}
		for range n {
			out = append(out, "[]")
		}
	}
	return out
}

func locationOf(l openapi.Location, method, path string) *finding.Location {
	return &finding.Location{File: l.File, Line: l.Line, Column: l.Column, Pointer: l.Pointer, Method: strings.ToUpper(method), Path: path}
}
