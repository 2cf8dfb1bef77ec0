package smithy

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// DecodeJSON decodes a request body into v (a pointer to an input structure).
// An empty or all-whitespace body decodes as {}. Members the shape does not
// have are ignored. Malformed JSON, a top-level value that is not an object,
// and JSON types that do not fit the shape all become *SerializationError.
func DecodeJSON(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	if body[0] != '{' {
		if string(body) == "null" {
			return nil
		}
		return &SerializationError{Message: "request body must be a JSON object"}
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var (
		se  *SerializationError
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &se):
		return se
	case errors.As(err, &syn):
		return &SerializationError{Message: "malformed JSON at offset " + strconv.FormatInt(syn.Offset, 10) + ": " + syn.Error()}
	case errors.As(err, &typ):
		where := typ.Field
		if where == "" {
			where = "request body"
		} else {
			where = "member " + strconv.Quote(where)
		}
		return &SerializationError{Message: "invalid value for " + where + ": expected " + jsonKind(typ.Type.Kind().String()) + ", got JSON " + typ.Value}
	default:
		return &SerializationError{Message: "invalid request body: " + err.Error()}
	}
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "slice", "array":
		return "a list"
	case "map", "struct":
		return "an object"
	}
	return k
}
