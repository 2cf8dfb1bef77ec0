// Package wireerror is THE table from errors to the wire: what a client
// of each service sees for a domain error (*deskplane.Error), for the
// generated dispatchers' errors, and for any other error (a 500 with a
// generic message; the detail goes to the log with the request id).
// Services return domain errors and nothing else decides what a client
// sees; wireerror_test.go pins every row.
package wireerror

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

// Each domain code becomes the generated exception type of each service; a
// code only one service has an error for maps to the closest error of the
// others.

// Wire errors no model declares as a shape: the framing errors every
// service answers alike, and the errors of codes some services model and
// others do not.
const (
	typeNotImplemented = "NotImplementedException" // HTTP 501, which the SDKs do not retry
	typeInternal       = "InternalFailure"
	typeThrottling     = "ThrottlingException"
	typeValidation     = "ValidationException"
	typeSerialization  = "SerializationException"
	typeUnknownOp      = "UnknownOperationException"
)

const internalMessage = "The request processing has failed because of an unknown error, exception or failure."

func ptr[T any](v T) *T { return &v }

// optional returns nil for "", so that an absent member stays absent.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// withMessage answers a modeled error whose shape has no message member
// (the four application compatibility errors of WorkSpaces) with its name
// and status, and the message anyway: clients show it.
func withMessage(e awsjson.CodedError, msg string) awsjson.CodedError {
	return &awsjson.Error{Type: e.ErrorCode(), Status: e.HTTPStatus(), Message: msg}
}

// WorkSpaces maps any error to the WorkSpaces wire.
func WorkSpaces(err error) awsjson.CodedError {
	if ce, ok := common(err); ok {
		return ce
	}
	var de *deskplane.Error
	if !errors.As(err, &de) {
		return &awsjson.Error{Type: typeInternal, Status: http.StatusInternalServerError, Message: internalMessage}
	}
	msg := ptr(de.Message)
	switch de.Code {
	case deskplane.CodeNotFound:
		return &wsapi.ResourceNotFoundException{Message: msg, ResourceId: optional(de.ResourceID)}
	case deskplane.CodeAlreadyExists:
		return &wsapi.ResourceAlreadyExistsException{Message: msg}
	case deskplane.CodeInvalidParameter, deskplane.CodeInvalidNextToken, deskplane.CodeMalformedPolicy:
		return &wsapi.InvalidParameterValuesException{Message: msg}
	case deskplane.CodeInvalidState:
		return &wsapi.InvalidResourceStateException{Message: msg}
	case deskplane.CodeLimitExceeded, deskplane.CodeTagLimitExceeded:
		return &wsapi.ResourceLimitExceededException{Message: msg}
	case deskplane.CodeNotSupported:
		return &wsapi.OperationNotSupportedException{Message: msg, Reason: optional(de.Reason)}
	case deskplane.CodeInProgress:
		return &wsapi.OperationInProgressException{Message: msg}
	case deskplane.CodeAssociated:
		return &wsapi.ResourceAssociatedException{Message: msg}
	case deskplane.CodeUnavailable:
		return &wsapi.ResourceUnavailableException{Message: msg, ResourceId: optional(de.ResourceID)}
	case deskplane.CodeAccessDenied:
		return &wsapi.AccessDeniedException{Message: msg}
	case deskplane.CodeUnsupportedConfiguration:
		return &wsapi.UnsupportedWorkspaceConfigurationException{Message: msg}
	case deskplane.CodeUnsupportedNetwork:
		return &wsapi.UnsupportedNetworkConfigurationException{Message: msg}
	case deskplane.CodeDefaultRoleNotFound:
		return &wsapi.WorkspacesDefaultRoleNotFoundException{Message: msg}
	case deskplane.CodeValidation:
		return &wsapi.ValidationException{Message: msg}
	case deskplane.CodeConflict:
		return &wsapi.ConflictException{Message: msg}
	case deskplane.CodeThrottled:
		return &awsjson.Error{Type: typeThrottling, Status: http.StatusBadRequest, Message: de.Message}
	case deskplane.CodeNotImplemented:
		return &awsjson.Error{Type: typeNotImplemented, Status: http.StatusNotImplemented, Message: de.Message}
	case deskplane.CodeResourceInUse:
		return &wsapi.ResourceInUseException{Message: msg, ResourceId: optional(de.ResourceID)}
	case deskplane.CodeResourceCreationFailed:
		return &wsapi.ResourceCreationFailedException{Message: msg}
	case deskplane.CodeApplicationNotSupported:
		return withMessage(&wsapi.ApplicationNotSupportedException{}, de.Message)
	case deskplane.CodeIncompatibleApplications:
		return withMessage(&wsapi.IncompatibleApplicationsException{}, de.Message)
	case deskplane.CodeOperatingSystemNotCompatible:
		return withMessage(&wsapi.OperatingSystemNotCompatibleException{}, de.Message)
	case deskplane.CodeComputeNotCompatible:
		return withMessage(&wsapi.ComputeNotCompatibleException{}, de.Message)
	}
	return &awsjson.Error{Type: typeInternal, Status: http.StatusInternalServerError, Message: internalMessage}
}

