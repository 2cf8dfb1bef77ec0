package app

// The transport and operability side of the composition root: credentials
// and their verifier, the httpx chain and the routes of the endpoint,
// metrics, logging, and serving with its timeouts and graceful shutdown.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/deskplane/deskplane/internal/awsjson"
	"github.com/deskplane/deskplane/internal/awsquery"
	"github.com/deskplane/deskplane/internal/console"
	"github.com/deskplane/deskplane/internal/control"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/dsdataapi"
	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/httpx"
	"github.com/deskplane/deskplane/internal/iamapi"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/metrics"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/restjson"
	"github.com/deskplane/deskplane/internal/service/sts"
	"github.com/deskplane/deskplane/internal/sigv4"
	"github.com/deskplane/deskplane/internal/stsapi"
	"github.com/deskplane/deskplane/internal/webclient"
	"github.com/deskplane/deskplane/internal/wireerror"
	"github.com/deskplane/deskplane/internal/wsapi"

	"github.com/deskplane/deskplane"
)

// loadCredentials returns the default credential and those of
// -credentials: the file adds accounts, and replaces the default only by
// defining the key "test" itself.
func loadCredentials(cfg Config) ([]sigv4.Credential, error) {
	def := DefaultCredential()
	if cfg.CredentialsFile == "" {
		return []sigv4.Credential{def}, nil
	}
	f, err := os.Open(cfg.CredentialsFile)
	if err != nil {
		return nil, fmt.Errorf("-credentials: %w", err)
	}
	defer f.Close()
	creds, err := sigv4.ParseCredentials(f)
	if err != nil {
		return nil, fmt.Errorf("-credentials %s: %w", cfg.CredentialsFile, err)
	}
	for _, c := range creds {
		if c.AccessKeyID == def.AccessKeyID {
			return creds, nil
		}
	}
	return append([]sigv4.Credential{def}, creds...), nil
}

// globalRegions are the Regions the global endpoints of IAM and STS sign
// for: served whatever -regions says (docs/decisions/0290-query-protocols-mounted.md).
func globalRegions() map[string]string {
	return map[string]string{iamapi.SigningName: "us-east-1", stsapi.SigningName: "us-east-1"}
}

// sessionSource hands the verifier the temporary credentials of STS.
type sessionSource struct{ sts *sts.Service }

func (s sessionSource) Session(ctx context.Context, accessKeyID, token string) (sigv4.Credential, error) {
	c, err := s.sts.Session(ctx, accessKeyID, token)
	switch {
	case errors.Is(err, sts.ErrInvalidToken):
		return sigv4.Credential{}, sigv4.ErrInvalidSessionToken
	case errors.Is(err, sts.ErrExpiredToken):
		return sigv4.Credential{}, sigv4.ErrExpiredSessionToken
	case err != nil:
		return sigv4.Credential{}, err
	}
	return sigv4.Credential{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, Account: c.Account}, nil
}

// newVerifier builds the SigV4 verifier of the configuration; sessions
// (nil: none) resolves temporary credentials.
func newVerifier(cfg Config, creds []sigv4.Credential, sessions sigv4.SessionSource) (*sigv4.Verifier, error) {
	regions, err := cfg.RegionList()
	if err != nil {
		return nil, err
	}
	opts := sigv4.Options{AcceptAny: cfg.AcceptAnyCreds, Regions: regions, GlobalRegions: globalRegions(), Sessions: sessions}
	if cfg.AcceptAnyCreds {
		opts.AnonymousAccount = AnonymousAccount
		for _, c := range creds {
			if c.Account == AnonymousAccount {
				return nil, fmt.Errorf("-accept-any-credentials: access key %q of -credentials acts for account %s, which is the account of unverified requests; use another account for it", c.AccessKeyID, AnonymousAccount)
			}
		}
	}
	return sigv4.NewVerifier(creds, opts)
}

// instrument returns the store the app works on: raw, measured for the
// metrics.
func (a *App) instrument(raw deskplane.Store) deskplane.Store {
	a.Metrics = metrics.New()
	return a.Metrics.Store(raw)
}

