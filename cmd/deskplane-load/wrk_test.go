package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskplane/deskplane/internal/sigv4"
)

// luaUnquote reverses luaQuote for the escapes it writes.
func luaUnquote(t *testing.T, q string) string {
	t.Helper()
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		t.Fatalf("not a Lua string literal: %s", q)
	}
	q = q[1 : len(q)-1]
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if q[i] != '\\' {
			b.WriteByte(q[i])
			continue
		}
		i++
		if q[i] >= '0' && q[i] <= '9' {
			n, err := strconv.Atoi(q[i : i+3])
			if err != nil {
				t.Fatalf("escape in %s: %v", q, err)
			}
			b.WriteByte(byte(n))
			i += 2
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func TestLuaQuote(t *testing.T) {
	for _, s := range []string{"", `{"Limit":25}`, "a\\b\"c\n\x00\xff]]"} {
		if got := luaUnquote(t, luaQuote(s)); got != s {
			t.Errorf("luaQuote(%q) reads back as %q", s, got)
		}
	}
}

// TestWrkScriptRequestVerifies checks the claim the describe benchmarks
// rest on: the request the wrk script describes, sent as is, passes the
// server's signature check, and the captured answer is served unchanged.
func TestWrkScriptRequestVerifies(t *testing.T) {
	creds := []sigv4.Credential{{AccessKeyID: "wrkkey", SecretAccessKey: "wrksecret", Account: "123456789012"}}
	v, err := sigv4.NewVerifier(creds, sigv4.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const answer = `{"Workspaces":[{"WorkspaceId":"ws-0123456789"}],"NextToken":"x"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if _, err := v.Verify(r, body); err != nil {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-Requestid", "11111111-2222-4333-8444-555555555555")
		_, _ = w.Write([]byte(answer))
	}))
	defer srv.Close()
	dir := t.TempDir()
	credFile := filepath.Join(dir, "creds")
	if err := os.WriteFile(credFile, []byte("wrkkey wrksecret 123456789012\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	luaFile, answerFile := filepath.Join(dir, "x.lua"), filepath.Join(dir, "x.http")
	var out, errOut strings.Builder
	if err := run(context.Background(), []string{"wrk", "-endpoint", srv.URL, "-credentials", credFile,
		"-lua", luaFile, "-answer", answerFile}, &out, &errOut); err != nil {
		t.Fatalf("wrk: %v\n%s", err, errOut.String())
	}
	script, err := os.ReadFile(luaFile)
	if err != nil {
		t.Fatal(err)
	}
	// Rebuild the request wrk would send from the script's assignments.
	var method, path, body string
	header := http.Header{}
	assign := regexp.MustCompile(`^wrk\.(method|path|body|headers\[("(?:[^"\\]|\\.)*")\]) = ("(?:[^"\\]|\\.)*")$`)
	for _, line := range strings.Split(string(script), "\n") {
		m := assign.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		val := luaUnquote(t, m[3])
		switch m[1] {
		case "method":
			method = val
		case "path":
			path = val
		case "body":
			body = val
		default:
			header.Set(luaUnquote(t, m[2]), val)
		}
	}
	if method != http.MethodPost || path != "/" || body != `{"Limit":25}` {
		t.Fatalf("script: method %q path %q body %q\n%s", method, path, body, script)
	}
	if want := strings.TrimPrefix(srv.URL, "http://"); header.Get("Host") != want {
		t.Fatalf("script Host %q, want the endpoint's %q", header.Get("Host"), want)
	}
	if header.Get("Authorization") == "" || header.Get("X-Amz-Target") != "WorkspacesService.DescribeWorkspaces" {
		t.Fatalf("script headers: %v", header)
	}
	if !strings.Contains(string(script), "function done(") {
		t.Fatal("script has no done hook: bench.sh could not read the figures")
	}
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Host = header.Get("Host")
	header.Del("Host")
	req.Header = header
	req.ContentLength = int64(len(body))
	if _, err := v.Verify(req, []byte(body)); err != nil {
		t.Fatalf("the script's request does not verify: %v", err)
	}
	req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), "Signature=", "Signature=0", 1))
	if _, err := v.Verify(req, []byte(body)); err == nil {
		t.Fatal("a changed signature verifies: the check above proves nothing")
	}

	f, err := os.Open(answerFile)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ReadAnswer(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	base := httptest.NewServer(a.Handler())
	defer base.Close()
	resp, err := http.Post(base.URL, "application/x-amz-json-1.1", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(got) != answer {
		t.Fatalf("baseline answered %d %q, want 200 %q", resp.StatusCode, got, answer)
	}
	if resp.Header.Get("X-Amzn-Requestid") != "11111111-2222-4333-8444-555555555555" ||
		resp.Header.Get("Content-Type") != "application/x-amz-json-1.1" ||
		resp.ContentLength != int64(len(answer)) {
		t.Fatalf("baseline headers: %v", resp.Header)
	}
}

func TestWrkRefusesStateChangingOperation(t *testing.T) {
	dir := t.TempDir()
	err := run(context.Background(), []string{"wrk", "-op", "CreateWorkspaces", "-lua", filepath.Join(dir, "a"),
		"-answer", filepath.Join(dir, "b")}, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("CreateWorkspaces accepted for wrk")
	}
}

func TestRunSplitsClientsBetweenEndpoints(t *testing.T) {
	// Each server holds its first answer until the other has a request
	// too: with two clients, that happens only if they went to different
	// endpoints (else the held answer times out as HTTP 500).
	var hits [2]atomic.Int64
	var srvs [2]*httptest.Server
	both := make(chan struct{})
	var closed atomic.Bool
	for i := range srvs {
		srvs[i] = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits[i].Add(1)
			if hits[0].Load() > 0 && hits[1].Load() > 0 && closed.CompareAndSwap(false, true) {
				close(both)
			}
			select {
			case <-both:
				_, _ = w.Write([]byte(`{}`))
			case <-time.After(20 * time.Second):
				w.WriteHeader(http.StatusInternalServerError)
			}
		}))
		defer srvs[i].Close()
	}
	ops, err := Mix("DescribeWorkspaces", nil, "t")
	if err != nil {
		t.Fatal(err)
	}
	creds := []sigv4.Credential{{AccessKeyID: "test", SecretAccessKey: "test", Account: "000000000000"}}
	res, err := Run(context.Background(), Config{Endpoints: splitEndpoints(srvs[0].URL + "/, " + srvs[1].URL),
		Accounts: creds, Ops: ops, Concurrency: 2, Count: 100})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 100 || hits[0].Load()+hits[1].Load() != 100 || len(res.Errors) != 0 {
		t.Fatalf("requests %d, per endpoint %d and %d", res.Requests, hits[0].Load(), hits[1].Load())
	}
	if s := res.Summary(); !strings.HasPrefix(s, "summary: requests=100 ") || !strings.Contains(s, " errors=0") {
		t.Fatalf("summary line: %s", s)
	}
}

func TestCreatedCountsOnlyPendingWorkSpaces(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) % 3 {
		case 0:
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"ThrottlingException","message":"x"}`))
		case 1:
			_, _ = w.Write([]byte(`{"FailedRequests":[],"PendingRequests":[{"WorkspaceId":"ws-1"},{"WorkspaceId":"ws-2"}]}`))
		default:
			_, _ = w.Write([]byte(`{"FailedRequests":[{"ErrorCode":"ResourceLimitExceeded"}],"PendingRequests":[{"WorkspaceId":"ws-3"}]}`))
		}
	}))
	defer srv.Close()
	ops, err := Mix("CreateWorkspaces", &Fleet{Directories: []string{"d-1234567890"}, Bundle: "wsb-abcdefghi"}, "t")
	if err != nil {
		t.Fatal(err)
	}
	creds := []sigv4.Credential{{AccessKeyID: "test", SecretAccessKey: "test", Account: "000000000000"}}
	res, err := Run(context.Background(), Config{Endpoints: []string{srv.URL}, Accounts: creds, Ops: ops, Concurrency: 1, Count: 30})
	if err != nil {
		t.Fatal(err)
	}
	// 30 calls: 10 of each kind; 10×2 + 10×1 WorkSpaces pending, 10 throttled.
	if res.Items["CreateWorkspaces"] != 30 || res.Errors["ThrottlingException"] != 10 ||
		res.Errors["CreateWorkspaces: FailedRequests"] != 10 {
		t.Fatalf("items %v, errors %v", res.Items, res.Errors)
	}
	if PendingWorkspaces([]byte("not json")) != 0 {
		t.Fatal("an undecodable answer counted WorkSpaces")
	}
}
