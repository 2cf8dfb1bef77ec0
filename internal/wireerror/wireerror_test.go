package wireerror

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/awsjson"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// TestErrorTable pins the domain → wire table: every domain code, for both
// services, with its wire name, status and envelope.
func TestErrorTable(t *testing.T) {
	cases := []struct {
		code       deskplane.Code
		ws, ds     string
		wsStatus   int
		data       string
		dataStatus int
	}{
		{deskplane.CodeNotFound, "ResourceNotFoundException", "EntityDoesNotExistException", 400, "ResourceNotFoundException", 404},
		{deskplane.CodeAlreadyExists, "ResourceAlreadyExistsException", "EntityAlreadyExistsException", 400, "ConflictException", 409},
		{deskplane.CodeInvalidParameter, "InvalidParameterValuesException", "InvalidParameterException", 400, "ValidationException", 400},
		{deskplane.CodeInvalidState, "InvalidResourceStateException", "ClientException", 400, "DirectoryUnavailableException", 400},
		{deskplane.CodeLimitExceeded, "ResourceLimitExceededException", "DirectoryLimitExceededException", 400, "ValidationException", 400},
		{deskplane.CodeNotSupported, "OperationNotSupportedException", "UnsupportedOperationException", 400, "ValidationException", 400},
		{deskplane.CodeInProgress, "OperationInProgressException", "ClientException", 400, "ConflictException", 409},
		{deskplane.CodeAssociated, "ResourceAssociatedException", "ClientException", 400, "ConflictException", 409},
		{deskplane.CodeUnavailable, "ResourceUnavailableException", "DirectoryUnavailableException", 400, "DirectoryUnavailableException", 400},
		{deskplane.CodeAccessDenied, "AccessDeniedException", "AccessDeniedException", 400, "AccessDeniedException", 403},
		{deskplane.CodeUnsupportedConfiguration, "UnsupportedWorkspaceConfigurationException", "UnsupportedSettingsException", 400, "ValidationException", 400},
		{deskplane.CodeUnsupportedNetwork, "UnsupportedNetworkConfigurationException", "InvalidParameterException", 400, "ValidationException", 400},
		{deskplane.CodeDefaultRoleNotFound, "WorkspacesDefaultRoleNotFoundException", "InsufficientPermissionsException", 400, "AccessDeniedException", 403},
		{deskplane.CodeValidation, "ValidationException", "InvalidParameterException", 400, "ValidationException", 400},
		{deskplane.CodeConflict, "ConflictException", "ClientException", 400, "ConflictException", 409},
		{deskplane.CodeThrottled, "ThrottlingException", "ClientException", 400, "ThrottlingException", 429},
		{deskplane.CodeNotImplemented, "NotImplementedException", "NotImplementedException", 501, "NotImplementedException", 501},
		{deskplane.CodeInternal, "InternalFailure", "ServiceException", 500, "InternalServerException", 500},
		{deskplane.CodeResourceInUse, "ResourceInUseException", "ClientException", 400, "ConflictException", 409},
		{deskplane.CodeResourceCreationFailed, "ResourceCreationFailedException", "ClientException", 400, "DirectoryUnavailableException", 400},
		{deskplane.CodeApplicationNotSupported, "ApplicationNotSupportedException", "UnsupportedOperationException", 400, "ValidationException", 400},
		{deskplane.CodeIncompatibleApplications, "IncompatibleApplicationsException", "InvalidParameterException", 400, "ValidationException", 400},
		{deskplane.CodeOperatingSystemNotCompatible, "OperatingSystemNotCompatibleException", "UnsupportedOperationException", 400, "ValidationException", 400},
		{deskplane.CodeComputeNotCompatible, "ComputeNotCompatibleException", "UnsupportedOperationException", 400, "ValidationException", 400},
		{deskplane.CodeTagLimitExceeded, "ResourceLimitExceededException", "TagLimitExceededException", 400, "ValidationException", 400},
		{deskplane.CodeInvalidNextToken, "InvalidParameterValuesException", "InvalidNextTokenException", 400, "ValidationException", 400},
		{deskplane.CodeMalformedPolicy, "InvalidParameterValuesException", "InvalidParameterException", 400, "ValidationException", 400},
	}
	pinned := map[deskplane.Code]bool{}
	for _, c := range cases {
		pinned[c.code] = true
	}
	for _, c := range deskplane.Codes() {
		if !pinned[c] {
			t.Errorf("domain code %d has no row in this test: pin its wire errors", c)
		}
	}
	for _, c := range cases {
		t.Run(c.ws, func(t *testing.T) {
			err := fmt.Errorf("wrapped: %w", deskplane.Errorf(c.code, "it broke"))
			ws := WorkSpaces(err)
			if ws.ErrorCode() != c.ws || ws.HTTPStatus() != c.wsStatus {
				t.Errorf("workspaces: %s %d, want %s %d", ws.ErrorCode(), ws.HTTPStatus(), c.ws, c.wsStatus)
			}
			ds := DirectoryService(err)
			if ds.ErrorCode() != c.ds {
				t.Errorf("directory service: %s, want %s", ds.ErrorCode(), c.ds)
			}
			data := DirectoryServiceData(err)
			if data.ErrorCode() != c.data || data.HTTPStatus() != c.dataStatus {
				t.Errorf("directory service data: %s %d, want %s %d", data.ErrorCode(), data.HTTPStatus(), c.data, c.dataStatus)
			}
		})
	}
}

