package workspaces

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
	next, err := s.describeWorkspaces(ctx, in, viewOfRecord, func(tx deskplane.Tx, page []*workspaceView) error {
		for _, v := range page {
			w, err := wireNow(tx, sc, v.id)
			if err != nil {
				return err
			}
			out.Workspaces = append(out.Workspaces, w)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.NextToken = next
	return out, nil
}

// wireNow reads a WorkSpace listed in tx's snapshot and converts it to
// the wire with the current states of its related WorkSpaces.
func wireNow(tx deskplane.Tx, sc deskplane.Scope, id string) (wsapi.Workspace, error) {
	ws, err := loadWorkspace(tx, sc, id)
	if err != nil {
		return wsapi.Workspace{}, err
	}
	if ws == nil {
		return wsapi.Workspace{}, errors.New("workspaces: a listed WorkSpace is missing from the same snapshot")
	}
	rel, err := relatedWorkspaces(tx, sc, ws)
	if err != nil {
		return wsapi.Workspace{}, err
	}
	return wireWorkspace(ws, rel), nil
}

// describeEncoded is DescribeWorkspaces answered from the cache of
// encoded WorkSpaces: a page is the concatenation of its WorkSpaces' wire
// JSON, cached by record version (the views cache), except for WorkSpaces
// with standby relations, whose wire form shows other records' states and
// is encoded per request.
func (s *Service) describeEncoded(ctx context.Context, in *wsapi.DescribeWorkspacesRequest) (*encodedPage, error) {
	if p, ok, err := s.describeByPage(ctx, in); ok || err != nil {
		return p, err
	}
	p := &encodedPage{}
	sc := env.Scope(ctx)
	next, err := s.describeWorkspaces(ctx, in, s.views.Get, func(tx deskplane.Tx, page []*workspaceView) error {
		p.views = page
		for i, v := range page {
			if !v.related {
				continue
			}
			w, err := wireNow(tx, sc, v.id)
			if err != nil {
				return err
			}
			if p.fresh == nil {
				p.fresh = make([][]byte, len(page))
			}
			p.fresh[i] = w.AppendJSON(nil)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.next = next
	return p, nil
}

// describeByPage answers an unfiltered DescribeWorkspaces with one
// deskplane.PageReader read when the store has one (PostgreSQL): the
// account's settings and the page in one statement, without the Data of
// the WorkSpaces whose views the cache holds. It answers only when
// nothing but the page is needed: false (and no error) when the request
// has a filter, the account delays what Describe shows (decision 0325) or
// a WorkSpace of the page has standby relations, which the read
// transaction of describeWorkspaces handles
// (docs/decisions/0342-postgres-describe-page-read.md).
func (s *Service) describeByPage(ctx context.Context, in *wsapi.DescribeWorkspacesRequest) (*encodedPage, bool, error) {
	if len(in.WorkspaceIds) > 0 || in.DirectoryId != nil || in.BundleId != nil || in.WorkspaceName != nil || in.UserName != nil {
		return nil, false, nil
	}
	pr, ok := deskplane.PageReaderOf(s.Store)
	if !ok {
		return nil, false, nil
	}
	after, err := paging.Parse(ctx, purposeDescribeWorkspaces, in.NextToken)
	if err != nil {
		return nil, false, err
	}
	size := paging.Size(in.Limit)
	sc := env.Scope(ctx)
	// The views Have found, by version: a record that comes back without
	// Data is one of them, and the cache may drop it meanwhile.
	type held struct {
		seq, version int64
		v            *workspaceView
	}
	hold := make([]held, 0, size)
	pg, err := pr.ReadPage(ctx, deskplane.PageQuery{
		With:  deskplane.AccountKey(sc),
		Scope: sc, Kind: deskplane.KindWorkspace, AfterSeq: after, Limit: size,
		Have: func(r deskplane.Record) bool {
			v, ok := s.views.Lookup(r)
			if ok {
				hold = append(hold, held{r.Seq, r.Version, v})
			}
			return ok
		},
	})
	if err != nil {
		return nil, false, err
	}
	if pg.WithFound {
		a, err := s.accounts.Get(pg.With)
		if err != nil {
			return nil, false, fmt.Errorf("decoding %s %s: %w", pg.With.Kind, pg.With.ID, err)
		}
		if a.DescribeDelay != 0 {
			return nil, false, nil
		}
	}
	p := &encodedPage{views: make([]*workspaceView, 0, len(pg.Records))}
	for _, r := range pg.Records {
		var v *workspaceView
		if r.Data == nil {
			for _, h := range hold {
				if h.seq == r.Seq && h.version == r.Version {
					v = h.v
				}
			}
			if v == nil {
				return nil, false, fmt.Errorf("describe: %s %s came back without its data", r.Kind, r.ID)
			}
		} else if v, err = s.views.Get(r); err != nil {
			return nil, false, err
		}
		if v.related {
			return nil, false, nil
		}
		p.views = append(p.views, v)
	}
	if pg.More && len(pg.Records) > 0 {
		p.next = paging.Token(ctx, purposeDescribeWorkspaces, pg.Records[len(pg.Records)-1].Seq)
	}
	return p, true, nil
}

// describeWorkspaces checks DescribeWorkspaces' parameters, finds the
// page the request asks for and calls page with its WorkSpaces, in order,
// in the same read transaction. view makes the view of a record read from
// the store (committed data only: the transaction is read-only). It
// returns the next page's token.
func (s *Service) describeWorkspaces(ctx context.Context, in *wsapi.DescribeWorkspacesRequest,
	view func(deskplane.Record) (*workspaceView, error), page func(tx deskplane.Tx, views []*workspaceView) error) (*string, error) {
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
	// The page: up to size views, the Seq of the last, and whether a
	// further match proves a next page (as paging.Page collects them, in
	// one allocation).
	items := make([]*workspaceView, 0, size)
	var lastSeq int64
	more := false
	add := func(seq int64, v *workspaceView) bool {
		if len(items) == size {
			more = true
			return false
		}
		items, lastSeq = append(items, v), seq
		return true
	}
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		// Eventual consistency on demand (decision 0325): WorkSpaces
		// created within the account's DescribeDelay are not shown yet.
		acct, err := s.describeAccount(tx, sc)
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
				if !add(h.seq, h.ws) {
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
				if needle == nil && acct.DescribeDelay == 0 && len(items) == size {
					// Unfiltered: any further record proves a next page.
					more = true
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
				return add(r.Seq, v)
			})
			if err != nil {
				return err
			}
			if ferr != nil {
				return ferr
			}
		}
		return page(tx, items)
	})
	if err != nil {
		return nil, err
	}
	if !more {
		return nil, nil
	}
	return paging.Token(ctx, purposeDescribeWorkspaces, lastSeq), nil
}

// describeAccount returns the caller's account settings (the zero value
// when it has none), decoded once per record version (the accounts
// cache): DescribeWorkspaces reads them on every call. tx must be
// read-only.
func (s *Service) describeAccount(tx deskplane.Tx, sc deskplane.Scope) (deskplane.Account, error) {
	rec, err := tx.Get(deskplane.AccountKey(sc))
	if errors.Is(err, deskplane.ErrNotFound) {
		return deskplane.Account{}, nil
	}
	if err != nil {
		return deskplane.Account{}, err
	}
	a, err := s.accounts.Get(rec)
	if err != nil {
		return deskplane.Account{}, fmt.Errorf("decoding %s %s: %w", rec.Kind, rec.ID, err)
	}
	return *a, nil
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
