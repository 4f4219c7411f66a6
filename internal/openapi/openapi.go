// Package openapi reads an API contract — Swagger 2.0, OpenAPI 3.0 or 3.1,
// JSON or YAML — into the constraint model that mtlsguard checks and enforces:
// operations with their parameters, bodies, responses, security and the
// limits of every schema (maxLength, maxItems, maximum...), each with the
// file, line, column and JSON pointer where it is written.
//
// Documents are read with github.com/pb33f/libopenapi, which recognises the
// three versions natively and keeps the line and column of every node; those
// positions become SARIF locations in scan reports. The package then walks
// that node tree itself, one walker for both 2.0 and 3.x, so that every
// constraint carries the exact line of its key and the JSON pointer of its
// definition (a schema shared through $ref keeps the location of its
// definition, which lets callers report it once).
//
// Local $refs (#/...) are resolved; references to other files or URLs are an
// error. A schema that refers back to one of its ancestors is not expanded: its
// node is marked Recursive. Schemas reached through the same $ref are the same
// *Schema value, so the model is a finite graph without cycles; callers must
// treat it as read-only, and may then share it between goroutines.
//
// The package is a reader: it judges nothing (see package audit) and sends
// nothing (see package scan).
package openapi

import "fmt"

// Spec is one API contract.
type Spec struct {
	File         string                    // as given to Load or Parse
	Version      string                    // "2.0", "3.0.3", "3.1.0"...
	Title        string                    // info.title
	Servers      []string                  // 3.x servers[].url; 2.0 scheme://host/basePath
	Operations   []*Operation              // sorted by path, then method
	Security     [][]string                // the global requirement: alternatives of scheme names
	Schemes      map[string]SecurityScheme // securitySchemes (3.x) or securityDefinitions (2.0) by name
	HasMutualTLS bool                      // a security scheme of type mutualTLS (3.1+)
	Loc          Location                  // of the document root
}

// SecurityScheme is one declared security scheme.
type SecurityScheme struct {
	Name string
	Type string // "mutualTLS", "http", "apiKey", "oauth2", "openIdConnect", 2.0's "basic"...
	Loc  Location
}

// Location is where a node is written. Line and Column are 1-based.
type Location struct {
	File    string
	Line    int
	Column  int
	Pointer string // JSON pointer, e.g. /paths/~1users/post; "" is the root
}

// String writes the location as file:line:column.
func (l Location) String() string { return fmt.Sprintf("%s:%d:%d", l.File, l.Line, l.Column) }

// Operation is one method on one path.
type Operation struct {
	Method      string // upper case: GET, POST...
	Path        string // the path template, e.g. /users/{id}
	OperationID string
	Summary     string
	Tags        []string

	// Security is the effective requirement: the operation's own, else the
	// global one. Each element is one alternative listing the schemes it
	// needs; an empty element means anonymous access is allowed. nil means
	// no security at all.
	Security [][]string

	// Privileged marks admin-ish operations: a tag or path segment such as
	// admin, internal or manage (not ops), an oauth2 scope naming admin, an
	// x-roles-style extension naming an admin or operator role, or
	// x-admin: true.
	Privileged bool
	Roles      []string // from x-roles, x-required-role(s), x-role(s), x-allowed-roles, x-permissions

	Params       []*Param             // path-level and operation-level, the latter winning
	Body         *Body                // nil when the operation takes none
	Responses    map[string]*Response // by status: "200", "429", "default"
	ResponsesLoc Location             // of the responses object
	Loc          Location
}

// Param is one non-body parameter.
type Param struct {
	Name     string
	In       string // path, query, header, cookie
	Required bool
	Schema   *Schema // never nil
	Loc      Location
}

// Body is an operation's request body (3.x requestBody; 2.0 body or formData parameters).
type Body struct {
	Required     bool
	ContentTypes []string // media types accepted, in file order
	Schema       *Schema  // of the JSON media type if any, else the first; may be nil
	Loc          Location
}

// Response is one declared response.
type Response struct {
	Status  string   // "200", "429", "4XX", "default"
	Headers []string // canonical names, e.g. Retry-After
	Loc     Location
}

// Error is a document that cannot be read: its file, where (when known) and
// what is wrong, with the fix.
type Error struct {
	File   string
	Line   int // 0 when the problem has no single place
	Column int
	// Problem says what is wrong and how to fix it.
	Problem string
	Err     error // the underlying parser error, if any
}

// Error writes "file:line:column: problem", or "file: problem" without a place.
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Problem)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Problem)
}

// Unwrap returns the parser's own error, if any.
func (e *Error) Unwrap() error { return e.Err }
