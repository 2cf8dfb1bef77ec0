package iam_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/deskplane/deskplane/internal/apptest"
)

const workspacesTrust = `{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"Service": "workspaces.amazonaws.com"}, "Action": "sts:AssumeRole"}]
}`

const (
	serviceAccess     = "arn:aws:iam::aws:policy/AmazonWorkSpacesServiceAccess"
	selfServiceAccess = "arn:aws:iam::aws:policy/AmazonWorkSpacesSelfServiceAccess"
)

func status(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// decoded URL-decodes a policy document as the Terraform provider does and
// compacts it.
func decoded(t *testing.T, doc *string) string {
	t.Helper()
	s, err := url.QueryUnescape(aws.ToString(doc))
	if err != nil {
		t.Fatalf("document %q is not URL-encoded: %v", aws.ToString(doc), err)
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("document %q is not JSON: %v", s, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func compact(t *testing.T, doc string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// TestTerraformConfigure makes the calls the provider's configure makes:
// GetCallerIdentity alone, and with skip_credentials_validation GetUser,
// GetCallerIdentity, ListRoles MaxItems=1.
func TestTerraformConfigure(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ctx := e.Ctx()
	id, err := e.STS(apptest.AccountA).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:iam::000000000000:root" {
		t.Fatalf("GetCallerIdentity %v %v", id, err)
	}
	user, err := e.IAM(apptest.AccountA).GetUser(ctx, &iam.GetUserInput{})
	if err != nil {
		t.Fatal(err)
	}
	u := user.User
	if aws.ToString(u.Arn) != "arn:aws:iam::000000000000:root" || aws.ToString(u.UserId) != apptest.AccountA || u.CreateDate == nil {
		t.Fatalf("GetUser %+v", u)
	}
	again, err := e.IAM(apptest.AccountA).GetUser(ctx, &iam.GetUserInput{})
	if err != nil || !aws.ToTime(again.User.CreateDate).Equal(aws.ToTime(u.CreateDate)) {
		t.Fatalf("the root's CreateDate moved: %v %v", again, err)
	}
	if _, err := e.STS(apptest.AccountA).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	roles, err := e.IAM(apptest.AccountA).ListRoles(ctx, &iam.ListRolesInput{MaxItems: aws.Int32(1)})
	if err != nil || len(roles.Roles) != 0 || roles.IsTruncated {
		t.Fatalf("ListRoles MaxItems=1: %+v %v", roles, err)
	}
	// No IAM users: a named one does not exist.
	_, err = e.IAM(apptest.AccountA).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) || status(err) != 404 || aws.ToString(nse.Message) != "The user with name alice cannot be found." {
		t.Fatalf("GetUser alice: %v", err)
	}
}

// TestTerraformRoleLifecycle follows aws_iam_role and its policy
// attachments through create, read, update and delete.
func TestTerraformRoleLifecycle(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ctx := e.Ctx()
	c := e.IAM(apptest.AccountA)
	start := e.App.Clock.Now().UTC().Truncate(time.Second)

	// Create.
	created, err := c.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String("workspaces_DefaultRole"), Path: aws.String("/"), MaxSessionDuration: aws.Int32(3600),
		AssumeRolePolicyDocument: aws.String(workspacesTrust), Description: aws.String("WorkSpaces acts through it"),
		Tags: []iamtypes.Tag{{Key: aws.String("Name"), Value: aws.String("default")}, {Key: aws.String("env"), Value: aws.String("test")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(created.Role.Tags) != 2 || aws.ToString(created.Role.Arn) != "arn:aws:iam::000000000000:role/workspaces_DefaultRole" {
		t.Fatalf("CreateRole %+v", created.Role)
	}
	// Read, as the provider does after create and on refresh.
	got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("workspaces_DefaultRole")})
	if err != nil {
		t.Fatal(err)
	}
	r := got.Role
	if aws.ToString(r.Arn) != "arn:aws:iam::000000000000:role/workspaces_DefaultRole" || r.CreateDate == nil || !aws.ToTime(r.CreateDate).Equal(start) ||
		aws.ToInt32(r.MaxSessionDuration) != 3600 || aws.ToString(r.Path) != "/" || !strings.HasPrefix(aws.ToString(r.RoleId), "AROA") || len(aws.ToString(r.RoleId)) != 21 ||
		aws.ToString(r.Description) != "WorkSpaces acts through it" || len(r.Tags) != 2 || r.RoleLastUsed == nil || r.RoleLastUsed.LastUsedDate != nil {
		t.Fatalf("GetRole %+v", r)
	}
	if !strings.HasPrefix(aws.ToString(r.AssumeRolePolicyDocument), "%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22%2C") {
		t.Errorf("AssumeRolePolicyDocument is not URL-encoded as IAM does: %s", aws.ToString(r.AssumeRolePolicyDocument))
	}
	if decoded(t, r.AssumeRolePolicyDocument) != compact(t, workspacesTrust) {
		t.Errorf("trust policy %s", decoded(t, r.AssumeRolePolicyDocument))
	}
	// Managed policies (aws_iam_role_policy_attachment) and an inline one.
	for _, arn := range []string{serviceAccess, selfServiceAccess} {
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("workspaces_DefaultRole"), PolicyArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	inline := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ds:DescribeDirectories"],"Resource":"*"}]}`
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("workspaces_DefaultRole"), PolicyName: aws.String("read-ds"), PolicyDocument: aws.String(inline)}); err != nil {
		t.Fatal(err)
	}
	names, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("workspaces_DefaultRole")})
	if err != nil || !slices.Equal(names.PolicyNames, []string{"read-ds"}) || names.IsTruncated {
		t.Fatalf("ListRolePolicies %+v %v", names, err)
	}
	rp, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("workspaces_DefaultRole"), PolicyName: aws.String("read-ds")})
	if err != nil || decoded(t, rp.PolicyDocument) != compact(t, inline) || aws.ToString(rp.RoleName) != "workspaces_DefaultRole" {
		t.Fatalf("GetRolePolicy %+v %v", rp, err)
	}
	attached, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("workspaces_DefaultRole")})
	if err != nil || len(attached.AttachedPolicies) != 2 || aws.ToString(attached.AttachedPolicies[0].PolicyArn) != serviceAccess ||
		aws.ToString(attached.AttachedPolicies[0].PolicyName) != "AmazonWorkSpacesServiceAccess" {
		t.Fatalf("ListAttachedRolePolicies %+v %v", attached, err)
	}
	// Update: tags, description and session length, trust policy.
	if _, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("workspaces_DefaultRole"), TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("workspaces_DefaultRole"), Tags: []iamtypes.Tag{{Key: aws.String("NAME"), Value: aws.String("renamed")}, {Key: aws.String("team"), Value: aws.String("euc")}}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("workspaces_DefaultRole")})
	if err != nil || len(tags.Tags) != 2 || aws.ToString(tags.Tags[0].Key) != "Name" || aws.ToString(tags.Tags[0].Value) != "renamed" || aws.ToString(tags.Tags[1].Key) != "team" {
		t.Fatalf("ListRoleTags %+v %v", tags, err)
	}
	if _, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("workspaces_DefaultRole"), Description: aws.String("new"), MaxSessionDuration: aws.Int32(7200)}); err != nil {
		t.Fatal(err)
	}
	trust2 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["workspaces.amazonaws.com","ds.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`
	if _, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("workspaces_DefaultRole"), PolicyDocument: aws.String(trust2)}); err != nil {
		t.Fatal(err)
	}
	got, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("WORKSPACES_DEFAULTROLE")}) // names are not case-sensitive
	if err != nil || aws.ToString(got.Role.Description) != "new" || aws.ToInt32(got.Role.MaxSessionDuration) != 7200 || decoded(t, got.Role.AssumeRolePolicyDocument) != compact(t, trust2) {
		t.Fatalf("after update %+v %v", got, err)
	}

	// Delete, in the provider's order: a role with policies refuses first.
	profiles, err := c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("workspaces_DefaultRole")})
	if err != nil || len(profiles.InstanceProfiles) != 0 {
		t.Fatalf("ListInstanceProfilesForRole %+v %v", profiles, err)
	}
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("workspaces_DefaultRole")})
	var dc *iamtypes.DeleteConflictException
	if !errors.As(err, &dc) || status(err) != 409 || aws.ToString(dc.Message) != "Cannot delete entity, must detach all policies first." {
		t.Fatalf("DeleteRole with attached policies: %v", err)
	}
	for _, arn := range []string{serviceAccess, selfServiceAccess} {
		if _, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("workspaces_DefaultRole"), PolicyArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("workspaces_DefaultRole")})
	if !errors.As(err, &dc) || aws.ToString(dc.Message) != "Cannot delete entity, must delete policies first." {
		t.Fatalf("DeleteRole with an inline policy: %v", err)
	}
	if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("workspaces_DefaultRole"), PolicyName: aws.String("read-ds")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("workspaces_DefaultRole")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("workspaces_DefaultRole")})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) || status(err) != 404 || aws.ToString(nse.Message) != "The role with name workspaces_DefaultRole cannot be found." {
		t.Fatalf("GetRole after delete: %v", err)
	}
}

