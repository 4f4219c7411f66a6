package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

// offlineLoader serves schemas stored in testdata by their $id and refuses
// every other URL, so validation never reaches the network.
type offlineLoader map[string]string

func (l offlineLoader) Load(url string) (any, error) {
	path, ok := l[url]
	if !ok {
		return nil, fmt.Errorf("offline: no stored schema for %s", url)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

// sarifSchema compiles the official SARIF 2.1.0 schema from testdata.
func sarifSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.UseLoader(offlineLoader{sarifSchemaURI: filepath.Join("testdata", "sarif-schema-2.1.0.json")})
	c.AssertFormat()
	sch, err := c.Compile(sarifSchemaURI)
	if err != nil {
		t.Fatalf("compile SARIF schema: %v", err)
	}
	return sch
}

// decodeSARIF parses out with the decoder the validator needs and with
// encoding/json into the writer's own types.
func decodeSARIF(t testing.TB, out []byte) (any, sarifLog) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("SARIF output is not JSON: %v", err)
	}
	var log sarifLog
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	return inst, log
}

func TestSARIFValidatesAgainstSchema(t *testing.T) {
	sch := sarifSchema(t)
	dupRules := sampleReport()
	dupRules.Rules = append(dupRules.Rules, ruleRate, ruleSpoof)
	noRules := sampleReport()
	noRules.Rules = nil
	tests := map[string]*finding.Report{
		"sample":          sampleReport(),
		"empty":           {},
		"duplicate rules": dupRules,
		"no rules":        noRules,
	}
	for name, r := range tests {
		t.Run(name, func(t *testing.T) {
			inst, log := decodeSARIF(t, render(t, SARIF{}, r))
			if err := sch.Validate(inst); err != nil {
				t.Fatalf("SARIF output does not validate: %v", err)
			}
			if len(log.Runs) != 1 {
				t.Fatalf("runs = %d, want 1", len(log.Runs))
			}
			checkRuleIndex(t, log.Runs[0])
		})
	}
}

// TestSARIFSchemaRejects shows the validator is live: logs that break the
// schema are refused.
func TestSARIFSchemaRejects(t *testing.T) {
	sch := sarifSchema(t)
	tests := map[string]string{
		"no version":     `{"runs": []}`,
		"bad level":      `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "level": "fatal"}]}]}`,
		"negative index": `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "ruleIndex": -2}]}]}`,
		"line 0":         `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a"}, "region": {"startLine": 0}}}]}]}]}`,
		"bad uri":        `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "informationUri": "not a uri"}}}]}`,
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(doc)))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err == nil {
				t.Errorf("schema accepted an invalid log")
			}
		})
	}
}

func TestSARIFLoaderStaysOffline(t *testing.T) {
	_, err := offlineLoader{}.Load("https://json.schemastore.org/sarif-2.1.0.json")
	if err == nil {
		t.Fatal("loader served a URL it has no file for")
	}
}

// checkRuleIndex asserts the invariant peers break: every result's ruleIndex
// points at the rule with its ruleId, and rule IDs are unique.
func checkRuleIndex(t *testing.T, run sarifRun) {
	t.Helper()
	for _, e := range ruleIndexErrors(run) {
		t.Error(e)
	}
}

func ruleIndexErrors(run sarifRun) []string {
	var errs []string
	rules := run.Tool.Driver.Rules
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.ID] {
			errs = append(errs, fmt.Sprintf("rule %s appears twice in driver.rules", r.ID))
		}
		seen[r.ID] = true
	}
	for i, res := range run.Results {
		if res.RuleIndex < 0 || res.RuleIndex >= len(rules) {
			errs = append(errs, fmt.Sprintf("result %d (%s): ruleIndex %d outside rules[0:%d]", i, res.RuleID, res.RuleIndex, len(rules)))
			continue
		}
		if got := rules[res.RuleIndex].ID; got != res.RuleID {
			errs = append(errs, fmt.Sprintf("result %d: rules[%d].id = %s, want ruleId %s", i, res.RuleIndex, got, res.RuleID))
		}
	}
	return errs
}

// TestRuleIndexCheckCatchesMistakes shows the invariant check is live: the
// mistakes nuclei and gosec made are reported.
func TestRuleIndexCheckCatchesMistakes(t *testing.T) {
	_, log := decodeSARIF(t, render(t, SARIF{}, sampleReport()))
	tests := map[string]func(*sarifRun){
		"off by one":   func(r *sarifRun) { r.Results[0].RuleIndex++ },
		"out of range": func(r *sarifRun) { r.Results[1].RuleIndex = len(r.Tool.Driver.Rules) },
		"dup rule":     func(r *sarifRun) { r.Tool.Driver.Rules = append(r.Tool.Driver.Rules, r.Tool.Driver.Rules[0]) },
	}
	for name, breakIt := range tests {
		t.Run(name, func(t *testing.T) {
			_, fresh := decodeSARIF(t, render(t, SARIF{}, sampleReport()))
			run := fresh.Runs[0]
			breakIt(&run)
			if errs := ruleIndexErrors(run); len(errs) != 1 {
				t.Errorf("errors = %q, want exactly one", errs)
			}
		})
	}
	if errs := ruleIndexErrors(log.Runs[0]); len(errs) != 0 {
		t.Errorf("writer output: %q", errs)
	}
}

