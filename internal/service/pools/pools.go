// Package pools is the WorkSpaces Pools family of the WorkSpaces API
// (MODEL CreateWorkspacesPool and friends; AG pools pages;
// docs/decisions/0053-pools.md).
//
// A pool is a deskplane.Pool record (id wspool- + 9) in the owner's scope,
// so the tags family finds it by its id. Its directory is one registered
// with WorkspaceType POOLS (a wsd- directory). Its lifecycle is the root's
// PoolTable, each transitional state ended by the pool.state timer:
//
//	CreateWorkspacesPool    CREATING → STOPPED
//	StartWorkspacesPool     STOPPED → STARTING → RUNNING
//	StopWorkspacesPool      RUNNING → STOPPING → STOPPED
//	UpdateWorkspacesPool    → UPDATING → the state it left
//	TerminateWorkspacesPool STOPPED → DELETING → gone
//
// Streaming sessions (sessions.go) exist only while the pool is RUNNING;
// deskplane has no streaming clients, so a session is started through the
// control API (internal/control/pools.go calls StartSession) and ends with
// TerminateWorkspacesPoolSession or when the pool stops.
package pools

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/catalogue"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Service serves the WorkSpaces Pools operations of the WorkSpaces API. It
// implements part of wsapi.Service; internal/service composes it with the
// other families.
type Service struct {
	env.Env
}

// New returns the family's service on e.
func New(e env.Env) *Service { return &Service{Env: e} }

// Timers returns the family's lifecycle timer handlers by timer name.
func (s *Service) Timers() map[string]lifecycle.Handler {
	return map[string]lifecycle.Handler{deskplane.TimerPoolState: s.onPoolState}
}

// Defaults of a pool's settings when the request leaves them out
// (decision 0053).
const (
	defaultDisconnectTimeout     = 900
	defaultIdleDisconnectTimeout = 900
	defaultMaxUserDuration       = 54000
	// defaultSessionsPageSize is DescribeWorkspacesPoolSessions' page size
	// when Limit is left out (MODEL: "The default value is 20").
	defaultSessionsPageSize = 20
)