// DirectoryService maps any error to the Directory Service wire, whose
// errors carry Message and RequestId.
func DirectoryService(err error) awsjson.CodedError {
	if ce, ok := common(err); ok {
		return ce
	}
	var de *deskplane.Error
	if !errors.As(err, &de) {
		return &dsapi.ServiceException{Message: ptr(internalMessage)}
	}
	msg := ptr(de.Message)
	if ce := dsRefined(de.Reason, msg); ce != nil && de.Code != deskplane.CodeInternal {
		return ce
	}
	switch de.Code {
	case deskplane.CodeNotFound:
		return &dsapi.EntityDoesNotExistException{Message: msg}
	case deskplane.CodeAlreadyExists:
		return &dsapi.EntityAlreadyExistsException{Message: msg}
	case deskplane.CodeInvalidParameter, deskplane.CodeUnsupportedNetwork, deskplane.CodeValidation,
		deskplane.CodeIncompatibleApplications, deskplane.CodeMalformedPolicy:
		return &dsapi.InvalidParameterException{Message: msg}
	case deskplane.CodeInvalidState, deskplane.CodeInProgress, deskplane.CodeAssociated, deskplane.CodeConflict,
		deskplane.CodeThrottled, deskplane.CodeResourceInUse, deskplane.CodeResourceCreationFailed:
		return &dsapi.ClientException{Message: msg}
	case deskplane.CodeLimitExceeded:
		return &dsapi.DirectoryLimitExceededException{Message: msg}
	case deskplane.CodeNotSupported, deskplane.CodeApplicationNotSupported, deskplane.CodeOperatingSystemNotCompatible,
		deskplane.CodeComputeNotCompatible:
		return &dsapi.UnsupportedOperationException{Message: msg}
	case deskplane.CodeUnavailable:
		return &dsapi.DirectoryUnavailableException{Message: msg}
	case deskplane.CodeAccessDenied:
		return &dsapi.AccessDeniedException{Message: msg}
	case deskplane.CodeUnsupportedConfiguration:
		return &dsapi.UnsupportedSettingsException{Message: msg}
	case deskplane.CodeDefaultRoleNotFound:
		return &dsapi.InsufficientPermissionsException{Message: msg}
	case deskplane.CodeNotImplemented:
		return &awsjson.Error{Type: typeNotImplemented, Status: http.StatusNotImplemented, Message: de.Message}
	case deskplane.CodeTagLimitExceeded:
		return &dsapi.TagLimitExceededException{Message: msg}
	case deskplane.CodeInvalidNextToken:
		return &dsapi.InvalidNextTokenException{Message: msg}
	}
	return &dsapi.ServiceException{Message: ptr(internalMessage)}
}

