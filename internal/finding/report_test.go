package finding

import "testing"

func TestScoreCountsEachRuleOnceAtItsWorst(t *testing.T) {
	f := func(id string, s Severity) Finding { return Finding{ID: id, Severity: s} }
	cases := []struct {
		name string
		fs   []Finding
		want int
	}{
		{"none", nil, 100},
		{"one high", []Finding{f("A", High)}, 80},
		{"ten of one rule", []Finding{f("A", Medium), f("A", Medium), f("A", Medium), f("A", Medium), f("A", Medium), f("A", Medium), f("A", Medium), f("A", Medium), f("A", Medium), f("A", Medium)}, 90},
		{"worst of a rule counts", []Finding{f("A", Low), f("A", Critical)}, 65},
		{"info is free", []Finding{f("A", Info)}, 100},
		{"floor at zero", []Finding{f("A", Critical), f("B", Critical), f("C", Critical)}, 0},
		{"mixed", []Finding{f("A", High), f("B", Medium), f("C", Low)}, 67},
	}
	for _, tc := range cases {
		if got := Score(tc.fs); got != tc.want {
			t.Errorf("%s: Score = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestGradeBoundaries(t *testing.T) {
	for score, want := range map[int]string{100: "A", 90: "A", 89: "B", 80: "B", 79: "C", 70: "C", 69: "D", 60: "D", 59: "F", 0: "F"} {
		if got := Grade(score); got != want {
			t.Errorf("Grade(%d) = %s, want %s", score, got, want)
		}
	}
}

func TestFinalizeOrdersAndScoresCategories(t *testing.T) {
	r := &Report{
		Rules: []Rule{{ID: "A", Category: "API4:2023"}, {ID: "B", Category: "API2:2023"}, {ID: "C", Category: "API1:2023"}},
		Findings: []Finding{
			{ID: "A", Severity: Low, Category: "API4:2023"},
			{ID: "B", Severity: High, Category: "API2:2023"},
			{ID: "A", Severity: Medium, Category: "API4:2023", Location: &Location{File: "a.yaml", Line: 3}},
		},
	}
	r.Finalize()
	if r.Findings[0].ID != "B" || r.Findings[1].Severity != Medium || r.Findings[2].Severity != Low {
		t.Errorf("order: %+v", r.Findings)
	}
	if r.Score != 70 || r.Grade != "C" {
		t.Errorf("score %d %s, want 70 C", r.Score, r.Grade)
	}
	want := []CategoryScore{{"API1:2023", 100, "A", 0}, {"API2:2023", 80, "B", 1}, {"API4:2023", 90, "A", 2}}
	if len(r.Categories) != len(want) {
		t.Fatalf("categories %+v", r.Categories)
	}
	for i, c := range want {
		if r.Categories[i] != c {
			t.Errorf("category %d = %+v, want %+v", i, r.Categories[i], c)
		}
	}
	if r.AtOrAbove(Medium) != 2 || r.AtOrAbove(Critical) != 0 {
		t.Errorf("AtOrAbove: %d %d", r.AtOrAbove(Medium), r.AtOrAbove(Critical))
	}
}
