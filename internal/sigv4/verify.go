package sigv4

import (
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Identity is who a verified request acts as: the access key it was signed
// with, the account that key belongs to, and the region and service of its
// credential scope. Temporary is true when the key is a temporary
// credential of Options.Sessions (its session token was checked).
type Identity struct {
	AccessKeyID, Account, Region, Service string
	Temporary                             bool
}

// Options tune a Verifier.
type Options struct {
	Now     func() time.Time // wall clock; nil = time.Now
	MaxSkew time.Duration    // 0 = 15 minutes
	// AcceptAny is an explicit opt-in for tools that cannot sign: requests
	// whose access key is not in the store (or that carry no usable
	// signature at all) are accepted as AnonymousAccount without checking
	// the signature; the region and service still come from the
	// credential scope when there is one (else the first of Regions, or
	// us-east-1). Requests naming a known access key are verified in full,
	// and AnonymousAccount may not be an account of the store, so AcceptAny
	// never lets anyone act as a configured account
	// (docs/decisions/0120-accept-any-credentials.md).
	AcceptAny        bool
	AnonymousAccount string // the account of AcceptAny's unverified requests
	// Regions, when not empty, are the only Regions served: a credential
	// scoped to another one fails like a request sent to the wrong
	// Regional endpoint ("Credential should be scoped to a valid region,
	// not '…'."). Empty serves every region-shaped name.
	Regions []string
	// GlobalRegions maps the signing names of global services to the
	// Region their global endpoint signs for (iam and sts: us-east-1): a
	// scope of that service and Region is served even when Regions does
	// not list the Region.
	GlobalRegions map[string]string
	// Sessions, when set, is where access keys that are not in the
	// credential store are looked up as temporary credentials, with the
	// request's session token (X-Amz-Security-Token).
	Sessions SessionSource
}

const (
	defaultSkew    = 15 * time.Minute
	defaultRegion  = "us-east-1"
	maxPresignTime = 604800 // seconds; SigV4 presigned URLs live at most a week
)

// Verifier checks SigV4 signatures against a fixed credential store. It is
// safe for concurrent use.
type Verifier struct {
	creds         map[string]Credential
	now           func() time.Time
	skew          time.Duration
	acceptAny     bool
	anonAccount   string
	regions       []string
	global        map[string]string
	defaultRegion string
	sessions      SessionSource
	keys          keyCache
}

// NewVerifier builds a Verifier for creds. It rejects the same credential
// problems ParseCredentials does, a negative MaxSkew, AcceptAny without a
// 12-digit AnonymousAccount, an AnonymousAccount that an access key of the
// store acts for, and Regions that are not region-shaped.
func NewVerifier(creds []Credential, opts Options) (*Verifier, error) {
	v := &Verifier{
		creds:         make(map[string]Credential, len(creds)),
		now:           opts.Now,
		skew:          opts.MaxSkew,
		acceptAny:     opts.AcceptAny,
		anonAccount:   opts.AnonymousAccount,
		regions:       slices.Clone(opts.Regions),
		global:        maps.Clone(opts.GlobalRegions),
		defaultRegion: defaultRegion,
		sessions:      opts.Sessions,
	}
	for _, r := range v.regions {
		if !validRegion(r) {
			return nil, fmt.Errorf("sigv4: region %q is not a region name", r)
		}
	}
	for svc, r := range v.global {
		if !validRegion(r) {
			return nil, fmt.Errorf("sigv4: global region %q of service %q is not a region name", r, svc)
		}
	}
	if len(v.regions) > 0 && !slices.Contains(v.regions, defaultRegion) {
		v.defaultRegion = v.regions[0]
	}
	for i, c := range creds {
		if err := checkCredential(c); err != nil {
			return nil, fmt.Errorf("sigv4: credential %d: %w", i, err)
		}
		if _, dup := v.creds[c.AccessKeyID]; dup {
			return nil, fmt.Errorf("sigv4: credential %d: duplicate access key %q", i, c.AccessKeyID)
		}
		v.creds[c.AccessKeyID] = c
	}
	if v.now == nil {
		v.now = time.Now
	}
	switch {
	case v.skew < 0:
		return nil, errors.New("sigv4: negative MaxSkew")
	case v.skew == 0:
		v.skew = defaultSkew
	}
	if (v.acceptAny || v.anonAccount != "") && !isAccountID(v.anonAccount) {
		return nil, fmt.Errorf("sigv4: AnonymousAccount %q is not 12 digits", v.anonAccount)
	}
	for _, c := range v.creds {
		if v.anonAccount != "" && c.Account == v.anonAccount {
			return nil, fmt.Errorf("sigv4: AnonymousAccount %s is the account of access key %q; unverified requests must never act as a configured account", v.anonAccount, c.AccessKeyID)
		}
	}
	return v, nil
}

// authInput is what a request says about its own signature, from the
// Authorization header or from the query string (presigned).
type authInput struct {
	presigned     bool
	credential    string // KEY/20240101/us-east-1/workspaces/aws4_request
	signedHeaders string
	signature     string
	date          string // as sent
	httpDate      bool   // date is the Date header, which may be an HTTP date
	expires       string // presigned only
	contentSHA    string // X-Amz-Content-Sha256 when it is part of the signature
	hasContentSHA bool
}

// Verify checks the request's SigV4 signature (Authorization header, or
// presigned query parameters) against the credential store. body is the
// full request body. On failure it returns an *AuthError carrying the code,
// status and message a JSON-protocol AWS service would answer with; the
// checks run in AWS's order (see docs/decisions/0002-sigv4-errors.md).
//
// Like AWS, Verify does not remember requests: a captured request verifies
// again, unchanged, until its time leaves the skew window.
func (v *Verifier) Verify(r *http.Request, body []byte) (Identity, error) {
	var in authInput
	var err *AuthError
	if h := r.Header["Authorization"]; len(h) > 0 && strings.TrimSpace(h[0]) != "" {
		err = parseAuthorization(r, strings.TrimSpace(h[0]), &in)
	} else if q := wireQuery(r); hasQueryAuth(q) {
		err = parsePresigned(r, q, &in)
	} else {
		err = errMissingToken()
	}
	if v.acceptAny {
		if _, known := v.creds[accessKey(in.credential)]; !known && !v.isSession(r, &in, err) {
			id, aerr := v.anonymous(in.credential)
			if aerr != nil {
				return Identity{}, aerr
			}
			return id, nil
		}
	}
	if err == nil {
		var id Identity
		var fail error
		id, err, fail = v.verify(r, body, &in)
		if fail != nil {
			return Identity{}, fail
		}
		if err == nil {
			return id, nil
		}
	}
	// Which key the request named, for the log; a copy, not a view of
	// the request's headers.
	if p, ok := splitCredential(in.credential); ok {
		err.AccessKey = strings.Clone(p[0])
	} else {
		err.AccessKey = strings.Clone(accessKey(in.credential))
	}
	return Identity{}, err
}

func wireQuery(r *http.Request) string {
	_, q := wirePath(r)
	return q
}

// accessKey is the part of a credential before the first '/'.
func accessKey(credential string) string {
	k, _, _ := strings.Cut(credential, "/")
	return k
}

// anonymous is the identity AcceptAny gives requests it does not verify:
// the anonymous account, never a configured one. A scope naming a Region
// that is not served fails as it would for a signed request. Its strings
// are copies, not views of the request's headers.
func (v *Verifier) anonymous(credential string) (Identity, *AuthError) {
	id := Identity{Account: v.anonAccount, Region: v.defaultRegion}
	if p, ok := splitCredential(credential); ok {
		id.AccessKeyID = strings.Clone(p[0])
		if p[2] != "" {
			if !v.serves(p[2], p[3]) {
				err := errRegionNotServed(p[2])
				err.AccessKey = id.AccessKeyID
				return Identity{}, err
			}
			id.Region = strings.Clone(p[2])
		}
		id.Service = strings.Clone(p[3])
	} else {
		id.AccessKeyID = strings.Clone(accessKey(credential))
	}
	return id, nil
}

// serves reports whether the verifier serves the Region for the service.
func (v *Verifier) serves(region, service string) bool {
	return len(v.regions) == 0 || slices.Contains(v.regions, region) || region != "" && v.global[service] == region
}

func errRegionNotServed(region string) *AuthError {
	var se scopeErrors
	se.check = CheckRegion
	se.add("Credential should be scoped to a valid region, not '", region, "'")
	return se.err()
}

// splitCredential splits KEY/DATE/REGION/SERVICE/TERM; ok is false unless
// there are exactly five elements.
func splitCredential(c string) (p [5]string, ok bool) {
	for i := range 4 {
		var found bool
		p[i], c, found = strings.Cut(c, "/")
		if !found {
			return p, false
		}
	}
	if strings.IndexByte(c, '/') >= 0 {
		return p, false
	}
	p[4] = c
	return p, true
}

// parseAuthorization reads an Authorization header. Like AWS it takes the
// first word as the algorithm and the rest as key=value parameters
// separated by commas and/or white space, whatever the algorithm, so that a
// bearer token or a SigV2 header gets the same answer it would from AWS.
func parseAuthorization(r *http.Request, hdr string, in *authInput) *AuthError {
	alg, rest := hdr, ""
	if i := strings.IndexAny(hdr, " \t"); i >= 0 {
		alg, rest = hdr[:i], hdr[i+1:]
	}
	if alg != algorithm && strings.HasPrefix(alg, "AWS4-") {
		return errUnsupportedAlgorithm(alg)
	}
	for rest != "" {
		i := 0
		for i < len(rest) && isParamSep(rest[i]) {
			i++
		}
		j := i
		for j < len(rest) && !isParamSep(rest[j]) {
			j++
		}
		tok := rest[i:j]
		rest = rest[j:]
		if tok == "" {
			continue
		}
		k, val, ok := strings.Cut(tok, "=")
		if !ok {
			return errMissingEqualSign(tok, hdr)
		}
		switch k {
		case "Credential":
			if in.credential == "" {
				in.credential = val
			}
		case "SignedHeaders":
			if in.signedHeaders == "" {
				in.signedHeaders = val
			}
		case "Signature":
			if in.signature == "" {
				in.signature = val
			}
		}
	}
	if d := r.Header["X-Amz-Date"]; len(d) > 0 {
		in.date = d[0]
	} else if d := r.Header["Date"]; len(d) > 0 {
		in.date, in.httpDate = d[0], true
	}
	if in.credential == "" || in.signature == "" || in.signedHeaders == "" || in.date == "" {
		var b strings.Builder
		if in.credential == "" {
			b.WriteString(msgReqCredential)
		}
		if in.signature == "" {
			b.WriteString(msgReqSignature)
		}
		if in.signedHeaders == "" {
			b.WriteString(msgReqSignedHeaders)
		}
		if in.date == "" {
			b.WriteString(msgReqDate)
		}
		b.WriteString("Authorization=")
		b.WriteString(hdr)
		return authErr(CheckSyntax, CodeIncompleteSignature, b.String())
	}
	if alg != algorithm {
		return errUnsupportedAlgorithm(alg)
	}
	if v := r.Header["X-Amz-Content-Sha256"]; len(v) > 0 && hasName(in.signedHeaders, "x-amz-content-sha256") {
		in.contentSHA, in.hasContentSHA = strings.TrimSpace(v[0]), true
	}
	return nil
}

func isParamSep(c byte) bool { return c == ',' || c == ' ' || c == '\t' }

// hasQueryAuth reports whether the query string carries presigned
// authentication (X-Amz-Algorithm, X-Amz-Credential or X-Amz-Signature).
func hasQueryAuth(q string) bool {
	for q != "" {
		var part string
		part, q, _ = strings.Cut(q, "&")
		switch k, _, _ := strings.Cut(part, "="); k {
		case "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature":
			return true
		}
	}
	return false
}

// parsePresigned reads the authentication parameters of a presigned
// request from its query string.
func parsePresigned(r *http.Request, q string, in *authInput) *AuthError {
	in.presigned = true
	var alg string
	var hasAlg bool
	for q != "" {
		var part string
		part, q, _ = strings.Cut(q, "&")
		k, val, _ := strings.Cut(part, "=")
		if !strings.HasPrefix(k, "X-Amz-") {
			continue
		}
		dv, err := queryUnescape(val)
		if err != nil {
			return err
		}
		switch k {
		case "X-Amz-Algorithm":
			alg, hasAlg = dv, true
		case "X-Amz-Credential":
			in.credential = dv
		case "X-Amz-SignedHeaders":
			in.signedHeaders = dv
		case "X-Amz-Signature":
			in.signature = dv
		case "X-Amz-Date":
			in.date = dv
		case "X-Amz-Expires":
			in.expires = dv
		case "X-Amz-Content-Sha256":
			in.contentSHA, in.hasContentSHA = dv, true
		}
	}
	if hasAlg && alg != algorithm {
		return errUnsupportedAlgorithm(alg)
	}
	if !hasAlg || in.credential == "" || in.signature == "" || in.signedHeaders == "" || in.date == "" {
		var b strings.Builder
		for _, p := range [...]struct {
			missing bool
			name    string
		}{
			{!hasAlg, "X-Amz-Algorithm"},
			{in.credential == "", "X-Amz-Credential"},
			{in.signature == "", "X-Amz-Signature"},
			{in.signedHeaders == "", "X-Amz-SignedHeaders"},
			{in.date == "", "X-Amz-Date"},
		} {
			if p.missing {
				b.WriteString(msgQueryReqPrefix)
				b.WriteString(p.name)
				b.WriteString("'. ")
			}
		}
		b.WriteString(msgQueryReexamine)
		return authErr(CheckSyntax, CodeIncompleteSignature, b.String())
	}
	return nil
}

// verify runs the checks that follow parsing, in AWS's order: signed
// headers, date, time window, credential shape, credential scope, access
// key, payload hash, signature.
//
// A failed check is an *AuthError; an error of the session source (a
// store that cannot be read) is returned apart, as fail.
func (v *Verifier) verify(r *http.Request, body []byte, in *authInput) (_ Identity, _ *AuthError, fail error) {
	if !hasName(in.signedHeaders, "host") && !hasName(in.signedHeaders, ":authority") {
		return Identity{}, authErr(CheckHostNotSigned, CodeInvalidSignature, msgHostNotSigned), nil
	}
	// The operation of a JSON request is its X-Amz-Target header; if it
	// were not signed, a captured request could be replayed as another
	// operation. Every SDK signs it; deskplane insists.
	if len(r.Header["X-Amz-Target"]) > 0 && !hasName(in.signedHeaders, "x-amz-target") {
		return Identity{}, authErr(CheckTargetNotSigned, CodeInvalidSignature, msgTargetNotSigned), nil
	}

	t, ok := parseISOBasic(in.date)
	if !ok && in.httpDate {
		var err error
		t, err = http.ParseTime(in.date)
		ok = err == nil
	}
	if !ok {
		return Identity{}, errBadDate(in.date), nil
	}
	t = t.UTC()

	now := v.now()
	if in.presigned && in.expires != "" {
		exp, err := strconv.ParseInt(in.expires, 10, 64)
		switch {
		case err != nil:
			return Identity{}, authErr(CheckPresignExpires, CodeIncompleteSignature, "X-Amz-Expires should be a number"), nil
		case exp < 0:
			return Identity{}, authErr(CheckPresignExpires, CodeIncompleteSignature, "X-Amz-Expires must be non-negative"), nil
		case exp > maxPresignTime:
			return Identity{}, authErr(CheckPresignExpires, CodeIncompleteSignature,
				"X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"), nil
		}
		life := time.Duration(exp) * time.Second
		if now.Sub(t) > life {
			return Identity{}, errExpired(t, now, life), nil
		}
		if t.Sub(now) > v.skew {
			return Identity{}, errNotYetCurrent(t, now, v.skew), nil
		}
	} else {
		if now.Sub(t) > v.skew {
			return Identity{}, errExpired(t, now, v.skew), nil
		}
		if t.Sub(now) > v.skew {
			return Identity{}, errNotYetCurrent(t, now, v.skew), nil
		}
	}

	p, ok := splitCredential(in.credential)
	if !ok {
		return Identity{}, errFiveParts(in.credential), nil
	}
	key, date, region, service, term := p[0], p[1], p[2], p[3], p[4]
	var se scopeErrors
	if !validRegion(region) {
		se.add("Credential should be scoped to a valid region, not '", region, "'")
	} else if !v.serves(region, service) {
		// What the real service answers a request signed for another
		// Region than its endpoint's.
		se.check = CheckRegion
		se.add("Credential should be scoped to a valid region, not '", region, "'")
	}
	if term != scopeTerminator {
		se.add("Credential should be scoped with a valid terminator: 'aws4_request', not '", term, "'")
	}
	var dayBuf [16]byte
	day := appendISOBasic(dayBuf[:0], t)[:8]
	if date != string(day) {
		se.add("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '",
			date, "' != '", string(day), "', from '", isoBasic(t), "'")
	}
	if err := se.err(); err != nil {
		return Identity{}, err, nil
	}

	cred, known := v.creds[key]
	temporary := false
	if !known {
		token := securityToken(r, in)
		if v.sessions == nil || token == "" {
			return Identity{}, errUnknownKey(), nil
		}
		var err error
		cred, err = v.sessions.Session(r.Context(), key, token)
		switch {
		case errors.Is(err, ErrInvalidSessionToken):
			return Identity{}, errInvalidToken(), nil
		case errors.Is(err, ErrExpiredSessionToken):
			return Identity{}, errExpiredToken(), nil
		case err != nil:
			return Identity{}, nil, fmt.Errorf("looking up temporary credential %s: %w", key, err)
		}
		temporary = true
	}

	hash := payloadHash(body)
	// The payload is always hashed from the body received. A client that
	// states another hash (UNSIGNED-PAYLOAD included) in a signed
	// X-Amz-Content-Sha256 has not signed this body.
	if in.hasContentSHA && in.contentSHA != string(hash[:]) {
		return Identity{}, errSignatureMismatch(CheckPayloadHash), nil
	}

	path, rawQuery := wirePath(r)
	var crBuf [1024]byte
	cr, aerr := appendCanonicalRequest(crBuf[:0], r, &canonicalRequest{
		path:          path,
		rawQuery:      rawQuery,
		skipSignature: in.presigned,
		host:          r.Host,
		signedHeaders: in.signedHeaders,
		payloadHash:   hash,
	})
	if aerr != nil {
		return Identity{}, aerr, nil
	}
	var stsBuf [256]byte
	sts := appendStringToSign(stsBuf[:0], t, in.credential[len(key)+1:], cr)
	ck := v.keys.get(cred.SecretAccessKey, date, region, service)
	sig := hmacSHA256(ck.key[:], sts)
	var want [64]byte
	hex.Encode(want[:], sig[:])
	if !equalSignature(in.signature, &want) {
		return Identity{}, errSignatureMismatch(CheckSignature), nil
	}
	// Strings from the store and the cache, not from the request.
	return Identity{AccessKeyID: cred.AccessKeyID, Account: cred.Account, Region: ck.region, Service: ck.service, Temporary: temporary}, nil, nil
}

// equalSignature compares the signature sent with the one computed in
// constant time (the length of a signature is no secret).
func equalSignature(got string, want *[64]byte) bool {
	if len(got) != len(want) {
		return false
	}
	var d byte
	for i := range want {
		d |= got[i] ^ want[i]
	}
	return subtle.ConstantTimeByteEq(d, 0) == 1
}

// validRegion accepts region-shaped names (us-east-1, eu-central-2, local);
// membership in Options.Regions is checked apart.
func validRegion(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
