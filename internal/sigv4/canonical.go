package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	algorithm       = "AWS4-HMAC-SHA256"
	scopeTerminator = "aws4_request"
	isoBasicLayout  = "20060102T150405Z"
)

// The canonical request and the string to sign are built by appending to
// caller-provided (usually stack) buffers; the helpers here return the
// extended slice and never retain it.

const upperHex = "0123456789ABCDEF"

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// appendURIEncode appends s with every byte outside the RFC 3986
// unreserved set percent-encoded (upper-case hex), which is SigV4's
// UriEncode. keepSlash leaves '/' alone, for paths.
func appendURIEncode(dst []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || c == '/' && keepSlash {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

// appendCanonicalURI appends the canonical URI of a request whose path is
// on the wire as escapedPath. For every service but S3, SigV4 URI-encodes
// the path as sent (so "%20" becomes "%2520"), exactly as aws-sdk-go-v2 and
// botocore do; an empty path is "/". Dot segments are not removed: the Go
// SDK does not remove them either, and no WorkSpaces or Directory Service
// operation has such paths.
func appendCanonicalURI(dst []byte, escapedPath string) []byte {
	if escapedPath == "" {
		return append(dst, '/')
	}
	return appendURIEncode(dst, escapedPath, true)
}

// wirePath returns the request's path as it was sent: the request line
// when the server recorded it (r.RequestURI), else what a client would
// send for r.URL.
func wirePath(r *http.Request) (path, rawQuery string) {
	if u := r.RequestURI; u != "" && u[0] == '/' {
		path, rawQuery, _ = strings.Cut(u, "?")
		return path, rawQuery
	}
	return urlPath(r.URL), r.URL.RawQuery
}

// urlPath is the escaped path a client sends for u: the path part of
// u.Opaque when set, else u.EscapedPath().
func urlPath(u *url.URL) string {
	if u.Opaque != "" {
		p := u.Opaque
		p, _, _ = strings.Cut(p, "?")
		p = strings.TrimPrefix(p, "//")
		if i := strings.IndexByte(p, '/'); i >= 0 {
			return p[i:]
		}
		return "/"
	}
	return u.EscapedPath()
}

type queryPair struct{ k, v string }

// appendCanonicalQuery appends the canonical query string of raw: every
// name and value decoded, URI-encoded, and the pairs sorted by encoded name
// then encoded value. skipSignature leaves out X-Amz-Signature (presigned
// requests).
func appendCanonicalQuery(dst []byte, raw string, skipSignature bool) ([]byte, *AuthError) {
	if raw == "" {
		return dst, nil
	}
	var stack [8]queryPair
	pairs := stack[:0]
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, err := queryUnescape(k)
		if err != nil {
			return dst, err
		}
		if skipSignature && dk == "X-Amz-Signature" {
			continue
		}
		dv, err := queryUnescape(v)
		if err != nil {
			return dst, err
		}
		pairs = append(pairs, queryPair{encodeComponent(dk), encodeComponent(dv)})
	}
	slices.SortFunc(pairs, func(a, b queryPair) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	for i, p := range pairs {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, p.k...)
		dst = append(dst, '=')
		dst = append(dst, p.v...)
	}
	return dst, nil
}

func encodeComponent(s string) string {
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			return string(appendURIEncode(make([]byte, 0, len(s)+16), s, false))
		}
	}
	return s
}

// queryUnescape decodes a query component ('+' is a space, as in HTML
// forms and every AWS query parser). Bad escapes are reported with the
// texts AWS uses for MalformedQueryString.
func queryUnescape(s string) (string, *AuthError) {
	if !strings.ContainsAny(s, "%+") {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 >= len(s) {
				return "", errMalformedQuery("Incomplete trailing escape % sequence")
			}
			h, l := unhex(s[i+1]), unhex(s[i+2])
			if h < 0 || l < 0 {
				return "", errMalformedQuery("Illegal hex character in escape % pattern: " + s[i:i+3])
			}
			b = append(b, byte(h<<4|l))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b), nil
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// lookupHeader returns the values of the header named name (any case)
// without allocating: the canonical MIME form of the name is built on the
// stack and used as the map key; names the server could not canonicalise
// are found by a case-insensitive scan.
func lookupHeader(h http.Header, name string) []string {
	var buf [64]byte
	if len(name) <= len(buf) {
		b := buf[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			} else if !upper && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[i] = c
			upper = c == '-'
		}
		if v, ok := h[string(b)]; ok {
			return v
		}
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// appendHeaderValue appends the canonical value of one signed header:
// every value trimmed, runs of spaces collapsed, values joined by ",".
// host comes from the Host the request was sent to; content-length and
// transfer-encoding, which net/http moves out of the header map, from the
// request fields.
func appendHeaderValue(dst []byte, r *http.Request, host, name string) []byte {
	if strings.EqualFold(name, "host") {
		return appendTrimmed(dst, host)
	}
	vals := lookupHeader(r.Header, name)
	if vals == nil {
		switch {
		case strings.EqualFold(name, "content-length") && r.ContentLength >= 0:
			return strconv.AppendInt(dst, r.ContentLength, 10)
		case strings.EqualFold(name, "transfer-encoding"):
			vals = r.TransferEncoding
		}
	}
	for i, v := range vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendTrimmed(dst, v)
	}
	return dst
}

// appendTrimmed appends v without leading and trailing white space and
// with every run of spaces reduced to one.
func appendTrimmed(dst []byte, v string) []byte {
	v = strings.TrimSpace(v)
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		dst = append(dst, c)
	}
	return dst
}

