package workspaces

import (
	"bytes"
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// ---- DescribeWorkspaces -----------------------------------------------------

const purposeDescribeWorkspaces = "describe-workspaces"

// DescribeWorkspaces answers with wire structures, each WorkSpace decoded
// and converted afresh: the uncached form of the answer that Backend
// serves as a concatenation of cached encodings (encodedPage). Both run
// describeWorkspaces; a test checks their bytes are equal.
func (s *Service) DescribeWorkspaces(ctx context.Context, in *wsapi.DescribeWorkspacesRequest) (*wsapi.DescribeWorkspacesResult, error) {
	out := &wsapi.DescribeWorkspacesResult{Workspaces: []wsapi.Workspace{}}
	sc := env.Scope(ctx)
	next, err := s.describeWorkspaces(ctx, in, viewOfRecord, func(tx deskplane.Tx, _ int, v *workspaceView) error {
		ws, err := loadWorkspace(tx, sc, v.id)
		if err != nil {
			return err
		}
		if ws == nil {
			return errors.New("workspaces: a listed WorkSpace is missing from the same snapshot")
		}
		rel, err := relatedWorkspaces(tx, sc, ws)
		if err != nil {
			return err
		}
		out.Workspaces = append(out.Workspaces, wireWorkspace(ws, rel))
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.NextToken = next
	return out, nil
}

// describeEncoded is DescribeWorkspaces answered from the cache of
// encoded WorkSpaces: a page is the concatenation of its WorkSpaces' wire
// JSON, cached by record version (the views cache), except for WorkSpaces
// with standby relations, whose wire form shows other records' states and
// is encoded per request.
func (s *Service) describeEncoded(ctx context.Context, in *wsapi.DescribeWorkspacesRequest) (*encodedPage, error) {
	p := &encodedPage{}
	sc := env.Scope(ctx)
	next, err := s.describeWorkspaces(ctx, in, s.views.Get, func(tx deskplane.Tx, n int, v *workspaceView) error {
		if p.parts == nil {
			p.parts = make([][]byte, 0, n)
		}
		if !v.related {
			p.parts = append(p.parts, v.enc)
			return nil
		}
		ws, err := loadWorkspace(tx, sc, v.id)
		if err != nil {
			return err
		}
		if ws == nil {
			return errors.New("workspaces: a listed WorkSpace is missing from the same snapshot")
		}
		rel, err := relatedWorkspaces(tx, sc, ws)
		if err != nil {
			return err
		}
		w := wireWorkspace(ws, rel)
		p.parts = append(p.parts, w.AppendJSON(nil))
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.next = next
	return p, nil
}

// describeWorkspaces checks DescribeWorkspaces' parameters, finds the
// page the request asks for and calls each, in the same read
// transaction, with the page's length and each of its WorkSpaces in
// order. view makes the view of a record read from the store (committed
// data only: the transaction is read-only). It returns the next page's
// token.
func (s *Service) describeWorkspaces(ctx context.Context, in *wsapi.DescribeWorkspacesRequest,
	view func(deskplane.Record) (*workspaceView, error), each func(tx deskplane.Tx, n int, v *workspaceView) error) (*string, error) {
	filters := 0
	for _, set := range [...]bool{len(in.WorkspaceIds) > 0, in.DirectoryId != nil, in.BundleId != nil, in.WorkspaceName != nil} {
		if set {
			filters++
		}
	}
	if filters > 1 {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter,
			"An invalid number of parameters provided with DescribeWorkspaces. Only one of the following are allowed to be specified: WorkspaceIds, DirectoryId, BundleId, WorkspaceName.")
	}
	if in.UserName != nil && in.DirectoryId == nil {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The DirectoryId parameter is required when UserName is used.")
	}
	after, err := paging.Parse(ctx, purposeDescribeWorkspaces, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := paging.Size(in.Limit)
	sc := env.Scope(ctx)
	now := s.Now()
	var next *string
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		var p paging.Page[*workspaceView]
		// Eventual consistency on demand (decision 0325): WorkSpaces
		// created within the account's DescribeDelay are not shown yet.
		acct, err := account(tx, sc)
		if err != nil {
			return err
		}
		if len(in.WorkspaceIds) > 0 {
			type hit struct {
				seq int64
				ws  *workspaceView
			}
			var hits []hit
			seen := make(map[string]bool, len(in.WorkspaceIds))
			for _, id := range in.WorkspaceIds {
				if seen[id] {
					continue
				}
				seen[id] = true
				rec, err := tx.Get(wsKey(sc, id))
				if errors.Is(err, deskplane.ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				if rec.Seq <= after {
					continue
				}
				v, err := view(rec)
				if err != nil {
					return err
				}
				if acct.NotYetDescribed(v.created, now) {
					continue
				}
				hits = append(hits, hit{rec.Seq, v})
			}
			sort.Slice(hits, func(i, j int) bool { return hits[i].seq < hits[j].seq })
			for _, h := range hits {
				if !p.Add(size, h.seq, h.ws) {
					break
				}
			}
		} else {
			// A cheap byte test skips most records of other directories
			// or bundles before they are decoded.
			var needle []byte
			switch {
			case in.DirectoryId != nil:
				needle = []byte(`"` + *in.DirectoryId + `"`)
			case in.BundleId != nil:
				needle = []byte(`"` + *in.BundleId + `"`)
			case in.WorkspaceName != nil:
				needle = []byte(*in.WorkspaceName)
			}
			var ferr error
			err := tx.List(sc, deskplane.KindWorkspace, after, func(r deskplane.Record) bool {
				if needle != nil && !bytes.Contains(r.Data, needle) {
					return true
				}
				if needle == nil && acct.DescribeDelay == 0 && p.Len() == size {
					// Unfiltered: any further record proves a next page.
					p.SetMore()
					return false
				}
				var v *workspaceView
				if v, ferr = view(r); ferr != nil {
					return false
				}
				switch {
				case in.DirectoryId != nil && v.directoryID != *in.DirectoryId,
					in.UserName != nil && !strings.EqualFold(v.userName, *in.UserName),
					in.BundleId != nil && v.bundleID != *in.BundleId,
					in.WorkspaceName != nil && v.name != *in.WorkspaceName,
					acct.NotYetDescribed(v.created, now):
					return true
				}
				return p.Add(size, r.Seq, v)
			})
			if err != nil {
				return err
			}
			if ferr != nil {
				return ferr
			}
		}
		items := p.Items()
		for _, v := range items {
			if err := each(tx, len(items), v); err != nil {
				return err
			}
		}
		next = p.Next(ctx, purposeDescribeWorkspaces)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return next, nil
}

// wsRunningMode resolves the running mode and AutoStop timeout that p
// asks for, given the current ones (empty for a new WorkSpace):
// deskplane.ResolveRunningMode on the request's values.
func wsRunningMode(p *wsapi.WorkspaceProperties, cur deskplane.RunningMode, curTimeout int) (deskplane.RunningMode, int, error) {
	var want deskplane.RunningMode
	var timeout *int32
	if p != nil {
		want, timeout = deskplane.RunningMode(p.RunningMode), p.RunningModeAutoStopTimeoutInMinutes
	}
	return deskplane.ResolveRunningMode(cur, curTimeout, want, timeout)
}

// wsProtocols checks a requested protocol list: one protocol.
func wsProtocols(ps []wsapi.Protocol) (deskplane.Protocol, error) {
	dp := make([]deskplane.Protocol, len(ps))
	for i, p := range ps {
		dp[i] = deskplane.Protocol(p)
	}
	return deskplane.OneProtocol(dp)
}

// joinProtocols lists protocols for messages: "PCOIP, WSP".
func joinProtocols(ps []deskplane.Protocol) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}