// value returns what p points at, or the zero value for nil.
func value[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// optional returns nil for "", so that an absent member stays absent.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// tags converts a request's tags to the domain's.
func tags(in []wsapi.Tag) []deskplane.Tag {
	out := make([]deskplane.Tag, len(in))
	for i, t := range in {
		out[i] = deskplane.Tag{Key: value(t.Key), Value: value(t.Value)}
	}
	return out
}

// payload is what the pool.state timer carries.
type payload struct {
	Gen int64 `json:"gen"`
}

func poolNotFound(id string) error {
	return deskplane.NotFound(id, "The WorkSpaces Pool %s could not be found. Confirm that the pool exists in your AWS account and Region, and try again.", id)
}

func loadPool(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Pool, error) {
	p, ok, err := deskplane.Pools().Get(tx, sc, id)
	if err == nil && !ok {
		err = poolNotFound(id)
	}
	return p, err
}

// inProgress refuses any action on a pool between states
// (OperationInProgressException).
func inProgress(p *deskplane.Pool) error {
	return deskplane.Errorf(deskplane.CodeInProgress, "The WorkSpaces Pool %s is %s. Try again when the operation in progress has finished.", p.ID, p.State)
}

// checkAction checks an action on a pool against the root's PoolTable; a
// pool between states answers inProgress whatever the action.
func checkAction(p *deskplane.Pool, a deskplane.Action) (deskplane.TransitionRow[deskplane.PoolState], error) {
	table := deskplane.PoolTable()
	if table.Transitional(p.State) {
		return deskplane.TransitionRow[deskplane.PoolState]{}, inProgress(p)
	}
	return table.Check(a, p.ID, p.State)
}

// enter moves the pool to state at t and, with a timing step, schedules
// the pool.state timer that ends it.
func (s *Service) enter(tx deskplane.Tx, sc deskplane.Scope, p *deskplane.Pool, state deskplane.PoolState, t time.Time, step deskplane.Transition) error {
	p.State, p.StateChanged = state, t
	p.Generation++
	if err := deskplane.Pools().Put(tx, sc, p.ID, p); err != nil {
		return err
	}
	if step == "" {
		return nil
	}
	pl, err := json.Marshal(payload{Gen: p.Generation})
	if err != nil {
		return err
	}
	return tx.Schedule(deskplane.Timer{Key: deskplane.Pools().Key(sc, p.ID), Name: deskplane.TimerPoolState, Due: s.After(t, step), Payload: pl})
}

func poolArn(sc deskplane.Scope, id string) string {
	return "arn:" + deskplane.Partition(sc.Region) + ":workspaces:" + sc.Region + ":" + sc.Account + ":workspacespool/" + id
}

// capacity is the pool's CapacityStatus: user sessions exist while it is
// RUNNING (ActualUserSessions = AvailableUserSessions + ActiveUserSessions,
// MODEL CapacityStatus).
func capacity(p *deskplane.Pool) *wsapi.CapacityStatus {
	state := p.State
	if state == deskplane.PoolUpdating {
		state = p.ResumeState
	}
	var actual, active int32
	if state == deskplane.PoolRunning {
		active = int32(len(p.Sessions))
		actual = max(p.DesiredUserSessions, active)
	}
	return &wsapi.CapacityStatus{
		AvailableUserSessions: new(actual - active),
		DesiredUserSessions:   new(p.DesiredUserSessions),
		ActualUserSessions:    new(actual),
		ActiveUserSessions:    new(active),
	}
}

func wirePool(sc deskplane.Scope, p *deskplane.Pool) wsapi.WorkspacesPool {
	out := wsapi.WorkspacesPool{
		PoolId:         new(p.ID),
		PoolArn:        new(poolArn(sc, p.ID)),
		CapacityStatus: capacity(p),
		PoolName:       new(p.Name),
		Description:    new(p.Description),
		State:          wsapi.WorkspacesPoolState(p.State),
		CreatedAt:      smithy.NewTimestamp(p.Created),
		BundleId:       new(p.BundleID),
		DirectoryId:    new(p.DirectoryID),
		ApplicationSettings: &wsapi.ApplicationSettingsResponse{
			Status:        wsapi.ApplicationSettingsStatusEnum(p.AppSettingsStatus),
			SettingsGroup: new(p.SettingsGroup),
			S3BucketName:  optional(p.S3BucketName),
		},
		TimeoutSettings: &wsapi.TimeoutSettings{
			DisconnectTimeoutInSeconds:     new(p.DisconnectTimeout),
			IdleDisconnectTimeoutInSeconds: new(p.IdleDisconnectTimeout),
			MaxUserDurationInSeconds:       new(p.MaxUserDuration),
		},
		RunningMode: wsapi.PoolsRunningMode(p.RunningMode),
	}
	for _, e := range p.Errors {
		out.Errors = append(out.Errors, wsapi.WorkspacesPoolError{ErrorCode: wsapi.WorkspacesPoolErrorCode(e.Code), ErrorMessage: optional(e.Message)})
	}
	return out
}

// applyAppSettings sets the pool's application settings from a request.
// The persistent settings live in an S3 bucket of the account in the
// Region, named when they are first enabled.
func applyAppSettings(sc deskplane.Scope, p *deskplane.Pool, in *wsapi.ApplicationSettingsRequest) {
	if in == nil {
		return
	}
	p.AppSettingsStatus = string(in.Status)
	if in.SettingsGroup != nil {
		p.SettingsGroup = *in.SettingsGroup
	}
	if in.Status == wsapi.ApplicationSettingsStatusEnumEnabled && p.S3BucketName == "" {
		p.S3BucketName = "wspool-app-settings-" + sc.Region + "-" + sc.Account
	}
}

// applyTimeouts sets the timeout settings a request gives.
func applyTimeouts(p *deskplane.Pool, in *wsapi.TimeoutSettings) {
	if in == nil {
		return
	}
	if in.DisconnectTimeoutInSeconds != nil {
		p.DisconnectTimeout = *in.DisconnectTimeoutInSeconds
	}
	if in.IdleDisconnectTimeoutInSeconds != nil {
		p.IdleDisconnectTimeout = *in.IdleDisconnectTimeoutInSeconds
	}
	if in.MaxUserDurationInSeconds != nil {
		p.MaxUserDuration = *in.MaxUserDurationInSeconds
	}
}

// checkTimeouts applies the rule between the timeouts: a session that is
// idle is disconnected before its disconnect timeout would end it.
func checkTimeouts(p *deskplane.Pool) error {
	if p.IdleDisconnectTimeout > p.DisconnectTimeout {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "IdleDisconnectTimeoutInSeconds (%d) cannot be greater than DisconnectTimeoutInSeconds (%d).", p.IdleDisconnectTimeout, p.DisconnectTimeout)
	}
	return nil
}

// poolDirectory checks that a directory can serve a pool: registered by
// the caller for WorkSpaces Pools (WorkspaceType POOLS) and REGISTERED.
func poolDirectory(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Directory, error) {
	d, ok, err := deskplane.Directories().Get(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, deskplane.DirectoryNotFound(id)
	}
	if d.WorkspaceType != string(wsapi.WorkspaceTypePools) {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The directory %s is registered for personal WorkSpaces. A WorkSpaces Pool needs a directory registered with WorkspaceType POOLS.", id)
	}
	if d.State != deskplane.DirectoryRegistered {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The directory %s is %s. A WorkSpaces Pool needs a REGISTERED directory.", id, d.State)
	}
	return d, nil
}

// poolBundle checks that a bundle can serve a pool: visible to the caller,
// AVAILABLE, and Windows (WorkSpaces Pools stream Windows only).
func poolBundle(tx deskplane.Tx, sc deskplane.Scope, id string) error {
	b, ok, err := catalogue.LookupBundle(tx, sc, id)
	if err != nil {
		return err
	}
	if !ok {
		return deskplane.BundleNotFound(id)
	}
	if b.State != deskplane.BundleAvailable {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "The bundle %s is %s. A WorkSpaces Pool needs an AVAILABLE bundle.", id, b.State)
	}
	if b.OperatingSystem != "" && !b.OperatingSystem.Windows() {
		return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "UnsupportedOperatingSystem",
			Message: fmt.Sprintf("The bundle %s runs %s. WorkSpaces Pools support Windows bundles only.", id, b.OperatingSystem)}
	}
	return nil
}
