package codegen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// effTraits are the traits that apply to a member's value: the target
// shape's, overridden by the member's own.
func effTraits(target *Shape, m *Member) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for k, v := range target.Traits {
		out[k] = v
	}
	if m != nil {
		for k, v := range m.Traits {
			out[k] = v
		}
	}
	return out
}

// isRequired: smithy.api#required without a non-null default (a default
// fills an absent member, so it is never null).
func isRequired(m *Member) bool {
	if !hasTrait(m.Traits, "smithy.api#required") {
		return false
	}
	if d, ok := m.Traits["smithy.api#default"]; ok && string(bytes.TrimSpace(d)) != "null" {
		return false
	}
	return true
}

// planPatterns compiles every pattern trait of the reachable shapes and their
// members, translating the ones RE2 cannot take.
func (g *gen) planPatterns() error {
	set := map[string]bool{}
	add := func(traits map[string]json.RawMessage) {
		if p, ok := traitString(traits, "smithy.api#pattern"); ok {
			set[p] = true
		}
	}
	for id := range g.reach {
		s := g.m.Shapes[id]
		add(s.Traits)
		for _, m := range s.Members {
			add(m.Traits)
		}
		for _, m := range []*Member{s.Member, s.Key, s.Value} {
			if m != nil {
				add(m.Traits)
			}
		}
	}
	ps := make([]string, 0, len(set))
	for p := range set {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	for _, p := range ps {
		c, err := CompilePattern(p, g.trans)
		if err != nil {
			return err
		}
		if c.Note != "" {
			g.quirks = append(g.quirks, fmt.Sprintf("pattern %s translated for RE2: %s", p, c.Note))
		}
		g.patIdx[p] = len(g.patterns)
		g.patterns = append(g.patterns, c)
		for _, re := range c.Regexps() {
			if _, ok := g.reIdx[re]; !ok {
				g.reIdx[re] = len(g.regexps)
				g.regexps = append(g.regexps, re)
			}
		}
	}
	return nil
}

// leafNeeds reports whether a value of the target shape with the effective
// traits has checks of its own (not counting nested members). Every string
// has one: it must not contain NUL (smithy.ConstraintNoNUL).
func (g *gen) leafNeeds(s *Shape, eff map[string]json.RawMessage) bool {
	if hasTrait(eff, "smithy.api#length") || hasTrait(eff, "smithy.api#range") || hasTrait(eff, "smithy.api#pattern") {
		return true
	}
	return s.Type == "string" || g.isEnum(s) || s.Type == "intEnum"
}

// valueNeeds reports whether a value of the target shape needs any check.
func (g *gen) valueNeeds(target string, m *Member) bool {
	s, err := g.m.shape(target)
	if err != nil {
		return false
	}
	if g.leafNeeds(s, effTraits(s, m)) {
		return true
	}
	return g.needs[target]
}

// computeNeeds finds, by fixpoint, the aggregate shapes whose values need
// validation (recursive shapes included).
//
// Only shapes reachable from operation inputs are considered: outputs and
// errors are never validated, so they get no validator.
func (g *gen) computeNeeds() error {
	inputs := g.inputs
	var walk func(target string)
	walk = func(target string) {
		s, ok := g.m.Shapes[target]
		if !ok || inputs[target] {
			return
		}
		inputs[target] = true
		if s.Type != "enum" && s.Type != "intEnum" {
			for _, m := range s.Members {
				walk(m.Target)
			}
		}
		for _, m := range []*Member{s.Member, s.Key, s.Value} {
			if m != nil {
				walk(m.Target)
			}
		}
	}
	for _, op := range g.ops {
		walk(op.InID)
	}
	var ids []string
	for _, id := range g.sortedReach() {
		if inputs[id] {
			ids = append(ids, id)
		}
	}
	for changed := true; changed; {
		changed = false
		for _, id := range ids {
			if g.needs[id] {
				continue
			}
			s := g.m.Shapes[id]
			need := false
			switch s.Type {
			case "structure", "union":
				for _, m := range s.Members {
					if isRequired(m) || g.valueNeeds(m.Target, m) {
						need = true
					}
				}
			case "list", "set":
				need = g.valueNeeds(s.Member.Target, s.Member)
			case "map":
				need = g.valueNeeds(s.Key.Target, s.Key) || g.valueNeeds(s.Value.Target, s.Value)
			}
			if need {
				g.needs[id] = true
				changed = true
			}
		}
	}
	return nil
}

func (g *gen) validateFunc(id string) string {
	return "validate" + ExportedName(shapeName(id))
}

func (g *gen) emitValidators(w *bytes.Buffer) error {
	w.WriteString("// validator holds the compiled patterns of the model. NewDispatcher creates\n// one; the package keeps no regexp at package level.\n")
	fmt.Fprintf(w, "type validator struct {\nre [%d]*regexp.Regexp\n}\n\n", len(g.regexps))
	w.WriteString("func newValidator() *validator {\nv := &validator{}\n")
	if len(g.regexps) > 0 {
		w.WriteString("for i, p := range [...]string{\n")
		for _, re := range g.regexps {
			fmt.Fprintf(w, "%s,\n", strconv.Quote(re))
		}
		w.WriteString("} {\nv.re[i] = regexp.MustCompile(p)\n}\n")
	}
	w.WriteString("return v\n}\n\n")
	for i, c := range g.patterns {
		fmt.Fprintf(w, "// pat%d checks the model pattern %s\n", i, c.Pattern)
		if c.Note != "" {
			fmt.Fprintf(w, "//\n// Translated for RE2: %s.\n", c.Note)
		}
		fmt.Fprintf(w, "func (v *validator) pat%d(s string) bool {\n", i)
		if c.Note == "" && len(c.Require) == 1 && len(c.Forbid) == 0 && len(c.OneOf) == 0 {
			fmt.Fprintf(w, "return v.re[%d].MatchString(s)\n}\n\n", g.reIdx[c.Require[0]])
			continue
		}
		for _, re := range c.Require {
			fmt.Fprintf(w, "if !v.re[%d].MatchString(s) {\nreturn false\n}\n", g.reIdx[re])
		}
		for _, re := range c.Forbid {
			fmt.Fprintf(w, "if v.re[%d].MatchString(s) {\nreturn false\n}\n", g.reIdx[re])
		}
		if len(c.OneOf) > 0 {
			w.WriteString("n := 0\n")
			for _, re := range c.OneOf {
				fmt.Fprintf(w, "if v.re[%d].MatchString(s) {\nn++\n}\n", g.reIdx[re])
			}
			fmt.Fprintf(w, "return n >= %d\n}\n\n", c.AtLeast)
		} else {
			w.WriteString("return true\n}\n\n")
		}
	}
	w.WriteString(`func violation(vs *[]smithy.Violation, path, value string, sensitive bool, constraint string) {
if sensitive {
value = ""
}
*vs = append(*vs, smithy.Violation{Path: path, Value: value, Sensitive: sensitive, Constraint: constraint})
}

func null(vs *[]smithy.Violation, path string) {
*vs = append(*vs, smithy.Violation{Path: path, Null: true, Constraint: smithy.ConstraintNotNull})
}

// result turns the collected violations into an error.
func result(vs []smithy.Violation) error {
if len(vs) == 0 {
return nil
}
return &smithy.ValidationError{Violations: vs}
}

`)
	for _, id := range g.sortedReach() {
		if !g.needs[id] {
			continue
		}
		s := g.m.Shapes[id]
		fn := g.validateFunc(id)
		switch s.Type {
		case "structure", "union":
			name := g.names[id]
			fmt.Fprintf(w, "// %s checks a %s at path p.\nfunc (v *validator) %s(p string, in *%s, vs *[]smithy.Violation) {\n", fn, name, fn, name)
			for _, m := range s.Members {
				if err := g.memberChecks(w, m); err != nil {
					return fmt.Errorf("%s$%s: %w", id, m.Name, err)
				}
			}
			w.WriteString("}\n\n")
		case "list", "set":
			t, err := g.goType(id, false)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "// %s checks the elements of a %s at path p.\nfunc (v *validator) %s(p string, l %s, vs *[]smithy.Violation) {\n", fn, shapeName(id), fn, t)
			w.WriteString("for i := range l {\nep := smithy.ElementPath(p, i)\n")
			et, _ := g.goType(s.Member.Target, false)
			if strings.HasPrefix(t, "[]*") {
				w.WriteString("if l[i] == nil {\ncontinue\n}\n")
				if err := g.checks(w, g.deref("l[i]", s.Member.Target), s.Member.Target, s.Member, "ep"); err != nil {
					return err
				}
			} else {
				x := "l[i]"
				if g.isStructLike(s.Member.Target) {
					x = "&l[i]"
				}
				_ = et
				if err := g.checks(w, x, s.Member.Target, s.Member, "ep"); err != nil {
					return err
				}
			}
			w.WriteString("}\n}\n\n")
		case "map":
			t, err := g.goType(id, false)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "// %s checks the entries of a %s at path p (keys and values at \"p.<key>\").\nfunc (v *validator) %s(p string, m %s, vs *[]smithy.Violation) {\n", fn, shapeName(id), fn, t)
			w.WriteString("for _, k := range slices.Sorted(maps.Keys(m)) {\nep := smithy.EntryPath(p, string(k))\n")
			if g.valueNeeds(s.Key.Target, s.Key) {
				if err := g.checks(w, "k", s.Key.Target, s.Key, "ep"); err != nil {
					return err
				}
			}
			if g.valueNeeds(s.Value.Target, s.Value) {
				w.WriteString("e := m[k]\n")
				vt, _ := g.goType(s.Value.Target, false)
				if strings.HasPrefix(t, "map[") && strings.Contains(t, "]*") && !strings.HasPrefix(vt, "*") {
					w.WriteString("if e == nil {\ncontinue\n}\n")
					if err := g.checks(w, g.deref("e", s.Value.Target), s.Value.Target, s.Value, "ep"); err != nil {
						return err
					}
				} else {
					x := "e"
					if g.isStructLike(s.Value.Target) {
						x = "&e"
					}
					if err := g.checks(w, x, s.Value.Target, s.Value, "ep"); err != nil {
						return err
					}
				}
			} else {
				w.WriteString("_ = ep\n")
			}
			w.WriteString("}\n}\n\n")
		}
	}
	return nil
}

