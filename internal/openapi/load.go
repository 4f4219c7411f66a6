package openapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
)

// Limits of Load.
const (
	MaxSpecBytes = 10 << 20         // larger documents are refused
	FetchTimeout = 30 * time.Second // for a spec given as a URL
)

// Load reads a spec from a file, or from an http(s) URL fetched with client
// (http.DefaultClient when nil) within FetchTimeout. Documents larger than
// MaxSpecBytes are refused. Errors are *Error values naming the file.
func Load(ctx context.Context, pathOrURL string, client *http.Client) (*Spec, error) {
	var data []byte
	var err error
	if strings.HasPrefix(pathOrURL, "http://") || strings.HasPrefix(pathOrURL, "https://") {
		data, err = fetch(ctx, pathOrURL, client)
	} else {
		data, err = readFile(pathOrURL)
	}
	if err != nil {
		return nil, &Error{File: pathOrURL, Problem: err.Error(), Err: err}
	}
	return Parse(pathOrURL, data)
}

var errTooLarge = fmt.Errorf("the spec is larger than %d MiB: mtlsguard reads smaller contracts only", MaxSpecBytes>>20)

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the spec: %w", err)
	}
	defer f.Close()
	return readLimited(f)
}

func fetch(ctx context.Context, url string, client *http.Client) ([]byte, error) {
	if client == nil {
		client = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("bad spec URL: %w", err)
	}
	req.Header.Set("Accept", "application/json, application/yaml;q=0.9, */*;q=0.5")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot fetch the spec: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("cannot fetch the spec: the server answered %s", resp.Status)
	}
	return readLimited(resp.Body)
}

func readLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSpecBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the spec: %w", err)
	}
	if len(data) > MaxSpecBytes {
		return nil, errTooLarge
	}
	return data, nil
}

// Parse reads a spec from data; name is the file name used in locations and
// errors. It never panics: a failure inside the parser becomes an *Error.
func Parse(name string, data []byte) (*Spec, error) {
	return guard(name, func() (*Spec, error) { return parse(name, data) })
}

// guard turns a panic in fn into an error, so that a parser bug on odd input
// is reported against the file instead of crashing the scan.
func guard(name string, fn func() (*Spec, error)) (s *Spec, err error) {
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, &Error{File: name, Problem: fmt.Sprintf("the document cannot be read (parser failure: %v): check that it is a valid OpenAPI file", p)}
		}
	}()
	return fn()
}

func parse(name string, data []byte) (*Spec, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &Error{File: name, Problem: "the document is empty: give an OpenAPI 3.x or Swagger 2.0 file"}
	}
	cfg := datamodel.NewDocumentConfiguration()
	cfg.Logger = slog.New(slog.DiscardHandler)
	doc, err := libopenapi.NewDocumentWithConfiguration(data, cfg)
	if err != nil {
		return nil, readError(name, err)
	}
	root := doc.GetSpecInfo().RootNode
	if root == nil || root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, &Error{File: name, Problem: errNotSpec}
	}
	r := newReader(name, root.Content[0])
	version := r.version()
	if r.err != nil {
		return nil, r.err
	}
	s := r.spec(version)
	if r.err != nil {
		return nil, r.err
	}
	return s, nil
}

const errNotSpec = "not an OpenAPI document: no top-level `openapi` (3.x) or `swagger` (2.0) version key"

// readError explains an error from libopenapi's document reader.
func readError(name string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "cannot construct"): // valid YAML, but a list or a scalar
		return &Error{File: name, Problem: errNotSpec, Err: err}
	case strings.HasPrefix(msg, "unable to parse specification"),
		strings.HasPrefix(msg, "failed to decode YAML"),
		strings.HasPrefix(msg, "failed to unmarshal JSON"):
		_, detail, _ := strings.Cut(msg, ": ")
		return syntaxError(name, detail, err)
	case strings.HasPrefix(msg, "spec type not supported"), strings.Contains(msg, "unable to extract version"):
		return &Error{File: name, Problem: errNotSpec, Err: err}
	case strings.Contains(msg, "unknown version"):
		return &Error{File: name, Problem: "unsupported version: write `openapi: 3.0.3` (or 3.1.x, 3.2.x) for OpenAPI, or `swagger: \"2.0\"` for Swagger", Err: err}
	}
	// version mismatches and the rest: the version check gives the clearer message
	return &Error{File: name, Problem: "cannot read the document: " + msg, Err: err}
}

// yamlPlace picks the place and the cause out of the YAML parser's message,
// "go-yaml load error in parser (while parsing X) at L2.C7-L3.C6: cause".
var yamlPlace = regexp.MustCompile(`\(([^)]*)\) at L([0-9]+)\.C([0-9]+)[^:]*: (.*)$`)

// syntaxError reports a document that is neither JSON nor YAML, at the
// parser's line and column when it gives them.
func syntaxError(name, detail string, err error) *Error {
	e := &Error{File: name, Problem: "not valid JSON or YAML: " + detail, Err: err}
	if m := yamlPlace.FindStringSubmatch(detail); m != nil {
		e.Line, _ = strconv.Atoi(m[2])
		e.Column, _ = strconv.Atoi(m[3])
		e.Problem = fmt.Sprintf("not valid JSON or YAML: %s (%s)", m[4], m[1])
	}
	return e
}

var openapi3 = regexp.MustCompile(`^3\.[0-2](\.[0-9]+)?$`)

// version checks the version key and sets r.swagger.
func (r *reader) version() string {
	if k, v := r.field(r.root, "openapi"); k != nil {
		if v == nil || v.Kind != yaml.ScalarNode || !openapi3.MatchString(v.Value) {
			r.fail(k, "unsupported OpenAPI version %q: mtlsguard reads Swagger 2.0 and OpenAPI 3.0, 3.1 and 3.2", scalarText(v))
		}
		return scalarText(v)
	}
	if k, v := r.field(r.root, "swagger"); k != nil {
		r.swagger = true
		if v == nil || v.Value != "2.0" {
			r.fail(k, "unsupported Swagger version %q: the only Swagger version is \"2.0\"", scalarText(v))
		}
		return "2.0"
	}
	r.fail(nil, errNotSpec)
	return ""
}

func scalarText(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}
