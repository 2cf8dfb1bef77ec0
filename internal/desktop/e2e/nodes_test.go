package e2e_test

import (
	"math/rand/v2"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
)

// Two nodes on one PostgreSQL: a WorkSpace's desktop lives on the node
// that launched it, and only that node acts on it, whichever node
// receives the request.
func TestEachNodeDrivesItsOwnDesktops(t *testing.T) {
	requireDesktops(t)
	dsn := apptest.PostgresDSN(t)
	node := func(name string) apptest.Options {
		uid := 20_000_000 + rand.IntN(1000)*100_000
		return apptest.Options{Store: "postgres", Config: func(c *app.Config) {
			desktopConfig(uid, name)(c)
			c.Postgres = dsn
		}}
	}
	a := startDesktops(t, node("node-a"))
	b := startDesktops(t, node("node-b"))
	dir := a.RegisteredDirectory(apptest.AccountA)
	bundle := a.AmazonBundle()

	onA := a.launch(apptest.AccountA, dir, bundle, "alice")
	onB := b.launch(apptest.AccountA, dir, bundle, "bob")
	if _, ok := a.desktop(onA); !ok {
		t.Fatal("node-a launched a WorkSpace without a desktop")
	}
	if _, ok := b.desktop(onA); ok {
		t.Fatal("node-b holds a desktop of node-a's WorkSpace")
	}
	if _, ok := a.desktop(onB); ok {
		t.Fatal("node-a holds a desktop of node-b's WorkSpace")
	}

	// node-b receives the stop of node-a's WorkSpace; node-a stops it.
	if out, err := b.WS(apptest.AccountA).StopWorkspaces(b.Ctx(), &workspaces.StopWorkspacesInput{
		StopWorkspaceRequests: []types.StopRequest{{WorkspaceId: &onA}}}); err != nil || len(out.FailedRequests) > 0 {
		t.Fatal(err, out)
	}
	b.await(apptest.AccountA, onA, types.WorkspaceStateStopped)
	if st, _ := a.desktop(onA); st.State != deskplane.DesktopStopped {
		t.Errorf("node-a's desktop after a stop through node-b: %s", st.State)
	}
	if _, ok := b.desktop(onA); ok {
		t.Error("node-b made a desktop for node-a's WorkSpace")
	}
	if st, _ := b.desktop(onB); st.State != deskplane.DesktopRunning {
		t.Errorf("node-b's own desktop: %s", st.State)
	}
}
