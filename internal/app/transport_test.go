package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
	"github.com/deskplane/deskplane/internal/httpx"
)

// syncBuffer is a log destination tests can read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// lines decodes the JSON log lines whose msg is msg.
func (s *syncBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", l, err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// waitBodies waits until the server holds n request bodies.
func waitBodies(t *testing.T, e *apptest.Env, n int) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		got, _ := e.App.BodiesInFlight()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d request bodies in flight, want %d", got, n)
		}
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestHeaderOnlyConnectionsDoNotPinMemory reproduces issue 12 item 2: 40
// connections that announce 16 MiB bodies and send only their headers
// used to pin 641 MiB, forever, before any signature was checked.
func TestHeaderOnlyConnectionsDoNotPinMemory(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	before := heapInUse()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 40 {
		c, err := net.Dial("tcp", strings.TrimPrefix(e.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: WorkspacesService.DescribeWorkspaces\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n\r\n", httpx.DefaultMaxBody)
	}
	waitBodies(t, e, 40)
	after := heapInUse()
	t.Logf("heap: %d KiB before, %d KiB with 40 header-only connections", before>>10, after>>10)
	if grew := int64(after) - int64(before); grew > 16<<20 {
		t.Fatalf("40 header-only connections pinned %d MiB", grew>>20)
	}
}

// TestHalfSentBodyDoesNotDelayShutdown: a client that stops halfway
// through its body must not hold up a graceful shutdown (which would
// otherwise wait the whole shutdown timeout and fail).
func TestHalfSentBodyDoesNotDelayShutdown(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Limits: httpx.Limits{BodyTimeout: time.Minute}})
	c, err := net.Dial("tcp", strings.TrimPrefix(e.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: WorkspacesService.DescribeWorkspaces\r\nContent-Length: 1000\r\n\r\n{\"Limit\":")
	waitBodies(t, e, 1)
	start := time.Now()
	e.Stop() // fails the test if Serve returned an error (a shutdown timeout)
	t.Logf("shut down in %v with a half-sent body", time.Since(start))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err == nil && resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("the half-sent request got %d, want 503 or a closed connection", resp.StatusCode)
	}
}

// TestAcceptAnyCredentialsNeverActsAsAConfiguredAccount is written from
// the attacker's side (issue 12 item 4): with -accept-any-credentials an
// unsigned caller, or one with an unknown key, acts as the dedicated
// anonymous account, never as an account of the credentials.
func TestAcceptAnyCredentialsNeverActsAsAConfiguredAccount(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Config: func(c *app.Config) { c.AcceptAnyCreds = true }})
	ctx := e.Ctx()
	owned, err := e.WS(apptest.AccountA).CreateIpGroup(ctx, &workspaces.CreateIpGroupInput{GroupName: aws.String("a-only")})
	if err != nil {
		t.Fatal(err)
	}
	groups := func(r rawResp) []string {
		var names []string
		list, _ := r.body["Result"].([]any)
		for _, g := range list {
			names = append(names, g.(map[string]any)["groupName"].(string))
		}
		return names
	}
	unsigned := func(target, body string) rawResp {
		return call(t, e, rawReq{target: target, body: body})
	}
	if r := unsigned("WorkspacesService.DescribeIpGroups", `{}`); r.status != 200 || len(groups(r)) != 0 {
		t.Fatalf("an unsigned caller sees %d %v", r.status, groups(r))
	}
	if r := unsigned("WorkspacesService.DeleteIpGroup", `{"GroupId":"`+aws.ToString(owned.GroupId)+`"}`); r.body["__type"] != "ResourceNotFoundException" {
		t.Fatalf("an unsigned caller deleting account A's group: %s", r.raw)
	}
	if r := unsigned("WorkspacesService.CreateIpGroup", `{"GroupName":"anonymous"}`); r.status != 200 {
		t.Fatalf("unsigned CreateIpGroup: %s", r.raw)
	}
	// Every unverified caller is the same anonymous account…
	anyone := workspaces.NewFromConfig(aws.Config{Region: apptest.Region, BaseEndpoint: aws.String(e.URL),
		Credentials: credentials.NewStaticCredentialsProvider("whoever", "whatever", ""), HTTPClient: apptest.NewHTTPClient()})
	out, err := anyone.DescribeIpGroups(ctx, &workspaces.DescribeIpGroupsInput{})
	if err != nil || len(out.Result) != 1 || aws.ToString(out.Result[0].GroupName) != "anonymous" {
		t.Fatalf("an unknown key: %v %+v", err, out)
	}
	// …which no configured account sees.
	mine, err := e.WS(apptest.AccountA).DescribeIpGroups(ctx, &workspaces.DescribeIpGroupsInput{})
	if err != nil || len(mine.Result) != 1 || aws.ToString(mine.Result[0].GroupName) != "a-only" {
		t.Fatalf("account A sees %v %+v", err, mine)
	}
	// A configured key without its secret is refused, not let in.
	if r := call(t, e, rawReq{target: "WorkspacesService.DescribeIpGroups", body: `{}`, key: "test", secret: "guess"}); r.body["__type"] != "InvalidSignatureException" {
		t.Fatalf("account A's key with a wrong secret: %s", r.raw)
	}
	// The anonymous account cannot be a configured one.
	dir := t.TempDir()
	creds := filepath.Join(dir, "creds")
	os.WriteFile(creds, []byte("anon secret "+app.AnonymousAccount+"\n"), 0o600)
	cfg := app.Defaults(func(string) string { return "" })
	cfg.InMemory, cfg.AcceptAnyCreds, cfg.CredentialsFile = true, true, creds
	if _, err := app.New(context.Background(), cfg, app.Options{}); err == nil || !strings.Contains(err.Error(), app.AnonymousAccount) {
		t.Fatalf("accept-any with the anonymous account configured: %v", err)
	}
}

