package ec2_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

// start starts deskplane and returns an EC2 client of account A in
// us-east-1.
func start(t *testing.T) (*apptest.Env, *ec2.Client) {
	t.Helper()
	e := apptest.Start(t, apptest.Options{})
	return e, client(e, apptest.AccountA, apptest.Region)
}

func client(e *apptest.Env, account, region string) *ec2.Client {
	return ec2.NewFromConfig(e.AWSConfig(account, region))
}

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

// wantCode fails the test unless err is the EC2 error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := apptest.ErrorCode(err); got != code {
		t.Fatalf("want %s, got %s (%v)", code, got, err)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// createVPC creates a VPC the way the Terraform provider does.
func createVPC(t *testing.T, e *apptest.Env, c *ec2.Client, cidr string, tags ...types.Tag) *types.Vpc {
	t.Helper()
	in := &ec2.CreateVpcInput{CidrBlock: aws.String(cidr), InstanceTenancy: types.TenancyDefault, AmazonProvidedIpv6CidrBlock: aws.Bool(false)}
	if len(tags) > 0 {
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeVpc, Tags: tags}}
	}
	out := must[*ec2.CreateVpcOutput](t)(c.CreateVpc(e.Ctx(), in))
	return out.Vpc
}

func tag(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
