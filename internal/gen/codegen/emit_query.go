package codegen

// The query protocols (awsQuery for STS and IAM, ec2Query for EC2): form
// decoders for the inputs, XML encoders for the outputs and errors, and the
// Action dispatcher. Wire rules, from the Smithy protocol specifications and
// what the AWS SDKs send and read:
//
//   - A member is the form parameter <prefix><name>: awsQuery names it by
//     its xmlName or member name; ec2Query by its ec2QueryName, else its
//     xmlName capitalised, else its member name capitalised.
//   - awsQuery lists are <name>.member.N (the list member's xmlName replaces
//     "member"), flattened lists <name>.N; an empty list is sent as "<name>="
//     and decodes as an empty, non-nil slice. ec2Query lists are always
//     <name>.N and an empty list is not sent.
//   - awsQuery maps are <name>.entry.N.key and .value (xmlName of the map key
//     and value replace "key" and "value"); flattened maps drop ".entry".
//   - Answers are XML; a member is the element named by its xmlName or its
//     member name, list elements are <member> (or the list member's xmlName;
//     EC2's model names them "item"), maps are <entry><key/><value/></entry>,
//     timestamps are ISO 8601 date-times, blobs base64.
//
// The envelopes around answers and errors are internal/awsquery's.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// queryName is the form parameter name of a structure member.
func (g *gen) queryName(m *Member) string {
	if g.proto == ec2Query {
		if n, ok := traitString(m.Traits, "aws.protocols#ec2QueryName"); ok {
			return n
		}
		if n, ok := traitString(m.Traits, "smithy.api#xmlName"); ok {
			return capitalize(n)
		}
		return capitalize(m.Name)
	}
	if n, ok := traitString(m.Traits, "smithy.api#xmlName"); ok {
		return n
	}
	return m.Name
}

// xmlElem is the XML element name of a structure member, list member or map
// key/value (def is the name without an xmlName trait).
func xmlElem(m *Member, def string) string {
	if n, ok := traitString(m.Traits, "smithy.api#xmlName"); ok {
		return n
	}
	return def
}

// flattened reports whether a structure member holding a list or map is
// flattened (the trait is on the member in Smithy, on the shape in some
// botocore models).
func (g *gen) flattened(m *Member) bool {
	if hasTrait(m.Traits, "smithy.api#xmlFlattened") {
		return true
	}
	s, err := g.m.shape(m.Target)
	return err == nil && hasTrait(s.Traits, "smithy.api#xmlFlattened")
}

func timestampFormatOf(s *Shape, m *Member) string {
	if f, ok := traitString(effTraits(s, m), "smithy.api#timestampFormat"); ok {
		return f
	}
	return "date-time"
}

// xmlTag is the xml struct tag of a member of a query-protocol structure:
// the element names encoding/xml would use for the wire form, or "-" for
// values encoding/xml cannot write that way (maps, blobs, lists of lists).
func (g *gen) xmlTag(m *Member) (string, error) {
	s, err := g.m.shape(m.Target)
	if err != nil {
		return "", err
	}
	if hasTrait(m.Traits, "smithy.api#xmlAttribute") {
		return "", fmt.Errorf("member %s: xmlAttribute is not supported", m.Name)
	}
	name := xmlElem(m, m.Name)
	switch s.Type {
	case "map", "blob":
		return "-", nil
	case "list", "set":
		es, err := g.m.shape(s.Member.Target)
		if err != nil {
			return "", err
		}
		if es.Type == "list" || es.Type == "set" || es.Type == "map" || es.Type == "blob" {
			return "-", nil
		}
		if g.flattened(m) {
			return name + ",omitempty", nil
		}
		return name + ">" + xmlElem(s.Member, "member") + ",omitempty", nil
	}
	return name + ",omitempty", nil
}

// Form decoders.

func (g *gen) decodeFunc(id string) string { return "decode" + ExportedName(shapeName(id)) }

