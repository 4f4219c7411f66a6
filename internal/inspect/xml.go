package inspect

import (
	"bytes"
	"encoding/xml"
	"io"
)

// XMLLimits bounds an XML document.
type XMLLimits struct {
	// MaxDepth is the deepest allowed nesting of elements: "<a/>" has depth 1.
	// Exceeding it is "xml-depth" (400). Zero means no limit.
	MaxDepth int
	// AllowDoctype admits DOCTYPE and other <!...> declarations. By default any
	// of them is "xml-doctype" (400): a document type declaration is where
	// entity expansion ("billion laughs") and external entities (XXE) live,
	// and an API body has no use for one.
	AllowDoctype bool
}

// CheckXML reads an XML document from r and returns a *Violation for the
// first thing that breaks l or well-formedness, or nil. Offsets are exact: the
// byte where the offending markup starts.
//
// Well-formed means what encoding/xml in strict mode accepts, plus matching
// end tags and exactly one root element. Entities other than the five
// predefined ones are refused as syntax even with AllowDoctype, since the
// guard does not expand them. Documents are UTF-8 unless they declare US-ASCII
// or ISO-8859-1 (offsets then count the bytes after conversion to UTF-8);
// other encodings are refused as syntax. An error from r itself is returned
// as it is when it is a *Violation, wrapped otherwise.
func CheckXML(r io.Reader, l XMLLimits) error {
	src := &source{r: r}
	d := xml.NewDecoder(src)
	d.CharsetReader = xmlCharset
	c := xmlCheck{limits: l}
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err == io.EOF {
			return c.end(d.InputOffset())
		}
		if err != nil {
			if rerr := src.readError("XML"); rerr != nil {
				return rerr
			}
			return xmlSyntax(d.InputOffset(), err.Error())
		}
		if v := c.token(tok, off); v != nil {
			return v
		}
	}
}

// xmlCheck follows the element structure of a document.
type xmlCheck struct {
	limits XMLLimits
	open   []xml.Name // elements not yet closed, outermost first
	roots  int        // top-level elements seen
}

// token checks one token that starts at offset off.
func (c *xmlCheck) token(tok xml.Token, off int64) *Violation {
	switch t := tok.(type) {
	case xml.StartElement:
		return c.start(t.Name, off)
	case xml.EndElement:
		return c.endElement(t.Name, off)
	case xml.Directive:
		if !c.limits.AllowDoctype {
			return badRequest("xml-doctype", off, "XML DOCTYPE or entity declaration at byte %d is not allowed", off)
		}
	case xml.CharData:
		if len(c.open) == 0 && len(bytes.TrimSpace(t)) > 0 {
			return xmlSyntax(off, "text outside the root element")
		}
	}
	return nil
}

// start opens an element.
func (c *xmlCheck) start(name xml.Name, off int64) *Violation {
	if len(c.open) == 0 {
		if c.roots++; c.roots > 1 {
			return xmlSyntax(off, "more than one root element")
		}
	}
	c.open = append(c.open, name)
	if limit := c.limits.MaxDepth; limit > 0 && len(c.open) > limit {
		return badRequest("xml-depth", off, "XML nesting depth exceeds %d at byte %d", limit, off)
	}
	return nil
}

// endElement closes the innermost element, which must have the same name.
func (c *xmlCheck) endElement(name xml.Name, off int64) *Violation {
	n := len(c.open)
	if n == 0 || c.open[n-1] != name {
		return xmlSyntax(off, "unexpected end element </"+qualified(name)+">")
	}
	c.open = c.open[:n-1]
	return nil
}

// end checks the document as a whole once the input is over.
func (c *xmlCheck) end(off int64) error {
	if n := len(c.open); n > 0 {
		return xmlSyntax(off, "unexpected end of input: <"+qualified(c.open[n-1])+"> is not closed")
	}
	if c.roots == 0 {
		return xmlSyntax(off, "no root element")
	}
	return nil
}

// qualified renders an element name as written: prefix:local.
func qualified(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// xmlSyntax builds an "xml-syntax" Violation.
func xmlSyntax(off int64, why string) *Violation {
	return badRequest("xml-syntax", off, "invalid XML at byte %d: %s", off, why)
}
