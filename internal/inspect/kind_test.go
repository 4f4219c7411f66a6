package inspect

import "testing"

func TestKindOf(t *testing.T) {
	tests := []struct {
		contentType string
		kind        Kind
		boundary    string
	}{
		{"application/json", JSON, ""},
		{"Application/JSON; charset=utf-8", JSON, ""},
		{"application/problem+json", JSON, ""},
		{"application/vnd.api+json; ext=x", JSON, ""},
		{"text/json", Other, ""},
		{"application/+json", Other, ""},
		{"application/jsonx", Other, ""},
		{"application/xml", XML, ""},
		{"text/xml; charset=UTF-8", XML, ""},
		{"application/soap+xml", XML, ""},
		{"image/svg+xml", XML, ""},
		{"multipart/form-data; boundary=abc123", Multipart, "abc123"},
		{`MULTIPART/FORM-DATA; BOUNDARY="a b:c"`, Multipart, "a b:c"},
		{"multipart/form-data", Multipart, ""},
		{"multipart/mixed; boundary=x", Other, ""},
		{"text/plain", Other, ""},
		{"", Other, ""},
		{"application/json; charset", Other, ""},
		{"/json", Other, ""},
		{";;;", Other, ""},
	}
	for _, tt := range tests {
		k, b := KindOf(tt.contentType)
		if k != tt.kind || b != tt.boundary {
			t.Errorf("KindOf(%q) = %v, %q; want %v, %q", tt.contentType, k, b, tt.kind, tt.boundary)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{Other: "other", JSON: "json", XML: "xml", Multipart: "multipart", Kind(42): "other"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}
