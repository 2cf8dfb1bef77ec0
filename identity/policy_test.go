package identity_test

import (
	"testing"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/identity"
)

func TestParsePolicy(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		kind identity.PolicyKind
		err  string // "" = valid
	}{
		{"trust", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"workspaces.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, identity.TrustPolicy, ""},
		{"trust single statement", `{"Statement":{"Effect":"Allow","Principal":"*","Action":["sts:AssumeRole","sts:TagSession"]}}`, identity.TrustPolicy, ""},
		{"identity", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`, identity.IdentityPolicy, ""},
		{"not json", `{"Version":`, identity.IdentityPolicy, "This policy contains invalid Json"},
		{"trailing garbage", `{"Statement":[]} x`, identity.IdentityPolicy, "This policy contains invalid Json"},
		{"array", `[]`, identity.IdentityPolicy, "This policy contains invalid Json"},
		{"bad version", `{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, identity.IdentityPolicy, "The policy failed legacy parsing"},
		{"no statement", `{"Version":"2012-10-17"}`, identity.IdentityPolicy, "Syntax errors in policy."},
		{"unknown element", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Bogus":1}]}`, identity.IdentityPolicy, "Syntax errors in policy."},
		{"no effect", `{"Statement":[{"Action":"*","Resource":"*"}]}`, identity.IdentityPolicy, "Missing required field Effect"},
		{"bad effect", `{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}`, identity.IdentityPolicy, "Invalid effect: Maybe"},
		{"no action", `{"Statement":[{"Effect":"Allow","Resource":"*"}]}`, identity.IdentityPolicy, "Missing required field Action"},
		{"action without vendor", `{"Statement":[{"Effect":"Allow","Action":"AssumeRole","Resource":"*"}]}`, identity.IdentityPolicy, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"identity with principal", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, identity.IdentityPolicy, "Policy document should not specify a principal."},
		{"identity without resource", `{"Statement":[{"Effect":"Allow","Action":"*"}]}`, identity.IdentityPolicy, "Policy statement must contain resources."},
		{"trust with resource", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}`, identity.TrustPolicy, "Has prohibited field Resource"},
		{"trust without principal", `{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`, identity.TrustPolicy, "Missing required field Principal"},
		{"bad principal type", `{"Statement":[{"Effect":"Allow","Principal":{"Robot":"x"},"Action":"sts:AssumeRole"}]}`, identity.TrustPolicy, `Invalid principal in policy: "Robot"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := identity.ParsePolicy(c.doc, c.kind)
			switch {
			case c.err == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.err != "" && (err == nil || err.Error() != c.err || !deskplane.HasCode(err, deskplane.CodeMalformedPolicy)):
				t.Fatalf("got %v, want MalformedPolicy %q", err, c.err)
			}
		})
	}
}

func TestTrustPolicyAllows(t *testing.T) {
	root := func(acct string) identity.AssumeRoleRequest {
		return identity.AssumeRoleRequest{Account: acct, Principals: []string{"arn:aws:iam::" + acct + ":root"}}
	}
	session := identity.AssumeRoleRequest{Account: "111111111111", Principals: []string{
		"arn:aws:sts::111111111111:assumed-role/ops/s1", "arn:aws:iam::111111111111:role/ops"}}
	cases := []struct {
		name   string
		policy string
		req    identity.AssumeRoleRequest
		want   bool
	}{
		{"account id", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}`, root("111111111111"), true},
		{"account root ARN", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:root"]},"Action":"sts:AssumeRole"}]}`, root("111111111111"), true},
		{"other account", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`, root("222222222222"), false},
		{"service principal trusts no account", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"workspaces.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, root("111111111111"), false},
		{"star", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:*"}]}`, root("333333333333"), true},
		{"AWS star", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*"}]}`, root("333333333333"), true},
		{"other action", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:TagSession"}]}`, root("111111111111"), false},
		{"role ARN names its sessions", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"sts:AssumeRole"}]}`, session, true},
		{"role ARN not the root", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"sts:AssumeRole"}]}`, root("111111111111"), false},
		{"deny wins", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"AWS":"222222222222"},"Action":"sts:AssumeRole"}]}`, root("222222222222"), false},
		{"not principal", `{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"222222222222"},"Action":"sts:AssumeRole"}]}`, root("111111111111"), true},
		{"external id required and missing", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"secret-1"}}}]}`, root("111111111111"), false},
		{"external id given", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"secret-1"}}}]}`,
			identity.AssumeRoleRequest{Account: "111111111111", Principals: []string{"arn:aws:iam::111111111111:root"}, ExternalID: "secret-1"}, true},
		{"unknown condition does not allow", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`, root("111111111111"), false},
		{"unknown condition denies", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`, root("111111111111"), false},
		{"principal account condition", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalAccount":["111111111111"]}}}]}`, root("111111111111"), true},
		{"principal ARN like", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/o*"}}}]}`, session, true},
		{"partition ignored", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws-cn:iam::111111111111:role/ops"},"Action":"sts:AssumeRole"}]}`, session, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := identity.ParsePolicy(c.policy, identity.TrustPolicy)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Allows(c.req); got != c.want {
				t.Fatalf("Allows = %v, want %v", got, c.want)
			}
		})
	}
}

func TestPolicySize(t *testing.T) {
	if n := identity.PolicySize("{ \"a\" :\n\t1 }"); n != 7 {
		t.Fatalf("PolicySize = %d", n)
	}
	if c := identity.CompactPolicy("{ \"a\" : [ 1, 2 ] }"); c != `{"a":[1,2]}` {
		t.Fatalf("CompactPolicy = %s", c)
	}
}
