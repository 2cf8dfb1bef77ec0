package pools

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Streaming sessions of a RUNNING pool, kept in the pool's record.

func wireSession(poolID string, s deskplane.PoolSession) wsapi.WorkspacesPoolSession {
	return wsapi.WorkspacesPoolSession{
		AuthenticationType:         wsapi.AuthenticationType(s.AuthenticationType),
		ConnectionState:            wsapi.SessionConnectionState(s.ConnectionState),
		SessionId:                  new(s.ID),
		InstanceId:                 new(s.InstanceID),
		PoolId:                     new(poolID),
		ExpirationTime:             smithy.NewTimestamp(s.Expires),
		NetworkAccessConfiguration: &wsapi.NetworkAccessConfiguration{EniPrivateIpAddress: new(s.EniIP), EniId: new(s.EniID)},
		StartTime:                  smithy.NewTimestamp(s.Started),
		UserId:                     new(s.UserID),
	}
}

// DescribeWorkspacesPoolSessions lists a pool's sessions in the order they
// started, those of one user when UserId is given.
func (s *Service) DescribeWorkspacesPoolSessions(ctx context.Context, in *wsapi.DescribeWorkspacesPoolSessionsRequest) (*wsapi.DescribeWorkspacesPoolSessionsResult, error) {
	sc, id := env.Scope(ctx), value(in.PoolId)
	purpose := "poolsessions/" + id
	after, err := paging.Parse(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := defaultSessionsPageSize
	if in.Limit != nil {
		size = int(*in.Limit)
	}
	var pg paging.Page[wsapi.WorkspacesPoolSession]
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		pg = paging.Page[wsapi.WorkspacesPoolSession]{}
		p, err := loadPool(tx, sc, id)
		if err != nil {
			return err
		}
		for _, ss := range p.Sessions {
			if ss.Seq <= after || (in.UserId != nil && ss.UserID != *in.UserId) {
				continue
			}
			if !pg.Add(size, ss.Seq, wireSession(p.ID, ss)) {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &wsapi.DescribeWorkspacesPoolSessionsResult{Sessions: pg.Items(), NextToken: pg.Next(ctx, purpose)}
	if out.Sessions == nil {
		out.Sessions = []wsapi.WorkspacesPoolSession{}
	}
	return out, nil
}

// TerminateWorkspacesPoolSession ends a session of a RUNNING (or
// UPDATING) pool of the caller's.
func (s *Service) TerminateWorkspacesPoolSession(ctx context.Context, in *wsapi.TerminateWorkspacesPoolSessionRequest) (*wsapi.TerminateWorkspacesPoolSessionResult, error) {
	sc, sid := env.Scope(ctx), value(in.SessionId)
	isSession := func(ss deskplane.PoolSession) bool { return ss.ID == sid }
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		var found *deskplane.Pool
		err := deskplane.Pools().Each(tx, sc, 0, func(_ int64, p *deskplane.Pool) (bool, error) {
			if slices.ContainsFunc(p.Sessions, isSession) {
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
		if found.State != deskplane.PoolRunning && found.State != deskplane.PoolUpdating {
			return inProgress(found)
		}
		found.Sessions = slices.DeleteFunc(found.Sessions, isSession)
		return deskplane.Pools().Put(tx, sc, found.ID, found)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.TerminateWorkspacesPoolSessionResult{}, nil
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

// StartSession starts a streaming session for the user on a RUNNING pool
// with a free user session, for the control API (deskplane has no
// streaming clients). A pool the scope does not have answers an error of
// CodeNotFound; a pool that cannot take the session, CodeInvalidState.
// connectionState is CONNECTED or NOT_CONNECTED (the caller checks).
func (s *Service) StartSession(ctx context.Context, sc deskplane.Scope, id, userID string, connectionState wsapi.SessionConnectionState) (wsapi.WorkspacesPoolSession, error) {
	now := s.Now()
	sid := newUUID()
	instance, eni := deskplane.NewHexID("i-", 17), deskplane.NewHexID("eni-", 17)
	var out wsapi.WorkspacesPoolSession
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		p, err := loadPool(tx, sc, id)
		if err != nil {
			return err
		}
		c := capacity(p)
		switch {
		case p.State != deskplane.PoolRunning:
			return deskplane.Errorf(deskplane.CodeInvalidState, "the pool %s is %s; sessions start only on a RUNNING pool", id, p.State)
		case *c.AvailableUserSessions <= 0:
			return deskplane.Errorf(deskplane.CodeInvalidState, "the pool %s has no available user session (%d of %d in use)", id, *c.ActiveUserSessions, *c.ActualUserSessions)
		}
		p.NextSessionSeq++
		ss := deskplane.PoolSession{
			Seq: p.NextSessionSeq, ID: sid, UserID: userID,
			AuthenticationType: string(wsapi.AuthenticationTypeSaml), ConnectionState: string(connectionState),
			InstanceID: instance, EniID: eni,
			Started: now, Expires: now.Add(time.Duration(p.MaxUserDuration) * time.Second),
		}
		ss.EniIP = deskplane.HostIn([3]byte{10, byte(len(p.ID)), byte(p.NextSessionSeq)}, ss.ID)
		if d, ok, err := deskplane.Directories().Get(tx, sc, p.DirectoryID); err != nil {
			return err
		} else if ok && len(d.SubnetIDs) > 0 {
			ss.EniIP = deskplane.HostIn(deskplane.SubnetNetwork(d.SubnetIDs[int(p.NextSessionSeq)%len(d.SubnetIDs)]), ss.ID)
		}
		p.Sessions = append(p.Sessions, ss)
		out = wireSession(p.ID, ss)
		return deskplane.Pools().Put(tx, sc, p.ID, p)
	})
	if err != nil {
		return wsapi.WorkspacesPoolSession{}, fmt.Errorf("starting a session on pool %s: %w", id, err)
	}
	return out, nil
}
