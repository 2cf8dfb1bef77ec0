package awsquery_test

// Exact bytes where they matter: the envelopes of answers and errors, and
// the framing's own refusals, on raw HTTP requests.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/awsquery"
	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/iamapi"
	"github.com/deskplane/deskplane/internal/stsapi"
)

const rid = "11111111-2222-4333-8444-555555555555"

type envIAM struct{ iamapi.Unimplemented }

func (envIAM) GetRole(_ context.Context, in *iamapi.GetRoleRequest) (*iamapi.GetRoleResponse, error) {
	switch *in.RoleName {
	case "missing":
		msg := "The role with name missing cannot be found."
		return nil, &iamapi.NoSuchEntityException{Message: &msg}
	case "broken":
		msg := "boom & <bust>"
		return nil, &iamapi.ServiceFailureException{Message: &msg}
	case "panic":
		return nil, errors.New("a domain error nobody mapped")
	case "mapped":
		return nil, errMapped
	}
	r := role(*in.RoleName)
	r.Tags = []iamapi.Tag{}
	return &iamapi.GetRoleResponse{Role: &r}, nil
}

func (envIAM) DeleteRole(context.Context, *iamapi.DeleteRoleRequest) (*iamapi.DeleteRoleOutput, error) {
	return nil, nil
}

var errMapped = errors.New("mapped")

type envEC2 struct{ ec2api.Unimplemented }

func (envEC2) CreateTags(context.Context, *ec2api.CreateTagsRequest) (*ec2api.CreateTagsOutput, error) {
	return nil, nil
}

func (envEC2) DescribeVpcs(context.Context, *ec2api.DescribeVpcsRequest) (*ec2api.DescribeVpcsResult, error) {
	id := "vpc-1"
	return &ec2api.DescribeVpcsResult{Vpcs: []ec2api.Vpc{{VpcId: &id, State: ec2api.VpcStateAvailable, Tags: []ec2api.Tag{}}}}, nil
}

func (envEC2) DeleteVpc(_ context.Context, in *ec2api.DeleteVpcRequest) (*ec2api.DeleteVpcOutput, error) {
	return nil, &awsquery.Error{Code: "InvalidVpcID.NotFound", Status: 400, Message: "The vpc ID '" + *in.VpcId + "' does not exist"}
}

func services() (stsSvc, iamSvc, ec2Svc *awsquery.Service) {
	stsSvc = &awsquery.Service{Dialect: awsquery.AWSQuery, Name: "STS", SigningName: stsapi.SigningName, Version: stsapi.APIVersion,
		Namespace: stsapi.XMLNamespace, Backend: stsapi.NewDispatcher(&fakeSTS{})}
	iamSvc = &awsquery.Service{Dialect: awsquery.AWSQuery, Name: "IAM", SigningName: iamapi.SigningName, Version: iamapi.APIVersion,
		Namespace: iamapi.XMLNamespace, Backend: iamapi.NewDispatcher(envIAM{}),
		MapError: func(err error) awsquery.CodedError {
			if errors.Is(err, errMapped) {
				return &awsquery.Error{Code: "DeleteConflict", Status: 409, Message: "Cannot delete entity, must detach all policies first."}
			}
			return nil
		}}
	ec2Svc = &awsquery.Service{Dialect: awsquery.EC2Query, Name: "EC2", SigningName: ec2api.SigningName, Version: ec2api.APIVersion,
		Namespace: ec2api.XMLNamespace, Backend: ec2api.NewDispatcher(envEC2{})}
	return
}

