package pools_test

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
)

func xTags(t *testing.T, c *workspaces.Client, id string) map[string]string {
	t.Helper()
	out, err := c.DescribeTags(context.Background(), &workspaces.DescribeTagsInput{ResourceId: aws.String(id)})
	if err != nil {
		t.Fatalf("DescribeTags(%s): %v", id, err)
	}
	m := make(map[string]string)
	for _, tg := range out.TagList {
		m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return m
}

func createPool(e *apptest.Env, account, dir, name string, edit func(*workspaces.CreateWorkspacesPoolInput)) (*workspaces.CreateWorkspacesPoolOutput, error) {
	in := &workspaces.CreateWorkspacesPoolInput{
		PoolName:    aws.String(name),
		Description: aws.String("Pool for " + name),
		BundleId:    aws.String(xBundleStandard2019),
		DirectoryId: aws.String(dir),
		Capacity:    &types.Capacity{DesiredUserSessions: aws.Int32(3)},
	}
	if edit != nil {
		edit(in)
	}
	return e.WS(account).CreateWorkspacesPool(e.Ctx(), in)
}

// mustPool creates a pool and waits for it to be STOPPED.
func mustPool(t *testing.T, e *apptest.Env, dir, name string) string {
	t.Helper()
	out, err := createPool(e, apptest.AccountA, dir, name, nil)
	if err != nil {
		t.Fatalf("CreateWorkspacesPool: %v", err)
	}
	e.Advance(time.Hour)
	return aws.ToString(out.WorkspacesPool.PoolId)
}

// describePool returns the pool, and false when it is not described.
func describePool(t *testing.T, e *apptest.Env, id string) (types.WorkspacesPool, bool) {
	t.Helper()
	out, err := e.WS(apptest.AccountA).DescribeWorkspacesPools(e.Ctx(), &workspaces.DescribeWorkspacesPoolsInput{PoolIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeWorkspacesPools: %v", err)
	}
	if len(out.WorkspacesPools) == 0 {
		return types.WorkspacesPool{}, false
	}
	return out.WorkspacesPools[0], true
}

func wantPoolState(t *testing.T, e *apptest.Env, id string, want types.WorkspacesPoolState) types.WorkspacesPool {
	t.Helper()
	p, ok := describePool(t, e, id)
	if !ok {
		t.Fatalf("pool %s is not described", id)
	}
	if p.State != want {
		t.Fatalf("pool %s is %s, want %s", id, p.State, want)
	}
	return p
}

func wantCapacity(t *testing.T, p types.WorkspacesPool, desired, actual, active, available int32) {
	t.Helper()
	c := p.CapacityStatus
	if c == nil || aws.ToInt32(c.DesiredUserSessions) != desired || aws.ToInt32(c.ActualUserSessions) != actual ||
		aws.ToInt32(c.ActiveUserSessions) != active || aws.ToInt32(c.AvailableUserSessions) != available {
		t.Errorf("capacity %+v, want desired %d actual %d active %d available %d", c, desired, actual, active, available)
	}
}

// startSession starts a session through the control API and returns the
// status and the answer.
func startSession(t *testing.T, e *apptest.Env, pool, user string) (int, []byte) {
	t.Helper()
	return xControl(t, e, "POST", "pools/"+pool+"/sessions", map[string]any{"account": apptest.AccountA, "region": apptest.Region, "userId": user})
}

// poolSession decodes a session the control API answered.
func poolSession(t *testing.T, raw []byte) types.WorkspacesPoolSession {
	t.Helper()
	var s struct{ SessionId, UserId, PoolId, InstanceId string }
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("session %s: %v", raw, err)
	}
	return types.WorkspacesPoolSession{SessionId: aws.String(s.SessionId), UserId: aws.String(s.UserId), PoolId: aws.String(s.PoolId), InstanceId: aws.String(s.InstanceId)}
}

func poolSessions(t *testing.T, e *apptest.Env, pool string, user *string, limit int32) []types.WorkspacesPoolSession {
	t.Helper()
	var all []types.WorkspacesPoolSession
	in := &workspaces.DescribeWorkspacesPoolSessionsInput{PoolId: aws.String(pool), UserId: user}
	if limit > 0 {
		in.Limit = aws.Int32(limit)
	}
	for range 20 {
		out, err := e.WS(apptest.AccountA).DescribeWorkspacesPoolSessions(e.Ctx(), in)
		if err != nil {
			t.Fatalf("DescribeWorkspacesPoolSessions: %v", err)
		}
		if limit > 0 && len(out.Sessions) > int(limit) {
			t.Errorf("page of %d sessions, Limit %d", len(out.Sessions), limit)
		}
		all = append(all, out.Sessions...)
		if out.NextToken == nil {
			return all
		}
		in.NextToken = out.NextToken
	}
	t.Fatal("no last page")
	return nil
}

func TestPoolLifecycle(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(apptest.AccountA)
	dir := xPoolDirectory(t, e, apptest.AccountA)
	e.SetTiming("realistic")
	before := time.Now().Add(-time.Minute)

	out, err := createPool(e, apptest.AccountA, dir, "analysts", func(in *workspaces.CreateWorkspacesPoolInput) {
		in.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("analytics")}}
	})
	if err != nil {
		t.Fatalf("CreateWorkspacesPool: %v", err)
	}
	p := *out.WorkspacesPool
	id := aws.ToString(p.PoolId)
	if !regexp.MustCompile(`^wspool-[0-9a-z]{9}$`).MatchString(id) {
		t.Errorf("pool id %q", id)
	}
	if p.State != types.WorkspacesPoolStateCreating || aws.ToString(p.PoolName) != "analysts" || aws.ToString(p.Description) != "Pool for analysts" ||
		aws.ToString(p.BundleId) != xBundleStandard2019 || aws.ToString(p.DirectoryId) != dir || p.RunningMode != types.PoolsRunningModeAutoStop ||
		aws.ToString(p.PoolArn) != "arn:aws:workspaces:us-east-1:"+apptest.AccountA+":workspacespool/"+id || p.CreatedAt == nil || p.CreatedAt.Before(before) {
		t.Errorf("created pool %+v", p)
	}
	if as := p.ApplicationSettings; as == nil || as.Status != types.ApplicationSettingsStatusEnumDisabled || as.SettingsGroup == nil || as.S3BucketName != nil {
		t.Errorf("application settings %+v", as)
	}
	if ts := p.TimeoutSettings; ts == nil || aws.ToInt32(ts.DisconnectTimeoutInSeconds) != 900 || aws.ToInt32(ts.IdleDisconnectTimeoutInSeconds) != 900 ||
		aws.ToInt32(ts.MaxUserDurationInSeconds) != 54000 {
		t.Errorf("timeout settings %+v", ts)
	}
	wantCapacity(t, p, 3, 0, 0, 0)
	if tags := xTags(t, c, id); tags["team"] != "analytics" {
		t.Errorf("tags %v", tags)
	}

	_, err = c.StartWorkspacesPool(e.Ctx(), &workspaces.StartWorkspacesPoolInput{PoolId: aws.String(id)})
	xWant(t, "start while CREATING", err, "OperationInProgressException")
	e.Advance(9 * time.Minute)
	wantPoolState(t, e, id, types.WorkspacesPoolStateCreating)
	e.Advance(time.Minute)
	wantPoolState(t, e, id, types.WorkspacesPoolStateStopped)

	if _, err := c.StartWorkspacesPool(e.Ctx(), &workspaces.StartWorkspacesPoolInput{PoolId: aws.String(id)}); err != nil {
		t.Fatalf("StartWorkspacesPool: %v", err)
	}
	wantCapacity(t, wantPoolState(t, e, id, types.WorkspacesPoolStateStarting), 3, 0, 0, 0)
	e.Advance(10 * time.Minute)
	wantCapacity(t, wantPoolState(t, e, id, types.WorkspacesPoolStateRunning), 3, 3, 0, 3)
	_, err = c.StartWorkspacesPool(e.Ctx(), &workspaces.StartWorkspacesPoolInput{PoolId: aws.String(id)})
	xWant(t, "start a RUNNING pool", err, "InvalidResourceStateException")
	_, err = c.TerminateWorkspacesPool(e.Ctx(), &workspaces.TerminateWorkspacesPoolInput{PoolId: aws.String(id)})
	xWant(t, "terminate a RUNNING pool", err, "InvalidResourceStateException")

	// Updates: capacity and timeouts while RUNNING; the rest needs STOPPED.
	up, err := c.UpdateWorkspacesPool(e.Ctx(), &workspaces.UpdateWorkspacesPoolInput{
		PoolId: aws.String(id), Capacity: &types.Capacity{DesiredUserSessions: aws.Int32(5)},
		Description:         aws.String("Bigger pool"),
		TimeoutSettings:     &types.TimeoutSettings{DisconnectTimeoutInSeconds: aws.Int32(1800)},
		ApplicationSettings: &types.ApplicationSettingsRequest{Status: types.ApplicationSettingsStatusEnumEnabled, SettingsGroup: aws.String("analysts")},
	})
	if err != nil {
		t.Fatalf("UpdateWorkspacesPool: %v", err)
	}
	if p := up.WorkspacesPool; p.State != types.WorkspacesPoolStateUpdating || aws.ToString(p.Description) != "Bigger pool" {
		t.Errorf("updated pool %+v", p)
	}
	_, err = c.StopWorkspacesPool(e.Ctx(), &workspaces.StopWorkspacesPoolInput{PoolId: aws.String(id)})
	xWant(t, "stop while UPDATING", err, "OperationInProgressException")
	e.Advance(5 * time.Minute)
	p = wantPoolState(t, e, id, types.WorkspacesPoolStateRunning)
	wantCapacity(t, p, 5, 5, 0, 5)
	if aws.ToInt32(p.TimeoutSettings.DisconnectTimeoutInSeconds) != 1800 || aws.ToInt32(p.TimeoutSettings.IdleDisconnectTimeoutInSeconds) != 900 ||
		p.ApplicationSettings.Status != types.ApplicationSettingsStatusEnumEnabled || aws.ToString(p.ApplicationSettings.SettingsGroup) != "analysts" ||
		aws.ToString(p.ApplicationSettings.S3BucketName) == "" {
		t.Errorf("after update %+v %+v", p.TimeoutSettings, p.ApplicationSettings)
	}
	for what, in := range map[string]*workspaces.UpdateWorkspacesPoolInput{
		"running mode": {PoolId: aws.String(id), RunningMode: types.PoolsRunningModeAlwaysOn},
		"bundle":       {PoolId: aws.String(id), BundleId: aws.String("wsb-6cbvhvv9f")},
		"directory":    {PoolId: aws.String(id), DirectoryId: aws.String("wsd-" + xHex(9))},
		"max duration": {PoolId: aws.String(id), TimeoutSettings: &types.TimeoutSettings{MaxUserDurationInSeconds: aws.Int32(7200)}},
	} {
		_, err := c.UpdateWorkspacesPool(e.Ctx(), in)
		xWant(t, "update the "+what+" while RUNNING", err, "InvalidResourceStateException")
	}

	if _, err := c.StopWorkspacesPool(e.Ctx(), &workspaces.StopWorkspacesPoolInput{PoolId: aws.String(id)}); err != nil {
		t.Fatalf("StopWorkspacesPool: %v", err)
	}
	wantPoolState(t, e, id, types.WorkspacesPoolStateStopping)
	e.Advance(5 * time.Minute)
	wantCapacity(t, wantPoolState(t, e, id, types.WorkspacesPoolStateStopped), 5, 0, 0, 0)
	_, err = c.StopWorkspacesPool(e.Ctx(), &workspaces.StopWorkspacesPoolInput{PoolId: aws.String(id)})
	xWant(t, "stop a STOPPED pool", err, "InvalidResourceStateException")

	if _, err := c.UpdateWorkspacesPool(e.Ctx(), &workspaces.UpdateWorkspacesPoolInput{
		PoolId: aws.String(id), RunningMode: types.PoolsRunningModeAlwaysOn, BundleId: aws.String("wsb-6cbvhvv9f"),
		TimeoutSettings: &types.TimeoutSettings{MaxUserDurationInSeconds: aws.Int32(7200)},
	}); err != nil {
		t.Fatalf("update a STOPPED pool: %v", err)
	}
	wantPoolState(t, e, id, types.WorkspacesPoolStateUpdating)
	e.Advance(5 * time.Minute)
	p = wantPoolState(t, e, id, types.WorkspacesPoolStateStopped)
	if p.RunningMode != types.PoolsRunningModeAlwaysOn || aws.ToString(p.BundleId) != "wsb-6cbvhvv9f" || aws.ToInt32(p.TimeoutSettings.MaxUserDurationInSeconds) != 7200 {
		t.Errorf("after updating a STOPPED pool %+v", p)
	}

	if _, err := c.TerminateWorkspacesPool(e.Ctx(), &workspaces.TerminateWorkspacesPoolInput{PoolId: aws.String(id)}); err != nil {
		t.Fatalf("TerminateWorkspacesPool: %v", err)
	}
	wantPoolState(t, e, id, types.WorkspacesPoolStateDeleting)
	e.Advance(5 * time.Minute)
	if _, ok := describePool(t, e, id); ok {
		t.Errorf("pool %s still described after termination", id)
	}
	_, err = c.DescribeTags(e.Ctx(), &workspaces.DescribeTagsInput{ResourceId: aws.String(id)})
	xWant(t, "tags of a terminated pool", err, "ResourceNotFoundException")
	_, err = c.DescribeWorkspacesPoolSessions(e.Ctx(), &workspaces.DescribeWorkspacesPoolSessionsInput{PoolId: aws.String(id)})
	xWant(t, "sessions of a terminated pool", err, "ResourceNotFoundException")
}

