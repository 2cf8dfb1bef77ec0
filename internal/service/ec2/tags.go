package ec2

import (
	"context"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/ec2net"
	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/service/env"
)

// CreateTags, DeleteTags and DescribeTags work on the tags each resource's
// record holds; the resource type is read from the id's prefix.

// taggable is how the tags of one resource type are reached.
type taggable struct {
	prefix   string
	rt       ec2api.ResourceType
	notFound func(string) error
	// modify applies fn to the tags of the resource id.
	modify func(tx deskplane.Tx, sc deskplane.Scope, id string, fn func(*[]deskplane.Tag) error) error
	// each calls fn with the id and tags of every resource of the type.
	each func(tx deskplane.Tx, sc deskplane.Scope, fn func(seq int64, id string, tags []deskplane.Tag)) error
}

func tagAccess[T any](prefix string, rt ec2api.ResourceType, recs deskplane.Records[T], nf func(string) error, tags func(*T) *[]deskplane.Tag) taggable {
	return taggable{
		prefix: prefix, rt: rt, notFound: nf,
		modify: func(tx deskplane.Tx, sc deskplane.Scope, id string, fn func(*[]deskplane.Tag) error) error {
			return recs.Modify(tx, sc, id, func() error { return nf(id) }, func(v *T) error { return fn(tags(v)) })
		},
		each: func(tx deskplane.Tx, sc deskplane.Scope, fn func(int64, string, []deskplane.Tag)) error {
			return recs.Each(tx, sc, 0, func(seq int64, v *T) (bool, error) {
				fn(seq, recordID(v), *tags(v))
				return true, nil
			})
		},
	}
}

func taggables() []taggable {
	return []taggable{
		tagAccess("vpc-", ec2api.ResourceTypeVpc, ec2net.VPCs(), vpcNotFound, func(v *ec2net.VPC) *[]deskplane.Tag { return &v.Tags }),
		tagAccess("subnet-", ec2api.ResourceTypeSubnet, ec2net.Subnets(), subnetNotFound, func(v *ec2net.Subnet) *[]deskplane.Tag { return &v.Tags }),
		tagAccess("sg-", ec2api.ResourceTypeSecurityGroup, ec2net.SecurityGroups(), groupNotFound, func(v *ec2net.SecurityGroup) *[]deskplane.Tag { return &v.Tags }),
		tagAccess("igw-", ec2api.ResourceTypeInternetGateway, ec2net.InternetGateways(), gatewayNotFound, func(v *ec2net.InternetGateway) *[]deskplane.Tag { return &v.Tags }),
		tagAccess("rtb-", ec2api.ResourceTypeRouteTable, ec2net.RouteTables(), routeTableNotFound, func(v *ec2net.RouteTable) *[]deskplane.Tag { return &v.Tags }),
		tagAccess("acl-", ec2api.ResourceTypeNetworkAcl, ec2net.NetworkACLs(), aclNotFound, func(v *ec2net.NetworkACL) *[]deskplane.Tag { return &v.Tags }),
	}
}

// taggableOf returns how the tags of the resource id are reached.
func taggableOf(id string) (taggable, error) {
	for _, t := range taggables() {
		if strings.HasPrefix(id, t.prefix) {
			return t, nil
		}
	}
	return taggable{}, ec2Error(deskplane.CodeInvalidParameter, ec2net.ReasonEC2InvalidID, "The ID '%s' is not valid", id)
}

// retag applies fn to the tags of every resource of ids, in one
// transaction: a resource that does not exist fails the whole call.
func (s *Service) retag(ctx context.Context, ids []string, fn func(*[]deskplane.Tag) error) error {
	sc := env.Scope(ctx)
	if len(ids) == 0 {
		return missing("resourceIdSet")
	}
	access := make([]taggable, len(ids))
	for i, id := range ids {
		t, err := taggableOf(id)
		if err != nil {
			return err
		}
		access[i] = t
	}
	return s.Store.Update(ctx, func(tx deskplane.Tx) error {
		for i, id := range ids {
			if err := access[i].modify(tx, sc, id, fn); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Service) CreateTags(ctx context.Context, in *ec2api.CreateTagsRequest) (*ec2api.CreateTagsOutput, error) {
	add := domainTags(in.Tags)
	if len(add) == 0 {
		return nil, missing("tagSet")
	}
	if err := checkTags(add); err != nil {
		return nil, err
	}
	err := s.retag(ctx, in.Resources, func(tags *[]deskplane.Tag) error {
		out, err := setTags(*tags, add)
		*tags = out
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.CreateTagsOutput{}, nil
}

// DeleteTags removes the keys named; a tag given with a value is removed
// only when its value is that value (an empty value included).
func (s *Service) DeleteTags(ctx context.Context, in *ec2api.DeleteTagsRequest) (*ec2api.DeleteTagsOutput, error) {
	for _, t := range in.Tags {
		if strings.HasPrefix(strings.ToLower(value(t.Key)), "aws:") {
			return nil, invalid("Tag keys starting with 'aws:' are reserved for internal use")
		}
	}
	err := s.retag(ctx, in.Resources, func(tags *[]deskplane.Tag) error {
		if len(in.Tags) == 0 {
			*tags = nil
			return nil
		}
		*tags = slices.DeleteFunc(*tags, func(have deskplane.Tag) bool {
			return slices.ContainsFunc(in.Tags, func(t ec2api.Tag) bool {
				return value(t.Key) == have.Key && (t.Value == nil || *t.Value == have.Value)
			})
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteTagsOutput{}, nil
}

func tagFilters() filterSet[ec2api.TagDescription] {
	return filterSet[ec2api.TagDescription]{
		"key":           func(t *ec2api.TagDescription) []string { return one(value(t.Key)) },
		"value":         func(t *ec2api.TagDescription) []string { return []string{value(t.Value)} },
		"resource-id":   func(t *ec2api.TagDescription) []string { return one(value(t.ResourceId)) },
		"resource-type": func(t *ec2api.TagDescription) []string { return one(string(t.ResourceType)) },
	}
}

// DescribeTags lists the tags of every resource, by resource in creation
// order; pages are counted in tags.
func (s *Service) DescribeTags(ctx context.Context, in *ec2api.DescribeTagsRequest) (*ec2api.DescribeTagsResult, error) {
	sc := env.Scope(ctx)
	keep, err := tagFilters().compile(in.Filters, noTags[ec2api.TagDescription])
	if err != nil {
		return nil, err
	}
	l, err := newListing(ctx, "DescribeTags", in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	type item struct {
		seq int64
		d   ec2api.TagDescription
	}
	var all []item
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		all = nil
		for _, t := range taggables() {
			err := t.each(tx, sc, func(seq int64, id string, tags []deskplane.Tag) {
				for _, tg := range tags {
					d := ec2api.TagDescription{Key: new(tg.Key), Value: new(tg.Value), ResourceId: new(id), ResourceType: t.rt}
					if keep(&d) {
						all = append(all, item{seq, d})
					}
				}
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(all, func(a, b item) int { return int(a.seq - b.seq) })
	start := min(int(l.after), len(all))
	end := len(all)
	var next *string
	if l.size < end-start {
		end = start + l.size
		next = pageToken(ctx, l.purpose, int64(end))
	}
	out := make([]ec2api.TagDescription, 0, end-start)
	for _, it := range all[start:end] {
		out = append(out, it.d)
	}
	return &ec2api.DescribeTagsResult{Tags: out, NextToken: next}, nil
}
