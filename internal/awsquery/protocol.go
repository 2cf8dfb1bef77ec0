package awsquery

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/deskplane/deskplane/internal/httpx"
	"github.com/deskplane/deskplane/internal/sigv4"
	"github.com/deskplane/deskplane/internal/smithy"
)

// Protocol is the adapter of the query protocols to the httpx chain
// (docs/decisions/0290-query-protocols-mounted.md). The services it serves
// share POST / (and GET /): a request goes to the service its SigV4
// credential scope names (sts, iam, ec2), or — a request without a scope,
// which only -accept-any-credentials lets in — to the service whose API
// version its Version parameter names. Route reads the form and checks
// Action and Version before the signature is verified; Serve invokes the
// operation; Wire maps signature failures to each protocol's names
// (InvalidClientTokenId, SignatureDoesNotMatch, ExpiredToken; EC2's
// AuthFailure, RequestExpired) and everything else through the routed
// service; WriteError writes the routed service's envelope.
type Protocol struct {
	services  []*Service
	bySigning map[string]*Service
	byVersion map[string]*Service
	ops       map[*Service]map[string]bool
}

var _ httpx.Protocol = (*Protocol)(nil)

// NewProtocol returns the adapter of the services. Each must have its
// Operations: an Action that is none of them is answered InvalidAction
// before its signature is checked (and never becomes a metrics label).
func NewProtocol(services ...*Service) *Protocol {
	p := &Protocol{
		bySigning: make(map[string]*Service, len(services)),
		byVersion: make(map[string]*Service, len(services)),
		ops:       make(map[*Service]map[string]bool, len(services)),
	}
	for _, s := range services {
		p.services = append(p.services, s)
		p.bySigning[s.SigningName] = s
		p.byVersion[s.Version] = s
		ops := make(map[string]bool, len(s.Operations))
		for _, op := range s.Operations {
			ops[op] = true
		}
		p.ops[s] = ops
	}
	return p
}

// IsQuery reports whether a request speaks a query protocol: no
// X-Amz-Target, and a form body (POST) or an Action in the query string
// (GET). It reads no body, so that httpx.Chain.Select can use it.
func IsQuery(r *http.Request) bool {
	if r.Header.Get("X-Amz-Target") != "" {
		return false
	}
	switch r.Method {
	case http.MethodPost:
		ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
		return strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded")
	case http.MethodGet:
		return strings.Contains(r.URL.RawQuery, "Action=")
	}
	return false
}

// routed is what Route found: the service and the parsed form.
type routed struct {
	svc  *Service
	form *smithy.Form
}

// routeError is a refusal of Route, with the service whose envelope it is
// answered in (nil: no service could be told).
type routeError struct {
	svc *Service
	CodedError
}

func (e *routeError) Unwrap() error { return e.CodedError }

// neutral answers what cannot be told apart: the awsQuery envelope
// without a namespace.
var neutral = &Service{Dialect: AWSQuery, Name: "AWS"}

// service picks the service of a request: the signing name of its scope,
// else the service of its Version parameter.
func (p *Protocol) service(r *http.Request, body []byte) (*Service, error) {
	if name := SigningName(r); name != "" {
		if s, ok := p.bySigning[name]; ok {
			return s, nil
		}
		return nil, &Error{Code: "InvalidAction", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("This endpoint serves the query protocol of %s; the request is signed for the service '%s'.", p.names(), name)}
	}
	raw, err := rawForm(r, body)
	if err == nil {
		if f, err := smithy.ParseForm(raw); err == nil {
			if v, _ := f.Get("Version"); p.byVersion[v] != nil {
				return p.byVersion[v], nil
			}
		}
	}
	return nil, &Error{Code: "MissingAuthenticationToken", Status: http.StatusForbidden,
		Message: "Request is missing Authentication Token"}
}

func (p *Protocol) names() string {
	names := make([]string, len(p.services))
	for i, s := range p.services {
		names[i] = s.SigningName
	}
	return strings.Join(names, ", ")
}

// Route names the service and the Action.
func (p *Protocol) Route(r *http.Request, ex *httpx.Exchange) (httpx.Route, error) {
	ex.Target = r.Method + " " + r.URL.Path
	svc, err := p.service(r, ex.Body)
	if err != nil {
		return httpx.Route{}, &routeError{CodedError: err.(CodedError)}
	}
	if r.URL.Path != "/" {
		return httpx.Route{}, &routeError{svc, &Error{Code: "InvalidAction", Status: http.StatusNotFound,
			Message: fmt.Sprintf("No operation is served at path %q: %s requests are sent to /.", r.URL.Path, svc.Name)}}
	}
	action, f, err := svc.Parse(r, ex.Body)
	if action != "" {
		ex.Target = svc.Name + " " + action
	}
	if err != nil {
		return httpx.Route{}, &routeError{svc, err.(CodedError)}
	}
	if !p.ops[svc][action] {
		return httpx.Route{}, &routeError{svc, &Error{Code: "InvalidAction", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("The action %s is not valid for this web service.", action)}}
	}
	return httpx.Route{Service: svc.Name, SigningName: svc.SigningName, Operation: action, Target: &routed{svc, f}}, nil
}

