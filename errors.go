package deskplane

import "fmt"

// Code classifies a domain error. The wire name a client sees depends on the
// service answering (WorkSpaces says ResourceNotFoundException where
// Directory Service says EntityDoesNotExistException); internal/api holds the
// one table that maps codes to wire errors.
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
)

// Error is a domain error: a code, a message for the client, and the
// optional extra members some wire errors carry.
type Error struct {
	Code       Code
	Message    string
	ResourceID string // ResourceNotFoundException, ResourceUnavailableException
	Reason     string // OperationNotSupportedException
	// WireName, when set, overrides the table for errors that have no
	// domain meaning beyond their name (such as Directory Service's
	// DirectoryLimitExceededException vs. its other limit errors).
	WireName string
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
