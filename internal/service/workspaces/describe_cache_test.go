package workspaces_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// The DescribeWorkspaces answer is a concatenation of WorkSpaces' wire JSON
// cached by record version (describe.go, docs/decisions/0348-…). These
// tests check that it is never stale and that its bytes are those of the
// uncached answer.

// bothAnswers runs DescribeWorkspaces in-process for account A both ways:
// through the backend the server uses (cached encodings, concatenated) and
// through the service method (every WorkSpace decoded and encoded afresh),
// page after page. It fails the test unless each page's bytes are equal,
// the next-page tokens aside (each is sealed with a fresh nonce): both
// tokens must lead to the same next page. It returns the first page as
// the backend answered it.
func bothAnswers(t *testing.T, e *apptest.Env, region string, in *wsapi.DescribeWorkspacesRequest) []byte {
	t.Helper()
	var first []byte
	req := *in
	for n := 0; ; n++ {
		cached, next, freshNext := bothPages(t, e, region, &req)
		if n == 0 {
			first = cached
		}
		if next == nil {
			return first
		}
		if n > 100 {
			t.Fatalf("more than 100 pages for %+v", in)
		}
		other := req
		other.NextToken = freshNext
		req.NextToken = next
		a, _, _ := bothPages(t, e, region, &req)
		b, _, _ := bothPages(t, e, region, &other)
		if !bytes.Equal(withoutToken(t, a), withoutToken(t, b)) {
			t.Fatalf("the two tokens lead to different pages:\n%s\n%s", a, b)
		}
	}
}

// bothPages compares one page both ways; it returns the backend's bytes
// and both next-page tokens.
func bothPages(t *testing.T, e *apptest.Env, region string, in *wsapi.DescribeWorkspacesRequest) (cached []byte, next, freshNext *string) {
	t.Helper()
	ctx := deskplane.WithCaller(context.Background(), deskplane.Caller{Account: apptest.AccountA, Region: region, Operation: "DescribeWorkspaces"})
	svc := e.App.Service.Workspaces()
	b := svc.Backend(wsapi.NewDispatcher(e.App.Service.WorkSpaces()))
	body, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Invoke(ctx, "DescribeWorkspaces", body)
	if err != nil {
		t.Fatalf("backend DescribeWorkspaces %s: %v", body, err)
	}
	cached = got.(interface{ AppendJSON([]byte) []byte }).AppendJSON(nil)
	fresh, err := svc.DescribeWorkspaces(ctx, in)
	if err != nil {
		t.Fatalf("uncached DescribeWorkspaces %s: %v", body, err)
	}
	var tok struct{ NextToken *string }
	if err := json.Unmarshal(cached, &tok); err != nil {
		t.Fatalf("the cached answer is not JSON: %v\n%s", err, cached)
	}
	if (tok.NextToken == nil) != (fresh.NextToken == nil) {
		t.Fatalf("next page: cached %v, uncached %v", tok.NextToken, fresh.NextToken)
	}
	freshNext = fresh.NextToken
	fresh.NextToken = tok.NextToken
	if want := fresh.AppendJSON(nil); !bytes.Equal(cached, want) {
		t.Fatalf("DescribeWorkspaces %s:\ncached   %s\nuncached %s", body, cached, want)
	}
	return cached, tok.NextToken, freshNext
}

// withoutToken is an answer without its NextToken member.
func withoutToken(t *testing.T, answer []byte) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(answer, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "NextToken")
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// describeEverything compares both answers for every filter the fixture's
// WorkSpaces allow, and pages of several sizes.
func (f *wsFixture) describeEverything(t *testing.T, ids []string) {
	t.Helper()
	ins := []*wsapi.DescribeWorkspacesRequest{
		{},
		{Limit: aws.Int32(2)},
		{DirectoryId: aws.String(f.dir)},
		{DirectoryId: aws.String(f.dir), UserName: aws.String("USER-1")},
		{BundleId: aws.String(f.standard()), Limit: aws.Int32(3)},
		{WorkspaceIds: ids},
		{WorkspaceIds: ids, Limit: aws.Int32(1)},
		{WorkspaceIds: []string{"ws-000000000"}},
	}
	for _, in := range ins {
		bothAnswers(t, f.e, apptest.Region, in)
	}
}

