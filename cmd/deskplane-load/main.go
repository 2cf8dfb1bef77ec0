// Command deskplane-load is deskplane's load generator, kept out of the
// product binary. It signs requests as a real client does, runs a weighted
// mix of operations at a chosen concurrency for a chosen time or count
// against any endpoint, and reports throughput, latency percentiles and
// errors by code. It can also pre-load accounts with directories and
// WorkSpaces, and serve the baseline: a plain net/http handler answering a
// fixed body, whose throughput under the same load is the ceiling deskplane
// is quoted against (docs/BENCHMARKS.md). For wrk as the client it signs
// one request and writes the wrk script that repeats it, and captures the
// answer that the baseline then serves byte for byte.
//
//	deskplane-load bench -endpoint http://127.0.0.1:4599 -mix DescribeWorkspaces -c 16 -d 20s
//	deskplane-load wrk -endpoint http://127.0.0.1:4599 -lua describe.lua -answer describe.http
//	deskplane-load baseline -addr 127.0.0.1:4600 -answer describe.http
//	wrk -t 2 -c 16 -d 20s -s describe.lua http://127.0.0.1:4600/
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "deskplane-load:", err)
		os.Exit(1)
	}
}

const usage = `Usage:
  deskplane-load bench [flags]     load an endpoint and report throughput and latency
  deskplane-load wrk [flags]       sign one request for wrk (a Lua script) and capture its answer
  deskplane-load baseline [flags]  serve a fixed or captured answer: the ceiling to compare with
  deskplane-load -h                print this help

Subcommands: bench, wrk, baseline. "deskplane-load SUBCOMMAND -h" lists a subcommand's flags.
`

// run is the whole program.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("a subcommand is needed: bench, wrk or baseline")
	}
	switch args[0] {
	case "bench":
		return mainBench(ctx, args[1:], stdout, stderr)
	case "wrk":
		return mainWrk(ctx, args[1:], stdout, stderr)
	case "baseline":
		return mainBaseline(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown subcommand %q: want bench, wrk or baseline", args[0])
}
