package iam

import (
	"crypto/sha256"
	"time"
)

// The AWS managed policies deskplane knows (docs/decisions/0291-iam.md):
// those WorkSpaces asks for on workspaces_DefaultRole, and
// AdministratorAccess, which cross-account roles commonly carry. Their
// documents, dates and versions are those of the AWS Managed Policy
// Reference. Another arn:aws:iam::aws:policy/… ARN does not exist here.
type awsPolicy struct {
	name, path, description string
	version                 string
	created, updated        time.Time
	document                string
}

func awsPolicies() []awsPolicy {
	return []awsPolicy{
		{
			name: "AdministratorAccess", path: "/", version: "v1",
			description: "Provides full access to AWS services and resources.",
			created:     time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC),
			updated:     time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC),
			document:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
		},
		{
			name: "AmazonWorkSpacesSelfServiceAccess", path: "/", version: "v1",
			description: "Provides access to Amazon WorkSpaces backend service to perform Workspace Self Service actions",
			created:     time.Date(2019, 6, 27, 19, 22, 0, 0, time.UTC),
			updated:     time.Date(2019, 6, 27, 19, 22, 0, 0, time.UTC),
			document:    `{"Version":"2012-10-17","Statement":[{"Action":["workspaces:RebootWorkspaces","workspaces:RebuildWorkspaces","workspaces:ModifyWorkspaceProperties"],"Effect":"Allow","Resource":"*"}]}`,
		},
		{
			name: "AmazonWorkSpacesServiceAccess", path: "/", version: "v2",
			description: "Provides customer account access to AWS WorkSpaces service for launching a Workspace.",
			created:     time.Date(2019, 6, 27, 19, 19, 0, 0, time.UTC),
			updated:     time.Date(2020, 3, 18, 23, 32, 0, 0, time.UTC),
			document:    `{"Version":"2012-10-17","Statement":[{"Action":["ec2:CreateNetworkInterface","ec2:DeleteNetworkInterface","ec2:DescribeNetworkInterfaces"],"Effect":"Allow","Resource":"*"}]}`,
		},
	}
}

// findAWSPolicy returns the AWS managed policy of a name and path.
func findAWSPolicy(name, path string) (awsPolicy, bool) {
	for _, p := range awsPolicies() {
		if p.name == name && p.path == path {
			return p, true
		}
	}
	return awsPolicy{}, false
}

// id is the policy's unique id, the same on every deskplane: ANPA and 17
// characters derived from its name.
func (p awsPolicy) id() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	sum := sha256.Sum256([]byte("aws-managed-policy/" + p.name))
	b := make([]byte, 17)
	for i := range b {
		b[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return "ANPA" + string(b)
}
