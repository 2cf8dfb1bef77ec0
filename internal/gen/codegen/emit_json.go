package codegen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// emitEncoders writes encode.go: an AppendJSON method for every structure
// reachable from an operation output or a modeled error, and for the
// generated empty outputs. Each method appends exactly what
// encoding/json.Marshal writes for the type (member order, omitzero rules,
// string escaping, number formats), with the helpers of internal/smithy, so
// that the framing can skip reflection. A structure holding a shape the
// helpers do not cover (documents, big numbers) gets no method; the framing
// falls back to encoding/json for it.
func (g *gen) emitEncoders(w *bytes.Buffer) error {
	set := map[string]bool{}
	var walk func(id string)
	walk = func(id string) {
		if id == "" || set[id] || strings.HasPrefix(id, "smithy.api#") {
			return
		}
		s, ok := g.m.Shapes[id]
		if !ok {
			return
		}
		set[id] = true
		switch s.Type {
		case "structure", "union":
			for _, m := range s.Members {
				walk(m.Target)
			}
		case "list", "set":
			walk(s.Member.Target)
		case "map":
			walk(s.Key.Target)
			walk(s.Value.Target)
		}
	}
	for _, e := range g.svc.Errors {
		walk(e.Target)
	}
	for _, op := range g.ops {
		walk(op.OutID)
		for _, e := range op.Shape.Errors {
			walk(e.Target)
		}
	}
	memo := map[string]bool{}
	for _, id := range g.sortedReach() {
		s := g.m.Shapes[id]
		if !set[id] || (s.Type != "structure" && s.Type != "union") || !g.encodable(id, memo, map[string]bool{}) {
			continue
		}
		if err := g.emitEncoder(w, id, s); err != nil {
			return err
		}
	}
	for _, op := range g.ops {
		if op.OutID == "" {
			fmt.Fprintf(w, "// AppendJSON appends the JSON encoding of v to b: {}, or null for a nil v.\n")
			fmt.Fprintf(w, "func (v *%s) AppendJSON(b []byte) []byte {\nif v == nil {\nreturn append(b, \"null\"...)\n}\nreturn append(b, \"{}\"...)\n}\n\n", op.Out)
		}
	}
	return nil
}

// encodable reports whether the generated AppendJSON methods can encode a
// value of the shape.
func (g *gen) encodable(id string, memo, visiting map[string]bool) bool {
	if id == "smithy.api#Unit" {
		return true
	}
	if v, ok := memo[id]; ok {
		return v
	}
	if visiting[id] {
		return true // a cycle: decided by the other members
	}
	s, err := g.m.shape(id)
	if err != nil {
		return false
	}
	visiting[id] = true
	defer delete(visiting, id)
	ok := true
	switch s.Type {
	case "document", "bigInteger", "bigDecimal":
		ok = false
	case "structure", "union":
		for _, m := range s.Members {
			ok = ok && g.encodable(m.Target, memo, visiting)
		}
	case "list", "set":
		ok = g.encodable(s.Member.Target, memo, visiting)
	case "map":
		k, err := g.m.shape(s.Key.Target)
		ok = err == nil && (k.Type == "string" || k.Type == "enum") && g.encodable(s.Value.Target, memo, visiting)
	}
	memo[id] = ok
	return ok
}

func (g *gen) emitEncoder(w *bytes.Buffer, id string, s *Shape) error {
	name := g.names[id]
	fmt.Fprintf(w, "// AppendJSON appends the JSON encoding of v to b, byte for byte what\n// encoding/json.Marshal writes for it.\n")
	fmt.Fprintf(w, "func (v *%s) AppendJSON(b []byte) []byte {\nif v == nil {\nreturn append(b, \"null\"...)\n}\n", name)
	if len(s.Members) == 0 {
		w.WriteString("return append(b, \"{}\"...)\n}\n\n")
		return nil
	}
	w.WriteString("b = append(b, '{')\n")
	for _, m := range s.Members {
		t, err := g.m.shape(m.Target)
		if err != nil {
			return err
		}
		f := "v." + ExportedName(m.Name)
		cond := f + " != nil"
		switch {
		case g.isEnum(t):
			cond = f + ` != ""`
		case t.Type == "timestamp":
			cond += " && !" + f + ".IsZero()" // omitzero uses Timestamp's IsZero
		}
		key, err := json.Marshal(g.jsonName(m))
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "if %s {\nb = append(b, %q...)\n", cond, string(key)+":")
		if err := g.appendValue(w, m.Target, f, !g.isEnum(t), false, 0); err != nil {
			return fmt.Errorf("%s$%s: %w", id, m.Name, err)
		}
		w.WriteString("b = append(b, ',')\n}\n")
	}
	w.WriteString("return smithy.CloseJSON(b, '}')\n}\n\n")
	return nil
}

