package sigv4

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// Temporary credentials (docs/decisions/0292-sts-temporary-credentials.md).
//
// An access key that is not in the credential store may be a temporary
// credential that STS issued: the request then carries its session token
// (the X-Amz-Security-Token header, or the query parameter of a presigned
// request), and the Verifier asks its SessionSource for the credential
// with that key and token. The source checks the token, the expiry and
// whatever the credential depends on (the role it assumed); the Verifier
// then checks the signature with the secret the source answers, as for a
// key of the store.

// SessionSource looks up temporary credentials.
type SessionSource interface {
	// Session returns the credential (access key, secret, account) of the
	// temporary access key presented with token. It answers
	// ErrInvalidSessionToken when there is no such key, the token is not
	// its token or what the credential depends on is gone, and
	// ErrExpiredSessionToken when the credential has expired. Any other
	// error is a failure of the source (the request fails with a 500).
	Session(ctx context.Context, accessKeyID, token string) (Credential, error)
}

// The answers of a SessionSource that refuse a credential.
var (
	ErrInvalidSessionToken = errors.New("sigv4: the security token is not valid for the access key")
	ErrExpiredSessionToken = errors.New("sigv4: the temporary credential has expired")
)

// The wire names of the session-token errors of AWS JSON-protocol
// services: a token that is not valid is an unrecognized client, as for an
// unknown access key; an expired one has its own error.
const CodeExpiredToken = "ExpiredTokenException"

const (
	msgExpiredToken = "The security token included in the request is expired"
	// SecurityTokenHeader carries the session token of temporary
	// credentials (also a query parameter of presigned requests).
	SecurityTokenHeader = "X-Amz-Security-Token"
)

// The checks of temporary credentials (AuthError.Check).
const (
	CheckInvalidToken Check = "invalid-session-token" // the key is not a temporary credential, or the token is not its token
	CheckExpiredToken Check = "expired-session-token" // the temporary credential has expired
)

func errInvalidToken() *AuthError {
	return authErr(CheckInvalidToken, CodeUnrecognizedClient, msgUnknownKey)
}

func errExpiredToken() *AuthError {
	return authErr(CheckExpiredToken, CodeExpiredToken, msgExpiredToken)
}

// securityToken returns the session token of the request: the header, or
// the query parameter (presigned requests put it there).
func securityToken(r *http.Request, in *authInput) string {
	if v := r.Header[SecurityTokenHeader]; len(v) > 0 && v[0] != "" {
		return strings.TrimSpace(v[0])
	}
	q := wireQuery(r)
	for q != "" {
		var part string
		part, q, _ = strings.Cut(q, "&")
		k, val, _ := strings.Cut(part, "=")
		if k == SecurityTokenHeader {
			if dv, err := queryUnescape(val); err == nil {
				return dv
			}
			return ""
		}
	}
	return ""
}

// isSession reports whether a request whose access key is not in the store
// names a temporary credential, so that -accept-any-credentials verifies
// it in full instead of letting it in as the anonymous account. Only a
// parsable request with a session token is looked up.
func (v *Verifier) isSession(r *http.Request, in *authInput, parseErr *AuthError) bool {
	if v.sessions == nil || parseErr != nil {
		return false
	}
	token := securityToken(r, in)
	if token == "" {
		return false
	}
	_, err := v.sessions.Session(r.Context(), accessKey(in.credential), token)
	return !errors.Is(err, ErrInvalidSessionToken)
}
