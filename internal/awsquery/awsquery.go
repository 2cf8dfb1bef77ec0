// Package awsquery frames the AWS query protocols: awsQuery, which STS and
// IAM speak, and ec2Query, which EC2 speaks. A request is a form — the
// application/x-www-form-urlencoded body of a POST (the SDKs' way) or the
// query string of a GET — naming the operation in its Action parameter and
// the API version in Version; the answer is XML.
//
// A Service adapts one generated dispatcher (internal/stsapi, iamapi,
// ec2api) to HTTP: it checks Action and Version, has the dispatcher decode,
// validate and invoke the operation, and writes the result or the error in
// the protocol's envelope with its status code, the x-amzn-RequestId header
// and, in the body, the request id where each protocol puts it:
//
//	awsQuery  <OpResponse xmlns=…><OpResult>…</OpResult><ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></OpResponse>
//	          <ErrorResponse xmlns=…><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>
//	ec2Query  <OpResponse xmlns=…><requestId>…</requestId>…</OpResponse>
//	          <Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors><RequestID>…</RequestID></Response>
//
// Authentication is not its business: Serve takes the body already read
// and the caller already verified (the middleware chain's work), and puts
// the caller in the context of the operation. SigningName tells a router
// which service a request is signed for, since the three services share
// POST /. Protocol (protocol.go) is the adapter that plugs the services
// into the httpx chain. The choices where AWS is silent are
// docs/decisions/0163-query-protocol-framing.md and
// docs/decisions/0290-query-protocols-mounted.md.
package awsquery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/smithy"
)

// Dialect is one of the two query protocols.
type Dialect int

const (
	// AWSQuery is aws.protocols#awsQuery (STS, IAM).
	AWSQuery Dialect = iota
	// EC2Query is aws.protocols#ec2Query (EC2).
	EC2Query
)

// MaxBodyBytes is the largest body ServeHTTP reads. IAM's largest inputs
// are policy documents of at most 131,072 characters; the shared middleware
// chain applies its own limit before Serve.
const MaxBodyBytes = 16 << 20

// ContentType is the media type of every answer.
const ContentType = "text/xml"

// CodedError is an error that knows its wire code and HTTP status: the
// generated modeled errors, Error, and what a service's MapError returns.
// An error may also have ErrorMessage() string (the message, else Error()
// is used) and ErrorFault() string ("server" makes an awsQuery error's Type
// Receiver; otherwise the status decides).
type CodedError interface {
	error
	ErrorCode() string
	HTTPStatus() int
}

// Error is a wire error the framing produces, and the simplest CodedError
// for a service to return.
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string        { return e.Code + ": " + e.Message }
func (e *Error) ErrorCode() string    { return e.Code }
func (e *Error) HTTPStatus() int      { return e.Status }
func (e *Error) ErrorMessage() string { return e.Message }

// Backend invokes operations: the generated Dispatcher of stsapi, iamapi
// and ec2api.
type Backend interface {
	InvokeForm(ctx context.Context, action string, f *smithy.Form) (any, error)
}

// Service is one query-protocol service served through a Backend.
type Service struct {
	Dialect     Dialect
	Name        string // what messages call the service: "STS", "IAM", "EC2"
	SigningName string // the SigV4 service name: the generated SigningName
	Version     string // the API version: the generated APIVersion
	Namespace   string // the XML namespace of answers: the generated XMLNamespace
	Backend     Backend
	// MapError turns a service's own errors (domain errors) into wire
	// errors; nil, or a nil answer, leaves the error to Wire's defaults.
	MapError func(error) CodedError
	// Operations are the service's operations (the generated
	// OperationNames), which Protocol routes.
	Operations []string
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

// SigningName returns the service of the request's SigV4 credential scope
// (the Authorization header, or X-Amz-Credential of a presigned URL), or ""
// when there is none. It verifies nothing: it is for routing a request to
// the service whose signature the middleware chain then verifies.
func SigningName(r *http.Request) string {
	cred := ""
	if a := r.Header.Get("Authorization"); a != "" {
		_, rest, ok := strings.Cut(a, "Credential=")
		if !ok {
			return ""
		}
		cred, _, _ = strings.Cut(rest, ",")
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[3]
}

// ServeHTTP serves a request on its own: it reads the body (at most
// MaxBodyBytes), takes the caller from the context (deskplane.CallerFrom;
// a chain puts it there after verifying the signature) and a request id
// from it, or makes one.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, _ := deskplane.CallerFrom(r.Context())
	if c.RequestID == "" {
		c.RequestID = NewRequestID()
	}
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				s.WriteError(w, &Error{Code: "RequestEntityTooLarge", Status: http.StatusRequestEntityTooLarge,
					Message: fmt.Sprintf("The request body is larger than the %d bytes deskplane accepts.", MaxBodyBytes)}, c.RequestID)
				return
			}
			s.WriteError(w, &Error{Code: "MalformedQueryString", Status: http.StatusBadRequest,
				Message: "The request body could not be read: " + err.Error()}, c.RequestID)
			return
		}
		body = b
	}
	s.Serve(w, r, body, c)
}

