package webclient_test

import (
	"context"
	"testing"
	"time"

	wstypes "github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/desktops"
	"github.com/deskplane/deskplane/internal/apptest"
)

// A restart ends every connection to the node's desktops: what a previous
// run left CONNECTED becomes DISCONNECTED, on this node's WorkSpaces only.
func TestRestartEndsTheNodesConnections(t *testing.T) {
	w := newWorld(t, options{})
	mine := w.workspace("alice", wstypes.RunningModeAutoStop)
	theirs := w.workspace("bob", wstypes.RunningModeAlwaysOn)
	sc := deskplane.Scope{Account: apptest.AccountA, Region: apptest.Region}
	ctx := context.Background()
	err := w.e.App.Store.Update(ctx, func(tx deskplane.Tx) error {
		for id, node := range map[string]string{mine: "n1", theirs: "n2"} {
			ws, _, err := deskplane.Workspaces().Get(tx, sc, id)
			if err != nil {
				return err
			}
			ws.Node = node
			ws.SetConnection(deskplane.ConnectionConnected, time.Now())
			if err := deskplane.Workspaces().Put(tx, sc, id, ws); err != nil {
				return err
			}
			if err := desktops.DesktopRecords().Put(tx, desktops.NodeScope(node), desktops.DesktopID(sc, id),
				&desktops.DesktopRecord{Account: sc.Account, Region: sc.Region, WorkspaceID: id}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := w.e.App.WebAccess.ResetConnections(ctx, "n1")
	if err != nil || n != 1 {
		t.Fatalf("ResetConnections: %d %v", n, err)
	}
	if got := w.connection(mine).ConnectionState; got != wstypes.ConnectionStateDisconnected {
		t.Fatalf("this node's WorkSpace: %s", got)
	}
	if got := w.connection(theirs).ConnectionState; got != wstypes.ConnectionStateConnected {
		t.Fatalf("another node's WorkSpace: %s", got)
	}
	if n, err := w.e.App.WebAccess.ResetConnections(ctx, "n1"); err != nil || n != 0 {
		t.Fatalf("again: %d %v", n, err)
	}
}
