package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/control"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// WorkSpaces Pools (MODEL CreateWorkspacesPool and friends; AG pools pages;
// docs/decisions/0053-pools.md).
//
// A pool is a deskplane.Pool record (KindPool, id wspool- + 9) in the
// owner's scope, so the tag operations find it by its id. Its directory is
// one registered with WorkspaceType POOLS (RegisterWorkspaceDirectory makes
// a wsd- directory for it). Lifecycle, each step on the timer pool.state:
//
//	CreateWorkspacesPool    CREATING → STOPPED        (pool.create)
//	StartWorkspacesPool     STOPPED → STARTING → RUNNING (pool.start)
//	StopWorkspacesPool      RUNNING → STOPPING → STOPPED (pool.stop)
//	UpdateWorkspacesPool    → UPDATING → the state it left (pool.update)
//	TerminateWorkspacesPool STOPPED → DELETING → gone (pool.terminate)
//
// Streaming sessions exist only while the pool is RUNNING; deskplane has
// no streaming clients, so a session is started through the control API
// (POST /_deskplane/pools/{id}/sessions) and ends with
// TerminateWorkspacesPoolSession or when the pool stops.

const (
	poolCreating = deskplane.PoolCreating
	poolDeleting = deskplane.PoolDeleting
	poolRunning  = deskplane.PoolRunning
	poolStarting = deskplane.PoolStarting
	poolStopped  = deskplane.PoolStopped
	poolStopping = deskplane.PoolStopping
	poolUpdating = deskplane.PoolUpdating

	// timerPoolState ends a pool's transitional state (payload poolPayload).
	timerPoolState = deskplane.TimerPoolState

	// Defaults of a pool's settings when the request leaves them out
	// (decision 0053).
	defaultPoolDisconnectTimeout     = 900
	defaultPoolIdleDisconnectTimeout = 900
	defaultPoolMaxUserDuration       = 54000
	// defaultPoolSessionsPageSize is DescribeWorkspacesPoolSessions' page
	// size when Limit is left out (MODEL: "The default value is 20").
	defaultPoolSessionsPageSize = 20
)

type poolPayload struct {
	Gen int64 `json:"gen"`
}

func poolKey(sc deskplane.Scope, id string) deskplane.Key {
	return deskplane.Key{Scope: sc, Kind: deskplane.KindPool, ID: id}
}

func poolNotFound(id string) error {
	return deskplane.NotFound(id, "The WorkSpaces Pool %s could not be found. Confirm that the pool exists in your AWS account and Region, and try again.", id)
}

func loadPool(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Pool, error) {
	var p deskplane.Pool
	ok, err := deskplane.Load(tx, poolKey(sc, id), &p)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, poolNotFound(id)
	}
	return &p, nil
}

// poolTransitional reports whether the pool is between states: no other
// operation may act on it now (OperationInProgressException).
func poolTransitional(state deskplane.PoolState) bool {
	switch state {
	case poolCreating, poolStarting, poolStopping, poolUpdating, poolDeleting:
		return true
	}
	return false
}

func poolInProgress(p *deskplane.Pool) error {
	return deskplane.Errorf(deskplane.CodeInProgress, "The WorkSpaces Pool %s is %s. Try again when the operation in progress has finished.", p.ID, p.State)
}

// setPoolState moves the pool to state at t and, for a transitional state,
// schedules its end after the transition's duration.
func (s *Server) setPoolState(tx deskplane.Tx, sc deskplane.Scope, p *deskplane.Pool, state deskplane.PoolState, t time.Time, tr deskplane.Transition) error {
	p.State, p.StateChanged = state, t
	p.Generation++
	if err := deskplane.Save(tx, poolKey(sc, p.ID), p); err != nil {
		return err
	}
	if tr == "" {
		return nil
	}
	pl, _ := json.Marshal(poolPayload{Gen: p.Generation})
	return tx.Schedule(deskplane.Timer{Key: poolKey(sc, p.ID), Name: timerPoolState, Due: s.after(t, tr), Payload: pl})
}

func poolArn(sc deskplane.Scope, id string) string {
	return "arn:" + regionPartition(sc.Region) + ":workspaces:" + sc.Region + ":" + sc.Account + ":workspacespool/" + id
}

