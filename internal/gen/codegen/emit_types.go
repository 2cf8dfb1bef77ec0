package codegen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

func (g *gen) emitDoc(w *bytes.Buffer) error {
	var d strings.Builder
	proto := map[protocol]string{awsJSON11: "AWS JSON 1.1", restJSON1: "REST JSON (restJson1)",
		awsQuery: "AWS query (awsQuery)", ec2Query: "EC2 query (ec2Query)"}[g.proto]
	fmt.Fprintf(&d, "// Package %s is the generated API of %s (%s, %s),\n", g.cfg.Package, g.cfg.Title, g.svcName, proto)
	fmt.Fprintf(&d, "// generated from %s", g.cfg.ModelFile)
	for _, o := range g.cfg.Overlays {
		fmt.Fprintf(&d, "\n// with the overlay %s", o)
	}
	if g.cfg.Newer != "" {
		fmt.Fprintf(&d, ",\n// completed by the newer model %s", g.cfg.Newer)
	}
	d.WriteString(".\n")
	d.WriteString("//\n// It holds the shapes, enums, modeled errors and validators of every\n")
	d.WriteString("// operation, the Service interface, the Unimplemented fallback and the\n")
	if g.proto.isQuery() {
		d.WriteString("// Dispatcher, which decodes the request form into the typed input; output\n")
		d.WriteString("// and error shapes have AppendXML encoders (internal/awsquery writes the\n")
		d.WriteString("// envelopes). Do not edit: regenerate with `go generate ./internal/gen`\n")
	} else {
		d.WriteString("// Dispatcher. Do not edit: regenerate with `go generate ./internal/gen`\n")
	}
	d.WriteString("// (or `go run ./internal/gen` from the repository root).\n")
	d.WriteString("//\n// Go mapping: scalars are pointers (nil = absent), enums are named string\n")
	d.WriteString("// types held by value (\"\" = absent), lists are slices, maps are maps,\n")
	d.WriteString("// nested structures are pointers (values inside lists and maps).\n")
	if g.proto.isQuery() {
		d.WriteString("// The xml tags name the elements of the wire form; maps and blobs, which\n")
		d.WriteString("// encoding/xml cannot write as the protocol does, are tagged \"-\".\n")
	}
	if len(g.quirks) > 0 {
		d.WriteString("//\n// Model quirks met by the generator:\n//\n")
		for _, q := range g.quirks {
			d.WriteString("//   - " + q + "\n")
		}
	}
	g.pkgDoc = d.String()

	w.WriteString("// ServiceName is the name of the service shape in the model.\n")
	fmt.Fprintf(w, "const ServiceName = %q\n\n", g.svcName)
	if g.proto == awsJSON11 {
		w.WriteString("// TargetPrefix is the X-Amz-Target prefix: \"<TargetPrefix>.<Operation>\".\n")
		fmt.Fprintf(w, "const TargetPrefix = %q\n\n", g.cfg.TargetPrefix)
	}
	if g.proto.isQuery() {
		w.WriteString("// APIVersion is the API version: the Version parameter of every request.\n")
		fmt.Fprintf(w, "const APIVersion = %q\n\n", g.version)
		w.WriteString("// XMLNamespace is the namespace of the answers' root element.\n")
		fmt.Fprintf(w, "const XMLNamespace = %q\n\n", g.xmlNS)
	}
	w.WriteString("// SigningName is the SigV4 signing name (the service in the credential scope).\n")
	fmt.Fprintf(w, "const SigningName = %q\n\n", g.cfg.SigningName)
	w.WriteString("// OperationNames lists every operation of the service, sorted. The slice is\n// new on every call.\n")
	w.WriteString("func OperationNames() []string {\nreturn []string{\n")
	for _, op := range g.ops {
		fmt.Fprintf(w, "%q,\n", op.Name)
	}
	w.WriteString("}\n}\n")
	return nil
}

