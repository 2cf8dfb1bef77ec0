// Package awsjson frames the AWS JSON 1.1 protocol (and the error envelope
// that restJson1 shares): one POST / endpoint, the operation named by
// X-Amz-Target, JSON bodies, x-amzn-RequestId on every answer, and errors as
// {"__type": …, "message": …} with their status code.
//
// The request itself (request id, body, signature, faults) is handled by
// the httpx chain; Protocol is this package's adapter to it. Decisions
// recorded in docs/decisions/0001-wire-protocol.md.
package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/deskplane/deskplane/internal/httpx"
	"github.com/deskplane/deskplane/internal/sigv4"
)

// ContentType is the media type of every AWS JSON 1.1 answer.
const ContentType = "application/x-amz-json-1.1"

// CodedError is an error that knows its wire name and status. Its exported
// fields are encoded with encoding/json next to __type.
type CodedError = httpx.CodedError

// Hook is the control-fault hook the chain runs before the operation.
type Hook = httpx.Hook

// Error is an error produced by the framing itself.
type Error struct {
	Type    string `json:"-"`
	Status  int    `json:"-"`
	Message string `json:"message"`
}

func (e *Error) Error() string        { return e.Type + ": " + e.Message }
func (e *Error) ErrorCode() string    { return e.Type }
func (e *Error) HTTPStatus() int      { return e.Status }
func (e *Error) ErrorMessage() string { return e.Message }

// Backend invokes one operation of a service on a decoded body.
type Backend interface {
	Invoke(ctx context.Context, op string, body []byte) (any, error)
}

// Service is one AWS JSON service served on the endpoint.
type Service struct {
	TargetPrefix string // e.g. "WorkspacesService"
	SigningName  string // e.g. "workspaces"
	// Operations, when set, are the operation names served: a request
	// for another is answered UnknownOperationException before anything
	// else (and never becomes a metrics label).
	Operations []string
	Backend    Backend
	// MapError turns whatever the backend returned into a wire error. It
	// must never return nil for a non-nil error.
	MapError func(error) CodedError

	ops map[string]bool
}

// Protocol is the AWS JSON 1.1 adapter of the httpx chain: POST / with the
// operation in X-Amz-Target, JSON bodies, and errors as
// {"__type": …, "message": …}.
type Protocol struct {
	services map[string]*Service
	enc      *Encoder
}

var _ httpx.Protocol = (*Protocol)(nil)

// New returns the protocol adapter for the services.
func New(services ...Service) *Protocol {
	m := make(map[string]*Service, len(services))
	for i := range services {
		svc := &services[i]
		if svc.Operations != nil {
			svc.ops = make(map[string]bool, len(svc.Operations))
			for _, op := range svc.Operations {
				svc.ops[op] = true
			}
		}
		m[svc.TargetPrefix] = svc
	}
	return &Protocol{services: m, enc: NewEncoder()}
}

// methodError is the answer to a method other than POST; WriteError adds
// the Allow header for it.
type methodError struct{ e *Error }

func (m methodError) Error() string        { return m.e.Error() }
func (m methodError) ErrorCode() string    { return m.e.Type }
func (m methodError) HTTPStatus() int      { return m.e.Status }
func (m methodError) ErrorMessage() string { return m.e.Message }

