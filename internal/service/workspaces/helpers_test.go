package workspaces_test

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"
	"github.com/aws/smithy-go"

	"github.com/deskplane/deskplane/internal/apptest"
)

// Helpers of the WorkSpaces tests: a registered directory made through the
// real Directory Service and WorkSpaces APIs, AMAZON bundles looked up
// through DescribeWorkspaceBundles, and polling-style state checks.

type wsFixture struct {
	t   testing.TB
	e   *apptest.Env
	c   *workspaces.Client
	ctx context.Context
	// dir is a registered Simple AD directory in which every user name
	// exists (tag deskplane:any-user=true).
	dir     string
	subnets []string
	bundles []types.WorkspaceBundle
}

func newWSFixture(t testing.TB, o apptest.Options) *wsFixture {
	t.Helper()
	e := apptest.Start(t, o)
	f := &wsFixture{t: t, e: e, c: workspaces.NewFromConfig(e.AWSConfig(apptest.AccountA, apptest.Region)), ctx: e.Ctx()}
	f.dir, f.subnets = f.directory(apptest.AccountA, apptest.Region, true)
	return f
}

// directory creates a Simple AD directory, waits for it to be Active,
// registers it with WorkSpaces and waits for REGISTERED.
func (f *wsFixture) directory(account, region string, anyUser bool) (string, []string) {
	f.t.Helper()
	ds := directoryservice.NewFromConfig(f.e.AWSConfig(account, region))
	in := createDirectoryInput()
	subnets := in.VpcSettings.SubnetIds
	if anyUser {
		in.Tags = []dstypes.Tag{{Key: aws.String("deskplane:any-user"), Value: aws.String("true")}}
	}
	out, err := ds.CreateDirectory(f.ctx, in)
	if err != nil {
		f.t.Fatalf("CreateDirectory: %v", err)
	}
	f.e.Advance(time.Hour)
	ws := workspaces.NewFromConfig(f.e.AWSConfig(account, region))
	if _, err := ws.RegisterWorkspaceDirectory(f.ctx, &workspaces.RegisterWorkspaceDirectoryInput{
		DirectoryId: out.DirectoryId,
	}); err != nil {
		f.t.Fatalf("RegisterWorkspaceDirectory: %v", err)
	}
	f.e.Advance(time.Hour)
	return *out.DirectoryId, subnets
}

// createDirectoryInput is a Simple AD directory in two new subnets.
func createDirectoryInput() *directoryservice.CreateDirectoryInput {
	return &directoryservice.CreateDirectoryInput{
		Name:     aws.String("corp.example.com"),
		Password: aws.String("Passw0rd!"),
		Size:     dstypes.DirectorySizeSmall,
		VpcSettings: &dstypes.DirectoryVpcSettings{
			VpcId:     aws.String("vpc-" + randHex(17)),
			SubnetIds: []string{"subnet-" + randHex(17), "subnet-" + randHex(17)},
		},
	}
}

func randHex(n int) string {
	const hex = "0123456789abcdef"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = hex[b[i]&0x0f]
	}
	return string(b)
}

// bundle returns the id of an AMAZON bundle of the compute type whose
// operating system name starts with os.
func (f *wsFixture) bundle(compute types.Compute, os string) string {
	f.t.Helper()
	if f.bundles == nil {
		p := workspaces.NewDescribeWorkspaceBundlesPaginator(f.c, &workspaces.DescribeWorkspaceBundlesInput{Owner: aws.String("AMAZON")})
		for p.HasMorePages() {
			out, err := p.NextPage(f.ctx)
			if err != nil {
				f.t.Fatalf("DescribeWorkspaceBundles: %v", err)
			}
			f.bundles = append(f.bundles, out.Bundles...)
		}
	}
	for _, b := range f.bundles {
		if b.ComputeType != nil && b.ComputeType.Name == compute && strings.Contains(aws.ToString(b.Name), os) {
			return aws.ToString(b.BundleId)
		}
	}
	f.t.Fatalf("no AMAZON bundle with compute type %s and %q in its name", compute, os)
	return ""
}

// standard is a Standard Windows bundle (80 GB root, 50 GB user, PCoIP).
func (f *wsFixture) standard() string {
	return f.bundle(types.ComputeStandard, "Windows 10 (Server 2019 based)")
}

// allowCore allow-lists the fixture's account for WorkSpaces Core (the
// MANUAL running mode, user-decoupled WorkSpaces) in its Region.
func (f *wsFixture) allowCore(allowed bool) {
	f.t.Helper()
	f.e.Control("POST", "account-settings", map[string]any{"account": apptest.AccountA, "region": apptest.Region, "coreAllowListed": allowed}, nil)
}

func (f *wsFixture) req(user, bundle string) types.WorkspaceRequest {
	return types.WorkspaceRequest{DirectoryId: aws.String(f.dir), UserName: aws.String(user), BundleId: aws.String(bundle)}
}

func (f *wsFixture) create(reqs ...types.WorkspaceRequest) (*workspaces.CreateWorkspacesOutput, error) {
	return f.c.CreateWorkspaces(f.ctx, &workspaces.CreateWorkspacesInput{Workspaces: reqs})
}

