package api

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/control"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Control routes of images and accounts (docs/CONTROL-API.md, images
// section). The control mux has already checked the admin token.

func (s *Server) imageControl(mux *http.ServeMux) {
	mux.HandleFunc("POST "+control.Prefix+"images/{id}/updates", s.ctlImageUpdates)
	mux.HandleFunc("POST "+control.Prefix+"account-settings", s.ctlAccountSettings)
	mux.HandleFunc("PUT "+control.Prefix+"ec2-images/{id}", s.ctlEC2Image)
}

// controlScope checks the account and Region every route names.
func controlScope(account, region string) (deskplane.Scope, error) {
	if !regexp.MustCompile(`^\d{12}$`).MatchString(account) {
		return deskplane.Scope{}, fmt.Errorf("account must be a 12-digit account id, not %q", account)
	}
	if !regexp.MustCompile(`^[-0-9a-z]{1,31}$`).MatchString(region) {
		return deskplane.Scope{}, fmt.Errorf("region must be a Region name such as us-east-1, not %q", region)
	}
	return deskplane.Scope{Account: account, Region: region}, nil
}

// controlTarget is the account and Region every control route names.
type controlTarget struct {
	Account string `json:"account"`
	Region  string `json:"region"`
}

func (t *controlTarget) target() *controlTarget { return t }

// decodeControl decodes a control route's JSON body into in and checks the
// account and Region it names; on a bad request it answers 400 itself and
// reports false.
func decodeControl(w http.ResponseWriter, r *http.Request, in interface{ target() *controlTarget }) (deskplane.Scope, bool) {
	if err := control.Decode(r, in); err != nil {
		control.WriteError(w, http.StatusBadRequest, err)
		return deskplane.Scope{}, false
	}
	t := in.target()
	sc, err := controlScope(t.Account, t.Region)
	if err != nil {
		control.WriteError(w, http.StatusBadRequest, err)
		return deskplane.Scope{}, false
	}
	return sc, true
}

// errControlNotFound answers 404.
var errControlNotFound = errors.New("not found")

// ctlImageUpdates makes updated WorkSpaces components available (or not)
// for an image: DescribeWorkspaceImages then shows Updates.UpdateAvailable
// and CreateUpdatedWorkspaceImage accepts the image.
func (s *Server) ctlImageUpdates(w http.ResponseWriter, r *http.Request) {
	var in struct {
		controlTarget
		UpdateAvailable bool   `json:"updateAvailable"`
		Description     string `json:"description"`
	}
	sc, ok := decodeControl(w, r, &in)
	if !ok {
		return
	}
	if in.UpdateAvailable && in.Description == "" {
		in.Description = "Updated WorkSpaces drivers and components are available"
	}
	if in.Description != "" && (len(in.Description) > 255 || !regexp.MustCompile(`^[a-zA-Z0-9_./() -]+$`).MatchString(in.Description)) {
		control.WriteError(w, http.StatusBadRequest, errors.New("description must be 1 to 255 letters, digits, spaces and _ . / ( ) - (the model's UpdateResult.Description)"))
		return
	}
	id := r.PathValue("id")
	err := s.d.Store.Update(r.Context(), func(tx deskplane.Tx) error {
		img, ok, err := ownImage(tx, sc, id)
		if err != nil {
			return err
		}
		if !ok {
			return errControlNotFound
		}
		img.UpdateAvailable, img.UpdateDescription = in.UpdateAvailable, in.Description
		return deskplane.Save(tx, imageKey(sc, id), img)
	})
	switch {
	case errors.Is(err, errControlNotFound):
		control.WriteError(w, http.StatusNotFound, fmt.Errorf("account %s has no image %s in %s", sc.Account, id, sc.Region))
	case err != nil:
		control.WriteError(w, http.StatusInternalServerError, err)
	default:
		control.WriteJSON(w, http.StatusOK, map[string]any{"imageId": id, "updateAvailable": in.UpdateAvailable, "description": in.Description})
	}
}

// ctlAccountSettings sets what AWS decides about an account outside the
// API: whether it may use BYOL at all, and whether it is allow-listed for
// WorkSpaces Core (the _BYOP ingestion processes, the BYOP protocol).
func (s *Server) ctlAccountSettings(w http.ResponseWriter, r *http.Request) {
	var in struct {
		controlTarget
		BYOLEligible    *bool `json:"byolEligible"`
		CoreAllowListed *bool `json:"coreAllowListed"`
	}
	sc, ok := decodeControl(w, r, &in)
	if !ok {
		return
	}
	var acct deskplane.Account
	err := s.d.Store.Update(r.Context(), func(tx deskplane.Tx) error {
		var err error
		if acct, err = accountSettings(tx, sc); err != nil {
			return err
		}
		if in.BYOLEligible != nil {
			acct.BYOLIneligible = !*in.BYOLEligible
		}
		if in.CoreAllowListed != nil {
			acct.CoreAllowListed = *in.CoreAllowListed
		}
		return deskplane.Save(tx, deskplane.AccountKey(sc), acct)
	})
	if err != nil {
		control.WriteError(w, http.StatusInternalServerError, err)
		return
	}
	control.WriteJSON(w, http.StatusOK, map[string]any{
		"account": sc.Account, "region": sc.Region,
		"byolEligible": !acct.BYOLIneligible, "coreAllowListed": acct.CoreAllowListed,
		"dedicatedTenancySupport": acct.DedicatedTenancySupport,
	})
}

// ctlEC2Image records facts about an EC2 AMI of an account: that it does
// not exist, or which operating system it runs (default: it exists and
// runs WINDOWS_10).
func (s *Server) ctlEC2Image(w http.ResponseWriter, r *http.Request) {
	var in struct {
		controlTarget
		Exists          *bool  `json:"exists"`
		OperatingSystem string `json:"operatingSystem"`
	}
	sc, ok := decodeControl(w, r, &in)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if !regexp.MustCompile(`^ami-([a-f0-9]{8}|[a-f0-9]{17})$`).MatchString(id) {
		control.WriteError(w, http.StatusBadRequest, fmt.Errorf("%q is not an AMI id such as ami-0123456789abcdef0", id))
		return
	}
	if in.OperatingSystem != "" && !wsapi.OperatingSystemName(in.OperatingSystem).IsKnown() {
		control.WriteError(w, http.StatusBadRequest, fmt.Errorf("operatingSystem %q is not an OperatingSystemName such as WINDOWS_10 or WINDOWS_11", in.OperatingSystem))
		return
	}
	ami := ec2Image{ID: id, Missing: in.Exists != nil && !*in.Exists, OperatingSystem: in.OperatingSystem}
	err := s.d.Store.Update(r.Context(), func(tx deskplane.Tx) error {
		return deskplane.Save(tx, deskplane.Key{Scope: sc, Kind: kindEC2Image, ID: id}, ami)
	})
	if err != nil {
		control.WriteError(w, http.StatusInternalServerError, err)
		return
	}
	if ami.OperatingSystem == "" {
		ami.OperatingSystem = string(wsapi.OperatingSystemNameWindows10)
	}
	control.WriteJSON(w, http.StatusOK, map[string]any{"imageId": id, "account": sc.Account, "region": sc.Region,
		"exists": !ami.Missing, "operatingSystem": ami.OperatingSystem})
}
