package openapi

import (
	"math"
	"strings"
)

// Example returns a small value that the schema accepts: the const or first
// enum value when there is one, else a value of the type within its bounds
// (minimum/maximum, minLength/maxLength, minItems/maxItems). Objects carry
// their properties (required ones first when maxProperties is tight);
// recursive properties are left out. pattern and multipleOf are not
// honoured. A schema with no type gives nil (JSON null). Probes start from
// this value and change one field at a time.
func (s *Schema) Example() any {
	budget := maxWalkNodes
	return s.example(0, &budget)
}

func (s *Schema) example(depth int, budget *int) any {
	if *budget--; *budget < 0 {
		return nil
	}
	switch {
	case s == nil || depth > maxWalkDepth || s.Recursive:
		return nil
	case s.HasConst:
		return s.Const
	case len(s.Enum) > 0:
		return s.Enum[0]
	}
	switch s.Type {
	case "string":
		return s.exampleString()
	case "integer":
		return int64(math.Ceil(s.exampleNumber(1)))
	case "number":
		return s.exampleNumber(1.5)
	case "boolean":
		return true
	case "array":
		return s.exampleArray(depth, budget)
	case "object":
		return s.exampleObject(depth, budget)
	}
	if len(s.OneOf) > 0 {
		return s.OneOf[0].example(depth+1, budget)
	}
	return nil
}

// formatExamples are valid values of common string formats.
var formatExamples = map[string]string{
	"date":      "2024-01-02",
	"date-time": "2024-01-02T03:04:05Z",
	"time":      "03:04:05Z",
	"uuid":      "3f2c8a3e-9d4b-4c1e-8f6a-2b7d9e0c1a5f",
	"email":     "user@example.com",
	"uri":       "https://example.com/",
	"url":       "https://example.com/",
	"hostname":  "example.com",
	"ipv4":      "192.0.2.1",
	"ipv6":      "2001:db8::1",
	"byte":      "ZXhhbXBsZQ==",
}

func (s *Schema) exampleString() string {
	if v, ok := formatExamples[strings.ToLower(s.Format)]; ok {
		return v
	}
	v := "example"
	if s.MinLength != nil && *s.MinLength > int64(len(v)) {
		v = strings.Repeat("x", int(min(*s.MinLength, 1<<16)))
	}
	if s.MaxLength != nil && *s.MaxLength < int64(len(v)) {
		v = v[:max(*s.MaxLength, 0)]
	}
	return v
}

// exampleNumber picks want if the bounds allow it, else the nearest allowed value.
func (s *Schema) exampleNumber(want float64) float64 {
	step := 1.0
	if s.Type == "number" {
		step = 0.5
	}
	if s.Minimum != nil {
		lo := *s.Minimum
		if s.ExclusiveMinimum {
			lo += step
		}
		want = math.Max(want, lo)
	}
	if s.Maximum != nil {
		hi := *s.Maximum
		if s.ExclusiveMaximum {
			hi -= step
		}
		want = math.Min(want, hi)
	}
	return want
}

func (s *Schema) exampleArray(depth int, budget *int) []any {
	n := int64(1)
	if s.MinItems != nil {
		n = max(n, min(*s.MinItems, 64))
	}
	if s.MaxItems != nil {
		n = min(n, max(*s.MaxItems, 0))
	}
	out := make([]any, 0, n)
	for range n {
		out = append(out, s.Items.example(depth+1, budget))
	}
	return out
}

func (s *Schema) exampleObject(depth int, budget *int) map[string]any {
	out := map[string]any{}
	limit := int64(math.MaxInt64)
	if s.MaxProperties != nil {
		limit = *s.MaxProperties
	}
	for _, required := range []bool{true, false} {
		for _, p := range s.Properties {
			if s.IsRequired(p.Name) != required || int64(len(out)) >= limit {
				continue
			}
			if p.Schema != nil && p.Schema.Recursive && !required {
				continue
			}
			out[p.Name] = p.Schema.example(depth+1, budget)
		}
	}
	return out
}