// launch creates one WorkSpace and lets it become AVAILABLE.
func (f *wsFixture) launch(r types.WorkspaceRequest) string {
	f.t.Helper()
	out, err := f.create(r)
	if err != nil {
		f.t.Fatalf("CreateWorkspaces: %v", err)
	}
	if len(out.FailedRequests) > 0 {
		f.t.Fatalf("CreateWorkspaces failed: %s: %s", aws.ToString(out.FailedRequests[0].ErrorCode), aws.ToString(out.FailedRequests[0].ErrorMessage))
	}
	id := aws.ToString(out.PendingRequests[0].WorkspaceId)
	f.e.Advance(time.Minute)
	f.wantState(id, types.WorkspaceStateAvailable)
	return id
}

// get returns the WorkSpace, and false when DescribeWorkspaces no longer
// returns it.
func (f *wsFixture) get(id string) (types.Workspace, bool) {
	f.t.Helper()
	out, err := f.c.DescribeWorkspaces(f.ctx, &workspaces.DescribeWorkspacesInput{WorkspaceIds: []string{id}})
	if err != nil {
		f.t.Fatalf("DescribeWorkspaces: %v", err)
	}
	if len(out.Workspaces) == 0 {
		return types.Workspace{}, false
	}
	return out.Workspaces[0], true
}

func (f *wsFixture) must(id string) types.Workspace {
	f.t.Helper()
	w, ok := f.get(id)
	if !ok {
		f.t.Fatalf("WorkSpace %s is not described", id)
	}
	return w
}

func (f *wsFixture) wantState(id string, want types.WorkspaceState) {
	f.t.Helper()
	if got := f.must(id).State; got != want {
		f.t.Fatalf("WorkSpace %s is %s, want %s", id, got, want)
	}
}

func (f *wsFixture) wantGone(id string) {
	f.t.Helper()
	if w, ok := f.get(id); ok {
		f.t.Fatalf("WorkSpace %s is still described (%s)", id, w.State)
	}
}

// changeFailures returns the FailedRequests of a batch call as id → code.
func changeFailures(fs []types.FailedWorkspaceChangeRequest) map[string]string {
	m := make(map[string]string, len(fs))
	for _, x := range fs {
		m[aws.ToString(x.WorkspaceId)] = aws.ToString(x.ErrorCode)
	}
	return m
}

// wsWantErr checks the wire error code of err.
func wsWantErr(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apptest.ErrorCode(err); got != code {
		t.Fatalf("%s: error %q (%v), want %s", what, got, err, code)
	}
}

// wsErrMessage returns the message of an API error.
func wsErrMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

func (f *wsFixture) start(ids ...string) map[string]string {
	f.t.Helper()
	in := &workspaces.StartWorkspacesInput{}
	for _, id := range ids {
		in.StartWorkspaceRequests = append(in.StartWorkspaceRequests, types.StartRequest{WorkspaceId: aws.String(id)})
	}
	out, err := f.c.StartWorkspaces(f.ctx, in)
	if err != nil {
		f.t.Fatalf("StartWorkspaces: %v", err)
	}
	return changeFailures(out.FailedRequests)
}

func (f *wsFixture) stop(ids ...string) map[string]string {
	f.t.Helper()
	in := &workspaces.StopWorkspacesInput{}
	for _, id := range ids {
		in.StopWorkspaceRequests = append(in.StopWorkspaceRequests, types.StopRequest{WorkspaceId: aws.String(id)})
	}
	out, err := f.c.StopWorkspaces(f.ctx, in)
	if err != nil {
		f.t.Fatalf("StopWorkspaces: %v", err)
	}
	return changeFailures(out.FailedRequests)
}

func (f *wsFixture) reboot(ids ...string) map[string]string {
	f.t.Helper()
	in := &workspaces.RebootWorkspacesInput{}
	for _, id := range ids {
		in.RebootWorkspaceRequests = append(in.RebootWorkspaceRequests, types.RebootRequest{WorkspaceId: aws.String(id)})
	}
	out, err := f.c.RebootWorkspaces(f.ctx, in)
	if err != nil {
		f.t.Fatalf("RebootWorkspaces: %v", err)
	}
	return changeFailures(out.FailedRequests)
}

func (f *wsFixture) rebuild(id string) (map[string]string, error) {
	out, err := f.c.RebuildWorkspaces(f.ctx, &workspaces.RebuildWorkspacesInput{
		RebuildWorkspaceRequests: []types.RebuildRequest{{WorkspaceId: aws.String(id)}},
	})
	if err != nil {
		return nil, err
	}
	return changeFailures(out.FailedRequests), nil
}

func (f *wsFixture) terminate(ids ...string) map[string]string {
	f.t.Helper()
	in := &workspaces.TerminateWorkspacesInput{}
	for _, id := range ids {
		in.TerminateWorkspaceRequests = append(in.TerminateWorkspaceRequests, types.TerminateRequest{WorkspaceId: aws.String(id)})
	}
	out, err := f.c.TerminateWorkspaces(f.ctx, in)
	if err != nil {
		f.t.Fatalf("TerminateWorkspaces: %v", err)
	}
	return changeFailures(out.FailedRequests)
}

func (f *wsFixture) modify(id string, p types.WorkspaceProperties) error {
	_, err := f.c.ModifyWorkspaceProperties(f.ctx, &workspaces.ModifyWorkspacePropertiesInput{WorkspaceId: aws.String(id), WorkspaceProperties: &p})
	return err
}

func (f *wsFixture) setState(id string, s types.TargetWorkspaceState) error {
	_, err := f.c.ModifyWorkspaceState(f.ctx, &workspaces.ModifyWorkspaceStateInput{WorkspaceId: aws.String(id), WorkspaceState: s})
	return err
}
