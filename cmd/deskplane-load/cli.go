package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/deskplane/deskplane/internal/sigv4"
)

// Baseline is the ceiling deskplane is measured against: a plain net/http
// handler that answers every request with the same pre-encoded body and the
// headers deskplane sends, doing no work at all.
func Baseline(body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		h := w.Header()
		h.Set("Content-Type", "application/x-amz-json-1.1")
		h.Set("x-amzn-RequestId", "00000000-0000-4000-8000-000000000000")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
}

// FixedBody returns a JSON object of exactly n bytes (n >= 2).
func FixedBody(n int) []byte {
	if n < 12 {
		return []byte("{}")
	}
	return []byte(`{"p":"` + strings.Repeat("x", n-8) + `"}`)
}

// mainBaseline is `deskplane-load baseline`: serve the baseline on -addr.
func mainBaseline(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("deskplane-load baseline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:4600", "address to listen on")
	size := fs.Int("size", 4096, "size in bytes of the fixed answer")
	answerFile := fs.String("answer", "", "serve this captured answer (status, headers, body; from deskplane-load wrk -answer) instead of a fixed body of -size bytes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	handler, what := Baseline(FixedBody(*size)), fmt.Sprintf("a fixed %d-byte answer", *size)
	if *answerFile != "" {
		f, err := os.Open(*answerFile)
		if err != nil {
			return err
		}
		a, err := ReadAnswer(f)
		f.Close()
		if err != nil {
			return err
		}
		handler, what = a.Handler(), fmt.Sprintf("the HTTP %d answer of %s (%d-byte body)", a.Status, *answerFile, len(a.Body))
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "baseline serving %s on http://%s\n", what, ln.Addr())
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// loadAverage returns the machine's load averages over 1, 5 and 15
// minutes, or "unknown" where /proc/loadavg cannot be read.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// splitEndpoints splits a comma-separated list of endpoints.
func splitEndpoints(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimRight(strings.TrimSpace(e), "/"); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// mainBench is `deskplane-load bench`.
func mainBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("deskplane-load bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", "http://127.0.0.1:4599", "endpoint to load; several, comma-separated, split the clients evenly between them (nodes of one store; set-up uses the first)")
	region := fs.String("region", "us-east-1", "region to sign for")
	credFile := fs.String("credentials", "", "file of 'ACCESS_KEY SECRET ACCOUNT_ID' lines (default: test test 000000000000)")
	accounts := fs.Int("accounts", 0, "use only the first N accounts of the credentials (0 = all)")
	genCreds := fs.Int("gen-credentials", 0, "print N credential lines for a server's -credentials file and exit")
	mix := fs.String("mix", "DescribeWorkspaces", "weighted operations: DescribeWorkspaces=9,CreateWorkspaces=1 (DescribeWorkspaces, DescribeWorkspacesByDirectory, DescribeWorkspaceBundles, DescribeWorkspaceDirectories, CreateWorkspaces)")
	conc := fs.Int("c", 16, "concurrent requests")
	dur := fs.Duration("d", 10*time.Second, "how long to run")
	count := fs.Int("n", 0, "stop after this many requests (0 = run for -d)")
	reuse := fs.Duration("reuse-signatures", time.Minute, "re-send an identical signed request for this long (0 = sign every request)")
	prepare := fs.Bool("prepare", false, "find or create a registered any-user directory in every account first")
	preload := fs.Int("preload", 0, "create this many WorkSpaces in every account first (implies -prepare)")
	preloadConc := fs.Int("preload-c", 8, "concurrent CreateWorkspaces calls while preloading")
	token := fs.String("admin-token", os.Getenv("DESKPLANE_ADMIN_TOKEN"), "control API token: lets set-up advance the server clock")
	baseline := fs.Bool("baseline", false, "afterwards, run the same load against an in-process baseline server answering a body of the same size, and print the ratio")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *genCreds > 0 {
		for i := range *genCreds {
			fmt.Fprintf(stdout, "load%04d secret%04d %012d\n", i, i, 100000000000+i)
		}
		return nil
	}
	creds := []sigv4.Credential{{AccessKeyID: "test", SecretAccessKey: "test", Account: "000000000000"}}
	if *credFile != "" {
		f, err := os.Open(*credFile)
		if err != nil {
			return err
		}
		creds, err = sigv4.ParseCredentials(f)
		f.Close()
		if err != nil {
			return err
		}
	}
	if *accounts > 0 && *accounts < len(creds) {
		creds = creds[:*accounts]
	}
	endpoints := splitEndpoints(*endpoint)
	if len(endpoints) == 0 {
		return errors.New("-endpoint: no endpoint given")
	}
	client := &Client{Endpoint: endpoints[0], Region: *region, HTTP: NewClient(*conc), AdminToken: *token}
	runID := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	var fleet *Fleet
	if *prepare || *preload > 0 || strings.Contains(*mix, "CreateWorkspaces") || strings.Contains(*mix, "ByDirectory") {
		t0 := time.Now()
		var err error
		if fleet, err = client.Prepare(ctx, creds); err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		fmt.Fprintf(stdout, "prepared %d accounts in %s (bundle %s)\n", len(creds), time.Since(t0).Round(time.Millisecond), fleet.Bundle)
	}
	if *preload > 0 {
		took, err := client.Preload(ctx, creds, fleet, *preload, *preloadConc, "p"+runID)
		total := *preload * len(creds)
		fmt.Fprintf(stdout, "preloaded %d WorkSpaces in %s (%.0f WorkSpaces/s)\n", total, took.Round(time.Millisecond), float64(total)/took.Seconds())
		if err != nil {
			return fmt.Errorf("preload: %w", err)
		}
	}
	ops, err := Mix(*mix, fleet, runID)
	if err != nil {
		return err
	}
	cfg := Config{Endpoints: endpoints, Region: *region, Accounts: creds, Ops: ops, Concurrency: *conc,
		Duration: *dur, Count: *count, ReuseSignatures: *reuse, Client: client.HTTP}
	fmt.Fprintf(stdout, "load: %s, %d concurrent, %d accounts, against %s\n", *mix, *conc, len(creds), strings.Join(endpoints, " and "))
	load0 := loadAverage()
	res, err := Run(ctx, cfg)
	if err != nil {
		return err
	}
	res.Print(stdout)
	fmt.Fprintf(stdout, "machine load: %s before, %s after (/proc/loadavg: 1, 5, 15 min)\n", load0, loadAverage())
	summary := res.Summary()
	if strings.Contains(*mix, "CreateWorkspaces") {
		created := res.Items["CreateWorkspaces"]
		perSec := float64(created) / res.Elapsed.Seconds()
		fmt.Fprintf(stdout, "created:     %d WorkSpaces (%.0f WorkSpaces/s; counted in the answers' PendingRequests)\n", created, perSec)
		summary += fmt.Sprintf(" workspaces=%d workspaces_per_s=%.1f", created, perSec)
	}
	fmt.Fprintln(stdout, summary)
	if !*baseline {
		return nil
	}
	size := 2
	if res.Requests > 0 {
		size = int(res.Bytes / int64(res.Requests))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: Baseline(FixedBody(size)), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	cfg.Endpoints = []string{"http://" + ln.Addr().String()}
	cfg.Client = NewClient(*conc)
	base, err := Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nbaseline (fixed %d-byte answer, same load):\n", size)
	base.Print(stdout)
	fmt.Fprintln(stdout, base.Summary())
	fmt.Fprintf(stdout, "\ndeskplane / baseline throughput: %.1f%%\n", 100*res.Throughput()/base.Throughput())
	return nil
}
