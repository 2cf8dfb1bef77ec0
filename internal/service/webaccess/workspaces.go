package webaccess

import (
	"context"
	"net/netip"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/access"
	"github.com/deskplane/deskplane/desktops"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Workspace is one of the user's WorkSpaces as the client lists it.
type Workspace struct {
	ID           string
	Name         string // ComputerName, or the id while it has none
	State        deskplane.WorkspaceState
	RunningMode  deskplane.RunningMode
	BundleID     string
	Connected    bool
	CanConnect   access.Connectability
	Reason       string // why not, when CanConnect is not Connectable
	LastSeen     time.Time
	ComputeType  string
	OperatingSys string
}

func view(ws *deskplane.Workspace) Workspace {
	c, why := access.CanConnect(ws)
	name := ws.ComputerName
	if name == "" {
		name = ws.ID
	}
	return Workspace{ID: ws.ID, Name: name, State: ws.State, RunningMode: ws.RunningMode, BundleID: ws.BundleID,
		Connected: ws.ConnectionState == deskplane.ConnectionConnected, CanConnect: c, Reason: why,
		LastSeen: ws.LastKnownUserConnection, ComputeType: string(ws.ComputeType), OperatingSys: string(ws.OperatingSystemName)}
}

// owns reports whether the WorkSpace is the user's: in the directory, with
// the user's name.
func owns(id Identity, ws *deskplane.Workspace) bool {
	return ws.DirectoryID == id.DirectoryID && strings.EqualFold(ws.UserName, id.UserName)
}

// Workspaces lists the user's own WorkSpaces, in creation order.
func (s *Service) Workspaces(ctx context.Context, id Identity, addr netip.Addr) ([]Workspace, error) {
	var out []Workspace
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		out = out[:0]
		if err := s.checkTx(tx, id, addr); err != nil {
			return err
		}
		return deskplane.Workspaces().Each(tx, id.Scope, 0, func(_ int64, ws *deskplane.Workspace) (bool, error) {
			if owns(id, ws) {
				out = append(out, view(ws))
			}
			return true, nil
		})
	})
	return out, err
}

// Workspace returns one of the user's WorkSpaces; another's, or one that
// does not exist, is NoSuchWorkspace.
func (s *Service) Workspace(ctx context.Context, id Identity, wsID string) (Workspace, error) {
	var out Workspace
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		ws, err := ownWorkspace(tx, id, wsID)
		if err != nil {
			return err
		}
		out = view(ws)
		return nil
	})
	return out, err
}

func ownWorkspace(tx deskplane.Tx, id Identity, wsID string) (*deskplane.Workspace, error) {
	ws, ok, err := deskplane.Workspaces().Get(tx, id.Scope, wsID)
	if err != nil {
		return nil, err
	}
	if !ok || !owns(id, ws) {
		return nil, refuse(NoSuchWorkspace, msgNoWorkspace)
	}
	return ws, nil
}

// startStopped starts the user's STOPPED AUTO_STOP WorkSpaces, as the
// client does at sign-in. A failure is logged, not returned: the user sees
// the WorkSpace's state.
func (s *Service) startStopped(ctx context.Context, id Identity) {
	var ids []string
	_ = s.Store.View(ctx, func(tx deskplane.Tx) error {
		ids = ids[:0]
		return deskplane.Workspaces().Each(tx, id.Scope, 0, func(_ int64, ws *deskplane.Workspace) (bool, error) {
			if owns(id, ws) && ws.State == deskplane.WorkspaceStopped && ws.RunningMode == deskplane.RunningModeAutoStop {
				ids = append(ids, ws.ID)
			}
			return true, nil
		})
	})
	for _, wsID := range ids {
		s.start(ctx, id, wsID)
	}
}

