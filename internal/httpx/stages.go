package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/sigv4"
)

// RequestIDHeader is the header every AWS answer carries its request id in.
const RequestIDHeader = "x-amzn-RequestId"

// requestIDKey is RequestIDHeader in the canonical form net/http keys
// header maps by (http.CanonicalHeaderKey), so that setting it costs no
// conversion per request.
const requestIDKey = "X-Amzn-Requestid"

// NewRequestID returns a request id in the form AWS uses (a random UUID).
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// exchangeAlloc keeps the Exchange and its writer in one allocation.
type exchangeAlloc struct {
	ex Exchange
	rw responseWriter
}

// RequestID starts the exchange of protocol p: a fresh request id in the
// x-amzn-RequestId header of every answer, the Exchange in the request's
// context and a ResponseWriter that records what is answered. It must be
// the first stage.
func RequestID(p Protocol) func(http.Handler) http.Handler {
	return RequestIDFor(func(*http.Request) Protocol { return p })
}

// RequestIDFor is RequestID with the protocol picked per request.
func RequestIDFor(pick func(*http.Request) Protocol) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a := &exchangeAlloc{}
			ex := &a.ex
			ex.Start = time.Now()
			ex.Protocol = pick(r)
			ex.Caller.RequestID = NewRequestID()
			a.rw = responseWriter{ResponseWriter: w, ex: ex, dl: deadlinerOf(w)}
			ex.rw = &a.rw
			ex.read.dl = a.rw.dl
			w.Header()[requestIDKey] = []string{ex.Caller.RequestID}
			next.ServeHTTP(&a.rw, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, ex)))
		})
	}
}

// maxLoggedMessage bounds the error message in a log line.
const maxLoggedMessage = 1024

// AccessLog writes one line per exchange once it is answered: INFO for
// success, WARN for 4xx, ERROR for 5xx, with the error code and message of
// every failure, which signature check failed for which access key, and
// the target of a request that could not be routed. It tells obs (when not
// nil) too.
func AccessLog(log *slog.Logger, obs Observer) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			ex := FromContext(r.Context())
			if ex == nil {
				return
			}
			took := time.Since(ex.Start)
			if obs != nil {
				obs.ObserveExchange(ex, took)
			}
			level := slog.LevelInfo
			switch {
			case ex.Status >= 500:
				level = slog.LevelError
			case ex.Status >= 400:
				level = slog.LevelWarn
			}
			ctx := r.Context()
			if !log.Enabled(ctx, level) {
				return
			}
			attrs := make([]slog.Attr, 0, 16)
			attrs = append(attrs,
				slog.String("request_id", ex.Caller.RequestID),
				slog.String("service", ex.Route.Service),
				slog.String("op", ex.Route.Operation),
				slog.String("account", ex.Caller.Account),
				slog.String("region", ex.Caller.Region),
				slog.Int("status", ex.Status),
				slog.Duration("took", took),
			)
			if ex.Route.Operation == "" {
				attrs = append(attrs, slog.String("target", ex.Target), slog.String("method", r.Method), slog.String("path", r.URL.Path))
			}
			if ex.ErrCode != "" {
				attrs = append(attrs, slog.String("code", ex.ErrCode), slog.String("message", clip(ex.ErrMessage, maxLoggedMessage)))
			}
			if ex.AuthCheck != "" {
				attrs = append(attrs, slog.String("auth_check", string(ex.AuthCheck)), slog.String("access_key", ex.AuthKey))
			} else if ex.Caller.AccessKey != "" && ex.Status >= 400 {
				attrs = append(attrs, slog.String("access_key", ex.Caller.AccessKey))
			}
			if ex.Cause != nil {
				attrs = append(attrs, slog.String("cause", clip(ex.Cause.Error(), maxLoggedMessage)))
			}
			log.LogAttrs(ctx, level, "request", attrs...)
		})
	}
}

// clip cuts s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + fmt.Sprintf("…(%d more bytes)", len(s)-i)
}

