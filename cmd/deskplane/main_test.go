package main

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskplane/deskplane/internal/app"
)

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-version"}, func(string) string { return "" }, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "deskplane ") || !strings.Contains(out.String(), "go1.") {
		t.Fatalf("-version printed %q", out.String())
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-h"}, func(string) string { return "" }, &stdout, &stderr)
	if !errors.Is(err, app.ErrHelp) || !strings.Contains(stderr.String(), "Subcommands") || !strings.Contains(stderr.String(), "-credentials") {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
}

// TestBinaryExitStatus builds the commands: -h and -version exit 0.
func TestBinaryExitStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	dir := t.TempDir()
	for _, cmd := range []string{"deskplane", "deskplane-load"} {
		bin := filepath.Join(dir, cmd)
		if out, err := exec.Command("go", "build", "-o", bin, "github.com/deskplane/deskplane/cmd/"+cmd).CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	for _, args := range [][]string{{"deskplane", "-h"}, {"deskplane", "-version"}, {"deskplane-load", "-h"}, {"deskplane-load", "bench", "-h"}} {
		out, err := exec.Command(filepath.Join(dir, args[0]), args[1:]...).CombinedOutput()
		if err != nil {
			t.Errorf("%v: %v\n%s", args, err, out)
		}
		if args[1] == "-h" && !strings.Contains(string(out), "Usage") && !strings.Contains(string(out), "-endpoint") {
			t.Errorf("%v printed no usage:\n%s", args, out)
		}
	}
	out, err := exec.Command(filepath.Join(dir, "deskplane"), "-log-level", "loud").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "-log-level") {
		t.Errorf("a bad flag: %v %s", err, out)
	}
}
