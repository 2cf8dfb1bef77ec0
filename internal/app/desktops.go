package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/desktop/local"
	"github.com/deskplane/deskplane/internal/desktop/reconcile"
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
	return p, rec, nil
}

// runDesktops runs the reconciler until ctx ends; it returns at once
// without desktops.
func (a *App) runDesktops(ctx context.Context) {
	if a.Reconciler != nil {
		_ = a.Reconciler.Run(ctx)
	}
}