// TestRegionsAreEnforced: with -regions, a request signed for another
// Region fails as it does at a Regional endpoint of AWS.
func TestRegionsAreEnforced(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Config: func(c *app.Config) { c.Regions = "us-east-1, eu-west-1" }})
	for _, region := range []string{apptest.Region, apptest.Region2} {
		if _, err := e.WSIn(apptest.AccountA, region).DescribeIpGroups(e.Ctx(), &workspaces.DescribeIpGroupsInput{}); err != nil {
			t.Fatalf("%s: %v", region, err)
		}
	}
	for _, region := range []string{"us-west-2", "zz-nowhere-9"} {
		_, err := e.WSIn(apptest.AccountA, region).DescribeIpGroups(e.Ctx(), &workspaces.DescribeIpGroupsInput{})
		if apptest.ErrorCode(err) != "InvalidSignatureException" || !strings.Contains(err.Error(), "Credential should be scoped to a valid region, not '"+region+"'.") {
			t.Fatalf("%s: %v", region, err)
		}
	}
}

func TestRegionListIsValidatedAtStart(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{args: []string{"-regions", "us-east-1,,eu-west-1"}, want: "-regions"},
		{args: []string{"-regions", "us-east1"}, want: `-regions "us-east1": "us-east1" is not a Region name`},
		{args: []string{"-regions", "us-east-1,us-east-1"}, want: "listed twice"},
		{env: map[string]string{"DESKPLANE_REGIONS": "Europe"}, want: `DESKPLANE_REGIONS "Europe"`},
	} {
		getenv := func(k string) string { return tc.env[k] }
		_, err := app.Parse(tc.args, getenv, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: %v, want an error with %q", tc.args, tc.env, err, tc.want)
		}
	}
	if c, err := app.Parse([]string{"-regions", " us-east-1 ,us-gov-west-1,cn-north-1"}, func(string) string { return "" }, io.Discard); err != nil {
		t.Fatal(err)
	} else if l, _ := c.RegionList(); strings.Join(l, " ") != "us-east-1 us-gov-west-1 cn-north-1" {
		t.Fatalf("RegionList = %v", l)
	}
}

// TestValidationAnswerIsBounded: a 10 MB request once got an answer of the
// same size or twice it (the value quoted whole, once per violation).
func TestValidationAnswerIsBounded(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	huge := strings.Repeat("x", 10<<20)
	r := call(t, e, rawReq{target: "WorkspacesService.DescribeWorkspaces", body: `{"BundleId":"` + huge + `"}`, key: "test", secret: "test"})
	if r.status != 400 || r.body["__type"] != "ValidationException" {
		t.Fatalf("%d %.300s", r.status, r.raw)
	}
	if len(r.raw) > 1<<20 {
		t.Fatalf("a %d MiB request got a %d KiB answer", len(huge)>>20, len(r.raw)>>10)
	}
	msg := r.body["message"].(string)
	if !strings.HasPrefix(msg, "1 validation error detected: Value 'xxx") || !strings.Contains(msg, "...' at 'bundleId' failed to satisfy constraint: Member must satisfy regular expression pattern") {
		t.Fatalf("message: %.300s", msg)
	}
}