func TestDescribeCachedEqualsUncached(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	var ids []string
	for i := range 5 {
		ids = append(ids, f.launch(f.req(fmt.Sprint("user-", i), f.standard())))
	}
	f.e.SetTiming("fast") // transitional states last until the clock moves
	// AUTO_STOP with its timeout, and a modification in progress: the
	// optional members of the wire form.
	if err := f.modify(ids[0], types.WorkspaceProperties{RunningMode: types.RunningModeAutoStop}); err != nil {
		t.Fatal(err)
	}
	f.e.Advance(7 * time.Hour) // the compute type may grow 6 hours after launch
	if err := f.modify(ids[1], types.WorkspaceProperties{ComputeTypeName: types.ComputePerformance}); err != nil {
		t.Fatal(err)
	}
	f.describeEverything(t, ids)
	// Described twice: the second answer comes from the cache.
	f.describeEverything(t, ids)
	// The next steps get the fixture's usual time budget: the whole test
	// under -race on a busy machine may take longer.
	f.ctx = f.e.Ctx()

	// A standby in another Region: the primary's and the standby's wire
	// forms show each other's states.
	dir2, _ := f.directory(apptest.AccountA, apptest.Region2, true)
	c2 := workspaces.NewFromConfig(f.e.AWSConfig(apptest.AccountA, apptest.Region2))
	out, err := c2.CreateStandbyWorkspaces(f.ctx, &workspaces.CreateStandbyWorkspacesInput{PrimaryRegion: aws.String(apptest.Region),
		StandbyWorkspaces: []types.StandbyWorkspace{{PrimaryWorkspaceId: aws.String(ids[3]), DirectoryId: aws.String(dir2), DataReplication: types.DataReplicationPrimaryAsSource}}})
	if err != nil || len(out.PendingStandbyRequests) != 1 {
		t.Fatalf("CreateStandbyWorkspaces: %v %+v", err, out)
	}
	standby := aws.ToString(out.PendingStandbyRequests[0].WorkspaceId)
	f.e.Advance(time.Minute)
	f.describeEverything(t, ids)
	f.ctx = f.e.Ctx()
	before := bothAnswers(t, f.e, apptest.Region2, &wsapi.DescribeWorkspacesRequest{WorkspaceIds: []string{standby}})
	// The primary goes into maintenance: the standby's record is
	// unchanged, its answer shows the primary's new state.
	if err := f.setState(ids[3], types.TargetWorkspaceStateAdminMaintenance); err != nil {
		t.Fatal(err)
	}
	after := bothAnswers(t, f.e, apptest.Region2, &wsapi.DescribeWorkspacesRequest{WorkspaceIds: []string{standby}})
	if bytes.Contains(before, []byte("ADMIN_MAINTENANCE")) || !bytes.Contains(after, []byte(`"State":"ADMIN_MAINTENANCE"`)) {
		t.Fatalf("the standby does not show its primary in maintenance:\nbefore %s\nafter  %s", before, after)
	}
}

