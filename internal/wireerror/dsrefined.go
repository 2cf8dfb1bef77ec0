package wireerror

import (
	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/awsjson"
	"github.com/deskplane/deskplane/internal/dsapi"
)

// dsRefined maps the refinements of domain errors that only Directory
// Service has a wire error for (deskplane.Reason…, dstables.go) to their
// exceptions; nil for a reason it does not know.
// docs/decisions/0200-directory-service-errors.md.
func dsRefined(reason string, msg *string) awsjson.CodedError {
	switch reason {
	case deskplane.ReasonCertificateExists:
		return &dsapi.CertificateAlreadyExistsException{Message: msg}
	case deskplane.ReasonCertificateNotFound:
		return &dsapi.CertificateDoesNotExistException{Message: msg}
	case deskplane.ReasonCertificateInUse:
		return &dsapi.CertificateInUseException{Message: msg}
	case deskplane.ReasonCertificateLimit:
		return &dsapi.CertificateLimitExceededException{Message: msg}
	case deskplane.ReasonInvalidCertificate:
		return &dsapi.InvalidCertificateException{Message: msg}
	case deskplane.ReasonNoCertificate:
		return &dsapi.NoAvailableCertificateException{Message: msg}
	case deskplane.ReasonAlreadyInRegion:
		return &dsapi.DirectoryAlreadyInRegionException{Message: msg}
	case deskplane.ReasonRegionLimit:
		return &dsapi.RegionLimitExceededException{Message: msg}
	case deskplane.ReasonAlreadyShared:
		return &dsapi.DirectoryAlreadySharedException{Message: msg}
	case deskplane.ReasonNotShared:
		return &dsapi.DirectoryNotSharedException{Message: msg}
	case deskplane.ReasonShareLimit:
		return &dsapi.ShareLimitExceededException{Message: msg}
	case deskplane.ReasonInvalidTarget:
		return &dsapi.InvalidTargetException{Message: msg}
	case deskplane.ReasonOrganizations:
		return &dsapi.OrganizationsException{Message: msg}
	case deskplane.ReasonDirectoryNotFound:
		return &dsapi.DirectoryDoesNotExistException{Message: msg}
	case deskplane.ReasonInDesiredState:
		return &dsapi.DirectoryInDesiredStateException{Message: msg}
	case deskplane.ReasonEnableInProgress:
		return &dsapi.EnableAlreadyInProgressException{Message: msg}
	case deskplane.ReasonDisableInProgress:
		return &dsapi.DisableAlreadyInProgressException{Message: msg}
	case deskplane.ReasonDomainControllerLimit:
		return &dsapi.DomainControllerLimitExceededException{Message: msg}
	case deskplane.ReasonIncompatibleSettings:
		return &dsapi.IncompatibleSettingsException{Message: msg}
	case deskplane.ReasonInvalidClientAuth:
		return &dsapi.InvalidClientAuthStatusException{Message: msg}
	case deskplane.ReasonInvalidLDAPS:
		return &dsapi.InvalidLDAPSStatusException{Message: msg}
	case deskplane.ReasonInvalidPassword:
		return &dsapi.InvalidPasswordException{Message: msg}
	case deskplane.ReasonIPRouteLimit:
		return &dsapi.IpRouteLimitExceededException{Message: msg}
	case deskplane.ReasonSnapshotLimit:
		return &dsapi.SnapshotLimitExceededException{Message: msg}
	case deskplane.ReasonUserNotFound:
		return &dsapi.UserDoesNotExistException{Message: msg}
	case deskplane.ReasonAssessmentLimit:
		return &dsapi.ADAssessmentLimitExceededException{Message: msg}
	case deskplane.ReasonAuthenticationFailed:
		return &dsapi.AuthenticationFailedException{Message: msg}
	}
	return nil
}
