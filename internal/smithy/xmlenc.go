package smithy

import (
	"encoding/base64"
	"math"
	"strconv"
	"unicode/utf8"
)

// The AppendXML* functions below are the runtime of the AppendXML methods the
// generator emits for the query protocols' output and error shapes. Text is
// escaped exactly as encoding/xml escapes character data, so that a value
// encoded by a generated method and by encoding/xml.Marshal (through the xml
// tags of the generated types) agree byte for byte.

// AppendXMLText appends s as XML character data the way encoding/xml's
// EscapeText writes it: " ' & < > as &#34; &#39; &amp; &lt; &gt;, tab,
// newline and carriage return as character references, and every character
// XML 1.0 cannot carry (NUL and other control characters, unpaired
// surrogates, U+FFFE, U+FFFF) and every byte of invalid UTF-8 as U+FFFD.
func AppendXMLText(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\'' && c != '&' && c != '<' && c != '>' {
			i++
			continue
		}
		r, width := utf8.DecodeRuneInString(s[i:])
		var esc string
		switch r {
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			if !xmlChar(r) || (r == utf8.RuneError && width == 1) {
				esc = "\uFFFD"
			}
		}
		i += width
		if esc == "" {
			continue
		}
		b = append(b, s[last:i-width]...)
		b = append(b, esc...)
		last = i
	}
	return append(b, s[last:]...)
}

// xmlChar reports whether r is a character XML 1.0 allows.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// AppendXMLFloat64 appends f as encoding/xml writes a float64 (strconv 'g'
// format, shortest representation); NaN and the infinities, which
// encoding/xml writes in Go's spelling, are written NaN, Infinity and
// -Infinity as the AWS SDKs read them.
func AppendXMLFloat64(b []byte, f float64) []byte { return appendXMLFloat(b, f, 64) }

// AppendXMLFloat32 appends f as encoding/xml writes a float32 (see
// AppendXMLFloat64).
func AppendXMLFloat32(b []byte, f float32) []byte { return appendXMLFloat(b, float64(f), 32) }

func appendXMLFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

// AppendXMLBase64 appends p in standard base64, the XML form of a blob.
func AppendXMLBase64(b []byte, p []byte) []byte {
	return base64.StdEncoding.AppendEncode(b, p)
}