// TestDescribeNeverStale changes WorkSpaces in every way the API offers
// after they have been described (so their encodings are cached) and
// checks that the next answer shows each change, through the SDK and as
// the uncached answer would.
func TestDescribeNeverStale(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	var ids []string
	for i := range 3 {
		ids = append(ids, f.launch(f.req(fmt.Sprint("user-", i), f.standard())))
	}
	listed := func() map[string]types.Workspace {
		t.Helper()
		out, err := f.c.DescribeWorkspaces(f.ctx, &workspaces.DescribeWorkspacesInput{})
		if err != nil {
			t.Fatal(err)
		}
		m := make(map[string]types.Workspace)
		for _, w := range out.Workspaces {
			m[aws.ToString(w.WorkspaceId)] = w
		}
		bothAnswers(t, f.e, apptest.Region, &wsapi.DescribeWorkspacesRequest{})
		bothAnswers(t, f.e, apptest.Region, &wsapi.DescribeWorkspacesRequest{WorkspaceIds: ids})
		return m
	}
	check := func(what, id string, ok func(types.Workspace) bool) {
		t.Helper()
		// Each step gets the fixture's usual time budget: the whole
		// test under -race on a busy machine may take longer.
		f.ctx = f.e.Ctx()
		if w := listed()[id]; !ok(w) {
			t.Fatalf("%s: the listing shows %+v", what, w)
		}
		if w := f.must(id); !ok(w) {
			t.Fatalf("%s: DescribeWorkspaces by id shows %+v", what, w)
		}
	}
	listed()
	listed()
	f.e.SetTiming("fast") // transitional states last until the clock moves

	if err := f.modify(ids[0], types.WorkspaceProperties{RunningMode: types.RunningModeAutoStop, RunningModeAutoStopTimeoutInMinutes: aws.Int32(120)}); err != nil {
		t.Fatal(err)
	}
	check("running mode", ids[0], func(w types.Workspace) bool {
		return w.WorkspaceProperties.RunningMode == types.RunningModeAutoStop && aws.ToInt32(w.WorkspaceProperties.RunningModeAutoStopTimeoutInMinutes) == 120
	})
	if fails := f.stop(ids[0]); len(fails) > 0 {
		t.Fatal(fails)
	}
	check("stop", ids[0], func(w types.Workspace) bool { return w.State == types.WorkspaceStateStopping })
	f.e.Advance(time.Minute)
	check("stopped", ids[0], func(w types.Workspace) bool { return w.State == types.WorkspaceStateStopped })

	if fails := f.reboot(ids[1]); len(fails) > 0 {
		t.Fatal(fails)
	}
	check("reboot", ids[1], func(w types.Workspace) bool { return w.State == types.WorkspaceStateRebooting })
	f.e.Advance(time.Minute)
	check("rebooted", ids[1], func(w types.Workspace) bool { return w.State == types.WorkspaceStateAvailable })

	f.e.Advance(7 * time.Hour) // the compute type may grow 6 hours after launch
	if err := f.modify(ids[2], types.WorkspaceProperties{ComputeTypeName: types.ComputePerformance}); err != nil {
		t.Fatal(err)
	}
	check("modification", ids[2], func(w types.Workspace) bool {
		return len(w.ModificationStates) == 1 && w.ModificationStates[0].Resource == types.ModificationResourceEnumComputeType
	})
	f.e.Advance(time.Hour)
	check("modified", ids[2], func(w types.Workspace) bool {
		return len(w.ModificationStates) == 0 && w.WorkspaceProperties.ComputeTypeName == types.ComputePerformance
	})

	if _, err := f.c.CreateTags(f.ctx, &workspaces.CreateTagsInput{ResourceId: aws.String(ids[1]), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("qa")}}}); err != nil {
		t.Fatal(err)
	}
	check("tagged", ids[1], func(w types.Workspace) bool { return w.State == types.WorkspaceStateAvailable })

	if err := f.setState(ids[1], types.TargetWorkspaceStateAdminMaintenance); err != nil {
		t.Fatal(err)
	}
	check("admin maintenance", ids[1], func(w types.Workspace) bool { return w.State == types.WorkspaceStateAdminMaintenance })

	if fails := f.terminate(ids[0]); len(fails) > 0 {
		t.Fatal(fails)
	}
	f.e.Advance(time.Hour)
	if _, ok := listed()[ids[0]]; ok {
		t.Fatal("a terminated WorkSpace is still listed")
	}
	f.wantGone(ids[0])
}