func TestSARIFRulesAndResults(t *testing.T) {
	_, log := decodeSARIF(t, render(t, SARIF{}, sampleReport()))
	run := log.Runs[0]
	rules := run.Tool.Driver.Rules
	if len(rules) != len(sampleRules)+1 {
		t.Fatalf("rules = %d, want the %d registry rules plus one appended", len(rules), len(sampleRules))
	}
	for i, want := range sampleRules {
		if rules[i].ID != want.ID {
			t.Errorf("rules[%d] = %s, want registry order %s", i, rules[i].ID, want.ID)
		}
	}
	if last := rules[len(rules)-1]; last.ID != "EXPERIMENTAL-PROBE" || last.DefaultConfiguration.Level != "note" {
		t.Errorf("appended rule = %s/%s, want EXPERIMENTAL-PROBE/note", last.ID, last.DefaultConfiguration.Level)
	}
	if len(run.Results) != 7 {
		t.Fatalf("results = %d, want 7", len(run.Results))
	}
	wantLevels := []string{"error", "error", "error", "warning", "warning", "note", "note"}
	fingerprints := map[string]bool{}
	for i, res := range run.Results {
		if res.Level != wantLevels[i] {
			t.Errorf("result %d (%s): level %s, want %s", i, res.RuleID, res.Level, wantLevels[i])
		}
		fp := res.PartialFingerprints[fingerprintKey]
		if fp == "" || fingerprints[fp] {
			t.Errorf("result %d: fingerprint %q empty or repeated", i, fp)
		}
		fingerprints[fp] = true
	}
	rate := run.Results[2]
	if rate.RuleID != "RATE-NO-LIMIT" || rate.Locations[0].PhysicalLocation != nil ||
		rate.Locations[0].LogicalLocations[0].Name != "GET /health" {
		t.Errorf("runtime finding location = %+v, want only logical GET /health", rate.Locations[0])
	}
	static := run.Results[3].Locations[0].PhysicalLocation
	want := sarifPhysical{ArtifactLocation: sarifArtifact{URI: "specs/api.yaml", URIBaseID: "%SRCROOT%"}, Region: &sarifRegion{StartLine: 42, StartColumn: 11}}
	if static == nil || static.ArtifactLocation != want.ArtifactLocation || *static.Region != *want.Region {
		t.Errorf("static finding physical location = %+v, want %+v", static, want)
	}
}

func TestSARIFLevels(t *testing.T) {
	tests := []struct {
		sev  finding.Severity
		want string
	}{
		{finding.Critical, "error"}, {finding.High, "error"}, {finding.Medium, "warning"},
		{finding.Low, "note"}, {finding.Info, "note"},
	}
	for _, tt := range tests {
		if got := sarifLevel(tt.sev); got != tt.want {
			t.Errorf("sarifLevel(%s) = %s, want %s", tt.sev, got, tt.want)
		}
	}
}

func TestArtifactLocation(t *testing.T) {
	tests := []struct {
		file string
		want sarifArtifact
	}{
		{"openapi.yaml", sarifArtifact{URI: "openapi.yaml", URIBaseID: srcRoot}},
		{"specs/my api.yaml", sarifArtifact{URI: "specs/my%20api.yaml", URIBaseID: srcRoot}},
		{"../specs/api.json", sarifArtifact{URI: "../specs/api.json", URIBaseID: srcRoot}},
		{"v1:api.yaml", sarifArtifact{URI: "./v1:api.yaml", URIBaseID: srcRoot}},
		{"/srv/specs/api.yaml", sarifArtifact{URI: "file:///srv/specs/api.yaml"}},
		{"https://api.example.com/openapi.json", sarifArtifact{URI: "https://api.example.com/openapi.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			if got := artifactLocation(tt.file); got != tt.want {
				t.Errorf("artifactLocation(%q) = %+v, want %+v", tt.file, got, tt.want)
			}
		})
	}
}

func TestRuleName(t *testing.T) {
	tests := map[string]string{"RATE-NO-LIMIT": "RateNoLimit", "SPEC-429-NO-RETRY-AFTER": "Spec429NoRetryAfter", "x": "X", "": ""}
	for id, want := range tests {
		if got := ruleName(id); got != want {
			t.Errorf("ruleName(%q) = %q, want %q", id, got, want)
		}
	}
}

func TestSARIFSchemaFileIsTheOfficialOne(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.ID != sarifSchemaURI {
		t.Errorf("stored schema id = %q, want %q", doc.ID, sarifSchemaURI)
	}
	if doc.Title == "" {
		t.Errorf("stored schema has no title")
	}
}
