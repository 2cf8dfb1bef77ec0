package awsquery_test

// The oracle is the real client: aws-sdk-go-v2's sts, iam and ec2 clients
// talk to a test server that verifies their SigV4 signatures and serves the
// generated stsapi, iamapi and ec2api dispatchers through awsquery, with
// tiny fake services behind them.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	smithygo "github.com/aws/smithy-go"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
	"github.com/deskplane/deskplane/internal/awsquery"
	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/iamapi"
	"github.com/deskplane/deskplane/internal/sigv4"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/stsapi"
)

const (
	testAccount = "123456789012"
	testKey     = "AKIDQUERYTEST"
	testSecret  = "query-test-secret"
)

// server serves the three services on one endpoint, routed by the signing
// name of each request, as the middleware chain will.
type server struct {
	url      string
	services map[string]*awsquery.Service
}

func newServer(t *testing.T, stsSvc stsapi.Service, iamSvc iamapi.Service, ec2Svc ec2api.Service) *server {
	t.Helper()
	v, err := sigv4.NewVerifier([]sigv4.Credential{{AccessKeyID: testKey, SecretAccessKey: testSecret, Account: testAccount}}, sigv4.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := &server{services: map[string]*awsquery.Service{
		stsapi.SigningName: {Dialect: awsquery.AWSQuery, Name: "STS", SigningName: stsapi.SigningName, Version: stsapi.APIVersion,
			Namespace: stsapi.XMLNamespace, Backend: stsapi.NewDispatcher(stsSvc)},
		iamapi.SigningName: {Dialect: awsquery.AWSQuery, Name: "IAM", SigningName: iamapi.SigningName, Version: iamapi.APIVersion,
			Namespace: iamapi.XMLNamespace, Backend: iamapi.NewDispatcher(iamSvc)},
		ec2api.SigningName: {Dialect: awsquery.EC2Query, Name: "EC2", SigningName: ec2api.SigningName, Version: ec2api.APIVersion,
			Namespace: ec2api.XMLNamespace, Backend: ec2api.NewDispatcher(ec2Svc)},
	}}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		svc, ok := s.services[awsquery.SigningName(r)]
		if !ok {
			http.Error(w, "no service for this signature", http.StatusBadRequest)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read body: %v", err)
			return
		}
		c := deskplane.Caller{RequestID: awsquery.NewRequestID()}
		id, err := v.Verify(r, body)
		if err != nil {
			var ae *sigv4.AuthError
			if !errors.As(err, &ae) {
				t.Errorf("verify: %v", err)
				return
			}
			svc.WriteError(w, &awsquery.Error{Code: ae.Code, Status: ae.Status, Message: ae.Message}, c.RequestID)
			return
		}
		c.Account, c.Region, c.AccessKey = id.Account, id.Region, id.AccessKeyID
		svc.Serve(w, r, body, c)
	}))
	t.Cleanup(ts.Close)
	s.url = ts.URL
	return s
}

func (s *server) config() aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(testKey, testSecret, ""),
		BaseEndpoint: aws.String(s.url),
		Retryer:      apptest.TransportRetryer,
		HTTPClient:   apptest.NewHTTPClient(),
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// apiError returns the code and message of an SDK error.
func apiError(t *testing.T, err error) (string, string) {
	t.Helper()
	var ae smithygo.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %T %v is not an API error", err, err)
	}
	return ae.ErrorCode(), ae.ErrorMessage()
}

// STS.

type fakeSTS struct {
	stsapi.Unimplemented
	mu     sync.Mutex
	assume *stsapi.AssumeRoleRequest
}

func (f *fakeSTS) GetCallerIdentity(ctx context.Context, _ *stsapi.GetCallerIdentityRequest) (*stsapi.GetCallerIdentityResponse, error) {
	c, _ := deskplane.CallerFrom(ctx)
	arn := "arn:aws:iam::" + c.Account + ":user/" + c.AccessKey
	return &stsapi.GetCallerIdentityResponse{UserId: &c.AccessKey, Account: &c.Account, Arn: &arn}, nil
}

var expiry = time.Date(2031, 2, 3, 4, 5, 6, 789e6, time.UTC)

