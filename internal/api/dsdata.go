package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/awsjson"
	"github.com/deskplane/deskplane/internal/dsdataapi"
	"github.com/deskplane/deskplane/internal/sigv4"
	"github.com/deskplane/deskplane/internal/wireerror"
)

// The Directory Service Data subset over restJson1: each operation has its
// own path (POST /Users/CreateUser?DirectoryId=d-…), requests are signed
// for the service ds-data, and errors are answered with their modeled
// status, the X-Amzn-ErrorType header and a JSON body carrying __type and
// Message. Operations deskplane does not serve answer 501
// NotImplementedException like the other services.

// dataContentType is the media type of restJson1 answers.
const dataContentType = "application/json"

// DataRoutes serves the Directory Service Data subset (REST JSON) of svc.
func DataRoutes(mux *http.ServeMux, svc dsdataapi.Service, v *sigv4.Verifier, log *slog.Logger, hook awsjson.Hook) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &dataHandler{d: dsdataapi.NewDispatcher(svc), verifier: v, log: log, hook: hook}
	for _, r := range dsdataapi.Routes() {
		uri := strings.ReplaceAll(r.URI, "+}", "...}")
		mux.Handle(r.Method+" "+uri, h)
	}
}

type dataHandler struct {
	d        *dsdataapi.Dispatcher
	verifier *sigv4.Verifier
	log      *slog.Logger
	hook     awsjson.Hook
}

func (h *dataHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c := deskplane.Caller{RequestID: awsjson.NewRequestID()}
	w.Header().Set("x-amzn-RequestId", c.RequestID)
	status := h.serve(w, r, &c)
	h.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("request_id", c.RequestID),
		slog.String("op", c.Operation),
		slog.String("account", c.Account),
		slog.String("region", c.Region),
		slog.Int("status", status),
		slog.Duration("took", time.Since(start)),
	)
}

func (h *dataHandler) serve(w http.ResponseWriter, r *http.Request, c *deskplane.Caller) int {
	op, ok := h.d.Route(r.Method, r.URL.EscapedPath())
	if !ok {
		return writeDataError(w, &awsjson.Error{Type: "UnknownOperationException", Status: http.StatusNotFound,
			Message: fmt.Sprintf("No Directory Service Data operation is served at %s %s.", r.Method, r.URL.Path)})
	}
	c.Operation = op
	body, err := awsjson.ReadBody(w, r)
	if err != nil {
		return writeDataError(w, err.(awsjson.CodedError))
	}
	id, err := h.verifier.Verify(r, body)
	if err != nil {
		var ae *sigv4.AuthError
		if errors.As(err, &ae) {
			return writeDataError(w, &awsjson.Error{Type: ae.Code, Status: ae.Status, Message: ae.Message})
		}
		return writeDataError(w, wireerror.DirectoryServiceData(err))
	}
	if id.Service != dsdataapi.SigningName {
		return writeDataError(w, &awsjson.Error{Type: "InvalidSignatureException", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Credential should be scoped to correct service: '%s'. ", dsdataapi.SigningName)})
	}
	c.Account, c.Region, c.AccessKey = id.Account, id.Region, id.AccessKeyID
	ctx := deskplane.WithCaller(r.Context(), *c)
	if h.hook != nil {
		if err := h.hook(ctx, *c); err != nil {
			return writeDataError(w, wireerror.DirectoryServiceData(err))
		}
	}
	out, err := h.d.InvokeHTTP(ctx, op, r, body)
	if err != nil {
		ce := wireerror.DirectoryServiceData(err)
		if ce.HTTPStatus() >= 500 && ce.HTTPStatus() != http.StatusNotImplemented {
			h.log.Error("operation failed", "request_id", c.RequestID, "op", op, "err", err)
		}
		return writeDataError(w, ce)
	}
	return writeDataJSON(w, http.StatusOK, out)
}

func writeDataJSON(w http.ResponseWriter, status int, v any) int {
	n := awsjson.WriteJSON(&contentTypeWriter{ResponseWriter: w, ct: dataContentType}, status, v)
	return n
}

func writeDataError(w http.ResponseWriter, e awsjson.CodedError) int {
	w.Header().Set("Content-Type", dataContentType)
	w.Header().Set("X-Amzn-ErrorType", e.ErrorCode())
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(awsjson.EncodeError(e))
	return e.HTTPStatus()
}

// contentTypeWriter makes awsjson.WriteJSON answer with restJson1's media
// type instead of AWS JSON 1.1's.
type contentTypeWriter struct {
	http.ResponseWriter
	ct string
}

func (c *contentTypeWriter) WriteHeader(status int) {
	c.Header().Set("Content-Type", c.ct)
	c.ResponseWriter.WriteHeader(status)
}
