package workspaces_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

func (f *wsFixture) migrate(id, bundle string) (*workspaces.MigrateWorkspaceOutput, error) {
	return f.c.MigrateWorkspace(f.ctx, &workspaces.MigrateWorkspaceInput{SourceWorkspaceId: aws.String(id), BundleId: aws.String(bundle)})
}

func (f *wsFixture) tags(id string) []types.Tag {
	f.t.Helper()
	out, err := f.c.DescribeTags(f.ctx, &workspaces.DescribeTagsInput{ResourceId: aws.String(id)})
	if err != nil {
		f.t.Fatalf("DescribeTags %s: %v", id, err)
	}
	return out.TagList
}

func tagString(tags []types.Tag) string {
	s := ""
	for _, t := range tags {
		s += aws.ToString(t.Key) + "=" + aws.ToString(t.Value) + ";"
	}
	return s
}

func TestWorkspaceMigrate(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	std := f.standard()
	target := f.bundle(types.ComputePerformance, "Windows 10 (Server 2022 based)")
	r := f.req("alice", std)
	r.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}
	r.WorkspaceProperties = &types.WorkspaceProperties{RunningMode: types.RunningModeAutoStop, RunningModeAutoStopTimeoutInMinutes: aws.Int32(120)}
	src := f.launch(r)

	_, err := f.migrate(src, target)
	wsWantErr(t, "migrate without a snapshot", err, "ResourceUnavailableException")
	f.e.Advance(time.Hour)
	_, err = f.migrate(src, std)
	wsWantErr(t, "migrate to the same bundle", err, "OperationNotSupportedException")
	_, err = f.migrate(src, "wsb-000000000")
	wsWantErr(t, "migrate to an unknown bundle", err, "ResourceNotFoundException")
	_, err = f.migrate("ws-000000000", target)
	wsWantErr(t, "migrate an unknown WorkSpace", err, "ResourceNotFoundException")
	_, err = f.migrate(src, f.bundle(types.ComputePerformance, "Windows 7"))
	wsWantErr(t, "migrate to Windows 7", err, "OperationNotSupportedException")

	f.e.SetTiming("fast")
	out, err := f.migrate(src, target)
	if err != nil {
		t.Fatal(err)
	}
	dst := aws.ToString(out.TargetWorkspaceId)
	if aws.ToString(out.SourceWorkspaceId) != src || dst == "" || dst == src {
		t.Fatalf("migrate output %+v", out)
	}
	w := f.must(dst)
	if w.State != types.WorkspaceStatePending || aws.ToString(w.BundleId) != target || aws.ToString(w.UserName) != "alice" ||
		w.WorkspaceProperties.RunningMode != types.RunningModeAutoStop || aws.ToInt32(w.WorkspaceProperties.RunningModeAutoStopTimeoutInMinutes) != 120 {
		t.Fatalf("target %+v", w)
	}
	if got := tagString(f.tags(dst)); got != "team=blue;" {
		t.Fatalf("target tags %q", got)
	}
	f.wantState(src, types.WorkspaceStateAvailable)
	_, err = f.migrate(src, f.bundle(types.ComputeValue, "Windows 10 (Server 2019 based)"))
	wsWantErr(t, "second migration", err, "OperationInProgressException")

	f.e.Advance(3 * time.Second)
	w = f.must(dst)
	p := w.WorkspaceProperties
	if w.State != types.WorkspaceStateAvailable || p.ComputeTypeName != types.ComputePerformance ||
		aws.ToInt32(p.RootVolumeSizeGib) != 80 || aws.ToInt32(p.UserVolumeSizeGib) != 100 ||
		p.OperatingSystemName != types.OperatingSystemNameWindowsServer2022 || w.IpAddress == nil || w.ComputerName == nil {
		t.Fatalf("target after migration %s %+v", w.State, p)
	}
	f.wantState(src, types.WorkspaceStateTerminated)
	f.e.Advance(2 * time.Second)
	f.wantGone(src)
	// The user's WorkSpace is now the target.
	res, err := f.create(f.req("alice", std))
	if err != nil || len(res.FailedRequests) != 1 || aws.ToString(res.FailedRequests[0].ErrorCode) != "ResourceExists.WorkSpace" {
		t.Fatalf("create for the migrated user: %+v %v", res, err)
	}

	// A failed migration leaves the source as it was and the target goes.
	f.e.SetTiming("instant")
	bob := f.launch(f.req("bob", std))
	f.e.Advance(time.Hour)
	f.e.SetTiming("fast")
	out, err = f.migrate(bob, target)
	if err != nil {
		t.Fatal(err)
	}
	f.e.Control("POST", "faults/transitions", map[string]any{"kind": "workspace", "resourceId": aws.ToString(out.TargetWorkspaceId), "state": "ERROR"}, nil)
	f.e.Advance(3 * time.Second)
	f.wantState(bob, types.WorkspaceStateAvailable)
	f.wantState(aws.ToString(out.TargetWorkspaceId), types.WorkspaceStateTerminated)
	f.e.Advance(2 * time.Second)
	f.wantGone(aws.ToString(out.TargetWorkspaceId))
	if _, err := f.migrate(bob, target); err != nil {
		t.Fatalf("migrate again after a failure: %v", err)
	}
}

