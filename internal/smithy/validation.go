package smithy

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Violation is one failed constraint of a request member.
//
// Path is the Coral member path: member names with the first letter
// lower-cased joined by ".", a list element as "<list>.<1-based index>.member"
// and a map entry (its key and its value alike) as "<map>.<key>".
// Value is the offending value as text (see FormatValue); Null marks a
// missing required member; Sensitive hides the value of members the model
// marks @sensitive, as Coral does ("Value at 'x' failed …").
type Violation struct {
	Path       string
	Value      string
	Null       bool
	Sensitive  bool
	Constraint string
}

// String formats the violation as one clause of the Coral message:
//
//	Value 'ws-x' at 'workspaceIds.1.member' failed to satisfy constraint: Member must …
//	Value null at 'bundleId' failed to satisfy constraint: Member must not be null
func (v Violation) String() string {
	var b strings.Builder
	switch {
	case v.Null:
		b.WriteString("Value null")
	case v.Sensitive:
		b.WriteString("Value")
	default:
		b.WriteString("Value '")
		b.WriteString(clipValue(v.Value))
		b.WriteString("'")
	}
	b.WriteString(" at '")
	b.WriteString(v.Path)
	b.WriteString("' failed to satisfy constraint: ")
	b.WriteString(v.Constraint)
	return b.String()
}

// ValidationError lists every violation found in one request, in member
// declaration order (depth first).
type ValidationError struct {
	Violations []Violation
}

// Bounds of the validation message (docs/decisions/0122-validation-message-size.md).
// AWS quotes offending values whole — tens of kilobytes have been seen —
// but its request size limits keep that small; deskplane accepts bodies of
// up to 16 MiB, so a value is quoted up to MaxQuotedValue bytes and the
// message lists violations up to MaxValidationMessage bytes.
const (
	MaxQuotedValue       = 64 << 10
	MaxValidationMessage = 256 << 10
)

// clipValue cuts a value longer than MaxQuotedValue bytes at a rune
// boundary and marks the cut with "...".
func clipValue(s string) string {
	if len(s) <= MaxQuotedValue {
		return s
	}
	i := MaxQuotedValue
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "..."
}

// Error is the Coral message: "1 validation error detected: <v>" or
// "3 validation errors detected: <v1>; <v2>; <v3>". The count is always
// the whole count; when the clauses would take the message past
// MaxValidationMessage bytes, the rest are summed up as
// "; and N more validation errors".
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(len(e.Violations)))
	if len(e.Violations) == 1 {
		b.WriteString(" validation error detected: ")
	} else {
		b.WriteString(" validation errors detected: ")
	}
	for i, v := range e.Violations {
		clause := v.String()
		if i > 0 && b.Len()+2+len(clause) > MaxValidationMessage {
			rest := len(e.Violations) - i
			b.WriteString("; and " + strconv.Itoa(rest) + " more validation error")
			if rest > 1 {
				b.WriteString("s")
			}
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(clause)
	}
	return b.String()
}

// MemberPath joins a parent path and a member name (already lower-cased by the
// generator): MemberPath("", "bundleId") is "bundleId",
// MemberPath("workspaces.1.member", "bundleId") is
// "workspaces.1.member.bundleId".
func MemberPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// ElementPath is the path of the i-th (0-based) element of the list at path:
// "<path>.<i+1>.member".
func ElementPath(path string, i int) string {
	return path + "." + strconv.Itoa(i+1) + ".member"
}

// EntryPath is the path of the map entry with key k: "<path>.<k>".
func EntryPath(path, k string) string { return path + "." + k }

// FormatValue renders a member value the way the Coral message shows it:
// strings as they are, numbers and booleans in decimal, timestamps as epoch
// seconds, blobs as Java's ByteBuffer description
// ("java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]"), lists as "[a, b]", maps as "{k=v, k2=v2}" (keys sorted) and
// structures as "{Member=value, …}" (nil members left out). Pointers are
// followed; nil prints as "null".
func FormatValue(v any) string {
	var b strings.Builder
	formatValue(&b, reflect.ValueOf(v))
	return b.String()
}

func formatValue(b *strings.Builder, v reflect.Value) {
	if !v.IsValid() {
		b.WriteString("null")
		return
	}
	switch x := v.Interface().(type) {
	case Timestamp:
		b.WriteString(x.EpochSeconds())
		return
	case time.Time:
		b.WriteString(Timestamp{Time: x}.EpochSeconds())
		return
	case []byte:
		// Coral prints the java.nio.ByteBuffer of a blob, not its bytes.
		n := strconv.Itoa(len(x))
		b.WriteString("java.nio.HeapByteBuffer[pos=0 lim=" + n + " cap=" + n + "]")
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			b.WriteString("null")
			return
		}
		formatValue(b, v.Elem())
	case reflect.String:
		b.WriteString(v.String())
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		b.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		b.WriteString(strconv.FormatFloat(v.Float(), 'g', -1, 64))
	case reflect.Slice, reflect.Array:
		b.WriteString("[")
		for i := range v.Len() {
			if i > 0 {
				b.WriteString(", ")
			}
			formatValue(b, v.Index(i))
		}
		b.WriteString("]")
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(x, y reflect.Value) int {
			return strings.Compare(fmt.Sprint(x.Interface()), fmt.Sprint(y.Interface()))
		})
		b.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			formatValue(b, k)
			b.WriteString("=")
			formatValue(b, v.MapIndex(k))
		}
		b.WriteString("}")
	case reflect.Struct:
		t := v.Type()
		b.WriteString("{")
		n := 0
		for i := range t.NumField() {
			f := v.Field(i)
			if !t.Field(i).IsExported() || f.IsZero() {
				continue
			}
			if n > 0 {
				b.WriteString(", ")
			}
			n++
			b.WriteString(t.Field(i).Name)
			b.WriteString("=")
			formatValue(b, f)
		}
		b.WriteString("}")
	default:
		fmt.Fprint(b, v.Interface())
	}
}
