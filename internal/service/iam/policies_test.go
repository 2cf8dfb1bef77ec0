package iam_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
)

type appConfig = app.Config

func TestAWSManagedPolicies(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ctx := e.Ctx()
	c := e.IAM(apptest.AccountA)
	got, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(serviceAccess)})
	if err != nil {
		t.Fatal(err)
	}
	p := got.Policy
	if aws.ToString(p.PolicyName) != "AmazonWorkSpacesServiceAccess" || aws.ToString(p.DefaultVersionId) != "v2" || !p.IsAttachable ||
		aws.ToInt32(p.AttachmentCount) != 0 || !strings.HasPrefix(aws.ToString(p.PolicyId), "ANPA") || aws.ToString(p.Path) != "/" {
		t.Fatalf("GetPolicy %+v", p)
	}
	again, _ := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(serviceAccess)})
	if aws.ToString(again.Policy.PolicyId) != aws.ToString(p.PolicyId) {
		t.Error("an AWS managed policy's id changes")
	}
	v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(selfServiceAccess), VersionId: aws.String("v1")})
	if err != nil || !v.PolicyVersion.IsDefaultVersion || !strings.Contains(decoded(t, v.PolicyVersion.Document), "workspaces:RebootWorkspaces") {
		t.Fatalf("GetPolicyVersion %+v %v", v, err)
	}
	// Attachments are counted in the caller's account.
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(workspacesTrust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(serviceAccess)}); err != nil {
		t.Fatal(err)
	}
	// Attaching twice changes nothing.
	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(serviceAccess)}); err != nil {
		t.Fatal(err)
	}
	got, _ = c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(serviceAccess)})
	other, _ := e.IAM(apptest.AccountB).GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(serviceAccess)})
	if aws.ToInt32(got.Policy.AttachmentCount) != 1 || aws.ToInt32(other.Policy.AttachmentCount) != 0 {
		t.Fatalf("AttachmentCount %d / %d", aws.ToInt32(got.Policy.AttachmentCount), aws.ToInt32(other.Policy.AttachmentCount))
	}
	// AWS's policies are not the account's to change.
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(serviceAccess)})
	var ue *iamtypes.UnmodifiableEntityException
	if !errors.As(err, &ue) {
		t.Fatalf("DeletePolicy of an AWS policy: %v", err)
	}
	_, err = c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonS3SomethingElse")})
	if apptest.ErrorCode(err) != "NoSuchEntity" {
		t.Fatalf("unknown AWS policy: %v", err)
	}
	aws1, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAws})
	if err != nil || len(aws1.Policies) != 3 || aws1.IsTruncated {
		t.Fatalf("ListPolicies AWS %+v %v", aws1, err)
	}
	attached, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{OnlyAttached: true})
	if err != nil || len(attached.Policies) != 1 || aws.ToString(attached.Policies[0].Arn) != serviceAccess {
		t.Fatalf("ListPolicies OnlyAttached %+v %v", attached, err)
	}
}