func (g *gen) isStructLike(target string) bool {
	s, err := g.m.shape(target)
	return err == nil && (s.Type == "structure" || s.Type == "union")
}

// deref is the expression of the value behind a pointer-held element (sparse
// lists and maps); structures stay pointers.
func (g *gen) deref(x, target string) string {
	if g.isStructLike(target) {
		return x
	}
	return "*" + x
}

// memberChecks writes the checks of one structure member; "in" is the
// structure pointer and "p" its path.
func (g *gen) memberChecks(w *bytes.Buffer, m *Member) error {
	s, err := g.m.shape(m.Target)
	if err != nil {
		return err
	}
	req := isRequired(m)
	needs := g.valueNeeds(m.Target, m)
	if !req && !needs {
		return nil
	}
	t, err := g.goType(m.Target, true)
	if err != nil {
		return err
	}
	field := "in." + ExportedName(m.Name)
	zero := "nil"
	if !strings.HasPrefix(t, "*") && !strings.HasPrefix(t, "[]") && !strings.HasPrefix(t, "map[") && t != "json.RawMessage" {
		zero = `""` // enum held by value
	}
	path := fmt.Sprintf("smithy.MemberPath(p, %q)", MemberPathName(m.Name))
	switch {
	case req && !needs:
		fmt.Fprintf(w, "if %s == %s {\nnull(vs, %s)\n}\n", field, zero, path)
		return nil
	case req:
		fmt.Fprintf(w, "if %s == %s {\nnull(vs, %s)\n} else {\n", field, zero, path)
	default:
		fmt.Fprintf(w, "if %s != %s {\n", field, zero)
	}
	fmt.Fprintf(w, "mp := %s\n", path)
	x := field
	if strings.HasPrefix(t, "*") && s.Type != "structure" && s.Type != "union" {
		x = "*" + field
	}
	if err := g.checks(w, x, m.Target, m, "mp"); err != nil {
		return err
	}
	w.WriteString("}\n")
	return nil
}

