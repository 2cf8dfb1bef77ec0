package httpx_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/httpx"
	"github.com/deskplane/deskplane/internal/sigv4"
)

// testProtocol is a minimal protocol: POST /op/NAME, answers
// {"op": NAME, "account": …, "body": len} and errors as
// {"code", "message"} with the error's status.
type testProtocol struct {
	serve func(ctx context.Context, w http.ResponseWriter, ex *httpx.Exchange) error
}

func (p *testProtocol) Route(r *http.Request, ex *httpx.Exchange) (httpx.Route, error) {
	ex.Target = r.Method + " " + r.URL.Path
	op, ok := strings.CutPrefix(r.URL.Path, "/op/")
	if !ok || r.Method != http.MethodPost {
		return httpx.Route{}, &httpx.Error{Code: "UnknownOperationException", Status: 404, Message: "no such operation"}
	}
	return httpx.Route{Service: "Test", SigningName: "test", Operation: op}, nil
}

func (p *testProtocol) Serve(ctx context.Context, w http.ResponseWriter, r *http.Request, ex *httpx.Exchange) error {
	if p.serve != nil {
		return p.serve(ctx, w, ex)
	}
	c, _ := deskplane.CallerFrom(ctx)
	return json.NewEncoder(w).Encode(map[string]any{"op": c.Operation, "account": c.Account, "request": c.RequestID, "body": len(ex.Body)})
}

func (p *testProtocol) Wire(ex *httpx.Exchange, err error) httpx.CodedError {
	var ce httpx.CodedError
	if errors.As(err, &ce) {
		return ce
	}
	return httpx.Internal()
}

func (p *testProtocol) WriteError(w http.ResponseWriter, r *http.Request, ex *httpx.Exchange, e httpx.CodedError) {
	w.Header().Set("X-Error", e.ErrorCode())
	w.WriteHeader(e.HTTPStatus())
	b, _ := json.Marshal(e)
	_, _ = w.Write(b)
}

