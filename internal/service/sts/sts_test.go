package sts_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/identity"
	"github.com/deskplane/deskplane/internal/apptest"
)

func TestGetCallerIdentity(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	for _, tc := range []struct {
		account, region, arn string
	}{
		{apptest.AccountA, apptest.Region, "arn:aws:iam::000000000000:root"},
		{apptest.AccountB, apptest.Region2, "arn:aws:iam::111111111111:root"},
		{apptest.AccountC, "cn-north-1", "arn:aws-cn:iam::222222222222:root"},
	} {
		out, err := sts.NewFromConfig(e.AWSConfig(tc.account, tc.region)).GetCallerIdentity(e.Ctx(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("%s: %v", tc.account, err)
		}
		if aws.ToString(out.Account) != tc.account || aws.ToString(out.Arn) != tc.arn || aws.ToString(out.UserId) != tc.account {
			t.Errorf("GetCallerIdentity(%s) = %s %s %s", tc.account, aws.ToString(out.Account), aws.ToString(out.Arn), aws.ToString(out.UserId))
		}
	}
}

func TestGetSessionToken(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ctx := e.Ctx()
	start := e.App.Clock.Now().UTC().Truncate(time.Second)
	out, err := e.STS(apptest.AccountA).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(7200)})
	if err != nil {
		t.Fatal(err)
	}
	c := credsOf(out.Credentials)
	if !strings.HasPrefix(c.key, "ASIA") || len(c.key) != 20 || len(c.secret) != 40 || c.token == "" {
		t.Fatalf("credentials %+v", c)
	}
	// An account's root gets at most an hour.
	if exp := aws.ToTime(out.Credentials.Expiration); !exp.Equal(start.Add(time.Hour)) {
		t.Errorf("Expiration %v, want %v", exp, start.Add(time.Hour))
	}
	id, err := c.sts(e).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != "arn:aws:iam::000000000000:root" || aws.ToString(id.Account) != apptest.AccountA {
		t.Errorf("identity of the session %s %s", aws.ToString(id.Arn), aws.ToString(id.Account))
	}
	// The session acts as its account in WorkSpaces.
	if _, err := e.WS(apptest.AccountA).CreateIpGroup(ctx, &workspaces.CreateIpGroupInput{GroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	groups, err := c.ws(e).DescribeIpGroups(ctx, &workspaces.DescribeIpGroupsInput{})
	if err != nil || len(groups.Result) != 1 {
		t.Fatalf("DescribeIpGroups with the session: %v %v", groups, err)
	}
	// Session credentials cannot get more.
	_, err = c.sts(e).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if apptest.ErrorCode(err) != "AccessDenied" || status(err) != 403 {
		t.Errorf("GetSessionToken with session credentials: %v", err)
	}
	// No MFA device exists.
	_, err = e.STS(apptest.AccountA).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String("arn:aws:iam::000000000000:mfa/x"), TokenCode: aws.String("123456")})
	if apptest.ErrorCode(err) != "AccessDenied" {
		t.Errorf("MFA: %v", err)
	}

	// An hour later it has expired, in every protocol's words.
	e.Advance(time.Hour)
	_, err = c.sts(e).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if apptest.ErrorCode(err) != "ExpiredToken" || status(err) != 403 {
		t.Errorf("STS after expiry: %v", err)
	}
	_, err = c.ws(e).DescribeIpGroups(ctx, &workspaces.DescribeIpGroupsInput{})
	if apptest.ErrorCode(err) != "ExpiredTokenException" || status(err) != 400 {
		t.Errorf("WorkSpaces after expiry: %v", err)
	}
	// A day after it expired its record is gone: then the key is unknown.
	e.Advance(sts24h())
	_, err = c.sts(e).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if apptest.ErrorCode(err) != "InvalidClientTokenId" {
		t.Errorf("STS a day after expiry: %v", err)
	}
}

func sts24h() time.Duration { return 24 * time.Hour }

