package inspect

import (
	"bytes"
	"encoding/xml"
	"io"
	"testing"
)

// FuzzJSON checks the scanner against encoding/json.Valid, checks that limits
// only ever refuse what would otherwise pass or fail later, and that feeding
// a document in two writes changes nothing.
func FuzzJSON(f *testing.F) {
	for _, doc := range jsonCorpus {
		f.Add([]byte(doc), uint16(3), uint8(4))
	}
	f.Add(deepDoc(3, 200), uint16(17), uint8(2))
	f.Add(wideDoc(5), uint16(100), uint8(40))
	f.Fuzz(func(t *testing.T, doc []byte, cut uint16, limit uint8) {
		free := violationOf(t, CheckJSON(doc, JSONLimits{}))
		// encoding/json gives up past depth 10,000, which needs more bytes.
		if len(doc) < 10_000 && (free == nil) != validUTF8JSON(doc) {
			t.Fatalf("CheckJSON(%q) = %v, but encoding/json.Valid and utf8.Valid say %v", doc, free, validUTF8JSON(doc))
		}
		l := JSONLimits{MaxDepth: int(limit%8) + 1, MaxTokens: int(limit) + 1, MaxString: int64(limit % 16), MaxNumber: int64(limit % 12)}
		limited := violationOf(t, CheckJSON(doc, l))
		switch {
		case limited == nil && free != nil:
			t.Fatalf("limits %+v accepted %q, which fails without them: %v", l, doc, free)
		case limited != nil && free != nil && limited.Reason != "json-syntax" && limited.Offset > free.Offset:
			t.Fatalf("limit violation %v comes after the syntax error %v", limited, free)
		case limited != nil && limited.Reason == "json-syntax" && !sameViolation(limited, free):
			t.Fatalf("with limits the syntax error is %v, without %v", limited, free)
		}
		at := int(cut) % (len(doc) + 1)
		if split := violationOf(t, feed(NewJSONScanner(l), doc[:at], doc[at:])); !sameViolation(split, limited) {
			t.Fatalf("split at %d: %v, in one write: %v", at, split, limited)
		}
	})
}

// FuzzXML checks that CheckXML never panics, returns only Violations, and that
// a document it accepts with DOCTYPEs denied holds no directive.
func FuzzXML(f *testing.F) {
	for _, doc := range []string{
		`<a x="1"><b>t &amp; u</b><c/></a>`, `<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`, `<?xml version="1.0"?><a/>`,
		`<a><![CDATA[<!DOCTYPE x>]]></a>`, `<!-- <!DOCTYPE x> --><a/>`, `<p:a xmlns:p="u"><p:b/></p:a>`,
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		err := CheckXML(bytes.NewReader(doc), XMLLimits{MaxDepth: 4})
		if violationOf(t, err) != nil {
			return
		}
		d := xml.NewDecoder(bytes.NewReader(doc))
		d.CharsetReader = xmlCharset
		for {
			tok, err := d.RawToken()
			if err != nil {
				if err != io.EOF {
					t.Fatalf("CheckXML accepted %q, but the decoder fails: %v", doc, err)
				}
				return
			}
			if _, ok := tok.(xml.Directive); ok {
				t.Fatalf("CheckXML accepted %q, which holds a directive", doc)
			}
		}
	})
}

// FuzzMultipart checks that CheckMultipart never panics and returns only
// Violations.
func FuzzMultipart(f *testing.F) {
	body, boundary := formBody(f, 10, 300, 0)
	f.Add(body, boundary)
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nabc\r\n--b--\r\n"), "b")
	f.Add([]byte("--b\r\n\r\nabc"), "b")
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		v := violationOf(t, CheckMultipart(bytes.NewReader(body), boundary, MultipartLimits{MaxParts: 3, MaxPartSize: 256}))
		if v == nil {
			return
		}
		if v.Offset < 0 || v.Offset > int64(len(body)) {
			t.Fatalf("Offset %d outside the %d-byte body", v.Offset, len(body))
		}
	})
}
