package smithy

import (
	"encoding/base64"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Form is the decoded parameter set of a query-protocol request (awsQuery,
// ec2Query): the application/x-www-form-urlencoded body of a POST, or the
// query string of a GET, keyed by the dotted parameter names the protocols
// use ("Action", "Tags.member.1.Key", "Filter.2.Value.1").
//
// A parameter given more than once keeps its first value. Has answers in
// constant time whether a parameter or any parameter below it is present,
// which is how the generated decoders find where a list ends.
type Form struct {
	values map[string]string
	under  map[string]struct{} // every proper dotted prefix of a key
	items  map[string]int      // "Filter." → the largest N of the parameters Filter.N…
}

// ParseForm decodes a form-encoded parameter string. A malformed encoding
// (a bad %-escape, a semicolon separator) is a *SerializationError.
func ParseForm(s string) (*Form, error) {
	vs, err := url.ParseQuery(s)
	if err != nil {
		return nil, &SerializationError{Message: "the request parameters are not valid application/x-www-form-urlencoded data: " + err.Error()}
	}
	f := &Form{values: make(map[string]string, len(vs)), under: make(map[string]struct{}, 2*len(vs)), items: map[string]int{}}
	for k, v := range vs {
		f.values[k] = v[0]
		for i := len(k) - 1; i > 0; i-- {
			if k[i] == '.' {
				if _, ok := f.under[k[:i]]; ok {
					break // the shorter prefixes are there already
				}
				f.under[k[:i]] = struct{}{}
			}
		}
		// List and map indexes: every segment that is a decimal number
		// without leading zeros (the form the SDKs write).
		start := 0
		for start < len(k) {
			end := strings.IndexByte(k[start:], '.')
			if end < 0 {
				end = len(k)
			} else {
				end += start
			}
			if seg := k[start:end]; start > 0 && len(seg) <= 9 && seg[0] >= '1' && seg[0] <= '9' && allDigits(seg) {
				n, _ := strconv.Atoi(seg)
				if n > f.items[k[:start]] {
					f.items[k[:start]] = n
				}
			}
			start = end + 1
		}
	}
	return f, nil
}

// Items returns how many elements the list (or entries the map) whose
// elements are the parameters <item>1, <item>2, … has: the largest N
// present. An element whose members are all absent has no parameter of its
// own, so the numbering may have gaps, and the decoders keep the elements
// in their places. An N far beyond what the request could hold (more than
// a thousand past its number of parameters) is a *SerializationError, so
// that one parameter cannot make the server allocate a huge list.
func (f *Form) Items(item string) (int, error) {
	n := f.items[item]
	if n > len(f.values)+1000 {
		return 0, &SerializationError{Message: "Invalid parameter " + item + strconv.Itoa(n) + ": list index " + strconv.Itoa(n) + " is out of range."}
	}
	return n, nil
}

// NewForm returns a Form holding the given parameters; it is ParseForm for
// values that are already decoded.
func NewForm(params map[string]string) *Form {
	vs := url.Values{}
	for k, v := range params {
		vs.Set(k, v)
	}
	f, _ := ParseForm(vs.Encode()) // an encoding of url.Values always parses
	return f
}

// Get returns the value of a parameter.
func (f *Form) Get(key string) (string, bool) {
	v, ok := f.values[key]
	return v, ok
}

// Has reports whether the parameter key, or any parameter whose name starts
// with key followed by a dot, is present.
func (f *Form) Has(key string) bool {
	if _, ok := f.values[key]; ok {
		return true
	}
	_, ok := f.under[key]
	return ok
}

// Len is the number of distinct parameters.
func (f *Form) Len() int { return len(f.values) }

// Keys returns the parameter names in no particular order.
func (f *Form) Keys() []string {
	out := make([]string, 0, len(f.values))
	for k := range f.values {
		out = append(out, k)
	}
	return out
}

func badParam(key, value, want string) error {
	return &SerializationError{Message: "Invalid value " + strconv.Quote(value) + " for parameter " + key + ": expected " + want + "."}
}

// QueryInt parses an integer parameter of the given bit size.
func QueryInt(key, s string, bits int) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, bits)
	if err != nil {
		return 0, badParam(key, s, "an integer of at most "+strconv.Itoa(bits)+" bits")
	}
	return n, nil
}

// QueryBool parses a boolean parameter: true or false, in any case.
func QueryBool(key, s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, badParam(key, s, "true or false")
}

// QueryFloat parses a floating-point parameter; NaN, Infinity and -Infinity
// are accepted as the SDKs write them.
func QueryFloat(key, s string, bits int) (float64, error) {
	switch t := strings.TrimSpace(s); t {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	default:
		f, err := strconv.ParseFloat(t, bits)
		if err != nil {
			return 0, badParam(key, s, "a number")
		}
		return f, nil
	}
}

// QueryTime parses a timestamp parameter in the given Smithy format:
// "date-time" (ISO 8601, the query protocols' default), "epoch-seconds" or
// "http-date".
func QueryTime(key, s, format string) (Timestamp, error) {
	t := strings.TrimSpace(s)
	switch format {
	case "epoch-seconds":
		v, err := ParseEpochSeconds(t)
		if err != nil {
			return Timestamp{}, badParam(key, s, "epoch seconds")
		}
		return Timestamp{Time: v}, nil
	case "http-date":
		v, err := http.ParseTime(t)
		if err != nil {
			return Timestamp{}, badParam(key, s, "an HTTP date")
		}
		return Timestamp{Time: v.UTC()}, nil
	default:
		v, err := time.Parse(time.RFC3339Nano, t)
		if err != nil {
			return Timestamp{}, badParam(key, s, "an ISO 8601 date-time such as 2024-11-21T12:00:00Z")
		}
		return Timestamp{Time: v.UTC()}, nil
	}
}

// QueryBlob parses a base64 parameter.
func QueryBlob(key, s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, badParam(key, s, "base64 data")
	}
	return b, nil
}