func TestAssumeRoleAcrossAccounts(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ctx := e.Ctx()
	// Account B's role trusts account A.
	createRole(t, e, apptest.AccountB, "deployer", trusting(apptest.AccountA))
	roleArn := "arn:aws:iam::111111111111:role/deployer"
	start := e.App.Clock.Now().UTC().Truncate(time.Second)
	out, err := e.STS(apptest.AccountA).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleArn), RoleSessionName: aws.String("ci-run"), DurationSeconds: aws.Int32(900), SourceIdentity: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	role, err := e.IAM(apptest.AccountB).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("deployer")})
	if err != nil {
		t.Fatal(err)
	}
	roleID := aws.ToString(role.Role.RoleId)
	if u := out.AssumedRoleUser; aws.ToString(u.Arn) != "arn:aws:sts::111111111111:assumed-role/deployer/ci-run" || aws.ToString(u.AssumedRoleId) != roleID+":ci-run" {
		t.Errorf("AssumedRoleUser %s %s", aws.ToString(u.Arn), aws.ToString(u.AssumedRoleId))
	}
	if aws.ToString(out.SourceIdentity) != "alice" || packedPolicySize(out) != nil || !aws.ToTime(out.Credentials.Expiration).Equal(start.Add(15*time.Minute)) {
		t.Errorf("output %v %v %v", aws.ToString(out.SourceIdentity), packedPolicySize(out), out.Credentials.Expiration)
	}
	// The role records its use.
	if lu := role.Role.RoleLastUsed; lu == nil || !aws.ToTime(lu.LastUsedDate).Equal(start) || aws.ToString(lu.Region) != apptest.Region {
		t.Errorf("RoleLastUsed %+v", lu)
	}
	c := credsOf(out.Credentials)
	id, err := c.sts(e).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Account) != apptest.AccountB || aws.ToString(id.Arn) != "arn:aws:sts::111111111111:assumed-role/deployer/ci-run" || aws.ToString(id.UserId) != roleID+":ci-run" {
		t.Errorf("identity %s %s %s", aws.ToString(id.Account), aws.ToString(id.Arn), aws.ToString(id.UserId))
	}
	// The credentials act in account B: B's IP group is visible, A's not.
	if _, err := e.WS(apptest.AccountB).CreateIpGroup(ctx, &workspaces.CreateIpGroupInput{GroupName: aws.String("b-group")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.WS(apptest.AccountA).CreateIpGroup(ctx, &workspaces.CreateIpGroupInput{GroupName: aws.String("a-group")}); err != nil {
		t.Fatal(err)
	}
	groups, err := c.ws(e).DescribeIpGroups(ctx, &workspaces.DescribeIpGroupsInput{})
	if err != nil || len(groups.Result) != 1 || aws.ToString(groups.Result[0].GroupName) != "b-group" {
		t.Fatalf("DescribeIpGroups as the role: %+v %v", groups, err)
	}
	// IAM with the role's credentials is account B's IAM.
	roles, err := iam.NewFromConfig(c.config(e)).ListRoles(ctx, &iam.ListRolesInput{})
	if err != nil || len(roles.Roles) != 1 || aws.ToString(roles.Roles[0].RoleName) != "deployer" {
		t.Fatalf("ListRoles as the role: %+v %v", roles, err)
	}
	// Role chaining: at most an hour.
	createRole(t, e, apptest.AccountC, "next", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/deployer"},"Action":"sts:AssumeRole"}]}`)
	_, err = c.sts(e).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/next"), RoleSessionName: aws.String("s2"), DurationSeconds: aws.Int32(3601)})
	if apptest.ErrorCode(err) != "ValidationError" || !strings.Contains(err.Error(), "role chaining") {
		t.Errorf("chained past an hour: %v", err)
	}
	chained := assume(t, c.sts(e), e, "arn:aws:iam::222222222222:role/next", "s2")
	if aws.ToString(chained.AssumedRoleUser.Arn) != "arn:aws:sts::222222222222:assumed-role/next/s2" {
		t.Errorf("chained %s", aws.ToString(chained.AssumedRoleUser.Arn))
	}
	// The role trusts deployer's sessions, not account B's root.
	_, err = e.STS(apptest.AccountB).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/next"), RoleSessionName: aws.String("s3")})
	if apptest.ErrorCode(err) != "AccessDenied" {
		t.Errorf("B's root into next: %v", err)
	}
}

func TestAssumeRoleRefusals(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ctx := e.Ctx()
	createRole(t, e, apptest.AccountB, "only-c", trusting(apptest.AccountC))
	createRole(t, e, apptest.AccountB, "service", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"workspaces.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	createRole(t, e, apptest.AccountB, "external", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"s3cret"}}}]}`)
	if _, err := e.IAM(apptest.AccountB).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("pathed"), Path: aws.String("/team/"),
		AssumeRolePolicyDocument: aws.String(trusting(apptest.AccountA))}); err != nil {
		t.Fatal(err)
	}
	a := e.STS(apptest.AccountA)
	denied := func(arn string) string {
		return "User: arn:aws:iam::000000000000:root is not authorized to perform: sts:AssumeRole on resource: " + arn
	}
	cases := []struct {
		name string
		in   sts.AssumeRoleInput
		code string
		msg  string
	}{
		{"no such role", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/nope")}, "AccessDenied", denied("arn:aws:iam::111111111111:role/nope")},
		{"role of an account nobody uses", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::999999999999:role/x")}, "AccessDenied", denied("arn:aws:iam::999999999999:role/x")},
		{"not trusted", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/only-c")}, "AccessDenied", denied("arn:aws:iam::111111111111:role/only-c")},
		{"service role", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/service")}, "AccessDenied", denied("arn:aws:iam::111111111111:role/service")},
		{"external id missing", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/external")}, "AccessDenied", denied("arn:aws:iam::111111111111:role/external")},
		{"external id wrong", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/external"), ExternalId: aws.String("guess")}, "AccessDenied", ""},
		{"wrong path", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/pathed")}, "AccessDenied", ""},
		{"longer than the role allows", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/team/pathed"), DurationSeconds: aws.Int32(7200)}, "ValidationError",
			"The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{"not a role ARN", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:user/someone")}, "ValidationError", ""},
		{"malformed session policy", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/team/pathed"), Policy: aws.String(`{"Statement":`)}, "MalformedPolicyDocument", "This policy contains invalid Json"},
		{"session policy too large", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/team/pathed"),
			Policy: aws.String(`{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("b", 2100) + `"}]}`)}, "PackedPolicyTooLarge", "Packed policy consumes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.RoleSessionName = aws.String("s1")
			_, err := a.AssumeRole(ctx, &in)
			if apptest.ErrorCode(err) != tc.code || tc.msg != "" && !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want %s %q", err, tc.code, tc.msg)
			}
		})
	}
	// The right external id, the right path, a session policy: granted.
	assume(t, a, e, "arn:aws:iam::111111111111:role/team/pathed", "s1")
	out, err := a.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/external"), RoleSessionName: aws.String("s1"), ExternalId: aws.String("s3cret"),
		Policy: aws.String(`{"Statement":[{"Effect":"Allow","Action":"workspaces:*","Resource":"*"}]}`), Tags: []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("x")}}})
	if err != nil {
		t.Fatal(err)
	}
	if p := aws.ToInt32(packedPolicySize(out)); p < 1 || p > 10 {
		t.Errorf("PackedPolicySize %d", p)
	}
}

// TestTemporaryCredentialsAttacks presents temporary credentials that must
// not work, to STS (awsQuery), WorkSpaces (AWS JSON) and EC2 (ec2Query).
func TestTemporaryCredentialsAttacks(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ctx := e.Ctx()
	createRole(t, e, apptest.AccountB, "victim", trusting(apptest.AccountA))
	good := credsOf(assume(t, e.STS(apptest.AccountA), e, "arn:aws:iam::111111111111:role/victim", "s1").Credentials)
	other := credsOf(assume(t, e.STS(apptest.AccountA), e, "arn:aws:iam::111111111111:role/victim", "t1").Credentials)
	flip := func(s string) string {
		b := []byte(s)
		if b[5] == 'A' {
			b[5] = 'B'
		} else {
			b[5] = 'A'
		}
		return string(b)
	}
	cases := []struct {
		name            string
		c               creds
		sts, ws         string
		stsSt, wsStatus int
	}{
		{"forged token", creds{good.key, good.secret, "AQ" + strings.Repeat("A", 42)}, "InvalidClientTokenId", "UnrecognizedClientException", 403, 400},
		{"altered token", creds{good.key, good.secret, flip(good.token)}, "InvalidClientTokenId", "UnrecognizedClientException", 403, 400},
		{"token of another key", creds{good.key, good.secret, other.token}, "InvalidClientTokenId", "UnrecognizedClientException", 403, 400},
		{"key with another key's secret", creds{good.key, other.secret, good.token}, "SignatureDoesNotMatch", "InvalidSignatureException", 403, 400},
		{"no token", creds{good.key, good.secret, ""}, "InvalidClientTokenId", "UnrecognizedClientException", 403, 400},
		{"made-up key", creds{"ASIAAAAAAAAAAAAAAAAA", good.secret, good.token}, "InvalidClientTokenId", "UnrecognizedClientException", 403, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.c.sts(e).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if apptest.ErrorCode(err) != tc.sts || status(err) != tc.stsSt {
				t.Errorf("STS: %v (status %d)", err, status(err))
			}
			_, err = tc.c.ws(e).DescribeIpGroups(ctx, &workspaces.DescribeIpGroupsInput{})
			if apptest.ErrorCode(err) != tc.ws || status(err) != tc.wsStatus {
				t.Errorf("WorkSpaces: %v (status %d)", err, status(err))
			}
		})
	}
	// Both sessions work, until the role is deleted.
	for _, c := range []creds{good, other} {
		if _, err := c.sts(e).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.IAM(apptest.AccountB).DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("victim")}); err != nil {
		t.Fatal(err)
	}
	_, err := good.sts(e).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if apptest.ErrorCode(err) != "InvalidClientTokenId" {
		t.Errorf("session of a deleted role: %v", err)
	}
	// A new role of the same name is another role: the old sessions stay dead.
	createRole(t, e, apptest.AccountB, "victim", trusting(apptest.AccountA))
	_, err = good.ws(e).DescribeIpGroups(ctx, &workspaces.DescribeIpGroupsInput{})
	if apptest.ErrorCode(err) != "UnrecognizedClientException" {
		t.Errorf("session of a deleted role, recreated: %v", err)
	}
	// An expired one, in each protocol.
	fresh := credsOf(assume(t, e.STS(apptest.AccountA), e, "arn:aws:iam::111111111111:role/victim", "u1").Credentials)
	e.Advance(time.Hour)
	_, err = fresh.sts(e).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if apptest.ErrorCode(err) != "ExpiredToken" || status(err) != 403 {
		t.Errorf("expired STS: %v", err)
	}
	_, err = fresh.ws(e).DescribeIpGroups(ctx, &workspaces.DescribeIpGroupsInput{})
	if apptest.ErrorCode(err) != "ExpiredTokenException" {
		t.Errorf("expired WorkSpaces: %v", err)
	}
}

