package console

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"

	"github.com/deskplane/deskplane"
)

// apiError is a failed call as an API client sees it: the wire error code
// and its message.
type apiError struct {
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// requestID returns a fresh id in the form the API answers in
// x-amzn-RequestId.
func requestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	s := hex.EncodeToString(b[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// callerContext carries the caller of one operation, as the API's
// transport does after verifying a signature.
func callerContext(ctx context.Context, sc scope, op string) (context.Context, string) {
	id := requestID()
	return deskplane.WithCaller(ctx, deskplane.Caller{Account: sc.Account, Region: sc.Region, RequestID: id, Operation: op}), id
}

// opName is the operation of an input shape: its type name without the
// Request suffix (CreateWorkspacesRequest → CreateWorkspaces).
func opName[I any]() string {
	return strings.TrimSuffix(reflect.TypeFor[I]().Name(), "Request")
}

// ws calls one WorkSpaces operation for the request's scope: the model's
// validation first (as the API dispatcher does), then the service. Errors
// come back as *apiError.
func ws[I, O any](h *Handler, q *req, fn func(context.Context, *I) (*O, error), in *I) (*O, error) {
	return call(h, q, h.wsv.Validate, h.d.MapWorkSpacesError, fn, in)
}

// ds calls one Directory Service operation, like ws.
func ds[I, O any](h *Handler, q *req, fn func(context.Context, *I) (*O, error), in *I) (*O, error) {
	return call(h, q, h.dsv.Validate, h.d.MapDirectoryError, fn, in)
}

func call[I, O any](h *Handler, q *req, validate func(any) error, mapErr func(error) error, fn func(context.Context, *I) (*O, error), in *I) (*O, error) {
	op := opName[I]()
	ctx, id := callerContext(q.r.Context(), q.sc, op)
	if err := validate(in); err != nil {
		return nil, h.wireError(err, mapErr, op, id)
	}
	out, err := fn(ctx, in)
	if err != nil {
		return nil, h.wireError(err, mapErr, op, id)
	}
	if out == nil {
		out = new(O)
	}
	return out, nil
}

// wireError maps a service error to what the API would answer; an internal
// failure is logged with its request id, as the API does.
func (h *Handler) wireError(err error, mapErr func(error) error, op, id string) *apiError {
	orig := err
	if mapErr != nil {
		err = mapErr(err)
	}
	var code string
	var coded interface{ ErrorCode() string }
	if errors.As(err, &coded) {
		code = coded.ErrorCode()
	}
	msg := err.Error()
	var withMsg interface{ ErrorMessage() string }
	if errors.As(err, &withMsg) {
		msg = withMsg.ErrorMessage()
	} else if code != "" {
		msg = strings.TrimPrefix(msg, code+": ")
	}
	if code == "" {
		var de *deskplane.Error
		if errors.As(err, &de) {
			code = "Error" // no mapper: the domain error's message is all there is
		} else {
			code = "InternalFailure"
		}
	}
	if code == "InternalFailure" || code == "InternalServerException" || code == "ServiceException" {
		h.d.Log.Error("console: operation failed", "request_id", id, "op", op, "err", orig)
		msg += " (request id " + id + ")"
	}
	return &apiError{Code: code, Message: msg}
}

// errText is how an error is shown to the person.
func errText(err error) string {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Code + ": " + ae.Message
	}
	return err.Error()
}

func ptr[T any](v T) *T { return &v }