// emitStruct writes a structure or union type.
func (g *gen) emitStruct(w *bytes.Buffer, id string, s *Shape) error {
	name := g.names[id]
	writeDoc(w, name, docOf(s.Traits))
	if s.Type == "union" {
		w.WriteString("//\n// It is a union: exactly one member is set.\n")
	}
	fmt.Fprintf(w, "type %s struct {\n", name)
	seen := map[string]bool{}
	for _, m := range s.Members {
		fn := ExportedName(m.Name)
		if seen[fn] {
			return fmt.Errorf("%s: members collide on field %s", id, fn)
		}
		seen[fn] = true
		if isError(s) && (fn == "Error" || fn == "ErrorCode" || fn == "HTTPStatus" || fn == "ErrorMessage" || fn == "ErrorFault") {
			return fmt.Errorf("%s: member %s collides with an error method", id, m.Name)
		}
		t, err := g.goType(m.Target, true)
		if err != nil {
			return fmt.Errorf("%s$%s: %w", id, m.Name, err)
		}
		if g.proto.isQuery() {
			x, err := g.xmlTag(m)
			if err != nil {
				return fmt.Errorf("%s$%s: %w", id, m.Name, err)
			}
			if fn == "XMLName" {
				return fmt.Errorf("%s$%s: a field named XMLName means something else to encoding/xml", id, m.Name)
			}
			fmt.Fprintf(w, "%s %s `json:\"%s,omitzero\" xml:\"%s\"`\n", fn, t, g.jsonName(m), x)
			continue
		}
		fmt.Fprintf(w, "%s %s `json:\"%s,omitzero\"`\n", fn, t, g.jsonName(m))
	}
	w.WriteString("}\n\n")
	return nil
}

func (g *gen) emitTypes(w *bytes.Buffer) error {
	for _, id := range g.sortedReach() {
		s := g.m.Shapes[id]
		if (s.Type == "structure" || s.Type == "union") && !isError(s) {
			if err := g.emitStruct(w, id, s); err != nil {
				return err
			}
		}
	}
	for _, op := range g.ops {
		if op.InID == "" {
			fmt.Fprintf(w, "// %s is the empty input of %s (the model says smithy.api#Unit).\ntype %s struct{}\n\n", op.In, op.Name, op.In)
		}
		if op.OutID == "" {
			fmt.Fprintf(w, "// %s is the empty output of %s (the model says smithy.api#Unit).\ntype %s struct{}\n\n", op.Out, op.Name, op.Out)
		}
	}
	return nil
}

func (g *gen) emitEnums(w *bytes.Buffer) error {
	for _, id := range g.sortedReach() {
		s := g.m.Shapes[id]
		vals := g.enumValues(id)
		if !g.isEnum(s) && s.Type != "intEnum" {
			continue
		}
		name := g.names[id]
		writeDoc(w, name, docOf(s.Traits))
		if s.Type == "intEnum" {
			fmt.Fprintf(w, "type %s int32\n\n", name)
		} else {
			fmt.Fprintf(w, "type %s string\n\n", name)
		}
		if len(vals) > 0 {
			fmt.Fprintf(w, "// Values of %s.\nconst (\n", name)
			for _, v := range vals {
				if s.Type == "intEnum" {
					fmt.Fprintf(w, "%s %s = %d\n", v.Const, name, v.Int)
				} else {
					fmt.Fprintf(w, "%s %s = %q\n", v.Const, name, v.Value)
				}
			}
			w.WriteString(")\n\n")
		}
		fmt.Fprintf(w, "// Values returns every value of %s in model order; the slice is new on every call.\n", name)
		fmt.Fprintf(w, "func (%s) Values() []%s {\nreturn []%s{", name, name, name)
		for i, v := range vals {
			if i > 0 {
				w.WriteString(", ")
			}
			w.WriteString(v.Const)
		}
		w.WriteString("}\n}\n\n")
		fmt.Fprintf(w, "// IsKnown reports whether v is one of the values the model lists.\n")
		fmt.Fprintf(w, "func (v %s) IsKnown() bool {\nswitch v {\n", name)
		if len(vals) > 0 {
			w.WriteString("case ")
			for i, v := range vals {
				if i > 0 {
					w.WriteString(", ")
				}
				w.WriteString(v.Const)
			}
			w.WriteString(":\nreturn true\n")
		}
		w.WriteString("}\nreturn false\n}\n\n")
		// The constraint text of the enum, for the validators.
		texts := make([]string, len(vals))
		for i, v := range vals {
			texts[i] = v.Value
		}
		cn := g.enumSets[id]
		fmt.Fprintf(w, "const %s = %q\n\n", cn, "Member must satisfy enum value set: ["+strings.Join(texts, ", ")+"]")
	}
	return nil
}