// poolCapacity is the pool's CapacityStatus: user sessions exist while it
// is RUNNING (ActualUserSessions = AvailableUserSessions +
// ActiveUserSessions, MODEL CapacityStatus).
func poolCapacity(p *deskplane.Pool) *wsapi.CapacityStatus {
	state := p.State
	if state == poolUpdating {
		state = p.ResumeState
	}
	var actual, active int32
	if state == poolRunning {
		active = int32(len(p.Sessions))
		actual = max(p.DesiredUserSessions, active)
	}
	return &wsapi.CapacityStatus{
		AvailableUserSessions: ptr(actual - active),
		DesiredUserSessions:   ptr(p.DesiredUserSessions),
		ActualUserSessions:    ptr(actual),
		ActiveUserSessions:    ptr(active),
	}
}

func wirePool(sc deskplane.Scope, p *deskplane.Pool) wsapi.WorkspacesPool {
	out := wsapi.WorkspacesPool{
		PoolId:         ptr(p.ID),
		PoolArn:        ptr(poolArn(sc, p.ID)),
		CapacityStatus: poolCapacity(p),
		PoolName:       ptr(p.Name),
		Description:    ptr(p.Description),
		State:          wsapi.WorkspacesPoolState(p.State),
		CreatedAt:      smithy.NewTimestamp(p.Created),
		BundleId:       ptr(p.BundleID),
		DirectoryId:    ptr(p.DirectoryID),
		ApplicationSettings: &wsapi.ApplicationSettingsResponse{
			Status:        wsapi.ApplicationSettingsStatusEnum(p.AppSettingsStatus),
			SettingsGroup: ptr(p.SettingsGroup),
			S3BucketName:  optString(p.S3BucketName),
		},
		TimeoutSettings: &wsapi.TimeoutSettings{
			DisconnectTimeoutInSeconds:     ptr(p.DisconnectTimeout),
			IdleDisconnectTimeoutInSeconds: ptr(p.IdleDisconnectTimeout),
			MaxUserDurationInSeconds:       ptr(p.MaxUserDuration),
		},
		RunningMode: wsapi.PoolsRunningMode(p.RunningMode),
	}
	for _, e := range p.Errors {
		out.Errors = append(out.Errors, wsapi.WorkspacesPoolError{ErrorCode: wsapi.WorkspacesPoolErrorCode(e.Code), ErrorMessage: optString(e.Message)})
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

// checkPoolTimeouts applies the rule between the timeouts: a session that
// is idle is disconnected before its disconnect timeout would end it.
func checkPoolTimeouts(p *deskplane.Pool) error {
	if p.IdleDisconnectTimeout > p.DisconnectTimeout {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "IdleDisconnectTimeoutInSeconds (%d) cannot be greater than DisconnectTimeoutInSeconds (%d).", p.IdleDisconnectTimeout, p.DisconnectTimeout)
	}
	return nil
}

// poolDirectory checks that a directory can serve a pool: registered by
// the caller for WorkSpaces Pools (WorkspaceType POOLS) and REGISTERED.
func (s *Server) poolDirectory(tx deskplane.Tx, sc deskplane.Scope, id string) error {
	d, err := s.registeredDirectory(tx, sc, id)
	if err != nil {
		return err
	}
	if d.WorkspaceType != string(wsapi.WorkspaceTypePools) {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "The directory %s is registered for personal WorkSpaces. A WorkSpaces Pool needs a directory registered with WorkspaceType POOLS.", id)
	}
	if d.State != wsDirRegistered {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "The directory %s is %s. A WorkSpaces Pool needs a REGISTERED directory.", id, d.State)
	}
	return nil
}

// poolBundle checks that a bundle can serve a pool: visible to the caller,
// AVAILABLE, and Windows (WorkSpaces Pools stream Windows only).
func (s *Server) poolBundle(tx deskplane.Tx, sc deskplane.Scope, id string) error {
	b, err := s.visibleBundle(tx, sc, id)
	if err != nil {
		return err
	}
	if b.State != "AVAILABLE" {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "The bundle %s is %s. A WorkSpaces Pool needs an AVAILABLE bundle.", id, b.State)
	}
	if b.OperatingSystem != "" && !b.OperatingSystem.Windows() {
		return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "UnsupportedOperatingSystem",
			Message: fmt.Sprintf("The bundle %s runs %s. WorkSpaces Pools support Windows bundles only.", id, b.OperatingSystem)}
	}
	return nil
}