// emitFormDecoders writes decode.go: a decoder for every structure, list and
// map reachable from an operation input.
func (g *gen) emitFormDecoders(w *bytes.Buffer) error {
	for _, id := range g.sortedReach() {
		if !g.inputs[id] {
			continue
		}
		s := g.m.Shapes[id]
		fn := g.decodeFunc(id)
		switch s.Type {
		case "structure", "union":
			name := g.names[id]
			if len(s.Members) == 0 {
				fmt.Fprintf(w, "// %s decodes a %s (it has no members).\nfunc %s(*smithy.Form, string, *%s) error {\nreturn nil\n}\n\n", fn, name, fn, name)
				continue
			}
			fmt.Fprintf(w, "// %s decodes a %s from the parameters under prefix p (\"\" or \"Name.\").\nfunc %s(f *smithy.Form, p string, v *%s) error {\n", fn, name, fn, name)
			for _, m := range s.Members {
				if err := g.decodeMember(w, m); err != nil {
					return fmt.Errorf("%s$%s: %w", id, m.Name, err)
				}
			}
			w.WriteString("return nil\n}\n\n")
		case "list", "set":
			t, err := g.goType(id, false)
			if err != nil {
				return err
			}
			if hasTrait(s.Traits, "smithy.api#sparse") {
				return fmt.Errorf("%s: sparse lists are not supported by the query protocols", id)
			}
			et, _ := g.goType(s.Member.Target, false)
			fmt.Fprintf(w, "// %s decodes a %s whose elements are the parameters <item>1, <item>2, …\n// (an element with no parameter of its own is the zero value).\nfunc %s(f *smithy.Form, item string, v *%s) error {\n", fn, shapeName(id), fn, t)
			fmt.Fprintf(w, "n, err := f.Items(item)\nif err != nil {\nreturn err\n}\nl := make(%s, n)\nfor i := 1; i <= n; i++ {\nek := item + strconv.Itoa(i)\nif !f.Has(ek) {\ncontinue\n}\nvar e %s\n", t, et)
			if err := g.decodeValue(w, s.Member.Target, s.Member, "ek", "e", false); err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
			w.WriteString("l[i-1] = e\n}\n*v = l\nreturn nil\n}\n\n")
		case "map":
			t, err := g.goType(id, false)
			if err != nil {
				return err
			}
			if hasTrait(s.Traits, "smithy.api#sparse") {
				return fmt.Errorf("%s: sparse maps are not supported by the query protocols", id)
			}
			kt, _ := g.goType(s.Key.Target, false)
			vt, _ := g.goType(s.Value.Target, false)
			kn, vn := xmlElem(s.Key, "key"), xmlElem(s.Value, "value")
			fmt.Fprintf(w, "// %s decodes a %s whose entries are the parameters <entry>1.%s and <entry>1.%s, …\nfunc %s(f *smithy.Form, entry string, v *%s) error {\n", fn, shapeName(id), kn, vn, fn, t)
			fmt.Fprintf(w, "n, err := f.Items(entry)\nif err != nil {\nreturn err\n}\nm := make(%s, n)\nfor i := 1; i <= n; i++ {\nek := entry + strconv.Itoa(i)\n", t)
			fmt.Fprintf(w, "ks, ok := f.Get(ek + %q)\nif !ok {\ncontinue\n}\n", "."+kn)
			fmt.Fprintf(w, "var e %s\nvk := ek + %q\n", vt, "."+vn)
			if err := g.decodeValue(w, s.Value.Target, s.Value, "vk", "e", false); err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
			fmt.Fprintf(w, "m[%s(ks)] = e\n}\n*v = m\nreturn nil\n}\n\n", kt)
		}
	}
	return nil
}

// decodeMember writes the decoding of one structure member into v.<Field>.
func (g *gen) decodeMember(w *bytes.Buffer, m *Member) error {
	s, err := g.m.shape(m.Target)
	if err != nil {
		return err
	}
	key := fmt.Sprintf("p + %q", g.queryName(m))
	dst := "v." + ExportedName(m.Name)
	switch s.Type {
	case "structure", "union", "list", "set", "map":
		fmt.Fprintf(w, "if k := %s; f.Has(k) {\n", key)
		if err := g.decodeAggregate(w, s, m, "k", dst, true); err != nil {
			return err
		}
		w.WriteString("}\n")
		return nil
	}
	fmt.Fprintf(w, "if s, ok := f.Get(%s); ok {\n", key)
	if err := g.decodeScalar(w, s, m, key, "s", dst, true); err != nil {
		return err
	}
	w.WriteString("}\n")
	return nil
}