var cred = sigv4.Credential{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret", Account: "123456789012"}

func verifier(t testing.TB) *sigv4.Verifier {
	t.Helper()
	v, err := sigv4.NewVerifier([]sigv4.Credential{cred}, sigv4.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func signed(t testing.TB, url, body, service string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := sigv4.Sign(r, []byte(body), cred, "us-east-1", service, time.Now()); err != nil {
		t.Fatal(err)
	}
	return r
}

// logBuffer collects JSON log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) lines(t testing.TB) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// lastRequest is the last "request" line of the log.
func (l *logBuffer) lastRequest(t testing.TB) map[string]any {
	t.Helper()
	lines := l.lines(t)
	for i := len(lines) - 1; i >= 0; i-- {
		if lines[i]["msg"] == "request" {
			return lines[i]
		}
	}
	t.Fatalf("no request line in %v", lines)
	return nil
}

type env struct {
	srv   *httptest.Server
	chain *httpx.Chain
	log   *logBuffer
}

func start(t *testing.T, p httpx.Protocol, cfg httpx.Config) *env {
	t.Helper()
	e := &env{log: &logBuffer{}}
	cfg.Log = slog.New(slog.NewJSONHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if cfg.Verifier == nil {
		cfg.Verifier = verifier(t)
	}
	e.chain = httpx.New(cfg)
	e.srv = httptest.NewServer(e.chain.Handler(p))
	t.Cleanup(e.srv.Close)
	return e
}

func do(t *testing.T, r *http.Request) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("answer %q: %v", raw, err)
		}
	}
	return resp, m
}

func TestChainServesWithCallerAndRequestID(t *testing.T) {
	e := start(t, &testProtocol{}, httpx.Config{})
	resp, m := do(t, signed(t, e.srv.URL+"/op/Describe", `{"x":1}`, "test"))
	id := resp.Header.Get("x-amzn-RequestId")
	if resp.StatusCode != 200 || m["op"] != "Describe" || m["account"] != cred.Account || m["request"] != id || m["body"] != 7.0 {
		t.Fatalf("%d %v (request id %q)", resp.StatusCode, m, id)
	}
	line := e.log.lastRequest(t)
	if line["level"] != "INFO" || line["request_id"] != id || line["op"] != "Describe" || line["account"] != cred.Account || line["region"] != "us-east-1" || line["status"] != 200.0 {
		t.Fatalf("log line %v", line)
	}
	resp2, _ := do(t, signed(t, e.srv.URL+"/op/Describe", `{}`, "test"))
	if resp2.Header.Get("x-amzn-RequestId") == id {
		t.Fatal("two requests, one request id")
	}
}

func TestAccessLogSaysWhy(t *testing.T) {
	e := start(t, &testProtocol{serve: func(ctx context.Context, w http.ResponseWriter, ex *httpx.Exchange) error {
		if ex.Route.Operation == "Broken" {
			return errors.New("disk on fire")
		}
		return &httpx.Error{Code: "ValidationException", Status: 400, Message: "1 validation error detected: …"}
	}}, httpx.Config{})

	// A 4xx: WARN, with the code and message.
	resp, _ := do(t, signed(t, e.srv.URL+"/op/Create", `{}`, "test"))
	line := e.log.lastRequest(t)
	if resp.StatusCode != 400 || line["level"] != "WARN" || line["code"] != "ValidationException" || line["message"] != "1 validation error detected: …" {
		t.Fatalf("4xx line: %v", line)
	}
	// A 5xx: ERROR, with the cause (never answered).
	resp, m := do(t, signed(t, e.srv.URL+"/op/Broken", `{}`, "test"))
	line = e.log.lastRequest(t)
	if resp.StatusCode != 500 || line["level"] != "ERROR" || line["code"] != "InternalFailure" || line["cause"] != "disk on fire" || strings.Contains(fmt.Sprint(m), "fire") {
		t.Fatalf("5xx: answer %v, line %v", m, line)
	}
	// A signature failure: which check, which access key.
	r := signed(t, e.srv.URL+"/op/Create", `{}`, "test")
	r.Header.Set("X-Amz-Date", time.Now().Add(-time.Hour).UTC().Format("20060102T150405Z"))
	do(t, r)
	line = e.log.lastRequest(t)
	if line["level"] != "WARN" || line["code"] != "InvalidSignatureException" || line["auth_check"] != string(sigv4.CheckExpired) || line["access_key"] != cred.AccessKeyID {
		t.Fatalf("signature failure line: %v", line)
	}
	// Signed for another service.
	do(t, signed(t, e.srv.URL+"/op/Create", `{}`, "ec2"))
	if line = e.log.lastRequest(t); line["auth_check"] != string(sigv4.CheckService) || line["access_key"] != cred.AccessKeyID {
		t.Fatalf("wrong service line: %v", line)
	}
	// An unroutable request still says what was asked, by whom, where.
	resp, _ = do(t, signed(t, e.srv.URL+"/nowhere", `{}`, "test"))
	line = e.log.lastRequest(t)
	if resp.StatusCode != 404 || line["target"] != "POST /nowhere" || line["account"] != cred.Account || line["region"] != "us-east-1" || line["code"] != "UnknownOperationException" {
		t.Fatalf("unroutable line: %v", line)
	}
	// took is a duration (milliseconds in the app's JSON logs).
	if _, ok := line["took"].(float64); !ok {
		t.Fatalf("took: %v", line["took"])
	}
}

func TestPanicAnswers500AndServerKeepsServing(t *testing.T) {
	e := start(t, &testProtocol{serve: func(ctx context.Context, w http.ResponseWriter, ex *httpx.Exchange) error {
		if ex.Route.Operation == "Panic" {
			var ids []string
			_ = ids[len(ex.Body)] // a handler bug: index out of range
		}
		_, err := w.Write([]byte(`{}`))
		return err
	}}, httpx.Config{})
	resp, m := do(t, signed(t, e.srv.URL+"/op/Panic", `{}`, "test"))
	id := resp.Header.Get("x-amzn-RequestId")
	if resp.StatusCode != 500 || resp.Header.Get("X-Error") != "InternalFailure" || id == "" || m["RequestId"] != id || m["message"] != httpx.InternalMessage {
		t.Fatalf("panic answer: %d %v %v", resp.StatusCode, resp.Header, m)
	}
	var panicLine map[string]any
	for _, l := range e.log.lines(t) {
		if l["msg"] == "panic" {
			panicLine = l
		}
	}
	if panicLine == nil || panicLine["level"] != "ERROR" || panicLine["request_id"] != id || !strings.Contains(panicLine["stack"].(string), "httpx_test.TestPanicAnswers500") {
		t.Fatalf("panic log line: %v", panicLine)
	}
	// The same connection, and the server, go on.
	for range 3 {
		if resp, _ := do(t, signed(t, e.srv.URL+"/op/Fine", `{}`, "test")); resp.StatusCode != 200 {
			t.Fatalf("after a panic: %d", resp.StatusCode)
		}
	}
}

func TestHookAnswersInTheProtocol(t *testing.T) {
	var got deskplane.Caller
	e := start(t, &testProtocol{}, httpx.Config{Hook: func(ctx context.Context, c deskplane.Caller) error {
		got = c
		return &httpx.Error{Code: "ThrottlingException", Status: 400, Message: "Rate exceeded"}
	}})
	resp, m := do(t, signed(t, e.srv.URL+"/op/List", `{}`, "test"))
	if resp.StatusCode != 400 || m["message"] != "Rate exceeded" || got.Operation != "List" || got.Account != cred.Account || got.RequestID != resp.Header.Get("x-amzn-RequestId") {
		t.Fatalf("%d %v, hook saw %+v", resp.StatusCode, m, got)
	}
}

type observer struct {
	mu  sync.Mutex
	got []string
}

func (o *observer) ObserveExchange(ex *httpx.Exchange, took time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, fmt.Sprintf("%s %s %d %s", ex.Route.Service, ex.Route.Operation, ex.Status, ex.ErrCode))
}