// TestLogsSayWhy (issue 12 item 15).
func TestLogsSayWhy(t *testing.T) {
	logs := &syncBuffer{}
	const token = "tok-5e0c1d7f-never-logged"
	e := apptest.Start(t, apptest.Options{LogTo: logs, Config: func(c *app.Config) {
		c.LogFormat, c.LogLevel, c.AdminToken = "json", "INFO", token
	}})
	ws := e.WS(apptest.AccountA)
	if _, err := ws.DescribeTags(e.Ctx(), &workspaces.DescribeTagsInput{ResourceId: aws.String("ws-abcdefghi")}); apptest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Fatal(err)
	}
	call(t, e, rawReq{target: "WorkspacesService.DescribeTags", body: `{}`, key: "test", secret: "guess"})
	call(t, e, rawReq{target: "WorkspacesService.LaunchRocket", body: `{}`, key: "testB", secret: "secretB", region: "eu-west-1"})
	e.Advance(time.Minute)
	e.ControlStatus("POST", "clock/advance", map[string]any{"duration": "backwards"})

	reqs := logs.lines(t, "request")
	find := func(pred func(map[string]any) bool) map[string]any {
		for _, l := range reqs {
			if pred(l) {
				return l
			}
		}
		t.Fatalf("no such request line in %v", reqs)
		return nil
	}
	notFound := find(func(l map[string]any) bool { return l["code"] == "ResourceNotFoundException" })
	if notFound["level"] != "WARN" || !strings.Contains(notFound["message"].(string), "ws-abcdefghi") || notFound["op"] != "DescribeTags" || notFound["account"] != apptest.AccountA {
		t.Errorf("4xx line: %v", notFound)
	}
	if took, ok := notFound["took"].(float64); !ok || took <= 0 || took > 10_000 {
		t.Errorf("took is not milliseconds: %v", notFound["took"])
	}
	sig := find(func(l map[string]any) bool { return l["code"] == "InvalidSignatureException" })
	if sig["level"] != "WARN" || sig["auth_check"] != "signature-mismatch" || sig["access_key"] != "test" {
		t.Errorf("signature line: %v", sig)
	}
	unroutable := find(func(l map[string]any) bool { return l["code"] == "UnknownOperationException" })
	if unroutable["target"] != "WorkspacesService.LaunchRocket" || unroutable["account"] != apptest.AccountB || unroutable["region"] != "eu-west-1" {
		t.Errorf("unroutable line: %v", unroutable)
	}
	ctl := logs.lines(t, "control")
	if len(ctl) != 2 || ctl[0]["path"] != "/_deskplane/clock/advance" || ctl[0]["status"] != 200.0 || ctl[1]["level"] != "WARN" || !strings.Contains(fmt.Sprint(ctl[1]["error"]), "backwards") {
		t.Errorf("control lines: %v", ctl)
	}
	if strings.Contains(logs.String(), token) {
		t.Error("the admin token is in the log")
	}
}

