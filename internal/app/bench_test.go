package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
	"github.com/deskplane/deskplane/internal/sigv4"
)

// BenchmarkCreateWorkspaces25 creates 25 WorkSpaces a call through the
// real SDK against the durable (bolt) store, in parallel.
func BenchmarkCreateWorkspaces25(b *testing.B) {
	e := apptest.Start(b, apptest.Options{Config: func(c *app.Config) {
		c.InMemory = false
		c.Timing = "fast" // the default: transitions are not fired inside the request
		c.QuotaWorkspaces = 10_000_000
	}})
	dir, bundle := e.RegisteredDirectory(apptest.AccountA), e.AmazonBundle()
	ws := e.WS(apptest.AccountA)
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			batch := n.Add(1)
			reqs := make([]types.WorkspaceRequest, 25)
			for i := range reqs {
				reqs[i] = types.WorkspaceRequest{DirectoryId: aws.String(dir), BundleId: aws.String(bundle), UserName: aws.String(fmt.Sprintf("u%d-%d", batch, i))}
			}
			out, err := ws.CreateWorkspaces(e.Ctx(), &workspaces.CreateWorkspacesInput{Workspaces: reqs})
			if err != nil || len(out.FailedRequests) > 0 {
				b.Fatalf("%v %+v", err, out.FailedRequests)
			}
		}
	})
	b.ReportMetric(float64(b.N*25)/b.Elapsed().Seconds(), "workspaces/s")
}

// BenchmarkDescribeWorkspacesHandler is the server's side of the
// DescribeWorkspaces target: a page of 25 from an account of 10,000, SigV4
// verified, through the whole handler but without a network or a client.
func BenchmarkDescribeWorkspacesHandler(b *testing.B) {
	e := apptest.Start(b, apptest.Options{Config: func(c *app.Config) {
		c.InMemory = false
		c.QuotaWorkspaces = 10_000_000
	}})
	dir, bundle := e.RegisteredDirectory(apptest.AccountA), e.AmazonBundle()
	ws := e.WS(apptest.AccountA)
	for batch := range 400 {
		reqs := make([]types.WorkspaceRequest, 25)
		for i := range reqs {
			reqs[i] = types.WorkspaceRequest{DirectoryId: aws.String(dir), BundleId: aws.String(bundle), UserName: aws.String(fmt.Sprintf("u%d-%d", batch, i))}
		}
		if _, err := ws.CreateWorkspaces(e.Ctx(), &workspaces.CreateWorkspacesInput{Workspaces: reqs}); err != nil {
			b.Fatal(err)
		}
	}
	body := []byte(`{"Limit":25}`)
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4599/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "WorkspacesService.DescribeWorkspaces")
	if err := sigv4.Sign(req, body, app.DefaultCredential(), "us-east-1", "workspaces", time.Now()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := req.Clone(context.Background())
			r.Body = io.NopCloser(bytes.NewReader(body))
			w := httptest.NewRecorder()
			e.App.Handler.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
		}
	})
}