// TestCustomerManagedPolicy follows aws_iam_policy: create, read (GetPolicy,
// GetPolicyVersion), update by a new default version, delete (the other
// versions first).
func TestCustomerManagedPolicy(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ctx := e.Ctx()
	c := e.IAM(apptest.AccountA)
	doc1 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"workspaces:Describe*","Resource":"*"}]}`
	created, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("ws-read"), Path: aws.String("/euc/"), PolicyDocument: aws.String(doc1),
		Description: aws.String("read WorkSpaces"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("euc")}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(created.Policy.Arn)
	if arn != "arn:aws:iam::000000000000:policy/euc/ws-read" || aws.ToString(created.Policy.DefaultVersionId) != "v1" || len(created.Policy.Tags) != 1 {
		t.Fatalf("CreatePolicy %+v", created.Policy)
	}
	_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("WS-READ"), PolicyDocument: aws.String(doc1)})
	if apptest.ErrorCode(err) != "EntityAlreadyExists" {
		t.Fatalf("duplicate: %v", err)
	}
	_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow","Action":"s3:*"}]}`)})
	if apptest.ErrorCode(err) != "MalformedPolicyDocument" || !strings.Contains(err.Error(), "Policy statement must contain resources.") {
		t.Fatalf("no resource: %v", err)
	}
	got, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil || aws.ToString(got.Policy.Description) != "read WorkSpaces" || aws.ToString(got.Policy.Path) != "/euc/" {
		t.Fatalf("GetPolicy %+v %v", got, err)
	}
	// The path is part of the ARN.
	if _, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::000000000000:policy/ws-read")}); apptest.ErrorCode(err) != "NoSuchEntity" {
		t.Fatalf("without its path: %v", err)
	}
	// Another account cannot see it.
	if _, err := e.IAM(apptest.AccountB).GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)}); apptest.ErrorCode(err) != "NoSuchEntity" {
		t.Fatalf("from account B: %v", err)
	}
	doc2 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["workspaces:Describe*","workspaces:RebootWorkspaces"],"Resource":"*"}]}`
	nv, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(doc2), SetAsDefault: true})
	if err != nil || aws.ToString(nv.PolicyVersion.VersionId) != "v2" || !nv.PolicyVersion.IsDefaultVersion {
		t.Fatalf("CreatePolicyVersion %+v %v", nv, err)
	}
	v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")})
	if err != nil || decoded(t, v.PolicyVersion.Document) != compact(t, doc2) {
		t.Fatalf("GetPolicyVersion %+v %v", v, err)
	}
	versions, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	if err != nil || len(versions.Versions) != 2 || aws.ToString(versions.Versions[0].VersionId) != "v2" || versions.Versions[0].Document != nil {
		t.Fatalf("ListPolicyVersions %+v %v", versions, err)
	}
	// Tag updates (TagPolicy, UntagPolicy, ListPolicyTags).
	if _, err := c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: aws.String(arn), Tags: []iamtypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: aws.String(arn), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: aws.String(arn)})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" {
		t.Fatalf("ListPolicyTags %+v %v", tags, err)
	}
	// Attached, it cannot go.
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(workspacesTrust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	var dc *iamtypes.DeleteConflictException
	if !errors.As(err, &dc) || aws.ToString(dc.Message) != "Cannot delete a policy attached to entities." {
		t.Fatalf("DeletePolicy attached: %v", err)
	}
	if _, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	// Nor with another version left; and the default version cannot go.
	if _, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)}); !errors.As(err, &dc) {
		t.Fatalf("DeletePolicy with two versions: %v", err)
	}
	if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")}); !errors.As(err, &dc) {
		t.Fatalf("DeletePolicyVersion of the default: %v", err)
	}
	for _, pv := range versions.Versions {
		if !pv.IsDefaultVersion {
			if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: pv.VersionId}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)}); apptest.ErrorCode(err) != "NoSuchEntity" {
		t.Fatalf("after delete: %v", err)
	}
}

func TestPolicyVersionLimitAndListing(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ctx := e.Ctx()
	c := e.IAM(apptest.AccountA)
	doc := `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	var arns []string
	for _, n := range []string{"p1", "p2", "p3"} {
		out, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(n), PolicyDocument: aws.String(doc)})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, aws.ToString(out.Policy.Arn))
	}
	for range 4 {
		if _, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arns[0]), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arns[0]), PolicyDocument: aws.String(doc)})
	if apptest.ErrorCode(err) != "LimitExceeded" {
		t.Fatalf("sixth version: %v", err)
	}
	if _, err := c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arns[0]), VersionId: aws.String("v4")}); err != nil {
		t.Fatal(err)
	}
	got, _ := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arns[0])})
	if aws.ToString(got.Policy.DefaultVersionId) != "v4" {
		t.Fatalf("default %s", aws.ToString(got.Policy.DefaultVersionId))
	}
	// All the policies, two a page: the AWS ones first, then the account's.
	var all []string
	p := iam.NewListPoliciesPaginator(c, &iam.ListPoliciesInput{MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, pol := range out.Policies {
			all = append(all, aws.ToString(pol.PolicyName))
		}
	}
	want := []string{"AdministratorAccess", "AmazonWorkSpacesSelfServiceAccess", "AmazonWorkSpacesServiceAccess", "p1", "p2", "p3"}
	if !slices.Equal(all, want) {
		t.Fatalf("ListPolicies %v, want %v", all, want)
	}
	local, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal, MaxItems: aws.Int32(2)})
	if err != nil || len(local.Policies) != 2 || !local.IsTruncated {
		t.Fatalf("Local %+v %v", local, err)
	}
	rest, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal, Marker: local.Marker})
	if err != nil || len(rest.Policies) != 1 || aws.ToString(rest.Policies[0].PolicyName) != "p3" || rest.IsTruncated {
		t.Fatalf("Local, page 2 %+v %v", rest, err)
	}
}