// TestWorkSpacesPreCheck is the acceptance tests' pre-check: GetRole
// workspaces_DefaultRole answers NoSuchEntity until the role exists.
func TestWorkSpacesPreCheck(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.IAM(apptest.AccountA)
	_, err := c.GetRole(e.Ctx(), &iam.GetRoleInput{RoleName: aws.String("workspaces_DefaultRole")})
	if apptest.ErrorCode(err) != "NoSuchEntity" {
		t.Fatalf("before: %v", err)
	}
	if _, err := c.CreateRole(e.Ctx(), &iam.CreateRoleInput{RoleName: aws.String("workspaces_DefaultRole"), AssumeRolePolicyDocument: aws.String(workspacesTrust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetRole(e.Ctx(), &iam.GetRoleInput{RoleName: aws.String("workspaces_DefaultRole")}); err != nil {
		t.Fatalf("after: %v", err)
	}
}

func TestRoleErrors(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ctx := e.Ctx()
	c := e.IAM(apptest.AccountA)
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r1"), AssumeRolePolicyDocument: aws.String(workspacesTrust)}); err != nil {
		t.Fatal(err)
	}
	longTrust := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":[` + strings.Repeat(`"arn:aws:iam::123456789012:root",`, 70) + `"*"]},"Action":"sts:AssumeRole"}]}`
	cases := []struct {
		name   string
		call   func() error
		code   string
		status int
		msg    string
	}{
		{"duplicate, whatever the case", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("R1"), AssumeRolePolicyDocument: aws.String(workspacesTrust)})
			return err
		}, "EntityAlreadyExists", 409, "Role with name r1 already exists."},
		{"trust policy not JSON", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r2"), AssumeRolePolicyDocument: aws.String("{nope")})
			return err
		}, "MalformedPolicyDocument", 400, "This policy contains invalid Json"},
		{"trust policy with a resource", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r2"), AssumeRolePolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}`)})
			return err
		}, "MalformedPolicyDocument", 400, "Has prohibited field Resource"},
		{"trust policy too large", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r2"), AssumeRolePolicyDocument: aws.String(longTrust)})
			return err
		}, "LimitExceeded", 409, "Cannot exceed quota for ACLSizePerRole: 2048"},
		{"duplicate tag keys", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r2"), AssumeRolePolicyDocument: aws.String(workspacesTrust),
				Tags: []iamtypes.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("A"), Value: aws.String("2")}}})
			return err
		}, "InvalidInput", 400, "Duplicate tag keys found. Please note that Tag keys are case insensitive."},
		{"session longer than 12 hours", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r2"), AssumeRolePolicyDocument: aws.String(workspacesTrust), MaxSessionDuration: aws.Int32(43201)})
			return err
		}, "ValidationError", 400, "Member must have value less than or equal to 43200"},
		{"permissions boundary", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r2"), AssumeRolePolicyDocument: aws.String(workspacesTrust), PermissionsBoundary: aws.String(serviceAccess)})
			return err
		}, "NotImplemented", 501, "permissions boundaries"},
		{"attach a policy that does not exist", func() error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r1"), PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchPolicy")})
			return err
		}, "NoSuchEntity", 404, "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable."},
		{"attach another account's policy", func() error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r1"), PolicyArn: aws.String("arn:aws:iam::111111111111:policy/theirs")})
			return err
		}, "NoSuchEntity", 404, "does not exist or is not attachable"},
		{"attach by a bad ARN", func() error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r1"), PolicyArn: aws.String("arn:aws:iam::aws:role/x")})
			return err
		}, "InvalidInput", 400, "ARN arn:aws:iam::aws:role/x is not valid."},
		{"attach to a role that does not exist", func() error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("ghost"), PolicyArn: aws.String(serviceAccess)})
			return err
		}, "NoSuchEntity", 404, "The role with name ghost cannot be found."},
		{"detach what is not attached", func() error {
			_, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("r1"), PolicyArn: aws.String(serviceAccess)})
			return err
		}, "NoSuchEntity", 404, "Policy " + serviceAccess + " was not found."},
		{"inline policy that does not exist", func() error {
			_, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("r1"), PolicyName: aws.String("nope")})
			return err
		}, "NoSuchEntity", 404, "The role policy with name nope cannot be found."},
		{"inline policy with a principal", func() error {
			_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r1"), PolicyName: aws.String("p"),
				PolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`)})
			return err
		}, "MalformedPolicyDocument", 400, "Policy document should not specify a principal."},
		{"inline policies too large together", func() error {
			doc := `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("x", 6000) + `"}]}`
			if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r1"), PolicyName: aws.String("big1"), PolicyDocument: aws.String(doc)}); err != nil {
				return err
			}
			_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r1"), PolicyName: aws.String("big2"), PolicyDocument: aws.String(doc)})
			return err
		}, "LimitExceeded", 409, "Maximum policy size of 10240 bytes exceeded for role r1"},
		{"delete a role that does not exist", func() error {
			_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("ghost")})
			return err
		}, "NoSuchEntity", 404, "The role with name ghost cannot be found."},
		{"a Marker of another listing", func() error {
			_, err := c.ListRoles(ctx, &iam.ListRolesInput{Marker: aws.String("bm90LWEtbWFya2Vy")})
			return err
		}, "ValidationError", 400, "Invalid Marker"},
		{"reserved tag prefix", func() error {
			_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("r1"), Tags: []iamtypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("1")}}})
			return err
		}, "InvalidInput", 400, "can't start with 'aws:'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if apptest.ErrorCode(err) != tc.code || status(err) != tc.status || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v (status %d), want %s %d %q", err, status(err), tc.code, tc.status, tc.msg)
			}
		})
	}
	// Too many tags on one role.
	var many []iamtypes.Tag
	for i := range 50 {
		many = append(many, iamtypes.Tag{Key: aws.String("k" + strings.Repeat("x", i)), Value: aws.String("v")})
	}
	if _, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("r1"), Tags: many}); err != nil {
		t.Fatal(err)
	}
	_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("r1"), Tags: []iamtypes.Tag{{Key: aws.String("one-more"), Value: aws.String("v")}}})
	if apptest.ErrorCode(err) != "LimitExceeded" {
		t.Fatalf("51st tag: %v", err)
	}
	// Too many attached policies.
	for i := range 10 {
		name := "p" + strings.Repeat("x", i)
		if _, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r1"), PolicyArn: aws.String("arn:aws:iam::000000000000:policy/" + name)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r1"), PolicyArn: aws.String(serviceAccess)})
	if apptest.ErrorCode(err) != "LimitExceeded" || !strings.Contains(err.Error(), "Cannot exceed quota for PoliciesPerRole: 10") {
		t.Fatalf("11th policy: %v", err)
	}
}

