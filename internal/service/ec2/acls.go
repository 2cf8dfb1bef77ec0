package ec2

import (
	"context"
	"maps"
	"slices"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/ec2net"
	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Network ACLs: each VPC has its default ACL, which allows all traffic and
// is associated with every subnet of the VPC (decision 0300); deskplane
// creates no other.

func aclFilters(sc deskplane.Scope) filterSet[ec2net.NetworkACL] {
	return filterSet[ec2net.NetworkACL]{
		"default":        func(a *ec2net.NetworkACL) []string { return boolean(a.Default) },
		"vpc-id":         func(a *ec2net.NetworkACL) []string { return one(a.VPC) },
		"network-acl-id": func(a *ec2net.NetworkACL) []string { return one(a.ID) },
		"owner-id":       func(*ec2net.NetworkACL) []string { return one(sc.Account) },
		"association.subnet-id": func(a *ec2net.NetworkACL) []string {
			return slices.Collect(maps.Values(a.Assocs))
		},
		"association.association-id": func(a *ec2net.NetworkACL) []string {
			return slices.Collect(maps.Keys(a.Assocs))
		},
		"association.network-acl-id": func(a *ec2net.NetworkACL) []string {
			if len(a.Assocs) == 0 {
				return nil
			}
			return one(a.ID)
		},
	}
}

func aclTags(a *ec2net.NetworkACL) []deskplane.Tag { return a.Tags }

func (s *Service) DescribeNetworkAcls(ctx context.Context, in *ec2api.DescribeNetworkAclsRequest) (*ec2api.DescribeNetworkAclsResult, error) {
	sc := env.Scope(ctx)
	keep, err := aclFilters(sc).compile(in.Filters, aclTags)
	if err != nil {
		return nil, err
	}
	l, err := newListing(ctx, "DescribeNetworkAcls", in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	acls, next, err := describe(ctx, s, ec2net.NetworkACLs(), l, in.NetworkAclIds, aclNotFound, keep,
		func(a *ec2net.NetworkACL) ec2api.NetworkAcl { return wireACL(a, sc) })
	if err != nil {
		return nil, err
	}
	return &ec2api.DescribeNetworkAclsResult{NetworkAcls: acls, NextToken: next}, nil
}

func wireACL(a *ec2net.NetworkACL, sc deskplane.Scope) ec2api.NetworkAcl {
	entry := func(n int32, egress bool, action ec2api.RuleAction) ec2api.NetworkAclEntry {
		return ec2api.NetworkAclEntry{CidrBlock: new(anywhere), Egress: new(egress), Protocol: new(allProtocols), RuleAction: action, RuleNumber: new(n)}
	}
	out := ec2api.NetworkAcl{
		NetworkAclId: new(a.ID), VpcId: new(a.VPC), OwnerId: new(sc.Account), IsDefault: new(a.Default),
		Tags: wireTags(a.Tags), Associations: []ec2api.NetworkAclAssociation{},
		Entries: []ec2api.NetworkAclEntry{
			entry(100, true, ec2api.RuleActionAllow), entry(32767, true, ec2api.RuleActionDeny),
			entry(100, false, ec2api.RuleActionAllow), entry(32767, false, ec2api.RuleActionDeny),
		},
	}
	for _, id := range slices.Sorted(maps.Keys(a.Assocs)) {
		out.Associations = append(out.Associations, ec2api.NetworkAclAssociation{
			NetworkAclAssociationId: new(id), NetworkAclId: new(a.ID), SubnetId: new(a.Assocs[id]),
		})
	}
	return out
}
