package sigv4

import (
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// ignoredHeader reports the headers Sign never signs, as in aws-sdk-go-v2:
// they are added or rewritten by proxies and transports after signing
// (Content-Length is signed from r.ContentLength instead).
func ignoredHeader(k string) bool {
	for _, ig := range [...]string{"Authorization", "User-Agent", "X-Amzn-Trace-Id", "Expect", "Transfer-Encoding", "Content-Length", "Host"} {
		if strings.EqualFold(k, ig) {
			return true
		}
	}
	return false
}

// Sign signs r the way aws-sdk-go-v2 does for a service other than S3: it
// sets X-Amz-Date and Authorization, signing host, content-length (when
// r.ContentLength > 0) and every other header present except User-Agent,
// X-Amzn-Trace-Id, Expect and Transfer-Encoding. The Host is r.Host or else
// r.URL.Host, without a default port (r.Host is set to what was signed).
// body is the full body r will carry. Sign is for the load tool and tests.
func Sign(r *http.Request, body []byte, c Credential, region, service string, t time.Time) error {
	switch {
	case r == nil || r.URL == nil:
		return errors.New("sigv4: Sign: request without URL")
	case c.AccessKeyID == "" || c.SecretAccessKey == "":
		return errors.New("sigv4: Sign: credential without access key or secret")
	case region == "" || service == "":
		return errors.New("sigv4: Sign: empty region or service")
	}
	t = t.UTC()
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	if h, port, err := net.SplitHostPort(host); err == nil &&
		(port == "80" && r.URL.Scheme == "http" || port == "443" && r.URL.Scheme == "https") {
		host = h
		if strings.IndexByte(h, ':') >= 0 { // IPv6 literal
			host = "[" + h + "]"
		}
		r.Host = host
	}
	delete(r.Header, "Authorization")
	amzDate := isoBasic(t)
	r.Header["X-Amz-Date"] = []string{amzDate}

	names := make([]string, 0, len(r.Header)+2)
	names = append(names, "host")
	if r.ContentLength > 0 {
		names = append(names, "content-length")
	}
	for k := range r.Header {
		if ignoredHeader(k) {
			continue
		}
		names = append(names, strings.ToLower(k))
	}
	slices.Sort(names)
	names = slices.Compact(names)
	signedHeaders := strings.Join(names, ";")

	hash := payloadHash(body)
	var crBuf [1024]byte
	cr, aerr := appendCanonicalRequest(crBuf[:0], r, &canonicalRequest{
		path:          urlPath(r.URL),
		rawQuery:      r.URL.RawQuery,
		host:          host,
		signedHeaders: signedHeaders,
		payloadHash:   hash,
	})
	if aerr != nil {
		return aerr
	}
	date := amzDate[:8]
	scope := date + "/" + region + "/" + service + "/" + scopeTerminator
	var stsBuf [256]byte
	sts := appendStringToSign(stsBuf[:0], t, scope, cr)
	key := deriveKey(c.SecretAccessKey, date, region, service)
	sig := hmacSHA256(key[:], sts)
	var sigHex [64]byte
	hex.Encode(sigHex[:], sig[:])

	var b strings.Builder
	b.Grow(len(algorithm) + 64 + len(c.AccessKeyID) + len(scope) + len(signedHeaders) + len(sigHex))
	b.WriteString(algorithm)
	b.WriteString(" Credential=")
	b.WriteString(c.AccessKeyID)
	b.WriteByte('/')
	b.WriteString(scope)
	b.WriteString(", SignedHeaders=")
	b.WriteString(signedHeaders)
	b.WriteString(", Signature=")
	b.Write(sigHex[:])
	r.Header["Authorization"] = []string{b.String()}
	return nil
}
