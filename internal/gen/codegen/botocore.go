package codegen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// BotocoreOptions says how to name what a botocore model leaves unnamed.
type BotocoreOptions struct {
	// Namespace of the shape ids, e.g. "com.amazonaws.ec2".
	Namespace string
	// Service is the name of the service shape, e.g. "AmazonEC2". For the
	// awsJson protocols it must equal the model's targetPrefix.
	Service string
}

// LoadBotocore reads a model in botocore's service-2.json format and
// converts it, in memory, into the Smithy JSON AST model the generator
// works on (docs/decisions/0160-botocore-models.md). The conversion is
// mechanical and total: a key the converter does not know is an error, so
// no trait is dropped silently.
//
//	botocore                          Smithy
//	metadata.protocol ec2/query/json  aws.protocols#ec2Query/awsQuery/awsJson1_1
//	metadata.apiVersion               the service version
//	metadata.signingName|endpointPrefix aws.auth#sigv4 name
//	metadata.xmlNamespace             smithy.api#xmlNamespace
//	string + enum                     smithy.api#enum (values only)
//	min/max                           smithy.api#length (strings, blobs, lists, maps) or smithy.api#range (numbers)
//	pattern, sensitive, documentation smithy.api#pattern, #sensitive, #documentation
//	structure required: [...]         smithy.api#required on each member
//	union: true                       a union shape
//	exception, fault                  smithy.api#error client/server
//	error.httpStatusCode              smithy.api#httpError
//	error.code (query protocols)      aws.protocols#awsQueryError
//	output resultWrapper              checked: awsQuery always wraps in <OpResult>
//	flattened                         smithy.api#xmlFlattened
//	timestampFormat                   smithy.api#timestampFormat
//	member locationName               smithy.api#xmlName
//	member queryName                  aws.protocols#ec2QueryName
//	member idempotencyToken           smithy.api#idempotencyToken
//	member xmlAttribute, xmlNamespace smithy.api#xmlAttribute, #xmlNamespace
//
// Shape-level locationName (two EC2 list shapes carry one) is not a Smithy
// trait and the SDKs ignore it; it is dropped, and so are deprecation notes
// and the box/wrapper hints.
func LoadBotocore(b []byte, o BotocoreOptions) (*Model, error) {
	var raw struct {
		Metadata   map[string]json.RawMessage `json:"metadata"`
		Operations map[string]json.RawMessage `json:"operations"`
		Shapes     map[string]json.RawMessage `json:"shapes"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	if o.Namespace == "" || o.Service == "" {
		return nil, fmt.Errorf("botocore: namespace and service name are required")
	}
	meta := func(k string) string {
		var s string
		_ = json.Unmarshal(raw.Metadata[k], &s)
		return s
	}
	c := &botoConv{ns: o.Namespace, m: &Model{Shapes: map[string]*Shape{}}}
	svc := &Shape{Type: "service", Version: meta("apiVersion"), Traits: map[string]json.RawMessage{}}
	switch p := meta("protocol"); p {
	case "ec2":
		c.query = true
		svc.Traits["aws.protocols#ec2Query"] = json.RawMessage(`{}`)
	case "query":
		c.query = true
		svc.Traits["aws.protocols#awsQuery"] = json.RawMessage(`{}`)
	case "json":
		if v := meta("jsonVersion"); v != "1.1" {
			return nil, fmt.Errorf("botocore: json protocol version %q is not supported", v)
		}
		if tp := meta("targetPrefix"); tp != o.Service {
			return nil, fmt.Errorf("botocore: targetPrefix %q differs from the service name %q", tp, o.Service)
		}
		c.json = true
		svc.Traits["aws.protocols#awsJson1_1"] = json.RawMessage(`{}`)
	default:
		return nil, fmt.Errorf("botocore: protocol %q is not supported", p)
	}
	signing := meta("signingName")
	if signing == "" {
		signing = meta("endpointPrefix")
	}
	svc.Traits["aws.auth#sigv4"] = mustJSON(map[string]string{"name": signing})
	if ns := meta("xmlNamespace"); ns != "" {
		svc.Traits["smithy.api#xmlNamespace"] = mustJSON(map[string]string{"uri": ns})
	}
	if t := meta("serviceFullName"); t != "" {
		svc.Traits["smithy.api#title"] = mustJSON(t)
	}

	for _, name := range sortedKeys(raw.Shapes) {
		s, err := c.shape(name, raw.Shapes[name])
		if err != nil {
			return nil, fmt.Errorf("botocore shape %s: %w", name, err)
		}
		c.m.Shapes[c.id(name)] = s
	}
	for _, name := range sortedKeys(raw.Operations) {
		op, err := c.operation(raw.Operations[name])
		if err != nil {
			return nil, fmt.Errorf("botocore operation %s: %w", name, err)
		}
		id := c.id(name)
		if _, dup := c.m.Shapes[id]; dup {
			return nil, fmt.Errorf("botocore operation %s: a shape has the same name", name)
		}
		c.m.Shapes[id] = op
		svc.Operations = append(svc.Operations, Ref{Target: id})
	}
	c.m.Shapes[c.id(o.Service)] = svc
	return c.m, nil
}

type botoConv struct {
	ns          string
	m           *Model
	query, json bool
}

func (c *botoConv) id(name string) string { return c.ns + "#" + name }

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only called with maps and strings
	}
	return b
}

// botoRef is a member, list member, map key or map value reference.
type botoRef struct {
	Shape            string          `json:"shape"`
	Documentation    string          `json:"documentation"`
	LocationName     string          `json:"locationName"`
	QueryName        string          `json:"queryName"`
	IdempotencyToken bool            `json:"idempotencyToken"`
	XMLAttribute     bool            `json:"xmlAttribute"`
	XMLNamespace     json.RawMessage `json:"xmlNamespace"`
	Flattened        bool            `json:"flattened"`
	TimestampFormat  string          `json:"timestampFormat"`
}

var botoRefKeys = map[string]bool{
	"shape": true, "documentation": true, "locationName": true, "queryName": true,
	"idempotencyToken": true, "xmlAttribute": true, "xmlNamespace": true, "flattened": true,
	"timestampFormat": true,
	// Hints with no wire effect.
	"deprecated": true, "deprecatedMessage": true, "deprecatedSince": true, "box": true,
}

var botoShapeKeys = map[string]bool{
	"type": true, "members": true, "required": true, "member": true, "key": true, "value": true,
	"min": true, "max": true, "pattern": true, "enum": true, "sensitive": true, "documentation": true,
	"exception": true, "fault": true, "error": true, "flattened": true, "timestampFormat": true,
	"union": true, "locationName": true, "xmlNamespace": true,
	"deprecated": true, "deprecatedMessage": true, "box": true, "wrapper": true, "synthetic": true,
}

func checkKeys(raw json.RawMessage, allowed map[string]bool) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return err
	}
	for _, k := range sortedKeys(keys) {
		if !allowed[k] {
			return fmt.Errorf("key %q is not supported by the converter", k)
		}
	}
	return nil
}

func (c *botoConv) member(name string, raw json.RawMessage) (*Member, error) {
	if err := checkKeys(raw, botoRefKeys); err != nil {
		return nil, err
	}
	var r botoRef
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	if r.Shape == "" {
		return nil, fmt.Errorf("reference without a shape")
	}
	if c.json && (r.LocationName != "" || r.QueryName != "") {
		return nil, fmt.Errorf("locationName/queryName in a JSON-protocol model is not supported")
	}
	m := &Member{Name: name, Target: c.id(r.Shape), Traits: map[string]json.RawMessage{}}
	if r.Documentation != "" {
		m.Traits["smithy.api#documentation"] = mustJSON(r.Documentation)
	}
	if r.LocationName != "" {
		m.Traits["smithy.api#xmlName"] = mustJSON(r.LocationName)
	}
	if r.QueryName != "" {
		m.Traits["aws.protocols#ec2QueryName"] = mustJSON(r.QueryName)
	}
	if r.IdempotencyToken {
		m.Traits["smithy.api#idempotencyToken"] = json.RawMessage(`{}`)
	}
	if r.XMLAttribute {
		m.Traits["smithy.api#xmlAttribute"] = json.RawMessage(`{}`)
	}
	if len(r.XMLNamespace) > 0 {
		m.Traits["smithy.api#xmlNamespace"] = r.XMLNamespace
	}
	if r.Flattened {
		m.Traits["smithy.api#xmlFlattened"] = json.RawMessage(`{}`)
	}
	if r.TimestampFormat != "" {
		f, err := timestampFormat(r.TimestampFormat)
		if err != nil {
			return nil, err
		}
		m.Traits["smithy.api#timestampFormat"] = mustJSON(f)
	}
	if len(m.Traits) == 0 {
		m.Traits = nil
	}
	return m, nil
}

func timestampFormat(f string) (string, error) {
	switch f {
	case "iso8601":
		return "date-time", nil
	case "unixTimestamp":
		return "epoch-seconds", nil
	case "rfc822":
		return "http-date", nil
	}
	return "", fmt.Errorf("timestampFormat %q is not supported", f)
}

func (c *botoConv) shape(name string, raw json.RawMessage) (*Shape, error) {
	if err := checkKeys(raw, botoShapeKeys); err != nil {
		return nil, err
	}
	var b struct {
		Type            string                     `json:"type"`
		Members         json.RawMessage            `json:"members"`
		Required        []string                   `json:"required"`
		Member          json.RawMessage            `json:"member"`
		Key             json.RawMessage            `json:"key"`
		Value           json.RawMessage            `json:"value"`
		Min             *json.Number               `json:"min"`
		Max             *json.Number               `json:"max"`
		Pattern         *string                    `json:"pattern"`
		Enum            []string                   `json:"enum"`
		Sensitive       bool                       `json:"sensitive"`
		Documentation   string                     `json:"documentation"`
		Exception       bool                       `json:"exception"`
		Fault           bool                       `json:"fault"`
		Error           map[string]json.RawMessage `json:"error"`
		Flattened       bool                       `json:"flattened"`
		TimestampFormat string                     `json:"timestampFormat"`
		Union           bool                       `json:"union"`
		XMLNamespace    json.RawMessage            `json:"xmlNamespace"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&b); err != nil {
		return nil, err
	}
	s := &Shape{Traits: map[string]json.RawMessage{}}
	switch b.Type {
	case "structure":
		s.Type = "structure"
		if b.Union {
			s.Type = "union"
		}
		names, err := orderedKeys(b.Members)
		if err != nil {
			return nil, err
		}
		var mraw map[string]json.RawMessage
		if len(b.Members) > 0 {
			if err := json.Unmarshal(b.Members, &mraw); err != nil {
				return nil, err
			}
		}
		req := map[string]bool{}
		for _, r := range b.Required {
			req[r] = true
		}
		for _, n := range names {
			m, err := c.member(n, mraw[n])
			if err != nil {
				return nil, fmt.Errorf("member %s: %w", n, err)
			}
			if req[n] {
				if m.Traits == nil {
					m.Traits = map[string]json.RawMessage{}
				}
				m.Traits["smithy.api#required"] = json.RawMessage(`{}`)
				delete(req, n)
			}
			s.Members = append(s.Members, m)
		}
		if len(req) > 0 {
			return nil, fmt.Errorf("required names members it does not have: %v", sortedKeys(req))
		}
	case "list":
		s.Type = "list"
		m, err := c.member("member", b.Member)
		if err != nil {
			return nil, fmt.Errorf("member: %w", err)
		}
		s.Member = m
	case "map":
		s.Type = "map"
		k, err := c.member("key", b.Key)
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		v, err := c.member("value", b.Value)
		if err != nil {
			return nil, fmt.Errorf("value: %w", err)
		}
		s.Key, s.Value = k, v
	case "string", "boolean", "integer", "long", "float", "double", "timestamp", "blob":
		s.Type = b.Type
	default:
		return nil, fmt.Errorf("type %q is not supported", b.Type)
	}
	if b.Documentation != "" {
		s.Traits["smithy.api#documentation"] = mustJSON(b.Documentation)
	}
	if len(b.Enum) > 0 {
		if s.Type != "string" {
			return nil, fmt.Errorf("enum on a %s", s.Type)
		}
		vals := make([]legacyEnum, len(b.Enum))
		for i, v := range b.Enum {
			vals[i] = legacyEnum{Value: v}
		}
		s.Traits["smithy.api#enum"] = mustJSON(vals)
	}
	if b.Min != nil || b.Max != nil {
		bd := map[string]json.Number{}
		if b.Min != nil {
			bd["min"] = *b.Min
		}
		if b.Max != nil {
			bd["max"] = *b.Max
		}
		switch s.Type {
		case "string", "blob", "list", "map":
			s.Traits["smithy.api#length"] = mustJSON(bd)
		case "integer", "long", "float", "double":
			s.Traits["smithy.api#range"] = mustJSON(bd)
		default:
			return nil, fmt.Errorf("min/max on a %s", s.Type)
		}
	}
	if b.Pattern != nil {
		s.Traits["smithy.api#pattern"] = mustJSON(*b.Pattern)
	}
	if b.Sensitive {
		s.Traits["smithy.api#sensitive"] = json.RawMessage(`{}`)
	}
	if b.Exception {
		fault := "client"
		if b.Fault {
			fault = "server"
		}
		s.Traits["smithy.api#error"] = mustJSON(fault)
		var status int
		if raw, ok := b.Error["httpStatusCode"]; ok {
			if err := json.Unmarshal(raw, &status); err != nil {
				return nil, fmt.Errorf("error.httpStatusCode: %w", err)
			}
			s.Traits["smithy.api#httpError"] = mustJSON(status)
		}
		var sender bool
		if raw, ok := b.Error["senderFault"]; ok {
			if err := json.Unmarshal(raw, &sender); err != nil {
				return nil, fmt.Errorf("error.senderFault: %w", err)
			}
			if sender == b.Fault {
				return nil, fmt.Errorf("error.senderFault %v contradicts fault %v", sender, b.Fault)
			}
		}
		for k := range b.Error {
			if k != "code" && k != "httpStatusCode" && k != "senderFault" {
				return nil, fmt.Errorf("error.%s is not supported by the converter", k)
			}
		}
		var code string
		if raw, ok := b.Error["code"]; ok {
			if err := json.Unmarshal(raw, &code); err != nil {
				return nil, fmt.Errorf("error.code: %w", err)
			}
		}
		if c.query && code != "" {
			if status == 0 {
				status = 400
				if b.Fault {
					status = 500
				}
			}
			s.Traits["aws.protocols#awsQueryError"] = mustJSON(map[string]any{"code": code, "httpResponseCode": status})
		}
	} else if b.Fault || len(b.Error) > 0 {
		return nil, fmt.Errorf("fault or error on a shape that is not an exception")
	}
	if b.Flattened {
		s.Traits["smithy.api#xmlFlattened"] = json.RawMessage(`{}`)
	}
	if b.TimestampFormat != "" {
		f, err := timestampFormat(b.TimestampFormat)
		if err != nil {
			return nil, err
		}
		s.Traits["smithy.api#timestampFormat"] = mustJSON(f)
	}
	if len(b.XMLNamespace) > 0 {
		s.Traits["smithy.api#xmlNamespace"] = b.XMLNamespace
	}
	if len(s.Traits) == 0 {
		s.Traits = nil
	}
	return s, nil
}