func TestWorkspaceTags(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	r := f.req("alice", f.standard())
	r.Tags = []types.Tag{{Key: aws.String("b"), Value: aws.String("1")}, {Key: aws.String("a"), Value: aws.String("")}}
	id := f.launch(r)
	if got := tagString(f.tags(id)); got != "b=1;a=;" {
		t.Fatalf("create-time tags %q", got)
	}
	tag := func(kv ...string) []types.Tag {
		var out []types.Tag
		for i := 0; i < len(kv); i += 2 {
			out = append(out, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
		}
		return out
	}
	create := func(id string, tags []types.Tag) error {
		_, err := f.c.CreateTags(f.ctx, &workspaces.CreateTagsInput{ResourceId: aws.String(id), Tags: tags})
		return err
	}
	del := func(id string, keys ...string) error {
		_, err := f.c.DeleteTags(f.ctx, &workspaces.DeleteTagsInput{ResourceId: aws.String(id), TagKeys: keys})
		return err
	}
	// Overwrite keeps the key's place; new keys go last.
	if err := create(id, tag("a", "x", "Owner", "me@example.com", "path", "/a/b c+d=e:f")); err != nil {
		t.Fatal(err)
	}
	if got := tagString(f.tags(id)); got != "b=1;a=x;Owner=me@example.com;path=/a/b c+d=e:f;" {
		t.Fatalf("after CreateTags %q", got)
	}
	// Keys are case-sensitive; deleting a missing key is ignored.
	if err := del(id, "owner", "b", "nope"); err != nil {
		t.Fatal(err)
	}
	if got := tagString(f.tags(id)); got != "a=x;Owner=me@example.com;path=/a/b c+d=e:f;" {
		t.Fatalf("after DeleteTags %q", got)
	}
	if err := del(id, "a", "Owner", "path"); err != nil {
		t.Fatal(err)
	}
	if got := f.tags(id); got == nil || len(got) != 0 {
		t.Fatalf("no tags: %#v", got)
	}

	for _, c := range []struct {
		name string
		err  error
		code string
	}{
		{"reserved prefix", create(id, tag("aws:x", "1")), "InvalidParameterValuesException"},
		{"reserved prefix, other case", create(id, tag("AWS:x", "1")), "InvalidParameterValuesException"},
		{"bad character", create(id, tag("a#b", "1")), "InvalidParameterValuesException"},
		{"bad value character", create(id, tag("a", "x!")), "InvalidParameterValuesException"},
		{"tab in a key", create(id, tag("a\tb", "1")), "InvalidParameterValuesException"},
		{"line break in a value", create(id, tag("a", "x\ny")), "InvalidParameterValuesException"},
		{"key too long", create(id, tag(string(make([]byte, 128)), "1")), "ValidationException"},
		{"duplicate key", create(id, tag("k", "1", "k", "2")), "InvalidParameterValuesException"},
		{"delete reserved", del(id, "aws:x"), "InvalidParameterValuesException"},
		{"unknown WorkSpace", create("ws-000000000", tag("k", "v")), "ResourceNotFoundException"},
		{"delete on unknown WorkSpace", del("ws-000000000", "k"), "ResourceNotFoundException"},
	} {
		wsWantErr(t, c.name, c.err, c.code)
	}
	_, err := f.c.DescribeTags(f.ctx, &workspaces.DescribeTagsInput{ResourceId: aws.String("ws-000000000")})
	wsWantErr(t, "describe unknown", err, "ResourceNotFoundException")

	// At most 50 tags on a WorkSpace.
	var many []string
	for i := range 49 {
		many = append(many, "k"+string(rune('A'+i%26))+string(rune('a'+i/26)), "v")
	}
	if err := create(id, tag(many...)); err != nil {
		t.Fatal(err)
	}
	if err := create(id, tag("last", "1")); err != nil {
		t.Fatalf("50th tag: %v", err)
	}
	wsWantErr(t, "51st tag", create(id, tag("one-more", "1")), "ResourceLimitExceededException")
	if err := create(id, tag("last", "2")); err != nil {
		t.Fatalf("overwrite at 50: %v", err)
	}
	if n := len(f.tags(id)); n != 50 {
		t.Fatalf("%d tags", n)
	}
	// Tags of another account's WorkSpace are not found.
	other := workspaces.NewFromConfig(f.e.AWSConfig(apptest.AccountB, apptest.Region))
	_, err = other.DescribeTags(f.ctx, &workspaces.DescribeTagsInput{ResourceId: aws.String(id)})
	wsWantErr(t, "another account", err, "ResourceNotFoundException")
}

func TestWorkspaceStandby(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	primary := f.launch(f.req("alice", f.standard()))
	dir2, _ := f.directory(apptest.AccountA, apptest.Region2, true)
	c2 := workspaces.NewFromConfig(f.e.AWSConfig(apptest.AccountA, apptest.Region2))
	create := func(primaryRegion string, sw ...types.StandbyWorkspace) (*workspaces.CreateStandbyWorkspacesOutput, error) {
		return c2.CreateStandbyWorkspaces(f.ctx, &workspaces.CreateStandbyWorkspacesInput{PrimaryRegion: aws.String(primaryRegion), StandbyWorkspaces: sw})
	}
	_, err := create(apptest.Region2, types.StandbyWorkspace{PrimaryWorkspaceId: aws.String(primary), DirectoryId: aws.String(dir2)})
	wsWantErr(t, "standby in the primary's Region", err, "InvalidParameterValuesException")

	f.e.SetTiming("fast")
	out, err := create(apptest.Region,
		types.StandbyWorkspace{PrimaryWorkspaceId: aws.String(primary), DirectoryId: aws.String(dir2), DataReplication: types.DataReplicationPrimaryAsSource,
			Tags: []types.Tag{{Key: aws.String("role"), Value: aws.String("standby")}}},
		types.StandbyWorkspace{PrimaryWorkspaceId: aws.String("ws-000000000"), DirectoryId: aws.String(dir2)},
		types.StandbyWorkspace{PrimaryWorkspaceId: aws.String(primary), DirectoryId: aws.String("d-0123456789")},
	)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.PendingStandbyRequests) != 1 || len(out.FailedStandbyRequests) != 2 ||
		aws.ToString(out.FailedStandbyRequests[0].ErrorCode) != "ResourceNotFound.Workspace" ||
		aws.ToString(out.FailedStandbyRequests[1].ErrorCode) != "ResourceExists.WorkSpace" {
		t.Fatalf("standby result %+v", out)
	}
	pr := out.PendingStandbyRequests[0]
	sb := aws.ToString(pr.WorkspaceId)
	if pr.State != types.WorkspaceStatePending || aws.ToString(pr.UserName) != "alice" || aws.ToString(pr.DirectoryId) != dir2 {
		t.Fatalf("pending standby %+v", pr)
	}
	f.e.Advance(2 * time.Second)
	d2, err := c2.DescribeWorkspaces(f.ctx, &workspaces.DescribeWorkspacesInput{WorkspaceIds: []string{sb}})
	if err != nil || len(d2.Workspaces) != 1 {
		t.Fatalf("describe standby: %v %v", d2, err)
	}
	s := d2.Workspaces[0]
	if s.State != types.WorkspaceStateStopped || len(s.RelatedWorkspaces) != 1 ||
		aws.ToString(s.RelatedWorkspaces[0].WorkspaceId) != primary || s.RelatedWorkspaces[0].Type != types.StandbyWorkspaceRelationshipTypePrimary ||
		aws.ToString(s.RelatedWorkspaces[0].Region) != apptest.Region || s.RelatedWorkspaces[0].State != types.WorkspaceStateAvailable ||
		s.DataReplicationSettings == nil || s.DataReplicationSettings.DataReplication != types.DataReplicationPrimaryAsSource {
		t.Fatalf("standby %+v", s)
	}
	p := f.must(primary)
	if len(p.RelatedWorkspaces) != 1 || aws.ToString(p.RelatedWorkspaces[0].WorkspaceId) != sb || p.RelatedWorkspaces[0].Type != types.StandbyWorkspaceRelationshipTypeStandby ||
		len(p.StandbyWorkspacesProperties) != 1 || aws.ToString(p.StandbyWorkspacesProperties[0].StandbyWorkspaceId) != sb {
		t.Fatalf("primary %+v", p)
	}
	// Data replication is modified on the primary.
	if _, err := f.c.ModifyWorkspaceProperties(f.ctx, &workspaces.ModifyWorkspacePropertiesInput{WorkspaceId: aws.String(primary), DataReplication: types.DataReplicationNoReplication}); err != nil {
		t.Fatal(err)
	}
	if p := f.must(primary); p.StandbyWorkspacesProperties[0].DataReplication != types.DataReplicationNoReplication {
		t.Fatalf("after modify %+v", p.StandbyWorkspacesProperties)
	}
	other := f.launch(f.req("bob", f.standard()))
	_, err = f.c.ModifyWorkspaceProperties(f.ctx, &workspaces.ModifyWorkspacePropertiesInput{WorkspaceId: aws.String(other), DataReplication: types.DataReplicationPrimaryAsSource})
	wsWantErr(t, "data replication without a standby", err, "InvalidParameterValuesException")

	// Terminating the standby unlinks it.
	if _, err := c2.TerminateWorkspaces(f.ctx, &workspaces.TerminateWorkspacesInput{TerminateWorkspaceRequests: []types.TerminateRequest{{WorkspaceId: aws.String(sb)}}}); err != nil {
		t.Fatal(err)
	}
	f.e.Advance(time.Minute)
	if p := f.must(primary); len(p.RelatedWorkspaces) != 0 || len(p.StandbyWorkspacesProperties) != 0 {
		t.Fatalf("primary after the standby went: %+v", p)
	}
}
