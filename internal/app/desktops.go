package app

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/desktop/local"
	"github.com/deskplane/deskplane/internal/desktop/reconcile"
	"github.com/deskplane/deskplane/internal/rfb"
	"github.com/deskplane/deskplane/internal/webclient"
)

// openDesktops opens the desktops of -desktops (nil for none) and the
// reconciler that makes the WorkSpaces lifecycle follow them
// (docs/decisions/0184-desktop-reconciler.md). The reconciler's store is
// set once the engine's store exists.
func (a *App) openDesktops(cfg Config, clock deskplane.Clock) (*local.Provider, *reconcile.Reconciler, error) {
	if cfg.Desktops != DesktopsLocal {
		return nil, nil, nil
	}
	if missing := local.Missing(); len(missing) > 0 {
		return nil, nil, fmt.Errorf("-desktops local needs %s (see README, Real desktops: apt-get install tigervnc-standalone-server tigervnc-tools openbox xterm bubblewrap)", strings.Join(missing, ", "))
	}
	p, err := local.New(local.Options{Dir: cfg.DesktopDirectory(), UIDBase: cfg.DesktopUIDs})
	if err != nil {
		return nil, nil, fmt.Errorf("-desktops local: %w", err)
	}
	rec := reconcile.New(nil, p, clock, reconcile.Options{Node: cfg.NodeName, Log: a.log.With("component", "desktops")})
	for _, st := range []deskplane.DesktopState{deskplane.DesktopRunning, deskplane.DesktopStopped, deskplane.DesktopUnhealthy} {
		a.Metrics.Gauge("deskplane_desktops_"+string(st), "This node's desktops that were "+string(st)+" at the reconciler's last health pass.",
			func() float64 { return float64(rec.Count(st)) })
	}
	a.Metrics.Gauge("deskplane_desktops_busy", "This node's desktops the reconciler's workers are acting on now.",
		func() float64 { return float64(rec.Busy()) })
	return p, rec, nil
}

// runDesktops runs the reconciler until ctx ends; it returns at once
// without desktops.
func (a *App) runDesktops(ctx context.Context) {
	if a.Reconciler != nil {
		_ = a.Reconciler.Run(ctx)
	}
}

// consoleDesktops shows the console which WorkSpaces have a running
// desktop on this node, and their screens.
type consoleDesktops struct {
	store deskplane.Store
	node  string
	port  deskplane.Desktops
}

// mine reports whether the WorkSpace of scope sc is this node's.
func (c consoleDesktops) mine(ctx context.Context, sc deskplane.Scope, ids []string) map[string]bool {
	out := make(map[string]bool, len(ids))
	_ = c.store.View(ctx, func(tx deskplane.Tx) error {
		for _, id := range ids {
			ws, ok, err := deskplane.Workspaces().Get(tx, sc, id)
			if err != nil {
				return err
			}
			out[id] = ok && ws.Node == c.node
		}
		return nil
	})
	return out
}

func (c consoleDesktops) Running(ctx context.Context, sc deskplane.Scope, ids []string) map[string]bool {
	out := make(map[string]bool, len(ids))
	for id, mine := range c.mine(ctx, sc, ids) {
		if !mine {
			continue
		}
		st, err := c.port.Status(ctx, id)
		out[id] = err == nil && st.State == deskplane.DesktopRunning
	}
	return out
}

func (c consoleDesktops) Thumbnail(ctx context.Context, sc deskplane.Scope, id string, width int) ([]byte, bool, error) {
	if !c.mine(ctx, sc, []string{id})[id] {
		return nil, false, nil
	}
	st, err := c.port.Status(ctx, id)
	if err != nil || st.State != deskplane.DesktopRunning {
		return nil, false, nil
	}
	png, err := screenPNG(strings.TrimPrefix(st.Endpoint, "unix:"), width)
	return png, err == nil, err
}

// ConnectURL is the WorkSpace's desktop in the web client, which asks
// its user to sign in first (decision 0251).
func (c consoleDesktops) ConnectURL(_ deskplane.Scope, id string) string {
	return webclient.Prefix + "desktop/" + id
}

// screenPNG reads one full framebuffer update from the VNC socket and
// returns it as a PNG at most width pixels wide.
func screenPNG(socket string, width int) ([]byte, error) {
	c, err := rfb.Dial("unix", socket, rfb.Options{}, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if err := c.RequestUpdate(false); err != nil {
		return nil, err
	}
	if err := c.ReadUpdate(); err != nil {
		return nil, err
	}
	src := c.Image()
	b := src.Bounds()
	if width <= 0 || width > b.Dx() {
		width = b.Dx()
	}
	height := max(1, b.Dy()*width/max(1, b.Dx()))
	dst := image.NewRGBA(image.Rect(0, 0, width, height))
	for y := range height {
		for x := range width {
			dst.Set(x, y, src.At(b.Min.X+x*b.Dx()/width, b.Min.Y+y*b.Dy()/height))
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, dst); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
