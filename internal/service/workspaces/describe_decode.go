package workspaces

import (
	"unicode/utf8"

	"github.com/deskplane/deskplane/internal/wsapi"
)

// decodeDescribeSimple decodes the usual DescribeWorkspaces bodies without
// reflection: an object whose members are among Limit (a plain
// non-negative integer of up to 9 digits), NextToken, DirectoryId,
// UserName, BundleId and WorkspaceName (strings without escapes or control
// characters, valid UTF-8), spelled exactly so, with JSON white space
// anywhere between tokens. It reports false for any other body (another
// member, another spelling, null, an array, an escape, a number of another
// form, trailing bytes…), which encoding/json then decodes: for every body
// it accepts, in is what json.Unmarshal makes of it (FuzzDescribeDecode
// checks). in must be zero.
func decodeDescribeSimple(b []byte, in *wsapi.DescribeWorkspacesRequest) bool {
	i := skipSpace(b, 0)
	if i == len(b) {
		return true // empty body: {}
	}
	if b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipSpace(b, i+1) == len(b)
	}
	for {
		key, j, ok := plainString(b, i)
		if !ok {
			return false
		}
		i = skipSpace(b, j)
		if i == len(b) || b[i] != ':' {
			return false
		}
		i = skipSpace(b, i+1)
		if key == "Limit" {
			n, j, ok := smallInt(b, i)
			if !ok {
				return false
			}
			in.Limit, i = &n, j
		} else {
			var dst **string
			switch key {
			case "NextToken":
				dst = &in.NextToken
			case "DirectoryId":
				dst = &in.DirectoryId
			case "UserName":
				dst = &in.UserName
			case "BundleId":
				dst = &in.BundleId
			case "WorkspaceName":
				dst = &in.WorkspaceName
			default:
				return false
			}
			v, j, ok := plainString(b, i)
			if !ok {
				return false
			}
			*dst, i = &v, j
		}
		i = skipSpace(b, i)
		if i == len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return skipSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// plainString reads a JSON string at b[i] with no escape, no control
// character and valid UTF-8; it returns it and the index after it.
func plainString(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			s := b[i+1 : j]
			if !utf8.Valid(s) {
				return "", i, false
			}
			return string(s), j + 1, true
		case c == '\\' || c < 0x20:
			return "", i, false
		}
	}
	return "", i, false
}

// smallInt reads a JSON integer of 1 to 9 digits without sign, fraction
// or exponent (so it fits an int32), as 0 or without leading zeros.
func smallInt(b []byte, i int) (int32, int, bool) {
	j, n := i, int32(0)
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		n = n*10 + int32(b[j]-'0')
		j++
	}
	switch d := j - i; {
	case d == 0 || d > 9, d > 1 && b[i] == '0':
		return 0, i, false
	}
	if j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
		return 0, i, false
	}
	return n, j, true
}