var botoOpKeys = map[string]bool{
	"name": true, "http": true, "input": true, "output": true, "errors": true, "documentation": true,
	"deprecated": true, "deprecatedMessage": true, "idempotent": true, "authtype": true, "auth": true,
	"documentationUrl": true, "alias": true,
}

func (c *botoConv) operation(raw json.RawMessage) (*Shape, error) {
	if err := checkKeys(raw, botoOpKeys); err != nil {
		return nil, err
	}
	var o struct {
		Name   string                  `json:"name"`
		Input  *struct{ Shape string } `json:"input"`
		Output *struct {
			Shape         string
			ResultWrapper string `json:"resultWrapper"`
		} `json:"output"`
		Errors        []struct{ Shape string } `json:"errors"`
		Documentation string                   `json:"documentation"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, err
	}
	// awsQuery always wraps an output in <OpResult>; a model that names
	// another wrapper asks for something the framing does not do.
	if o.Output != nil && o.Output.ResultWrapper != "" && o.Output.ResultWrapper != o.Name+"Result" {
		return nil, fmt.Errorf("output resultWrapper %q is not %sResult", o.Output.ResultWrapper, o.Name)
	}
	op := &Shape{Type: "operation", Traits: map[string]json.RawMessage{}}
	if o.Input != nil {
		op.Input = &Ref{Target: c.id(o.Input.Shape)}
	}
	if o.Output != nil {
		op.Output = &Ref{Target: c.id(o.Output.Shape)}
	}
	for _, e := range o.Errors {
		op.Errors = append(op.Errors, Ref{Target: c.id(e.Shape)})
	}
	if o.Documentation != "" {
		op.Traits["smithy.api#documentation"] = mustJSON(o.Documentation)
	}
	return op, nil
}

// orderedKeys returns the keys of a JSON object in document order.
func orderedKeys(raw json.RawMessage) ([]string, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("expected an object")
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// MergeNewer merges a newer model of the same service into m (the base), as
// the Directory Service model is completed by its newer botocore copy
// (docs/decisions/0161-directory-service-newer-model.md):
//
//   - shapes and operations only the newer model has are added;
//   - a structure gains the members only the newer model has, and the
//     newer model decides which members are required (it relaxes some);
//   - an enum gains the values only the newer model has;
//   - an operation gains the errors only the newer model lists;
//   - everything else of the base (constraints, documentation, member order,
//     enum member names) is kept.
//
// It returns a note for every change to a shape the base already had, for
// the package documentation.
func (m *Model) MergeNewer(n *Model) ([]string, error) {
	baseSvcID, baseSvc, err := m.Service()
	if err != nil {
		return nil, err
	}
	newSvcID, newSvc, err := n.Service()
	if err != nil {
		return nil, err
	}
	if baseSvcID != newSvcID {
		return nil, fmt.Errorf("newer model: service %s, base service %s", newSvcID, baseSvcID)
	}
	var notes []string
	for _, id := range sortedKeys(n.Shapes) {
		if id == newSvcID {
			continue
		}
		ns := n.Shapes[id]
		s, ok := m.Shapes[id]
		if !ok {
			m.Shapes[id] = ns
			continue
		}
		note, err := mergeNewerShape(n, id, s, ns)
		if err != nil {
			return nil, err
		}
		notes = append(notes, note...)
	}
	var added []string
	for _, op := range newSvc.Operations {
		if !containsRef(baseSvc.Operations, op.Target) {
			baseSvc.Operations = append(baseSvc.Operations, op)
			added = append(added, shapeName(op.Target))
		}
	}
	if len(added) > 0 {
		sort.Strings(added)
		notes = append(notes, fmt.Sprintf("operations of the newer model: %d (%s)", len(added), joinNames(added)))
	}
	return notes, nil
}

func joinNames(ns []string) string {
	var b bytes.Buffer
	for i, n := range ns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n)
	}
	return b.String()
}

// sameSimpleType reports whether a base member targeting a Smithy prelude
// shape (smithy.api#String) and the newer model's member targeting a shape
// of its own (botocore names every shape) hold the same simple type.
func sameSimpleType(n *Model, base, newer string) bool {
	p, ok := prelude(base)
	if !ok {
		return false
	}
	s, ok := n.Shapes[newer]
	return ok && s.Type == p.Type && !hasTrait(s.Traits, "smithy.api#enum")
}

func mergeNewerShape(n *Model, id string, s, ns *Shape) ([]string, error) {
	name := shapeName(id)
	var notes []string
	switch {
	case s.Type == "enum" && ns.Type == "string" && hasTrait(ns.Traits, "smithy.api#enum"):
		vals, err := traitLegacyEnum(ns.Traits)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		have := map[string]bool{}
		for _, mm := range s.Members {
			v, ok := traitString(mm.Traits, "smithy.api#enumValue")
			if !ok {
				v = mm.Name
			}
			have[v] = true
		}
		for _, v := range vals {
			if have[v.Value] {
				continue
			}
			s.Members = append(s.Members, &Member{Name: v.Value, Target: "smithy.api#Unit",
				Traits: map[string]json.RawMessage{"smithy.api#enumValue": mustJSON(v.Value)}})
			notes = append(notes, fmt.Sprintf("enum %s: value %s of the newer model", name, strconv.Quote(v.Value)))
		}
		return notes, nil
	case s.Type == "string" && hasTrait(s.Traits, "smithy.api#enum") && hasTrait(ns.Traits, "smithy.api#enum"):
		base, err := traitLegacyEnum(s.Traits)
		if err != nil {
			return nil, err
		}
		newer, err := traitLegacyEnum(ns.Traits)
		if err != nil {
			return nil, err
		}
		have := map[string]bool{}
		for _, v := range base {
			have[v.Value] = true
		}
		for _, v := range newer {
			if !have[v.Value] {
				base = append(base, v)
				notes = append(notes, fmt.Sprintf("enum %s: value %s of the newer model", name, strconv.Quote(v.Value)))
			}
		}
		s.Traits["smithy.api#enum"] = mustJSON(base)
		return notes, nil
	case s.Type != ns.Type:
		return nil, fmt.Errorf("%s: newer model type %s, base type %s", id, ns.Type, s.Type)
	}
	switch s.Type {
	case "structure", "union":
		for _, nm := range ns.Members {
			bm := s.Members.Get(nm.Name)
			if bm == nil {
				s.Members = append(s.Members, nm)
				notes = append(notes, fmt.Sprintf("%s: member %s of the newer model", name, nm.Name))
				continue
			}
			if shapeName(bm.Target) != shapeName(nm.Target) && !sameSimpleType(n, bm.Target, nm.Target) {
				return nil, fmt.Errorf("%s$%s: newer model retargets the member (%s, base %s)", id, nm.Name, nm.Target, bm.Target)
			}
			was, now := hasTrait(bm.Traits, "smithy.api#required"), hasTrait(nm.Traits, "smithy.api#required")
			switch {
			case was && !now:
				delete(bm.Traits, "smithy.api#required")
				notes = append(notes, fmt.Sprintf("%s: member %s is optional in the newer model", name, nm.Name))
			case !was && now:
				if bm.Traits == nil {
					bm.Traits = map[string]json.RawMessage{}
				}
				bm.Traits["smithy.api#required"] = json.RawMessage(`{}`)
				notes = append(notes, fmt.Sprintf("%s: member %s is required in the newer model", name, nm.Name))
			}
		}
	case "operation":
		for _, e := range ns.Errors {
			if !containsRef(s.Errors, e.Target) {
				s.Errors = append(s.Errors, e)
				notes = append(notes, fmt.Sprintf("operation %s: error %s of the newer model", name, shapeName(e.Target)))
			}
		}
	}
	return notes, nil
}
