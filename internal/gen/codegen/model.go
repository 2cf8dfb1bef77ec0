package codegen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Model is a Smithy JSON AST model: shapes keyed by absolute shape id
// ("com.amazonaws.workspaces#WorkspaceId"). Members keep their declaration
// order, which the generated structs and validators follow.
type Model struct {
	Shapes map[string]*Shape
}

// Shape is one shape of the JSON AST. Only what the generator reads is kept.
type Shape struct {
	Type       string                     `json:"type"`
	Version    string                     `json:"version,omitempty"` // services
	Members    Members                    `json:"members,omitempty"`
	Member     *Member                    `json:"member,omitempty"`
	Key        *Member                    `json:"key,omitempty"`
	Value      *Member                    `json:"value,omitempty"`
	Input      *Ref                       `json:"input,omitempty"`
	Output     *Ref                       `json:"output,omitempty"`
	Errors     []Ref                      `json:"errors,omitempty"`
	Operations []Ref                      `json:"operations,omitempty"`
	Traits     map[string]json.RawMessage `json:"traits,omitempty"`
}

// Ref is a shape reference.
type Ref struct {
	Target string `json:"target"`
}

// Member is a member of a structure, union, enum, list or map.
type Member struct {
	Name   string                     `json:"-"`
	Target string                     `json:"target"`
	Traits map[string]json.RawMessage `json:"traits,omitempty"`
}

// Members is an ordered list of members decoded from a JSON object.
type Members []*Member

// UnmarshalJSON decodes a JSON object of members keeping the key order.
func (ms *Members) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("members: expected an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		m := &Member{Name: name}
		if err := dec.Decode(m); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		*ms = append(*ms, m)
	}
	_, err = dec.Token()
	return err
}

// Get returns the member called name, or nil.
func (ms Members) Get(name string) *Member {
	for _, m := range ms {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// Load parses a model and merges the overlays into it, in order.
//
// Overlay merge rules (a deskplane convention, not Smithy's): a shape id the
// model lacks is added; for an id it has, the types must agree, members the
// model lacks are appended, the traits of existing members and of the shape
// itself are merged (overlay wins), and a service's operation list gains the
// overlay's operations.
func Load(model []byte, overlays ...[]byte) (*Model, error) {
	m, err := parse(model)
	if err != nil {
		return nil, err
	}
	for i, o := range overlays {
		om, err := parse(o)
		if err != nil {
			return nil, fmt.Errorf("overlay %d: %w", i, err)
		}
		if err := m.merge(om); err != nil {
			return nil, fmt.Errorf("overlay %d: %w", i, err)
		}
	}
	return m, nil
}

func parse(b []byte) (*Model, error) {
	var raw struct {
		Smithy string            `json:"smithy"`
		Shapes map[string]*Shape `json:"shapes"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(raw.Smithy, "2.") && !strings.HasPrefix(raw.Smithy, "1.") {
		return nil, fmt.Errorf("unsupported smithy version %q", raw.Smithy)
	}
	return &Model{Shapes: raw.Shapes}, nil
}

func (m *Model) merge(o *Model) error {
	for _, id := range sortedKeys(o.Shapes) {
		os := o.Shapes[id]
		s, ok := m.Shapes[id]
		if !ok {
			m.Shapes[id] = os
			continue
		}
		if s.Type != os.Type {
			return fmt.Errorf("%s: overlay type %s, model type %s", id, os.Type, s.Type)
		}
		s.Traits = mergeTraits(s.Traits, os.Traits)
		for _, om := range os.Members {
			if mm := s.Members.Get(om.Name); mm != nil {
				if om.Target != "" && om.Target != mm.Target {
					return fmt.Errorf("%s$%s: overlay retargets the member", id, om.Name)
				}
				mm.Traits = mergeTraits(mm.Traits, om.Traits)
			} else {
				s.Members = append(s.Members, om)
			}
		}
		for _, op := range os.Operations {
			if !containsRef(s.Operations, op.Target) {
				s.Operations = append(s.Operations, op)
			}
		}
		for _, e := range os.Errors {
			if !containsRef(s.Errors, e.Target) {
				s.Errors = append(s.Errors, e)
			}
		}
	}
	return nil
}

func containsRef(rs []Ref, target string) bool {
	for _, r := range rs {
		if r.Target == target {
			return true
		}
	}
	return false
}

func mergeTraits(a, b map[string]json.RawMessage) map[string]json.RawMessage {
	if len(b) == 0 {
		return a
	}
	if a == nil {
		a = map[string]json.RawMessage{}
	}
	for k, v := range b {
		a[k] = v
	}
	return a
}

// Service returns the id and shape of the model's single service.
func (m *Model) Service() (string, *Shape, error) {
	var ids []string
	for id, s := range m.Shapes {
		if s.Type == "service" {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		return "", nil, fmt.Errorf("model has %d services, want 1", len(ids))
	}
	return ids[0], m.Shapes[ids[0]], nil
}

// shape resolves a target, including the smithy.api prelude.
func (m *Model) shape(target string) (*Shape, error) {
	if s, ok := m.Shapes[target]; ok {
		return s, nil
	}
	if p, ok := prelude(target); ok {
		return p, nil
	}
	return nil, fmt.Errorf("unknown shape %s", target)
}

func prelude(target string) (*Shape, bool) {
	name, ok := strings.CutPrefix(target, "smithy.api#")
	if !ok {
		return nil, false
	}
	t := map[string]string{
		"String": "string", "Blob": "blob", "Boolean": "boolean", "PrimitiveBoolean": "boolean",
		"Byte": "byte", "PrimitiveByte": "byte", "Short": "short", "PrimitiveShort": "short",
		"Integer": "integer", "PrimitiveInteger": "integer", "Long": "long", "PrimitiveLong": "long",
		"Float": "float", "PrimitiveFloat": "float", "Double": "double", "PrimitiveDouble": "double",
		"BigInteger": "bigInteger", "BigDecimal": "bigDecimal", "Timestamp": "timestamp",
		"Document": "document", "Unit": "structure",
	}[name]
	if t == "" {
		return nil, false
	}
	return &Shape{Type: t}, true
}

// Trait decoding helpers.

func hasTrait(traits map[string]json.RawMessage, name string) bool {
	_, ok := traits[name]
	return ok
}

func traitString(traits map[string]json.RawMessage, name string) (string, bool) {
	raw, ok := traits[name]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// bounds is a length or range trait; nil means unbounded. The numbers are
// kept as the model writes them (range may be fractional).
type bounds struct {
	Min *json.Number `json:"min"`
	Max *json.Number `json:"max"`
}

func traitBounds(traits map[string]json.RawMessage, name string) (*bounds, error) {
	raw, ok := traits[name]
	if !ok {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var b bounds
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if b.Min == nil && b.Max == nil {
		return nil, nil
	}
	return &b, nil
}

// legacyEnum is one entry of the Smithy 1.0 smithy.api#enum trait.
type legacyEnum struct {
	Value string `json:"value"`
	Name  string `json:"name"`
}

func traitLegacyEnum(traits map[string]json.RawMessage) ([]legacyEnum, error) {
	raw, ok := traits["smithy.api#enum"]
	if !ok {
		return nil, nil
	}
	var vs []legacyEnum
	if err := json.Unmarshal(raw, &vs); err != nil {
		return nil, fmt.Errorf("smithy.api#enum: %w", err)
	}
	return vs, nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func shapeName(id string) string {
	_, name, ok := strings.Cut(id, "#")
	if !ok {
		return id
	}
	return name
}
