// Package restjson is the restJson1 adapter of the httpx chain (Directory
// Service Data): each operation has its own method and path
// (POST /Users/CreateUser?DirectoryId=d-…), bodies are JSON, answers are
// application/json, and errors carry their modeled status, the
// X-Amzn-ErrorType header and the JSON envelope AWS JSON 1.1 uses
// (internal/awsjson).
package restjson

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/deskplane/deskplane/internal/awsjson"
	"github.com/deskplane/deskplane/internal/httpx"
	"github.com/deskplane/deskplane/internal/sigv4"
)

// ContentType is the media type of restJson1 answers.
const ContentType = "application/json"

// Backend is a generated restJson1 dispatcher (internal/dsdataapi's).
type Backend interface {
	// Route finds the operation of a method and escaped path.
	Route(method, path string) (op string, ok bool)
	// InvokeHTTP runs op for a request whose body has been read.
	InvokeHTTP(ctx context.Context, op string, r *http.Request, body []byte) (any, error)
}

// Service is one restJson1 service.
type Service struct {
	Name        string // for messages, logs and metrics, e.g. DirectoryServiceData
	Title       string // in messages, e.g. "Directory Service Data"
	SigningName string // e.g. ds-data
	Backend     Backend
	// MapError turns any error into the service's wire error; never nil
	// for a non-nil error.
	MapError func(error) httpx.CodedError
}

// Protocol serves one restJson1 service.
type Protocol struct {
	svc *Service
	enc *awsjson.Encoder
}

var _ httpx.Protocol = (*Protocol)(nil)

// New returns the adapter of svc.
func New(svc Service) *Protocol { return &Protocol{svc: &svc, enc: awsjson.NewEncoder()} }

// Pattern turns the model's URI patterns (labels {Name}, greedy {Name+})
// into http.ServeMux patterns ("POST /Users/CreateUser").
func Pattern(method, uri string) string {
	return method + " " + strings.ReplaceAll(uri, "+}", "...}")
}

// Route finds the operation from the method and path.
func (p *Protocol) Route(r *http.Request, ex *httpx.Exchange) (httpx.Route, error) {
	ex.Target = r.Method + " " + r.URL.Path
	op, ok := p.svc.Backend.Route(r.Method, r.URL.EscapedPath())
	if !ok {
		return httpx.Route{}, &awsjson.Error{Type: "UnknownOperationException", Status: http.StatusNotFound,
			Message: fmt.Sprintf("No %s operation is served at %s %s.", p.svc.Title, r.Method, r.URL.Path)}
	}
	return httpx.Route{Service: p.svc.Name, SigningName: p.svc.SigningName, Operation: op}, nil
}

// Serve invokes the operation and writes its output.
func (p *Protocol) Serve(ctx context.Context, w http.ResponseWriter, r *http.Request, ex *httpx.Exchange) error {
	out, err := p.svc.Backend.InvokeHTTP(ctx, ex.Route.Operation, r, ex.Body)
	if err != nil {
		return err
	}
	p.enc.WriteJSONType(w, http.StatusOK, ContentType, out)
	return nil
}

// Wire maps an error to the service's wire.
func (p *Protocol) Wire(ex *httpx.Exchange, err error) httpx.CodedError {
	var ae *sigv4.AuthError
	if errors.As(err, &ae) {
		return &awsjson.Error{Type: ae.Code, Status: ae.Status, Message: ae.Message}
	}
	return p.svc.MapError(err)
}

// WriteError writes the error envelope as application/json.
func (p *Protocol) WriteError(w http.ResponseWriter, r *http.Request, ex *httpx.Exchange, e httpx.CodedError) {
	awsjson.WriteErrorType(w, ContentType, e)
}
