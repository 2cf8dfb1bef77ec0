package api

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/control"
)

// Helpers of the control routes still served here (pools.go,
// workspace_control.go), kept when the image routes moved to
// internal/control/images.go. The control mux has already checked the
// admin token.

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

func isNotFound(err error) bool { return deskplane.HasCode(err, deskplane.CodeNotFound) }
