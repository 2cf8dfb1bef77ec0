// Package deprules holds deskplane's dependency rules and checks a module
// against them, from what `go list` says about its packages:
//
//   - the root package (the domain) and its domain sub-packages (those
//     outside internal/ and cmd/, e.g. identity) depend on the standard
//     library and each other only;
//   - generated packages (every Go file carries the "Code generated … DO
//     NOT EDIT." header) depend on the standard library and
//     internal/smithy only;
//   - service packages (internal/service and below) do not import
//     net/http, internal/sigv4 or internal/awsjson, depend on neither of
//     the latter two nor on internal/api (removed with issue 11; it must
//     not come back) even indirectly, and a family
//     package imports no other family: families share through the root
//     package, and only the composition (internal/service) imports them;
//   - the binary (cmd/deskplane) links no AWS SDK module.
//
// (A service package may depend on net/http indirectly: the generated
// Directory Service Data package, a REST protocol, dispatches *http.Request.)
// The test runs the checker on the repository and on synthetic packages
// that break each rule.
package deprules

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Package is what the rules need to know of a package (the fields of
// `go list -json` of the same names).
type Package struct {
	ImportPath string
	Standard   bool
	Imports    []string // direct imports
	Deps       []string // every package it depends on, directly or not
	// Generated is true when every Go file of the package is generated
	// code; List fills it from the files' headers.
	Generated bool
	Dir       string
	GoFiles   []string
}

// Violation is one broken rule.
type Violation struct {
	Package string
	Import  string
	Rule    string
}

func (v Violation) String() string { return v.Package + " → " + v.Import + ": " + v.Rule }

// List runs `go list -deps -json` on patterns in dir and returns every
// package, the standard library's included, with Generated filled in for
// the packages of the main module.
func List(dir string, patterns ...string) ([]Package, error) {
	cmd := exec.Command("go", append([]string{"list", "-deps", "-json"}, patterns...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v: %s", err, stderr.String())
	}
	var pkgs []Package
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p Package
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("decoding go list: %w", err)
		}
		if !p.Standard && len(p.GoFiles) > 0 {
			if p.Generated, err = generated(p.Dir, p.GoFiles); err != nil {
				return nil, err
			}
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// generatedHeader is the Go convention for generated files
// (https://go.dev/s/generatedcode).
func generatedHeader() *regexp.Regexp {
	return regexp.MustCompile(`^// Code generated .* DO NOT EDIT\.$`)
}

// generated reports whether every file carries the generated-code header
// before its package clause.
func generated(dir string, files []string) (bool, error) {
	re := generatedHeader()
	for _, name := range files {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return false, err
		}
		found := false
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if re.MatchString(line) {
				found = true
				break
			}
			if strings.HasPrefix(line, "package ") {
				break
			}
		}
		f.Close()
		if !found {
			return false, nil
		}
	}
	return true, nil
}

// Check applies the rules to the packages of module; pkgs must hold every
// package the module's packages depend on (List's answer), so that the
// standard library is told from the rest.
func Check(module string, pkgs []Package) []Violation {
	byPath := make(map[string]Package, len(pkgs))
	for _, p := range pkgs {
		byPath[p.ImportPath] = p
	}
	std := func(path string) bool {
		if p, ok := byPath[path]; ok {
			return p.Standard
		}
		// Not listed: judge by the path (standard packages have no dot
		// in their first element).
		first, _, _ := strings.Cut(path, "/")
		return !strings.Contains(first, ".")
	}
	var out []Violation
	bad := func(p, imp, rule string) { out = append(out, Violation{p, imp, rule}) }
	service := module + "/internal/service"
	smithy := module + "/internal/smithy"
	for _, p := range pkgs {
		path := p.ImportPath
		if path != module && !strings.HasPrefix(path, module+"/") {
			continue
		}
		switch {
		case isDomain(module, path):
			for _, d := range p.Deps {
				if !std(d) && !isDomain(module, d) {
					bad(path, d, "the root package (the domain) uses the standard library only")
				}
			}
		case p.Generated:
			for _, d := range p.Deps {
				if !std(d) && d != smithy {
					bad(path, d, "generated packages depend on the standard library and internal/smithy only")
				}
			}
		}
		if path == service || strings.HasPrefix(path, service+"/") {
			for _, imp := range p.Imports {
				switch imp {
				case "net/http", module + "/internal/sigv4", module + "/internal/awsjson":
					bad(path, imp, "service packages know nothing of HTTP, signatures or AWS JSON framing")
				}
				if fam, ok := strings.CutPrefix(imp, service+"/"); ok && path != service && fam != "env" && !strings.HasPrefix(fam, "env/") {
					bad(path, imp, "a family package does not import another family; share through the root package")
				}
			}
			for _, d := range p.Deps {
				switch d {
				case module + "/internal/sigv4", module + "/internal/awsjson", module + "/internal/api":
					bad(path, d, "service packages do not depend on the transport, nor on internal/api, which is gone: every operation is a family's")
				}
			}
		}
		if path == module+"/cmd/deskplane" {
			for _, d := range p.Deps {
				if strings.HasPrefix(d, "github.com/aws/") {
					bad(path, d, "the binary links no AWS SDK module")
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Violation) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// isDomain reports whether path is the root package or one of its domain
// sub-packages: a package of the module outside internal/ and cmd/.
func isDomain(module, path string) bool {
	if path == module {
		return true
	}
	rest, ok := strings.CutPrefix(path, module+"/")
	if !ok {
		return false
	}
	first, _, _ := strings.Cut(rest, "/")
	return first != "internal" && first != "cmd" && first != "e2e"
}