func TestObserverSeesEveryExchange(t *testing.T) {
	o := &observer{}
	e := start(t, &testProtocol{}, httpx.Config{Observer: o})
	do(t, signed(t, e.srv.URL+"/op/A", `{}`, "test"))
	r, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/op/A", nil)
	do(t, r)
	o.mu.Lock()
	defer o.mu.Unlock()
	want := []string{"Test A 200 ", "Test A 400 MissingAuthenticationTokenException"}
	if fmt.Sprint(o.got) != fmt.Sprint(want) {
		t.Fatalf("observed %q, want %q", o.got, want)
	}
}

func TestBodyLimits(t *testing.T) {
	e := start(t, &testProtocol{}, httpx.Config{Limits: httpx.Limits{MaxBody: 1000, BodyTimeout: 200 * time.Millisecond}})
	// Announced too large: refused before a byte is read.
	resp, m := do(t, signed(t, e.srv.URL+"/op/A", strings.Repeat("x", 1001), "test"))
	if resp.StatusCode != 413 || m["message"] == nil {
		t.Fatalf("too large: %d %v", resp.StatusCode, m)
	}
	// Chunked (no Content-Length) and too large.
	r := signed(t, e.srv.URL+"/op/A", "", "test")
	r.Body = io.NopCloser(strings.NewReader(strings.Repeat("x", 5000)))
	r.ContentLength = -1
	if resp, m := do(t, r); resp.StatusCode != 413 {
		t.Fatalf("chunked too large: %d %v", resp.StatusCode, m)
	}
	// Exactly the limit, chunked: read whole.
	body := strings.Repeat("y", 1000)
	r, _ = http.NewRequest(http.MethodPost, e.srv.URL+"/op/A", io.NopCloser(strings.NewReader(body)))
	r.ContentLength = -1
	if err := sigv4.Sign(r, []byte(body), cred, "us-east-1", "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	if resp, m := do(t, r); resp.StatusCode != 200 || m["body"] != 1000.0 {
		t.Fatalf("chunked at the limit: %d %v", resp.StatusCode, m)
	}
	// A body that stops arriving: 408 once the body deadline passes.
	conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /op/A HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\nhalf")
	resp, err = http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusRequestTimeout || resp.Header.Get("X-Error") != "RequestTimeoutException" {
		t.Fatalf("stalled body: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestBodyBudget: bodies in flight hold at most the budget; a request that
// finds no room waits for its body deadline, then gets 503.
func TestBodyBudget(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	e := start(t, &testProtocol{serve: func(ctx context.Context, w http.ResponseWriter, ex *httpx.Exchange) error {
		if ex.Route.Operation == "Hold" {
			entered <- struct{}{}
			<-release
		}
		_, err := w.Write([]byte(`{}`))
		return err
	}}, httpx.Config{Limits: httpx.Limits{MaxBody: 64 << 10, BodyBudget: 64 << 10, BodyTimeout: 300 * time.Millisecond}})
	held := make(chan int)
	go func() {
		resp, _ := do(t, signed(t, e.srv.URL+"/op/Hold", strings.Repeat("h", 60<<10), "test"))
		held <- resp.StatusCode
	}()
	<-entered
	if n, b := e.chain.BodiesInFlight(); n != 1 || b < 60<<10 {
		t.Fatalf("in flight: %d bodies, %d bytes", n, b)
	}
	resp, _ := do(t, signed(t, e.srv.URL+"/op/Other", strings.Repeat("o", 10<<10), "test"))
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("X-Error") != "ServiceUnavailable" {
		t.Fatalf("no room: %d %v", resp.StatusCode, resp.Header)
	}
	close(release)
	if st := <-held; st != 200 {
		t.Fatalf("held request: %d", st)
	}
	if resp, _ := do(t, signed(t, e.srv.URL+"/op/Other", strings.Repeat("o", 10<<10), "test")); resp.StatusCode != 200 {
		t.Fatalf("after the room came back: %d", resp.StatusCode)
	}
	if n, b := e.chain.BodiesInFlight(); n != 0 || b != 0 {
		t.Fatalf("leaked: %d bodies, %d bytes", n, b)
	}
}

// TestHeaderOnlyConnectionsDoNotPinMemory is the reproduction of issue 12
// item 2: 40 connections that announce 16 MiB bodies and send none used to
// pin 640 MiB until the process ended.
func TestHeaderOnlyConnectionsDoNotPinMemory(t *testing.T) {
	e := start(t, &testProtocol{}, httpx.Config{Limits: httpx.Limits{BodyTimeout: time.Minute}})
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	const conns = 40
	var cs []net.Conn
	for range conns {
		c, err := net.Dial("tcp", e.srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
		fmt.Fprintf(c, "POST /op/A HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", httpx.DefaultMaxBody)
	}
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	for deadline := time.Now().Add(time.Minute); ; {
		if n, _ := e.chain.BodiesInFlight(); n == conns {
			break
		}
		if time.Now().After(deadline) {
			n, _ := e.chain.BodiesInFlight()
			t.Fatalf("only %d of %d connections reached the body", n, conns)
		}
		time.Sleep(10 * time.Millisecond)
	}
	after := heap()
	_, reserved := e.chain.BodiesInFlight()
	t.Logf("heap %d KiB before, %d KiB with %d header-only connections; %d KiB reserved for their bodies", before>>10, after>>10, conns, reserved>>10)
	if grew := int64(after) - int64(before); grew > 8<<20 {
		t.Fatalf("%d header-only connections pinned %d MiB", conns, grew>>20)
	}
}

// TestSelectPicksTheProtocolPerRequest: protocols that share a path (AWS
// JSON and the Query protocols on POST /) plug into one chain, each
// answering its own errors.
func TestSelectPicksTheProtocolPerRequest(t *testing.T) {
	jsonish := &testProtocol{}
	formish := &testProtocol{serve: func(ctx context.Context, w http.ResponseWriter, ex *httpx.Exchange) error {
		_, err := w.Write([]byte(`{"protocol":"form"}`))
		return err
	}}
	chain := httpx.New(httpx.Config{Verifier: verifier(t)})
	srv := httptest.NewServer(chain.Select(func(r *http.Request) httpx.Protocol {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			return formish
		}
		return jsonish
	}))
	defer srv.Close()
	r := signed(t, srv.URL+"/op/A", "Action=A", "test")
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := sigv4.Sign(r, []byte("Action=A"), cred, "us-east-1", "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, m := do(t, r); m["protocol"] != "form" {
		t.Fatalf("form request: %v", m)
	}
	if _, m := do(t, signed(t, srv.URL+"/op/A", `{}`, "test")); m["op"] != "A" {
		t.Fatalf("JSON request: %v", m)
	}
}