// DirectoryServiceData maps any error to the Directory Service Data wire
// (restJson1): the modeled errors carry Message, some a Reason, and their
// own HTTP status (404 ResourceNotFoundException, 409 ConflictException,
// 403 AccessDeniedException, 429 ThrottlingException).
func DirectoryServiceData(err error) awsjson.CodedError {
	// The model's own ValidationException, whose member is Message (the
	// SDKs read no "message" in a restJson1 error).
	var ve *smithy.ValidationError
	if errors.As(err, &ve) {
		return &dsdataapi.ValidationException{Message: ptr(ve.Error())}
	}
	if ce, ok := common(err); ok {
		return ce
	}
	var de *deskplane.Error
	if !errors.As(err, &de) {
		return &dsdataapi.InternalServerException{Message: ptr(internalMessage)}
	}
	msg := ptr(de.Message)
	switch de.Code {
	case deskplane.CodeNotFound:
		return &dsdataapi.ResourceNotFoundException{Message: msg}
	case deskplane.CodeAlreadyExists, deskplane.CodeInProgress, deskplane.CodeAssociated, deskplane.CodeConflict,
		deskplane.CodeResourceInUse:
		return &dsdataapi.ConflictException{Message: msg}
	case deskplane.CodeInvalidParameter, deskplane.CodeLimitExceeded, deskplane.CodeNotSupported,
		deskplane.CodeUnsupportedConfiguration, deskplane.CodeUnsupportedNetwork, deskplane.CodeValidation,
		deskplane.CodeApplicationNotSupported, deskplane.CodeIncompatibleApplications,
		deskplane.CodeOperatingSystemNotCompatible, deskplane.CodeComputeNotCompatible, deskplane.CodeTagLimitExceeded,
		deskplane.CodeInvalidNextToken, deskplane.CodeMalformedPolicy:
		return &dsdataapi.ValidationException{Message: msg, Reason: dsdataapi.ValidationExceptionReason(de.Reason)}
	case deskplane.CodeInvalidState, deskplane.CodeUnavailable, deskplane.CodeResourceCreationFailed:
		return &dsdataapi.DirectoryUnavailableException{Message: msg, Reason: dsdataapi.DirectoryUnavailableReason(de.Reason)}
	case deskplane.CodeAccessDenied, deskplane.CodeDefaultRoleNotFound:
		return &dsdataapi.AccessDeniedException{Message: msg, Reason: dsdataapi.AccessDeniedReason(de.Reason)}
	case deskplane.CodeThrottled:
		return &dsdataapi.ThrottlingException{Message: msg}
	case deskplane.CodeNotImplemented:
		return &awsjson.Error{Type: typeNotImplemented, Status: http.StatusNotImplemented, Message: de.Message}
	}
	return &dsdataapi.InternalServerException{Message: ptr(internalMessage)}
}

// common maps the errors every service answers alike: errors that are
// wire errors already, and the generated dispatcher's errors.
func common(err error) (awsjson.CodedError, bool) {
	var ce awsjson.CodedError
	if errors.As(err, &ce) {
		return ce, true
	}
	var ve *smithy.ValidationError
	if errors.As(err, &ve) {
		return &awsjson.Error{Type: typeValidation, Status: http.StatusBadRequest, Message: ve.Error()}, true
	}
	var se *smithy.SerializationError
	if errors.As(err, &se) {
		return &awsjson.Error{Type: typeSerialization, Status: http.StatusBadRequest, Message: se.Message}, true
	}
	var ue *smithy.UnknownOperationError
	if errors.As(err, &ue) {
		return &awsjson.Error{Type: typeUnknownOp, Status: http.StatusBadRequest,
			Message: "Unknown operation " + ue.Operation + "."}, true
	}
	var ni *smithy.NotImplementedError
	if errors.As(err, &ni) {
		return &awsjson.Error{Type: typeNotImplemented, Status: http.StatusNotImplemented,
			Message: "deskplane does not implement " + ni.Service + "." + ni.Operation + " yet; see the operation coverage table in README.md."}, true
	}
	return nil, false
}
