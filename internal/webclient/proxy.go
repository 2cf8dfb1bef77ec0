package webclient

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/access"
	"github.com/deskplane/deskplane/internal/service/webaccess"
)

// desktopConn is one open desktop connection: a WebSocket proxied to a
// desktop's VNC socket.
type desktopConn struct {
	session [32]byte
	cancel  context.CancelCauseFunc
}

// errTakenOver ends a connection when the user opens the same WorkSpace
// again (in another tab): a WorkSpace has one session at a time.
var errTakenOver = errors.New("the WorkSpace was opened again in another window")

func connKey(sc deskplane.Scope, id string) string { return sc.Account + "/" + sc.Region + "/" + id }

// websocket proxies the desktop of one WorkSpace. The request must carry
// the session cookie and a ticket the session's desktop page was given for
// this WorkSpace, unused and less than a minute old; it must come from
// this web client's own pages (the Origin check of the WebSocket
// handshake).
func (h *Handler) websocket(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	tok, ses, ok := h.session(r)
	if !ok {
		h.d.Log.Warn("web client: desktop connection refused: no session", "remote", r.RemoteAddr)
		http.Error(w, "Sign in first.", http.StatusUnauthorized)
		return
	}
	if !h.sessions.redeem(tok, id, r.URL.Query().Get("ticket")) {
		h.d.Log.Warn("web client: desktop connection refused: missing, used or foreign ticket", "workspace", id, "remote", r.RemoteAddr)
		http.Error(w, "This desktop link was used already or has expired. Open the WorkSpace again from your list.", http.StatusForbidden)
		return
	}
	if h.d.Desktops == nil {
		http.Error(w, noDesktops, http.StatusServiceUnavailable)
		return
	}
	ctx := r.Context()
	addr := clientAddr(r)
	if err := h.d.Access.Connectable(ctx, ses.id, id); err != nil {
		status, msg := h.status(err)
		http.Error(w, msg, status)
		return
	}
	network, address, err := h.d.Desktops.Endpoint(ctx, id)
	if err != nil {
		h.d.Log.Warn("web client: the desktop has no endpoint", "workspace", id, "err", err)
		http.Error(w, "WorkSpace Status: Unhealthy. We were unable to connect you to your WorkSpace. Please try again in a few minutes.", http.StatusServiceUnavailable)
		return
	}
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	vnc, err := d.DialContext(dctx, network, address)
	cancel()
	if err != nil {
		h.d.Log.Warn("web client: dialing the desktop failed", "workspace", id, "err", err)
		http.Error(w, "WorkSpace Status: Unhealthy. We were unable to connect you to your WorkSpace. Please try again in a few minutes.", http.StatusServiceUnavailable)
		return
	}
	defer vnc.Close()
	// A desktop connection lasts hours: lift the server's deadlines,
	// which stay on the connection after the handshake takes it over.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"binary"}})
	if err != nil {
		h.d.Log.Warn("web client: WebSocket handshake refused", "workspace", id, "remote", r.RemoteAddr, "err", err)
		return // Accept answered
	}
	c.SetReadLimit(1 << 20)
	if err := h.d.Access.Connect(context.WithoutCancel(ctx), ses.id, id, addr); err != nil {
		_, msg := h.status(err)
		c.Close(websocket.StatusPolicyViolation, truncate(msg))
		return
	}
	h.serveDesktop(ctx, c, vnc, ses.id, hashKey(tok), id)
}

// serveDesktop copies bytes both ways until either side ends, the
// WorkSpace stops being connectable, the session ends, or the WorkSpace
// is opened again elsewhere; then it records the disconnection.
func (h *Handler) serveDesktop(ctx context.Context, c *websocket.Conn, vnc net.Conn, who webaccess.Identity, sesKey [32]byte, id string) {
	ctx, cancel := context.WithCancelCause(ctx)
	key := connKey(who.Scope, id)
	me := &desktopConn{session: sesKey, cancel: cancel}
	h.mu.Lock()
	if prev := h.conns[key]; prev != nil {
		prev.cancel(errTakenOver)
	}
	h.conns[key] = me
	h.mu.Unlock()
	h.d.Log.Info("web client: desktop connected", "workspace", id, "user", who.UserName)

	defer func() {
		h.mu.Lock()
		last := h.conns[key] == me
		if last {
			delete(h.conns, key)
		}
		h.mu.Unlock()
		if last {
			if err := h.d.Access.Disconnect(context.WithoutCancel(ctx), who.Scope, id); err != nil {
				h.d.Log.Error("web client: recording a disconnection failed", "workspace", id, "err", err)
			}
		}
		h.d.Log.Info("web client: desktop disconnected", "workspace", id, "user", who.UserName, "why", context.Cause(ctx))
	}()

	// Not ctx: cancelling a read of the WebSocket would drop it without
	// the close frame that tells the page why.
	ws := websocket.NetConn(context.WithoutCancel(ctx), c, websocket.MessageBinary)
	go func() {
		_, err := io.Copy(vnc, ws)
		cancel(orEOF(err, "the browser closed the connection"))
	}()
	go func() {
		_, err := io.Copy(ws, vnc)
		cancel(orEOF(err, "the desktop closed the connection"))
	}()
	go h.watch(ctx, cancel, who, sesKey, id)
	<-ctx.Done()
	_ = vnc.Close()
	reason := "Disconnected."
	var ref *webaccess.Refusal
	if cause := context.Cause(ctx); errors.As(cause, &ref) {
		reason = ref.Message
	} else if errors.Is(cause, errTakenOver) {
		reason = "Your WorkSpace was opened in another window."
	}
	_ = c.Close(websocket.StatusNormalClosure, truncate(reason))
}

func orEOF(err error, what string) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return errors.New(what)
	}
	return err
}

// watch ends the connection when the WorkSpace stops being connectable
// (stopped, terminated, in maintenance …) or the session ends.
func (h *Handler) watch(ctx context.Context, cancel context.CancelCauseFunc, who webaccess.Identity, sesKey [32]byte, id string) {
	t := time.NewTicker(h.d.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !h.sessions.alive(sesKey) {
			cancel(errors.New("the session ended"))
			return
		}
		if err := h.d.Access.Connectable(ctx, who, id); err != nil {
			if ref, ok := webaccess.IsRefusal(err); ok {
				if ref.Reason == webaccess.NoSuchWorkspace {
					// It was the user's a moment ago: it has gone.
					_, why := access.CanConnect(&deskplane.Workspace{State: deskplane.WorkspaceTerminated})
					err = &webaccess.Refusal{Reason: webaccess.NotConnectable, Message: why}
				}
				cancel(err)
				return
			}
			h.d.Log.Warn("web client: checking an open connection failed", "workspace", id, "err", err)
		}
	}
}

// closeSession ends the desktop connections of a session (sign-out).
func (h *Handler) closeSession(sesKey [32]byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.conns {
		if c.session == sesKey {
			c.cancel(errors.New("the user signed out"))
		}
	}
}

// OpenConnections is the number of desktop connections open now.
func (h *Handler) OpenConnections() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

// truncate keeps a close reason within the 123 bytes a WebSocket close
// frame allows.
func truncate(s string) string {
	if len(s) <= 120 {
		return s
	}
	cut := 117
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "..."
}