// Serve invokes the operation and writes its answer.
func (p *Protocol) Serve(ctx context.Context, w http.ResponseWriter, r *http.Request, ex *httpx.Exchange) error {
	rt := ex.Route.Target.(*routed)
	out, err := rt.svc.Backend.InvokeForm(ctx, ex.Route.Operation, rt.form)
	if err != nil {
		return err
	}
	rt.svc.WriteResult(w, ex.Route.Operation, out, ex.Caller.RequestID)
	return nil
}

// routedService is the service of the exchange, or nil.
func routedService(ex *httpx.Exchange) *Service {
	if rt, ok := ex.Route.Target.(*routed); ok {
		return rt.svc
	}
	return nil
}

// Wire maps any error to the wire error of the routed service.
func (p *Protocol) Wire(ex *httpx.Exchange, err error) httpx.CodedError {
	var re *routeError
	if errors.As(err, &re) {
		return re
	}
	svc := routedService(ex)
	if svc == nil {
		svc = neutral
	}
	var ae *sigv4.AuthError
	if errors.As(err, &ae) {
		return authError(svc.Dialect, ae)
	}
	ce := svc.Wire(err)
	if ce.ErrorCode() == "ThrottlingException" { // the control API's throttling
		code := "Throttling"
		if svc.Dialect == EC2Query {
			code = "RequestLimitExceeded"
		}
		return &Error{Code: code, Status: ce.HTTPStatus(), Message: httpx.Message(ce)}
	}
	return ce
}

// WriteError writes e in the envelope of the routed service.
func (p *Protocol) WriteError(w http.ResponseWriter, r *http.Request, ex *httpx.Exchange, e httpx.CodedError) {
	svc := routedService(ex)
	if re, ok := e.(*routeError); ok {
		svc, e = re.svc, re.CodedError
	}
	if svc == nil {
		svc = neutral
	}
	svc.WriteError(w, e, ex.Caller.RequestID)
}

// The messages of the signature failures the query protocols word their
// own way.
const (
	msgInvalidClientTokenID = "The security token included in the request is invalid."
	msgExpiredToken         = "The security token included in the request is expired"
	msgAuthFailure          = "AWS was not able to validate the provided access credentials"
	msgRequestExpired       = "Request has expired."
)

// authError names a signature failure the way each protocol does
// (docs/decisions/0290-query-protocols-mounted.md): awsQuery (STS, IAM)
// answers 403 InvalidClientTokenId, SignatureDoesNotMatch, ExpiredToken,
// MissingAuthenticationToken and 400 IncompleteSignature; EC2 answers 401
// AuthFailure and 400 RequestExpired.
func authError(d Dialect, ae *sigv4.AuthError) *Error {
	incomplete := []sigv4.Check{sigv4.CheckAlgorithm, sigv4.CheckSyntax, sigv4.CheckHostNotSigned, sigv4.CheckTargetNotSigned,
		sigv4.CheckDate, sigv4.CheckPresignExpires, sigv4.CheckCredentialFormat}
	switch {
	case ae.Check == sigv4.CheckQueryEscape:
		return &Error{Code: "MalformedQueryString", Status: http.StatusBadRequest, Message: ae.Message}
	case slices.Contains(incomplete, ae.Check):
		return &Error{Code: "IncompleteSignature", Status: http.StatusBadRequest, Message: ae.Message}
	}
	if d == EC2Query {
		switch ae.Check {
		case sigv4.CheckMissing:
			return &Error{Code: "MissingAuthenticationToken", Status: http.StatusUnauthorized, Message: ae.Message}
		case sigv4.CheckExpired, sigv4.CheckNotYetCurrent:
			return &Error{Code: "RequestExpired", Status: http.StatusBadRequest, Message: ae.Message}
		case sigv4.CheckExpiredToken:
			return &Error{Code: "RequestExpired", Status: http.StatusBadRequest, Message: msgRequestExpired}
		case sigv4.CheckScope, sigv4.CheckRegion, sigv4.CheckService:
			return &Error{Code: "AuthFailure", Status: http.StatusUnauthorized, Message: ae.Message}
		}
		return &Error{Code: "AuthFailure", Status: http.StatusUnauthorized, Message: msgAuthFailure}
	}
	switch ae.Check {
	case sigv4.CheckMissing:
		return &Error{Code: "MissingAuthenticationToken", Status: http.StatusForbidden, Message: ae.Message}
	case sigv4.CheckUnknownKey, sigv4.CheckInvalidToken:
		return &Error{Code: "InvalidClientTokenId", Status: http.StatusForbidden, Message: msgInvalidClientTokenID}
	case sigv4.CheckExpiredToken:
		return &Error{Code: "ExpiredToken", Status: http.StatusForbidden, Message: msgExpiredToken}
	}
	return &Error{Code: "SignatureDoesNotMatch", Status: http.StatusForbidden, Message: ae.Message}
}
