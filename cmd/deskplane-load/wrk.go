package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskplane/deskplane/internal/sigv4"
)

// wrk (Debian's package) is the HTTP client of the describe benchmarks in
// scripts/bench.sh: it spends less CPU per request than this tool, so on a
// shared 2-core machine it leaves more to the server being measured. It
// sends one fixed request, so `deskplane-load wrk` signs that request once
// (SigV4 lets a signed request be sent again within the server's 15-minute
// window, internal/sigv4/verify.go), sends it once to capture the answer,
// and writes a wrk Lua script that repeats it byte for byte. The baseline
// then serves exactly the captured answer (`deskplane-load baseline
// -answer`).

// signatureWindow is how long the server accepts a signed request after
// its X-Amz-Date (internal/sigv4/verify.go's default skew).
const signatureWindow = 15 * time.Minute

// mainWrk is `deskplane-load wrk`.
func mainWrk(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("deskplane-load wrk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", "http://127.0.0.1:4599", "endpoint to sign for and capture the answer from")
	region := fs.String("region", "us-east-1", "region to sign for")
	credFile := fs.String("credentials", "", "file of 'ACCESS_KEY SECRET ACCOUNT_ID' lines; the first signs (default: test test 000000000000)")
	op := fs.String("op", "DescribeWorkspaces", "the request: DescribeWorkspaces (first page of 25), DescribeWorkspaceBundles or DescribeWorkspaceDirectories")
	luaFile := fs.String("lua", "", "write the wrk script here (wrk -s FILE)")
	answerFile := fs.String("answer", "", "write the captured answer here, as an HTTP/1.1 response (deskplane-load baseline -answer FILE)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *luaFile == "" || *answerFile == "" {
		return errors.New("wrk: -lua and -answer are needed")
	}
	cred := sigv4.Credential{AccessKeyID: "test", SecretAccessKey: "test", Account: "000000000000"}
	if *credFile != "" {
		f, err := os.Open(*credFile)
		if err != nil {
			return err
		}
		creds, err := sigv4.ParseCredentials(f)
		f.Close()
		if err != nil {
			return err
		}
		if len(creds) == 0 {
			return fmt.Errorf("%s: no credentials", *credFile)
		}
		cred = creds[0]
	}
	ops, err := Mix(*op, nil, "wrk")
	if err != nil {
		return err
	}
	if len(ops) != 1 {
		return fmt.Errorf("wrk: -op names one operation, not %q", *op)
	}
	call := ops[0].Build(0, 0)
	if !call.Reusable {
		return fmt.Errorf("wrk: %s changes state: wrk would send the same request again and again", *op)
	}
	base := strings.TrimRight(*endpoint, "/")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/", bytes.NewReader(call.Body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", call.Target)
	signedAt := time.Now()
	if err := sigv4.Sign(req, call.Body, cred, *region, call.Service, signedAt); err != nil {
		return err
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	script := WrkScript(http.MethodPost, "/", host, req.Header, call.Body,
		fmt.Sprintf("%s signed for %s at %s; the server accepts it until %s", call.Target, cred.AccessKeyID,
			signedAt.UTC().Format(time.RFC3339), signedAt.Add(signatureWindow).UTC().Format(time.RFC3339)))
	resp, err := NewClient(1).Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("wrk: %s answered HTTP %d: %s", base, resp.StatusCode, body)
	}
	var answer bytes.Buffer
	if err := WriteAnswer(&answer, resp, body); err != nil {
		return err
	}
	if err := os.WriteFile(*answerFile, answer.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(*luaFile, []byte(script), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signed %s at %s (valid until %s); answer HTTP %d, %d bytes, %d WorkSpaces; wrote %s and %s\n",
		call.Target, signedAt.UTC().Format("15:04:05Z"), signedAt.Add(signatureWindow).UTC().Format("15:04:05Z"),
		resp.StatusCode, len(body), bytes.Count(body, []byte(`"WorkspaceId":`)), *luaFile, *answerFile)
	return nil
}

// WrkScript returns a wrk Lua script that sends the request given by
// method, path, host, header and body, unchanged, on every connection (wrk
// adds Content-Length itself), and whose done hook prints one line that
// scripts/bench.sh reads:
//
//	wrk-summary: requests=N seconds=S rps=R p50_ms=… p99_ms=… max_ms=… errors_status=N errors_other=N
//
// errors_status counts answers other than 2xx/3xx (an expired or rejected
// signature shows there); errors_other, connect, read, write and timeout
// errors.
func WrkScript(method, path, host string, header http.Header, body []byte, note string) string {
	var b strings.Builder
	b.WriteString("-- Written by deskplane-load wrk (cmd/deskplane-load/wrk.go).\n")
	b.WriteString("-- " + strings.ReplaceAll(note, "\n", " ") + "\n")
	fmt.Fprintf(&b, "wrk.method = %s\n", luaQuote(method))
	fmt.Fprintf(&b, "wrk.path = %s\n", luaQuote(path))
	fmt.Fprintf(&b, "wrk.body = %s\n", luaQuote(string(body)))
	fmt.Fprintf(&b, "wrk.headers[%s] = %s\n", luaQuote("Host"), luaQuote(host))
	names := make([]string, 0, len(header))
	for k := range header {
		if !strings.EqualFold(k, "Host") && !strings.EqualFold(k, "Content-Length") {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(&b, "wrk.headers[%s] = %s\n", luaQuote(k), luaQuote(strings.Join(header[k], ",")))
	}
	b.WriteString(`
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("wrk-summary: requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f errors_status=%d errors_other=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
`)
	return b.String()
}

// luaQuote returns s as a Lua string literal.
func luaQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// WriteAnswer writes a received answer, whose body was read into body, as
// an HTTP/1.1 response.
func WriteAnswer(w io.Writer, resp *http.Response, body []byte) error {
	r := *resp
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.TransferEncoding = nil
	r.Close = false
	return r.Write(w)
}

// Answer is a captured answer: what the baseline serves.
type Answer struct {
	Status int
	Header http.Header // without the headers net/http writes itself (Date, Content-Length, Connection, Transfer-Encoding)
	Body   []byte
}

// ReadAnswer reads what WriteAnswer wrote.
func ReadAnswer(r io.Reader) (*Answer, error) {
	resp, err := http.ReadResponse(bufio.NewReader(r), nil)
	if err != nil {
		return nil, fmt.Errorf("captured answer: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("captured answer: %w", err)
	}
	h := resp.Header.Clone()
	for _, k := range []string{"Date", "Content-Length", "Connection", "Transfer-Encoding"} {
		h.Del(k)
	}
	return &Answer{Status: resp.StatusCode, Header: h, Body: body}, nil
}

// Handler serves the answer to every request, doing no other work: the
// same status, headers and body bytes as the server it was captured from
// (net/http adds Date and Content-Length as it does for deskplane).
func (a *Answer) Handler() http.Handler {
	length := strconv.Itoa(len(a.Body))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		h := w.Header()
		for k, v := range a.Header {
			h[k] = v
		}
		h["Content-Length"] = []string{length}
		w.WriteHeader(a.Status)
		_, _ = w.Write(a.Body)
	})
}
