package app

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/service/webaccess"
	"github.com/deskplane/deskplane/internal/webclient"
)

// webClient builds the web client (/client/): the webaccess family on the
// same environment as the API's families, the configured accounts, and
// the desktops when deskplane runs them.
func (a *App) webClient(senv env.Env, desktops deskplane.Desktops) (http.Handler, error) {
	var accounts []string
	for _, c := range a.Credentials {
		if !slices.Contains(accounts, c.Account) {
			accounts = append(accounts, c.Account)
		}
	}
	if a.Config.AcceptAnyCreds && !slices.Contains(accounts, AnonymousAccount) {
		accounts = append(accounts, AnonymousAccount)
	}
	access, err := webaccess.New(senv, a.Service.WorkSpaces(), accounts)
	if err != nil {
		return nil, err
	}
	a.WebAccess = access
	d := webclient.Deps{
		Access:   access,
		NoVNCDir: a.Config.NoVNCDir,
		Log:      a.log.With("component", "webclient"),
	}
	if desktops != nil {
		d.Desktops = DesktopEndpoints{Desktops: desktops}
	}
	return webclient.New(d), nil
}

// DesktopEndpoints finds a WorkSpace's VNC endpoint through the Desktops
// port: the desktop id is the WorkSpace id.
type DesktopEndpoints struct{ Desktops deskplane.Desktops }

// Endpoint returns the network and address of the running desktop's VNC
// server.
func (e DesktopEndpoints) Endpoint(ctx context.Context, workspaceID string) (string, string, error) {
	st, err := e.Desktops.Status(ctx, workspaceID)
	if err != nil {
		return "", "", err
	}
	if st.State != deskplane.DesktopRunning {
		return "", "", fmt.Errorf("desktop %s is %s", workspaceID, st.State)
	}
	network, address, ok := strings.Cut(st.Endpoint, ":")
	if !ok || address == "" {
		return "", "", fmt.Errorf("desktop %s has no endpoint", workspaceID)
	}
	return network, address, nil
}