// appendValue writes statements appending the JSON of expr, a value of the
// target shape, to b. ptr says expr is a pointer to the value (scalars and
// structures); nullable says it may be nil (list elements, map values), in
// which case nil writes null. Slices and maps are never pointers.
func (g *gen) appendValue(w *bytes.Buffer, target, expr string, ptr, nullable bool, depth int) error {
	if target == "smithy.api#Unit" {
		if nullable {
			fmt.Fprintf(w, "if %s == nil {\nb = append(b, \"null\"...)\n} else {\nb = append(b, \"{}\"...)\n}\n", expr)
		} else {
			w.WriteString("b = append(b, \"{}\"...)\n")
		}
		return nil
	}
	s, err := g.m.shape(target)
	if err != nil {
		return err
	}
	switch s.Type {
	case "list", "set", "map", "blob":
		ptr = false
	}
	if nullable && (ptr || s.Type == "list" || s.Type == "set" || s.Type == "map" || s.Type == "blob") {
		fmt.Fprintf(w, "if %s == nil {\nb = append(b, \"null\"...)\n} else {\n", expr)
		defer w.WriteString("}\n")
	}
	val := expr
	if ptr {
		val = "*" + expr
	}
	switch s.Type {
	case "string", "enum":
		if g.isEnum(s) {
			val = "string(" + val + ")"
		}
		fmt.Fprintf(w, "b = smithy.AppendString(b, %s)\n", val)
	case "boolean":
		fmt.Fprintf(w, "b = smithy.AppendBool(b, %s)\n", val)
	case "byte", "short", "integer", "long", "intEnum":
		fmt.Fprintf(w, "b = smithy.AppendInt(b, int64(%s))\n", val)
	case "float":
		fmt.Fprintf(w, "b = smithy.AppendFloat32(b, %s)\n", val)
	case "double":
		fmt.Fprintf(w, "b = smithy.AppendFloat64(b, %s)\n", val)
	case "timestamp":
		fmt.Fprintf(w, "b = %s.AppendEpochSeconds(b)\n", expr)
	case "blob":
		fmt.Fprintf(w, "b = smithy.AppendBase64(b, %s)\n", expr)
	case "structure", "union":
		fmt.Fprintf(w, "b = %s.AppendJSON(b)\n", expr)
	case "list", "set":
		i := fmt.Sprintf("i%d", depth)
		et, err := g.goType(s.Member.Target, false)
		if err != nil {
			return err
		}
		elemPtr := hasTrait(s.Traits, "smithy.api#sparse") && !strings.HasPrefix(et, "[]") && !strings.HasPrefix(et, "map[")
		fmt.Fprintf(w, "b = append(b, '[')\nfor %s := range %s {\n", i, expr)
		if err := g.appendValue(w, s.Member.Target, expr+"["+i+"]", elemPtr, true, depth+1); err != nil {
			return err
		}
		w.WriteString("b = append(b, ',')\n}\nb = smithy.CloseJSON(b, ']')\n")
	case "map":
		k, e := fmt.Sprintf("k%d", depth), fmt.Sprintf("e%d", depth)
		vt, err := g.goType(s.Value.Target, false)
		if err != nil {
			return err
		}
		valPtr := hasTrait(s.Traits, "smithy.api#sparse") && !strings.HasPrefix(vt, "[]") && !strings.HasPrefix(vt, "map[")
		key := k
		if kt, _ := g.m.shape(s.Key.Target); kt != nil && g.isEnum(kt) {
			key = "string(" + k + ")"
		}
		fmt.Fprintf(w, "b = append(b, '{')\nfor _, %s := range slices.Sorted(maps.Keys(%s)) {\nb = smithy.AppendString(b, %s)\nb = append(b, ':')\n%s := %s[%s]\n", k, expr, key, e, expr, k)
		if err := g.appendValue(w, s.Value.Target, e, valPtr, true, depth+1); err != nil {
			return err
		}
		w.WriteString("b = append(b, ',')\n}\nb = smithy.CloseJSON(b, '}')\n")
	default:
		return fmt.Errorf("shape %s: no JSON encoder for type %s", target, s.Type)
	}
	return nil
}
