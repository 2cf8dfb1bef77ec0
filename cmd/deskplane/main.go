// Command deskplane serves the Amazon WorkSpaces API (with the Directory
// Service subset WorkSpaces needs) for tests and local development.
//
//	deskplane            serve on 127.0.0.1:4599 (see -h for flags)
//	deskplane bench      load an endpoint and report throughput and latency
//	deskplane baseline   serve a fixed answer: the ceiling bench compares with
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/load"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "deskplane:", err)
		os.Exit(1)
	}
}

// run is the whole program; main only supplies the process's context,
// arguments, environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "bench":
			return load.MainBench(ctx, args[1:], stdout, stderr)
		case "baseline":
			return load.MainBaseline(ctx, args[1:], stdout, stderr)
		}
	}
	cfg, err := app.Parse(args, getenv, stderr)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, app.Options{Log: stderr})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		a.Close()
		return err
	}
	printBanner(stdout, a, ln.Addr().String())
	return a.Serve(ctx, ln)
}

func printBanner(w io.Writer, a *app.App, addr string) {
	endpoint := "http://" + addr
	fmt.Fprintf(w, "deskplane serving the Amazon WorkSpaces API\n")
	fmt.Fprintf(w, "  endpoint:     %s\n", endpoint)
	fmt.Fprintf(w, "  data:         %s\n", a.DataLocation)
	fmt.Fprintf(w, "  timing:       %s\n", a.Config.Timing)
	if len(a.Credentials) == 1 {
		c := a.Credentials[0]
		fmt.Fprintf(w, "  credentials:  AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s (account %s)\n", c.AccessKeyID, c.SecretAccessKey, c.Account)
	} else {
		fmt.Fprintf(w, "  credentials:  %d access keys from %s\n", len(a.Credentials), a.Config.CredentialsFile)
	}
	if a.Config.AcceptAnyCreds {
		fmt.Fprintf(w, "  WARNING:      -accept-any-credentials is on: signatures are not checked\n")
	}
	fmt.Fprintf(w, "  admin token:  %s (control API under %s/_deskplane/)\n", a.AdminToken, endpoint)
	fmt.Fprintf(w, "  try:          aws workspaces describe-workspaces --endpoint-url %s --region us-east-1\n", endpoint)
}
