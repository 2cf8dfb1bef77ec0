// Package workspaces is the WorkSpaces family of the WorkSpaces API: the
// WorkSpaces themselves — their records and CreateWorkspaces
// (workspaces.go), DescribeWorkspaces (describe.go) and their wire form
// (wire.go) with the API's backend that answers DescribeWorkspaces from
// cached encodings (backend.go), their lifecycle timers, network identity and clean-up
// (workspace_lifecycle.go), Start, Stop, Reboot, Rebuild, Restore,
// Terminate, ModifyWorkspaceState, MigrateWorkspace, snapshots and
// connection status (workspace_actions.go), ModifyWorkspaceProperties
// (workspace_modify.go) and CreateStandbyWorkspaces (workspace_standby.go),
// the checks of CreateWorkspaces that read other records (create_checks.go),
// and the connection state and eventual consistency the control API sets
// (control.go). It follows docs/decisions/0020-… to 0025-…, 0320-… to
// 0325-… and 0348-….
//
// A WorkSpace is a deskplane.Workspace record in its owner's scope. It reads
// the directories' registrations, users and bundles of other families
// through the root's records and internal/catalogue, never their code.
package workspaces

import (
	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/recordcache"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Service serves the WorkSpaces family's operations. It implements part of
// wsapi.Service; internal/service composes it with the other families, and
// internal/control calls its control actions.
type Service struct {
	env.Env
	// views caches what DescribeWorkspaces needs of WorkSpace record
	// versions, their wire JSON included (viewsCacheBytes).
	views *recordcache.Cache[workspaceView]
	// anyUser caches the any-user switch of Directory Service directories.
	anyUser *recordcache.Cache[anyUserSwitch]
	// accounts caches accounts' settings for DescribeWorkspaces.
	accounts *recordcache.Cache[deskplane.Account]
}

// viewsCacheBytes bounds the views cache: 32 MiB holds about 40,000
// WorkSpaces (a view with its wire JSON is about 800 bytes), a page of 25
// for each of 1,600 accounts, or every WorkSpace of an account of 10,000
// four times over (docs/decisions/0348-describe-page-concatenation.md).
const viewsCacheBytes = 32 << 20

// anyUserSwitch is the part of a Directory Service directory record that
// user lookups need.
type anyUserSwitch struct {
	AnyUser bool `json:"anyUser"`
}

// accountSize is what the accounts cache counts an account's settings
// as: about the size of the struct (a few scalars and durations).
func accountSize(*deskplane.Account) int { return 256 }

// New returns the family's service on e.
func New(e env.Env) *Service {
	return &Service{
		Env:      e,
		views:    recordcache.New(viewsCacheBytes, newWorkspaceView, viewSize),
		anyUser:  recordcache.New(128<<10, recordcache.JSON[anyUserSwitch], nil),
		accounts: recordcache.New(1<<20, recordcache.JSON[deskplane.Account], accountSize),
	}
}

// Timers returns the family's lifecycle timer handlers by timer name.
func (s *Service) Timers() map[string]lifecycle.Handler {
	return map[string]lifecycle.Handler{
		timerWSState:    s.onWorkspaceState,
		timerWSModify:   s.onWorkspaceModify,
		timerWSSnapshot: s.onWorkspaceSnapshot,
		timerWSAutoStop: s.onWorkspaceAutoStop,
	}
}

// value returns what p points at, or the zero value for nil: optional
// members of a request.
func value[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// checkTags checks a request's tags against the tag rules.
func checkTags(in []wsapi.Tag) error { return deskplane.CheckTags(domainTags(in)) }

// domainTags converts a request's tags to the domain's.
func domainTags(in []wsapi.Tag) []deskplane.Tag {
	out := make([]deskplane.Tag, len(in))
	for i, t := range in {
		out[i] = deskplane.Tag{Key: value(t.Key), Value: value(t.Value)}
	}
	return out
}
