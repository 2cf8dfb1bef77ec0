package images_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
)

// Helpers of the image and account tests.

func randID(prefix string, n int) string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

// wsc returns a WorkSpaces client of the account in the Region (with the
// request-body-owning transport of the WorkSpaces tests).
func wsc(e *apptest.Env, account, region string) *workspaces.Client {
	return workspaces.NewFromConfig(e.AWSConfig(account, region))
}

// launchWorkspace makes an AVAILABLE WorkSpace through the real APIs: the
// scope's registered directory (a Simple AD directory in which every user
// exists is created and registered when there is none), a Standard
// Windows 10 bundle unless edit says otherwise, and a fresh user name.
func launchWorkspace(t *testing.T, e *apptest.Env, account, region string, edit func(*types.WorkspaceRequest)) string {
	t.Helper()
	f := fixtureOf(t, e, account, region)
	req := f.req(randID("user", 6), f.standard())
	if edit != nil {
		edit(&req)
	}
	out, err := f.create(req)
	if err != nil {
		t.Fatalf("CreateWorkspaces: %v", err)
	}
	if len(out.FailedRequests) > 0 {
		t.Fatalf("CreateWorkspaces failed: %s: %s", aws.ToString(out.FailedRequests[0].ErrorCode), aws.ToString(out.FailedRequests[0].ErrorMessage))
	}
	id := aws.ToString(out.PendingRequests[0].WorkspaceId)
	e.Advance(25 * time.Minute) // creation takes 20 minutes in the realistic profile; AutoStop takes 60+

	f.wantState(id, types.WorkspaceStateAvailable)
	return id
}

// fixtureOf returns a WorkSpaces test fixture of the scope, on its
// registered directory (made when there is none).
func fixtureOf(t *testing.T, e *apptest.Env, account, region string) *wsFixture {
	t.Helper()
	f := &wsFixture{t: t, e: e, c: wsc(e, account, region), ctx: e.Ctx()}
	dirs, err := f.c.DescribeWorkspaceDirectories(f.ctx, &workspaces.DescribeWorkspaceDirectoriesInput{})
	if err != nil {
		t.Fatalf("DescribeWorkspaceDirectories: %v", err)
	}
	for _, d := range dirs.Directories {
		if d.State == types.WorkspaceDirectoryStateRegistered && d.Tenancy != types.TenancyDedicated {
			f.dir = aws.ToString(d.DirectoryId)
			break
		}
	}
	if f.dir == "" {
		f.dir, f.subnets = f.directory(account, region, true)
	}
	return f
}

// workspaceState is the WorkSpace's state as DescribeWorkspaces shows it.
func workspaceState(t *testing.T, e *apptest.Env, account, region, id string) types.WorkspaceState {
	t.Helper()
	f := &wsFixture{t: t, e: e, c: wsc(e, account, region), ctx: e.Ctx()}
	return f.must(id).State
}

// loadWorkspace reads a WorkSpace record.
func loadWorkspace(t *testing.T, e *apptest.Env, account, region, id string) deskplane.Workspace {
	t.Helper()
	var ws deskplane.Workspace
	key := deskplane.Key{Scope: deskplane.Scope{Account: account, Region: region}, Kind: deskplane.KindWorkspace, ID: id}
	if err := e.App.Store.View(context.Background(), func(tx deskplane.Tx) error {
		rec, err := tx.Get(key)
		if err != nil {
			return err
		}
		return json.Unmarshal(rec.Data, &ws)
	}); err != nil {
		t.Fatalf("loading WorkSpace %s: %v", id, err)
	}
	return ws
}

