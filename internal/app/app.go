package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/bolt"
	"github.com/deskplane/deskplane/internal/control"
	"github.com/deskplane/deskplane/internal/desktop/local"
	"github.com/deskplane/deskplane/internal/desktop/reconcile"
	"github.com/deskplane/deskplane/internal/httpx"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/memory"
	"github.com/deskplane/deskplane/internal/metrics"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/postgres"
	"github.com/deskplane/deskplane/internal/service"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/service/webaccess"
	"github.com/deskplane/deskplane/internal/sigv4"
)

// DefaultCredential is the credential deskplane accepts when no
// credentials file is given: the usual emulator habit.
func DefaultCredential() sigv4.Credential {
	return sigv4.Credential{AccessKeyID: "test", SecretAccessKey: "test", Account: "000000000000"}
}

// App is one running deskplane.
type App struct {
	Config  Config
	Store   deskplane.Store // raw store
	Clock   *lifecycle.VirtualClock
	Engine  *lifecycle.Engine
	Timing  *control.Timing
	Faults  *control.Faults
	Service *service.Service
	Handler http.Handler
	// Pages seals page tokens with the store's key; Serve puts it in every
	// request's context (docs/decisions/0143-page-tokens.md).
	Pages       *paging.Codec
	Credentials []sigv4.Credential
	AdminToken  string
	// DataLocation says where state lives, for the start-up banner.
	DataLocation string
	// Metrics are served on GET /metrics.
	Metrics *metrics.Metrics
	// Desktops are the real desktops of -desktops local (nil for none),
	// and Reconciler makes the WorkSpaces lifecycle follow them.
	Desktops   *local.Provider
	Reconciler *reconcile.Reconciler
	// WebAccess is the web client's service side (sign-in, connections).
	WebAccess *webaccess.Service

	log       *slog.Logger
	chain     *httpx.Chain
	closeOnce sync.Once
}

// Options are the dependencies a caller may inject (tests).
type Options struct {
	Log  io.Writer        // log output; nil = discard
	Wall func() time.Time // wall clock under the service clock; nil = time.Now
	// Engine tunes the lifecycle engine.
	Engine lifecycle.Options
	// WrapStore, when set, wraps the store once it is open (tests:
	// storetest.ForcedRetries).
	WrapStore func(deskplane.Store) deskplane.Store
	// Limits bound request bodies and answers (zero: the defaults).
	Limits httpx.Limits
}

