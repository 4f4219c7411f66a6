package target

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
)

// pythonDepth is where Python's json.loads gives up with RecursionError.
const pythonDepth = 1000

// maxExpanded bounds the vulnerable XML parser's output, so that a test
// can never turn into a real entity bomb.
const maxExpanded = 1 << 20

// item is the body of POST /items and PUT /items/{id}.
type item struct {
	Name  string            `json:"name"`
	Tags  []string          `json:"tags"`
	Attrs map[string]string `json:"attrs"`
	Qty   float64           `json:"qty"`
}

// writeItem reads an item: capped (or not), depth-guarded (or crashing
// past Python's limit), validated against the spec's limits (or not).
func (a *app) writeItem(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, ok := a.readJSON(w, r)
		if !ok {
			return
		}
		var it item
		if err := json.Unmarshal(body, &it); err != nil {
			http.Error(w, "bad JSON: "+err.Error(), http.StatusBadRequest)
			return
		}
		if a.opts.EnforceSpec && !it.valid() {
			http.Error(w, "body outside the spec's limits", http.StatusUnprocessableEntity)
			return
		}
		writeJSON(w, status, map[string]any{"id": 2, "name_length": len(it.Name), "bytes": len(body)})
	}
}

// valid applies the limits of testdata/api.yaml's Item schema.
func (it item) valid() bool {
	for _, t := range it.Tags {
		if len(t) > 16 {
			return false
		}
	}
	return len(it.Name) <= 32 && len(it.Tags) <= 5 && len(it.Attrs) <= 4 && it.Qty <= 100
}

// readJSON reads a body through the byte cap and the depth guard (or the
// Python-like crash past depth 1,000).
func (a *app) readJSON(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, ok := a.readBody(w, r)
	if !ok {
		return nil, false
	}
	d := depth(body)
	switch {
	case a.opts.MaxDepth > 0 && d > a.opts.MaxDepth:
		http.Error(w, "JSON nested too deeply", http.StatusBadRequest)
		return nil, false
	case a.opts.MaxDepth == 0 && d > pythonDepth:
		http.Error(w, "RecursionError: maximum recursion depth exceeded", http.StatusInternalServerError)
		return nil, false
	}
	return body, true
}

// acceptJSON takes any JSON document that passes the guards.
func (a *app) acceptJSON(w http.ResponseWriter, r *http.Request) {
	body, ok := a.readJSON(w, r)
	if !ok {
		return
	}
	if !json.Valid(body) {
		http.Error(w, "bad JSON", http.StatusBadRequest)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"bytes": len(body)})
}

func (a *app) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	src := r.Body
	if a.opts.MaxBody > 0 {
		src = http.MaxBytesReader(w, r.Body, a.opts.MaxBody)
	}
	body, err := io.ReadAll(src)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return nil, false
	case err != nil:
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return nil, false
	}
	return body, true
}

// depth is the deepest nesting of arrays and objects in a JSON text.
func depth(b []byte) int {
	d, deepest, inString, escaped := 0, 0, false, false
	for _, c := range b {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			d++
			deepest = max(deepest, d)
		case c == ']' || c == '}':
			d--
		}
	}
	return deepest
}

var entityDecl = regexp.MustCompile(`<!ENTITY\s+([A-Za-z_][\w.-]*)\s+"([^"%&<]*)"\s*>`)

// importXML reads an XML document and answers its text. The vulnerable
// variant honours internal entities from the DTD, as lxml does by default.
func (a *app) importXML(w http.ResponseWriter, r *http.Request) {
	body, ok := a.readBody(w, r)
	if !ok {
		return
	}
	if bytes.Contains(body, []byte("<!DOCTYPE")) && a.opts.RejectDTD {
		http.Error(w, "DOCTYPE not allowed", http.StatusBadRequest)
		return
	}
	text, err := xmlText(body)
	if err != nil {
		http.Error(w, "bad XML: "+err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"text": text})
}

func xmlText(body []byte) (string, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Entity = map[string]string{}
	for _, m := range entityDecl.FindAllSubmatch(body, -1) {
		dec.Entity[string(m[1])] = string(m[2])
	}
	var sb strings.Builder
	for sb.Len() < maxExpanded {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return sb.String(), nil
		}
		if err != nil {
			return "", err
		}
		if cd, ok := tok.(xml.CharData); ok {
			sb.Write(cd)
		}
	}
	return sb.String(), nil
}
