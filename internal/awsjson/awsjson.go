// Package awsjson frames the AWS JSON 1.1 protocol (and the error envelope
// that restJson1 shares): one POST / endpoint, the operation named by
// X-Amz-Target, JSON bodies, x-amzn-RequestId on every answer, and errors as
// {"__type": …, "message": …} with their status code.
//
// Decisions recorded in docs/decisions/0001-wire-protocol.md.
package awsjson

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/sigv4"
)

// MaxBodyBytes is the largest request body accepted. The largest WorkSpaces
// input is ImportClientBranding with its logos (each at most 1.5 MB of
// base64 text on the wire per platform); 16 MiB leaves room for all of them.
const MaxBodyBytes = 16 << 20

// ContentType is the media type of every AWS JSON 1.1 answer.
const ContentType = "application/x-amz-json-1.1"

// CodedError is an error that knows its wire name and status. Its exported
// fields are encoded with encoding/json next to __type.
type CodedError interface {
	error
	ErrorCode() string
	HTTPStatus() int
}

// Error is an error produced by the framing itself.
type Error struct {
	Type    string `json:"-"`
	Status  int    `json:"-"`
	Message string `json:"message"`
}

func (e *Error) Error() string     { return e.Type + ": " + e.Message }
func (e *Error) ErrorCode() string { return e.Type }
func (e *Error) HTTPStatus() int   { return e.Status }

// Backend invokes one operation of a service on a decoded body.
type Backend interface {
	Invoke(ctx context.Context, op string, body []byte) (any, error)
}

// Service is one AWS JSON service served on the endpoint.
type Service struct {
	TargetPrefix string // e.g. "WorkspacesService"
	SigningName  string // e.g. "workspaces"
	Backend      Backend
	// MapError turns whatever the backend returned into a wire error. It
	// must never return nil for a non-nil error.
	MapError func(error) CodedError
}

// Hook runs after authentication and before the backend; a non-nil error
// answers the request instead (fault injection, throttling).
type Hook func(ctx context.Context, c deskplane.Caller) error

// Handler serves AWS JSON 1.1 requests on POST /.
type Handler struct {
	services map[string]Service
	verifier *sigv4.Verifier
	log      *slog.Logger
	hook     Hook
	enc      *Encoder
}

// NewHandler returns a handler for the services.
func NewHandler(verifier *sigv4.Verifier, log *slog.Logger, hook Hook, services ...Service) *Handler {
	m := make(map[string]Service, len(services))
	for _, s := range services {
		m[s.TargetPrefix] = s
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{services: m, verifier: verifier, log: log, hook: hook, enc: NewEncoder()}
}

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

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := NewRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	c := deskplane.Caller{RequestID: reqID}
	status := h.serve(w, r, &c)
	h.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("request_id", reqID),
		slog.String("op", c.Operation),
		slog.String("account", c.Account),
		slog.String("region", c.Region),
		slog.Int("status", status),
		slog.Duration("took", time.Since(start)),
	)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, c *deskplane.Caller) int {
	if r.URL.Path != "/" {
		return WriteError(w, &Error{Type: "UnknownOperationException", Status: http.StatusNotFound,
			Message: fmt.Sprintf("No operation is served at path %q: AWS JSON 1.1 requests are POST / with an X-Amz-Target header.", r.URL.Path)})
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return WriteError(w, &Error{Type: "UnknownOperationException", Status: http.StatusMethodNotAllowed,
			Message: fmt.Sprintf("Method %s is not allowed: AWS JSON 1.1 requests are POST / with an X-Amz-Target header.", r.Method)})
	}
	body, err := ReadBody(w, r)
	if err != nil {
		return WriteError(w, err.(CodedError))
	}
	target := r.Header.Get("X-Amz-Target")
	prefix, op, _ := strings.Cut(target, ".")
	svc, ok := h.services[prefix]
	if target == "" || !ok || op == "" {
		return WriteError(w, &Error{Type: "UnknownOperationException", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Unknown operation %q: the X-Amz-Target header must name a served operation, such as WorkspacesService.DescribeWorkspaces.", target)})
	}
	c.Operation = op
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(strings.HasPrefix(mt, "application/x-amz-json-1.") || mt == "application/json") {
			return WriteError(w, &Error{Type: "SerializationException", Status: http.StatusBadRequest,
				Message: fmt.Sprintf("Content-Type %q is not supported; send application/x-amz-json-1.1.", ct)})
		}
	}
	id, err := h.verifier.Verify(r, body)
	if err != nil {
		var ae *sigv4.AuthError
		if errors.As(err, &ae) {
			return WriteError(w, &Error{Type: ae.Code, Status: ae.Status, Message: ae.Message})
		}
		return WriteError(w, &Error{Type: "InternalFailure", Status: http.StatusInternalServerError, Message: "The request processing has failed because of an unknown error, exception or failure."})
	}
	if id.Service != "" && id.Service != svc.SigningName { // "" only under -accept-any-credentials
		ae := sigv4.WrongServiceError(svc.SigningName)
		return WriteError(w, &Error{Type: ae.Code, Status: ae.Status, Message: ae.Message})
	}
	c.Account, c.Region, c.AccessKey = id.Account, id.Region, id.AccessKeyID
	ctx := deskplane.WithCaller(r.Context(), *c)
	if h.hook != nil {
		if err := h.hook(ctx, *c); err != nil {
			return WriteError(w, svc.MapError(err))
		}
	}
	out, err := svc.Backend.Invoke(ctx, op, body)
	if err != nil {
		ce := svc.MapError(err)
		if ce.HTTPStatus() == http.StatusInternalServerError {
			h.log.Error("operation failed", "request_id", c.RequestID, "op", op, "err", err)
		}
		return WriteError(w, ce)
	}
	return h.enc.WriteJSON(w, http.StatusOK, out)
}

// ReadBody reads the whole body within MaxBodyBytes. Its error is a
// CodedError.
func ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBodyBytes {
		return nil, tooLarge()
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge()
		}
		return nil, &Error{Type: "SerializationException", Status: http.StatusBadRequest, Message: "The request body could not be read: " + err.Error()}
	}
	return buf.Bytes(), nil
}

