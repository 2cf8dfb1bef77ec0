package deskplane

import (
	"errors"
	"fmt"
)

// Code classifies a domain error. The wire name a client sees depends on the
// service answering (WorkSpaces says ResourceNotFoundException where
// Directory Service says EntityDoesNotExistException); internal/wireerror
// holds the one table that maps codes to wire errors. A wire error that
// only some service has gets a code of its own, which the table maps to
// that service's error and to the closest error of the others.
type Code int

// The domain error codes.
const (
	CodeInternal                 Code = iota // a fault of ours; answered as 500
	CodeNotFound                             // the resource does not exist (for this caller)
	CodeAlreadyExists                        // a resource with that name or identity exists
	CodeInvalidParameter                     // a parameter value breaks a business rule
	CodeInvalidState                         // the resource is not in a state that allows this
	CodeLimitExceeded                        // a quota is reached
	CodeNotSupported                         // the operation is not supported in this case
	CodeInProgress                           // another operation on the resource is running
	CodeAssociated                           // the resource is in use by another resource
	CodeUnavailable                          // the resource exists but cannot be used now
	CodeAccessDenied                         // the caller may not do this
	CodeUnsupportedConfiguration             // the configuration is not supported (ModifyWorkspaceProperties)
	CodeUnsupportedNetwork                   // the network configuration is not supported
	CodeDefaultRoleNotFound                  // workspaces_DefaultRole is missing
	CodeValidation                           // a request-level validation failure (account links)
	CodeConflict                             // a conflicting concurrent change
	CodeThrottled                            // rate exceeded
	CodeNotImplemented                       // deskplane does not serve this yet

	CodeResourceInUse                // a deployment is running on the resource (WorkSpaces ResourceInUseException)
	CodeResourceCreationFailed       // the resource could not be created (WorkSpaces ResourceCreationFailedException)
	CodeApplicationNotSupported      // the application can only be uninstalled (WorkSpaces ApplicationNotSupportedException)
	CodeIncompatibleApplications     // the application conflicts with another on the WorkSpace
	CodeOperatingSystemNotCompatible // the WorkSpace's operating system does not run the application
	CodeComputeNotCompatible         // the WorkSpace's compute type does not run the application
	CodeTagLimitExceeded             // a resource would have too many tags (Directory Service TagLimitExceededException)
	CodeInvalidNextToken             // a pagination token is not valid (Directory Service InvalidNextTokenException)
	CodeMalformedPolicy              // a policy document is not valid JSON or not a policy (IAM and STS MalformedPolicyDocument)

	codeEnd // one past the last code
)

// Codes lists every domain error code, for the error table's test.
func Codes() []Code {
	cs := make([]Code, 0, int(codeEnd))
	for c := CodeInternal; c < codeEnd; c++ {
		cs = append(cs, c)
	}
	return cs
}

// HasCode reports whether err is, or wraps, a domain error with the code.
func HasCode(err error, c Code) bool {
	var de *Error
	return errors.As(err, &de) && de.Code == c
}

// Error is a domain error: a code, a message for the client, and the
// optional extra members some wire errors carry.
type Error struct {
	Code       Code
	Message    string
	ResourceID string // ResourceNotFoundException, ResourceUnavailableException, ResourceInUseException
	Reason     string // OperationNotSupportedException; Directory Service Data reasons
}

func (e *Error) Error() string { return e.Message }

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound builds a CodeNotFound error that names the resource.
func NotFound(resourceID, format string, args ...any) *Error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf(format, args...), ResourceID: resourceID}
}