// engineOptions adds the metrics' timer observer to the engine's options.
func (a *App) engineOptions(o lifecycle.Options) lifecycle.Options {
	prev := o.Observe
	o.Observe = func(t deskplane.Timer, firedAt time.Time) {
		a.Metrics.ObserveTimer(t, firedAt)
		if prev != nil {
			prev(t, firedAt)
		}
	}
	return o
}

// routes is the endpoint: the AWS protocols behind the httpx chain, the
// control API, the console, /health and /metrics.
func (a *App) routes(verifier *sigv4.Verifier, ctl, cons, web http.Handler, limits httpx.Limits) http.Handler {
	a.Faults.KnowOperations(wsapi.OperationNames(), dsapi.OperationNames(), dsdataapi.OperationNames(),
		stsapi.OperationNames(), iamapi.OperationNames(), ec2api.OperationNames())
	a.chain = httpx.New(httpx.Config{
		Log:      a.log,
		Verifier: verifier,
		Hook:     a.Faults.Hook,
		Observer: a.Metrics,
		Limits:   limits,
	})
	json := awsjson.New(
		awsjson.Service{
			TargetPrefix: wsapi.TargetPrefix,
			SigningName:  wsapi.SigningName,
			Operations:   wsapi.OperationNames(),
			Backend:      a.Service.Workspaces().Backend(wsapi.NewDispatcher(a.Service.WorkSpaces())),
			MapError:     wireerror.WorkSpaces,
		},
		awsjson.Service{
			TargetPrefix: dsapi.TargetPrefix,
			SigningName:  dsapi.SigningName,
			Operations:   dsapi.OperationNames(),
			Backend:      dsapi.NewDispatcher(a.Service.DirectoryService()),
			MapError:     wireerror.DirectoryService,
		},
	)
	query := awsquery.NewProtocol(
		&awsquery.Service{Dialect: awsquery.AWSQuery, Name: "STS", SigningName: stsapi.SigningName, Version: stsapi.APIVersion,
			Namespace: stsapi.XMLNamespace, Backend: stsapi.NewDispatcher(a.Service.STS()), MapError: wireerror.STS,
			Operations: stsapi.OperationNames()},
		&awsquery.Service{Dialect: awsquery.AWSQuery, Name: "IAM", SigningName: iamapi.SigningName, Version: iamapi.APIVersion,
			Namespace: iamapi.XMLNamespace, Backend: iamapi.NewDispatcher(a.Service.IAM()), MapError: wireerror.IAM,
			Operations: iamapi.OperationNames()},
		&awsquery.Service{Dialect: awsquery.EC2Query, Name: "EC2", SigningName: ec2api.SigningName, Version: ec2api.APIVersion,
			Namespace: ec2api.XMLNamespace, Backend: ec2api.NewDispatcher(a.Service.EC2()), MapError: wireerror.EC2,
			Operations: ec2api.OperationNames()},
	)
	mux := http.NewServeMux()
	// AWS JSON and the query protocols share POST /: a form body without
	// X-Amz-Target is a query request (decision 0121).
	mux.Handle("/", a.chain.Select(func(r *http.Request) httpx.Protocol {
		if awsquery.IsQuery(r) {
			return query
		}
		return json
	}))
	data := a.chain.Handler(restjson.New(restjson.Service{
		Name:        "DirectoryServiceData",
		Title:       "Directory Service Data",
		SigningName: dsdataapi.SigningName,
		Backend:     dsdataapi.NewDispatcher(a.Service.DirectoryServiceData()),
		MapError:    wireerror.DirectoryServiceData,
	}))
	for _, r := range dsdataapi.Routes() {
		mux.Handle(restjson.Pattern(r.Method, r.URI), data)
	}
	// Outside the chain: the control API reads no body before it has
	// checked the admin token; its answers, /health's and /metrics' get
	// the chain's write deadline. The console has its own sessions.
	bounded := httpx.WriteTimeout(httpx.DefaultWriteTimeout)
	mux.Handle(control.Prefix, bounded(control.Logged(a.log, ctl)))
	mux.Handle(console.Prefix, cons)  // console.go
	mux.Handle(webclient.Prefix, web) // webclient.go; WebSockets outlive any write deadline
	mux.Handle("GET /health", bounded(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		control.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})))
	a.Metrics.WatchResources(0)
	a.Metrics.WatchTimers(a.Clock)
	a.Metrics.Gauge("deskplane_http_bodies_in_flight", "Request bodies being read or served.", func() float64 {
		n, _ := a.chain.BodiesInFlight()
		return float64(n)
	})
	a.Metrics.Gauge("deskplane_http_body_bytes_reserved", "Bytes the request bodies in flight hold against the body budget.", func() float64 {
		_, b := a.chain.BodiesInFlight()
		return float64(b)
	})
	mux.Handle("GET /metrics", bounded(a.Metrics.Handler()))
	return mux
}

