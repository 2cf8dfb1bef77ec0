// Command gen generates deskplane's API packages from the Smithy JSON AST
// models in ../shared/models (relative to the repository root), and from
// the botocore-format models there, which it converts in memory
// (docs/decisions/0160-botocore-models.md):
//
//	internal/wsapi      workspaces-2015-04-08.json + overlays/workspaces-*.json
//	internal/dsapi      directory-service-2015-04-16.json, completed by the newer
//	                    directory-service-2015-04-16.botocore.json (0161)
//	internal/dsdataapi  directory-service-data-2023-05-31.json (restJson1)
//	internal/stsapi     sts-2011-06-15.json (awsQuery)
//	internal/iamapi     iam-2010-05-08.json (awsQuery)
//	internal/ec2api     ec2-2016-11-15.botocore.json (ec2Query, botocore format)
//	internal/gen/internal/fixtureapi       testdata/fixture.json (the generator's own tests)
//	internal/gen/internal/queryfixtureapi  testdata/query-fixture.json (the same, awsQuery)
//
// Run it from anywhere inside the repository:
//
//	go run ./internal/gen            # regenerate
//	go run ./internal/gen -check     # CI drift check: exit 1 listing files that differ
//	go generate ./internal/gen       # same as the first line
//
// Flags: -models DIR overrides the model directory, -out DIR writes the
// packages under DIR instead of the repository root.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/deskplane/deskplane/internal/gen/codegen"
)

// target is one generated package.
type target struct {
	dir      string // relative to the output root
	modelDir string // "models" (the shared model dir) or "gen" (internal/gen)
	model    string
	botocore *codegen.BotocoreOptions // model is in botocore format
	newer    string                   // a newer botocore model of the same service, merged in
	newerOpt codegen.BotocoreOptions
	overlays []string // relative to internal/gen
	cfg      codegen.Config
}

