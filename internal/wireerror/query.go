package wireerror

import (
	"errors"
	"net/http"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/awsquery"
	"github.com/deskplane/deskplane/internal/iamapi"
	"github.com/deskplane/deskplane/internal/stsapi"
)

// The query-protocol services (STS, IAM): a domain error becomes the
// service's modeled error, or a common error of the query protocols
// (ValidationError, AccessDenied, Throttling, NotImplemented). Anything
// that is not a domain error is left to internal/awsquery (nil): wire
// errors pass through, the generated dispatcher's errors get the query
// protocols' names, and the rest is a 500 with AWS's generic message.

// queryError is a common error of the query protocols, which no model
// declares as a shape.
func queryError(code string, status int, msg string) awsquery.CodedError {
	return &awsquery.Error{Code: code, Status: status, Message: msg}
}

const (
	queryValidation     = "ValidationError"
	queryAccessDenied   = "AccessDenied"
	queryThrottling     = "Throttling"
	queryNotImplemented = "NotImplemented"
	queryInternal       = "InternalFailure"
)

// IAM maps a domain error to the IAM wire (awsQuery).
func IAM(err error) awsquery.CodedError {
	var de *deskplane.Error
	if !errors.As(err, &de) {
		return nil
	}
	msg := ptr(de.Message)
	switch de.Code {
	case deskplane.CodeNotFound:
		return &iamapi.NoSuchEntityException{Message: msg}
	case deskplane.CodeAlreadyExists:
		return &iamapi.EntityAlreadyExistsException{Message: msg}
	case deskplane.CodeInvalidParameter, deskplane.CodeInvalidNextToken, deskplane.CodeUnsupportedConfiguration,
		deskplane.CodeUnsupportedNetwork, deskplane.CodeApplicationNotSupported, deskplane.CodeIncompatibleApplications,
		deskplane.CodeOperatingSystemNotCompatible, deskplane.CodeComputeNotCompatible:
		return &iamapi.InvalidInputException{Message: msg}
	case deskplane.CodeValidation:
		return queryError(queryValidation, http.StatusBadRequest, de.Message)
	case deskplane.CodeInvalidState, deskplane.CodeInProgress, deskplane.CodeUnavailable, deskplane.CodeResourceInUse:
		return &iamapi.EntityTemporarilyUnmodifiableException{Message: msg}
	case deskplane.CodeLimitExceeded, deskplane.CodeTagLimitExceeded:
		return &iamapi.LimitExceededException{Message: msg}
	case deskplane.CodeNotSupported:
		return &iamapi.UnmodifiableEntityException{Message: msg}
	case deskplane.CodeAssociated:
		return &iamapi.DeleteConflictException{Message: msg}
	case deskplane.CodeAccessDenied, deskplane.CodeDefaultRoleNotFound:
		return queryError(queryAccessDenied, http.StatusForbidden, de.Message)
	case deskplane.CodeConflict:
		return &iamapi.ConcurrentModificationException{Message: msg}
	case deskplane.CodeThrottled:
		return queryError(queryThrottling, http.StatusBadRequest, de.Message)
	case deskplane.CodeNotImplemented:
		return queryError(queryNotImplemented, http.StatusNotImplemented, de.Message)
	case deskplane.CodeMalformedPolicy:
		return &iamapi.MalformedPolicyDocumentException{Message: msg}
	}
	return &iamapi.ServiceFailureException{Message: ptr(internalMessage)}
}

// STS maps a domain error to the STS wire (awsQuery). STS answers
// AccessDenied for a role that does not exist as for one that may not be
// assumed.
func STS(err error) awsquery.CodedError {
	var de *deskplane.Error
	if !errors.As(err, &de) {
		return nil
	}
	switch de.Code {
	case deskplane.CodeNotFound, deskplane.CodeAccessDenied, deskplane.CodeDefaultRoleNotFound:
		return queryError(queryAccessDenied, http.StatusForbidden, de.Message)
	case deskplane.CodeMalformedPolicy:
		return &stsapi.MalformedPolicyDocumentException{Message: ptr(de.Message)}
	case deskplane.CodeLimitExceeded:
		return &stsapi.PackedPolicyTooLargeException{Message: ptr(de.Message)}
	case deskplane.CodeThrottled:
		return queryError(queryThrottling, http.StatusBadRequest, de.Message)
	case deskplane.CodeNotImplemented:
		return queryError(queryNotImplemented, http.StatusNotImplemented, de.Message)
	case deskplane.CodeInternal, deskplane.CodeResourceCreationFailed:
		return queryError(queryInternal, http.StatusInternalServerError, internalMessage)
	}
	return queryError(queryValidation, http.StatusBadRequest, de.Message)
}
