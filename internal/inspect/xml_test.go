package inspect

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestCheckXML(t *testing.T) {
	const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
]>
<lolz>&lol2;</lolz>`
	deny, allow := XMLLimits{MaxDepth: 3}, XMLLimits{MaxDepth: 3, AllowDoctype: true}
	tests := []struct {
		name   string
		doc    string
		limits XMLLimits
		reason string // "" for accepted
		offset int64
	}{
		{"plain", `<?xml version="1.0" encoding="UTF-8"?><a x="1"><b>text &amp; more</b><c/></a>`, deny, "", 0},
		{"namespaces", `<p:a xmlns:p="urn:x"><p:b/></p:a>`, deny, "", 0},
		{"depth at limit", `<a><b><c/></b></a>`, deny, "", 0},
		{"depth over limit", `<a><b><c><d/></c></b></a>`, deny, "xml-depth", 9},
		{"depth unlimited", strings.Repeat("<a>", 500) + strings.Repeat("</a>", 500), XMLLimits{}, "", 0},
		{"doctype", `<!DOCTYPE a><a/>`, deny, "xml-doctype", 0},
		{"doctype after declaration", `<?xml version="1.0"?>` + "\n" + `<!DOCTYPE a><a/>`, deny, "xml-doctype", 22},
		{"entity in doctype", `<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`, deny, "xml-doctype", 0},
		{"external entity", `<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>`, deny, "xml-doctype", 0},
		{"bare entity declaration", `<!ENTITY e "x"><a/>`, deny, "xml-doctype", 0},
		{"billion laughs", billionLaughs, deny, "xml-doctype", 22},
		{"doctype allowed", `<!DOCTYPE a><a/>`, allow, "", 0},
		{"billion laughs allowed but not expanded", billionLaughs, allow, "xml-syntax", 223},
		{"comment and processing instruction", `<!-- hi --><?pi x?><a/>`, deny, "", 0},
		{"unclosed", `<a><b></b>`, deny, "xml-syntax", 10},
		{"mismatched end", `<a><b></a></b>`, deny, "xml-syntax", 6},
		{"stray end", `<a/></b>`, deny, "xml-syntax", 4},
		{"two roots", `<a/><b/>`, deny, "xml-syntax", 4},
		{"text outside root", `<a/>junk`, deny, "xml-syntax", 4},
		{"empty", ``, deny, "xml-syntax", 0},
		{"whitespace only", " \n ", deny, "xml-syntax", 3},
		{"bad attribute", `<a x=1/>`, deny, "xml-syntax", 6},
		{"unknown entity", `<a>&nope;</a>`, deny, "xml-syntax", 9},
		{"latin-1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xe9</a>", deny, "", 0},
		{"us-ascii", `<?xml version="1.0" encoding="US-ASCII"?><a>cafe</a>`, deny, "", 0},
		{"utf-8 declared", `<?xml version="1.0" encoding="utf-8"?><a>caf` + "\u00e9" + `</a>`, deny, "", 0},
		{"latin-1 bytes undeclared", "<a>caf\xe9</a>", deny, "xml-syntax", 7},
		{"other encoding", `<?xml version="1.0" encoding="UTF-16"?><a/>`, deny, "xml-syntax", 39},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := violationOf(t, CheckXML(strings.NewReader(tt.doc), tt.limits))
			switch {
			case tt.reason == "" && v != nil:
				t.Fatalf("CheckXML = %v, want nil", v)
			case tt.reason == "":
			case v == nil:
				t.Fatalf("CheckXML = nil, want %s", tt.reason)
			case v.Reason != tt.reason || v.Status != 400 || v.Offset != tt.offset:
				t.Errorf("CheckXML = {%s %d %d} %q, want {%s 400 %d}", v.Reason, v.Status, v.Offset, v.Detail, tt.reason, tt.offset)
			}
		})
	}
}

func TestCheckXMLReaderErrors(t *testing.T) {
	doc := "<a>" + strings.Repeat("<b>x</b>", 100) + "</a>"
	err := CheckXML(LimitReader(strings.NewReader(doc), 50), XMLLimits{})
	if v := violationOf(t, err); v == nil || v.Reason != "body-size" || v.Offset != 50 {
		t.Errorf("CheckXML through LimitReader = %v, want body-size at 50", err)
	}
	boom := errors.New("connection reset")
	err = CheckXML(io.MultiReader(strings.NewReader("<a>"), iotest.ErrReader(boom)), XMLLimits{})
	var v *Violation
	if !errors.Is(err, boom) || errors.As(err, &v) {
		t.Errorf("CheckXML on a failing body = %v, want it to wrap %v and not be a Violation", err, boom)
	}
	if err := CheckXML(iotest.OneByteReader(bytes.NewReader([]byte(doc))), XMLLimits{MaxDepth: 2}); err != nil {
		t.Errorf("CheckXML one byte at a time = %v, want nil", err)
	}
}

// BenchmarkXML checks a 1 MiB document of records three levels deep.
func BenchmarkXML(b *testing.B) {
	var doc bytes.Buffer
	doc.WriteString(`<?xml version="1.0"?><orders>`)
	for doc.Len() < 1<<20 {
		doc.WriteString(`<order id="42" state="open"><item sku="A-1" qty="2">Widget &amp; bolt</item><note>ok</note></order>`)
	}
	doc.WriteString(`</orders>`)
	l := XMLLimits{MaxDepth: 32}
	b.SetBytes(int64(doc.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if err := CheckXML(bytes.NewReader(doc.Bytes()), l); err != nil {
			b.Fatal(err)
		}
	}
}
