package control

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Control routes of images and accounts (docs/CONTROL-API.md, images
// section; docs/decisions/0033-image-control-routes.md): what AWS decides
// outside the API — that newer components exist for an image, that an
// account may use BYOL or WorkSpaces Core, what an EC2 AMI is. The routes
// check their input and call the images family through Images.

// Images is what the image control routes need of the images family
// (internal/service/images.Service).
type Images interface {
	// SetImageUpdates sets Updates of an image the scope owns; a scope
	// without the image answers an error that is deskplane.ErrNotFound's
	// kind (deskplane.HasCode(err, deskplane.CodeNotFound)).
	SetImageUpdates(ctx context.Context, sc deskplane.Scope, id string, available bool, description string) error
	// ChangeAccount applies change to the scope's account settings and
	// returns them.
	ChangeAccount(ctx context.Context, sc deskplane.Scope, change func(*deskplane.Account)) (deskplane.Account, error)
	// SetEC2Image records what an AMI of the scope's account is.
	SetEC2Image(ctx context.Context, sc deskplane.Scope, ami deskplane.EC2Image) error
	// SetOrganization sets the organization an account is in (""
	// for none; nil for deskplane's default) and returns it.
	SetOrganization(ctx context.Context, account string, id *string) (string, error)
}

// ImageRoutes adds the image and account control routes to mux, which
// must sit behind the control API's token check (NewHandler's Routes).
func ImageRoutes(mux *http.ServeMux, svc Images) {
	r := imageRoutes{svc}
	mux.HandleFunc("POST "+Prefix+"images/{id}/updates", r.updates)
	mux.HandleFunc("POST "+Prefix+"account-settings", r.accountSettings)
	mux.HandleFunc("PUT "+Prefix+"ec2-images/{id}", r.ec2Image)
	mux.HandleFunc("POST "+Prefix+"account-organization", r.organization)
}

type imageRoutes struct{ svc Images }

// imageTarget is the account and Region every image and account route
// names in its body (no default: state is per scope, and a silent default
// would put settings where a test does not look).
type imageTarget struct {
	Account string `json:"account"`
	Region  string `json:"region"`
}

// checkAccount checks an account id a route names.
func checkAccount(account string) error {
	if !regexp.MustCompile(`^\d{12}$`).MatchString(account) {
		return fmt.Errorf("account must be a 12-digit account id, not %q", account)
	}
	return nil
}

// scope checks the account and Region.
func (t imageTarget) scope() (deskplane.Scope, error) {
	if err := checkAccount(t.Account); err != nil {
		return deskplane.Scope{}, err
	}
	if !regexp.MustCompile(`^[-0-9a-z]{1,31}$`).MatchString(t.Region) {
		return deskplane.Scope{}, fmt.Errorf("region must be a Region name such as us-east-1, not %q", t.Region)
	}
	return deskplane.Scope{Account: t.Account, Region: t.Region}, nil
}

// decodeImageBody decodes a route's JSON body into in and checks the scope it
// names; on a bad request it answers 400 itself and reports false.
func decodeImageBody(w http.ResponseWriter, r *http.Request, in any, t *imageTarget) (deskplane.Scope, bool) {
	if err := Decode(r, in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return deskplane.Scope{}, false
	}
	sc, err := t.scope()
	if err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return deskplane.Scope{}, false
	}
	return sc, true
}

// updates makes updated WorkSpaces components available (or not) for an
// image: DescribeWorkspaceImages then shows Updates.UpdateAvailable and
// CreateUpdatedWorkspaceImage accepts the image.
func (ir imageRoutes) updates(w http.ResponseWriter, r *http.Request) {
	var in struct {
		imageTarget
		UpdateAvailable bool   `json:"updateAvailable"`
		Description     string `json:"description"`
	}
	sc, ok := decodeImageBody(w, r, &in, &in.imageTarget)
	if !ok {
		return
	}
	if in.UpdateAvailable && in.Description == "" {
		in.Description = "Updated WorkSpaces drivers and components are available"
	}
	if in.Description != "" && (len(in.Description) > 255 || !regexp.MustCompile(`^[a-zA-Z0-9_./() -]+$`).MatchString(in.Description)) {
		WriteError(w, http.StatusBadRequest, errors.New("description must be 1 to 255 letters, digits, spaces and _ . / ( ) - (the model's UpdateResult.Description)"))
		return
	}
	id := r.PathValue("id")
	err := ir.svc.SetImageUpdates(r.Context(), sc, id, in.UpdateAvailable, in.Description)
	switch {
	case deskplane.HasCode(err, deskplane.CodeNotFound):
		WriteError(w, http.StatusNotFound, fmt.Errorf("account %s has no image %s in %s", sc.Account, id, sc.Region))
	case err != nil:
		WriteError(w, http.StatusInternalServerError, err)
	default:
		WriteJSON(w, http.StatusOK, map[string]any{"imageId": id, "updateAvailable": in.UpdateAvailable, "description": in.Description})
	}
}