// newImage makes an image of account from a fresh WorkSpace in region and
// waits (on the service clock) until it is AVAILABLE.
func newImage(t *testing.T, e *apptest.Env, account, region, name string) string {
	t.Helper()
	wsID := launchWorkspace(t, e, account, region, nil)
	out, err := wsc(e, account, region).CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
		Name: aws.String(name), Description: aws.String("test image"), WorkspaceId: aws.String(wsID),
	})
	if err != nil {
		t.Fatalf("CreateWorkspaceImage: %v", err)
	}
	e.Advance(2 * time.Hour)
	if img := describeImage(t, wsc(e, account, region), *out.ImageId); img.State != types.WorkspaceImageStateAvailable {
		t.Fatalf("image %s is %s, want AVAILABLE", *out.ImageId, img.State)
	}
	return *out.ImageId
}

// describeImage describes one image by id; it fails the test when the
// caller cannot see it.
func describeImage(t *testing.T, c *workspaces.Client, id string) types.WorkspaceImage {
	t.Helper()
	out, err := c.DescribeWorkspaceImages(context.Background(), &workspaces.DescribeWorkspaceImagesInput{ImageIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeWorkspaceImages(%s): %v", id, err)
	}
	if len(out.Images) != 1 {
		t.Fatalf("DescribeWorkspaceImages(%s): %d images, want 1", id, len(out.Images))
	}
	return out.Images[0]
}

// imageIDs lists every image the client sees (all pages) with the filter.
func imageIDs(t *testing.T, c *workspaces.Client, typ types.ImageType, pageSize int32) []string {
	t.Helper()
	var ids []string
	in := &workspaces.DescribeWorkspaceImagesInput{ImageType: typ}
	if pageSize > 0 {
		in.MaxResults = aws.Int32(pageSize)
	}
	for range 100 {
		out, err := c.DescribeWorkspaceImages(context.Background(), in)
		if err != nil {
			t.Fatalf("DescribeWorkspaceImages: %v", err)
		}
		if pageSize > 0 && len(out.Images) > int(pageSize) {
			t.Fatalf("page of %d images, MaxResults %d", len(out.Images), pageSize)
		}
		for _, img := range out.Images {
			ids = append(ids, *img.ImageId)
		}
		if out.NextToken == nil {
			return ids
		}
		in.NextToken = out.NextToken
	}
	t.Fatal("DescribeWorkspaceImages: no last page after 100 pages")
	return nil
}

// wantCode fails the test unless err is the wire error code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apptest.ErrorCode(err); got != code {
		t.Fatalf("%s: error %q (%v), want %s", what, got, err, code)
	}
}

// wantReason checks the reason member of an OperationNotSupportedException.
func wantReason(t *testing.T, err error, reason string) {
	t.Helper()
	var ons *types.OperationNotSupportedException
	if !errors.As(err, &ons) {
		t.Fatalf("error %v is not an OperationNotSupportedException", err)
	}
	if aws.ToString(ons.Reason) != reason {
		t.Errorf("reason %q, want %q", aws.ToString(ons.Reason), reason)
	}
}

// enableBYOL enables BYOL for the account in region and completes it.
func enableBYOL(t *testing.T, e *apptest.Env, account, region, cidr string) {
	t.Helper()
	_, err := wsc(e, account, region).ModifyAccount(e.Ctx(), &workspaces.ModifyAccountInput{
		DedicatedTenancySupport:             types.DedicatedTenancySupportEnumEnabled,
		DedicatedTenancyManagementCidrRange: aws.String(cidr),
	})
	if err != nil {
		t.Fatalf("ModifyAccount: %v", err)
	}
	e.Advance(4 * time.Hour)
	out, err := wsc(e, account, region).DescribeAccount(e.Ctx(), &workspaces.DescribeAccountInput{})
	if err != nil {
		t.Fatal(err)
	}
	if out.DedicatedTenancySupport != types.DedicatedTenancySupportResultEnumEnabled {
		t.Fatalf("DedicatedTenancySupport %s after enabling", out.DedicatedTenancySupport)
	}
}

func tagsOf(t *testing.T, c *workspaces.Client, id string) map[string]string {
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