// TestMetrics (issue 12 item 16): GET /metrics in the Prometheus text format.
func TestMetrics(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	dir, bundle := e.RegisteredDirectory(apptest.AccountA), e.AmazonBundle()
	id := createWorkspace(t, e, dir, bundle, "metrics-user")
	e.Advance(time.Hour)
	if got := workspaceState(t, e, id).State; got != types.WorkspaceStateAvailable {
		t.Fatalf("state %s", got)
	}
	e.WS(apptest.AccountA).DescribeTags(e.Ctx(), &workspaces.DescribeTagsInput{ResourceId: aws.String("ws-abcdefghi")})
	resp, err := http.Get(e.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(raw)
	for _, want := range []string{
		`deskplane_requests_total{operation="DescribeWorkspaces",service="WorkspacesService",status="200"} 1`,
		`deskplane_requests_total{operation="DescribeTags",service="WorkspacesService",status="400"} 1`,
		`deskplane_request_errors_total{code="ResourceNotFoundException",operation="DescribeTags",service="WorkspacesService"} 1`,
		`deskplane_request_duration_seconds_count{operation="CreateWorkspaces",service="WorkspacesService"} 1`,
		`deskplane_resources{kind="workspace",state="AVAILABLE"} 1`,
		`deskplane_resources{kind="directory",state="REGISTERED"} 1`,
		`deskplane_store_transaction_duration_seconds_count{mode="update"}`,
		`deskplane_store_transaction_retries_total`,
		`deskplane_store_transaction_conflicts_total 0`,
		`deskplane_timer_lateness_seconds_count`,
		`deskplane_timers_due 0`,
		`deskplane_http_bodies_in_flight 0`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !regexp.MustCompile(`deskplane_timers_fired_total\{timer="[^"]+"\} [1-9]`).MatchString(text) {
		t.Error("/metrics counts no fired timer")
	}
	if t.Failed() {
		t.Log(text)
	}
}

// TestCredentialsFileAddsAccounts (issue 12 item 18).
func TestCredentialsFileAddsAccounts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	start := func(file string) *app.App {
		cfg := app.Defaults(func(string) string { return "" })
		cfg.InMemory, cfg.CredentialsFile = true, file
		a, err := app.New(context.Background(), cfg, app.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	}
	a := start(write("more", "alice alicesecret 111111111111\n"))
	if got := fmt.Sprint(a.Credentials); !strings.Contains(got, "{test test 000000000000}") || !strings.Contains(got, "{alice alicesecret 111111111111}") {
		t.Fatalf("a file that adds accounts: %s", got)
	}
	a = start(write("redefine", "test othersecret 222222222222\n"))
	if len(a.Credentials) != 1 || a.Credentials[0].Account != "222222222222" {
		t.Fatalf("a file that redefines test: %v", a.Credentials)
	}
}

func TestFriendlyStartErrors(t *testing.T) {
	t.Run("port in use", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		cfg := app.Defaults(func(string) string { return "" })
		cfg.Addr = ln.Addr().String()
		_, err = app.Listen(cfg)
		if err == nil || !strings.Contains(err.Error(), "already in use") || !strings.Contains(err.Error(), "-addr") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("data directory held by another server", func(t *testing.T) {
		cfg := app.Defaults(func(string) string { return "" })
		cfg.DataDir = t.TempDir()
		first, err := app.New(context.Background(), cfg, app.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer first.Close()
		_, err = app.New(context.Background(), cfg, app.Options{})
		if err == nil || !strings.Contains(err.Error(), "in use by another deskplane") || strings.Contains(err.Error(), "bolt: timeout") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("environment variables are named", func(t *testing.T) {
		for name, val := range map[string]string{
			"DESKPLANE_LOG_LEVEL": "loud", "DESKPLANE_ACCEPT_ANY_CREDENTIALS": "maybe", "DESKPLANE_QUOTA_IMAGES": "-1",
			"DESKPLANE_TIMING": "slow", "DESKPLANE_ADDR": "nowhere",
		} {
			_, err := app.Parse(nil, func(k string) string {
				if k == name {
					return val
				}
				return ""
			}, io.Discard)
			if err == nil || !strings.HasPrefix(err.Error(), name) {
				t.Errorf("%s=%s: %v", name, val, err)
			}
		}
		// A flag given wins, and then the flag is named.
		_, err := app.Parse([]string{"-log-level", "loud"}, func(k string) string { return map[string]string{"DESKPLANE_LOG_LEVEL": "info"}[k] }, io.Discard)
		if err == nil || !strings.HasPrefix(err.Error(), "-log-level") {
			t.Errorf("flag: %v", err)
		}
	})
	t.Run("log level in any case", func(t *testing.T) {
		for _, lvl := range []string{"DEBUG", "Info", "wArN", "ERROR"} {
			if _, err := app.Parse([]string{"-log-level", lvl}, func(string) string { return "" }, io.Discard); err != nil {
				t.Errorf("%s: %v", lvl, err)
			}
		}
	})
	t.Run("-h", func(t *testing.T) {
		var out bytes.Buffer
		_, err := app.Parse([]string{"-h"}, func(string) string { return "" }, &out)
		if !errors.Is(err, app.ErrHelp) || !strings.Contains(out.String(), "Subcommands") || !strings.Contains(out.String(), "deskplane-load") || !strings.Contains(out.String(), "-regions") {
			t.Fatalf("%v\n%s", err, out.String())
		}
	})
}
