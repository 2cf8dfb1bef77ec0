package webclient_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	wstypes "github.com/aws/aws-sdk-go-v2/service/workspaces/types"
	"github.com/coder/websocket"

	"github.com/deskplane/deskplane/internal/apptest"
)

func TestConnectThroughTheProxy(t *testing.T) {
	w := newWorld(t, options{})
	w.allowWeb(true)
	w.user("alice", pw)
	id := w.workspace("alice", wstypes.RunningModeAlwaysOn)
	if got := w.connection(id).ConnectionState; got == wstypes.ConnectionStateConnected {
		t.Fatalf("before any connection: %s", got)
	}
	b := w.browser()
	b.signedIn("alice", pw)
	c, resp, err := b.dial(b.desktopURL(id))
	if err != nil {
		t.Fatalf("WebSocket: %v (%v)", err, resp)
	}
	rc := rfbOver(t, c)
	if rc.Width != 64 || rc.Height != 48 || rc.Name != "fake desktop" {
		t.Fatalf("ServerInit through the proxy: %dx%d %q", rc.Width, rc.Height, rc.Name)
	}
	st := w.connection(id)
	if st.ConnectionState != wstypes.ConnectionStateConnected || st.LastKnownUserConnectionTimestamp == nil {
		t.Fatalf("while connected: %s %v", st.ConnectionState, st.LastKnownUserConnectionTimestamp)
	}
	if _, body := b.get("/client/workspaces.json"); !strings.Contains(body, `"connected":true`) {
		t.Fatalf("the list does not show the connection: %s", body)
	}
	connectedAt := *st.LastKnownUserConnectionTimestamp
	w.e.Advance(10 * time.Minute)
	c.Close(websocket.StatusNormalClosure, "")
	eventually(t, "DISCONNECTED after the browser closes", func() bool {
		return w.connection(id).ConnectionState == wstypes.ConnectionStateDisconnected
	})
	if last := w.connection(id).LastKnownUserConnectionTimestamp; last == nil || !last.After(connectedAt) {
		t.Fatalf("LastKnownUserConnectionTimestamp after the disconnection: %v (connected at %v)", last, connectedAt)
	}
	eventually(t, "the desktop side closed", func() bool { return w.desk.conns.Load() == 0 })
}

func TestWebSocketFromTheAttackersSide(t *testing.T) {
	w := newWorld(t, options{})
	w.allowWeb(true)
	w.user("alice", pw)
	w.user("mallory", pw)
	alices := w.workspace("alice", wstypes.RunningModeAlwaysOn)
	w.workspace("mallory", wstypes.RunningModeAlwaysOn)

	alice := w.browser()
	alice.signedIn("alice", pw)
	mallory := w.browser()
	mallory.signedIn("mallory", pw)

	// Mallory cannot open alice's desktop page, nor learn it exists.
	if st, body := mallory.get("/client/desktop/" + alices); st != http.StatusNotFound || strings.Contains(body, "data-ws") {
		t.Fatalf("another user's desktop page: %d", st)
	}
	u := alice.desktopURL(alices)
	// Alice's ticket with Mallory's session: refused, and used up.
	if _, resp, err := mallory.dial(u); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("another session's ticket: %v %v", err, resp)
	}
	if _, resp, err := alice.dial(u); err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a ticket someone else tried: %v %v", err, resp)
	}
	// No session at all.
	u = alice.desktopURL(alices)
	anon := w.browser()
	if _, resp, err := anon.dial(u); err == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without a session: %v %v", err, resp)
	}
	// A ticket for one WorkSpace does not open another.
	u = alice.desktopURL(alices)
	other := strings.Replace(u, alices, "ws-0000000000", 1)
	if _, resp, err := alice.dial(other); err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a ticket for another WorkSpace: %v %v", err, resp)
	}
	// No ticket.
	if _, resp, err := alice.dial("/client/ws/" + alices); err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("without a ticket: %v %v", err, resp)
	}
	// A page of another site cannot open the WebSocket with alice's
	// cookies (the handshake's Origin check).
	u = alice.desktopURL(alices)
	hdr := http.Header{}
	for _, c := range alice.jar.Cookies(mustURL(w.srv.URL + "/client/ws/")) {
		hdr.Add("Cookie", c.String())
	}
	hdr.Set("Origin", "https://evil.example")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(w.srv.URL, "http")+u, &websocket.DialOptions{HTTPHeader: hdr}); err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin WebSocket: %v %v", err, resp)
	}
	if got := w.connection(alices).ConnectionState; got == wstypes.ConnectionStateConnected {
		t.Fatal("a refused WebSocket marked the WorkSpace CONNECTED")
	}
	// The real one works once, and its URL cannot be replayed.
	u = alice.desktopURL(alices)
	c, _, err := alice.dial(u)
	if err != nil {
		t.Fatal(err)
	}
	rfbOver(t, c)
	if _, resp, err := alice.dial(u); err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a replayed WebSocket URL: %v %v", err, resp)
	}
	c.Close(websocket.StatusNormalClosure, "")
}

