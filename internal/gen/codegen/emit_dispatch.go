package codegen

import (
	"bytes"
	"fmt"
	"strings"
)

func (g *gen) inputValidator(op *opInfo) string {
	if op.InID != "" && g.needs[op.InID] {
		return "d.v." + g.validateFunc(op.InID)
	}
	return "nil"
}

func (g *gen) emitDispatch(w *bytes.Buffer) error {
	w.WriteString("// Dispatcher decodes, validates and routes requests to a Service.\n")
	w.WriteString("// It is safe for concurrent use.\n")
	w.WriteString("type Dispatcher struct {\nsvc Service\nv *validator\n")
	if g.proto == restJSON1 {
		w.WriteString("routes []route\n")
	}
	w.WriteString("}\n\n")
	w.WriteString("// NewDispatcher returns a Dispatcher calling svc. It compiles the model's\n// patterns once.\n")
	w.WriteString("func NewDispatcher(svc Service) *Dispatcher {\n")
	if g.proto == restJSON1 {
		w.WriteString("return &Dispatcher{svc: svc, v: newValidator(), routes: newRoutes()}\n}\n\n")
	} else {
		w.WriteString("return &Dispatcher{svc: svc, v: newValidator()}\n}\n\n")
	}
	if g.proto == awsJSON11 {
		w.WriteString("// Invoke runs operation op (the part of X-Amz-Target after the dot) with\n")
	} else {
		w.WriteString("// Invoke runs operation op with\n")
	}
	w.WriteString("// the JSON request body: it decodes the body (empty = {}; bad JSON →\n")
	w.WriteString("// *smithy.SerializationError), validates every constraint of the input\n")
	w.WriteString("// (→ *smithy.ValidationError listing every violation) and calls the Service.\n")
	w.WriteString("// An unknown op answers *smithy.UnknownOperationError. The result is the\n// operation's *Output (never a nil pointer) or the Service's error.\n")
	if g.proto == restJSON1 {
		w.WriteString("//\n// Members bound to the URI, query string or headers are taken from the body\n// here; HTTP requests go through InvokeHTTP.\n")
	}
	w.WriteString("func (d *Dispatcher) Invoke(ctx context.Context, op string, body []byte) (any, error) {\nswitch op {\n")
	for _, op := range g.ops {
		fmt.Fprintf(w, "case %q:\nreturn invoke(ctx, body, nil, %s, d.svc.%s)\n", op.Name, g.inputValidator(op), op.Name)
	}
	w.WriteString("}\nreturn nil, &smithy.UnknownOperationError{Operation: op}\n}\n\n")

	w.WriteString(`// invoke decodes (or, with bind, decodes and binds), validates and calls
// one operation.
func invoke[I, O any](ctx context.Context, body []byte, bind func(*I) error, validate func(string, *I, *[]smithy.Violation), call func(context.Context, *I) (*O, error)) (any, error) {
in := new(I)
if bind == nil {
if err := smithy.DecodeJSON(body, in); err != nil {
return nil, err
}
} else if err := bind(in); err != nil {
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

// Routes (restJson1).

type binding struct {
	m    *Member
	kind string // label, query, header, payload
	name string // label, query or header name
}

func (g *gen) bindings(op *opInfo) ([]binding, error) {
	if op.InID == "" {
		return nil, nil
	}
	var bs []binding
	for _, m := range g.m.Shapes[op.InID].Members {
		for _, k := range []string{"httpLabel", "httpQuery", "httpHeader", "httpPayload", "httpQueryParams", "httpPrefixHeaders"} {
			raw, ok := m.Traits["smithy.api#"+k]
			if !ok {
				continue
			}
			b := binding{m: m, kind: strings.TrimPrefix(k, "http")}
			switch k {
			case "httpLabel":
				b.name = m.Name
			case "httpQuery", "httpHeader":
				s, _ := traitString(m.Traits, "smithy.api#"+k)
				b.name = s
			case "httpQueryParams", "httpPrefixHeaders":
				return nil, fmt.Errorf("%s$%s: %s bindings are not supported", op.InID, m.Name, k)
			}
			_ = raw
			bs = append(bs, b)
		}
	}
	return bs, nil
}

type uriSeg struct {
	lit    string
	label  string
	greedy bool
}

func parseURI(uri string) ([]uriSeg, error) {
	if strings.Contains(uri, "?") {
		return nil, fmt.Errorf("uri %q: query literals are not supported", uri)
	}
	var segs []uriSeg
	for _, part := range strings.Split(strings.TrimPrefix(uri, "/"), "/") {
		if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
			l := part[1 : len(part)-1]
			greedy := strings.HasSuffix(l, "+")
			segs = append(segs, uriSeg{label: strings.TrimSuffix(l, "+"), greedy: greedy})
		} else if strings.ContainsAny(part, "{}") {
			return nil, fmt.Errorf("uri %q: partial-segment labels are not supported", uri)
		} else {
			segs = append(segs, uriSeg{lit: part})
		}
	}
	return segs, nil
}

func (g *gen) emitRoutes(w *bytes.Buffer) error {
	w.WriteString(`// Route is one operation's HTTP binding (smithy.api#http).
type Route struct {
Method    string
URI       string // the model's URI pattern, labels as {Name} or {Name+}
Operation string
Code      int // status of a successful response
}

// Routes lists the route of every operation, sorted by operation. The slice
// is new on every call.
func Routes() []Route {
return []Route{
`)
	for _, op := range g.ops {
		fmt.Fprintf(w, "{Method: %q, URI: %q, Operation: %q, Code: %d},\n", op.HTTP.Method, op.HTTP.URI, op.Name, op.HTTPCode)
	}
	w.WriteString(`}
}

type segment struct {
lit    string
label  string // "" for a literal segment
greedy bool
}

type route struct {
method string
segs   []segment
op     string
}

// newRoutes builds the matching table: routes with more literal segments
// first, so a literal wins over a label.
func newRoutes() []route {
return []route{
`)
	type rt struct {
		op   *opInfo
		segs []uriSeg
		lits int
	}
	var rts []rt
	for _, op := range g.ops {
		segs, err := parseURI(op.HTTP.URI)
		if err != nil {
			return fmt.Errorf("%s: %w", op.Name, err)
		}
		n := 0
		for _, s := range segs {
			if s.label == "" {
				n++
			}
		}
		rts = append(rts, rt{op, segs, n})
	}
	// Stable order: more literals first, then by operation name (g.ops is sorted).
	for i := 1; i < len(rts); i++ {
		for j := i; j > 0 && rts[j].lits > rts[j-1].lits; j-- {
			rts[j], rts[j-1] = rts[j-1], rts[j]
		}
	}
	for _, r := range rts {
		fmt.Fprintf(w, "{method: %q, op: %q, segs: []segment{", r.op.HTTP.Method, r.op.Name)
		for i, s := range r.segs {
			if i > 0 {
				w.WriteString(", ")
			}
			if s.label == "" {
				fmt.Fprintf(w, "{lit: %q}", s.lit)
			} else {
				fmt.Fprintf(w, "{label: %q, greedy: %v}", s.label, s.greedy)
			}
		}
		w.WriteString("}},\n")
	}
	w.WriteString(`}
}

// Route finds the operation of an HTTP method and URL path (escaped or not;
// a query string is ignored).
func (d *Dispatcher) Route(method, path string) (op string, ok bool) {
parts := splitPath(path)
for _, r := range d.routes {
if r.method != method {
continue
}
if _, ok := matchSegs(r.segs, parts); ok {
return r.op, true
}
}
return "", false
}

// labelsOf returns the label values of op's route in path.
func (d *Dispatcher) labelsOf(op, path string) map[string]string {
parts := splitPath(path)
for _, r := range d.routes {
if r.op == op {
if labels, ok := matchSegs(r.segs, parts); ok {
return labels
}
}
}
return map[string]string{}
}

func splitPath(path string) []string {
if i := strings.IndexByte(path, '?'); i >= 0 {
path = path[:i]
}
return strings.Split(strings.TrimPrefix(path, "/"), "/")
}

func matchSegs(segs []segment, parts []string) (map[string]string, bool) {
labels := map[string]string{}
for i, s := range segs {
if i >= len(parts) {
return nil, false
}
if s.greedy {
rest := strings.Join(parts[i:], "/")
v, err := url.PathUnescape(rest)
if err != nil || v == "" {
return nil, false
}
labels[s.label] = v
return labels, true
}
v, err := url.PathUnescape(parts[i])
if err != nil {
return nil, false
}
if s.label == "" {
if v != s.lit {
return nil, false
}
continue
}
if v == "" {
return nil, false
}
labels[s.label] = v
}
return labels, len(parts) == len(segs)
}

// InvokeHTTP runs operation op (from Route) for an HTTP request whose body
// has been read into body: it decodes the JSON body, binds the members the
// model binds to URI labels, the query string and headers (taking them only
// from there), validates every constraint and calls the Service.
func (d *Dispatcher) InvokeHTTP(ctx context.Context, op string, r *http.Request, body []byte) (any, error) {
switch op {
`)
	for _, op := range g.ops {
		bs, err := g.bindings(op)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "case %q:\n", op.Name)
		if len(bs) == 0 {
			fmt.Fprintf(w, "return invoke(ctx, body, nil, %s, d.svc.%s)\n", g.inputValidator(op), op.Name)
			continue
		}
		fmt.Fprintf(w, "return invoke(ctx, body, func(in *%s) error {\n", op.In)
		if err := g.emitBind(w, op, bs); err != nil {
			return err
		}
		fmt.Fprintf(w, "return nil\n}, %s, d.svc.%s)\n", g.inputValidator(op), op.Name)
	}
	w.WriteString("}\nreturn nil, &smithy.UnknownOperationError{Operation: op}\n}\n\n")
	w.WriteString(`func bindErr(where, name, value string) error {
return &smithy.SerializationError{Message: "invalid value " + strconv.Quote(value) + " for " + where + " " + strconv.Quote(name)}
}

func bindInt[T int8 | int16 | int32 | int64](where, name, s string, bits int) (*T, error) {
n, err := strconv.ParseInt(strings.TrimSpace(s), 10, bits)
if err != nil {
return nil, bindErr(where, name, s)
}
v := T(n)
return &v, nil
}

func bindBool(where, name, s string) (*bool, error) {
switch strings.TrimSpace(s) {
case "true":
v := true
return &v, nil
case "false":
v := false
return &v, nil
}
return nil, bindErr(where, name, s)
}
`)
	return nil
}

// emitBind writes the body of a bind func: decode the JSON body (unless a
// member is the payload), clear the bound members (a real client never sends
// them in the body), then set them from the request.
func (g *gen) emitBind(w *bytes.Buffer, op *opInfo, bs []binding) error {
	var payload *binding
	for i := range bs {
		if bs[i].kind == "Payload" {
			payload = &bs[i]
		}
	}
	if payload == nil {
		w.WriteString("if err := smithy.DecodeJSON(body, in); err != nil {\nreturn err\n}\n")
	}
	for i := range bs {
		if bs[i].kind == "Payload" {
			continue
		}
		t, err := g.goType(bs[i].m.Target, true)
		if err != nil {
			return err
		}
		var zero string
		switch {
		case strings.HasPrefix(t, "*"), strings.HasPrefix(t, "[]"), strings.HasPrefix(t, "map["):
			zero = "nil"
		default:
			zero = `""`
		}
		fmt.Fprintf(w, "in.%s = %s\n", ExportedName(bs[i].m.Name), zero)
	}
	if payload != nil {
		t, err := g.goType(payload.m.Target, true)
		if err != nil {
			return err
		}
		f := "in." + ExportedName(payload.m.Name)
		switch {
		case t == "[]byte":
			fmt.Fprintf(w, "%s = nil\nif len(body) > 0 {\n%s = append([]byte(nil), body...)\n}\n", f, f)
		case t == "*string":
			fmt.Fprintf(w, "%s = nil\nif len(body) > 0 {\ns := string(body)\n%s = &s\n}\n", f, f)
		case g.isStructLike(payload.m.Target):
			fmt.Fprintf(w, "%s = new(%s)\nif err := smithy.DecodeJSON(body, %s); err != nil {\nreturn err\n}\n", f, strings.TrimPrefix(t, "*"), f)
			fmt.Fprintf(w, "if len(bytes.TrimSpace(body)) == 0 {\n%s = nil\n}\n", f)
		default:
			return fmt.Errorf("%s: payload of type %s is not supported", op.Name, t)
		}
	}
	needLabels, needQuery := false, false
	for _, b := range bs {
		needLabels = needLabels || b.kind == "Label"
		needQuery = needQuery || b.kind == "Query"
	}
	if needLabels {
		fmt.Fprintf(w, "labels := d.labelsOf(%q, r.URL.EscapedPath())\n", op.Name)
	}
	if needQuery {
		w.WriteString("q := r.URL.Query()\n")
	}
	for _, b := range bs {
		if b.kind == "Payload" {
			continue
		}
		f := "in." + ExportedName(b.m.Name)
		var src, where string
		switch b.kind {
		case "Label":
			fmt.Fprintf(w, "if s, ok := labels[%q]; ok {\n", b.name)
			src, where = "s", "URI label"
		case "Query":
			fmt.Fprintf(w, "if vals := q[%q]; len(vals) > 0 {\n", b.name)
			src, where = "vals[0]", "query parameter"
		case "Header":
			fmt.Fprintf(w, "if vals := r.Header.Values(%q); len(vals) > 0 {\n", b.name)
			src, where = "vals[0]", "header"
		}
		s, err := g.m.shape(b.m.Target)
		if err != nil {
			return err
		}
		t, _ := g.goType(b.m.Target, true)
		switch {
		case t == "*string":
			fmt.Fprintf(w, "v := %s\n%s = &v\n", src, f)
		case g.isEnum(s):
			fmt.Fprintf(w, "%s = %s(%s)\n", f, t, src)
		case s.Type == "byte" || s.Type == "short" || s.Type == "integer" || s.Type == "long":
			bits := map[string]int{"byte": 8, "short": 16, "integer": 32, "long": 64}[s.Type]
			fmt.Fprintf(w, "n, err := bindInt[%s](%q, %q, %s, %d)\nif err != nil {\nreturn err\n}\n%s = n\n", strings.TrimPrefix(t, "*"), where, b.name, src, bits, f)
		case s.Type == "boolean":
			fmt.Fprintf(w, "bv, err := bindBool(%q, %q, %s)\nif err != nil {\nreturn err\n}\n%s = bv\n", where, b.name, src, f)
		case (s.Type == "list" || s.Type == "set") && b.kind != "Label":
			et, _ := g.goType(s.Member.Target, false)
			list := "vals"
			if b.kind == "Header" {
				w.WriteString("var parts []string\nfor _, v := range vals {\nfor _, p := range strings.Split(v, \",\") {\nparts = append(parts, strings.TrimSpace(p))\n}\n}\n")
				list = "parts"
			}
			switch {
			case et == "string":
				fmt.Fprintf(w, "%s = append([]string(nil), %s...)\n", f, list)
			case g.isEnum(g.mustShape(s.Member.Target)):
				fmt.Fprintf(w, "for _, v := range %s {\n%s = append(%s, %s(v))\n}\n", list, f, f, et)
			default:
				return fmt.Errorf("%s$%s: %s binding of a list of %s is not supported", op.InID, b.m.Name, b.kind, et)
			}
		default:
			return fmt.Errorf("%s$%s: %s binding of %s is not supported", op.InID, b.m.Name, b.kind, t)
		}
		w.WriteString("}\n")
	}
	return nil
}

func (g *gen) mustShape(target string) *Shape {
	s, err := g.m.shape(target)
	if err != nil {
		return &Shape{}
	}
	return s
}
