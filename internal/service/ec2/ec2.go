// Package ec2 is the part of Amazon EC2 that WorkSpaces and its Terraform
// configurations stand on: availability zones and Regions, VPCs with their
// attributes, subnets, security groups and their rules, internet gateways,
// route tables and routes, network ACLs, and tags with the Filter.N filters
// and pagination of each Describe operation
// (docs/decisions/0300-ec2-networking.md, 0306-ec2-in-use.md).
//
// Every resource is one record of the domain package ec2net in the
// caller's scope (account and Region).
package ec2

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/ec2net"
	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Service serves the EC2 operations deskplane implements; internal/service
// composes it with ec2api.Unimplemented.
type Service struct {
	env.Env
}

// New returns the family's service on e.
func New(e env.Env) *Service { return &Service{Env: e} }

// value returns what p points at, or the zero value for nil.
func value[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// optional returns nil for "", so that an absent member stays absent.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ---- errors ---------------------------------------------------------------

// ec2Error is a domain error with an EC2 refinement.
func ec2Error(code deskplane.Code, reason, format string, args ...any) error {
	return &deskplane.Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

func notFound(reason, id, format string) error {
	return &deskplane.Error{Code: deskplane.CodeNotFound, Reason: reason, ResourceID: id, Message: fmt.Sprintf(format, id)}
}

func vpcNotFound(id string) error {
	return notFound(ec2net.ReasonEC2VPCNotFound, id, "The vpc ID '%s' does not exist")
}

func subnetNotFound(id string) error {
	return notFound(ec2net.ReasonEC2SubnetNotFound, id, "The subnet ID '%s' does not exist")
}

func groupNotFound(id string) error {
	return notFound(ec2net.ReasonEC2GroupNotFound, id, "The security group '%s' does not exist")
}

func gatewayNotFound(id string) error {
	return notFound(ec2net.ReasonEC2GatewayNotFound, id, "The internetGateway ID '%s' does not exist")
}

func routeTableNotFound(id string) error {
	return notFound(ec2net.ReasonEC2RouteTableNotFound, id, "The routeTable ID '%s' does not exist")
}

func associationNotFound(id string) error {
	return notFound(ec2net.ReasonEC2AssociationNotFound, id, "The association ID '%s' does not exist")
}

func aclNotFound(id string) error {
	return notFound(ec2net.ReasonEC2ACLNotFound, id, "The networkAcl ID '%s' does not exist")
}

func dependency(kind, id string) error {
	return ec2Error(deskplane.CodeAssociated, ec2net.ReasonEC2DependencyViolation,
		"The %s '%s' has dependencies and cannot be deleted.", kind, id)
}

func invalid(format string, args ...any) error {
	return deskplane.Errorf(deskplane.CodeInvalidParameter, format, args...)
}

func missing(name string) error {
	return ec2Error(deskplane.CodeInvalidParameter, ec2net.ReasonEC2MissingParameter,
		"The request must contain the parameter %s", name)
}

// ---- tags -----------------------------------------------------------------

const maxTags = 50

func domainTags(in []ec2api.Tag) []deskplane.Tag {
	out := make([]deskplane.Tag, 0, len(in))
	for _, t := range in {
		out = append(out, deskplane.Tag{Key: value(t.Key), Value: value(t.Value)})
	}
	return out
}

func wireTags(in []deskplane.Tag) []ec2api.Tag {
	if len(in) == 0 {
		return nil
	}
	out := make([]ec2api.Tag, len(in))
	for i, t := range in {
		out[i] = ec2api.Tag{Key: new(t.Key), Value: new(t.Value)}
	}
	return out
}

// checkTags applies EC2's rules to tags a request sets.
func checkTags(tags []deskplane.Tag) error {
	for _, t := range tags {
		switch {
		case t.Key == "":
			return invalid("Tag key cannot be empty.")
		case len(t.Key) > 128:
			return invalid("Tag key exceeds the maximum length of 128 characters.")
		case len(t.Value) > 256:
			return invalid("Tag value exceeds the maximum length of 256 characters.")
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return invalid("Tag keys starting with 'aws:' are reserved for internal use")
		}
	}
	return nil
}

// setTags merges add into have: a key already there has its value
// replaced. More than 50 tags on a resource is refused.
func setTags(have, add []deskplane.Tag) ([]deskplane.Tag, error) {
	out := append([]deskplane.Tag(nil), have...)
next:
	for _, t := range add {
		for i := range out {
			if out[i].Key == t.Key {
				out[i].Value = t.Value
				continue next
			}
		}
		out = append(out, t)
	}
	if len(out) > maxTags {
		return nil, deskplane.Errorf(deskplane.CodeTagLimitExceeded, "The maximum number of tags per resource (%d) has been exceeded.", maxTags)
	}
	return out, nil
}

// specTags returns the tags of the TagSpecifications for a resource type;
// tags for another type are refused as EC2 refuses them.
func specTags(specs []ec2api.TagSpecification, rt ec2api.ResourceType) ([]deskplane.Tag, error) {
	var tags []deskplane.Tag
	for _, sp := range specs {
		if sp.ResourceType != "" && sp.ResourceType != rt {
			return nil, invalid("'%s' is not a valid taggable resource type for this operation.", sp.ResourceType)
		}
		tags = append(tags, domainTags(sp.Tags)...)
	}
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	return setTags(nil, tags)
}

// ---- listings -------------------------------------------------------------

// listing is one Describe call's paging: the position it starts after and
// its page size (every item when the request gives no MaxResults).
type listing struct {
	purpose string
	after   int64
	size    int
}

func newListing(ctx context.Context, purpose string, token *string, max *int32) (listing, error) {
	after, err := paging.Parse(ctx, purpose, token)
	if err != nil {
		return listing{}, invalid("Invalid value '%s' for nextToken.", value(token))
	}
	size := math.MaxInt
	if max != nil && *max > 0 {
		size = int(*max)
	}
	return listing{purpose: purpose, after: after, size: size}, nil
}

// describe lists the records of recs in the caller's scope that ids names
// (all when empty) and keep accepts, one page of them as wire values. An
// id that names no record answers notFound.
func describe[T, W any](ctx context.Context, s *Service, recs deskplane.Records[T], l listing, ids []string,
	notFound func(string) error, keep func(*T) bool, wire func(*T) W) ([]W, *string, error) {
	sc := env.Scope(ctx)
	var p paging.Page[W]
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[W]{}
		want := make(map[string]bool, len(ids))
		for _, id := range ids {
			_, found, err := recs.Get(tx, sc, id)
			if err != nil {
				return err
			}
			if !found {
				return notFound(id)
			}
			want[id] = true
		}
		return recs.Each(tx, sc, l.after, func(seq int64, v *T) (bool, error) {
			if len(want) > 0 && !want[recordID(v)] {
				return true, nil
			}
			if !keep(v) {
				return true, nil
			}
			return p.Add(l.size, seq, wire(v)), nil
		})
	})
	if err != nil {
		return nil, nil, err
	}
	return p.Items(), p.Next(ctx, l.purpose), nil
}

// recordID is the id of an EC2 record.
func recordID(v any) string {
	switch r := v.(type) {
	case *ec2net.VPC:
		return r.ID
	case *ec2net.Subnet:
		return r.ID
	case *ec2net.SecurityGroup:
		return r.ID
	case *ec2net.InternetGateway:
		return r.ID
	case *ec2net.RouteTable:
		return r.ID
	case *ec2net.NetworkACL:
		return r.ID
	}
	return ""
}

// pageToken is the token of a listing's next page starting after pos.
func pageToken(ctx context.Context, purpose string, pos int64) *string {
	return paging.Token(ctx, purpose, pos)
}