// decodeValue writes the decoding of the value at the parameter named by the
// Go expression key (known to be present) into dst, a list element or map
// value held by value.
func (g *gen) decodeValue(w *bytes.Buffer, target string, m *Member, key, dst string, field bool) error {
	s, err := g.m.shape(target)
	if err != nil {
		return err
	}
	switch s.Type {
	case "structure", "union", "list", "set", "map":
		return g.decodeAggregate(w, s, m, key, dst, field)
	}
	w.WriteString("{\ns, _ := f.Get(" + key + ")\n")
	if err := g.decodeScalar(w, s, m, key, "s", dst, field); err != nil {
		return err
	}
	w.WriteString("}\n")
	return nil
}

// decodeAggregate decodes a structure, list or map whose parameters start
// at key (a Go string expression) into dst.
func (g *gen) decodeAggregate(w *bytes.Buffer, s *Shape, m *Member, key, dst string, field bool) error {
	target := m.Target
	switch s.Type {
	case "structure", "union":
		if field {
			fmt.Fprintf(w, "%s = new(%s)\nif err := %s(f, %s+\".\", %s); err != nil {\nreturn err\n}\n", dst, g.names[target], g.decodeFunc(target), key, dst)
		} else {
			fmt.Fprintf(w, "if err := %s(f, %s+\".\", &%s); err != nil {\nreturn err\n}\n", g.decodeFunc(target), key, dst)
		}
	case "list", "set":
		item := key + ` + "."`
		if g.proto == awsQuery && !g.flattened(m) {
			item = fmt.Sprintf("%s + %q", key, "."+xmlElem(s.Member, "member")+".")
		}
		fmt.Fprintf(w, "if err := %s(f, %s, &%s); err != nil {\nreturn err\n}\n", g.decodeFunc(target), item, dst)
	case "map":
		if g.proto == ec2Query {
			return fmt.Errorf("maps are not defined by ec2Query")
		}
		entry := key + ` + ".entry."`
		if g.flattened(m) {
			entry = key + ` + "."`
		}
		fmt.Fprintf(w, "if err := %s(f, %s, &%s); err != nil {\nreturn err\n}\n", g.decodeFunc(target), entry, dst)
	}
	return nil
}

// decodeScalar writes the conversion of the text in variable sv (the
// parameter named by the Go expression key) into dst; field says dst is a
// structure field, where scalars are pointers.
func (g *gen) decodeScalar(w *bytes.Buffer, s *Shape, m *Member, key, sv, dst string, field bool) error {
	target := m.Target
	amp := ""
	if field {
		amp = "&"
	}
	switch s.Type {
	case "string", "enum":
		if g.isEnum(s) {
			fmt.Fprintf(w, "%s = %s(%s)\n", dst, g.names[target], sv)
		} else {
			fmt.Fprintf(w, "%s = %s%s\n", dst, amp, sv)
		}
	case "boolean":
		fmt.Fprintf(w, "x, err := smithy.QueryBool(%s, %s)\nif err != nil {\nreturn err\n}\n%s = %sx\n", key, sv, dst, amp)
	case "byte", "short", "integer", "long", "intEnum":
		bits := map[string]int{"byte": 8, "short": 16, "integer": 32, "long": 64, "intEnum": 32}[s.Type]
		gt := map[string]string{"byte": "int8", "short": "int16", "integer": "int32", "long": "int64"}[s.Type]
		if s.Type == "intEnum" {
			gt = g.names[target]
		}
		fmt.Fprintf(w, "n, err := smithy.QueryInt(%s, %s, %d)\nif err != nil {\nreturn err\n}\nx := %s(n)\n%s = %sx\n", key, sv, bits, gt, dst, amp)
	case "float", "double":
		bits, gt := 64, "float64"
		if s.Type == "float" {
			bits, gt = 32, "float32"
		}
		fmt.Fprintf(w, "n, err := smithy.QueryFloat(%s, %s, %d)\nif err != nil {\nreturn err\n}\nx := %s(n)\n%s = %sx\n", key, sv, bits, gt, dst, amp)
	case "timestamp":
		fmt.Fprintf(w, "t, err := smithy.QueryTime(%s, %s, %q)\nif err != nil {\nreturn err\n}\n%s = %st\n", key, sv, timestampFormatOf(s, m), dst, amp)
	case "blob":
		fmt.Fprintf(w, "b, err := smithy.QueryBlob(%s, %s)\nif err != nil {\nreturn err\n}\n%s = b\n", key, sv, dst)
	default:
		return fmt.Errorf("shape %s: type %s is not supported by the query protocols", target, s.Type)
	}
	return nil
}