// accountSettings sets what AWS decides about an account outside the API,
// per Region: whether it may use BYOL at all, whether it is allow-listed
// for WorkSpaces Core (the _BYOP ingestion processes, the BYOP protocol)
// and whether AWS Support has enabled it for BYOL on Graphics.g4dn
// bundles. Omitted settings stay as they are.
func (ir imageRoutes) accountSettings(w http.ResponseWriter, r *http.Request) {
	var in struct {
		imageTarget
		BYOLEligible            *bool `json:"byolEligible"`
		CoreAllowListed         *bool `json:"coreAllowListed"`
		GraphicsBYOLAllowListed *bool `json:"graphicsByolAllowListed"`
	}
	sc, ok := decodeImageBody(w, r, &in, &in.imageTarget)
	if !ok {
		return
	}
	acct, err := ir.svc.ChangeAccount(r.Context(), sc, func(a *deskplane.Account) {
		if in.BYOLEligible != nil {
			a.BYOLIneligible = !*in.BYOLEligible
		}
		if in.CoreAllowListed != nil {
			a.CoreAllowListed = *in.CoreAllowListed
		}
		if in.GraphicsBYOLAllowListed != nil {
			a.GraphicsBYOLAllowListed = *in.GraphicsBYOLAllowListed
		}
	})
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	support := wsapi.DedicatedTenancySupportResultEnumDisabled
	if acct.BYOLEnabled() {
		support = wsapi.DedicatedTenancySupportResultEnumEnabled
	}
	WriteJSON(w, http.StatusOK, map[string]any{
		"account": sc.Account, "region": sc.Region,
		"byolEligible": !acct.BYOLIneligible, "coreAllowListed": acct.CoreAllowListed,
		"graphicsByolAllowListed": acct.GraphicsBYOLAllowListed, "dedicatedTenancySupport": support,
	})
}

// ec2Image records facts about an EC2 AMI of an account: that it does not
// exist, or which operating system it runs (default: it exists and runs
// WINDOWS_10).
func (ir imageRoutes) ec2Image(w http.ResponseWriter, r *http.Request) {
	var in struct {
		imageTarget
		Exists          *bool                     `json:"exists"`
		OperatingSystem wsapi.OperatingSystemName `json:"operatingSystem"`
	}
	sc, ok := decodeImageBody(w, r, &in, &in.imageTarget)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if !regexp.MustCompile(`^ami-([a-f0-9]{8}|[a-f0-9]{17})$`).MatchString(id) {
		WriteError(w, http.StatusBadRequest, fmt.Errorf("%q is not an AMI id such as ami-0123456789abcdef0", id))
		return
	}
	if in.OperatingSystem != "" && !in.OperatingSystem.IsKnown() {
		WriteError(w, http.StatusBadRequest, fmt.Errorf("operatingSystem %q is not an OperatingSystemName such as %s or %s",
			in.OperatingSystem, wsapi.OperatingSystemNameWindows10, wsapi.OperatingSystemNameWindows11))
		return
	}
	ami := deskplane.EC2Image{ID: id, Missing: in.Exists != nil && !*in.Exists, OperatingSystem: deskplane.OperatingSystemName(in.OperatingSystem)}
	if err := ir.svc.SetEC2Image(r.Context(), sc, ami); err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	if ami.OperatingSystem == "" {
		ami.OperatingSystem = deskplane.OSWindows10
	}
	WriteJSON(w, http.StatusOK, map[string]any{"imageId": id, "account": sc.Account, "region": sc.Region,
		"exists": !ami.Missing, "operatingSystem": ami.OperatingSystem})
}

// organization sets the organization in AWS Organizations an account is a
// member of, in every Region: "organizationId" an organization id, "" for
// none, absent (or null) for deskplane's default organization, which every
// account without a setting shares (decision 0329).
func (ir imageRoutes) organization(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Account        string  `json:"account"`
		OrganizationID *string `json:"organizationId"`
	}
	if err := Decode(r, &in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	if err := checkAccount(in.Account); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	if in.OrganizationID != nil && *in.OrganizationID != "" && !regexp.MustCompile(`^o-[a-z0-9]{10,32}$`).MatchString(*in.OrganizationID) {
		WriteError(w, http.StatusBadRequest, fmt.Errorf("organizationId must be an AWS Organizations id such as o-a1b2c3d4e5 (or \"\" for none), not %q", *in.OrganizationID))
		return
	}
	org, err := ir.svc.SetOrganization(r.Context(), in.Account, in.OrganizationID)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"account": in.Account, "organizationId": org, "default": in.OrganizationID == nil})
}