func (f *fakeSTS) AssumeRole(_ context.Context, in *stsapi.AssumeRoleRequest) (*stsapi.AssumeRoleResponse, error) {
	if in.Policy != nil {
		msg := "The policy is not in the valid JSON format."
		return nil, &stsapi.MalformedPolicyDocumentException{Message: &msg}
	}
	f.mu.Lock()
	f.assume = in
	f.mu.Unlock()
	id, arn := "AROA123:"+*in.RoleSessionName, *in.RoleArn+"/"+*in.RoleSessionName
	key, secret, token := "ASIATEST", "se<cr>et&'\"", "token\twith\nspace"
	size := int32(7)
	return &stsapi.AssumeRoleResponse{
		Credentials:      &stsapi.Credentials{AccessKeyId: &key, SecretAccessKey: &secret, SessionToken: &token, Expiration: smithy.NewTimestamp(expiry)},
		AssumedRoleUser:  &stsapi.AssumedRoleUser{AssumedRoleId: &id, Arn: &arn},
		PackedPolicySize: &size,
	}, nil
}

func TestSTS(t *testing.T) {
	f := &fakeSTS{}
	s := newServer(t, f, iamapi.Unimplemented{}, ec2api.Unimplemented{})
	c := sts.NewFromConfig(s.config())

	id, err := c.GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *id.Account != testAccount || *id.UserId != testKey || *id.Arn != "arn:aws:iam::123456789012:user/"+testKey {
		t.Errorf("GetCallerIdentity = %s %s %s", *id.Account, *id.UserId, *id.Arn)
	}

	out, err := c.AssumeRole(ctx(t), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("sess"),
		DurationSeconds:   aws.Int32(900),
		PolicyArns:        []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}, {Arn: aws.String("arn:aws:iam::aws:policy/A")}},
		Tags:              []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("a b:c")}, {Key: aws.String("k2"), Value: aws.String("")}},
		TransitiveTagKeys: []string{"team"},
	})
	if err != nil {
		t.Fatal(err)
	}
	in := f.assume
	if *in.RoleArn != "arn:aws:iam::123456789012:role/r" || *in.DurationSeconds != 900 || len(in.PolicyArns) != 2 ||
		*in.PolicyArns[1].Arn != "arn:aws:iam::aws:policy/A" || len(in.Tags) != 2 || *in.Tags[0].Value != "a b:c" ||
		*in.Tags[1].Value != "" || !slices.Equal(in.TransitiveTagKeys, []string{"team"}) || in.ProvidedContexts != nil {
		t.Errorf("AssumeRole input %+v", in)
	}
	cr := out.Credentials
	if *cr.AccessKeyId != "ASIATEST" || *cr.SecretAccessKey != "se<cr>et&'\"" || *cr.SessionToken != "token\twith\nspace" ||
		!cr.Expiration.Equal(expiry) || *out.AssumedRoleUser.Arn != "arn:aws:iam::123456789012:role/r/sess" {
		t.Errorf("AssumeRole output %+v %+v", cr, out.AssumedRoleUser)
	}

	// Validation: the Coral message in awsQuery's ValidationError.
	_, err = c.AssumeRole(ctx(t), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("a b"), DurationSeconds: aws.Int32(60)})
	code, msg := apiError(t, err)
	if code != "ValidationError" || !strings.HasPrefix(msg, "2 validation errors detected: ") ||
		!strings.Contains(msg, "Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\w+=,.@-]*$") ||
		!strings.Contains(msg, "Value '60' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900") {
		t.Errorf("validation: %s: %s", code, msg)
	}
	var re *smithygo.GenericAPIError
	if !errors.As(err, &re) {
		t.Errorf("validation error %T", err)
	}

	// A modeled error: the SDK's typed error, by the awsQueryError code.
	_, err = c.AssumeRole(ctx(t), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s1"), Policy: aws.String("{")})
	var mpd *ststypes.MalformedPolicyDocumentException
	if !errors.As(err, &mpd) || mpd.ErrorCode() != "MalformedPolicyDocument" || *mpd.Message != "The policy is not in the valid JSON format." {
		t.Errorf("MalformedPolicyDocument: %T %v", err, err)
	}

	// An operation not written yet: the clear not-implemented error.
	_, err = c.GetSessionToken(ctx(t), &sts.GetSessionTokenInput{})
	code, msg = apiError(t, err)
	if code != "NotImplemented" || msg != "deskplane does not implement the STS action GetSessionToken yet; see the operation coverage table in README.md." {
		t.Errorf("GetSessionToken: %s: %s", code, msg)
	}
	var re2 interface{ HTTPStatusCode() int }
	if !errors.As(err, &re2) || re2.HTTPStatusCode() != http.StatusNotImplemented {
		t.Errorf("GetSessionToken status: %v", err)
	}
}

// IAM.

type fakeIAM struct {
	iamapi.Unimplemented
	mu      sync.Mutex
	created *iamapi.CreateRoleRequest
	deleted string
	list    *iamapi.ListRolesRequest
}

var created = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

func role(name string) iamapi.Role {
	path, id, arn, doc := "/", "AROAEXAMPLE"+strings.ToUpper(name), "arn:aws:iam::123456789012:role/"+name, "%7B%22Version%22%3A%222012-10-17%22%7D"
	max := int32(3600)
	return iamapi.Role{Path: &path, RoleName: &name, RoleId: &id, Arn: &arn, CreateDate: smithy.NewTimestamp(created),
		AssumeRolePolicyDocument: &doc, MaxSessionDuration: &max}
}

func (f *fakeIAM) CreateRole(_ context.Context, in *iamapi.CreateRoleRequest) (*iamapi.CreateRoleResponse, error) {
	f.mu.Lock()
	f.created = in
	f.mu.Unlock()
	r := role(*in.RoleName)
	r.Tags = in.Tags
	return &iamapi.CreateRoleResponse{Role: &r}, nil
}

func (f *fakeIAM) GetRole(_ context.Context, in *iamapi.GetRoleRequest) (*iamapi.GetRoleResponse, error) {
	if *in.RoleName == "missing" {
		msg := "The role with name missing cannot be found."
		return nil, &iamapi.NoSuchEntityException{Message: &msg}
	}
	r := role(*in.RoleName)
	region := "us-east-1"
	r.RoleLastUsed = &iamapi.RoleLastUsed{LastUsedDate: smithy.NewTimestamp(created.Add(time.Hour)), Region: &region}
	r.Tags = []iamapi.Tag{}
	return &iamapi.GetRoleResponse{Role: &r}, nil
}

func (f *fakeIAM) ListRoles(_ context.Context, in *iamapi.ListRolesRequest) (*iamapi.ListRolesResponse, error) {
	f.mu.Lock()
	f.list = in
	f.mu.Unlock()
	truncated, marker := true, "next-page"
	return &iamapi.ListRolesResponse{Roles: []iamapi.Role{role("a"), role("b")}, IsTruncated: &truncated, Marker: &marker}, nil
}

func (f *fakeIAM) DeleteRole(_ context.Context, in *iamapi.DeleteRoleRequest) (*iamapi.DeleteRoleOutput, error) {
	f.mu.Lock()
	f.deleted = *in.RoleName
	f.mu.Unlock()
	return nil, nil
}

func (f *fakeIAM) GetAccountSummary(context.Context, *iamapi.GetAccountSummaryInput) (*iamapi.GetAccountSummaryResponse, error) {
	return &iamapi.GetAccountSummaryResponse{SummaryMap: map[iamapi.SummaryKeyType]int32{
		iamapi.SummaryKeyTypeUsers: 3, iamapi.SummaryKeyTypeUsersQuota: 5000, iamapi.SummaryKeyTypeMFADevices: 0}}, nil
}

func (f *fakeIAM) GetCredentialReport(context.Context, *iamapi.GetCredentialReportInput) (*iamapi.GetCredentialReportResponse, error) {
	return &iamapi.GetCredentialReportResponse{Content: []byte("user,arn\nroot,arn:aws:iam::123456789012:root\n\x00\xff"),
		ReportFormat: iamapi.ReportFormatTypeTextCsv, GeneratedTime: smithy.NewTimestamp(created)}, nil
}

func TestIAM(t *testing.T) {
	f := &fakeIAM{}
	s := newServer(t, &fakeSTS{}, f, ec2api.Unimplemented{})
	c := iam.NewFromConfig(s.config())

	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"workspaces.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	out, err := c.CreateRole(ctx(t), &iam.CreateRoleInput{RoleName: aws.String("workspaces_DefaultRole"), Path: aws.String("/"),
		AssumeRolePolicyDocument: aws.String(doc), MaxSessionDuration: aws.Int32(3600),
		Tags: []iamtypes.Tag{{Key: aws.String("Name"), Value: aws.String("x")}, {Key: aws.String("env"), Value: aws.String("test")}}})
	if err != nil {
		t.Fatal(err)
	}
	in := f.created
	if *in.AssumeRolePolicyDocument != doc || *in.MaxSessionDuration != 3600 || len(in.Tags) != 2 || *in.Tags[1].Key != "env" || in.Description != nil {
		t.Errorf("CreateRole input %+v", in)
	}
	if r := out.Role; *r.RoleName != "workspaces_DefaultRole" || !r.CreateDate.Equal(created) || len(r.Tags) != 2 || *r.Tags[0].Value != "x" {
		t.Errorf("CreateRole output %+v", r)
	}

	got, err := c.GetRole(ctx(t), &iam.GetRoleInput{RoleName: aws.String("workspaces_DefaultRole")})
	if err != nil {
		t.Fatal(err)
	}
	r := got.Role
	if *r.Arn != "arn:aws:iam::123456789012:role/workspaces_DefaultRole" || *r.MaxSessionDuration != 3600 || *r.Path != "/" ||
		!r.RoleLastUsed.LastUsedDate.Equal(created.Add(time.Hour)) || *r.RoleLastUsed.Region != "us-east-1" || r.Tags == nil || len(r.Tags) != 0 {
		t.Errorf("GetRole %+v", r)
	}

	// A modeled error arrives as the SDK's typed error.
	_, err = c.GetRole(ctx(t), &iam.GetRoleInput{RoleName: aws.String("missing")})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) || nse.ErrorCode() != "NoSuchEntity" || *nse.Message != "The role with name missing cannot be found." {
		t.Errorf("GetRole missing: %T %v", err, err)
	}
	var st interface{ HTTPStatusCode() int }
	if !errors.As(err, &st) || st.HTTPStatusCode() != 404 {
		t.Errorf("NoSuchEntity status: %v", err)
	}

	list, err := c.ListRoles(ctx(t), &iam.ListRolesInput{MaxItems: aws.Int32(1), PathPrefix: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Roles) != 2 || *list.Roles[1].RoleName != "b" || !list.IsTruncated || *list.Marker != "next-page" || *f.list.MaxItems != 1 {
		t.Errorf("ListRoles %+v", list)
	}

	if _, err := c.DeleteRole(ctx(t), &iam.DeleteRoleInput{RoleName: aws.String("gone")}); err != nil || f.deleted != "gone" {
		t.Errorf("DeleteRole: %v %q", err, f.deleted)
	}

	sum, err := c.GetAccountSummary(ctx(t), &iam.GetAccountSummaryInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.SummaryMap) != 3 || sum.SummaryMap["Users"] != 3 || sum.SummaryMap["UsersQuota"] != 5000 {
		t.Errorf("GetAccountSummary %v", sum.SummaryMap)
	}
	rep, err := c.GetCredentialReport(ctx(t), &iam.GetCredentialReportInput{})
	if err != nil {
		t.Fatal(err)
	}
	if string(rep.Content) != "user,arn\nroot,arn:aws:iam::123456789012:root\n\x00\xff" || rep.ReportFormat != "text/csv" || !rep.GeneratedTime.Equal(created) {
		t.Errorf("GetCredentialReport %q %v", rep.Content, rep.ReportFormat)
	}

	// NUL in a name: a 400 ValidationError naming the member.
	_, err = c.GetRole(ctx(t), &iam.GetRoleInput{RoleName: aws.String("a\x00b")})
	code, msg := apiError(t, err)
	if code != "ValidationError" || msg != "1 validation error detected: Value 'a\uFFFDb' at 'roleName' failed to satisfy constraint: Member must not contain null characters" {
		t.Errorf("NUL: %s: %q", code, msg)
	}
	if !errors.As(err, &st) || st.HTTPStatusCode() != 400 {
		t.Errorf("NUL status: %v", err)
	}
	_, err = c.CreateRole(ctx(t), &iam.CreateRoleInput{RoleName: aws.String(strings.Repeat("r", 65)), AssumeRolePolicyDocument: aws.String(doc),
		Tags: []iamtypes.Tag{{Key: aws.String("k\x00"), Value: aws.String("v")}}})
	code, msg = apiError(t, err)
	if code != "ValidationError" || !strings.HasPrefix(msg, "2 validation errors detected: Value '"+strings.Repeat("r", 65)+"' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64; ") ||
		!strings.HasSuffix(msg, "at 'tags.1.member.key' failed to satisfy constraint: Member must not contain null characters") {
		t.Errorf("CreateRole validation: %s: %q", code, msg)
	}
}

