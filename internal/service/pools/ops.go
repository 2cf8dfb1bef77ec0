package pools

import (
	"context"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// CreateWorkspacesPool makes a pool, CREATING until the timing profile's
// pool.create step has passed, then STOPPED.
func (s *Service) CreateWorkspacesPool(ctx context.Context, in *wsapi.CreateWorkspacesPoolRequest) (*wsapi.CreateWorkspacesPoolResult, error) {
	tagList := tags(in.Tags)
	if err := deskplane.CheckTags(tagList); err != nil {
		return nil, err
	}
	sc := env.Scope(ctx)
	now := s.Now()
	p := &deskplane.Pool{
		ID:                    deskplane.NewID("wspool-", 9),
		Name:                  value(in.PoolName),
		Description:           value(in.Description),
		BundleID:              value(in.BundleId),
		DirectoryID:           value(in.DirectoryId),
		RunningMode:           string(in.RunningMode),
		AppSettingsStatus:     string(wsapi.ApplicationSettingsStatusEnumDisabled),
		DisconnectTimeout:     defaultDisconnectTimeout,
		IdleDisconnectTimeout: defaultIdleDisconnectTimeout,
		MaxUserDuration:       defaultMaxUserDuration,
		Created:               now,
	}
	if in.Capacity != nil {
		p.DesiredUserSessions = value(in.Capacity.DesiredUserSessions)
	}
	if p.RunningMode == "" {
		p.RunningMode = string(wsapi.PoolsRunningModeAutoStop)
	}
	applyAppSettings(sc, p, in.ApplicationSettings)
	applyTimeouts(p, in.TimeoutSettings)
	if err := checkTimeouts(p); err != nil {
		return nil, err
	}
	row, err := deskplane.PoolTable().Check(deskplane.ActionCreate, p.ID, "")
	if err != nil {
		return nil, err
	}
	var out wsapi.WorkspacesPool
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		if _, err := poolDirectory(tx, sc, p.DirectoryID); err != nil {
			return err
		}
		if err := poolBundle(tx, sc, p.BundleID); err != nil {
			return err
		}
		dup := false
		err := deskplane.Pools().Each(tx, sc, 0, func(_ int64, o *deskplane.Pool) (bool, error) {
			dup = o.Name == p.Name
			return !dup, nil
		})
		if err != nil {
			return err
		}
		if dup {
			return deskplane.Errorf(deskplane.CodeAlreadyExists, "A WorkSpaces Pool named %s already exists in Region %s. Choose another name.", p.Name, sc.Region)
		}
		n, err := deskplane.Pools().Count(tx, sc)
		if err != nil {
			return err
		}
		if q := s.Quotas.Pools; q > 0 && n >= q {
			return deskplane.Errorf(deskplane.CodeLimitExceeded, "Your account has reached its limit of %d WorkSpaces Pools in Region %s. Terminate pools you no longer need, or request a quota increase.", q, sc.Region)
		}
		fresh := *p
		if err := s.enter(tx, sc, &fresh, row.Via, now, row.Timing); err != nil {
			return err
		}
		out = wirePool(sc, &fresh)
		return deskplane.MergeTags(tx, sc, p.ID, tagList)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.CreateWorkspacesPoolResult{WorkspacesPool: &out}, nil
}

// filterMatches applies one DescribeWorkspacesPools filter to a pool.
func filterMatches(f wsapi.DescribeWorkspacesPoolsFilter, p *deskplane.Pool) bool {
	v := p.Name // the only filter name is PoolName
	contains := func(x string) bool { return strings.Contains(v, x) }
	switch f.Operator {
	case wsapi.DescribeWorkspacesPoolsFilterOperatorEquals:
		return slices.Contains(f.Values, v)
	case wsapi.DescribeWorkspacesPoolsFilterOperatorNotequals:
		return !slices.Contains(f.Values, v)
	case wsapi.DescribeWorkspacesPoolsFilterOperatorContains:
		return slices.ContainsFunc(f.Values, contains)
	case wsapi.DescribeWorkspacesPoolsFilterOperatorNotcontains:
		return !slices.ContainsFunc(f.Values, contains)
	}
	return false
}

// DescribeWorkspacesPools lists the caller's pools in creation order, the
// ones named and matching every filter.
func (s *Service) DescribeWorkspacesPools(ctx context.Context, in *wsapi.DescribeWorkspacesPoolsRequest) (*wsapi.DescribeWorkspacesPoolsResult, error) {
	const purpose = "pools"
	after, err := paging.Parse(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := paging.Size(in.Limit)
	sc := env.Scope(ctx)
	var pg paging.Page[wsapi.WorkspacesPool]
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		pg = paging.Page[wsapi.WorkspacesPool]{}
		return deskplane.Pools().Each(tx, sc, after, func(seq int64, p *deskplane.Pool) (bool, error) {
			if in.PoolIds != nil && !slices.Contains(in.PoolIds, p.ID) {
				return true, nil
			}
			for _, f := range in.Filters {
				if !filterMatches(f, p) {
					return true, nil
				}
			}
			return pg.Add(size, seq, wirePool(sc, p)), nil
		})
	})
	if err != nil {
		return nil, err
	}
	out := &wsapi.DescribeWorkspacesPoolsResult{WorkspacesPools: pg.Items(), NextToken: pg.Next(ctx, purpose)}
	if out.WorkspacesPools == nil {
		out.WorkspacesPools = []wsapi.WorkspacesPool{}
	}
	return out, nil
}

