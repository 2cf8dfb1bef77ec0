// Package coverage derives the operation coverage table of README.md from
// the code: an operation is implemented when internal/api declares a method
// of that name on the service's implementation type; otherwise the generated
// Unimplemented fallback answers it. `go test ./internal/coverage -args -w`
// rewrites the README section; TestReadmeIsCurrent fails when it is stale.
package coverage

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Service is one served API.
type Service struct {
	Name       string   // shown in the table
	Receiver   string   // the implementation type in internal/api
	Operations []string // every operation of the model
}

// Implemented returns the method names declared on each receiver type in
// the Go files of dir (tests excluded).
func Implemented(dir string) (map[string]map[string]bool, error) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[string]bool)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 {
				continue
			}
			t := fd.Recv.List[0].Type
			if st, ok := t.(*ast.StarExpr); ok {
				t = st.X
			}
			id, ok := t.(*ast.Ident)
			if !ok {
				continue
			}
			if out[id.Name] == nil {
				out[id.Name] = make(map[string]bool)
			}
			out[id.Name][fd.Name.Name] = true
		}
	}
	return out, nil
}

// Table renders the coverage table in Markdown, and the counts.
func Table(services []Service, impl map[string]map[string]bool) string {
	var b strings.Builder
	for _, s := range services {
		ops := append([]string(nil), s.Operations...)
		sort.Strings(ops)
		n := 0
		for _, op := range ops {
			if impl[s.Receiver][op] {
				n++
			}
		}
		fmt.Fprintf(&b, "**%s: %d of %d operations implemented.**\n\n", s.Name, n, len(ops))
		b.WriteString("| operation | status |\n| --- | --- |\n")
		for _, op := range ops {
			status := "not yet (answers `NotImplementedException`, HTTP 501)"
			if impl[s.Receiver][op] {
				status = "implemented"
			}
			fmt.Fprintf(&b, "| %s | %s |\n", op, status)
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