// EC2.

type fakeEC2 struct {
	ec2api.Unimplemented
	mu       sync.Mutex
	describe *ec2api.DescribeVpcsRequest
	create   *ec2api.CreateVpcRequest
	tags     *ec2api.CreateTagsRequest
	spot     *ec2api.DescribeSpotPriceHistoryRequest
}

func (f *fakeEC2) DescribeVpcs(_ context.Context, in *ec2api.DescribeVpcsRequest) (*ec2api.DescribeVpcsResult, error) {
	f.mu.Lock()
	f.describe = in
	f.mu.Unlock()
	return &ec2api.DescribeVpcsResult{Vpcs: []ec2api.Vpc{vpc("vpc-0a1b2c3d"), vpc("vpc-0e0f")}, NextToken: aws.String("tok")}, nil
}

func vpc(id string) ec2api.Vpc {
	owner, cidr, assoc := testAccount, "10.0.0.0/16", "vpc-cidr-assoc-1"
	def := false
	return ec2api.Vpc{OwnerId: &owner, VpcId: &id, State: ec2api.VpcStateAvailable, CidrBlock: &cidr, IsDefault: &def,
		InstanceTenancy: ec2api.TenancyDefault, DhcpOptionsId: aws.String("dopt-1"),
		CidrBlockAssociationSet: []ec2api.VpcCidrBlockAssociation{{AssociationId: &assoc, CidrBlock: &cidr,
			CidrBlockState: &ec2api.VpcCidrBlockState{State: ec2api.VpcCidrBlockStateCodeAssociated}}},
		Ipv6CidrBlockAssociationSet: []ec2api.VpcIpv6CidrBlockAssociation{},
		Tags:                        []ec2api.Tag{{Key: aws.String("Name"), Value: aws.String("main <vpc>")}}}
}