func (g *gen) emitErrors(w *bytes.Buffer) error {
	for _, id := range g.sortedReach() {
		s := g.m.Shapes[id]
		if !isError(s) {
			continue
		}
		if err := g.emitStruct(w, id, s); err != nil {
			return err
		}
		name := g.names[id]
		var fault string
		_ = json.Unmarshal(s.Traits["smithy.api#error"], &fault)
		status := 400
		if fault == "server" {
			status = 500
		}
		if raw, ok := s.Traits["smithy.api#httpError"]; ok {
			if err := json.Unmarshal(raw, &status); err != nil {
				return fmt.Errorf("%s: httpError: %w", id, err)
			}
		}
		code, codeDoc := shapeName(id), "the shape name, the wire error code"
		if g.proto.isQuery() {
			q, err := queryErrorTrait(s)
			if err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
			if q != nil {
				if g.proto == ec2Query {
					return fmt.Errorf("%s: ec2Query does not use aws.protocols#awsQueryError", id)
				}
				code, codeDoc = q.Code, "the wire error code (aws.protocols#awsQueryError)"
				if q.Status != 0 {
					status = q.Status
				}
			}
		}
		msgField := ""
		for _, m := range s.Members {
			if strings.EqualFold(m.Name, "message") {
				if t, _ := g.goType(m.Target, true); t == "*string" {
					msgField = ExportedName(m.Name)
				}
			}
		}
		fmt.Fprintf(w, "// Error returns %q, followed by the message if there is one.\n", name)
		fmt.Fprintf(w, "func (e *%s) Error() string {\nif m := e.ErrorMessage(); m != \"\" {\nreturn %q + m\n}\nreturn %q\n}\n\n", name, name+": ", name)
		fmt.Fprintf(w, "// ErrorMessage returns the error's message member, or \"\".\n")
		if msgField != "" {
			fmt.Fprintf(w, "func (e *%s) ErrorMessage() string {\nif e == nil || e.%s == nil {\nreturn \"\"\n}\nreturn *e.%s\n}\n\n", name, msgField, msgField)
		} else {
			fmt.Fprintf(w, "func (e *%s) ErrorMessage() string { return \"\" }\n\n", name)
		}
		fmt.Fprintf(w, "// ErrorCode returns %s.\nfunc (e *%s) ErrorCode() string { return %q }\n\n", codeDoc, name, code)
		fmt.Fprintf(w, "// HTTPStatus returns the status code of the error response.\nfunc (e *%s) HTTPStatus() int { return %d }\n\n", name, status)
		fmt.Fprintf(w, "// ErrorFault returns %q (smithy.api#error).\nfunc (e *%s) ErrorFault() string { return %q }\n\n", fault, name, fault)
	}
	return nil
}

func (g *gen) emitService(w *bytes.Buffer) error {
	fmt.Fprintf(w, "// Service has one method per operation of %s. Implementations embed\n// Unimplemented so that operations they do not handle yet answer\n// *smithy.NotImplementedError.\n", g.svcName)
	w.WriteString("type Service interface {\n")
	for _, op := range g.ops {
		if op.Doc != "" {
			fmt.Fprintf(w, "// %s: %s\n", op.Name, op.Doc)
		}
		fmt.Fprintf(w, "%s(ctx context.Context, in *%s) (*%s, error)\n", op.Name, op.In, op.Out)
	}
	w.WriteString("}\n\n")
	w.WriteString("// Unimplemented answers every operation with *smithy.NotImplementedError.\n// Embed it in a Service implementation.\ntype Unimplemented struct{}\n\n")
	w.WriteString("var _ Service = Unimplemented{}\n\n")
	for _, op := range g.ops {
		fmt.Fprintf(w, "// %s answers *smithy.NotImplementedError.\n", op.Name)
		fmt.Fprintf(w, "func (Unimplemented) %s(context.Context, *%s) (*%s, error) {\nreturn nil, &smithy.NotImplementedError{Service: ServiceName, Operation: %s}\n}\n\n",
			op.Name, op.In, op.Out, strconv.Quote(op.Name))
	}
	return nil
}