// TestDescribeFollowsWritesOutsideTheService writes a described WorkSpace's
// record straight to the store, as another node sharing it would, and
// checks the next answer shows the new version.
func TestDescribeFollowsWritesOutsideTheService(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	id := f.launch(f.req("alice", f.standard()))
	if got := aws.ToString(f.must(id).ComputerName); got == "" || got == "EDITED" {
		t.Fatalf("computer name %q", got)
	}
	k := deskplane.Key{Scope: deskplane.Scope{Account: apptest.AccountA, Region: apptest.Region}, Kind: deskplane.KindWorkspace, ID: id}
	if err := f.e.App.Store.Update(f.ctx, func(tx deskplane.Tx) error {
		r, err := tx.Get(k)
		if err != nil {
			return err
		}
		var m map[string]any
		if err := json.Unmarshal(r.Data, &m); err != nil {
			return err
		}
		m["computerName"] = "EDITED"
		data, err := json.Marshal(m)
		if err != nil {
			return err
		}
		_, err = tx.Put(k, data)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(f.must(id).ComputerName); got != "EDITED" {
		t.Fatalf("after a write outside the service, DescribeWorkspaces shows computer name %q", got)
	}
	bothAnswers(t, f.e, apptest.Region, &wsapi.DescribeWorkspacesRequest{})
}

// TestDescribeTwoNodes runs two servers on one PostgreSQL store: what one
// changes, the other (which has the old version cached) shows at once.
func TestDescribeTwoNodes(t *testing.T) {
	var dsn string
	opts := apptest.Options{Store: "postgres", Config: func(c *app.Config) {
		if dsn == "" {
			dsn = c.Postgres
		}
		c.Postgres = dsn
	}}
	f := newWSFixture(t, opts)
	ids := []string{f.launch(f.req("alice", f.standard())), f.launch(f.req("bob", f.standard()))}
	other := apptest.Start(t, opts)
	c2 := workspaces.NewFromConfig(other.AWSConfig(apptest.AccountA, apptest.Region))
	listed := func(c *workspaces.Client, id string) types.Workspace {
		t.Helper()
		out, err := c.DescribeWorkspaces(f.ctx, &workspaces.DescribeWorkspacesInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range out.Workspaces {
			if aws.ToString(w.WorkspaceId) == id {
				return w
			}
		}
		t.Fatalf("%s is not listed", id)
		return types.Workspace{}
	}
	// Both nodes cache the versions they list. (Each node's frozen clock
	// stands at another time, the second's hours behind the first's, so
	// either engine could fire a timer the other scheduled: the changes
	// below start none that is due before an hour on the first's clock.)
	for _, c := range []*workspaces.Client{f.c, c2} {
		for _, id := range ids {
			if w := listed(c, id); w.State != types.WorkspaceStateAvailable || w.WorkspaceProperties.RunningMode != types.RunningModeAlwaysOn {
				t.Fatalf("%s: %s %s", id, w.State, w.WorkspaceProperties.RunningMode)
			}
		}
	}
	// The second node puts one into maintenance; the first shows it.
	if _, err := c2.ModifyWorkspaceState(f.ctx, &workspaces.ModifyWorkspaceStateInput{WorkspaceId: aws.String(ids[0]), WorkspaceState: types.TargetWorkspaceStateAdminMaintenance}); err != nil {
		t.Fatal(err)
	}
	if s := listed(f.c, ids[0]).State; s != types.WorkspaceStateAdminMaintenance {
		t.Fatalf("the first node shows %s after the second put it into maintenance", s)
	}
	// The first node modifies the other; the second shows it.
	if err := f.modify(ids[1], types.WorkspaceProperties{RunningMode: types.RunningModeAutoStop}); err != nil {
		t.Fatal(err)
	}
	if m := listed(c2, ids[1]).WorkspaceProperties.RunningMode; m != types.RunningModeAutoStop {
		t.Fatalf("the second node shows running mode %s after the first modified it", m)
	}
}