// XML encoders.

// emitXMLEncoders writes encode.go: an AppendXML method for every structure
// reachable from an operation output or a modeled error. The method appends
// the structure's members as XML elements (the caller writes the element
// around them), byte for byte what encoding/xml.Marshal writes through the
// types' xml tags wherever those tags can say it; maps, blobs and empty
// lists, which encoding/xml cannot write the protocols' way, follow the
// protocol. The message member of an error is left to the error envelope.
func (g *gen) emitXMLEncoders(w *bytes.Buffer) error {
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
	for _, id := range g.sortedReach() {
		s := g.m.Shapes[id]
		if !set[id] || (s.Type != "structure" && s.Type != "union") {
			continue
		}
		name := g.names[id]
		msg := ""
		if isError(s) {
			msg = g.errorMessageMember(s)
			fmt.Fprintf(w, "// AppendXML appends the members of the error to b as XML elements, but\n// its message, which the error envelope carries as <Message>.\n")
		} else {
			fmt.Fprintf(w, "// AppendXML appends the members of v to b as XML elements; a nil v\n// appends nothing.\n")
		}
		fmt.Fprintf(w, "func (v *%s) AppendXML(b []byte) []byte {\nif v == nil {\nreturn b\n}\n", name)
		for _, m := range s.Members {
			if m.Name == msg {
				continue
			}
			if err := g.appendXMLMember(w, m); err != nil {
				return fmt.Errorf("%s$%s: %w", id, m.Name, err)
			}
		}
		w.WriteString("return b\n}\n\n")
	}
	return nil
}

// errorMessageMember is the member ErrorMessage returns, or "".
func (g *gen) errorMessageMember(s *Shape) string {
	for _, m := range s.Members {
		if strings.EqualFold(m.Name, "message") {
			if t, _ := g.goType(m.Target, true); t == "*string" {
				return m.Name
			}
		}
	}
	return ""
}

func (g *gen) appendXMLMember(w *bytes.Buffer, m *Member) error {
	s, err := g.m.shape(m.Target)
	if err != nil {
		return err
	}
	if hasTrait(m.Traits, "smithy.api#xmlAttribute") {
		return fmt.Errorf("xmlAttribute is not supported")
	}
	f := "v." + ExportedName(m.Name)
	name := xmlElem(m, m.Name)
	cond := f + " != nil"
	if g.isEnum(s) {
		cond = f + ` != ""`
	}
	fmt.Fprintf(w, "if %s {\n", cond)
	switch {
	case (s.Type == "list" || s.Type == "set") && g.flattened(m):
		fmt.Fprintf(w, "for i := range %s {\nb = append(b, %q...)\n", f, "<"+name+">")
		if err := g.appendXMLValue(w, s.Member.Target, s.Member, f+"[i]", false, 1); err != nil {
			return err
		}
		fmt.Fprintf(w, "b = append(b, %q...)\n}\n", "</"+name+">")
	case s.Type == "map" && g.flattened(m):
		if err := g.appendXMLMapEntries(w, s, f, name, 0); err != nil {
			return err
		}
	default:
		fmt.Fprintf(w, "b = append(b, %q...)\n", "<"+name+">")
		ptr := s.Type != "list" && s.Type != "set" && s.Type != "map" && s.Type != "blob" && !g.isEnum(s)
		if err := g.appendXMLValue(w, m.Target, m, f, ptr, 0); err != nil {
			return err
		}
		fmt.Fprintf(w, "b = append(b, %q...)\n", "</"+name+">")
	}
	w.WriteString("}\n")
	return nil
}

