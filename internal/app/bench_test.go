package app_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"deskplane/internal/app"
	"deskplane/internal/apptest"
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