func (w *wsService) CreateWorkspacesPool(ctx context.Context, in *wsapi.CreateWorkspacesPoolRequest) (*wsapi.CreateWorkspacesPoolResult, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	sc := caller(ctx).Scope()
	now := w.now()
	p := &deskplane.Pool{
		ID:                    deskplane.NewID("wspool-", 9),
		Name:                  deref(in.PoolName),
		Description:           deref(in.Description),
		BundleID:              deref(in.BundleId),
		DirectoryID:           deref(in.DirectoryId),
		RunningMode:           string(in.RunningMode),
		DesiredUserSessions:   deref(in.Capacity.DesiredUserSessions),
		AppSettingsStatus:     string(wsapi.ApplicationSettingsStatusEnumDisabled),
		DisconnectTimeout:     defaultPoolDisconnectTimeout,
		IdleDisconnectTimeout: defaultPoolIdleDisconnectTimeout,
		MaxUserDuration:       defaultPoolMaxUserDuration,
		Created:               now,
	}
	if p.RunningMode == "" {
		p.RunningMode = string(wsapi.PoolsRunningModeAutoStop)
	}
	applyAppSettings(sc, p, in.ApplicationSettings)
	applyTimeouts(p, in.TimeoutSettings)
	if err := checkPoolTimeouts(p); err != nil {
		return nil, err
	}
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		if err := w.poolDirectory(tx, sc, p.DirectoryID); err != nil {
			return err
		}
		if err := w.poolBundle(tx, sc, p.BundleID); err != nil {
			return err
		}
		dup := false
		err := deskplane.Each(tx, sc, deskplane.KindPool, 0, func(_ int64, o *deskplane.Pool) (bool, error) {
			dup = o.Name == p.Name
			return !dup, nil
		})
		if err != nil {
			return err
		}
		if dup {
			return deskplane.Errorf(deskplane.CodeAlreadyExists, "A WorkSpaces Pool named %s already exists in Region %s. Choose another name.", p.Name, sc.Region)
		}
		n, err := tx.Count(sc, deskplane.KindPool)
		if err != nil {
			return err
		}
		if q := w.d.Quotas.Pools; q > 0 && n >= q {
			return deskplane.Errorf(deskplane.CodeLimitExceeded, "Your account has reached its limit of %d WorkSpaces Pools in Region %s. Terminate pools you no longer need, or request a quota increase.", q, sc.Region)
		}
		if err := w.setPoolState(tx, sc, p, poolCreating, now, deskplane.TPoolCreate); err != nil {
			return err
		}
		return mergeTags(tx, sc, p.ID, in.Tags)
	})
	if err != nil {
		return nil, err
	}
	out := wirePool(sc, p)
	return &wsapi.CreateWorkspacesPoolResult{WorkspacesPool: &out}, nil
}

// poolFilterMatches applies one DescribeWorkspacesPools filter to a pool.
func poolFilterMatches(f wsapi.DescribeWorkspacesPoolsFilter, p *deskplane.Pool) bool {
	v := p.Name // the only filter name is PoolName
	switch f.Operator {
	case wsapi.DescribeWorkspacesPoolsFilterOperatorEquals:
		return slices.Contains(f.Values, v)
	case wsapi.DescribeWorkspacesPoolsFilterOperatorNotequals:
		return !slices.Contains(f.Values, v)
	case wsapi.DescribeWorkspacesPoolsFilterOperatorContains:
		return slices.ContainsFunc(f.Values, func(x string) bool { return strings.Contains(v, x) })
	case wsapi.DescribeWorkspacesPoolsFilterOperatorNotcontains:
		return !slices.ContainsFunc(f.Values, func(x string) bool { return strings.Contains(v, x) })
	}
	return false
}

