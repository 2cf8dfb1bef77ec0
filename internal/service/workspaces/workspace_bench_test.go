package workspaces_test

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
)

// Benchmarks of the WorkSpaces hot paths through the real SDK and the
// durable (bolt) store:
//
//	go test ./internal/service/workspaces/ -run '^$' -bench BenchmarkWorkspace -benchtime 200x

func newBenchFixture(b *testing.B, timing string) *wsFixture {
	return newWSFixture(b, apptest.Options{Config: func(c *app.Config) {
		c.InMemory = false
		c.QuotaWorkspaces = 100_000_000
		c.Timing = timing
	}})
}

func BenchmarkWorkspaceCreate(b *testing.B) {
	for _, timing := range []string{"fast", "instant"} {
		b.Run(timing, func(b *testing.B) {
			f := newBenchFixture(b, timing)
			bundle := f.standard()
			var n atomic.Int64
			b.SetParallelism(16) // many clients, as a fleet script would run
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				c := workspaces.NewFromConfig(f.e.AWSConfig(apptest.AccountA, apptest.Region))
				for pb.Next() {
					base := n.Add(25) - 25
					reqs := make([]types.WorkspaceRequest, 25)
					for i := range reqs {
						reqs[i] = f.req("user-"+strconv.FormatInt(base+int64(i), 10), bundle)
					}
					out, err := c.CreateWorkspaces(f.ctx, &workspaces.CreateWorkspacesInput{Workspaces: reqs})
					if err != nil || len(out.PendingRequests) != 25 {
						b.Errorf("CreateWorkspaces: %v %v", err, out)
						return
					}
				}
			})
			el := time.Since(start)
			b.ReportMetric(float64(n.Load())/el.Seconds(), "workspaces/s")
		})
	}
}

func BenchmarkWorkspaceDescribePage(b *testing.B) {
	f := newBenchFixture(b, "instant")
	bundle := f.standard()
	const total = 10_000
	for i := 0; i < total; i += 25 {
		reqs := make([]types.WorkspaceRequest, 25)
		for j := range reqs {
			reqs[j] = f.req("user-"+strconv.Itoa(i+j), bundle)
		}
		if out, err := f.create(reqs...); err != nil || len(out.PendingRequests) != 25 {
			b.Fatalf("create: %v", err)
		}
	}
	// A token into the middle of the listing.
	var token *string
	for range total / 2 / 25 {
		out, err := f.c.DescribeWorkspaces(f.ctx, &workspaces.DescribeWorkspacesInput{NextToken: token})
		if err != nil {
			b.Fatal(err)
		}
		token = out.NextToken
	}
	for _, c := range []struct {
		name string
		in   *workspaces.DescribeWorkspacesInput
	}{
		{"first", &workspaces.DescribeWorkspacesInput{}},
		{"middle", &workspaces.DescribeWorkspacesInput{NextToken: token}},
		{"directory", &workspaces.DescribeWorkspacesInput{DirectoryId: aws.String(f.dir), NextToken: token}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				cl := workspaces.NewFromConfig(f.e.AWSConfig(apptest.AccountA, apptest.Region))
				for pb.Next() {
					out, err := cl.DescribeWorkspaces(f.ctx, c.in)
					if err != nil || len(out.Workspaces) != 25 {
						b.Errorf("DescribeWorkspaces: %v", err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkWorkspaceLaunch measures the lifecycle engine ending the launch
// of pending WorkSpaces (PENDING → AVAILABLE with an IP each), in batches.
func BenchmarkWorkspaceLaunch(b *testing.B) {
	f := newBenchFixture(b, "fast")
	bundle := f.standard()
	n := 0
	for range b.N {
		reqs := make([]types.WorkspaceRequest, 25)
		for j := range reqs {
			reqs[j] = f.req("user-"+strconv.Itoa(n), bundle)
			n++
		}
		if out, err := f.create(reqs...); err != nil || len(out.PendingRequests) != 25 {
			b.Fatalf("create: %v", err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	// The engine's own loop may fire some of them once the clock moves; the
	// control call returns after every due timer has fired either way.
	f.e.Advance(3 * time.Second)
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "launches/s")
	if w := f.must(aws.ToString(f.mustFirst())); w.State != types.WorkspaceStateAvailable {
		b.Fatalf("first WorkSpace %s", w.State)
	}
}

// mustFirst returns the id of the oldest WorkSpace.
func (f *wsFixture) mustFirst() *string {
	f.t.Helper()
	out, err := f.c.DescribeWorkspaces(f.ctx, &workspaces.DescribeWorkspacesInput{Limit: aws.Int32(1)})
	if err != nil || len(out.Workspaces) == 0 {
		f.t.Fatalf("DescribeWorkspaces: %v", err)
	}
	return out.Workspaces[0].WorkspaceId
}
