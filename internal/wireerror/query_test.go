package wireerror

import (
	"errors"
	"fmt"
	"testing"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/iamapi"
	"github.com/deskplane/deskplane/internal/smithy"
)

// TestQueryErrorTable pins the domain → wire table of STS and IAM: every
// domain code, with its awsQuery code and status.
func TestQueryErrorTable(t *testing.T) {
	cases := []struct {
		code       deskplane.Code
		iam        string
		iamStatus  int
		sts        string
		stsStatus  int
		iamMessage string // when not the domain message
	}{
		{deskplane.CodeNotFound, "NoSuchEntity", 404, "AccessDenied", 403, ""},
		{deskplane.CodeAlreadyExists, "EntityAlreadyExists", 409, "ValidationError", 400, ""},
		{deskplane.CodeInvalidParameter, "InvalidInput", 400, "ValidationError", 400, ""},
		{deskplane.CodeInvalidState, "EntityTemporarilyUnmodifiable", 409, "ValidationError", 400, ""},
		{deskplane.CodeLimitExceeded, "LimitExceeded", 409, "PackedPolicyTooLarge", 400, ""},
		{deskplane.CodeNotSupported, "UnmodifiableEntity", 400, "ValidationError", 400, ""},
		{deskplane.CodeInProgress, "EntityTemporarilyUnmodifiable", 409, "ValidationError", 400, ""},
		{deskplane.CodeAssociated, "DeleteConflict", 409, "ValidationError", 400, ""},
		{deskplane.CodeUnavailable, "EntityTemporarilyUnmodifiable", 409, "ValidationError", 400, ""},
		{deskplane.CodeAccessDenied, "AccessDenied", 403, "AccessDenied", 403, ""},
		{deskplane.CodeUnsupportedConfiguration, "InvalidInput", 400, "ValidationError", 400, ""},
		{deskplane.CodeUnsupportedNetwork, "InvalidInput", 400, "ValidationError", 400, ""},
		{deskplane.CodeDefaultRoleNotFound, "AccessDenied", 403, "AccessDenied", 403, ""},
		{deskplane.CodeValidation, "ValidationError", 400, "ValidationError", 400, ""},
		{deskplane.CodeConflict, "ConcurrentModification", 409, "ValidationError", 400, ""},
		{deskplane.CodeThrottled, "Throttling", 400, "Throttling", 400, ""},
		{deskplane.CodeNotImplemented, "NotImplemented", 501, "NotImplemented", 501, ""},
		{deskplane.CodeInternal, "ServiceFailure", 500, "InternalFailure", 500, internalMessage},
		{deskplane.CodeResourceInUse, "EntityTemporarilyUnmodifiable", 409, "ValidationError", 400, ""},
		{deskplane.CodeResourceCreationFailed, "ServiceFailure", 500, "InternalFailure", 500, internalMessage},
		{deskplane.CodeApplicationNotSupported, "InvalidInput", 400, "ValidationError", 400, ""},
		{deskplane.CodeIncompatibleApplications, "InvalidInput", 400, "ValidationError", 400, ""},
		{deskplane.CodeOperatingSystemNotCompatible, "InvalidInput", 400, "ValidationError", 400, ""},
		{deskplane.CodeComputeNotCompatible, "InvalidInput", 400, "ValidationError", 400, ""},
		{deskplane.CodeTagLimitExceeded, "LimitExceeded", 409, "ValidationError", 400, ""},
		{deskplane.CodeInvalidNextToken, "InvalidInput", 400, "ValidationError", 400, ""},
		{deskplane.CodeMalformedPolicy, "MalformedPolicyDocument", 400, "MalformedPolicyDocument", 400, ""},
	}
	pinned := map[deskplane.Code]bool{}
	for _, c := range cases {
		pinned[c.code] = true
	}
	for _, c := range deskplane.Codes() {
		if !pinned[c] {
			t.Errorf("domain code %d has no row in this test: pin its STS and IAM errors", c)
		}
	}
	for _, c := range cases {
		t.Run(c.iam, func(t *testing.T) {
			err := fmt.Errorf("wrapped: %w", deskplane.Errorf(c.code, "it broke"))
			i := IAM(err)
			if i.ErrorCode() != c.iam || i.HTTPStatus() != c.iamStatus {
				t.Errorf("iam: %s %d, want %s %d", i.ErrorCode(), i.HTTPStatus(), c.iam, c.iamStatus)
			}
			want := "it broke"
			if c.iamMessage != "" {
				want = c.iamMessage
			}
			if m := i.(interface{ ErrorMessage() string }).ErrorMessage(); m != want {
				t.Errorf("iam message %q, want %q", m, want)
			}
			s := STS(err)
			if s.ErrorCode() != c.sts || s.HTTPStatus() != c.stsStatus {
				t.Errorf("sts: %s %d, want %s %d", s.ErrorCode(), s.HTTPStatus(), c.sts, c.stsStatus)
			}
		})
	}
}

// TestQueryLeavesOtherErrors: what is not a domain error is the framing's
// to name (internal/awsquery), so the tables answer nil.
func TestQueryLeavesOtherErrors(t *testing.T) {
	for _, err := range []error{
		errors.New("disk on fire"),
		&smithy.ValidationError{},
		&iamapi.NoSuchEntityException{},
	} {
		if IAM(err) != nil || STS(err) != nil {
			t.Errorf("%T mapped by the table", err)
		}
	}
}
