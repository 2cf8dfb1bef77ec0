package network_test

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"

	"github.com/deskplane/deskplane/internal/apptest"
)

// The network family's tests run the real app (internal/apptest) on the
// store DESKPLANE_TEST_STORE names and talk to it with aws-sdk-go-v2.

const (
	acctA = apptest.AccountA
	acctB = apptest.AccountB
	reg2  = apptest.Region2
)

// wantCode fails the test unless err is the wire error code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apptest.ErrorCode(err); got != code {
		t.Fatalf("%s: error %q (%v), want %s", what, got, err, code)
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

func tagsOf(t *testing.T, c *workspaces.Client, id string) map[string]string {
	t.Helper()
	out, err := c.DescribeTags(t.Context(), &workspaces.DescribeTagsInput{ResourceId: aws.String(id)})
	if err != nil {
		t.Fatalf("DescribeTags(%s): %v", id, err)
	}
	m := make(map[string]string)
	for _, tg := range out.TagList {
		m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return m
}

// registeredDirectory makes a directory through the real Directory Service
// and WorkSpaces APIs (CreateDirectory, RegisterWorkspaceDirectory) and
// returns its id once it is REGISTERED.
func registeredDirectory(t *testing.T, e *apptest.Env, account string) string {
	t.Helper()
	id := registeringDirectory(t, e, account)
	e.Advance(time.Hour)
	return id
}

// registeringDirectory makes an Active Simple AD directory and registers
// it, leaving the registration to the timing profile (REGISTERING until the
// clock is advanced, under any profile but instant).
func registeringDirectory(t *testing.T, e *apptest.Env, account string) string {
	t.Helper()
	out, err := e.DS(account).CreateDirectory(e.Ctx(), &directoryservice.CreateDirectoryInput{
		Name:     aws.String("corp.example.com"),
		Password: aws.String("Passw0rd!"),
		Size:     dstypes.DirectorySizeSmall,
		VpcSettings: &dstypes.DirectoryVpcSettings{
			VpcId:     aws.String("vpc-" + randHex(17)),
			SubnetIds: []string{"subnet-" + randHex(17), "subnet-" + randHex(17)},
		},
	})
	if err != nil {
		t.Fatalf("CreateDirectory: %v", err)
	}
	e.Advance(time.Hour)
	if _, err := e.WS(account).RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: out.DirectoryId}); err != nil {
		t.Fatalf("RegisterWorkspaceDirectory: %v", err)
	}
	return aws.ToString(out.DirectoryId)
}
