// Package httpx is deskplane's one HTTP middleware chain for the AWS
// protocols. Every AWS request passes the same stages, each a small
// func(http.Handler) http.Handler:
//
//	RequestID  x-amzn-RequestId on every answer; the Exchange in the context
//	AccessLog  one line per request (WARN for 4xx, ERROR for 5xx), metrics
//	Recover    a panic answers 500 InternalFailure; the server keeps serving
//	Body       body limit, read deadline, memory budget, write deadline
//	Route      the protocol names the service and operation
//	Auth       SigV4: account, Region and access key of the caller
//	Hook       control-API faults and throttling
//	Dispatch   the protocol invokes the operation and writes its answer
//
// A Protocol adapter (internal/awsjson for AWS JSON 1.1, internal/restjson
// for restJson1, and so on) plugs into the chain by routing, serving and
// rendering its own error envelope; nothing else in the chain knows a wire
// format. See docs/ARCHITECTURE.md for the request path.
package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/sigv4"
)

// CodedError is an error that knows its wire name and HTTP status. Every
// protocol adapter renders one in its own envelope.
type CodedError interface {
	error
	ErrorCode() string
	HTTPStatus() int
}

// Error is an error the chain itself produces (body too large, signature
// failures, timeouts, panics) in protocol-neutral form. Its JSON form is
// the "message" member, which the AWS JSON envelope puts next to __type.
type Error struct {
	Code    string `json:"-"`
	Status  int    `json:"-"`
	Message string `json:"message"`
	// RequestID, when set, is answered in the body as well as in the
	// x-amzn-RequestId header (InternalFailure after a panic).
	RequestID string `json:"RequestId,omitempty"`
}

func (e *Error) Error() string        { return e.Code + ": " + e.Message }
func (e *Error) ErrorCode() string    { return e.Code }
func (e *Error) HTTPStatus() int      { return e.Status }
func (e *Error) ErrorMessage() string { return e.Message }

// InternalMessage is the message of InternalFailure, as AWS words it.
const InternalMessage = "The request processing has failed because of an unknown error, exception or failure."

// Internal is the 500 InternalFailure answer.
func Internal() *Error {
	return &Error{Code: "InternalFailure", Status: http.StatusInternalServerError, Message: InternalMessage}
}

// Message returns the message of a wire error: ErrorMessage() when it has
// one (every generated error and Error do), else Error().
func Message(e error) string {
	if m, ok := e.(interface{ ErrorMessage() string }); ok {
		return m.ErrorMessage()
	}
	return e.Error()
}

// Route is what a protocol learned about the operation a request calls.
type Route struct {
	Service     string // e.g. WorkspacesService, DirectoryServiceData (logs, metrics)
	SigningName string // the SigV4 service name the signature must be scoped to
	Operation   string // e.g. DescribeWorkspaces
	// Target is the protocol's own handle on the operation (its service
	// table entry, for example); the chain does not look at it.
	Target any
}

// Protocol is one AWS wire protocol: it routes a request to an operation,
// serves it and renders errors in its envelope.
type Protocol interface {
	// Route names the operation of a request whose body has been read
	// (ex.Body). It may set ex.Target (what the request asked for, for
	// the log) also when it fails. An error is answered with WriteError.
	Route(r *http.Request, ex *Exchange) (Route, error)
	// Serve invokes the routed operation with the caller in ctx and
	// writes the successful answer. An error it returns is answered with
	// WriteError, nothing having been written.
	Serve(ctx context.Context, w http.ResponseWriter, r *http.Request, ex *Exchange) error
	// Wire maps any error (the chain's own, a hook's, the service's) to
	// the wire error the protocol answers for the routed service
	// (ex.Route, which is zero when routing has not happened).
	Wire(ex *Exchange, err error) CodedError
	// WriteError writes e in the protocol's error envelope.
	WriteError(w http.ResponseWriter, r *http.Request, ex *Exchange, e CodedError)
}