func tooLarge() *Error {
	return &Error{Type: "RequestEntityTooLargeException", Status: http.StatusRequestEntityTooLarge,
		Message: fmt.Sprintf("The request body is larger than the %d bytes deskplane accepts.", MaxBodyBytes)}
}

// jsonAppender is what the generated output and error shapes implement: an
// encoder that writes exactly what encoding/json.Marshal writes, without
// reflection.
type jsonAppender interface {
	AppendJSON(b []byte) []byte
}

// marshal encodes v with its AppendJSON method when it has one, else with
// encoding/json.
func marshal(v any) ([]byte, error) {
	if a, ok := v.(jsonAppender); ok {
		return a.AppendJSON(make([]byte, 0, 1024)), nil
	}
	return json.Marshal(v)
}

const maxPooledBuf = 1 << 20

// Encoder writes answers, reusing its encoding buffers across requests. Each
// Handler has its own, so there is no package-level pool.
type Encoder struct {
	pool sync.Pool // *[]byte
}

// NewEncoder returns an Encoder.
func NewEncoder() *Encoder {
	e := &Encoder{}
	e.pool.New = func() any { b := make([]byte, 0, 4096); return &b }
	return e
}

// WriteJSON writes a successful answer. A nil or empty output is {}. Outputs
// with an AppendJSON method (every generated output shape) are encoded with
// it into a reused buffer (buffers that grew beyond 1 MiB are dropped);
// anything else goes through encoding/json.
func (e *Encoder) WriteJSON(w http.ResponseWriter, status int, v any) int {
	a, ok := v.(jsonAppender)
	if !ok {
		return WriteJSON(w, status, v)
	}
	bp := e.pool.Get().(*[]byte)
	b := a.AppendJSON((*bp)[:0])
	writeBody(w, status, b)
	if cap(b) <= maxPooledBuf {
		*bp = b[:0]
		e.pool.Put(bp)
	}
	return status
}

// WriteJSON writes a successful answer like Encoder.WriteJSON, without
// reusing buffers.
func WriteJSON(w http.ResponseWriter, status int, v any) int {
	b, err := marshal(v)
	if err != nil {
		b = nil
	}
	writeBody(w, status, b)
	return status
}

func writeBody(w http.ResponseWriter, status int, b []byte) {
	if len(b) == 0 || string(b) == "null" {
		b = []byte("{}")
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// EncodeError returns the JSON error envelope: the error's exported fields
// with "__type" first.
func EncodeError(e CodedError) []byte {
	typ, _ := json.Marshal(e.ErrorCode())
	fields, err := marshal(e)
	var buf bytes.Buffer
	buf.WriteString(`{"__type":`)
	buf.Write(typ)
	if err == nil && len(fields) > 2 && fields[0] == '{' {
		buf.WriteByte(',')
		buf.Write(fields[1:])
	} else {
		buf.WriteByte('}')
	}
	return buf.Bytes()
}

// WriteError writes the error envelope with the error's status and the
// X-Amzn-ErrorType header, and returns the status.
func WriteError(w http.ResponseWriter, e CodedError) int {
	status := e.HTTPStatus()
	b := EncodeError(e)
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Amzn-ErrorType", e.ErrorCode())
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return status
}