func (f *fakeEC2) CreateVpc(_ context.Context, in *ec2api.CreateVpcRequest) (*ec2api.CreateVpcResult, error) {
	f.mu.Lock()
	f.create = in
	f.mu.Unlock()
	v := vpc("vpc-new")
	v.State = ec2api.VpcStatePending
	return &ec2api.CreateVpcResult{Vpc: &v}, nil
}

func (f *fakeEC2) CreateTags(_ context.Context, in *ec2api.CreateTagsRequest) (*ec2api.CreateTagsOutput, error) {
	f.mu.Lock()
	f.tags = in
	f.mu.Unlock()
	return &ec2api.CreateTagsOutput{}, nil
}

func (f *fakeEC2) DeleteVpc(_ context.Context, in *ec2api.DeleteVpcRequest) (*ec2api.DeleteVpcOutput, error) {
	return nil, &awsquery.Error{Code: "InvalidVpcID.NotFound", Status: 400, Message: "The vpc ID '" + *in.VpcId + "' does not exist"}
}

func (f *fakeEC2) DescribeSpotPriceHistory(_ context.Context, in *ec2api.DescribeSpotPriceHistoryRequest) (*ec2api.DescribeSpotPriceHistoryResult, error) {
	f.mu.Lock()
	f.spot = in
	f.mu.Unlock()
	return &ec2api.DescribeSpotPriceHistoryResult{SpotPriceHistory: []ec2api.SpotPrice{{
		AvailabilityZone: aws.String("us-east-1a"), InstanceType: ec2api.InstanceTypeT3Micro, SpotPrice: aws.String("0.0031"),
		Timestamp: smithy.NewTimestamp(in.StartTime.Add(90 * time.Minute)), ProductDescription: ec2api.RIProductDescriptionLinuxUnix}}}, nil
}

