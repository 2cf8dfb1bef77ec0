package coverage

import (
	"context"
	"flag"
	"fmt"
	"testing"

	"github.com/deskplane/deskplane/internal/smithy"
)

var update = flag.Bool("w", false, "rewrite README.md's generated sections")

// TestReadmeIsCurrent fails when README.md's coverage or configuration
// table no longer matches the code; `go test ./internal/coverage -args -w`
// rewrites them.
func TestReadmeIsCurrent(t *testing.T) {
	sections, err := Sections()
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

// stubService serves one of its two operations.
type stubService struct{}

type stubInput struct{ Name *string }

func (stubService) CreateTags(_ context.Context, in *stubInput) (*struct{}, error) {
	_ = *in.Name // panics on an empty input: still served
	return &struct{}{}, nil
}

func (stubService) DescribeTags(context.Context, *stubInput) (*struct{}, error) {
	return nil, fmt.Errorf("wrapped: %w", &smithy.NotImplementedError{Service: "X", Operation: "DescribeTags"})
}

func TestProbeTellsServedFromUnimplemented(t *testing.T) {
	impl, err := Probe(stubService{}, []string{"DescribeTags", "CreateTags"})
	if err != nil {
		t.Fatal(err)
	}
	if !impl["CreateTags"] || impl["DescribeTags"] {
		t.Fatalf("served = %v", impl)
	}
	if _, err := Probe(stubService{}, []string{"DeleteTags"}); err == nil {
		t.Fatal("an operation without a method was probed")
	}
	table := Table([]Service{{Name: "X", Operations: []string{"DescribeTags", "CreateTags"}}}, map[string]map[string]bool{"X": impl})
	want := "**X: 1 of 2 operations implemented.**\n\n| operation | status |\n| --- | --- |\n| CreateTags | implemented |\n| DescribeTags | not yet (answers `NotImplementedException`, HTTP 501) |\n"
	if table != want {
		t.Fatalf("table =\n%s\nwant\n%s", table, want)
	}
}