// Route names the service and operation from X-Amz-Target.
func (p *Protocol) Route(r *http.Request, ex *httpx.Exchange) (httpx.Route, error) {
	target := r.Header.Get("X-Amz-Target")
	ex.Target = target
	if r.URL.Path != "/" {
		ex.Target = r.Method + " " + r.URL.Path
		return httpx.Route{}, &Error{Type: "UnknownOperationException", Status: http.StatusNotFound,
			Message: fmt.Sprintf("No operation is served at path %q: AWS JSON 1.1 requests are POST / with an X-Amz-Target header.", r.URL.Path)}
	}
	if r.Method != http.MethodPost {
		ex.Target = r.Method + " " + r.URL.Path
		return httpx.Route{}, methodError{&Error{Type: "UnknownOperationException", Status: http.StatusMethodNotAllowed,
			Message: fmt.Sprintf("Method %s is not allowed: AWS JSON 1.1 requests are POST / with an X-Amz-Target header.", r.Method)}}
	}
	prefix, op, _ := strings.Cut(target, ".")
	svc, ok := p.services[prefix]
	if target == "" || !ok || op == "" || svc.ops != nil && !svc.ops[op] {
		return httpx.Route{}, &Error{Type: "UnknownOperationException", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Unknown operation %q: the X-Amz-Target header must name a served operation, such as WorkspacesService.DescribeWorkspaces.", target)}
	}
	rt := httpx.Route{Service: svc.TargetPrefix, SigningName: svc.SigningName, Operation: op, Target: svc}
	// The SDKs send exactly ContentType: no need to parse it.
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != ContentType {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(strings.HasPrefix(mt, "application/x-amz-json-1.") || mt == "application/json") {
			return rt, &Error{Type: "SerializationException", Status: http.StatusBadRequest,
				Message: fmt.Sprintf("Content-Type %q is not supported; send application/x-amz-json-1.1.", ct)}
		}
	}
	return rt, nil
}

// Serve invokes the operation and writes its output.
func (p *Protocol) Serve(ctx context.Context, w http.ResponseWriter, r *http.Request, ex *httpx.Exchange) error {
	svc := ex.Route.Target.(*Service)
	out, err := svc.Backend.Invoke(ctx, ex.Route.Operation, ex.Body)
	if err != nil {
		return err
	}
	p.enc.WriteJSON(w, http.StatusOK, out)
	return nil
}

// Wire maps an error to the AWS JSON wire: signature failures as the
// verifier words them, the rest through the routed service's table.
func (p *Protocol) Wire(ex *httpx.Exchange, err error) CodedError {
	return wire(ex, err)
}

func wire(ex *httpx.Exchange, err error) CodedError {
	var ae *sigv4.AuthError
	if errors.As(err, &ae) {
		return &Error{Type: ae.Code, Status: ae.Status, Message: ae.Message}
	}
	if svc, ok := ex.Route.Target.(*Service); ok && svc.MapError != nil {
		return svc.MapError(err)
	}
	var ce CodedError
	if errors.As(err, &ce) {
		return ce
	}
	return httpx.Internal()
}

// WriteError writes the error envelope.
func (p *Protocol) WriteError(w http.ResponseWriter, r *http.Request, ex *httpx.Exchange, e CodedError) {
	if me, ok := e.(methodError); ok {
		w.Header().Set("Allow", http.MethodPost)
		e = me.e
	}
	WriteError(w, e)
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
	return e.WriteJSONType(w, status, ContentType, v)
}

// WriteJSONType is WriteJSON with another media type (restJson1 answers
// application/json).
func (e *Encoder) WriteJSONType(w http.ResponseWriter, status int, contentType string, v any) int {
	a, ok := v.(jsonAppender)
	if !ok {
		b, err := marshal(v)
		if err != nil {
			b = nil
		}
		writeBody(w, status, contentType, b)
		return status
	}
	bp := e.pool.Get().(*[]byte)
	b := a.AppendJSON((*bp)[:0])
	writeBody(w, status, contentType, b)
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
	writeBody(w, status, ContentType, b)
	return status
}

func writeBody(w http.ResponseWriter, status int, contentType string, b []byte) {
	if len(b) == 0 || string(b) == "null" {
		b = []byte("{}")
	}
	// Canonical keys, set directly: no conversion per answer.
	h := w.Header()
	h["Content-Type"] = []string{contentType}
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
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
	return WriteErrorType(w, ContentType, e)
}

// WriteErrorType is WriteError with another media type.
func WriteErrorType(w http.ResponseWriter, contentType string, e CodedError) int {
	status := e.HTTPStatus()
	b := EncodeError(e)
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Amzn-ErrorType", e.ErrorCode())
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return status
}
