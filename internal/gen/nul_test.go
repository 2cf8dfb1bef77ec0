package main

// A NUL character in a string member must be refused by the generated
// validators with a 400 ValidationException naming the member, before it
// can reach a store (PostgreSQL refuses NUL in text and answered 500:
// issue 12, item 3). Checked end to end: the real app on PostgreSQL (the
// store that failed), the real WorkSpaces and Directory Service clients.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"
	smithygo "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/jackc/pgx/v5"

	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
)

// pgDSN creates a fresh schema and returns a DSN that uses it; it skips
// when PostgreSQL is unreachable, unless CI is set.
func pgDSN(t *testing.T) string {
	t.Helper()
	base := os.Getenv("DESKPLANE_TEST_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL unreachable in CI: %v", err)
		}
		t.Skipf("PostgreSQL unreachable (set DESKPLANE_TEST_POSTGRES): %v", err)
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("deskplane_gen_nul_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	return base + "&search_path=" + schema
}

func TestNULIsAValidationException(t *testing.T) {
	dsn := pgDSN(t)
	e := apptest.Start(t, apptest.Options{Config: func(c *app.Config) {
		c.InMemory = false
		c.Postgres = dsn
	}})
	ws, ds := e.WS(apptest.AccountA), e.DS(apptest.AccountA)
	ctx := context.Background()
	const nul = "Member must not contain null characters"
	for _, tc := range []struct {
		name string
		call func() error
		want string // the violation
	}{
		{"CreateWorkspaces UserName", func() error {
			_, err := ws.CreateWorkspaces(ctx, &workspaces.CreateWorkspacesInput{Workspaces: []types.WorkspaceRequest{
				{DirectoryId: aws.String("d-1234567890"), UserName: aws.String("alice"), BundleId: aws.String("wsb-12345678")},
				{DirectoryId: aws.String("d-1234567890"), UserName: aws.String("bob\x00"), BundleId: aws.String("wsb-12345678")}}})
			return err
		}, "Value 'bob\x00' at 'workspaces.2.member.userName' failed to satisfy constraint: " + nul},
		{"AssociateConnectionAlias ResourceId", func() error {
			_, err := ws.AssociateConnectionAlias(ctx, &workspaces.AssociateConnectionAliasInput{AliasId: aws.String("wsca-12345678"), ResourceId: aws.String("d-12\x0034567890")})
			return err
		}, "Value 'd-12\x0034567890' at 'resourceId' failed to satisfy constraint: " + nul},
		{"ModifyClientProperties ResourceId", func() error {
			_, err := ws.ModifyClientProperties(ctx, &workspaces.ModifyClientPropertiesInput{ResourceId: aws.String("\x00"), ClientProperties: &types.ClientProperties{}})
			return err
		}, "Value '\x00' at 'resourceId' failed to satisfy constraint: " + nul},
		{"DescribeClientProperties ResourceIds", func() error {
			_, err := ws.DescribeClientProperties(ctx, &workspaces.DescribeClientPropertiesInput{ResourceIds: []string{"d-1234567890", "d-1\x00"}})
			return err
		}, "Value 'd-1\x00' at 'resourceIds.2.member' failed to satisfy constraint: " + nul},
		{"GetAccountLink LinkId", func() error {
			_, err := ws.GetAccountLink(ctx, &workspaces.GetAccountLinkInput{LinkId: aws.String("link-\x00abcdefgh")})
			return err
		}, "Value 'link-\x00abcdefgh' at 'linkId' failed to satisfy constraint: " + nul},
		{"AcceptAccountLinkInvitation LinkId", func() error {
			_, err := ws.AcceptAccountLinkInvitation(ctx, &workspaces.AcceptAccountLinkInvitationInput{LinkId: aws.String("link-abcdefgh\x00")})
			return err
		}, "Value 'link-abcdefgh\x00' at 'linkId' failed to satisfy constraint: " + nul},
		{"RejectAccountLinkInvitation LinkId", func() error {
			_, err := ws.RejectAccountLinkInvitation(ctx, &workspaces.RejectAccountLinkInvitationInput{LinkId: aws.String("link-abc\x00defgh")})
			return err
		}, "Value 'link-abc\x00defgh' at 'linkId' failed to satisfy constraint: " + nul},
		{"DeleteAccountLinkInvitation LinkId", func() error {
			_, err := ws.DeleteAccountLinkInvitation(ctx, &workspaces.DeleteAccountLinkInvitationInput{LinkId: aws.String("link-abcd\x00efgh")})
			return err
		}, "Value 'link-abcd\x00efgh' at 'linkId' failed to satisfy constraint: " + nul},
		{"DescribeDirectories NextToken", func() error {
			_, err := ds.DescribeDirectories(ctx, &directoryservice.DescribeDirectoriesInput{NextToken: aws.String("t\x00")})
			return err
		}, "Value 't\x00' at 'nextToken' failed to satisfy constraint: " + nul},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var ae smithygo.APIError
			var re *smithyhttp.ResponseError
			if !errors.As(err, &ae) || !errors.As(err, &re) {
				t.Fatalf("error %T %v", err, err)
			}
			if ae.ErrorCode() != "ValidationException" || re.HTTPStatusCode() != http.StatusBadRequest ||
				ae.ErrorMessage() != "1 validation error detected: "+tc.want {
				t.Errorf("got %d %s: %q\nwant 400 ValidationException: %q", re.HTTPStatusCode(), ae.ErrorCode(), ae.ErrorMessage(), "1 validation error detected: "+tc.want)
			}
		})
	}
}
