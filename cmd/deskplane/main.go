// Command deskplane serves the Amazon WorkSpaces API (with the Directory
// Service subset WorkSpaces needs) for tests and local development.
//
//	deskplane            serve on 127.0.0.1:4599 (see -h for flags)
//	deskplane -version   print the module version and commit
//
// The load generator is its own command, cmd/deskplane-load.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/deskplane/deskplane/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if errors.Is(err, app.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "deskplane:", err)
		os.Exit(1)
	}
}

// run is the whole program; main only supplies the process's context,
// arguments, environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 1 && (args[0] == "-version" || args[0] == "--version" || args[0] == "version") {
		fmt.Fprintln(stdout, version())
		return nil
	}
	cfg, err := app.Parse(args, getenv, stderr)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, app.Options{Log: stderr})
	if err != nil {
		return err
	}
	ln, err := app.Listen(cfg)
	if err != nil {
		a.Close()
		return err
	}
	printBanner(stdout, a, ln.Addr().String())
	return a.Serve(ctx, ln)
}

// version describes the binary from its build information: the module
// version (a tag, a pseudo-version, or "(devel)" for a build from a
// checkout) and the commit it was built from.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "deskplane (no build information)"
	}
	s := "deskplane " + bi.Main.Version
	var rev, at string
	var dirty bool
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			rev = kv.Value
		case "vcs.time":
			at = kv.Value
		case "vcs.modified":
			dirty = kv.Value == "true"
		}
	}
	if rev != "" {
		s += " commit " + rev
		if dirty {
			s += " (modified)"
		}
		if at != "" {
			s += " " + at
		}
	}
	return s + " " + bi.GoVersion
}

// maxListedKeys bounds the access keys listed in the banner.
const maxListedKeys = 10

func printBanner(w io.Writer, a *app.App, addr string) {
	endpoint := "http://" + addr
	fmt.Fprintf(w, "deskplane serving the Amazon WorkSpaces API\n")
	fmt.Fprintf(w, "  endpoint:     %s\n", endpoint)
	fmt.Fprintf(w, "  data:         %s\n", a.DataLocation)
	fmt.Fprintf(w, "  timing:       %s\n", a.Config.Timing)
	if a.Desktops != nil {
		fmt.Fprintf(w, "  desktops:     local, node %s, volumes in %s\n", a.Config.NodeName, a.Config.DesktopDirectory())
	}
	def := app.DefaultCredential()
	for i, c := range a.Credentials {
		label := "  credentials:"
		if i > 0 {
			label = "              "
		}
		if i == maxListedKeys {
			fmt.Fprintf(w, "%s  … and %d more access keys from %s\n", label, len(a.Credentials)-i, a.Config.CredentialsFile)
			break
		}
		if c == def {
			fmt.Fprintf(w, "%s  AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s (account %s, the default)\n", label, c.AccessKeyID, c.SecretAccessKey, c.Account)
		} else {
			fmt.Fprintf(w, "%s  access key %s (account %s, from %s)\n", label, c.AccessKeyID, c.Account, a.Config.CredentialsFile)
		}
	}
	if a.Config.AcceptAnyCreds {
		fmt.Fprintf(w, "  WARNING:      -accept-any-credentials is on: unknown access keys and unsigned requests act, unchecked, as account %s\n", app.AnonymousAccount)
	}
	if a.Config.Regions != "" {
		fmt.Fprintf(w, "  regions:      %s\n", a.Config.Regions)
	}
	fmt.Fprintf(w, "  admin token:  %s (control API under %s/_deskplane/)\n", a.AdminToken, endpoint)
	fmt.Fprintf(w, "  health:       %s/health   metrics: %s/metrics\n", endpoint, endpoint)
	fmt.Fprintf(w, "  try:          aws workspaces describe-workspaces --endpoint-url %s --region us-east-1\n", endpoint)
}