func TestListRolesPages(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ctx := e.Ctx()
	c := e.IAM(apptest.AccountA)
	for _, r := range []struct{ name, path string }{{"a", "/"}, {"b", "/team/"}, {"c", "/"}, {"d", "/team/sub/"}, {"e", "/"}} {
		if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r.name), Path: aws.String(r.path), AssumeRolePolicyDocument: aws.String(workspacesTrust)}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	var marker *string
	pages := 0
	for {
		out, err := c.ListRoles(ctx, &iam.ListRolesInput{MaxItems: aws.Int32(2), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.Roles {
			names = append(names, aws.ToString(r.RoleName))
			if r.Tags != nil || r.RoleLastUsed != nil || r.CreateDate == nil || r.AssumeRolePolicyDocument == nil {
				t.Errorf("ListRoles answers what it should not, or not what it should: %+v", r)
			}
		}
		if !out.IsTruncated {
			if out.Marker != nil {
				t.Error("a last page with a Marker")
			}
			break
		}
		marker = out.Marker
	}
	if pages != 3 || !slices.Equal(names, []string{"a", "b", "c", "d", "e"}) {
		t.Fatalf("%d pages: %v", pages, names)
	}
	// The SDK's paginator walks the same pages.
	p := iam.NewListRolesPaginator(c, &iam.ListRolesInput{PathPrefix: aws.String("/team/"), MaxItems: aws.Int32(1)})
	names = nil
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.Roles {
			names = append(names, aws.ToString(r.RoleName))
		}
	}
	if !slices.Equal(names, []string{"b", "d"}) {
		t.Fatalf("PathPrefix /team/: %v", names)
	}
}