func (w *wsService) DescribeWorkspacesPools(ctx context.Context, in *wsapi.DescribeWorkspacesPoolsRequest) (*wsapi.DescribeWorkspacesPoolsResult, error) {
	const purpose = "pools"
	after, err := paging.Parse(purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := paging.Size(in.Limit)
	sc := caller(ctx).Scope()
	var pg paging.Page[wsapi.WorkspacesPool]
	err = w.d.Store.View(ctx, func(tx deskplane.Tx) error {
		pg = paging.Page[wsapi.WorkspacesPool]{}
		return deskplane.Each(tx, sc, deskplane.KindPool, after, func(seq int64, p *deskplane.Pool) (bool, error) {
			if in.PoolIds != nil && !slices.Contains(in.PoolIds, p.ID) {
				return true, nil
			}
			for _, f := range in.Filters {
				if !poolFilterMatches(f, p) {
					return true, nil
				}
			}
			return pg.Add(size, seq, wirePool(sc, p)), nil
		})
	})
	if err != nil {
		return nil, err
	}
	out := &wsapi.DescribeWorkspacesPoolsResult{WorkspacesPools: pg.Items(), NextToken: pg.Next(purpose)}
	if out.WorkspacesPools == nil {
		out.WorkspacesPools = []wsapi.WorkspacesPool{}
	}
	return out, nil
}

func (w *wsService) UpdateWorkspacesPool(ctx context.Context, in *wsapi.UpdateWorkspacesPoolRequest) (*wsapi.UpdateWorkspacesPoolResult, error) {
	sc, id := caller(ctx).Scope(), deref(in.PoolId)
	now := w.now()
	var out wsapi.WorkspacesPool
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		p, err := loadPool(tx, sc, id)
		if err != nil {
			return err
		}
		if poolTransitional(p.State) {
			return poolInProgress(p)
		}
		// What needs the pool STOPPED (UpdateWorkspacesPool RunningMode doc;
		// the bundle, directory and session length are those of the pool's
		// instances).
		stoppedOnly := func(member string) error {
			if p.State != poolStopped {
				return deskplane.Errorf(deskplane.CodeInvalidState, "The %s of the WorkSpaces Pool %s can be changed only when the pool is STOPPED; it is %s. Stop the pool first.", member, id, p.State)
			}
			return nil
		}
		if in.RunningMode != "" && string(in.RunningMode) != p.RunningMode {
			if err := stoppedOnly("running mode"); err != nil {
				return err
			}
			p.RunningMode = string(in.RunningMode)
		}
		if in.BundleId != nil && *in.BundleId != p.BundleID {
			if err := stoppedOnly("bundle"); err != nil {
				return err
			}
			if err := w.poolBundle(tx, sc, *in.BundleId); err != nil {
				return err
			}
			p.BundleID = *in.BundleId
		}
		if in.DirectoryId != nil && *in.DirectoryId != p.DirectoryID {
			if err := stoppedOnly("directory"); err != nil {
				return err
			}
			if err := w.poolDirectory(tx, sc, *in.DirectoryId); err != nil {
				return err
			}
			p.DirectoryID = *in.DirectoryId
		}
		if ts := in.TimeoutSettings; ts != nil && ts.MaxUserDurationInSeconds != nil && *ts.MaxUserDurationInSeconds != p.MaxUserDuration {
			if err := stoppedOnly("maximum session duration"); err != nil {
				return err
			}
		}
		applyTimeouts(p, in.TimeoutSettings)
		if err := checkPoolTimeouts(p); err != nil {
			return err
		}
		applyAppSettings(sc, p, in.ApplicationSettings)
		if in.Description != nil {
			p.Description = *in.Description
		}
		if in.Capacity != nil {
			p.DesiredUserSessions = deref(in.Capacity.DesiredUserSessions)
		}
		p.ResumeState = p.State
		if err := w.setPoolState(tx, sc, p, poolUpdating, now, deskplane.TPoolUpdate); err != nil {
			return err
		}
		out = wirePool(sc, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.UpdateWorkspacesPoolResult{WorkspacesPool: &out}, nil
}

// changePoolState is the shape of Start, Stop and Terminate: the pool must
// be in from; it moves to via and, after the transition, on.
func (w *wsService) changePoolState(ctx context.Context, id, verb string, from, via deskplane.PoolState, tr deskplane.Transition) error {
	sc := caller(ctx).Scope()
	now := w.now()
	return w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		p, err := loadPool(tx, sc, id)
		if err != nil {
			return err
		}
		if poolTransitional(p.State) {
			return poolInProgress(p)
		}
		if p.State != from {
			return deskplane.Errorf(deskplane.CodeInvalidState, "The WorkSpaces Pool %s is %s. A pool can be %s only when it is %s.", id, p.State, verb, from)
		}
		return w.setPoolState(tx, sc, p, via, now, tr)
	})
}