// Serve answers one request whose body has been read and whose caller has
// been verified, and returns the status it answered. The caller, with its
// Operation set to the Action, is in the context of the operation.
func (s *Service) Serve(w http.ResponseWriter, r *http.Request, body []byte, c deskplane.Caller) int {
	if c.RequestID == "" {
		c.RequestID = NewRequestID()
	}
	action, f, err := s.Parse(r, body)
	if err != nil {
		return s.WriteError(w, s.Wire(err), c.RequestID)
	}
	c.Operation = action
	out, err := s.Backend.InvokeForm(deskplane.WithCaller(r.Context(), c), action, f)
	if err != nil {
		return s.WriteError(w, s.Wire(err), c.RequestID)
	}
	return s.WriteResult(w, action, out, c.RequestID)
}

// Parse reads the request's parameters (the body of a POST, the query
// string of a GET) and returns its Action and the parameters. It refuses,
// with the error to answer, a method other than GET or POST, a POST body
// that is not a form, a malformed form, a missing Action or Version, and
// (awsQuery) a Version other than the service's. EC2 answers every API
// version it ever had, so ec2Query accepts any Version.
func (s *Service) Parse(r *http.Request, body []byte) (string, *smithy.Form, error) {
	raw, err := rawForm(r, body)
	if err != nil {
		switch err {
		case errContentType:
			return "", nil, &Error{Code: "MalformedQueryString", Status: http.StatusBadRequest,
				Message: fmt.Sprintf("Content-Type %q is not supported: %s requests are application/x-www-form-urlencoded.", r.Header.Get("Content-Type"), s.Name)}
		default:
			return "", nil, &Error{Code: "MethodNotAllowed", Status: http.StatusMethodNotAllowed,
				Message: fmt.Sprintf("Method %s is not allowed: %s requests are POST with a form body, or GET with a query string.", r.Method, s.Name)}
		}
	}
	f, err := smithy.ParseForm(raw)
	if err != nil {
		return "", nil, &Error{Code: "MalformedQueryString", Status: http.StatusBadRequest, Message: "The query string is malformed: " + err.Error()}
	}
	action, _ := f.Get("Action")
	if action == "" {
		return "", nil, &Error{Code: "MissingAction", Status: http.StatusBadRequest, Message: "The request must contain the parameter Action."}
	}
	version, _ := f.Get("Version")
	if version == "" {
		return action, nil, &Error{Code: "MissingParameter", Status: http.StatusBadRequest, Message: "The request must contain the parameter Version."}
	}
	if s.Dialect == AWSQuery && version != s.Version {
		return action, nil, &Error{Code: "InvalidAction", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Could not find operation %s for version %s.", action, version)}
	}
	return action, f, nil
}

var (
	errContentType = errors.New("awsquery: not a form")
	errMethod      = errors.New("awsquery: not GET or POST")
)

// rawForm returns the parameters of a request: the form body of a POST
// (with the query string's parameters after it), the query string of a
// GET.
func rawForm(r *http.Request, body []byte) (string, error) {
	switch r.Method {
	case http.MethodPost:
		if ct := r.Header.Get("Content-Type"); ct != "" {
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil || mt != "application/x-www-form-urlencoded" {
				return "", errContentType
			}
		}
		raw := string(body)
		if r.URL.RawQuery != "" {
			raw += "&" + r.URL.RawQuery
		}
		return raw, nil
	case http.MethodGet:
		return r.URL.RawQuery, nil
	}
	return "", errMethod
}

// Wire maps any error to the wire error this service answers: MapError's
// answer when it has one; a CodedError as it is; the generated code's
// errors as the query protocols name them; anything else as a 500.
func (s *Service) Wire(err error) CodedError {
	if s.MapError != nil {
		if ce := s.MapError(err); ce != nil {
			return ce
		}
	}
	var ce CodedError
	if errors.As(err, &ce) {
		return ce
	}
	var ve *smithy.ValidationError
	if errors.As(err, &ve) {
		if s.Dialect == EC2Query {
			return ec2Validation(ve)
		}
		return &Error{Code: "ValidationError", Status: http.StatusBadRequest, Message: ve.Error()}
	}
	var se *smithy.SerializationError
	if errors.As(err, &se) {
		return &Error{Code: "InvalidParameterValue", Status: http.StatusBadRequest, Message: se.Message}
	}
	var ue *smithy.UnknownOperationError
	if errors.As(err, &ue) {
		return &Error{Code: "InvalidAction", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("The action %s is not valid for this web service.", ue.Operation)}
	}
	var ni *smithy.NotImplementedError
	if errors.As(err, &ni) {
		return &Error{Code: "NotImplemented", Status: http.StatusNotImplemented,
			Message: fmt.Sprintf("deskplane does not implement the %s action %s yet; see the operation coverage table in README.md.", s.Name, ni.Operation)}
	}
	code := "InternalFailure"
	if s.Dialect == EC2Query {
		code = "InternalError"
	}
	return &Error{Code: code, Status: http.StatusInternalServerError,
		Message: "The request processing has failed because of an unknown error, exception or failure."}
}

// ec2Validation is EC2's form of a validation failure: MissingParameter
// naming the first missing member when only required members are missing,
// InvalidParameterValue with the full list otherwise.
func ec2Validation(ve *smithy.ValidationError) *Error {
	allNull := len(ve.Violations) > 0
	for _, v := range ve.Violations {
		allNull = allNull && v.Null
	}
	if allNull {
		return &Error{Code: "MissingParameter", Status: http.StatusBadRequest,
			Message: "The request must contain the parameter " + ve.Violations[0].Path + "."}
	}
	return &Error{Code: "InvalidParameterValue", Status: http.StatusBadRequest, Message: ve.Error()}
}

// xmlAppender is what the generated output and error shapes implement.
type xmlAppender interface {
	AppendXML(b []byte) []byte
}

// WriteResult writes the successful answer of action. An output without an
// AppendXML method (the generated empty outputs of operations the model
// gives none) has no Result element in awsQuery and <return>true</return>
// in ec2Query, as EC2 answers such actions.
func (s *Service) WriteResult(w http.ResponseWriter, action string, out any, requestID string) int {
	b := make([]byte, 0, 1024)
	a, hasResult := out.(xmlAppender)
	if s.Dialect == EC2Query {
		b = append(b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<"...)
		b = append(b, action...)
		b = append(b, "Response xmlns=\""...)
		b = smithy.AppendXMLText(b, s.Namespace)
		b = append(b, "\"><requestId>"...)
		b = smithy.AppendXMLText(b, requestID)
		b = append(b, "</requestId>"...)
		if hasResult {
			b = a.AppendXML(b)
		} else {
			b = append(b, "<return>true</return>"...)
		}
		b = append(b, "</"...)
		b = append(b, action...)
		b = append(b, "Response>"...)
	} else {
		b = append(b, '<')
		b = append(b, action...)
		b = append(b, "Response xmlns=\""...)
		b = smithy.AppendXMLText(b, s.Namespace)
		b = append(b, "\">"...)
		if hasResult {
			b = append(b, '<')
			b = append(b, action...)
			b = append(b, "Result>"...)
			b = a.AppendXML(b)
			b = append(b, "</"...)
			b = append(b, action...)
			b = append(b, "Result>"...)
		}
		b = append(b, "<ResponseMetadata><RequestId>"...)
		b = smithy.AppendXMLText(b, requestID)
		b = append(b, "</RequestId></ResponseMetadata></"...)
		b = append(b, action...)
		b = append(b, "Response>"...)
	}
	return write(w, http.StatusOK, requestID, b)
}

// WriteError writes e in the service's error envelope with its status, and
// returns the status.
func (s *Service) WriteError(w http.ResponseWriter, e CodedError, requestID string) int {
	status := e.HTTPStatus()
	msg := e.Error()
	if m, ok := e.(interface{ ErrorMessage() string }); ok {
		msg = m.ErrorMessage()
	}
	b := make([]byte, 0, 512)
	if s.Dialect == EC2Query {
		b = append(b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Response><Errors><Error><Code>"...)
		b = smithy.AppendXMLText(b, e.ErrorCode())
		b = append(b, "</Code><Message>"...)
		b = smithy.AppendXMLText(b, msg)
		b = append(b, "</Message>"...)
		if a, ok := e.(xmlAppender); ok {
			b = a.AppendXML(b)
		}
		b = append(b, "</Error></Errors><RequestID>"...)
		b = smithy.AppendXMLText(b, requestID)
		b = append(b, "</RequestID></Response>"...)
	} else {
		typ := "Sender"
		if f, ok := e.(interface{ ErrorFault() string }); ok && f.ErrorFault() == "server" || status >= 500 {
			typ = "Receiver"
		}
		b = append(b, "<ErrorResponse xmlns=\""...)
		b = smithy.AppendXMLText(b, s.Namespace)
		b = append(b, "\"><Error><Type>"...)
		b = append(b, typ...)
		b = append(b, "</Type><Code>"...)
		b = smithy.AppendXMLText(b, e.ErrorCode())
		b = append(b, "</Code><Message>"...)
		b = smithy.AppendXMLText(b, msg)
		b = append(b, "</Message>"...)
		if a, ok := e.(xmlAppender); ok {
			b = a.AppendXML(b)
		}
		b = append(b, "</Error><RequestId>"...)
		b = smithy.AppendXMLText(b, requestID)
		b = append(b, "</RequestId></ErrorResponse>"...)
	}
	if status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", "GET, POST")
	}
	return write(w, status, requestID, b)
}

func write(w http.ResponseWriter, status int, requestID string, b []byte) int {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("x-amzn-RequestId", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return status
}