// appendXMLMapEntries writes one element called name per entry of the map
// expr, keys sorted, each holding the key and value elements (flattened
// maps; a wrapped map calls it with name "entry").
func (g *gen) appendXMLMapEntries(w *bytes.Buffer, s *Shape, expr, name string, depth int) error {
	k, e := fmt.Sprintf("k%d", depth), fmt.Sprintf("e%d", depth)
	kn, vn := xmlElem(s.Key, "key"), xmlElem(s.Value, "value")
	key := k
	if kt, _ := g.m.shape(s.Key.Target); kt != nil && g.isEnum(kt) {
		key = "string(" + k + ")"
	}
	fmt.Fprintf(w, "for _, %s := range slices.Sorted(maps.Keys(%s)) {\n%s := %s[%s]\n", k, expr, e, expr, k)
	fmt.Fprintf(w, "b = append(b, %q...)\nb = smithy.AppendXMLText(b, %s)\nb = append(b, %q...)\n", "<"+name+"><"+kn+">", key, "</"+kn+"><"+vn+">")
	if err := g.appendXMLValue(w, s.Value.Target, s.Value, e, false, depth+1); err != nil {
		return err
	}
	fmt.Fprintf(w, "b = append(b, %q...)\n}\n", "</"+vn+"></"+name+">")
	return nil
}

// appendXMLValue writes statements appending the content of the element
// holding expr, a value of the target shape (ptr: expr points to it).
func (g *gen) appendXMLValue(w *bytes.Buffer, target string, m *Member, expr string, ptr bool, depth int) error {
	s, err := g.m.shape(target)
	if err != nil {
		return err
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
		fmt.Fprintf(w, "b = smithy.AppendXMLText(b, %s)\n", val)
	case "boolean":
		fmt.Fprintf(w, "b = strconv.AppendBool(b, %s)\n", val)
	case "byte", "short", "integer", "long", "intEnum":
		fmt.Fprintf(w, "b = strconv.AppendInt(b, int64(%s), 10)\n", val)
	case "float":
		fmt.Fprintf(w, "b = smithy.AppendXMLFloat32(b, %s)\n", val)
	case "double":
		fmt.Fprintf(w, "b = smithy.AppendXMLFloat64(b, %s)\n", val)
	case "timestamp":
		method := map[string]string{"date-time": "AppendDateTime", "epoch-seconds": "AppendEpochSeconds", "http-date": "AppendHTTPDate"}[timestampFormatOf(s, m)]
		if method == "" {
			return fmt.Errorf("shape %s: unknown timestamp format", target)
		}
		fmt.Fprintf(w, "b = %s.%s(b)\n", expr, method)
	case "blob":
		fmt.Fprintf(w, "b = smithy.AppendXMLBase64(b, %s)\n", expr)
	case "structure", "union":
		fmt.Fprintf(w, "b = %s.AppendXML(b)\n", expr)
	case "list", "set":
		i := fmt.Sprintf("i%d", depth)
		item := xmlElem(s.Member, "member")
		fmt.Fprintf(w, "for %s := range %s {\nb = append(b, %q...)\n", i, expr, "<"+item+">")
		if err := g.appendXMLValue(w, s.Member.Target, s.Member, expr+"["+i+"]", false, depth+1); err != nil {
			return err
		}
		fmt.Fprintf(w, "b = append(b, %q...)\n}\n", "</"+item+">")
	case "map":
		return g.appendXMLMapEntries(w, s, expr, "entry", depth)
	default:
		return fmt.Errorf("shape %s: no XML encoder for type %s", target, s.Type)
	}
	return nil
}

// Dispatcher.

func (g *gen) inputDecoder(op *opInfo) string {
	if op.InID == "" {
		return "nil"
	}
	return g.decodeFunc(op.InID)
}