// BodiesInFlight returns how many request bodies the server holds now and
// the bytes they reserve.
func (a *App) BodiesInFlight() (int, int64) { return a.chain.BodiesInFlight() }

// newLogger builds the logger of -log-level and -log-format. In JSON,
// durations (took) are milliseconds.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	if w == nil {
		return slog.New(slog.DiscardHandler)
	}
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(strings.ToLower(cfg.LogLevel))) // validated
	opts := &slog.HandlerOptions{Level: lvl}
	if strings.ToLower(cfg.LogFormat) == "json" {
		opts.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
			if a.Value.Kind() == slog.KindDuration {
				a.Value = slog.Float64Value(float64(a.Value.Duration()) / float64(time.Millisecond))
			}
			return a
		}
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// storeOpenError explains why the embedded store did not open.
func storeOpenError(cfg Config, path string, err error) error {
	if errors.Is(err, bolterrors.ErrTimeout) {
		return fmt.Errorf("the data directory %s is in use by another deskplane (%s is locked); stop that server, or give this one another -data-dir (or -in-memory)", cfg.DataDir, path)
	}
	return fmt.Errorf("opening %s: %w", path, err)
}

// Listen opens the listening socket of -addr, with a clear error when the
// address is taken.
func Listen(cfg Config) (net.Listener, error) {
	ln, err := net.Listen("tcp", cfg.Addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("cannot listen on %s: the address is already in use (another deskplane?); choose another with -addr, for example -addr 127.0.0.1:0 for a free port", cfg.Addr)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s (-addr): %w", cfg.Addr, err)
	}
	return ln, nil
}

// Server timeouts. Request bodies and answers of the AWS protocols have
// their own, tighter deadlines in the httpx chain.
const (
	readHeaderTimeout = 10 * time.Second
	// readTimeout bounds headers and body of requests outside the chain
	// (control API, console); the chain sets its own body deadline. Once a
	// body has been read whole, net/http lifts the deadline, so a long
	// handler is not cut short.
	readTimeout     = readHeaderTimeout + httpx.DefaultBodyTimeout
	idleTimeout     = 2 * time.Minute
	shutdownTimeout = 10 * time.Second
)

// Serve runs the lifecycle engine and the HTTP server on ln until ctx ends,
// then shuts down gracefully (in-flight requests finish; bodies still
// arriving are cut short) and closes the app.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler,
		BaseContext:       func(net.Listener) context.Context { return paging.WithCodec(context.Background(), a.Pages) },
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(a.chain.AbortBodyReads)
	engCtx, stopEngine := context.WithCancel(context.WithoutCancel(ctx))
	engDone := make(chan struct{})
	go func() {
		defer close(engDone)
		_ = a.Engine.Run(engCtx)
	}()
	deskDone := make(chan struct{})
	go func() {
		defer close(deskDone)
		a.runDesktops(engCtx)
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		shutCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		err = srv.Shutdown(shutCtx)
		cancel()
	}
	stopEngine()
	<-engDone
	<-deskDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if cerr := a.Close(); err == nil {
		err = cerr
	}
	return err
}
