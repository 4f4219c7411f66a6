package config

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mtlsguard/mtlsguard/internal/openapi"
)

// OpenAPI is the API contract whose bounds the proxy enforces on JSON
// request bodies: maxLength, maxItems, maxProperties, minimum and maximum.
type OpenAPI struct {
	// Spec is the contract file (OpenAPI 2.0, 3.0 or 3.1, JSON or YAML),
	// resolved like the tls paths; "" means no contract (the default).
	Spec string
	// Enforce refuses a body past the contract's bounds with 422; false
	// (the default) only logs it, to try a contract before it refuses.
	Enforce bool
	// UnknownOperations is what happens to a request whose path and method
	// the contract does not describe: UnknownPass (the default) or
	// UnknownRefuse.
	UnknownOperations string
	// Contract is Spec as read by Load or Parse; nil without a Spec. A
	// Config built by hand may leave it nil: the proxy then reads Spec.
	Contract *openapi.Spec
}

// Values of OpenAPI.UnknownOperations.
const (
	UnknownPass   = "pass"   // forwarded unchecked
	UnknownRefuse = "refuse" // 404, or 405 when only the method is unknown
)

func openapiFields(o *OpenAPI) fields {
	return fields{
		"spec":               contractFile(o),
		"enforce":            set(&o.Enforce, boolean),
		"unknown_operations": set(&o.UnknownOperations, oneOf(UnknownPass, UnknownRefuse)),
	}
}

// contractFile reads the contract when the config is read, so that `config
// check` reports a contract the proxy could not start with.
func contractFile(o *OpenAPI) func(*decoder, value) {
	const fix = "write the path of the OpenAPI file, e.g. api.yaml"
	return func(d *decoder, v value) {
		path, ok := filePath(fix)(d, v)
		if !ok {
			return
		}
		if strings.Contains(path, "://") {
			d.fail(v, fmt.Sprintf("%q is a URL; the proxy reads its contract from a file", path), "download it and "+fix)
			return
		}
		spec, err := openapi.Load(context.Background(), path, nil)
		if err != nil {
			d.fail(v, "the contract cannot be read: "+contractProblem(err), "fix the file, or remove openapi")
			return
		}
		o.Spec, o.Contract = path, spec
	}
}

// contractProblem is the openapi package's message, which names the
// contract's file and, where it has one, the line.
func contractProblem(err error) string {
	var e *openapi.Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return err.Error()
}

// checkOpenAPI rejects an openapi section without a contract to enforce.
func checkOpenAPI(d *decoder, c *Config) {
	if _, ok := d.lines["openapi"]; !ok || c.OpenAPI.Spec != "" || d.failed["openapi"] || d.failed["openapi.spec"] {
		return
	}
	d.failAt(d.line("openapi"), "openapi.spec", "required: openapi needs the contract file",
		"add spec: with the OpenAPI file, e.g. spec: api.yaml, or remove openapi")
}