func TestEnvelopes(t *testing.T) {
	stsSvc, iamSvc, ec2Svc := services()
	const form = "application/x-www-form-urlencoded"
	caller := deskplane.Caller{Account: testAccount, Region: "us-east-1", AccessKey: testKey, RequestID: rid}
	for _, tc := range []struct {
		name        string
		svc         *awsquery.Service
		method, ct  string
		url, body   string
		status      int
		want        string
		wantHeaders map[string]string
	}{
		{"awsQuery result", stsSvc, "POST", form, "/", "Action=GetCallerIdentity&Version=2011-06-15", 200,
			`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><UserId>AKIDQUERYTEST</UserId>` +
				`<Account>123456789012</Account><Arn>arn:aws:iam::123456789012:user/AKIDQUERYTEST</Arn></GetCallerIdentityResult>` +
				`<ResponseMetadata><RequestId>` + rid + `</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
			map[string]string{"Content-Type": "text/xml", "X-Amzn-Requestid": rid}},
		{"awsQuery result with an empty list", iamSvc, "POST", form, "/", "Action=GetRole&Version=2010-05-08&RoleName=r", 200,
			`<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRoleResult><Role><Path>/</Path><RoleName>r</RoleName>` +
				`<RoleId>AROAEXAMPLER</RoleId><Arn>arn:aws:iam::123456789012:role/r</Arn><CreateDate>2024-05-06T07:08:09Z</CreateDate>` +
				`<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D</AssumeRolePolicyDocument><MaxSessionDuration>3600</MaxSessionDuration>` +
				`<Tags></Tags></Role></GetRoleResult><ResponseMetadata><RequestId>` + rid + `</RequestId></ResponseMetadata></GetRoleResponse>`, nil},
		{"awsQuery without output", iamSvc, "POST", form, "/", "Action=DeleteRole&Version=2010-05-08&RoleName=r", 200,
			`<DeleteRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>` + rid +
				`</RequestId></ResponseMetadata></DeleteRoleResponse>`, nil},
		{"awsQuery modeled error", iamSvc, "POST", form + "; charset=utf-8", "/", "Action=GetRole&Version=2010-05-08&RoleName=missing", 404,
			`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>` +
				`<Message>The role with name missing cannot be found.</Message></Error><RequestId>` + rid + `</RequestId></ErrorResponse>`,
			map[string]string{"Content-Type": "text/xml", "X-Amzn-Requestid": rid}},
		{"awsQuery server fault", iamSvc, "POST", form, "/", "Action=GetRole&Version=2010-05-08&RoleName=broken", 500,
			`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Receiver</Type><Code>ServiceFailure</Code>` +
				`<Message>boom &amp; &lt;bust&gt;</Message></Error><RequestId>` + rid + `</RequestId></ErrorResponse>`, nil},
		{"awsQuery unmapped error", iamSvc, "POST", form, "/", "Action=GetRole&Version=2010-05-08&RoleName=panic", 500,
			`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Receiver</Type><Code>InternalFailure</Code>` +
				`<Message>The request processing has failed because of an unknown error, exception or failure.</Message></Error><RequestId>` + rid + `</RequestId></ErrorResponse>`, nil},
		{"MapError", iamSvc, "POST", form, "/", "Action=GetRole&Version=2010-05-08&RoleName=mapped", 409,
			`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>DeleteConflict</Code>` +
				`<Message>Cannot delete entity, must detach all policies first.</Message></Error><RequestId>` + rid + `</RequestId></ErrorResponse>`, nil},
		{"awsQuery validation", iamSvc, "POST", form, "/", "Action=GetRole&Version=2010-05-08", 400,
			`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>ValidationError</Code>` +
				`<Message>1 validation error detected: Value null at &#39;roleName&#39; failed to satisfy constraint: Member must not be null</Message></Error>` +
				`<RequestId>` + rid + `</RequestId></ErrorResponse>`, nil},
		{"GET", iamSvc, "GET", "", "/?Action=GetRole&Version=2010-05-08&RoleName=missing", "", 404, "<Code>NoSuchEntity</Code>", nil},
		{"ec2Query result", ec2Svc, "POST", form, "/", "Action=DescribeVpcs&Version=2016-11-15", 200,
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><requestId>` + rid + `</requestId>` +
				`<vpcSet><item><tagSet></tagSet><vpcId>vpc-1</vpcId><state>available</state></item></vpcSet></DescribeVpcsResponse>`, nil},
		{"ec2Query without output", ec2Svc, "POST", form, "/", "Action=CreateTags&Version=2016-11-15&ResourceId.1=vpc-1&Tag.1.Key=k", 200,
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<CreateTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><requestId>` + rid + `</requestId>` +
				`<return>true</return></CreateTagsResponse>`, nil},
		{"ec2Query error", ec2Svc, "POST", form, "/", "Action=DeleteVpc&Version=2016-11-15&VpcId=vpc-9", 400,
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code>` +
				`<Message>The vpc ID &#39;vpc-9&#39; does not exist</Message></Error></Errors><RequestID>` + rid + `</RequestID></Response>`,
			map[string]string{"Content-Type": "text/xml", "X-Amzn-Requestid": rid}},
		{"ec2Query missing parameter", ec2Svc, "POST", form, "/", "Action=DeleteVpc&Version=2016-11-15", 400,
			"<Code>MissingParameter</Code><Message>The request must contain the parameter vpcId.</Message>", nil},
		{"ec2Query takes an older version", ec2Svc, "POST", form, "/", "Action=CreateTags&Version=2015-10-01&ResourceId.1=vpc-1&Tag.1.Key=k", 200, "<return>true</return>", nil},
		{"ec2Query not implemented", ec2Svc, "POST", form, "/", "Action=CreateSubnet&Version=2016-11-15&VpcId=vpc-1", 501,
			"<Code>NotImplemented</Code><Message>deskplane does not implement the EC2 action CreateSubnet yet; see the operation coverage table in README.md.</Message>", nil},
		{"missing Action", stsSvc, "POST", form, "/", "Version=2011-06-15", 400, "<Code>MissingAction</Code><Message>The request must contain the parameter Action.</Message>", nil},
		{"missing Version", stsSvc, "POST", form, "/", "Action=GetCallerIdentity", 400, "<Code>MissingParameter</Code><Message>The request must contain the parameter Version.</Message>", nil},
		{"other Version", stsSvc, "POST", form, "/", "Action=GetCallerIdentity&Version=2010-01-01", 400,
			"<Code>InvalidAction</Code><Message>Could not find operation GetCallerIdentity for version 2010-01-01.</Message>", nil},
		{"unknown Action", stsSvc, "POST", form, "/", "Action=GetMagic&Version=2011-06-15", 400,
			"<Code>InvalidAction</Code><Message>The action GetMagic is not valid for this web service.</Message>", nil},
		{"malformed form", stsSvc, "POST", form, "/", "Action=GetCallerIdentity&Version=%zz", 400, "<Code>MalformedQueryString</Code>", nil},
		{"JSON body", stsSvc, "POST", "application/x-amz-json-1.1", "/", "{}", 400, "<Code>MalformedQueryString</Code><Message>Content-Type &#34;application/x-amz-json-1.1&#34; is not supported", nil},
		{"other method", stsSvc, "PUT", form, "/", "", 405, "<Code>MethodNotAllowed</Code>", map[string]string{"Allow": "GET, POST"}},
		{"value of the wrong type", iamSvc, "POST", form, "/", "Action=ListRoles&Version=2010-05-08&MaxItems=ten", 400,
			"<Code>InvalidParameterValue</Code><Message>Invalid value &#34;ten&#34; for parameter MaxItems: expected an integer of at most 32 bits.</Message>", nil},
		{"list index out of range", iamSvc, "POST", form, "/", "Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=x&Tags.member.999999.Key=k", 400,
			"<Code>InvalidParameterValue</Code><Message>Invalid parameter Tags.member.999999: list index 999999 is out of range.</Message>", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
			if tc.ct != "" {
				r.Header.Set("Content-Type", tc.ct)
			}
			w := httptest.NewRecorder()
			if got := tc.svc.Serve(w, r, []byte(tc.body), caller); got != tc.status || w.Code != tc.status {
				t.Errorf("status %d (returned %d), want %d", w.Code, got, tc.status)
			}
			body := w.Body.String()
			if strings.HasPrefix(tc.want, "<?xml") || strings.HasPrefix(tc.want, "<ErrorResponse") || strings.HasSuffix(tc.want, "Response>") {
				if body != tc.want {
					t.Errorf("body\n got %s\nwant %s", body, tc.want)
				}
			} else if !strings.Contains(body, tc.want) {
				t.Errorf("body %s\nlacks %s", body, tc.want)
			}
			for k, v := range tc.wantHeaders {
				if got := w.Header().Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

// TestServeHTTP: on its own, the adapter reads the body, makes a request id
// and takes the caller from the context.
func TestServeHTTP(t *testing.T) {
	stsSvc, _, _ := services()
	r := httptest.NewRequest("POST", "/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r = r.WithContext(deskplane.WithCaller(r.Context(), deskplane.Caller{Account: "210987654321", AccessKey: "AKIDCTX"}))
	w := httptest.NewRecorder()
	stsSvc.ServeHTTP(w, r)
	id := w.Header().Get("x-amzn-RequestId")
	if w.Code != 200 || len(id) != 36 || !strings.Contains(w.Body.String(), "<Account>210987654321</Account>") ||
		!strings.Contains(w.Body.String(), "<RequestId>"+id+"</RequestId>") {
		t.Errorf("%d %s %s", w.Code, id, w.Body)
	}
	// A body over the limit.
	r = httptest.NewRequest("POST", "/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15&x="+strings.Repeat("a", awsquery.MaxBodyBytes)))
	w = httptest.NewRecorder()
	stsSvc.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "<Code>RequestEntityTooLarge</Code>") {
		t.Errorf("large body: %d %s", w.Code, w.Body)
	}
}

func TestSigningName(t *testing.T) {
	for h, want := range map[string]string{
		"AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=abc": "sts",
		"AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/ec2/aws4_request,SignedHeaders=host,Signature=abc":   "ec2",
		"AWS4-HMAC-SHA256 Credential=AKID/20240101/iam/aws4_request, SignedHeaders=host":                          "",
		"Basic dXNlcjpwYXNz": "",
	} {
		r := httptest.NewRequest("POST", "/", nil)
		r.Header.Set("Authorization", h)
		if got := awsquery.SigningName(r); got != want {
			t.Errorf("SigningName(%q) = %q, want %q", h, got, want)
		}
	}
	r := httptest.NewRequest("GET", "/?Action=GetRole&X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fiam%2Faws4_request", nil)
	if got := awsquery.SigningName(r); got != "iam" {
		t.Errorf("presigned: %q", got)
	}
}