func (g *gen) emitQueryDispatch(w *bytes.Buffer) error {
	w.WriteString(`// Dispatcher decodes, validates and routes query-protocol requests to a
// Service. It is safe for concurrent use.
type Dispatcher struct {
svc Service
v   *validator
}

// NewDispatcher returns a Dispatcher calling svc. It compiles the model's
// patterns once.
func NewDispatcher(svc Service) *Dispatcher {
return &Dispatcher{svc: svc, v: newValidator()}
}

// Invoke runs operation op (the Action parameter) with a form-encoded body;
// the body's own Action and Version parameters are not consulted. See
// InvokeForm.
func (d *Dispatcher) Invoke(ctx context.Context, op string, body []byte) (any, error) {
f, err := smithy.ParseForm(string(body))
if err != nil {
return nil, err
}
return d.InvokeForm(ctx, op, f)
}

// InvokeForm runs operation op with the decoded request parameters: it
// decodes the operation's input (a parameter that is not a valid value of
// its member's type → *smithy.SerializationError; parameters the input does
// not have are ignored), validates every constraint of the input
// (→ *smithy.ValidationError listing every violation) and calls the Service.
// An unknown op answers *smithy.UnknownOperationError. The result is the
// operation's *Output (never a nil pointer) or the Service's error.
func (d *Dispatcher) InvokeForm(ctx context.Context, op string, f *smithy.Form) (any, error) {
switch op {
`)
	for _, op := range g.ops {
		fmt.Fprintf(w, "case %q:\nreturn invokeForm(ctx, f, %s, %s, d.svc.%s)\n", op.Name, g.inputDecoder(op), g.inputValidator(op), op.Name)
	}
	w.WriteString(`}
return nil, &smithy.UnknownOperationError{Operation: op}
}

// Decode decodes the input of operation op from the request parameters
// without validating it: a pointer to the operation's input structure.
func (d *Dispatcher) Decode(op string, f *smithy.Form) (any, error) {
switch op {
`)
	for _, op := range g.ops {
		if op.InID == "" {
			fmt.Fprintf(w, "case %q:\nreturn new(%s), nil\n", op.Name, op.In)
			continue
		}
		fmt.Fprintf(w, "case %q:\nreturn decodeInput(f, %s)\n", op.Name, g.inputDecoder(op))
	}
	w.WriteString(`}
return nil, &smithy.UnknownOperationError{Operation: op}
}

func decodeInput[I any](f *smithy.Form, decode func(*smithy.Form, string, *I) error) (*I, error) {
in := new(I)
if decode != nil {
if err := decode(f, "", in); err != nil {
return nil, err
}
}
return in, nil
}

// invokeForm decodes, validates and calls one operation.
func invokeForm[I, O any](ctx context.Context, f *smithy.Form, decode func(*smithy.Form, string, *I) error, validate func(string, *I, *[]smithy.Violation), call func(context.Context, *I) (*O, error)) (any, error) {
in, err := decodeInput(f, decode)
if err != nil {
return nil, err
}
if validate != nil {
var vs []smithy.Violation
validate("", in, &vs)
if err := result(vs); err != nil {
return nil, err
}
}
out, err := call(ctx, in)
if err != nil {
return nil, err
}
if out == nil {
out = new(O)
}
return out, nil
}

`)
	w.WriteString("// Validate checks every constraint of an operation input (a pointer to one\n// of the input structures) and returns a *smithy.ValidationError listing\n// every violation, or nil. Other values are not checked.\n")
	w.WriteString("func (d *Dispatcher) Validate(in any) error {\nvar vs []smithy.Violation\nswitch in := in.(type) {\n")
	seen := map[string]bool{}
	for _, op := range g.ops {
		if op.InID == "" || !g.needs[op.InID] || seen[op.In] {
			continue
		}
		seen[op.In] = true
		fmt.Fprintf(w, "case *%s:\nd.v.%s(\"\", in, &vs)\n", op.In, g.validateFunc(op.InID))
	}
	w.WriteString("}\nreturn result(vs)\n}\n")
	return nil
}

// awsQueryError is the aws.protocols#awsQueryError trait of an error shape.
type awsQueryError struct {
	Code   string `json:"code"`
	Status int    `json:"httpResponseCode"`
}

func queryErrorTrait(s *Shape) (*awsQueryError, error) {
	raw, ok := s.Traits["aws.protocols#awsQueryError"]
	if !ok {
		return nil, nil
	}
	var q awsQueryError
	if err := json.Unmarshal(raw, &q); err != nil {
		return nil, fmt.Errorf("aws.protocols#awsQueryError: %w", err)
	}
	return &q, nil
}