// TestStoredSessionHoldsNoSecret reads the stored records as a reader of
// the database would: neither the secret nor the token is there.
func TestStoredSessionHoldsNoSecret(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	out, err := e.STS(apptest.AccountA).GetSessionToken(e.Ctx(), &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	c := credsOf(out.Credentials)
	var stored [][]byte
	err = e.App.Store.View(context.Background(), func(tx deskplane.Tx) error {
		for _, kind := range []deskplane.Kind{identity.KindSession, identity.KindSessionKey} {
			err := tx.List(deskplane.GlobalScope(), kind, 0, func(r deskplane.Record) bool {
				stored = append(stored, bytes.Clone(r.Data))
				return true
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 {
		t.Fatalf("%d records", len(stored))
	}
	for _, d := range stored {
		if bytes.Contains(d, []byte(c.secret)) || bytes.Contains(d, []byte(c.token)) {
			t.Fatalf("a stored record holds the secret or the token: %s", d)
		}
	}
	if !bytes.Contains(stored[0], []byte(c.key)) {
		t.Fatalf("the session record does not name its key: %s", stored[0])
	}
}

// TestSessionsAcrossNodes: credentials issued by one deskplane work on
// another that shares its store — after a restart on bolt, at the same
// time on PostgreSQL.
func TestSessionsAcrossNodes(t *testing.T) {
	switch apptest.StoreName(apptest.Options{}) {
	case "bolt":
		dir := t.TempDir()
		cfg := apptest.Options{Store: "bolt", Config: func(c *appConfig) { c.DataDir = dir }}
		first := apptest.Start(t, cfg)
		c := credsOf(mustSessionToken(t, first).Credentials)
		first.Stop()
		second := apptest.Start(t, cfg)
		if _, err := c.sts(second).GetCallerIdentity(second.Ctx(), &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatalf("after a restart: %v", err)
		}
	case "postgres":
		dsn := apptest.PostgresDSN(t)
		cfg := apptest.Options{Store: "postgres", Config: func(c *appConfig) { c.Postgres = dsn }}
		one, two := apptest.Start(t, cfg), apptest.Start(t, cfg)
		createRole(t, one, apptest.AccountB, "shared", trusting(apptest.AccountA))
		c := credsOf(assume(t, one.STS(apptest.AccountA), one, "arn:aws:iam::111111111111:role/shared", "s1").Credentials)
		id, err := c.sts(two).GetCallerIdentity(two.Ctx(), &sts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(id.Account) != apptest.AccountB {
			t.Fatalf("on the other node: %v %v", id, err)
		}
		// A role deleted through one node ends its sessions on the other.
		if _, err := two.IAM(apptest.AccountB).DeleteRole(two.Ctx(), &iam.DeleteRoleInput{RoleName: aws.String("shared")}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.sts(one).GetCallerIdentity(one.Ctx(), &sts.GetCallerIdentityInput{}); apptest.ErrorCode(err) != "InvalidClientTokenId" {
			t.Fatalf("deleted role's session on the first node: %v", err)
		}
	default:
		t.Skip("the memory store is one process's: run with DESKPLANE_TEST_STORE=bolt or postgres")
	}
}

func mustSessionToken(t *testing.T, e *apptest.Env) *sts.GetSessionTokenOutput {
	t.Helper()
	out, err := e.STS(apptest.AccountA).GetSessionToken(e.Ctx(), &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// packedPolicySize is the answer's PackedPolicySize, which the STS model
// deskplane serves has (newer SDKs mark it deprecated for
// SessionTokenUtilization, a member that model does not have).
func packedPolicySize(out *sts.AssumeRoleOutput) *int32 {
	//lint:ignore SA1019 the model deskplane serves answers PackedPolicySize
	return out.PackedPolicySize
}