func TestEC2(t *testing.T) {
	f := &fakeEC2{}
	s := newServer(t, &fakeSTS{}, &fakeIAM{}, f)
	c := ec2.NewFromConfig(s.config())

	out, err := c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{"vpc-1", "vpc-2"}}, {Name: aws.String("tag:Name"), Values: []string{"a&b=c"}}},
		VpcIds:  []string{"vpc-0a1b2c3d"}, MaxResults: aws.Int32(5),
	})
	if err != nil {
		t.Fatal(err)
	}
	in := f.describe
	if len(in.Filters) != 2 || *in.Filters[0].Name != "vpc-id" || !slices.Equal(in.Filters[0].Values, []string{"vpc-1", "vpc-2"}) ||
		!slices.Equal(in.Filters[1].Values, []string{"a&b=c"}) || !slices.Equal(in.VpcIds, []string{"vpc-0a1b2c3d"}) || *in.MaxResults != 5 {
		t.Errorf("DescribeVpcs input %+v", in)
	}
	if len(out.Vpcs) != 2 || *out.NextToken != "tok" {
		t.Fatalf("DescribeVpcs output %+v", out)
	}
	v := out.Vpcs[0]
	if *v.VpcId != "vpc-0a1b2c3d" || v.State != ec2types.VpcStateAvailable || *v.OwnerId != testAccount || *v.IsDefault ||
		v.InstanceTenancy != ec2types.TenancyDefault || len(v.CidrBlockAssociationSet) != 1 ||
		v.CidrBlockAssociationSet[0].CidrBlockState.State != ec2types.VpcCidrBlockStateCodeAssociated ||
		len(v.Tags) != 1 || *v.Tags[0].Value != "main <vpc>" || *v.DhcpOptionsId != "dopt-1" {
		t.Errorf("DescribeVpcs vpc %+v", v)
	}

	cv, err := c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), InstanceTenancy: ec2types.TenancyDefault,
		AmazonProvidedIpv6CidrBlock: aws.Bool(false),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpc,
			Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("tf")}, {Key: aws.String("Owner"), Value: aws.String("team a")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	ci := f.create
	if *ci.CidrBlock != "10.0.0.0/16" || ci.InstanceTenancy != ec2api.TenancyDefault || ci.AmazonProvidedIpv6CidrBlock == nil || *ci.AmazonProvidedIpv6CidrBlock ||
		len(ci.TagSpecifications) != 1 || ci.TagSpecifications[0].ResourceType != ec2api.ResourceTypeVpc || len(ci.TagSpecifications[0].Tags) != 2 ||
		*ci.TagSpecifications[0].Tags[1].Value != "team a" {
		t.Errorf("CreateVpc input %+v", ci)
	}
	if cv.Vpc.State != ec2types.VpcStatePending || *cv.Vpc.VpcId != "vpc-new" {
		t.Errorf("CreateVpc output %+v", cv.Vpc)
	}

	if _, err := c.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{"vpc-1", "subnet-2"},
		Tags: []ec2types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}
	if ti := f.tags; !slices.Equal(ti.Resources, []string{"vpc-1", "subnet-2"}) || len(ti.Tags) != 1 || *ti.Tags[0].Key != "k" {
		t.Errorf("CreateTags input %+v", ti)
	}

	start := time.Date(2024, 1, 2, 3, 4, 5, 600e6, time.UTC)
	sp, err := c.DescribeSpotPriceHistory(ctx(t), &ec2.DescribeSpotPriceHistoryInput{StartTime: &start,
		InstanceTypes: []ec2types.InstanceType{ec2types.InstanceTypeT3Micro, ec2types.InstanceTypeM5Large}})
	if err != nil {
		t.Fatal(err)
	}
	if !f.spot.StartTime.Equal(start) || !slices.Equal(f.spot.InstanceTypes, []ec2api.InstanceType{ec2api.InstanceTypeT3Micro, ec2api.InstanceTypeM5Large}) {
		t.Errorf("DescribeSpotPriceHistory input %+v", f.spot)
	}
	if h := sp.SpotPriceHistory; len(h) != 1 || !h[0].Timestamp.Equal(start.Add(90*time.Minute)) || h[0].InstanceType != ec2types.InstanceTypeT3Micro || *h[0].SpotPrice != "0.0031" {
		t.Errorf("DescribeSpotPriceHistory output %+v", h)
	}

	// A service's error in EC2's envelope.
	_, err = c.DeleteVpc(ctx(t), &ec2.DeleteVpcInput{VpcId: aws.String("vpc-1")})
	code, msg := apiError(t, err)
	if code != "InvalidVpcID.NotFound" || msg != "The vpc ID 'vpc-1' does not exist" {
		t.Errorf("DeleteVpc: %s: %s", code, msg)
	}

	// Validation in EC2's words.
	_, err = c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{MaxResults: aws.Int32(1001)})
	code, msg = apiError(t, err)
	if code != "InvalidParameterValue" || msg != "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000" {
		t.Errorf("DescribeVpcs MaxResults: %s: %s", code, msg)
	}

	// Unimplemented.
	_, err = c.CreateSubnet(ctx(t), &ec2.CreateSubnetInput{VpcId: aws.String("vpc-1"), CidrBlock: aws.String("10.0.1.0/24")})
	code, msg = apiError(t, err)
	if code != "NotImplemented" || msg != "deskplane does not implement the EC2 action CreateSubnet yet; see the operation coverage table in README.md." {
		t.Errorf("CreateSubnet: %s: %s", code, msg)
	}
}