func TestPoolSessions(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(apptest.AccountA)
	dir := xPoolDirectory(t, e, apptest.AccountA)
	id := mustPool(t, e, dir, "sessions")
	if status, raw := startSession(t, e, id, "alice"); status != 409 {
		t.Errorf("session on a STOPPED pool: %d %s", status, raw)
	}
	if _, err := c.StartWorkspacesPool(e.Ctx(), &workspaces.StartWorkspacesPoolInput{PoolId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	e.Advance(time.Hour)
	wantCapacity(t, wantPoolState(t, e, id, types.WorkspacesPoolStateRunning), 3, 3, 0, 3)

	// Sessions take the pool's user sessions.
	var sessions []string
	for _, user := range []string{"alice", "bob", "alice"} {
		status, raw := startSession(t, e, id, user)
		s := poolSession(t, raw)
		if status != 200 || aws.ToString(s.PoolId) != id || aws.ToString(s.UserId) != user {
			t.Fatalf("session for %s: %d %s", user, status, raw)
		}
		sessions = append(sessions, aws.ToString(s.SessionId))
	}
	if status, _ := startSession(t, e, id, "carol"); status != 409 {
		t.Errorf("session beyond capacity: %d", status)
	}
	wantCapacity(t, wantPoolState(t, e, id, types.WorkspacesPoolStateRunning), 3, 3, 3, 0)
	all := poolSessions(t, e, id, nil, 2)
	if len(all) != 3 || aws.ToString(all[0].SessionId) != sessions[0] || all[0].StartTime == nil || all[0].ExpirationTime == nil ||
		!all[0].ExpirationTime.Equal(all[0].StartTime.Add(54000*time.Second)) || all[0].AuthenticationType != types.AuthenticationTypeSaml ||
		all[0].ConnectionState != types.SessionConnectionStateConnected || all[0].NetworkAccessConfiguration == nil ||
		!regexp.MustCompile(`^10\.`).MatchString(aws.ToString(all[0].NetworkAccessConfiguration.EniPrivateIpAddress)) {
		t.Errorf("sessions %+v", all)
	}
	if alice := poolSessions(t, e, id, aws.String("alice"), 0); len(alice) != 2 {
		t.Errorf("alice's sessions %+v", alice)
	}
	if _, err := c.TerminateWorkspacesPoolSession(e.Ctx(), &workspaces.TerminateWorkspacesPoolSessionInput{SessionId: aws.String(sessions[1])}); err != nil {
		t.Fatalf("TerminateWorkspacesPoolSession: %v", err)
	}
	_, err := c.TerminateWorkspacesPoolSession(e.Ctx(), &workspaces.TerminateWorkspacesPoolSessionInput{SessionId: aws.String(sessions[1])})
	xWant(t, "terminate a session twice", err, "ResourceNotFoundException")
	wantCapacity(t, wantPoolState(t, e, id, types.WorkspacesPoolStateRunning), 3, 3, 2, 1)

	// Stopping the pool ends its sessions.
	if _, err := c.StopWorkspacesPool(e.Ctx(), &workspaces.StopWorkspacesPoolInput{PoolId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	e.Advance(time.Hour)
	if s := poolSessions(t, e, id, nil, 0); len(s) != 0 {
		t.Errorf("sessions of a stopped pool %+v", s)
	}
	_, err = c.TerminateWorkspacesPoolSession(e.Ctx(), &workspaces.TerminateWorkspacesPoolSessionInput{SessionId: aws.String(sessions[0])})
	xWant(t, "terminate a session of a stopped pool", err, "ResourceNotFoundException")
	if status, _ := xControl(t, e, "POST", "pools/wspool-abcdefghi/sessions", map[string]any{"account": apptest.AccountA, "region": apptest.Region, "userId": "al"}); status != 404 {
		t.Errorf("session on an unknown pool: %d", status)
	}
	if status, _ := xControl(t, e, "POST", "pools/"+id+"/sessions", map[string]any{"account": "1", "region": apptest.Region, "userId": "al"}); status != 400 {
		t.Errorf("session with a bad account: %d", status)
	}
}

func TestPoolErrors(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Config: func(c *app.Config) { c.QuotaPools = 2 }})
	c := e.WS(apptest.AccountA)
	dir := xPoolDirectory(t, e, apptest.AccountA)
	personal := xDirectory(t, e, apptest.AccountA)
	create := func(name string, edit func(*workspaces.CreateWorkspacesPoolInput)) error {
		_, err := createPool(e, apptest.AccountA, dir, name, edit)
		return err
	}
	xWant(t, "unknown directory", create("a", func(in *workspaces.CreateWorkspacesPoolInput) { in.DirectoryId = aws.String("wsd-abcdefghi") }), "ResourceNotFoundException")
	xWant(t, "another account's directory", func() error {
		_, err := createPool(e, apptest.AccountB, dir, "a", nil)
		return err
	}(), "ResourceNotFoundException")
	xWant(t, "personal directory", create("a", func(in *workspaces.CreateWorkspacesPoolInput) { in.DirectoryId = aws.String(personal) }), "InvalidParameterValuesException")
	xWant(t, "unknown bundle", create("a", func(in *workspaces.CreateWorkspacesPoolInput) { in.BundleId = aws.String("wsb-unknown99") }), "ResourceNotFoundException")
	xWant(t, "Linux bundle", create("a", func(in *workspaces.CreateWorkspacesPoolInput) { in.BundleId = aws.String(xBundleLinux) }), "OperationNotSupportedException")
	xWant(t, "idle over disconnect", create("a", func(in *workspaces.CreateWorkspacesPoolInput) {
		in.TimeoutSettings = &types.TimeoutSettings{DisconnectTimeoutInSeconds: aws.Int32(600), IdleDisconnectTimeoutInSeconds: aws.Int32(1200)}
	}), "InvalidParameterValuesException")
	xWant(t, "name pattern", create("-bad name", nil), "ValidationException")
	xWant(t, "max duration range", create("a", func(in *workspaces.CreateWorkspacesPoolInput) {
		in.TimeoutSettings = &types.TimeoutSettings{MaxUserDurationInSeconds: aws.Int32(60)}
	}), "ValidationException")
	xWant(t, "negative capacity", create("a", func(in *workspaces.CreateWorkspacesPoolInput) { in.Capacity.DesiredUserSessions = aws.Int32(-1) }), "ValidationException")
	xWant(t, "unknown running mode", create("a", func(in *workspaces.CreateWorkspacesPoolInput) { in.RunningMode = "SOMETIMES" }), "ValidationException")
	xWant(t, "tag with reserved prefix", create("a", func(in *workspaces.CreateWorkspacesPoolInput) {
		in.Tags = []types.Tag{{Key: aws.String("aws:team"), Value: aws.String("x")}}
	}), "InvalidParameterValuesException")

	first := mustPool(t, e, dir, "first")
	xWant(t, "duplicate name", create("first", nil), "ResourceAlreadyExistsException")
	mustPool(t, e, dir, "second")
	xWant(t, "quota", create("third", nil), "ResourceLimitExceededException")
	// Another account has its own names and quota.
	otherDir := xPoolDirectory(t, e, apptest.AccountB)
	if _, err := createPool(e, apptest.AccountB, otherDir, "first", nil); err != nil {
		t.Errorf("same name in another account: %v", err)
	}

	unknown := "wspool-abcdefghi"
	_, err := c.StartWorkspacesPool(e.Ctx(), &workspaces.StartWorkspacesPoolInput{PoolId: aws.String(unknown)})
	xWant(t, "start unknown", err, "ResourceNotFoundException")
	_, err = c.StopWorkspacesPool(e.Ctx(), &workspaces.StopWorkspacesPoolInput{PoolId: aws.String(unknown)})
	xWant(t, "stop unknown", err, "ResourceNotFoundException")
	_, err = c.TerminateWorkspacesPool(e.Ctx(), &workspaces.TerminateWorkspacesPoolInput{PoolId: aws.String(unknown)})
	xWant(t, "terminate unknown", err, "ResourceNotFoundException")
	_, err = c.UpdateWorkspacesPool(e.Ctx(), &workspaces.UpdateWorkspacesPoolInput{PoolId: aws.String(unknown)})
	xWant(t, "update unknown", err, "ResourceNotFoundException")
	_, err = c.DescribeWorkspacesPoolSessions(e.Ctx(), &workspaces.DescribeWorkspacesPoolSessionsInput{PoolId: aws.String(unknown)})
	xWant(t, "sessions of unknown", err, "ResourceNotFoundException")
	_, err = c.StartWorkspacesPool(e.Ctx(), &workspaces.StartWorkspacesPoolInput{PoolId: aws.String("wspool-abc")})
	xWant(t, "pool id pattern", err, "ValidationException")
	_, err = c.TerminateWorkspacesPoolSession(e.Ctx(), &workspaces.TerminateWorkspacesPoolSessionInput{SessionId: aws.String("0f8fad5b-d9cb-469f-a165-70867728950e")})
	xWant(t, "unknown session", err, "ResourceNotFoundException")
	_, err = c.DescribeWorkspacesPoolSessions(e.Ctx(), &workspaces.DescribeWorkspacesPoolSessionsInput{PoolId: aws.String(first), Limit: aws.Int32(51)})
	xWant(t, "session Limit 51", err, "ValidationException")
	_, err = c.UpdateWorkspacesPool(e.Ctx(), &workspaces.UpdateWorkspacesPoolInput{PoolId: aws.String(first), DirectoryId: aws.String(personal)})
	xWant(t, "update to a personal directory", err, "InvalidParameterValuesException")
	_, err = c.UpdateWorkspacesPool(e.Ctx(), &workspaces.UpdateWorkspacesPoolInput{PoolId: aws.String(first), BundleId: aws.String("wsb-unknown99")})
	xWant(t, "update to an unknown bundle", err, "ResourceNotFoundException")

	// A terminated pool frees its name and its place in the quota.
	e.SetTiming("realistic")
	if _, err := c.TerminateWorkspacesPool(e.Ctx(), &workspaces.TerminateWorkspacesPoolInput{PoolId: aws.String(first)}); err != nil {
		t.Fatal(err)
	}
	xWant(t, "name of a DELETING pool", create("first", nil), "ResourceAlreadyExistsException")
	e.Advance(time.Hour)
	if err := create("first", nil); err != nil {
		t.Errorf("name of a terminated pool: %v", err)
	}
}

func TestPoolDescribeFiltersAndPages(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(apptest.AccountA)
	dir := xPoolDirectory(t, e, apptest.AccountA)
	names := []string{"sales-emea", "sales-us", "engineering", "support"}
	ids := map[string]string{}
	var order []string
	for _, n := range names {
		ids[n] = mustPool(t, e, dir, n)
		order = append(order, ids[n])
	}
	filter := func(op types.DescribeWorkspacesPoolsFilterOperator, values ...string) []string {
		t.Helper()
		out, err := c.DescribeWorkspacesPools(e.Ctx(), &workspaces.DescribeWorkspacesPoolsInput{Filters: []types.DescribeWorkspacesPoolsFilter{{
			Name: types.DescribeWorkspacesPoolsFilterNamePoolname, Operator: op, Values: values}}})
		if err != nil {
			t.Fatalf("filter %s %v: %v", op, values, err)
		}
		var got []string
		for _, p := range out.WorkspacesPools {
			got = append(got, aws.ToString(p.PoolName))
		}
		return got
	}
	for _, tc := range []struct {
		op     types.DescribeWorkspacesPoolsFilterOperator
		values []string
		want   []string
	}{
		{types.DescribeWorkspacesPoolsFilterOperatorEquals, []string{"support", "engineering"}, []string{"engineering", "support"}},
		{types.DescribeWorkspacesPoolsFilterOperatorNotequals, []string{"support"}, []string{"sales-emea", "sales-us", "engineering"}},
		{types.DescribeWorkspacesPoolsFilterOperatorContains, []string{"sales"}, []string{"sales-emea", "sales-us"}},
		{types.DescribeWorkspacesPoolsFilterOperatorNotcontains, []string{"sales", "port"}, []string{"engineering"}},
	} {
		if got := filter(tc.op, tc.values...); !slices.Equal(got, tc.want) {
			t.Errorf("%s %v: %v, want %v", tc.op, tc.values, got, tc.want)
		}
	}
	out, err := c.DescribeWorkspacesPools(e.Ctx(), &workspaces.DescribeWorkspacesPoolsInput{PoolIds: []string{ids["support"], "wspool-abcdefghi"}})
	if err != nil || len(out.WorkspacesPools) != 1 || aws.ToString(out.WorkspacesPools[0].PoolId) != ids["support"] {
		t.Errorf("by id %+v %v", out, err)
	}
	var paged []string
	in := &workspaces.DescribeWorkspacesPoolsInput{Limit: aws.Int32(3)}
	for pages := 0; ; pages++ {
		out, err := c.DescribeWorkspacesPools(e.Ctx(), in)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.WorkspacesPools {
			paged = append(paged, aws.ToString(p.PoolId))
		}
		if out.NextToken == nil {
			if pages != 1 {
				t.Errorf("%d pages", pages+1)
			}
			break
		}
		in.NextToken = out.NextToken
	}
	if !slices.Equal(paged, order) {
		t.Errorf("paged %v, want %v", paged, order)
	}
	_, err = c.DescribeWorkspacesPools(e.Ctx(), &workspaces.DescribeWorkspacesPoolsInput{NextToken: aws.String("bogus")})
	xWant(t, "bad token", err, "InvalidParameterValuesException")
	_, err = c.DescribeWorkspacesPools(e.Ctx(), &workspaces.DescribeWorkspacesPoolsInput{Filters: []types.DescribeWorkspacesPoolsFilter{{
		Name: types.DescribeWorkspacesPoolsFilterNamePoolname, Operator: "LIKE", Values: []string{"x"}}}})
	xWant(t, "unknown filter operator", err, "ValidationException")

	// Pools are taggable by id.
	if _, err := c.CreateTags(e.Ctx(), &workspaces.CreateTagsInput{ResourceId: aws.String(ids["support"]),
		Tags: []types.Tag{{Key: aws.String("cost-center"), Value: aws.String("42")}}}); err != nil {
		t.Fatalf("CreateTags on a pool: %v", err)
	}
	if tags := xTags(t, c, ids["support"]); tags["cost-center"] != "42" {
		t.Errorf("pool tags %v", tags)
	}
}

func TestPoolTransitionFault(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(apptest.AccountA)
	dir := xPoolDirectory(t, e, apptest.AccountA)
	id := mustPool(t, e, dir, "faulty")
	e.Control("POST", "faults/transitions", map[string]any{"kind": "pool", "resourceId": id, "state": "STOPPED",
		"errorCode": "SUBNET_HAS_INSUFFICIENT_IP_ADDRESSES", "errorMessage": "The subnet has too few free addresses."}, nil)
	if _, err := c.StartWorkspacesPool(e.Ctx(), &workspaces.StartWorkspacesPoolInput{PoolId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	e.Advance(time.Hour)
	p := wantPoolState(t, e, id, types.WorkspacesPoolStateStopped)
	if len(p.Errors) != 1 || p.Errors[0].ErrorCode != types.WorkspacesPoolErrorCodeSubnetHasInsufficientIpAddresses ||
		aws.ToString(p.Errors[0].ErrorMessage) != "The subnet has too few free addresses." {
		t.Errorf("pool errors %+v", p.Errors)
	}
	// The next start works and clears the errors.
	if _, err := c.StartWorkspacesPool(e.Ctx(), &workspaces.StartWorkspacesPoolInput{PoolId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	e.Advance(time.Hour)
	if p := wantPoolState(t, e, id, types.WorkspacesPoolStateRunning); len(p.Errors) != 0 {
		t.Errorf("errors after a good start %+v", p.Errors)
	}
}

func TestPoolStartWithoutDirectory(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(apptest.AccountA)
	dir := xPoolDirectory(t, e, apptest.AccountA)
	id := mustPool(t, e, dir, "orphan")
	xDeregister(t, e, apptest.AccountA, dir)
	if _, err := c.StartWorkspacesPool(e.Ctx(), &workspaces.StartWorkspacesPoolInput{PoolId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	e.Advance(time.Hour)
	p := wantPoolState(t, e, id, types.WorkspacesPoolStateStopped)
	if len(p.Errors) != 1 || p.Errors[0].ErrorCode != types.WorkspacesPoolErrorCodeDirectoryNotFound {
		t.Errorf("pool errors %+v", p.Errors)
	}
}
