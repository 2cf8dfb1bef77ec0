package smithy

import (
	"strconv"
	"strings"
)

// SerializationError reports a request body that is not valid JSON or whose
// JSON types do not match the operation's input shape.
type SerializationError struct {
	Message string
}

func (e *SerializationError) Error() string { return e.Message }

// UnknownOperationError reports an operation name the service does not have.
type UnknownOperationError struct {
	Operation string
}

func (e *UnknownOperationError) Error() string {
	return "unknown operation " + strconv.Quote(e.Operation)
}

// NotImplementedError is what the generated Unimplemented fallback answers for
// every operation that no hand-written handler overrides yet. It is not
// retryable: the same request will fail the same way.
type NotImplementedError struct {
	Service   string // the service's target prefix or name, e.g. WorkspacesService
	Operation string
}

func (e *NotImplementedError) Error() string {
	return "operation " + e.Service + "." + e.Operation + " is not implemented by deskplane"
}

// Constraint texts of the Coral validation message. The generated validators
// emit the same texts as string literals.
const ConstraintNotNull = "Member must not be null"

// ConstraintNoNUL is the constraint text of a string input member that holds
// a NUL character (U+0000). Every generated validator refuses NUL in every
// string member, map key and list element: no AWS identifier or name
// contains one, and stores cannot keep it (PostgreSQL text refuses it).
// See docs/decisions/0162-nul-characters.md.
const ConstraintNoNUL = "Member must not contain null characters"

// MaxLength is the constraint text of a length trait's max.
func MaxLength(n int64) string {
	return "Member must have length less than or equal to " + strconv.FormatInt(n, 10)
}

// MinLength is the constraint text of a length trait's min.
func MinLength(n int64) string {
	return "Member must have length greater than or equal to " + strconv.FormatInt(n, 10)
}

// MaxValue is the constraint text of a range trait's max, given as the
// model writes the number.
func MaxValue(n string) string { return "Member must have value less than or equal to " + n }

// MinValue is the constraint text of a range trait's min.
func MinValue(n string) string { return "Member must have value greater than or equal to " + n }

// Pattern is the constraint text of a pattern trait (the model's pattern, not
// any Go translation of it).
func Pattern(p string) string { return "Member must satisfy regular expression pattern: " + p }

// EnumSet is the constraint text of an enum, values in model order.
func EnumSet(values ...string) string {
	return "Member must satisfy enum value set: [" + strings.Join(values, ", ") + "]"
}