// checks writes the checks of one value: x is the value (a pointer for
// structures and unions), m the member that holds it (for its traits), path
// the Go variable holding its path.
func (g *gen) checks(w *bytes.Buffer, x, target string, m *Member, path string) error {
	s, err := g.m.shape(target)
	if err != nil {
		return err
	}
	eff := effTraits(s, m)
	sens := strconv.FormatBool(hasTrait(eff, "smithy.api#sensitive"))
	isEnum := g.isEnum(s)
	str := x
	if isEnum {
		str = "string(" + x + ")"
	}
	// NUL: a plain string holding one gets that violation alone (its length
	// and pattern checks would only repeat the problem).
	if s.Type == "string" && !isEnum {
		fmt.Fprintf(w, "if strings.IndexByte(%s, 0) >= 0 {\nviolation(vs, %s, %s, %s, smithy.ConstraintNoNUL)\n} else {\n", x, path, x, sens)
		defer w.WriteString("}\n")
	}
	// Enum membership.
	if isEnum {
		fmt.Fprintf(w, "if !%s.IsKnown() {\nviolation(vs, %s, %s, %s, %s)\n}\n", recv(x), path, str, sens, g.enumSets[target])
	}
	if s.Type == "intEnum" {
		fmt.Fprintf(w, "if !%s.IsKnown() {\nviolation(vs, %s, strconv.FormatInt(int64(%s), 10), %s, %s)\n}\n", recv(x), path, x, sens, g.enumSets[target])
	}
	// Length.
	lb, err := traitBounds(eff, "smithy.api#length")
	if err != nil {
		return err
	}
	if lb != nil {
		var n, text string
		switch s.Type {
		case "string", "enum":
			n, text = "utf8.RuneCountInString("+str+")", str
		case "blob":
			n, text = "len("+x+")", "smithy.FormatValue("+x+")"
		case "list", "set", "map":
			n, text = "len("+x+")", "smithy.FormatValue("+x+")"
		default:
			return fmt.Errorf("length trait on %s shape %s", s.Type, target)
		}
		fmt.Fprintf(w, "if n := %s; ", n)
		if lb.Min != nil {
			fmt.Fprintf(w, "n < %s {\nviolation(vs, %s, %s, %s, %q)\n}", lb.Min, path, text, sens, "Member must have length greater than or equal to "+lb.Min.String())
			if lb.Max != nil {
				w.WriteString(" else if ")
			}
		}
		if lb.Max != nil {
			fmt.Fprintf(w, "n > %s {\nviolation(vs, %s, %s, %s, %q)\n}", lb.Max, path, text, sens, "Member must have length less than or equal to "+lb.Max.String())
		}
		w.WriteString("\n")
	}
	// Range.
	rb, err := traitBounds(eff, "smithy.api#range")
	if err != nil {
		return err
	}
	if rb != nil {
		var text, cmp string
		switch s.Type {
		case "byte", "short", "integer", "long", "intEnum":
			text, cmp = "strconv.FormatInt(int64("+x+"), 10)", x
		case "float", "double":
			text, cmp = "strconv.FormatFloat(float64("+x+"), 'g', -1, 64)", "float64("+x+")"
		default:
			return fmt.Errorf("range trait on %s shape %s", s.Type, target)
		}
		bound := func(n *json.Number) string {
			if strings.ContainsAny(n.String(), ".eE") && cmp == x {
				return "float64(" + x + ")"
			}
			return cmp
		}
		if rb.Min != nil {
			fmt.Fprintf(w, "if %s < %s {\nviolation(vs, %s, %s, %s, %q)\n}\n", bound(rb.Min), rb.Min, path, text, sens, "Member must have value greater than or equal to "+rb.Min.String())
		}
		if rb.Max != nil {
			fmt.Fprintf(w, "if %s > %s {\nviolation(vs, %s, %s, %s, %q)\n}\n", bound(rb.Max), rb.Max, path, text, sens, "Member must have value less than or equal to "+rb.Max.String())
		}
	}
	// Pattern.
	if p, ok := traitString(eff, "smithy.api#pattern"); ok {
		if s.Type != "string" && s.Type != "enum" {
			return fmt.Errorf("pattern trait on %s shape %s", s.Type, target)
		}
		fmt.Fprintf(w, "if !v.pat%d(%s) {\nviolation(vs, %s, %s, %s, %q)\n}\n", g.patIdx[p], str, path, str, sens, "Member must satisfy regular expression pattern: "+p)
	}
	// Nested values.
	if g.needs[target] {
		fmt.Fprintf(w, "v.%s(%s, %s, vs)\n", g.validateFunc(target), path, x)
	}
	return nil
}

// recv parenthesizes a dereference used as a method receiver.
func recv(x string) string {
	if strings.HasPrefix(x, "*") {
		return "(" + x + ")"
	}
	return x
}