// UpdateWorkspacesPool changes a pool's settings: UPDATING, then back to
// the state it left. The running mode, bundle, directory and session
// length change only while the pool is STOPPED.
func (s *Service) UpdateWorkspacesPool(ctx context.Context, in *wsapi.UpdateWorkspacesPoolRequest) (*wsapi.UpdateWorkspacesPoolResult, error) {
	sc, id := env.Scope(ctx), value(in.PoolId)
	now := s.Now()
	var out wsapi.WorkspacesPool
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		p, err := loadPool(tx, sc, id)
		if err != nil {
			return err
		}
		row, err := checkAction(p, deskplane.ActionUpdate)
		if err != nil {
			return err
		}
		stoppedOnly := func(member string) error {
			if p.State != deskplane.PoolStopped {
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
			if err := poolBundle(tx, sc, *in.BundleId); err != nil {
				return err
			}
			p.BundleID = *in.BundleId
		}
		if in.DirectoryId != nil && *in.DirectoryId != p.DirectoryID {
			if err := stoppedOnly("directory"); err != nil {
				return err
			}
			if _, err := poolDirectory(tx, sc, *in.DirectoryId); err != nil {
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
		if err := checkTimeouts(p); err != nil {
			return err
		}
		applyAppSettings(sc, p, in.ApplicationSettings)
		if in.Description != nil {
			p.Description = *in.Description
		}
		if in.Capacity != nil {
			p.DesiredUserSessions = value(in.Capacity.DesiredUserSessions)
		}
		p.ResumeState = p.State
		if err := s.enter(tx, sc, p, row.Via, now, row.Timing); err != nil {
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

// change is the shape of Start, Stop and Terminate: the action's row of
// the PoolTable says from which state and into which.
func (s *Service) change(ctx context.Context, id string, a deskplane.Action) error {
	sc := env.Scope(ctx)
	now := s.Now()
	return s.Store.Update(ctx, func(tx deskplane.Tx) error {
		p, err := loadPool(tx, sc, id)
		if err != nil {
			return err
		}
		row, err := checkAction(p, a)
		if err != nil {
			return err
		}
		return s.enter(tx, sc, p, row.Via, now, row.Timing)
	})
}

// StartWorkspacesPool starts a STOPPED pool: STARTING, then RUNNING.
func (s *Service) StartWorkspacesPool(ctx context.Context, in *wsapi.StartWorkspacesPoolRequest) (*wsapi.StartWorkspacesPoolResult, error) {
	if err := s.change(ctx, value(in.PoolId), deskplane.ActionStart); err != nil {
		return nil, err
	}
	return &wsapi.StartWorkspacesPoolResult{}, nil
}

// StopWorkspacesPool stops a RUNNING pool: STOPPING, then STOPPED, its
// sessions ended.
func (s *Service) StopWorkspacesPool(ctx context.Context, in *wsapi.StopWorkspacesPoolRequest) (*wsapi.StopWorkspacesPoolResult, error) {
	if err := s.change(ctx, value(in.PoolId), deskplane.ActionStop); err != nil {
		return nil, err
	}
	return &wsapi.StopWorkspacesPoolResult{}, nil
}

// TerminateWorkspacesPool deletes a STOPPED pool: DELETING, then gone.
func (s *Service) TerminateWorkspacesPool(ctx context.Context, in *wsapi.TerminateWorkspacesPoolRequest) (*wsapi.TerminateWorkspacesPoolResult, error) {
	if err := s.change(ctx, value(in.PoolId), deskplane.ActionTerminate); err != nil {
		return nil, err
	}
	return &wsapi.TerminateWorkspacesPoolResult{}, nil
}
