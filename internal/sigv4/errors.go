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
// __type, Status the HTTP status and Message the message member of an AWS
// JSON-protocol answer. Check names the check that failed and AccessKey the
// access key the request named (empty when it named none), for logs and for
// protocols whose error names differ (the Query protocol's
// SignatureDoesNotMatch, InvalidClientTokenId…), which map Check.
type AuthError struct {
	Code      string `json:"-"`
	Status    int    `json:"-"`
	Message   string `json:"message"`
	Check     Check  `json:"-"`
	AccessKey string `json:"-"`
}

func (e *AuthError) Error() string { return e.Code + ": " + e.Message }

// ErrorCode, HTTPStatus and ErrorMessage make an AuthError a wire error.
func (e *AuthError) ErrorCode() string    { return e.Code }
func (e *AuthError) HTTPStatus() int      { return e.Status }
func (e *AuthError) ErrorMessage() string { return e.Message }

// Check is the verification step a request failed, in the order the
// verifier runs them.
type Check string

const (
	CheckMissing          Check = "missing-authentication" // no Authorization header and no presigned query
	CheckAlgorithm        Check = "algorithm"              // not AWS4-HMAC-SHA256
	CheckSyntax           Check = "authorization-syntax"   // a parameter without '=', or parameters missing
	CheckHostNotSigned    Check = "host-not-signed"        // host is not a signed header
	CheckTargetNotSigned  Check = "target-not-signed"      // X-Amz-Target is not a signed header
	CheckDate             Check = "date-format"            // the request date does not parse
	CheckPresignExpires   Check = "presign-expires"        // X-Amz-Expires is not a number of seconds up to a week
	CheckExpired          Check = "expired"                // the request date is too old
	CheckNotYetCurrent    Check = "not-yet-current"        // the request date is too far ahead
	CheckCredentialFormat Check = "credential-format"      // the credential is not KEY/DATE/REGION/SERVICE/aws4_request
	CheckScope            Check = "credential-scope"       // scope region, terminator or date is wrong
	CheckRegion           Check = "region-not-served"      // the scope names a Region this endpoint does not serve
	CheckService          Check = "wrong-service"          // the scope names another service (WrongServiceError)
	CheckUnknownKey       Check = "unknown-access-key"     // the access key is not in the credential store
	CheckPayloadHash      Check = "payload-hash-mismatch"  // a signed X-Amz-Content-Sha256 is not the body's hash
	CheckSignature        Check = "signature-mismatch"     // the signature is not the one the secret gives
	CheckQueryEscape      Check = "malformed-query"        // a bad % escape in the query string
)

func authErr(check Check, code, msg string) *AuthError {
	return &AuthError{Code: code, Status: statusAuth, Message: msg, Check: check}
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

func errMissingToken() *AuthError {
	return authErr(CheckMissing, CodeMissingAuthenticationToken, msgMissingToken)
}

func errUnknownKey() *AuthError {
	return authErr(CheckUnknownKey, CodeUnrecognizedClient, msgUnknownKey)
}

func errSignatureMismatch(check Check) *AuthError {
	return authErr(check, CodeInvalidSignature, msgSignatureMismatch)
}

func errUnsupportedAlgorithm(alg string) *AuthError {
	return authErr(CheckAlgorithm, CodeIncompleteSignature, "Unsupported AWS 'algorithm': '"+alg+"'.")
}

func errMissingEqualSign(part, header string) *AuthError {
	return authErr(CheckSyntax, CodeIncompleteSignature,
		"'"+part+"' not a valid key=value pair (missing equal-sign) in Authorization header: '"+header+"'.")
}

func errBadDate(date string) *AuthError {
	return authErr(CheckDate, CodeIncompleteSignature,
		"Date must be in ISO-8601 'basic format'. Got '"+date+"'. See http://en.wikipedia.org/wiki/ISO_8601")
}

func errFiveParts(credential string) *AuthError {
	return authErr(CheckCredentialFormat, CodeIncompleteSignature, msgFiveParts+credential+"'")
}

func errMalformedQuery(msg string) *AuthError {
	return authErr(CheckQueryEscape, CodeMalformedQueryString, msg)
}

// errExpired and errNotYetCurrent report a request time outside the allowed
// skew: "Signature expired: 20240101T000000Z is now earlier than
// 20240101T001500Z (20240101T003000Z - 15 min.)".
func errExpired(req, now time.Time, skew time.Duration) *AuthError {
	return authErr(CheckExpired, CodeInvalidSignature, "Signature expired: "+isoBasic(req)+" is now earlier than "+
		isoBasic(now.Add(-skew))+" ("+isoBasic(now)+" - "+skewText(skew)+".)")
}

func errNotYetCurrent(req, now time.Time, skew time.Duration) *AuthError {
	return authErr(CheckNotYetCurrent, CodeInvalidSignature, "Signature not yet current: "+isoBasic(req)+" is still later than "+
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
	return authErr(CheckService, CodeInvalidSignature, "Credential should be scoped to correct service: '"+want+"'. ")
}

// scopeErrors collects the credential-scope complaints AWS reports together.
type scopeErrors struct {
	b     strings.Builder
	check Check
}

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
	check := s.check
	if check == "" {
		check = CheckScope
	}
	return authErr(check, CodeInvalidSignature, s.b.String())
}
