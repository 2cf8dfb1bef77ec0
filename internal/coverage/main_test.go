package coverage

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("w", false, "rewrite README.md's generated sections")

// TestReadmeIsCurrent fails when README.md's coverage or configuration
// table no longer matches the code; `go test ./internal/coverage -args -w`
// rewrites them.
func TestReadmeIsCurrent(t *testing.T) {
	sections, err := Sections("../..")
	if err != nil {
		t.Fatal(err)
	}
	changed, err := Rewrite("../../README.md", sections, *update)
	if err != nil {
		t.Fatal(err)
	}
	if changed && !*update {
		t.Fatal("README.md's generated sections are stale: run `go test ./internal/coverage -args -w`")
	}
}

func TestImplementedFindsDeclaredMethods(t *testing.T) {
	dir := t.TempDir()
	src := "package api\ntype wsService struct{}\nfunc (w *wsService) CreateTags() {}\nfunc (w wsService) DeleteTags() {}\nfunc helper() {}\n"
	if err := os.WriteFile(filepath.Join(dir, "a.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a_test.go"), []byte("package api\nfunc (w *wsService) DescribeTags() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	impl, err := Implemented(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !impl["wsService"]["CreateTags"] || !impl["wsService"]["DeleteTags"] || impl["wsService"]["DescribeTags"] {
		t.Fatalf("implemented = %v", impl)
	}
	table := Table([]Service{{Name: "X", Receiver: "wsService", Operations: []string{"DescribeTags", "CreateTags"}}}, impl)
	want := "**X: 1 of 2 operations implemented.**\n\n| operation | status |\n| --- | --- |\n| CreateTags | implemented |\n| DescribeTags | not yet (answers `NotImplementedException`, HTTP 501) |\n"
	if table != want {
		t.Fatalf("table =\n%s\nwant\n%s", table, want)
	}
}
