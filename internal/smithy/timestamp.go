package smithy

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// Timestamp is a Smithy timestamp in the AWS JSON protocols' default format:
// epoch seconds as a JSON number, with a millisecond fraction when the
// milliseconds are non-zero (1732190000 or 1732190000.123).
//
// Decoding accepts an integer or fractional number (exponent notation
// included) and, for lenient clients, an RFC 3339 string. Precision beyond
// the millisecond is kept when decoding but dropped when encoding.
type Timestamp struct {
	time.Time
}

// NewTimestamp returns a Timestamp holding t.
func NewTimestamp(t time.Time) *Timestamp { return &Timestamp{Time: t} }

// MarshalJSON encodes the timestamp as epoch seconds.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return t.AppendEpochSeconds(make([]byte, 0, 24)), nil
}

// EpochSeconds formats the timestamp as epoch seconds with a millisecond
// fraction when it is non-zero, trailing zeros trimmed: "1732190000",
// "1732190000.123", "1732190000.5".
func (t Timestamp) EpochSeconds() string {
	var buf [32]byte
	return string(t.AppendEpochSeconds(buf[:0]))
}

// AppendEpochSeconds appends the timestamp as EpochSeconds formats it, which
// is also its JSON encoding.
func (t Timestamp) AppendEpochSeconds(b []byte) []byte {
	ms := t.UnixMilli()
	if ms < 0 {
		b = append(b, '-')
		ms = -ms // UnixMilli of any time.Time is far from math.MinInt64
	}
	sec, frac := ms/1000, ms%1000
	b = strconv.AppendInt(b, sec, 10)
	if frac != 0 {
		b = append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
	}
	return b
}

// DateTimeLayout is the date-time format (ISO 8601, UTC) that the query
// protocols write: milliseconds when they are not zero, trailing zeros
// trimmed ("2024-11-21T12:00:00Z", "2024-11-21T12:00:00.25Z").
const DateTimeLayout = "2006-01-02T15:04:05.999Z"

// AppendDateTime appends the timestamp in DateTimeLayout, the XML form of a
// timestamp.
func (t Timestamp) AppendDateTime(b []byte) []byte {
	return t.UTC().AppendFormat(b, DateTimeLayout)
}

// AppendHTTPDate appends the timestamp as an HTTP date (the http-date
// timestamp format).
func (t Timestamp) AppendHTTPDate(b []byte) []byte {
	return t.UTC().AppendFormat(b, "Mon, 02 Jan 2006 15:04:05 GMT")
}

// MarshalText encodes the timestamp in DateTimeLayout, the text form the
// XML protocols use (encoding/xml calls it). JSON keeps MarshalJSON's epoch
// seconds.
func (t Timestamp) MarshalText() ([]byte, error) {
	return t.AppendDateTime(make([]byte, 0, 24)), nil
}

// UnmarshalJSON decodes epoch seconds (a JSON number) or an RFC 3339 string.
// A JSON null leaves the timestamp unchanged.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return &SerializationError{Message: "invalid timestamp: " + err.Error()}
		}
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return &SerializationError{Message: "invalid timestamp " + strconv.Quote(s) + ": expected epoch seconds or an RFC 3339 date-time"}
		}
		t.Time = v
		return nil
	}
	v, err := ParseEpochSeconds(string(b))
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// ParseEpochSeconds parses a JSON number of epoch seconds ("1732190000",
// "1732190000.123", "1.732190000123E9") into a UTC time. Plain decimals are
// parsed exactly to the nanosecond; exponent notation goes through float64
// and is rounded to the microsecond.
func ParseEpochSeconds(s string) (time.Time, error) {
	bad := func() (time.Time, error) {
		return time.Time{}, &SerializationError{Message: "invalid timestamp " + strconv.Quote(s) + ": expected epoch seconds"}
	}
	if s == "" {
		return bad()
	}
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1e15 {
			return bad()
		}
		sec, frac := math.Modf(f)
		us := math.Round(frac * 1e6)
		return time.Unix(int64(sec), int64(us)*1000).UTC(), nil
	}
	intPart, fracPart, hasFrac := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	digits := strings.TrimPrefix(intPart, "-")
	if digits == "" || (hasFrac && fracPart == "") || !allDigits(digits) || !allDigits(fracPart) {
		return bad()
	}
	sec, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return bad()
	}
	var nanos int64
	if fracPart != "" {
		f := fracPart
		if len(f) > 9 {
			f = f[:9]
		}
		f += strings.Repeat("0", 9-len(f))
		nanos, _ = strconv.ParseInt(f, 10, 64)
	}
	if neg {
		sec, nanos = -sec, -nanos
	}
	return time.Unix(sec, nanos).UTC(), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