// Exchange is one request's way through the chain: each stage adds what it
// learned, and the access log reports it.
type Exchange struct {
	Start    time.Time
	Protocol Protocol
	Caller   deskplane.Caller // RequestID first; Account, Region, AccessKey after Auth; Operation after Route
	Route    Route
	Target   string // what the request asked for (X-Amz-Target, method and path…), also when unroutable
	Body     []byte

	// Status is the HTTP status answered (0 until written), Bytes the
	// body bytes written.
	Status int
	Bytes  int64
	// ErrCode and ErrMessage are the wire error answered, if any.
	ErrCode, ErrMessage string
	// Cause is the error behind a 5xx answer (logged, never answered).
	Cause error
	// AuthCheck and AuthKey say which signature check failed, for which
	// access key.
	AuthCheck sigv4.Check
	AuthKey   string
	// Verified says the caller's identity was verified (or accepted by
	// -accept-any-credentials).
	Verified bool

	rw   *responseWriter
	read bodyRead
}

type exchangeKey struct{}

// FromContext returns the request's Exchange, or nil outside the chain.
func FromContext(ctx context.Context) *Exchange {
	ex, _ := ctx.Value(exchangeKey{}).(*Exchange)
	return ex
}

// Fail answers err in the exchange's protocol and records it for the log.
func Fail(w http.ResponseWriter, r *http.Request, ex *Exchange, err error) {
	ce := ex.Protocol.Wire(ex, err)
	ex.ErrCode, ex.ErrMessage = ce.ErrorCode(), Message(ce)
	if st := ce.HTTPStatus(); st >= 500 && st != http.StatusNotImplemented && ex.Cause == nil {
		ex.Cause = err
	}
	if ex.rw != nil && ex.rw.wroteHeader {
		return // too late: the answer has begun
	}
	ex.Protocol.WriteError(w, r, ex, ce)
}

// Hook runs after authentication and before the operation; a non-nil error
// is answered instead (fault injection, throttling).
type Hook func(ctx context.Context, c deskplane.Caller) error

// Verifier authenticates a request: internal/sigv4's Verifier.
type Verifier interface {
	Verify(r *http.Request, body []byte) (sigv4.Identity, error)
}

// Observer is told about every finished exchange (metrics).
type Observer interface {
	ObserveExchange(ex *Exchange, took time.Duration)
}

// Config is what the chain needs.
type Config struct {
	Log      *slog.Logger // nil = discard
	Verifier Verifier
	Hook     Hook     // nil = none
	Observer Observer // nil = none
	Limits   Limits
}

// Chain builds the handler of each protocol. One Chain serves every
// protocol of a server, so that they share the body budget and the
// shutdown of in-flight reads.
type Chain struct {
	cfg    Config
	log    *slog.Logger
	bodies *bodies
}

// New returns a Chain.
func New(cfg Config) *Chain {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg.Limits = cfg.Limits.withDefaults()
	return &Chain{cfg: cfg, log: log, bodies: newBodies(cfg.Limits)}
}

// Handler returns the whole chain for protocol p.
func (c *Chain) Handler(p Protocol) http.Handler {
	return c.Select(func(*http.Request) Protocol { return p })
}

// Select returns the whole chain for requests whose protocol depends on
// the request itself: AWS JSON and the Query protocols share POST /, told
// apart by X-Amz-Target or a form-encoded body. pick must not read the
// body, and must return a protocol for every request.
func (c *Chain) Select(pick func(*http.Request) Protocol) http.Handler {
	return Compose(Dispatch(),
		RequestIDFor(pick),
		AccessLog(c.log, c.cfg.Observer),
		Recover(c.log),
		c.Body(),
		RouteStage(c.cfg.Verifier),
		Auth(c.cfg.Verifier),
		HookStage(c.cfg.Hook),
	)
}

// AbortBodyReads makes every body still being read fail now, so that a
// client sending half a body cannot hold up a graceful shutdown. Register
// it with http.Server.RegisterOnShutdown.
func (c *Chain) AbortBodyReads() { c.bodies.abortAll() }

// BodiesInFlight returns how many request bodies are being held and how
// many bytes they have reserved.
func (c *Chain) BodiesInFlight() (n int, bytes int64) { return c.bodies.inFlight() }

// Compose wraps h in the middleware, the first outermost.
func Compose(h http.Handler, mw ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}
