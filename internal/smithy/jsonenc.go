package smithy

import (
	"encoding/base64"
	"math"
	"strconv"
	"unicode/utf8"
)

// The Append* functions below are the runtime of the AppendJSON methods the
// generator emits for output shapes. Each appends exactly what
// encoding/json.Marshal writes for the same Go value, so that the two
// encodings are interchangeable byte for byte.

const hexDigits = "0123456789abcdef"

// jsonSafe has a '1' for each ASCII byte encoding/json (with its default
// HTML escaping) writes unescaped inside a string.
const jsonSafe = "00000000000000000000000000000000" +
	"11011101111111111111111111110101" +
	"11111111111111111111111111110111" +
	"11111111111111111111111111111111"

// AppendString appends s as a JSON string the way encoding/json does:
// quotes, backslashes and control characters escaped, <, > and & written as
// \u003c, \u003e and \u0026, U+2028 and U+2029 escaped, and every byte of
// invalid UTF-8 replaced by \ufffd.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] == '1' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendBase64 appends p as a JSON string of its standard base64 encoding,
// as encoding/json writes a []byte.
func AppendBase64(b []byte, p []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, p)
	return append(b, '"')
}

// AppendFloat64 appends f as encoding/json writes a float64: like
// ECMAScript's number to string conversion, in 'e' notation below 1e-6 and
// from 1e21 on. encoding/json refuses NaN and infinities; they have no JSON
// form and are written here as null.
func AppendFloat64(b []byte, f float64) []byte {
	return appendFloat(b, f, 64)
}

// AppendFloat32 appends f as encoding/json writes a float32 (see
// AppendFloat64).
func AppendFloat32(b []byte, f float32) []byte {
	return appendFloat(b, float64(f), 32)
}

func appendFloat(b []byte, f float64, bits int) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return append(b, "null"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// AppendBool appends true or false.
func AppendBool(b []byte, v bool) []byte { return strconv.AppendBool(b, v) }

// AppendInt appends v in decimal.
func AppendInt(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }

// CloseJSON ends an object or array whose members were each written with a
// trailing comma: the last comma becomes c, or c is appended when nothing
// was written.
func CloseJSON(b []byte, c byte) []byte {
	if n := len(b); n > 0 && b[n-1] == ',' {
		b[n-1] = c
		return b
	}
	return append(b, c)
}