func (w *wsService) StartWorkspacesPool(ctx context.Context, in *wsapi.StartWorkspacesPoolRequest) (*wsapi.StartWorkspacesPoolResult, error) {
	if err := w.changePoolState(ctx, deref(in.PoolId), "started", poolStopped, poolStarting, deskplane.TPoolStart); err != nil {
		return nil, err
	}
	return &wsapi.StartWorkspacesPoolResult{}, nil
}

func (w *wsService) StopWorkspacesPool(ctx context.Context, in *wsapi.StopWorkspacesPoolRequest) (*wsapi.StopWorkspacesPoolResult, error) {
	if err := w.changePoolState(ctx, deref(in.PoolId), "stopped", poolRunning, poolStopping, deskplane.TPoolStop); err != nil {
		return nil, err
	}
	return &wsapi.StopWorkspacesPoolResult{}, nil
}

func (w *wsService) TerminateWorkspacesPool(ctx context.Context, in *wsapi.TerminateWorkspacesPoolRequest) (*wsapi.TerminateWorkspacesPoolResult, error) {
	if err := w.changePoolState(ctx, deref(in.PoolId), "terminated", poolStopped, poolDeleting, deskplane.TPoolTerminate); err != nil {
		return nil, err
	}
	return &wsapi.TerminateWorkspacesPoolResult{}, nil
}

// ---- sessions ------------------------------------------------------------------------

func wirePoolSession(poolID string, s deskplane.PoolSession) wsapi.WorkspacesPoolSession {
	return wsapi.WorkspacesPoolSession{
		AuthenticationType:         wsapi.AuthenticationType(s.AuthenticationType),
		ConnectionState:            wsapi.SessionConnectionState(s.ConnectionState),
		SessionId:                  ptr(s.ID),
		InstanceId:                 ptr(s.InstanceID),
		PoolId:                     ptr(poolID),
		ExpirationTime:             smithy.NewTimestamp(s.Expires),
		NetworkAccessConfiguration: &wsapi.NetworkAccessConfiguration{EniPrivateIpAddress: ptr(s.EniIP), EniId: ptr(s.EniID)},
		StartTime:                  smithy.NewTimestamp(s.Started),
		UserId:                     ptr(s.UserID),
	}
}

