package e2e_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
)

// BenchmarkCreateToAvailable measures, for each WorkSpace of a batch made
// by one CreateWorkspaces call (25 by default, DESKPLANE_BENCH_BATCH), the
// time from the call to the first DescribeWorkspaces that shows it
// AVAILABLE — which with -desktops local means its desktop answered the
// RFB handshake. Polling every 10 ms adds at most that much.
func BenchmarkCreateToAvailable(b *testing.B) {
	batch := 25
	if v, err := strconv.Atoi(os.Getenv("DESKPLANE_BENCH_BATCH")); err == nil && v > 0 && v <= 25 {
		batch = v
	}
	o := apptest.Options{}
	if path := os.Getenv("DESKPLANE_BENCH_LOG"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		uid := 20_000_000 + rand.IntN(1000)*100_000
		o.LogTo, o.Config = f, func(c *app.Config) { desktopConfig(uid, "node-a")(c); c.LogLevel = "debug" }
	}
	d := startDesktops(b, o)
	dir := d.RegisteredDirectory(apptest.AccountA)
	bundle := d.AmazonBundle()
	ws := d.WS(apptest.AccountA)
	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		reqs := make([]types.WorkspaceRequest, batch)
		for k := range reqs {
			reqs[k] = types.WorkspaceRequest{DirectoryId: &dir, BundleId: &bundle, UserName: aws.String(fmt.Sprintf("u%d-%d", i, k)),
				WorkspaceProperties: &types.WorkspaceProperties{RunningMode: types.RunningModeAutoStop, RunningModeAutoStopTimeoutInMinutes: aws.Int32(36000)}}
		}
		start := time.Now()
		out, err := ws.CreateWorkspaces(d.Ctx(), &workspaces.CreateWorkspacesInput{Workspaces: reqs})
		if err != nil || len(out.PendingRequests) != batch {
			b.Fatal(err, out)
		}
		var ids []string
		for _, p := range out.PendingRequests {
			ids = append(ids, aws.ToString(p.WorkspaceId))
		}
		left := slices.Clone(ids)
		for len(left) > 0 {
			got, err := ws.DescribeWorkspaces(d.Ctx(), &workspaces.DescribeWorkspacesInput{WorkspaceIds: left})
			if err != nil {
				b.Fatal(err)
			}
			at := time.Since(start)
			for _, w := range got.Workspaces {
				if w.State == types.WorkspaceStateAvailable {
					lat = append(lat, at)
					left = slices.DeleteFunc(left, func(id string) bool { return id == aws.ToString(w.WorkspaceId) })
				}
				if w.State == types.WorkspaceStateError {
					b.Fatalf("%s: ERROR %s", aws.ToString(w.WorkspaceId), aws.ToString(w.ErrorMessage))
				}
			}
			if at > 5*time.Minute {
				b.Fatalf("%d WorkSpaces not AVAILABLE after 5 minutes", len(left))
			}
			time.Sleep(10 * time.Millisecond)
		}
		b.StopTimer()
		var term []types.TerminateRequest
		for _, id := range ids {
			term = append(term, types.TerminateRequest{WorkspaceId: aws.String(id)})
		}
		if _, err := ws.TerminateWorkspaces(d.Ctx(), &workspaces.TerminateWorkspacesInput{TerminateWorkspaceRequests: term}); err != nil {
			b.Fatal(err)
		}
		for _, id := range ids {
			d.awaitDesktop(id, func(st deskplane.DesktopStatus) bool { return st.ID == "" })
		}
		b.StartTimer()
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return lat[min(len(lat)-1, int(p*float64(len(lat))))].Seconds() }
	b.ReportMetric(q(0.5), "p50-s")
	b.ReportMetric(q(0.99), "p99-s")
	b.ReportMetric(lat[len(lat)-1].Seconds(), "max-s")
	b.ReportMetric(0, "ns/op")
}
