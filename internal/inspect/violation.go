package inspect

import (
	"fmt"
	"net/http"
)

// Violation is the error a guard returns for a body it refuses.
//
// Reason is stable and safe to match on: "json-depth", "json-tokens",
// "json-string", "json-syntax", "xml-doctype", "xml-depth", "xml-syntax",
// "multipart-parts", "multipart-part-size", "multipart-syntax" and
// "body-size". Status is the HTTP status to answer with: 400 for depth, syntax
// and doctype, 413 for tokens, string length, parts, part size and body size.
type Violation struct {
	Reason string // stable reason, see above
	Status int    // HTTP status to answer with
	Detail string // human text, e.g. "JSON nesting depth exceeds 32 at byte 1042"
	Offset int64  // byte offset in the body where it was decided
}

// Error returns the reason followed by the detail.
func (v *Violation) Error() string {
	return v.Reason + ": " + v.Detail
}

// violationf builds a Violation; the detail is formatted from format and args.
func violationf(reason string, status int, off int64, format string, args ...any) *Violation {
	return &Violation{Reason: reason, Status: status, Offset: off, Detail: fmt.Sprintf(format, args...)}
}

// badRequest builds a 400 Violation.
func badRequest(reason string, off int64, format string, args ...any) *Violation {
	return violationf(reason, http.StatusBadRequest, off, format, args...)
}

// tooLarge builds a 413 Violation.
func tooLarge(reason string, off int64, format string, args ...any) *Violation {
	return violationf(reason, http.StatusRequestEntityTooLarge, off, format, args...)
}
