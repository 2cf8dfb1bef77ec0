package wireerror

import (
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/awsjson"
	"github.com/deskplane/deskplane/internal/dsapi"
)

// dsRefined maps the refinements of domain errors that only Directory
// Service has a wire error for (directory.Reason…, directory/tables.go) to their
// exceptions; nil for a reason it does not know.
// docs/decisions/0200-directory-service-errors.md.
func dsRefined(reason string, msg *string) awsjson.CodedError {
	switch reason {
	case directory.ReasonCertificateExists:
		return &dsapi.CertificateAlreadyExistsException{Message: msg}
	case directory.ReasonCertificateNotFound:
		return &dsapi.CertificateDoesNotExistException{Message: msg}
	case directory.ReasonCertificateInUse:
		return &dsapi.CertificateInUseException{Message: msg}
	case directory.ReasonCertificateLimit:
		return &dsapi.CertificateLimitExceededException{Message: msg}
	case directory.ReasonInvalidCertificate:
		return &dsapi.InvalidCertificateException{Message: msg}
	case directory.ReasonNoCertificate:
		return &dsapi.NoAvailableCertificateException{Message: msg}
	case directory.ReasonAlreadyInRegion:
		return &dsapi.DirectoryAlreadyInRegionException{Message: msg}
	case directory.ReasonRegionLimit:
		return &dsapi.RegionLimitExceededException{Message: msg}
	case directory.ReasonAlreadyShared:
		return &dsapi.DirectoryAlreadySharedException{Message: msg}
	case directory.ReasonNotShared:
		return &dsapi.DirectoryNotSharedException{Message: msg}
	case directory.ReasonShareLimit:
		return &dsapi.ShareLimitExceededException{Message: msg}
	case directory.ReasonInvalidTarget:
		return &dsapi.InvalidTargetException{Message: msg}
	case directory.ReasonOrganizations:
		return &dsapi.OrganizationsException{Message: msg}
	case directory.ReasonDirectoryNotFound:
		return &dsapi.DirectoryDoesNotExistException{Message: msg}
	case directory.ReasonInDesiredState:
		return &dsapi.DirectoryInDesiredStateException{Message: msg}
	case directory.ReasonEnableInProgress:
		return &dsapi.EnableAlreadyInProgressException{Message: msg}
	case directory.ReasonDisableInProgress:
		return &dsapi.DisableAlreadyInProgressException{Message: msg}
	case directory.ReasonDomainControllerLimit:
		return &dsapi.DomainControllerLimitExceededException{Message: msg}
	case directory.ReasonIncompatibleSettings:
		return &dsapi.IncompatibleSettingsException{Message: msg}
	case directory.ReasonInvalidClientAuth:
		return &dsapi.InvalidClientAuthStatusException{Message: msg}
	case directory.ReasonInvalidLDAPS:
		return &dsapi.InvalidLDAPSStatusException{Message: msg}
	case directory.ReasonInvalidPassword:
		return &dsapi.InvalidPasswordException{Message: msg}
	case directory.ReasonIPRouteLimit:
		return &dsapi.IpRouteLimitExceededException{Message: msg}
	case directory.ReasonSnapshotLimit:
		return &dsapi.SnapshotLimitExceededException{Message: msg}
	case directory.ReasonUserNotFound:
		return &dsapi.UserDoesNotExistException{Message: msg}
	case directory.ReasonAssessmentLimit:
		return &dsapi.ADAssessmentLimitExceededException{Message: msg}
	case directory.ReasonAuthenticationFailed:
		return &dsapi.AuthenticationFailedException{Message: msg}
	}
	return nil
}
