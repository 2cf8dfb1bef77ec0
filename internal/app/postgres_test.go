package app_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"
	"github.com/jackc/pgx/v5"

	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
)

// pgSchema creates a fresh schema for the test and returns a DSN that uses
// it; it skips when PostgreSQL is unreachable, unless CI=true.
func pgSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("DESKPLANE_TEST_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL unreachable in CI: %v", err)
		}
		t.Skipf("PostgreSQL unreachable (set DESKPLANE_TEST_POSTGRES): %v", err)
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("deskplane_app_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	return base + "&search_path=" + schema
}

// TestTwoNodesServeOneFleet runs two deskplane nodes on one PostgreSQL
// schema: what one node writes the other reads, and the transitions the
// first scheduled are fired (once) by whichever node gets there.
func TestTwoNodesServeOneFleet(t *testing.T) {
	dsn := pgSchema(t)
	node := func() *apptest.Env {
		return apptest.Start(t, apptest.Options{Running: true, Config: func(c *app.Config) {
			c.InMemory = false
			c.Postgres = dsn
			c.Timing = "fast"
		}})
	}
	a, b := node(), node()
	dir := a.RegisteredDirectory(apptest.AccountA)
	bundle := a.AmazonBundle()
	out, err := a.WS(apptest.AccountA).CreateWorkspaces(a.Ctx(), &workspaces.CreateWorkspacesInput{Workspaces: []types.WorkspaceRequest{
		{DirectoryId: aws.String(dir), BundleId: aws.String(bundle), UserName: aws.String("grace")},
		{DirectoryId: aws.String(dir), BundleId: aws.String(bundle), UserName: aws.String("heidi")},
	}})
	if err != nil || len(out.PendingRequests) != 2 {
		t.Fatalf("CreateWorkspaces on node A: %v %+v", err, out)
	}
	// Node B sees them at once, and (polling like a client) sees them
	// become AVAILABLE within the fast profile's seconds.
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := b.WS(apptest.AccountA).DescribeWorkspaces(b.Ctx(), &workspaces.DescribeWorkspacesInput{DirectoryId: aws.String(dir)})
		if err != nil {
			t.Fatalf("DescribeWorkspaces on node B: %v", err)
		}
		if len(d.Workspaces) != 2 {
			t.Fatalf("node B sees %d WorkSpaces, want 2", len(d.Workspaces))
		}
		if d.Workspaces[0].State == types.WorkspaceStateAvailable && d.Workspaces[1].State == types.WorkspaceStateAvailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("WorkSpaces still %s/%s after 30s", d.Workspaces[0].State, d.Workspaces[1].State)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// A write on B is read on A.
	if _, err := b.WS(apptest.AccountA).CreateTags(b.Ctx(), &workspaces.CreateTagsInput{ResourceId: out.PendingRequests[0].WorkspaceId,
		Tags: []types.Tag{{Key: aws.String("node"), Value: aws.String("b")}}}); err != nil {
		t.Fatal(err)
	}
	tags, err := a.WS(apptest.AccountA).DescribeTags(a.Ctx(), &workspaces.DescribeTagsInput{ResourceId: out.PendingRequests[0].WorkspaceId})
	if err != nil || len(tags.TagList) != 1 || aws.ToString(tags.TagList[0].Value) != "b" {
		t.Fatalf("node A reads node B's tag: %v %+v", err, tags)
	}
}