func targets() []target {
	return []target{
		{
			dir: "internal/wsapi", modelDir: "models", model: "workspaces-2015-04-08.json",
			overlays: []string{"overlays/workspaces-custom-image-import.json"},
			cfg: codegen.Config{Package: "wsapi", ModelFile: "../shared/models/workspaces-2015-04-08.json",
				Overlays: []string{"internal/gen/overlays/workspaces-custom-image-import.json"}, Title: "Amazon WorkSpaces",
				TargetPrefix: "WorkspacesService", SigningName: "workspaces"},
		},
		{
			dir: "internal/dsapi", modelDir: "models", model: "directory-service-2015-04-16.json",
			newer:    "directory-service-2015-04-16.botocore.json",
			newerOpt: codegen.BotocoreOptions{Namespace: "com.amazonaws.directoryservice", Service: "DirectoryService_20150416"},
			cfg: codegen.Config{Package: "dsapi", ModelFile: "../shared/models/directory-service-2015-04-16.json", Title: "AWS Directory Service",
				Newer:        "../shared/models/directory-service-2015-04-16.botocore.json (botocore format; docs/decisions/0161-directory-service-newer-model.md)",
				TargetPrefix: "DirectoryService_20150416", SigningName: "ds"},
		},
		{
			dir: "internal/dsdataapi", modelDir: "models", model: "directory-service-data-2023-05-31.json",
			cfg: codegen.Config{Package: "dsdataapi", ModelFile: "../shared/models/directory-service-data-2023-05-31.json", Title: "AWS Directory Service Data",
				SigningName: "ds-data"},
		},
		{
			dir: "internal/stsapi", modelDir: "models", model: "sts-2011-06-15.json",
			cfg: codegen.Config{Package: "stsapi", ModelFile: "../shared/models/sts-2011-06-15.json", Title: "AWS Security Token Service",
				SigningName: "sts"},
		},
		{
			dir: "internal/iamapi", modelDir: "models", model: "iam-2010-05-08.json",
			cfg: codegen.Config{Package: "iamapi", ModelFile: "../shared/models/iam-2010-05-08.json", Title: "AWS Identity and Access Management",
				SigningName: "iam"},
		},
		{
			dir: "internal/ec2api", modelDir: "models", model: "ec2-2016-11-15.botocore.json",
			botocore: &codegen.BotocoreOptions{Namespace: "com.amazonaws.ec2", Service: "AmazonEC2"},
			cfg: codegen.Config{Package: "ec2api", ModelFile: "../shared/models/ec2-2016-11-15.botocore.json (botocore format, converted in memory)", Title: "Amazon Elastic Compute Cloud",
				SigningName: "ec2"},
		},
		{
			dir: "internal/gen/internal/queryfixtureapi", modelDir: "gen", model: "testdata/query-fixture.json",
			cfg: codegen.Config{Package: "queryfixtureapi", ModelFile: "internal/gen/testdata/query-fixture.json", Title: "the generator's query-protocol test fixture",
				SigningName: "qfix"},
		},
		{
			dir: "internal/gen/internal/fixtureapi", modelDir: "gen", model: "testdata/fixture.json",
			cfg: codegen.Config{Package: "fixtureapi", ModelFile: "internal/gen/testdata/fixture.json", Title: "the generator's test fixture",
				SigningName: "fixture"},
		},
	}
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	check := fs.Bool("check", false, "regenerate in memory and exit non-zero listing the files that differ from the committed ones")
	models := fs.String("models", "", "model directory (default <repo>/../shared/models)")
	out := fs.String("out", "", "output root (default the repository root)")
	verbose := fs.Bool("v", false, "log model quirks")
	if err := fs.Parse(args); err != nil {
		return err
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if *models == "" {
		*models = filepath.Join(root, "..", "shared", "models")
	}
	if *out == "" {
		*out = root
	}
	var drift []string
	for _, t := range targets() {
		files, quirks, err := generate(t, *models, filepath.Join(root, "internal", "gen"))
		if err != nil {
			return fmt.Errorf("%s: %w", t.dir, err)
		}
		if *verbose {
			for _, q := range quirks {
				fmt.Fprintf(stdout, "%s: %s\n", t.dir, q)
			}
		}
		dir := filepath.Join(*out, filepath.FromSlash(t.dir))
		if *check {
			d, err := diff(dir, files)
			if err != nil {
				return err
			}
			for _, f := range d {
				drift = append(drift, filepath.ToSlash(filepath.Join(t.dir, f)))
			}
			continue
		}
		if err := write(dir, files); err != nil {
			return err
		}
	}
	if len(drift) > 0 {
		fmt.Fprintln(stderr, "generated files differ from the models; run `go run ./internal/gen`:")
		for _, f := range drift {
			fmt.Fprintln(stderr, "  "+f)
		}
		return errors.New("drift")
	}
	return nil
}

func generate(t target, models, genDir string) ([]codegen.File, []string, error) {
	var model []byte
	var err error
	if t.modelDir == "gen" {
		model, err = os.ReadFile(filepath.Join(genDir, filepath.FromSlash(t.model)))
	} else {
		model, err = os.ReadFile(filepath.Join(models, t.model))
	}
	if err != nil {
		return nil, nil, err
	}
	var overlays [][]byte
	for _, o := range t.overlays {
		b, err := os.ReadFile(filepath.Join(genDir, filepath.FromSlash(o)))
		if err != nil {
			return nil, nil, err
		}
		overlays = append(overlays, b)
	}
	var m *codegen.Model
	if t.botocore != nil {
		m, err = codegen.LoadBotocore(model, *t.botocore)
	} else {
		m, err = codegen.Load(model, overlays...)
	}
	if err != nil {
		return nil, nil, err
	}
	cfg := t.cfg
	if t.newer != "" {
		b, err := os.ReadFile(filepath.Join(models, t.newer))
		if err != nil {
			return nil, nil, err
		}
		n, err := codegen.LoadBotocore(b, t.newerOpt)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", t.newer, err)
		}
		notes, err := m.MergeNewer(n)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", t.newer, err)
		}
		cfg.Notes = append(cfg.Notes, notes...)
	}
	res, err := codegen.Generate(m, cfg)
	if err != nil {
		return nil, nil, err
	}
	return res.Files, res.Quirks, nil
}

// generatedFile reports whether a file in an output directory is one of ours.
func generatedFile(path string) bool {
	b, err := os.ReadFile(path)
	return err == nil && bytes.HasPrefix(b, []byte(codegen.Header[:len(codegen.Header)-2]))
}

// write replaces the generated files of dir: it writes the new ones and
// removes generated .go files the generator no longer produces.
func write(dir string, files []codegen.File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, f := range files {
		keep[f.Name] = true
		p := filepath.Join(dir, f.Name)
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, f.Content) {
			continue
		}
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if !keep[e.Name()] && strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") && generatedFile(p) {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// diff lists the files of dir that differ from the generated ones: changed,
// missing, or generated files that should no longer exist.
func diff(dir string, files []codegen.File) ([]string, error) {
	var out []string
	keep := map[string]bool{}
	for _, f := range files {
		keep[f.Name] = true
		old, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		if !bytes.Equal(old, f.Content) {
			out = append(out, f.Name)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !keep[e.Name()] && strings.HasSuffix(e.Name(), ".go") && generatedFile(filepath.Join(dir, e.Name())) {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out, nil
}

// repoRoot finds the directory of the go.mod of module github.com/deskplane/deskplane, walking up
// from the working directory (so `go run ./internal/gen` from the root and
// `go generate` in internal/gen both work).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("module github.com/deskplane/deskplane\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the deskplane module (no go.mod with module github.com/deskplane/deskplane)")
		}
		dir = parent
	}
}
