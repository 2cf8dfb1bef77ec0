// Package coverage derives the operation coverage table of README.md from
// the code: an operation is implemented unless the composed service
// (internal/service, as internal/app builds it) answers it with the
// generated Unimplemented fallback's *smithy.NotImplementedError. Probe
// asks each operation with an empty input, so the table follows wherever a
// family's code lives. `go test ./internal/coverage -args -w` rewrites the
// README section; TestReadmeIsCurrent fails when it is stale.
package coverage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/smithy"
)

// Service is one served API.
type Service struct {
	Name       string   // shown in the table
	Impl       any      // the service: wsapi.Service, dsapi.Service, …
	Operations []string // every operation of the model
	// NotImplemented is the wire error an operation not served answers
	// (empty: NotImplementedException, the JSON protocols' name).
	NotImplemented string
	// ServedOnly lists only the operations served (EC2: a few dozen of
	// several hundred); the others are summed up in one line.
	ServedOnly bool
}

// Probe returns the operations impl serves: it calls each with an empty
// input (in a request of the default account) and counts it unless the
// answer is a *smithy.NotImplementedError. An operation that panics on an
// empty input (the dispatcher never hands it one) is served.
func Probe(impl any, ops []string) (map[string]bool, error) {
	ctx := deskplane.WithCaller(context.Background(), deskplane.Caller{Account: "000000000000", Region: "us-east-1", RequestID: "coverage"})
	v := reflect.ValueOf(impl)
	out := make(map[string]bool, len(ops))
	for _, op := range ops {
		m := v.MethodByName(op)
		if !m.IsValid() || m.Type().NumIn() != 2 || m.Type().In(1).Kind() != reflect.Pointer {
			return nil, fmt.Errorf("%T has no method %s(ctx, *input)", impl, op)
		}
		out[op] = probe(ctx, m)
	}
	return out, nil
}

func probe(ctx context.Context, m reflect.Value) (served bool) {
	defer func() {
		if recover() != nil {
			served = true
		}
	}()
	res := m.Call([]reflect.Value{reflect.ValueOf(ctx), reflect.New(m.Type().In(1).Elem())})
	err, _ := res[len(res)-1].Interface().(error)
	var ni *smithy.NotImplementedError
	return !errors.As(err, &ni)
}

// Table renders the coverage table in Markdown, and the counts; impl
// holds the served operations of each service by name.
func Table(services []Service, impl map[string]map[string]bool) string {
	var b strings.Builder
	for _, s := range services {
		ops := append([]string(nil), s.Operations...)
		sort.Strings(ops)
		n := 0
		for _, op := range ops {
			if impl[s.Name][op] {
				n++
			}
		}
		fmt.Fprintf(&b, "**%s: %d of %d operations implemented.**\n\n", s.Name, n, len(ops))
		b.WriteString("| operation | status |\n| --- | --- |\n")
		code := s.NotImplemented
		if code == "" {
			code = "NotImplementedException"
		}
		for _, op := range ops {
			status := "not yet (answers `" + code + "`, HTTP 501)"
			if s.ServedOnly && !impl[s.Name][op] {
				continue
			}
			if impl[s.Name][op] {
				status = "implemented"
			}
			fmt.Fprintf(&b, "| %s | %s |\n", op, status)
		}
		if s.ServedOnly {
			fmt.Fprintf(&b, "| the other %d | not yet (answer `%s`, HTTP 501) |\n", len(ops)-n, code)
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// Markers delimit generated sections of README.md.
func Markers(name string) (begin, end string) {
	return "<!-- BEGIN " + name + " (generated: go test ./internal/coverage -args -w) -->",
		"<!-- END " + name + " -->"
}

// Splice replaces the text between the markers of section name in doc.
func Splice(doc, name, content string) (string, error) {
	begin, end := Markers(name)
	i := strings.Index(doc, begin)
	j := strings.Index(doc, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("README has no %q section markers", name)
	}
	return doc[:i+len(begin)] + "\n" + content + doc[j:], nil
}

// Rewrite updates the README at path with the given sections and reports
// whether it changed.
func Rewrite(path string, sections map[string]string, write bool) (bool, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	doc := string(raw)
	names := make([]string, 0, len(sections))
	for n := range sections {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		doc, err = Splice(doc, n, sections[n])
		if err != nil {
			return false, err
		}
	}
	changed := doc != string(raw)
	if changed && write {
		err = os.WriteFile(path, []byte(doc), 0o644)
	}
	return changed, err
}
