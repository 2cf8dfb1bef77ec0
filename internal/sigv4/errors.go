package sigv4

import (
	"strconv"
	"strings"
	"time"
)

// The wire names (__type) of the authentication errors. They are the names
// AWS JSON-protocol (Coral) services such as WorkSpaces, DynamoDB, ECR or
// Cognito put in the error body; docs/decisions/0002-sigv4-errors.md lists
// each condition, its message and the evidence it was taken from.
const (
	CodeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	CodeIncompleteSignature        = "IncompleteSignatureException"
	CodeInvalidSignature           = "InvalidSignatureException"
	CodeUnrecognizedClient         = "UnrecognizedClientException"
	CodeMalformedQueryString       = "MalformedQueryString"
)

// statusAuth is the HTTP status every authentication error is answered with.
// JSON-protocol services answer 400 (not the 403 of REST services) for all of
// them; see the decision record.
const statusAuth = 400

// AuthError is an authentication failure, ready for the wire: Code is the
// __type, Status the HTTP status and Message the message member.
type AuthError struct {
	Code    string
	Status  int
	Message string
}

func (e *AuthError) Error() string { return e.Code + ": " + e.Message }

func authErr(code, msg string) *AuthError {
	return &AuthError{Code: code, Status: statusAuth, Message: msg}
}

// Message texts. Where AWS builds a message from several fragments, every
// fragment ends in ". " and the fragments are concatenated, which is why some
// real messages end in a space ("Credential should be scoped to correct
// service: 'sagemaker'. ").
const (
	msgMissingToken      = "Request is missing Authentication Token"
	msgUnknownKey        = "The security token included in the request is invalid."
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgHostNotSigned     = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgTargetNotSigned   = "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization."
	msgReqCredential     = "Authorization header requires 'Credential' parameter. "
	msgReqSignature      = "Authorization header requires 'Signature' parameter. "
	msgReqSignedHeaders  = "Authorization header requires 'SignedHeaders' parameter. "
	msgReqDate           = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
	msgQueryReqPrefix    = "AWS query-string parameters must include '"
	msgQueryReexamine    = "Re-examine the query-string parameters."
	msgFiveParts         = "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"
)

func errMissingToken() *AuthError { return authErr(CodeMissingAuthenticationToken, msgMissingToken) }

func errUnknownKey() *AuthError { return authErr(CodeUnrecognizedClient, msgUnknownKey) }

func errSignatureMismatch() *AuthError { return authErr(CodeInvalidSignature, msgSignatureMismatch) }

func errUnsupportedAlgorithm(alg string) *AuthError {
	return authErr(CodeIncompleteSignature, "Unsupported AWS 'algorithm': '"+alg+"'.")
}

func errMissingEqualSign(part, header string) *AuthError {
	return authErr(CodeIncompleteSignature,
		"'"+part+"' not a valid key=value pair (missing equal-sign) in Authorization header: '"+header+"'.")
}

func errBadDate(date string) *AuthError {
	return authErr(CodeIncompleteSignature,
		"Date must be in ISO-8601 'basic format'. Got '"+date+"'. See http://en.wikipedia.org/wiki/ISO_8601")
}

func errFiveParts(credential string) *AuthError {
	return authErr(CodeIncompleteSignature, msgFiveParts+credential+"'")
}

func errMalformedQuery(msg string) *AuthError { return authErr(CodeMalformedQueryString, msg) }

// errExpired and errNotYetCurrent report a request time outside the allowed
// skew: "Signature expired: 20240101T000000Z is now earlier than
// 20240101T001500Z (20240101T003000Z - 15 min.)".
func errExpired(req, now time.Time, skew time.Duration) *AuthError {
	return authErr(CodeInvalidSignature, "Signature expired: "+isoBasic(req)+" is now earlier than "+
		isoBasic(now.Add(-skew))+" ("+isoBasic(now)+" - "+skewText(skew)+".)")
}

func errNotYetCurrent(req, now time.Time, skew time.Duration) *AuthError {
	return authErr(CodeInvalidSignature, "Signature not yet current: "+isoBasic(req)+" is still later than "+
		isoBasic(now.Add(skew))+" ("+isoBasic(now)+" + "+skewText(skew)+".)")
}

// skewText renders the window the way AWS does ("15 min", "5 min"); windows
// that are not whole minutes (tests, presigned expiries) are given in seconds.
func skewText(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + " sec"
}

// WrongServiceError is the error for a request whose credential scope names
// another service than the one answering it (Identity.Service differs from
// the signing name of the API the request was routed to). The verifier
// cannot check this itself because one endpoint serves several signing
// names; the caller that knows the target checks it.
func WrongServiceError(want string) *AuthError {
	return authErr(CodeInvalidSignature, "Credential should be scoped to correct service: '"+want+"'. ")
}

// scopeErrors collects the credential-scope complaints AWS reports together.
type scopeErrors struct{ b strings.Builder }

func (s *scopeErrors) add(parts ...string) {
	for _, p := range parts {
		s.b.WriteString(p)
	}
	s.b.WriteString(". ")
}

func (s *scopeErrors) err() *AuthError {
	if s.b.Len() == 0 {
		return nil
	}
	return authErr(CodeInvalidSignature, s.b.String())
}