func (s *Service) start(ctx context.Context, id Identity, wsID string) {
	if s.WorkSpaces == nil {
		return
	}
	cctx := deskplane.WithCaller(ctx, deskplane.Caller{Account: id.Scope.Account, Region: id.Scope.Region, Operation: "StartWorkspaces"})
	out, err := s.WorkSpaces.StartWorkspaces(cctx, &wsapi.StartWorkspacesRequest{
		StartWorkspaceRequests: []wsapi.StartRequest{{WorkspaceId: &wsID}},
	})
	switch {
	case err != nil:
		s.Logger().Warn("web client: starting an AUTO_STOP WorkSpace failed", "workspace", wsID, "err", err)
	case len(out.FailedRequests) > 0:
		f := out.FailedRequests[0]
		s.Logger().Warn("web client: starting an AUTO_STOP WorkSpace failed", "workspace", wsID,
			"code", deref(f.ErrorCode), "message", deref(f.ErrorMessage))
	default:
		s.Logger().Info("web client: started an AUTO_STOP WorkSpace at sign-in", "workspace", wsID, "user", id.UserName)
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Connect checks that the user may connect to the WorkSpace now and
// records the connection: ConnectionState CONNECTED. A STOPPED AUTO_STOP
// WorkSpace is started and answers NotYet.
func (s *Service) Connect(ctx context.Context, id Identity, wsID string, addr netip.Addr) error {
	now := s.Now()
	start := false
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		start = false
		if err := s.checkTx(tx, id, addr); err != nil {
			return err
		}
		ws, err := ownWorkspace(tx, id, wsID)
		if err != nil {
			return err
		}
		switch c, why := access.CanConnect(ws); c {
		case access.Connectable:
		case access.StartsOnSignIn:
			start = true
			return refuse(NotYet, why)
		case access.NotYet:
			return refuse(NotYet, why)
		default:
			return refuse(NotConnectable, why)
		}
		ws.SetConnection(deskplane.ConnectionConnected, now)
		return deskplane.Workspaces().Put(tx, id.Scope, ws.ID, ws)
	})
	if start {
		s.start(ctx, id, wsID)
	}
	return err
}

// Connectable reports whether an open connection may go on: the
// WorkSpace is still the user's and AVAILABLE. The web client asks while a
// session is open, and closes it when the answer is no (a stop, a
// termination, maintenance).
func (s *Service) Connectable(ctx context.Context, id Identity, wsID string) error {
	return s.Store.View(ctx, func(tx deskplane.Tx) error {
		ws, err := ownWorkspace(tx, id, wsID)
		if err != nil {
			return err
		}
		if c, why := access.CanConnect(ws); c != access.Connectable {
			return refuse(NotConnectable, why)
		}
		return nil
	})
}

// Disconnect records that the last connection to the WorkSpace ended:
// ConnectionState DISCONNECTED, LastKnownUserConnectionTimestamp now, and
// an AUTO_STOP WorkSpace's timeout counted from now.
func (s *Service) Disconnect(ctx context.Context, sc deskplane.Scope, wsID string) error {
	now := s.Now()
	return s.Store.Update(ctx, func(tx deskplane.Tx) error {
		ws, ok, err := deskplane.Workspaces().Get(tx, sc, wsID)
		if err != nil || !ok {
			return err
		}
		if ws.ConnectionState != deskplane.ConnectionConnected {
			return nil
		}
		ws.SetConnection(deskplane.ConnectionDisconnected, now)
		if err := deskplane.ScheduleAutoStop(tx, sc, ws, now, s.Rules); err != nil {
			return err
		}
		return deskplane.Workspaces().Put(tx, sc, ws.ID, ws)
	})
}

// ResetConnections records as DISCONNECTED every WorkSpace of this node's
// desktops that a previous run left CONNECTED: only this node reaches
// their desktops, so a restart has closed every connection to them
// (docs/decisions/0253-web-client-connections.md). It returns how many
// it changed.
func (s *Service) ResetConnections(ctx context.Context, node string) (int, error) {
	if node == "" {
		return 0, nil
	}
	type ref struct {
		sc deskplane.Scope
		id string
	}
	var refs []ref
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		refs = refs[:0]
		return desktops.DesktopRecords().Each(tx, desktops.NodeScope(node), 0, func(_ int64, d *desktops.DesktopRecord) (bool, error) {
			refs = append(refs, ref{sc: deskplane.Scope{Account: d.Account, Region: d.Region}, id: d.WorkspaceID})
			return true, nil
		})
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range refs {
		var ws *deskplane.Workspace
		err := s.Store.View(ctx, func(tx deskplane.Tx) error {
			w, ok, err := deskplane.Workspaces().Get(tx, r.sc, r.id)
			if ok {
				ws = w
			} else {
				ws = nil
			}
			return err
		})
		if err != nil {
			return n, err
		}
		if ws == nil || ws.ConnectionState != deskplane.ConnectionConnected || ws.Node != node {
			continue
		}
		if err := s.Disconnect(ctx, r.sc, r.id); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
