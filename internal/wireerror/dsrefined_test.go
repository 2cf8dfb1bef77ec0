package wireerror

import (
	"testing"

	"github.com/deskplane/deskplane"
)

// Every Directory Service refinement maps to its own exception, whatever
// the code it refines; an unknown reason falls back to the code's error.
func TestDirectoryServiceRefinements(t *testing.T) {
	reasons := []string{deskplane.ReasonCertificateExists, deskplane.ReasonCertificateNotFound, deskplane.ReasonCertificateInUse,
		deskplane.ReasonCertificateLimit, deskplane.ReasonInvalidCertificate, deskplane.ReasonNoCertificate, deskplane.ReasonAlreadyInRegion,
		deskplane.ReasonRegionLimit, deskplane.ReasonAlreadyShared, deskplane.ReasonNotShared, deskplane.ReasonShareLimit,
		deskplane.ReasonInvalidTarget, deskplane.ReasonOrganizations, deskplane.ReasonDirectoryNotFound, deskplane.ReasonInDesiredState,
		deskplane.ReasonEnableInProgress, deskplane.ReasonDisableInProgress, deskplane.ReasonDomainControllerLimit,
		deskplane.ReasonIncompatibleSettings, deskplane.ReasonInvalidClientAuth, deskplane.ReasonInvalidLDAPS, deskplane.ReasonInvalidPassword,
		deskplane.ReasonIPRouteLimit, deskplane.ReasonSnapshotLimit, deskplane.ReasonUserNotFound, deskplane.ReasonAssessmentLimit,
		deskplane.ReasonAuthenticationFailed}
	seen := map[string]string{}
	for _, r := range reasons {
		ce := DirectoryService(&deskplane.Error{Code: deskplane.CodeInvalidParameter, Reason: r, Message: "m"})
		name := ce.ErrorCode()
		if name == "InvalidParameterException" || seen[name] != "" {
			t.Errorf("reason %s answers %s (also %s)", r, name, seen[name])
		}
		seen[name] = r
	}
	if got := DirectoryService(&deskplane.Error{Code: deskplane.CodeLimitExceeded, Reason: "other", Message: "m"}).ErrorCode(); got != "DirectoryLimitExceededException" {
		t.Errorf("unknown reason: %s", got)
	}
}