func (w *wsService) DescribeWorkspacesPoolSessions(ctx context.Context, in *wsapi.DescribeWorkspacesPoolSessionsRequest) (*wsapi.DescribeWorkspacesPoolSessionsResult, error) {
	sc, id := caller(ctx).Scope(), deref(in.PoolId)
	purpose := "poolsessions/" + id
	after, err := paging.Parse(purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := defaultPoolSessionsPageSize
	if in.Limit != nil {
		size = int(*in.Limit)
	}
	var pg paging.Page[wsapi.WorkspacesPoolSession]
	err = w.d.Store.View(ctx, func(tx deskplane.Tx) error {
		pg = paging.Page[wsapi.WorkspacesPoolSession]{}
		p, err := loadPool(tx, sc, id)
		if err != nil {
			return err
		}
		for _, s := range p.Sessions {
			if s.Seq <= after || (in.UserId != nil && s.UserID != *in.UserId) {
				continue
			}
			if !pg.Add(size, s.Seq, wirePoolSession(p.ID, s)) {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &wsapi.DescribeWorkspacesPoolSessionsResult{Sessions: pg.Items(), NextToken: pg.Next(purpose)}
	if out.Sessions == nil {
		out.Sessions = []wsapi.WorkspacesPoolSession{}
	}
	return out, nil
}

func (w *wsService) TerminateWorkspacesPoolSession(ctx context.Context, in *wsapi.TerminateWorkspacesPoolSessionRequest) (*wsapi.TerminateWorkspacesPoolSessionResult, error) {
	sc, sid := caller(ctx).Scope(), deref(in.SessionId)
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		var found *deskplane.Pool
		err := deskplane.Each(tx, sc, deskplane.KindPool, 0, func(_ int64, p *deskplane.Pool) (bool, error) {
			if slices.ContainsFunc(p.Sessions, func(s deskplane.PoolSession) bool { return s.ID == sid }) {
				found = p
			}
			return found == nil, nil
		})
		if err != nil {
			return err
		}
		if found == nil {
			return deskplane.NotFound(sid, "The WorkSpaces Pool session %s could not be found.", sid)
		}
		if found.State != poolRunning && found.State != poolUpdating {
			return poolInProgress(found)
		}
		found.Sessions = slices.DeleteFunc(found.Sessions, func(s deskplane.PoolSession) bool { return s.ID == sid })
		return deskplane.Save(tx, poolKey(sc, found.ID), found)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.TerminateWorkspacesPoolSessionResult{}, nil
}

// ---- lifecycle ---------------------------------------------------------------------------

// poolTimers registers the pool lifecycle handlers.
func (s *Server) poolTimers(m map[string]lifecycle.Handler) {
	m[timerPoolState] = s.onPoolState
}

// onPoolState ends a pool's transitional state. A transition fault (kind
// pool) makes CREATING and STARTING end STOPPED with the fault's error code
// in the pool's Errors.
func (s *Server) onPoolState(ctx context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	var pl poolPayload
	if err := json.Unmarshal(t.Payload, &pl); err != nil {
		return fmt.Errorf("%s timer of %s: %w", timerPoolState, t.Key.ID, err)
	}
	var p deskplane.Pool
	ok, err := deskplane.Load(tx, t.Key, &p)
	if err != nil || !ok || p.Generation != pl.Gen {
		return err
	}
	sc := t.Key.Scope
	var next deskplane.PoolState
	switch p.State {
	case poolCreating:
		next = poolStopped
	case poolStarting:
		next, p.Errors = poolRunning, nil
	case poolStopping:
		next, p.Sessions = poolStopped, nil
	case poolUpdating:
		next, p.ResumeState = p.ResumeState, ""
	case poolDeleting:
		if _, err := tx.Delete(t.Key); err != nil {
			return err
		}
		return deleteTagsOf(tx, sc, p.ID)
	default:
		return nil
	}
	if p.State == poolStarting {
		// The pool's directory or bundle may have gone since it was made.
		if missing, err := s.poolDependencyMissing(tx, sc, &p); err != nil {
			return err
		} else if missing != nil {
			p.Errors = append(p.Errors, *missing)
			return s.setPoolState(tx, sc, &p, poolStopped, t.Due, "")
		}
	}
	if p.State == poolCreating || p.State == poolStarting {
		f, hit, err := deskplane.TakeTransitionFault(tx, deskplane.KindPool, sc, p.ID)
		if err != nil {
			return err
		}
		if hit {
			code := f.ErrorCode
			if !wsapi.WorkspacesPoolErrorCode(code).IsKnown() {
				code = string(wsapi.WorkspacesPoolErrorCodeInternalServiceError)
			}
			msg := f.ErrorMessage
			if msg == "" {
				msg = "The WorkSpaces Pool " + p.ID + " could not be started."
				if p.State == poolCreating {
					msg = "The WorkSpaces Pool " + p.ID + " could not be created."
				}
			}
			next = poolStopped
			if wsapi.WorkspacesPoolState(f.State).IsKnown() && !poolTransitional(deskplane.PoolState(f.State)) {
				next = deskplane.PoolState(f.State)
			}
			p.Errors = append(p.Errors, deskplane.PoolError{Code: code, Message: msg})
		}
	}
	return s.setPoolState(tx, sc, &p, next, t.Due, "")
}

// poolDependencyMissing reports the pool error of a directory or bundle
// that no longer serves the pool (DIRECTORY_NOT_FOUND, BUNDLE_NOT_FOUND).
func (s *Server) poolDependencyMissing(tx deskplane.Tx, sc deskplane.Scope, p *deskplane.Pool) (*deskplane.PoolError, error) {
	if err := s.poolDirectory(tx, sc, p.DirectoryID); err != nil {
		var de *deskplane.Error
		if !errors.As(err, &de) {
			return nil, err
		}
		return &deskplane.PoolError{Code: string(wsapi.WorkspacesPoolErrorCodeDirectoryNotFound), Message: de.Message}, nil
	}
	if _, err := s.visibleBundle(tx, sc, p.BundleID); err != nil {
		if !isNotFound(err) {
			return nil, err
		}
		return &deskplane.PoolError{Code: string(wsapi.WorkspacesPoolErrorCodeBundleNotFound), Message: "The bundle " + p.BundleID + " of the WorkSpaces Pool could not be found."}, nil
	}
	return nil, nil
}

// ---- control -------------------------------------------------------------------------------

// poolControlRoutes adds the control routes of pools (docs/CONTROL-API.md,
// pools section):
//
//	POST /_deskplane/pools/{id}/sessions
//	     {"account": "...", "region": "...", "userId": "alice", "connectionState": "CONNECTED"}
//
// starts a streaming session for the user on a RUNNING pool with a free
// user session (409 otherwise) and answers it as DescribeWorkspacesPoolSessions
// shows it.
func (s *Server) poolControlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+control.Prefix+"pools/{id}/sessions", s.ctlPoolSession)
}

// poolSessionConflict says why a session cannot start (409).
type poolSessionConflict struct{ why string }

func (e *poolSessionConflict) Error() string { return e.why }

func (s *Server) ctlPoolSession(w http.ResponseWriter, r *http.Request) {
	var in struct {
		controlTarget
		UserID          string `json:"userId"`
		ConnectionState string `json:"connectionState"`
	}
	sc, ok := decodeControl(w, r, &in)
	if !ok {
		return
	}
	if n := len(in.UserID); n < 2 || n > 128 {
		control.WriteError(w, http.StatusBadRequest, errors.New("userId must be 2 to 128 characters (the model's WorkspacesPoolUserId)"))
		return
	}
	if in.ConnectionState == "" {
		in.ConnectionState = string(wsapi.SessionConnectionStateConnected)
	}
	if !wsapi.SessionConnectionState(in.ConnectionState).IsKnown() {
		control.WriteError(w, http.StatusBadRequest, fmt.Errorf("connectionState must be CONNECTED or NOT_CONNECTED, not %q", in.ConnectionState))
		return
	}
	id := r.PathValue("id")
	now := s.now()
	var out wsapi.WorkspacesPoolSession
	err := s.d.Store.Update(r.Context(), func(tx deskplane.Tx) error {
		p, err := loadPool(tx, sc, id)
		if isNotFound(err) {
			return errControlNotFound
		}
		if err != nil {
			return err
		}
		c := poolCapacity(p)
		switch {
		case p.State != poolRunning:
			return &poolSessionConflict{fmt.Sprintf("the pool %s is %s; sessions start only on a RUNNING pool", id, p.State)}
		case *c.AvailableUserSessions <= 0:
			return &poolSessionConflict{fmt.Sprintf("the pool %s has no available user session (%d of %d in use)", id, *c.ActiveUserSessions, *c.ActualUserSessions)}
		}
		p.NextSessionSeq++
		sess := deskplane.PoolSession{
			Seq: p.NextSessionSeq, ID: newUUID(), UserID: in.UserID,
			AuthenticationType: string(wsapi.AuthenticationTypeSaml), ConnectionState: in.ConnectionState,
			InstanceID: deskplane.NewHexID("i-", 17), EniID: deskplane.NewHexID("eni-", 17),
			Started: now, Expires: now.Add(time.Duration(p.MaxUserDuration) * time.Second),
		}
		sess.EniIP = hostIn([3]byte{10, byte(len(p.ID)), byte(p.NextSessionSeq)}, sess.ID)
		if d, err := s.registeredDirectory(tx, sc, p.DirectoryID); err == nil && len(d.SubnetIDs) > 0 {
			sess.EniIP = hostIn(deskplane.SubnetNetwork(d.SubnetIDs[int(p.NextSessionSeq)%len(d.SubnetIDs)]), sess.ID)
		}
		p.Sessions = append(p.Sessions, sess)
		out = wirePoolSession(p.ID, sess)
		return deskplane.Save(tx, poolKey(sc, p.ID), p)
	})
	var conflict *poolSessionConflict
	switch {
	case errors.Is(err, errControlNotFound):
		control.WriteError(w, http.StatusNotFound, fmt.Errorf("account %s has no pool %s in %s", sc.Account, id, sc.Region))
	case errors.As(err, &conflict):
		control.WriteError(w, http.StatusConflict, conflict)
	case err != nil:
		control.WriteError(w, http.StatusInternalServerError, err)
	default:
		control.WriteJSON(w, http.StatusOK, out)
	}
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return ptr(s)
}

// newUUID returns a random (version 4) UUID in the model's AmazonUuid form.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
