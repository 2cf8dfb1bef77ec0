package sts_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"

	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
)

type appConfig = app.Config

// trusting is a trust policy that lets the account's principals assume the
// role.
func trusting(account string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"}]}`
}

// createRole creates a role in the account with the trust policy.
func createRole(t *testing.T, e *apptest.Env, account, name, trust string) {
	t.Helper()
	_, err := e.IAM(account).CreateRole(e.Ctx(), &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatalf("CreateRole %s: %v", name, err)
	}
}

// creds are temporary credentials.
type creds struct{ key, secret, token string }

func credsOf(c *ststypes.Credentials) creds {
	return creds{aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)}
}

func (c creds) config(e *apptest.Env) aws.Config {
	return e.TempConfig(c.key, c.secret, c.token, apptest.Region)
}

func (c creds) sts(e *apptest.Env) *sts.Client { return sts.NewFromConfig(c.config(e)) }

func (c creds) ws(e *apptest.Env) *workspaces.Client { return workspaces.NewFromConfig(c.config(e)) }

// status is the HTTP status of an SDK error.
func status(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// assume assumes a role as the account and fails the test on error.
func assume(t *testing.T, c *sts.Client, e *apptest.Env, roleArn, session string) *sts.AssumeRoleOutput {
	t.Helper()
	out, err := c.AssumeRole(e.Ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(roleArn), RoleSessionName: aws.String(session)})
	if err != nil {
		t.Fatalf("AssumeRole %s: %v", roleArn, err)
	}
	return out
}
