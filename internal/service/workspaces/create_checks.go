package workspaces

import (
	"strconv"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/catalogue"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Checks of CreateWorkspaces that read other records than the request's:
// the tenancy a bundle needs, the Graphics quota, the account's WorkSpaces
// Core allow-list.

// tenancyMismatch returns why a WorkSpace of bundle b cannot be launched
// in directory d: a BYOL bundle (its image needs DEDICATED tenancy) only
// in a directory registered for dedicated tenancy (AGA:byol-windows-images;
// decision 0324). It returns "" when it can.
func tenancyMismatch(tx deskplane.Tx, sc deskplane.Scope, b *deskplane.Bundle, d *deskplane.Directory) (string, error) {
	if b.Owner == deskplane.AmazonOwner || d.Tenancy == string(wsapi.TenancyDedicated) {
		return "", nil
	}
	img, found, err := catalogue.LookupImage(tx, sc, b.ImageID)
	if err != nil || !found || !img.BYOL() {
		return "", err
	}
	return "The bundle " + b.ID + " is a BYOL bundle (image " + b.ImageID + " needs DEDICATED tenancy); its WorkSpaces can be launched only in a directory registered with Tenancy DEDICATED, and directory " + d.ID + " is not.", nil
}

// account returns the scope's account settings (the zero settings when
// it has none).
func account(tx deskplane.Tx, sc deskplane.Scope) (deskplane.Account, error) {
	var a deskplane.Account
	_, err := deskplane.Load(tx, deskplane.AccountKey(sc), &a)
	return a, err
}

// The MANUAL running mode and user-decoupled WorkSpaces are WorkSpaces
// Core features: an account uses them once AWS has allow-listed it (the
// control setting coreAllowListed; seed 004, decision 0321).
const (
	msgManualNotAllowListed = "The MANUAL running mode value is only supported by Amazon WorkSpaces Core. Contact your account team to be allow-listed to use this value."
	msgDecoupledNotAllowed  = "User-decoupled WorkSpaces (UserName [UNDEFINED] with a WorkspaceName) are only supported by Amazon WorkSpaces Core. Contact your account team to be allow-listed to use them."
	failNotAllowListed      = "OperationNotSupported.WorkSpace"
)

// coreOnly returns the item failure of a CreateWorkspaces request that
// uses a WorkSpaces Core feature the account is not allow-listed for.
func coreOnly(acct deskplane.Account, mode deskplane.RunningMode, user string) (code, msg string) {
	switch {
	case acct.CoreAllowListed:
	case mode == deskplane.RunningModeManual:
		return failRunningMode, msgManualNotAllowListed
	case user == undefinedUser:
		return failNotAllowListed, msgDecoupledNotAllowed
	}
	return "", ""
}

// graphicsBudget counts the Graphics WorkSpaces of a scope against
// Quotas.GraphicsWorkspaces (AWS's default 0; decision 0322) within one
// transaction.
type graphicsBudget struct {
	quota, used int // used < 0: not counted yet
}

func (s *Service) graphicsQuota() *graphicsBudget {
	return &graphicsBudget{quota: s.Quotas.GraphicsWorkspaces, used: -1}
}

// take counts one more Graphics WorkSpace; it returns the refusal's
// message when the quota is reached.
func (g *graphicsBudget) take(tx deskplane.Tx, sc deskplane.Scope) (string, error) {
	if g.used < 0 {
		n, err := tx.Count(sc, deskplane.KindWorkspaceGPU)
		if err != nil {
			return "", err
		}
		g.used = n
	}
	if g.used >= g.quota {
		return "Your account has reached its limit of " + strconv.Itoa(g.quota) + " Graphics WorkSpaces (Graphics, GraphicsPro, Graphics.g4dn and GraphicsPro.g4dn) in this Region. Request a quota increase.", nil
	}
	g.used++
	return "", nil
}
