package crashtest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	wstypes "github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
)

// status is the HTTP status of an SDK error (0 for nil or no answer).
func status(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// TestConcurrentWritersOnPostgresGetNo500 runs eight writers creating
// WorkSpaces in one directory at once on PostgreSQL: contention may make
// the server throttle, but it never answers 500 (issue 12 item 3;
// docs/decisions/0141-store-contention-is-throttling.md).
func TestConcurrentWritersOnPostgresGetNo500(t *testing.T) {
	if testing.Short() {
		t.Skip("a contention test")
	}
	e := apptest.Start(t, apptest.Options{Store: "postgres", Config: func(c *app.Config) {
		c.QuotaWorkspaces = 1_000_000
	}})
	dir := e.RegisteredDirectory(apptest.AccountA)
	bundle := e.AmazonBundle()
	ws := e.WS(apptest.AccountA)
	ctx := e.Ctx()
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				var reqs []wstypes.WorkspaceRequest
				for j := range 25 {
					reqs = append(reqs, wstypes.WorkspaceRequest{DirectoryId: aws.String(dir), BundleId: aws.String(bundle),
						UserName: aws.String(fmt.Sprintf("w%d-%d-%d", w, i, j))})
				}
				_, err := ws.CreateWorkspaces(ctx, &workspaces.CreateWorkspacesInput{Workspaces: reqs})
				mu.Lock()
				codes[fmt.Sprint(status(err), " ", apptest.ErrorCode(err))]++
				mu.Unlock()
				if s := status(err); s >= 500 {
					t.Errorf("writer %d: %d %v", w, s, err)
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("answers: %v", codes)
}

// TestNULInIdsIsAValidationErrorOnPostgres sends a NUL in each id field the
// review found reaching PostgreSQL (SQLSTATE 22021, a 500 then): each is a
// 400 ValidationException before the store (decision 0162).
func TestNULInIdsIsAValidationErrorOnPostgres(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Store: "postgres"})
	ws := e.WS(apptest.AccountA)
	ctx := e.Ctx()
	bad := "link-0123456789\x00"
	calls := map[string]func() error{
		"GetAccountLink.LinkId": func() error {
			_, err := ws.GetAccountLink(ctx, &workspaces.GetAccountLinkInput{LinkId: aws.String(bad)})
			return err
		},
		"AcceptAccountLinkInvitation.LinkId": func() error {
			_, err := ws.AcceptAccountLinkInvitation(ctx, &workspaces.AcceptAccountLinkInvitationInput{LinkId: aws.String(bad)})
			return err
		},
		"RejectAccountLinkInvitation.LinkId": func() error {
			_, err := ws.RejectAccountLinkInvitation(ctx, &workspaces.RejectAccountLinkInvitationInput{LinkId: aws.String(bad)})
			return err
		},
		"DeleteAccountLinkInvitation.LinkId": func() error {
			_, err := ws.DeleteAccountLinkInvitation(ctx, &workspaces.DeleteAccountLinkInvitationInput{LinkId: aws.String(bad)})
			return err
		},
		"AssociateConnectionAlias.ResourceId": func() error {
			_, err := ws.AssociateConnectionAlias(ctx, &workspaces.AssociateConnectionAliasInput{
				AliasId: aws.String("wsca-0123456789"), ResourceId: aws.String("d-0123456789\x00")})
			return err
		},
		"ModifyClientProperties.ResourceId": func() error {
			_, err := ws.ModifyClientProperties(ctx, &workspaces.ModifyClientPropertiesInput{
				ResourceId:       aws.String("d-0123456789\x00"),
				ClientProperties: &wstypes.ClientProperties{ReconnectEnabled: wstypes.ReconnectEnumEnabled}})
			return err
		},
		"DescribeClientProperties.ResourceIds": func() error {
			_, err := ws.DescribeClientProperties(ctx, &workspaces.DescribeClientPropertiesInput{ResourceIds: []string{"d-0123456789\x00"}})
			return err
		},
		"CreateWorkspaces.UserName": func() error {
			_, err := ws.CreateWorkspaces(ctx, &workspaces.CreateWorkspacesInput{Workspaces: []wstypes.WorkspaceRequest{{
				DirectoryId: aws.String("d-0123456789"), BundleId: aws.String("wsb-0123456789"), UserName: aws.String("bob\x00")}}})
			return err
		},
	}
	for name, call := range calls {
		err := call()
		if s, code := status(err), apptest.ErrorCode(err); s != 400 || code != "ValidationException" {
			t.Errorf("%s: %d %s (%v); want 400 ValidationException", name, s, code, err)
		}
	}
}
