package api

import (
	"errors"
	"net/http"

	"deskplane"
	"deskplane/internal/awsjson"
	"deskplane/internal/dsapi"
	"deskplane/internal/smithy"
	"deskplane/internal/wsapi"
)

// This file is THE table from errors to the wire. Handlers return
// *deskplane.Error (or let the generated dispatcher return smithy errors);
// nothing else decides what a client sees. errors_test.go pins it.

// wireName is the wire error name of each domain code, per service.
type wireName struct{ ws, ds string }

func wireNames(c deskplane.Code) wireName {
	switch c {
	case deskplane.CodeNotFound:
		return wireName{"ResourceNotFoundException", "EntityDoesNotExistException"}
	case deskplane.CodeAlreadyExists:
		return wireName{"ResourceAlreadyExistsException", "EntityAlreadyExistsException"}
	case deskplane.CodeInvalidParameter:
		return wireName{"InvalidParameterValuesException", "InvalidParameterException"}
	case deskplane.CodeInvalidState:
		return wireName{"InvalidResourceStateException", "ClientException"}
	case deskplane.CodeLimitExceeded:
		return wireName{"ResourceLimitExceededException", "DirectoryLimitExceededException"}
	case deskplane.CodeNotSupported:
		return wireName{"OperationNotSupportedException", "UnsupportedOperationException"}
	case deskplane.CodeInProgress:
		return wireName{"OperationInProgressException", "ClientException"}
	case deskplane.CodeAssociated:
		return wireName{"ResourceAssociatedException", "ClientException"}
	case deskplane.CodeUnavailable:
		return wireName{"ResourceUnavailableException", "DirectoryUnavailableException"}
	case deskplane.CodeAccessDenied:
		return wireName{"AccessDeniedException", "AccessDeniedException"}
	case deskplane.CodeUnsupportedConfiguration:
		return wireName{"UnsupportedWorkspaceConfigurationException", "UnsupportedSettingsException"}
	case deskplane.CodeUnsupportedNetwork:
		return wireName{"UnsupportedNetworkConfigurationException", "InvalidParameterException"}
	case deskplane.CodeDefaultRoleNotFound:
		return wireName{"WorkspacesDefaultRoleNotFoundException", "InsufficientPermissionsException"}
	case deskplane.CodeValidation:
		return wireName{"ValidationException", "InvalidParameterException"}
	case deskplane.CodeConflict:
		return wireName{"ConflictException", "ClientException"}
	case deskplane.CodeThrottled:
		return wireName{"ThrottlingException", "ClientException"}
	case deskplane.CodeNotImplemented:
		return wireName{notImplementedType, notImplementedType}
	}
	return wireName{"InternalFailure", "ServiceException"}
}

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
