package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskplane/deskplane/internal/sigv4"
)

func TestRunCountsRequestsLatenciesAndErrors(t *testing.T) {
	creds := []sigv4.Credential{{AccessKeyID: "test", SecretAccessKey: "test", Account: "000000000000"}}
	v, err := sigv4.NewVerifier(creds, sigv4.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, r.ContentLength)
		_, _ = r.Body.Read(body)
		if _, err := v.Verify(r, body); err != nil {
			t.Errorf("the load tool's signature does not verify: %v", err)
		}
		if n.Add(1)%4 == 0 {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"__type":"ThrottlingException","message":"Rate exceeded"}`))
			return
		}
		_, _ = w.Write([]byte(`{"Workspaces":[]}`))
	}))
	defer srv.Close()
	ops, err := Mix("DescribeWorkspaces=3,DescribeWorkspaceBundles", nil, "t")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Config{Endpoints: []string{srv.URL}, Accounts: creds, Ops: ops, Concurrency: 4, Count: 200, ReuseSignatures: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 200 || n.Load() != 200 {
		t.Fatalf("sent %d (server saw %d), want 200", res.Requests, n.Load())
	}
	if res.Errors["ThrottlingException"] != 50 {
		t.Fatalf("errors by code: %v", res.Errors)
	}
	if res.PerOp["DescribeWorkspaces"] < res.PerOp["DescribeWorkspaceBundles"] {
		t.Fatalf("weights not honoured: %v", res.PerOp)
	}
	if res.Percentile(50) <= 0 || res.Percentile(100) < res.Percentile(99) {
		t.Fatalf("percentiles: %v %v %v", res.Percentile(50), res.Percentile(99), res.Percentile(100))
	}
	var out strings.Builder
	res.Print(&out)
	for _, want := range []string{"throughput:", "p50", "p99", "ThrottlingException"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestMixRejectsUnknownAndNeedsFleet(t *testing.T) {
	if _, err := Mix("LaunchRocket", nil, "t"); err == nil {
		t.Error("unknown operation accepted")
	}
	if _, err := Mix("CreateWorkspaces", nil, "t"); err == nil {
		t.Error("CreateWorkspaces without a fleet accepted")
	}
	if _, err := Mix("DescribeWorkspaces=0", nil, "t"); err == nil {
		t.Error("zero weight accepted")
	}
	ops, err := Mix("CreateWorkspaces", &Fleet{Directories: []string{"d-1234567890"}, Bundle: "wsb-abcdefghi"}, "t")
	if err != nil {
		t.Fatal(err)
	}
	c := ops[0].Build(0, 0)
	if c.Reusable || strings.Count(string(c.Body), `"UserName"`) != 25 {
		t.Fatalf("CreateWorkspaces call: %+v", c)
	}
}

func TestFixedBodySize(t *testing.T) {
	for _, n := range []int{12, 100, 4096} {
		if got := len(FixedBody(n)); got != n {
			t.Errorf("FixedBody(%d) has %d bytes", n, got)
		}
	}
}