func TestErrorEnvelopes(t *testing.T) {
	cases := []struct {
		name string
		err  error
		m    func(error) awsjson.CodedError
		want string
		code int
	}{
		{"not found carries ResourceId", deskplane.NotFound("ws-123456789", "gone"), WorkSpaces,
			`{"__type":"ResourceNotFoundException","message":"gone","ResourceId":"ws-123456789"}`, 400},
		{"unavailable carries ResourceId", &deskplane.Error{Code: deskplane.CodeUnavailable, Message: "busy", ResourceID: "wsi-123456789"}, WorkSpaces,
			`{"__type":"ResourceUnavailableException","message":"busy","ResourceId":"wsi-123456789"}`, 400},
		{"not supported carries reason", &deskplane.Error{Code: deskplane.CodeNotSupported, Message: "no", Reason: "BYOL"}, WorkSpaces,
			`{"__type":"OperationNotSupportedException","message":"no","reason":"BYOL"}`, 400},
		{"plain", deskplane.Errorf(deskplane.CodeInvalidState, "state"), WorkSpaces,
			`{"__type":"InvalidResourceStateException","message":"state"}`, 400},
		{"tag limit", &deskplane.Error{Code: deskplane.CodeTagLimitExceeded, Message: "m"}, DirectoryService,
			`{"__type":"TagLimitExceededException","Message":"m"}`, 400},
		{"ds uses Message", deskplane.Errorf(deskplane.CodeNotFound, "no dir"), DirectoryService,
			`{"__type":"EntityDoesNotExistException","Message":"no dir"}`, 400},
		{"unknown errors are internal and generic", errors.New("disk on fire"), WorkSpaces,
			`{"__type":"InternalFailure","message":"The request processing has failed because of an unknown error, exception or failure."}`, 500},
		{"ds internal", errors.New("disk on fire"), DirectoryService,
			`{"__type":"ServiceException","Message":"The request processing has failed because of an unknown error, exception or failure."}`, 500},
		{"validation", &smithy.ValidationError{Violations: []smithy.Violation{{Path: "limit", Value: "30", Constraint: "Member must have value less than or equal to 25"}}}, WorkSpaces,
			`{"__type":"ValidationException","message":"1 validation error detected: Value '30' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 25"}`, 400},
		{"serialization", &smithy.SerializationError{Message: "bad json"}, WorkSpaces,
			`{"__type":"SerializationException","message":"bad json"}`, 400},
		{"not implemented", &smithy.NotImplementedError{Service: "WorkspacesService", Operation: "X"}, WorkSpaces,
			`{"__type":"NotImplementedException","message":"deskplane does not implement WorkspacesService.X yet; see the operation coverage table in README.md."}`, 501},
		{"coded errors pass through", &wsapi.AccessDeniedException{Message: ptr("no")}, WorkSpaces,
			`{"__type":"AccessDeniedException","message":"no"}`, 400},
		{"data not found is 404 with Message", deskplane.NotFound("d-1234567890", "no user"), DirectoryServiceData,
			`{"__type":"ResourceNotFoundException","Message":"no user"}`, 404},
		{"data unavailable carries Reason", &deskplane.Error{Code: deskplane.CodeUnavailable, Message: "not active", Reason: "INVALID_DIRECTORY_STATE"}, DirectoryServiceData,
			`{"__type":"DirectoryUnavailableException","Message":"not active","Reason":"INVALID_DIRECTORY_STATE"}`, 400},
		{"data validation uses Message", &smithy.ValidationError{Violations: []smithy.Violation{{Path: "maxResults", Value: "300", Constraint: "Member must have value less than or equal to 250"}}}, DirectoryServiceData,
			`{"__type":"ValidationException","Message":"1 validation error detected: Value '300' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 250"}`, 400},
		{"data internal", errors.New("disk on fire"), DirectoryServiceData,
			`{"__type":"InternalServerException","Message":"The request processing has failed because of an unknown error, exception or failure."}`, 500},
		{"resource in use carries ResourceId", &deskplane.Error{Code: deskplane.CodeResourceInUse, Message: "deploying", ResourceID: "ws-123456789"}, WorkSpaces,
			`{"__type":"ResourceInUseException","message":"deploying","ResourceId":"ws-123456789"}`, 400},
		{"compute not compatible", &deskplane.Error{Code: deskplane.CodeComputeNotCompatible, Message: "Value"}, WorkSpaces,
			`{"__type":"ComputeNotCompatibleException","message":"Value"}`, 400},
		{"operating system not compatible", &deskplane.Error{Code: deskplane.CodeOperatingSystemNotCompatible, Message: "Linux"}, WorkSpaces,
			`{"__type":"OperatingSystemNotCompatibleException","message":"Linux"}`, 400},
		{"incompatible applications", &deskplane.Error{Code: deskplane.CodeIncompatibleApplications, Message: "two editions"}, WorkSpaces,
			`{"__type":"IncompatibleApplicationsException","message":"two editions"}`, 400},
		{"application not supported", &deskplane.Error{Code: deskplane.CodeApplicationNotSupported, Message: "uninstall only"}, WorkSpaces,
			`{"__type":"ApplicationNotSupportedException","message":"uninstall only"}`, 400},
		{"resource creation failed", &deskplane.Error{Code: deskplane.CodeResourceCreationFailed, Message: "not registered"}, WorkSpaces,
			`{"__type":"ResourceCreationFailedException","message":"not registered"}`, 400},
		{"framing errors pass through", &awsjson.Error{Type: "ThrottlingException", Status: http.StatusBadRequest, Message: "Rate exceeded"}, DirectoryService,
			`{"__type":"ThrottlingException","message":"Rate exceeded"}`, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ce := c.m(c.err)
			if got := string(awsjson.EncodeError(ce)); got != c.want {
				t.Errorf("envelope\n got %s\nwant %s", got, c.want)
			}
			if ce.HTTPStatus() != c.code {
				t.Errorf("status %d, want %d", ce.HTTPStatus(), c.code)
			}
		})
	}
}
