package crashtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	wstypes "github.com/aws/aws-sdk-go-v2/service/workspaces/types"
	"github.com/jackc/pgx/v5"

	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
)

// TestCutDatabaseConnectionsLoseNoTransition cuts every PostgreSQL
// connection of the server again and again (pg_terminate_backend) while
// clients create WorkSpaces: every WorkSpace the server acknowledged still
// reaches AVAILABLE (issue 12 item 1; docs/decisions/0140-timers-never-lost.md).
func TestCutDatabaseConnectionsLoseNoTransition(t *testing.T) {
	if testing.Short() {
		t.Skip("cuts database connections for seconds")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	appName := "deskplane_cut_" + hex.EncodeToString(b[:])
	var dsn string
	e := apptest.Start(t, apptest.Options{Store: "postgres", Config: func(c *app.Config) {
		c.Postgres += "&application_name=" + appName
		dsn = c.Postgres
		c.QuotaWorkspaces = 1_000_000
	}})
	dir := e.RegisteredDirectory(apptest.AccountA)
	bundle := e.AmazonBundle()
	ws := e.WS(apptest.AccountA)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	killer, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer killer.Close(context.Background())

	cutFor := 4 * time.Second
	stop := time.Now().Add(cutFor)
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[string]bool{}
	cuts := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		for time.Now().Before(stop) {
			var n int
			if err := killer.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
				WHERE application_name = $1 AND pid <> pg_backend_pid()`, appName).Scan(&n); err != nil {
				t.Errorf("terminating: %v", err)
				return
			}
			mu.Lock()
			cuts += n
			mu.Unlock()
			time.Sleep(15 * time.Millisecond)
		}
	}()
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(stop); i++ {
				var reqs []wstypes.WorkspaceRequest
				for j := range 5 {
					reqs = append(reqs, wstypes.WorkspaceRequest{DirectoryId: aws.String(dir), BundleId: aws.String(bundle),
						UserName: aws.String(fmt.Sprintf("u%d-%d-%d", w, i, j))})
				}
				out, err := ws.CreateWorkspaces(ctx, &workspaces.CreateWorkspacesInput{Workspaces: reqs})
				if err != nil {
					continue // not acknowledged
				}
				mu.Lock()
				for _, p := range out.PendingRequests {
					acked[aws.ToString(p.WorkspaceId)] = true
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if cuts == 0 || len(acked) == 0 {
		t.Fatalf("%d connections cut, %d WorkSpaces acknowledged: the test proves nothing", cuts, len(acked))
	}
	t.Logf("%d connections cut, %d WorkSpaces acknowledged", cuts, len(acked))

	// Every acknowledged WorkSpace reaches AVAILABLE without help: the
	// engine retries what the cut connections failed.
	deadline := time.Now().Add(60 * time.Second)
	for {
		states := map[wstypes.WorkspaceState]int{}
		found := 0
		p := workspaces.NewDescribeWorkspacesPaginator(ws, &workspaces.DescribeWorkspacesInput{})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range out.Workspaces {
				if acked[aws.ToString(w.WorkspaceId)] {
					found++
					states[w.State]++
				}
			}
		}
		if found != len(acked) {
			t.Fatalf("%d of %d acknowledged WorkSpaces are described", found, len(acked))
		}
		if states[wstypes.WorkspaceStateAvailable] == len(acked) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("WorkSpaces by state a minute after the cuts ended: %v", states)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