// TestIAMIsGlobalPerAccount: one account's roles are the same whatever
// Region a request is signed for, and no other account's.
func TestIAMIsGlobalPerAccount(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Config: func(c *appConfig) { c.Regions = "eu-west-1" }})
	ctx := e.Ctx()
	// Signed for us-east-1, IAM's global Region, which -regions does not list.
	if _, err := e.IAM(apptest.AccountA).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("global"), AssumeRolePolicyDocument: aws.String(workspacesTrust)}); err != nil {
		t.Fatal(err)
	}
	eu := iam.NewFromConfig(e.AWSConfig(apptest.AccountA, apptest.Region2))
	if _, err := eu.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("global")}); err != nil {
		t.Fatalf("from eu-west-1: %v", err)
	}
	// Another Region not served is refused, for IAM too.
	west := iam.NewFromConfig(e.AWSConfig(apptest.AccountA, "us-west-2"))
	if _, err := west.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("global")}); apptest.ErrorCode(err) != "SignatureDoesNotMatch" {
		t.Fatalf("from us-west-2: %v", err)
	}
	b := iam.NewFromConfig(e.AWSConfig(apptest.AccountB, apptest.Region2))
	if _, err := b.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("global")}); apptest.ErrorCode(err) != "NoSuchEntity" {
		t.Fatalf("account B sees A's role: %v", err)
	}
}

