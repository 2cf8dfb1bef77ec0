package wireerror

import (
	"testing"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
)

// Every Directory Service refinement maps to its own exception, whatever
// the code it refines; an unknown reason falls back to the code's error.
func TestDirectoryServiceRefinements(t *testing.T) {
	reasons := []string{directory.ReasonCertificateExists, directory.ReasonCertificateNotFound, directory.ReasonCertificateInUse,
		directory.ReasonCertificateLimit, directory.ReasonInvalidCertificate, directory.ReasonNoCertificate, directory.ReasonAlreadyInRegion,
		directory.ReasonRegionLimit, directory.ReasonAlreadyShared, directory.ReasonNotShared, directory.ReasonShareLimit,
		directory.ReasonInvalidTarget, directory.ReasonOrganizations, directory.ReasonDirectoryNotFound, directory.ReasonInDesiredState,
		directory.ReasonEnableInProgress, directory.ReasonDisableInProgress, directory.ReasonDomainControllerLimit,
		directory.ReasonIncompatibleSettings, directory.ReasonInvalidClientAuth, directory.ReasonInvalidLDAPS, directory.ReasonInvalidPassword,
		directory.ReasonIPRouteLimit, directory.ReasonSnapshotLimit, directory.ReasonUserNotFound, directory.ReasonAssessmentLimit,
		directory.ReasonAuthenticationFailed}
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
