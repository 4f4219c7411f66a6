package openapi

import "strconv"

// compositions reads allOf, whose branches are merged into sc, and oneOf and
// anyOf, whose alternatives are kept in sc.OneOf.
func (r *reader) compositions(sc *Schema, s site, depth int) {
	if all := r.child(s, "allOf"); all != nil {
		for i, n := range r.items(all.val) {
			b := r.schema(site{key: n, val: n, ptr: all.ptr + "/" + strconv.Itoa(i)}, depth+1)
			sc.merge(b)
		}
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		alts := r.child(s, key)
		if alts == nil {
			continue
		}
		for i, n := range r.items(alts.val) {
			if b := r.schema(site{key: n, val: n, ptr: alts.ptr + "/" + strconv.Itoa(i)}, depth+1); b != nil {
				sc.OneOf = append(sc.OneOf, b)
			}
		}
	}
}

// merge folds an allOf branch into s: the branch adds what s lacks, and where
// both bound a value the tighter bound wins. The branch is not modified.
func (s *Schema) merge(b *Schema) {
	if b == nil {
		return
	}
	if b.Recursive {
		s.Recursive, s.Ref = true, b.Ref
		return
	}
	if s.Type == "" {
		s.Type = b.Type
	}
	if s.Format == "" {
		s.Format = b.Format
	}
	if s.Pattern == "" {
		s.Pattern = b.Pattern
	}
	s.MaxLength = tighterInt(s.MaxLength, b.MaxLength, true)
	s.MinLength = tighterInt(s.MinLength, b.MinLength, false)
	s.MaxItems = tighterInt(s.MaxItems, b.MaxItems, true)
	s.MinItems = tighterInt(s.MinItems, b.MinItems, false)
	s.MaxProperties = tighterInt(s.MaxProperties, b.MaxProperties, true)
	s.mergeBounds(b)
	s.mergeMembers(b)
}

func (s *Schema) mergeBounds(b *Schema) {
	if b.Minimum != nil && (s.Minimum == nil || *b.Minimum > *s.Minimum) {
		s.Minimum, s.ExclusiveMinimum = b.Minimum, b.ExclusiveMinimum
	}
	if b.Maximum != nil && (s.Maximum == nil || *b.Maximum < *s.Maximum) {
		s.Maximum, s.ExclusiveMaximum = b.Maximum, b.ExclusiveMaximum
	}
	if len(s.Enum) == 0 {
		s.Enum = b.Enum
	}
	if !s.HasConst && b.HasConst {
		s.Const, s.HasConst = b.Const, true
	}
}

func (s *Schema) mergeMembers(b *Schema) {
	for _, p := range b.Properties {
		if !s.hasProperty(p.Name) {
			s.Properties = append(s.Properties, p)
		}
	}
	for _, name := range b.Required {
		if !s.IsRequired(name) {
			s.Required = append(s.Required, name)
		}
	}
	if s.Items == nil {
		s.Items = b.Items
	}
	if s.AdditionalProperties == nil {
		s.AdditionalProperties = b.AdditionalProperties
	}
	s.AdditionalAllowed = s.AdditionalAllowed && b.AdditionalAllowed
	s.OneOf = append(s.OneOf, b.OneOf...)
}

func (s *Schema) hasProperty(name string) bool {
	for _, p := range s.Properties {
		if p.Name == name {
			return true
		}
	}
	return false
}

// tighterInt returns the tighter of two optional limits: the smaller of two
// upper limits, the larger of two lower ones.
func tighterInt(a, b *int64, upper bool) *int64 {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case upper == (*a <= *b):
		return a
	}
	return b
}