// panicError is the cause recorded for a handler that panicked.
type panicError struct{ v any }

func (p panicError) Error() string { return fmt.Sprintf("panic: %v", p.v) }

// Recover turns a panic below it into a 500 InternalFailure carrying the
// request id (header and body), logs the stack at ERROR with the request
// id, and lets the server go on serving. A panic after the answer has
// begun can only drop the connection (http.ErrAbortHandler).
func Recover(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				ex := FromContext(r.Context())
				log.LogAttrs(r.Context(), slog.LevelError, "panic",
					slog.String("request_id", ex.Caller.RequestID),
					slog.String("op", ex.Route.Operation),
					slog.String("panic", fmt.Sprint(v)),
					slog.String("stack", string(debug.Stack())),
				)
				ex.Cause = panicError{v}
				if ex.rw.wroteHeader {
					panic(http.ErrAbortHandler)
				}
				e := Internal()
				e.RequestID = ex.Caller.RequestID
				Fail(w, r, ex, e)
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// RouteStage asks the protocol which operation the request calls. When it
// cannot tell, the request is answered with the protocol's error, but its
// caller is still identified (verified, when the signature is good) so
// that the log says who asked for what.
func RouteStage(v Verifier) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ex := FromContext(r.Context())
			rt, err := ex.Protocol.Route(r, ex)
			if err != nil {
				if v != nil {
					identify(v, r, ex)
				}
				Fail(w, r, ex, err)
				return
			}
			ex.Route = rt
			ex.Caller.Operation = rt.Operation
			next.ServeHTTP(w, r)
		})
	}
}

// identify verifies the request for the log only.
func identify(v Verifier, r *http.Request, ex *Exchange) {
	id, err := v.Verify(r, ex.Body)
	if err != nil {
		var ae *sigv4.AuthError
		if errors.As(err, &ae) {
			ex.AuthCheck, ex.AuthKey = ae.Check, ae.AccessKey
		}
		return
	}
	ex.Caller.Account, ex.Caller.Region, ex.Caller.AccessKey = id.Account, id.Region, id.AccessKeyID
	ex.Verified = true
}

// Auth verifies the request's SigV4 signature and that it is scoped to the
// routed service's signing name, and records who the caller is.
func Auth(v Verifier) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ex := FromContext(r.Context())
			id, err := v.Verify(r, ex.Body)
			if err != nil {
				var ae *sigv4.AuthError
				if errors.As(err, &ae) {
					ex.AuthCheck, ex.AuthKey = ae.Check, ae.AccessKey
				}
				Fail(w, r, ex, err)
				return
			}
			// id.Service is empty only for an unscoped request accepted
			// by -accept-any-credentials.
			if id.Service != "" && id.Service != ex.Route.SigningName {
				ae := sigv4.WrongServiceError(ex.Route.SigningName)
				ae.AccessKey = id.AccessKeyID
				ex.AuthCheck, ex.AuthKey = ae.Check, ae.AccessKey
				Fail(w, r, ex, ae)
				return
			}
			ex.Caller.Account, ex.Caller.Region, ex.Caller.AccessKey = id.Account, id.Region, id.AccessKeyID
			ex.Caller.Temporary = id.Temporary
			ex.Verified = true
			next.ServeHTTP(w, r)
		})
	}
}

// HookStage runs the control-fault hook (nil: none) with the caller.
func HookStage(h Hook) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if h == nil {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ex := FromContext(r.Context())
			if err := h(r.Context(), ex.Caller); err != nil {
				Fail(w, r, ex, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Dispatch is the end of the chain: the protocol serves the operation with
// the caller in the context.
func Dispatch() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex := FromContext(r.Context())
		ctx := deskplane.WithCaller(r.Context(), ex.Caller)
		if err := ex.Protocol.Serve(ctx, w, r, ex); err != nil {
			Fail(w, r, ex, err)
		}
	})
}