// New builds the app: opens the store and wires everything. Close releases it.
func New(ctx context.Context, cfg Config, o Options) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &App{Config: cfg}
	a.log = newLogger(cfg, o.Log)

	creds, err := loadCredentials(cfg)
	if err != nil {
		return nil, err
	}
	a.Credentials = creds
	// Checked before the store opens; built again below with the
	// temporary credentials of STS.
	if _, err := newVerifier(cfg, creds, nil); err != nil {
		return nil, err
	}

	raw, loc, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if o.WrapStore != nil {
		raw = o.WrapStore(raw)
	}
	a.Store, a.DataLocation = raw, loc
	store := a.instrument(raw)

	a.AdminToken, err = adminToken(cfg)
	if err != nil {
		store.Close()
		return nil, err
	}

	a.Clock = lifecycle.NewVirtualClock(o.Wall)
	if err := lifecycle.LoadClock(ctx, store, a.Clock); err != nil {
		store.Close()
		return nil, err
	}
	if a.Pages, err = paging.LoadCodec(ctx, store); err != nil {
		store.Close()
		return nil, err
	}
	a.Desktops, a.Reconciler, err = a.openDesktops(cfg, a.Clock)
	if err != nil {
		store.Close()
		return nil, err
	}
	if a.Reconciler != nil {
		store = a.Reconciler.Store(store)
	}
	a.Engine = lifecycle.New(store, a.Clock, a.log, a.engineOptions(o.Engine))
	if a.Reconciler != nil {
		a.Reconciler.SetStore(a.Engine.Store())
	}
	a.Timing, err = control.NewTiming(cfg.Timing)
	if err != nil {
		store.Close()
		return nil, err
	}
	a.Faults = control.NewFaults(o.Wall)

	quotas := deskplane.DefaultQuotas()
	quotas.Workspaces, quotas.Images, quotas.Bundles, quotas.Pools = cfg.QuotaWorkspaces, cfg.QuotaImages, cfg.QuotaBundles, cfg.QuotaPools
	quotas.DSSimpleAD, quotas.DSMicrosoftAD, quotas.DSConnectors = cfg.QuotaSimpleAD, cfg.QuotaMSAD, cfg.QuotaConnectors
	quotas.GraphicsWorkspaces = cfg.QuotaGraphicsWorkspaces
	regions, _ := cfg.RegionList() // validated above
	senv := env.Env{
		Store:   a.Engine.Store(),
		Clock:   a.Clock,
		Timing:  a.Timing,
		Rules:   deskplane.DefaultRules(),
		Quotas:  quotas,
		Log:     a.log,
		Regions: regions,
		Strict:  cfg.Strict,
	}
	if a.Desktops != nil {
		senv.Node = cfg.NodeName
	}
	a.Service, err = service.New(senv)
	if err != nil {
		store.Close()
		return nil, err
	}
	a.Service.RegisterTimers(a.Engine)
	verifier, err := newVerifier(cfg, creds, sessionSource{a.Service.Sessions()})
	if err != nil {
		store.Close()
		return nil, err
	}

	ctlDeps := control.Deps{
		Token:  a.AdminToken,
		Store:  a.Engine.Store(),
		Clock:  a.Clock,
		Engine: a.Engine,
		Timing: a.Timing,
		Faults: a.Faults,
		Routes: func(mux *http.ServeMux) {
			control.ImageRoutes(mux, a.Service.Images())
			control.DirectoryRoutes(mux, a.Service.Directories())
			control.WorkspaceRoutes(mux, a.Service.Workspaces())
			control.PoolRoutes(mux, a.Service.Pools())
		},
	}
	ctl := control.NewHandler(ctlDeps)
	var desktops deskplane.Desktops
	if a.Desktops != nil {
		desktops = a.Desktops
	}
	web, err := a.webClient(senv, desktops)
	if err != nil {
		store.Close()
		return nil, err
	}
	if desktops != nil {
		// Connections to this node's desktops ended with the last run.
		if n, err := a.WebAccess.ResetConnections(ctx, senv.Node); err != nil {
			a.log.Warn("web client: recording the connections a restart ended failed", "err", err)
		} else if n > 0 {
			a.log.Info("web client: connections ended by the restart recorded as DISCONNECTED", "workspaces", n)
		}
	}
	a.Handler = a.routes(verifier, ctl, a.console(ctlDeps, regions), web, o.Limits)
	return a, nil
}

func openStore(ctx context.Context, cfg Config) (deskplane.Store, string, error) {
	switch {
	case cfg.InMemory:
		return memory.New(), "memory (lost at exit)", nil
	case cfg.Postgres != "":
		s, err := postgres.Open(ctx, cfg.Postgres, postgres.Options{})
		if err != nil {
			return nil, "", fmt.Errorf("-postgres %s: %w", redactDSN(cfg.Postgres), err)
		}
		return s, "postgres " + redactDSN(cfg.Postgres), nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, "", fmt.Errorf("-data-dir: %w", err)
	}
	path := filepath.Join(cfg.DataDir, "deskplane.db")
	s, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		return nil, "", storeOpenError(cfg, path, err)
	}
	return s, path, nil
}

// redactDSN hides a password in a DSN for the banner.
func redactDSN(dsn string) string {
	if at := strings.LastIndex(dsn, "@"); at > 0 {
		if i := strings.Index(dsn, "://"); i >= 0 && i < at {
			userinfo := dsn[i+3 : at]
			if u, _, ok := strings.Cut(userinfo, ":"); ok {
				return dsn[:i+3] + u + ":***" + dsn[at:]
			}
		}
	}
	return dsn
}

// adminToken returns the configured token, or one kept in the data
// directory (created on first start), or a fresh one for stores without a
// directory.
func adminToken(cfg Config) (string, error) {
	if cfg.AdminToken != "" {
		return cfg.AdminToken, nil
	}
	fresh := func() string {
		var b [16]byte
		_, _ = rand.Read(b[:])
		return hex.EncodeToString(b[:])
	}
	if cfg.InMemory || cfg.Postgres != "" {
		return fresh(), nil
	}
	path := filepath.Join(cfg.DataDir, "admin-token")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	tok := fresh()
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("writing admin token: %w", err)
	}
	return tok, nil
}

// Close releases the store. Serve calls it on the way out.
func (a *App) Close() error {
	var err error
	a.closeOnce.Do(func() {
		err = a.Store.Close()
		if a.Desktops != nil {
			// Desktops keep running: the next start adopts them.
			_ = a.Desktops.Close()
		}
	})
	return err
}