// nextName splits the next name off a SignedHeaders list ("a;b;c").
func nextName(list string) (name, rest string) {
	name, rest, _ = strings.Cut(list, ";")
	return name, rest
}

// hasName reports whether the SignedHeaders list names the header.
func hasName(list, name string) bool {
	for list != "" {
		var n string
		n, list = nextName(list)
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// canonicalRequest is what a canonical request is made of, beyond the
// request itself.
type canonicalRequest struct {
	path, rawQuery string
	skipSignature  bool     // presigned: X-Amz-Signature is not part of the query
	host           string   // the Host header as signed
	signedHeaders  string   // "host;x-amz-date", names as the client listed them
	payloadHash    [64]byte // hex
}

// appendCanonicalRequest appends the SigV4 canonical request:
// method, URI, query, headers, signed-header list and payload hash.
func appendCanonicalRequest(dst []byte, r *http.Request, c *canonicalRequest) ([]byte, *AuthError) {
	dst = append(dst, r.Method...)
	dst = append(dst, '\n')
	dst = appendCanonicalURI(dst, c.path)
	dst = append(dst, '\n')
	dst, err := appendCanonicalQuery(dst, c.rawQuery, c.skipSignature)
	if err != nil {
		return dst, err
	}
	dst = append(dst, '\n')
	for list := c.signedHeaders; list != ""; {
		var name string
		name, list = nextName(list)
		dst = append(dst, name...)
		dst = append(dst, ':')
		dst = appendHeaderValue(dst, r, c.host, name)
		dst = append(dst, '\n')
	}
	dst = append(dst, '\n')
	dst = append(dst, c.signedHeaders...)
	dst = append(dst, '\n')
	dst = append(dst, c.payloadHash[:]...)
	return dst, nil
}

// appendStringToSign appends "AWS4-HMAC-SHA256\n<time>\n<scope>\n<hex(sha256(canonical request))>".
func appendStringToSign(dst []byte, t time.Time, scope string, canonical []byte) []byte {
	sum := sha256.Sum256(canonical)
	dst = append(dst, algorithm...)
	dst = append(dst, '\n')
	dst = appendISOBasic(dst, t)
	dst = append(dst, '\n')
	dst = append(dst, scope...)
	dst = append(dst, '\n')
	var h [64]byte
	hex.Encode(h[:], sum[:])
	return append(dst, h[:]...)
}

// payloadHash is hex(sha256(body)).
func payloadHash(body []byte) (out [64]byte) {
	sum := sha256.Sum256(body)
	hex.Encode(out[:], sum[:])
	return out
}

// appendISOBasic appends t (UTC) as 20060102T150405Z.
func appendISOBasic(dst []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	dst = append4(dst, y)
	dst = append2(dst, int(mo))
	dst = append2(dst, d)
	dst = append(dst, 'T')
	dst = append2(dst, h)
	dst = append2(dst, mi)
	dst = append2(dst, s)
	return append(dst, 'Z')
}

func append4(dst []byte, n int) []byte {
	if n < 0 || n > 9999 {
		return strconv.AppendInt(dst, int64(n), 10)
	}
	return append(dst, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
}

func append2(dst []byte, n int) []byte { return append(dst, byte('0'+n/10), byte('0'+n%10)) }

func isoBasic(t time.Time) string {
	var b [16]byte
	return string(appendISOBasic(b[:0], t))
}

// parseISOBasic parses "20060102T150405Z" strictly, without allocating.
func parseISOBasic(s string) (time.Time, bool) {
	if len(s) != 16 || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, false
	}
	n := func(i, j int) int {
		v := 0
		for ; i < j; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d, h, mi, sec := n(0, 4), n(4, 6), n(6, 8), n(9, 11), n(11, 13), n(13, 15)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d { // 20240231
		return time.Time{}, false
	}
	return t, true
}
