package app

import (
	"net/http"
	"slices"

	"github.com/deskplane/deskplane/internal/console"
	"github.com/deskplane/deskplane/internal/control"
	"github.com/deskplane/deskplane/internal/wireerror"
)

// console builds the WorkSpaces console (/console/): the same service
// layer as the API, the same control objects as /_deskplane/, the admin
// token, and the configured accounts and Regions.
func (a *App) console(ctl control.Deps, regions []string) http.Handler {
	var accounts []string
	for _, c := range a.Credentials {
		if !slices.Contains(accounts, c.Account) {
			accounts = append(accounts, c.Account)
		}
	}
	var desktops console.Desktops
	if a.Desktops != nil {
		desktops = consoleDesktops{store: a.Engine.Store(), node: a.Config.NodeName, port: a.Desktops}
	}
	return console.New(console.Deps{
		Token:              a.AdminToken,
		WorkSpaces:         a.Service.WorkSpaces(),
		Directories:        a.Service.DirectoryService(),
		MapWorkSpacesError: func(err error) error { return wireerror.WorkSpaces(err) },
		MapDirectoryError:  func(err error) error { return wireerror.DirectoryService(err) },
		Controls:           console.LocalControls{Deps: ctl},
		Accounts:           accounts,
		Regions:            regions,
		Log:                a.log.With("component", "console"),
		Desktops:           desktops,
	})
}