func TestStopAndTerminateCloseTheSession(t *testing.T) {
	w := newWorld(t, options{})
	w.allowWeb(true)
	w.user("alice", pw)
	id := w.workspace("alice", wstypes.RunningModeManual)
	b := w.browser()
	b.signedIn("alice", pw)
	c, _, err := b.dial(b.desktopURL(id))
	if err != nil {
		t.Fatal(err)
	}
	rfbOver(t, c)
	ws := w.e.WS(apptest.AccountA)
	if _, err := ws.StopWorkspaces(w.e.Ctx(), &workspaces.StopWorkspacesInput{StopWorkspaceRequests: []wstypes.StopRequest{{WorkspaceId: aws.String(id)}}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, _, err = c.Read(ctx)
	if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("the open session after StopWorkspaces: %v", err)
	}
	var ce websocket.CloseError
	if !asClose(err, &ce) || !strings.HasPrefix(ce.Reason, "WorkSpace Status: Stop") {
		t.Fatalf("close reason: %v", err)
	}
	eventually(t, "DISCONNECTED after the stop", func() bool {
		return w.connection(id).ConnectionState == wstypes.ConnectionStateDisconnected
	})
	w.e.Advance(time.Hour)
	if st, body := b.get("/client/desktop/" + id); st != http.StatusSeeOther {
		t.Fatalf("desktop page of a STOPPED MANUAL WorkSpace: %d %s", st, body)
	}
	if _, body := b.get("/client/workspaces"); !strings.Contains(body, "WorkSpace Status: Stopped.") {
		t.Fatalf("the reason is not shown: %s", body)
	}

	// Terminate closes an open session too.
	if _, err := ws.StartWorkspaces(w.e.Ctx(), &workspaces.StartWorkspacesInput{StartWorkspaceRequests: []wstypes.StartRequest{{WorkspaceId: aws.String(id)}}}); err != nil {
		t.Fatal(err)
	}
	w.e.Advance(time.Hour)
	c, _, err = b.dial(b.desktopURL(id))
	if err != nil {
		t.Fatal(err)
	}
	rfbOver(t, c)
	if _, err := ws.TerminateWorkspaces(w.e.Ctx(), &workspaces.TerminateWorkspacesInput{TerminateWorkspaceRequests: []wstypes.TerminateRequest{{WorkspaceId: aws.String(id)}}}); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Read(ctx)
	if !asClose(err, &ce) || !strings.HasPrefix(ce.Reason, "WorkSpace Status: Terminated") {
		t.Fatalf("the open session after TerminateWorkspaces: %v", err)
	}
}

func asClose(err error, ce *websocket.CloseError) bool {
	for err != nil {
		if c, ok := err.(websocket.CloseError); ok {
			*ce = c
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func TestStatesRefuseConnections(t *testing.T) {
	w := newWorld(t, options{})
	w.allowWeb(true)
	w.user("alice", pw)
	id := w.workspace("alice", wstypes.RunningModeAlwaysOn)
	ws := w.e.WS(apptest.AccountA)
	if _, err := ws.ModifyWorkspaceState(w.e.Ctx(), &workspaces.ModifyWorkspaceStateInput{WorkspaceId: aws.String(id), WorkspaceState: wstypes.TargetWorkspaceStateAdminMaintenance}); err != nil {
		t.Fatal(err)
	}
	b := w.browser()
	b.signedIn("alice", pw)
	if st, _ := b.get("/client/desktop/" + id); st != http.StatusSeeOther {
		t.Fatalf("ADMIN_MAINTENANCE desktop page: %d", st)
	}
	if _, body := b.get("/client/workspaces"); !strings.Contains(body, "WorkSpace Status: Maintenance.") {
		t.Fatalf("maintenance reason missing: %s", body)
	}
	// A ticket minted while AVAILABLE does not connect once the state
	// changed.
	if _, err := ws.ModifyWorkspaceState(w.e.Ctx(), &workspaces.ModifyWorkspaceStateInput{WorkspaceId: aws.String(id), WorkspaceState: wstypes.TargetWorkspaceStateAvailable}); err != nil {
		t.Fatal(err)
	}
	u := b.desktopURL(id)
	if _, err := ws.ModifyWorkspaceState(w.e.Ctx(), &workspaces.ModifyWorkspaceStateInput{WorkspaceId: aws.String(id), WorkspaceState: wstypes.TargetWorkspaceStateAdminMaintenance}); err != nil {
		t.Fatal(err)
	}
	if _, resp, err := b.dial(u); err == nil || resp.StatusCode != http.StatusConflict {
		t.Fatalf("WebSocket to an ADMIN_MAINTENANCE WorkSpace: %v %v", err, resp)
	}
}

func TestAutoStopStartsOnSignInAndCountsFromDisconnect(t *testing.T) {
	w := newWorld(t, options{})
	w.allowWeb(true)
	w.user("alice", pw)
	id := w.workspace("alice", wstypes.RunningModeAutoStop)
	ws := w.e.WS(apptest.AccountA)
	if _, err := ws.StopWorkspaces(w.e.Ctx(), &workspaces.StopWorkspacesInput{StopWorkspaceRequests: []wstypes.StopRequest{{WorkspaceId: aws.String(id)}}}); err != nil {
		t.Fatal(err)
	}
	w.e.Advance(time.Hour)
	if s := w.state(id); s != wstypes.WorkspaceStateStopped {
		t.Fatalf("stopped: %s", s)
	}
	b := w.browser()
	b.signedIn("alice", pw)
	if s := w.state(id); s != wstypes.WorkspaceStateStarting && s != wstypes.WorkspaceStateAvailable {
		t.Fatalf("an AUTO_STOP WorkSpace after sign-in: %s, want STARTING", s)
	}
	w.e.Advance(10 * time.Minute)
	if s := w.state(id); s != wstypes.WorkspaceStateAvailable {
		t.Fatalf("started: %s", s)
	}
	c, _, err := b.dial(b.desktopURL(id))
	if err != nil {
		t.Fatal(err)
	}
	rfbOver(t, c)
	// Connected: AutoStop leaves it running however long.
	w.e.Advance(3 * time.Hour)
	if s := w.state(id); s != wstypes.WorkspaceStateAvailable {
		t.Fatalf("connected for 3 hours: %s", s)
	}
	c.Close(websocket.StatusNormalClosure, "")
	eventually(t, "DISCONNECTED", func() bool {
		return w.connection(id).ConnectionState == wstypes.ConnectionStateDisconnected
	})
	w.e.Advance(59 * time.Minute)
	if s := w.state(id); s != wstypes.WorkspaceStateAvailable {
		t.Fatalf("59 minutes after the disconnection: %s", s)
	}
	w.e.Advance(2 * time.Minute)
	if s := w.state(id); s != wstypes.WorkspaceStateStopping && s != wstypes.WorkspaceStateStopped {
		t.Fatalf("61 minutes after the disconnection: %s, want STOPPING", s)
	}
}

func TestSecondWindowTakesOver(t *testing.T) {
	w := newWorld(t, options{})
	w.allowWeb(true)
	w.user("alice", pw)
	id := w.workspace("alice", wstypes.RunningModeAlwaysOn)
	b := w.browser()
	b.signedIn("alice", pw)
	first, _, err := b.dial(b.desktopURL(id))
	if err != nil {
		t.Fatal(err)
	}
	rfbOver(t, first)
	second, _, err := b.dial(b.desktopURL(id))
	if err != nil {
		t.Fatal(err)
	}
	rfbOver(t, second)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, _, err := first.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("the first window: %v", err)
	}
	if got := w.connection(id).ConnectionState; got != wstypes.ConnectionStateConnected {
		t.Fatalf("the second window is open: %s", got)
	}
	if w.h.OpenConnections() != 1 {
		t.Fatalf("open connections: %d", w.h.OpenConnections())
	}
	// Sign-out closes it.
	_, page := b.get("/client/workspaces")
	b.post("/client/signout", map[string][]string{"csrf": {find(csrfRE, page)}})
	if _, _, err := second.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("after sign-out: %v", err)
	}
	eventually(t, "DISCONNECTED after sign-out", func() bool {
		return w.connection(id).ConnectionState == wstypes.ConnectionStateDisconnected
	})
}