// TestGetUserWithTemporaryCredentials: a GetSessionToken session is the
// root; an assumed role is not a user.
func TestGetUserWithTemporaryCredentials(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ctx := e.Ctx()
	tok, err := e.STS(apptest.AccountA).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	cr := tok.Credentials
	u, err := iam.NewFromConfig(e.TempConfig(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken), apptest.Region)).GetUser(ctx, &iam.GetUserInput{})
	if err != nil || aws.ToString(u.User.Arn) != "arn:aws:iam::000000000000:root" {
		t.Fatalf("GetUser with a session token: %v %v", u, err)
	}
	if _, err := e.IAM(apptest.AccountA).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("self"), AssumeRolePolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	ar, err := e.STS(apptest.AccountA).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/self"), RoleSessionName: aws.String("me")})
	if err != nil {
		t.Fatal(err)
	}
	cr = ar.Credentials
	_, err = iam.NewFromConfig(e.TempConfig(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken), apptest.Region)).GetUser(ctx, &iam.GetUserInput{})
	if apptest.ErrorCode(err) != "ValidationError" || !strings.Contains(err.Error(), "Must specify userName when calling with non-User credentials") {
		t.Fatalf("GetUser as a role: %v", err)
	}
	// The role's last use is recorded, and answered by the aws_iam_role data source's GetRole.
	got, err := e.IAM(apptest.AccountA).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("self")})
	if err != nil || got.Role.RoleLastUsed == nil || got.Role.RoleLastUsed.LastUsedDate == nil || aws.ToString(got.Role.RoleLastUsed.Region) != apptest.Region {
		t.Fatalf("RoleLastUsed %+v %v", got, err)
	}
}
