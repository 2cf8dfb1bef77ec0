package api

import (
	"errors"
	"net/http"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/awsjson"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/dsdataapi"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// This file is THE table from errors to the wire. Handlers return
// *deskplane.Error (or let the generated dispatcher return smithy errors);
// nothing else decides what a client sees. errors_test.go pins it.

// wireName is the wire error name of each domain code, per service:
// WorkSpaces, Directory Service, and Directory Service Data (restJson1,
// whose errors carry their own HTTP status; see dataStatus).
type wireName struct{ ws, ds, data string }

func wireNames(c deskplane.Code) wireName {
	switch c {
	case deskplane.CodeNotFound:
		return wireName{"ResourceNotFoundException", "EntityDoesNotExistException", "ResourceNotFoundException"}
	case deskplane.CodeAlreadyExists:
		return wireName{"ResourceAlreadyExistsException", "EntityAlreadyExistsException", "ConflictException"}
	case deskplane.CodeInvalidParameter:
		return wireName{"InvalidParameterValuesException", "InvalidParameterException", "ValidationException"}
	case deskplane.CodeInvalidState:
		return wireName{"InvalidResourceStateException", "ClientException", "DirectoryUnavailableException"}
	case deskplane.CodeLimitExceeded:
		return wireName{"ResourceLimitExceededException", "DirectoryLimitExceededException", "ValidationException"}
	case deskplane.CodeNotSupported:
		return wireName{"OperationNotSupportedException", "UnsupportedOperationException", "ValidationException"}
	case deskplane.CodeInProgress:
		return wireName{"OperationInProgressException", "ClientException", "ConflictException"}
	case deskplane.CodeAssociated:
		return wireName{"ResourceAssociatedException", "ClientException", "ConflictException"}
	case deskplane.CodeUnavailable:
		return wireName{"ResourceUnavailableException", "DirectoryUnavailableException", "DirectoryUnavailableException"}
	case deskplane.CodeAccessDenied:
		return wireName{"AccessDeniedException", "AccessDeniedException", "AccessDeniedException"}
	case deskplane.CodeUnsupportedConfiguration:
		return wireName{"UnsupportedWorkspaceConfigurationException", "UnsupportedSettingsException", "ValidationException"}
	case deskplane.CodeUnsupportedNetwork:
		return wireName{"UnsupportedNetworkConfigurationException", "InvalidParameterException", "ValidationException"}
	case deskplane.CodeDefaultRoleNotFound:
		return wireName{"WorkspacesDefaultRoleNotFoundException", "InsufficientPermissionsException", "AccessDeniedException"}
	case deskplane.CodeValidation:
		return wireName{"ValidationException", "InvalidParameterException", "ValidationException"}
	case deskplane.CodeConflict:
		return wireName{"ConflictException", "ClientException", "ConflictException"}
	case deskplane.CodeThrottled:
		return wireName{"ThrottlingException", "ClientException", "ThrottlingException"}
	case deskplane.CodeNotImplemented:
		return wireName{notImplementedType, notImplementedType, notImplementedType}
	}
	return wireName{"InternalFailure", "ServiceException", "InternalServerException"}
}

// WorkSpaces errors that have no domain code of their own. A handler
// returns &deskplane.Error{Code: <the closest code>, WireName: <one of
// these>}; the code is what the other services would say.
const (
	wireApplicationNotSupported      = "ApplicationNotSupportedException"      // the application cannot be installed (uninstall only)
	wireComputeNotCompatible         = "ComputeNotCompatibleException"         // the WorkSpace's compute type does not run the application
	wireIncompatibleApplications     = "IncompatibleApplicationsException"     // the application conflicts with another on the WorkSpace
	wireOperatingSystemNotCompatible = "OperatingSystemNotCompatibleException" // the WorkSpace's operating system does not run the application
	wireResourceInUse                = "ResourceInUseException"                // a deployment is running on the resource; carries ResourceId
	wireResourceCreationFailed       = "ResourceCreationFailedException"       // the resource could not be created
)

// notImplementedType is the __type of the answer for operations deskplane
// does not serve yet: HTTP 501, which the SDKs do not retry.
const notImplementedType = "NotImplementedException"

const internalMessage = "The request processing has failed because of an unknown error, exception or failure."

func ptr[T any](v T) *T { return &v }

// MapWorkSpacesError maps any error to the WorkSpaces wire.
func MapWorkSpacesError(err error) awsjson.CodedError {
	if ce, ok := common(err); ok {
		return ce
	}
	var de *deskplane.Error
	if !errors.As(err, &de) {
		return &awsjson.Error{Type: "InternalFailure", Status: http.StatusInternalServerError, Message: internalMessage}
	}
	name := wireNames(de.Code).ws
	if de.WireName != "" {
		name = de.WireName
	}
	msg := ptr(de.Message)
	switch name {
	case "ResourceNotFoundException":
		e := &wsapi.ResourceNotFoundException{Message: msg}
		if de.ResourceID != "" {
			e.ResourceId = ptr(de.ResourceID)
		}
		return e
	case "ResourceUnavailableException":
		e := &wsapi.ResourceUnavailableException{Message: msg}
		if de.ResourceID != "" {
			e.ResourceId = ptr(de.ResourceID)
		}
		return e
	case wireResourceInUse:
		e := &wsapi.ResourceInUseException{Message: msg}
		if de.ResourceID != "" {
			e.ResourceId = ptr(de.ResourceID)
		}
		return e
	case "OperationNotSupportedException":
		e := &wsapi.OperationNotSupportedException{Message: msg}
		if de.Reason != "" {
			e.Reason = ptr(de.Reason)
		}
		return e
	case "InternalFailure":
		return &awsjson.Error{Type: name, Status: http.StatusInternalServerError, Message: internalMessage}
	case notImplementedType:
		return &awsjson.Error{Type: name, Status: http.StatusNotImplemented, Message: de.Message}
	}
	return &awsjson.Error{Type: name, Status: http.StatusBadRequest, Message: de.Message}
}

// MapDirectoryError maps any error to the Directory Service wire, whose
// errors carry Message and RequestId.
func MapDirectoryError(err error) awsjson.CodedError {
	if ce, ok := common(err); ok {
		return ce
	}
	var de *deskplane.Error
	if !errors.As(err, &de) {
		return &dsapi.ServiceException{Message: ptr(internalMessage)}
	}
	name := wireNames(de.Code).ds
	if de.WireName != "" {
		name = de.WireName
	}
	switch name {
	case notImplementedType:
		return &awsjson.Error{Type: name, Status: http.StatusNotImplemented, Message: de.Message}
	case "ServiceException":
		return &dsapi.ServiceException{Message: ptr(internalMessage)}
	}
	return &dsError{Type: name, Message: de.Message, Status: http.StatusBadRequest}
}

// MapDataError maps any error to the Directory Service Data wire
// (restJson1): the modeled errors carry Message, some a Reason, and their
// own HTTP status (404 ResourceNotFoundException, 409 ConflictException,
// 403 AccessDeniedException, 429 ThrottlingException).
func MapDataError(err error) awsjson.CodedError {
	if ce, ok := common(err); ok {
		return ce
	}
	var de *deskplane.Error
	if !errors.As(err, &de) {
		return &dsdataapi.InternalServerException{Message: ptr(internalMessage)}
	}
	name := wireNames(de.Code).data
	if de.WireName != "" {
		name = de.WireName
	}
	msg := ptr(de.Message)
	switch name {
	case "ResourceNotFoundException":
		return &dsdataapi.ResourceNotFoundException{Message: msg}
	case "ConflictException":
		return &dsdataapi.ConflictException{Message: msg}
	case "ValidationException":
		return &dsdataapi.ValidationException{Message: msg, Reason: dsdataapi.ValidationExceptionReason(de.Reason)}
	case "DirectoryUnavailableException":
		return &dsdataapi.DirectoryUnavailableException{Message: msg, Reason: dsdataapi.DirectoryUnavailableReason(de.Reason)}
	case "AccessDeniedException":
		return &dsdataapi.AccessDeniedException{Message: msg, Reason: dsdataapi.AccessDeniedReason(de.Reason)}
	case "ThrottlingException":
		return &dsdataapi.ThrottlingException{Message: msg}
	case notImplementedType:
		return &awsjson.Error{Type: name, Status: http.StatusNotImplemented, Message: de.Message}
	case "InternalServerException":
		return &dsdataapi.InternalServerException{Message: ptr(internalMessage)}
	}
	return &dsError{Type: name, Message: de.Message, Status: http.StatusBadRequest}
}

// dsError is a Directory Service client error: {"__type", "Message"}.
type dsError struct {
	Type    string `json:"-"`
	Status  int    `json:"-"`
	Message string `json:"Message"`
}

func (e *dsError) Error() string     { return e.Type + ": " + e.Message }
func (e *dsError) ErrorCode() string { return e.Type }
func (e *dsError) HTTPStatus() int   { return e.Status }

// common maps the errors every service answers alike.
func common(err error) (awsjson.CodedError, bool) {
	var ce awsjson.CodedError
	if errors.As(err, &ce) {
		return ce, true
	}
	var ve *smithy.ValidationError
	if errors.As(err, &ve) {
		return &awsjson.Error{Type: "ValidationException", Status: http.StatusBadRequest, Message: ve.Error()}, true
	}
	var se *smithy.SerializationError
	if errors.As(err, &se) {
		return &awsjson.Error{Type: "SerializationException", Status: http.StatusBadRequest, Message: se.Message}, true
	}
	var ue *smithy.UnknownOperationError
	if errors.As(err, &ue) {
		return &awsjson.Error{Type: "UnknownOperationException", Status: http.StatusBadRequest,
			Message: "Unknown operation " + ue.Operation + "."}, true
	}
	var ni *smithy.NotImplementedError
	if errors.As(err, &ni) {
		return &awsjson.Error{Type: notImplementedType, Status: http.StatusNotImplemented,
			Message: "deskplane does not implement " + ni.Service + "." + ni.Operation + " yet; see the operation coverage table in README.md."}, true
	}
	return nil, false
}
