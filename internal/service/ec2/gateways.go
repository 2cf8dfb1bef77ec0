package ec2

import (
	"context"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/ec2net"
	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Internet gateways: attached to at most one VPC, and a VPC has at most
// one. An attachment is available at once (AWS answers available for a
// VPC's internet gateway, never attached).

func loadGateway(tx deskplane.Tx, sc deskplane.Scope, id string) (*ec2net.InternetGateway, error) {
	g, found, err := ec2net.InternetGateways().Get(tx, sc, id)
	if err == nil && !found {
		err = gatewayNotFound(id)
	}
	return g, err
}

func (s *Service) CreateInternetGateway(ctx context.Context, in *ec2api.CreateInternetGatewayRequest) (*ec2api.CreateInternetGatewayResult, error) {
	sc := env.Scope(ctx)
	tags, err := specTags(in.TagSpecifications, ec2api.ResourceTypeInternetGateway)
	if err != nil {
		return nil, err
	}
	g := ec2net.InternetGateway{ID: deskplane.NewHexID("igw-", 17), Tags: tags}
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error { return ec2net.InternetGateways().Put(tx, sc, g.ID, &g) })
	if err != nil {
		return nil, err
	}
	out := wireGateway(&g, sc)
	return &ec2api.CreateInternetGatewayResult{InternetGateway: &out}, nil
}

func wireGateway(g *ec2net.InternetGateway, sc deskplane.Scope) ec2api.InternetGateway {
	out := ec2api.InternetGateway{InternetGatewayId: new(g.ID), OwnerId: new(sc.Account), Tags: wireTags(g.Tags),
		Attachments: []ec2api.InternetGatewayAttachment{}}
	if g.VPC != "" {
		out.Attachments = append(out.Attachments, ec2api.InternetGatewayAttachment{State: attachmentAvailable, VpcId: new(g.VPC)})
	}
	return out
}

// attachmentAvailable is the state of an internet gateway's attachment
// (the model's AttachmentStatus enum does not list it; EC2 answers it).
const attachmentAvailable ec2api.AttachmentStatus = "available"

func (s *Service) AttachInternetGateway(ctx context.Context, in *ec2api.AttachInternetGatewayRequest) (*ec2api.AttachInternetGatewayOutput, error) {
	sc, id, vpc := env.Scope(ctx), value(in.InternetGatewayId), value(in.VpcId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		if _, err := loadVPC(tx, sc, vpc); err != nil {
			return err
		}
		g, err := loadGateway(tx, sc, id)
		if err != nil {
			return err
		}
		if g.VPC != "" {
			return ec2Error(deskplane.CodeInvalidState, ec2net.ReasonEC2AlreadyAssociated, "resource %s is already attached to network %s", id, g.VPC)
		}
		taken := ""
		err = ec2net.InternetGateways().Each(tx, sc, 0, func(_ int64, o *ec2net.InternetGateway) (bool, error) {
			if o.VPC == vpc {
				taken = o.ID
			}
			return taken == "", nil
		})
		if err != nil {
			return err
		}
		if taken != "" {
			return ec2Error(deskplane.CodeInvalidState, ec2net.ReasonEC2AlreadyAssociated,
				"Network %s already has an internet gateway attached", vpc)
		}
		g.VPC = vpc
		return ec2net.InternetGateways().Put(tx, sc, id, g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.AttachInternetGatewayOutput{}, nil
}

func (s *Service) DetachInternetGateway(ctx context.Context, in *ec2api.DetachInternetGatewayRequest) (*ec2api.DetachInternetGatewayOutput, error) {
	sc, id, vpc := env.Scope(ctx), value(in.InternetGatewayId), value(in.VpcId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		g, err := loadGateway(tx, sc, id)
		if err != nil {
			return err
		}
		if g.VPC != vpc {
			if _, err := loadVPC(tx, sc, vpc); err != nil {
				return err
			}
			return ec2Error(deskplane.CodeInvalidState, ec2net.ReasonEC2GatewayNotAttached, "resource %s is not attached to network %s", id, vpc)
		}
		g.VPC = ""
		return ec2net.InternetGateways().Put(tx, sc, id, g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DetachInternetGatewayOutput{}, nil
}

func (s *Service) DeleteInternetGateway(ctx context.Context, in *ec2api.DeleteInternetGatewayRequest) (*ec2api.DeleteInternetGatewayOutput, error) {
	sc, id := env.Scope(ctx), value(in.InternetGatewayId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		g, err := loadGateway(tx, sc, id)
		if err != nil {
			return err
		}
		if g.VPC != "" {
			return dependency("internetGateway", id)
		}
		_, err = ec2net.InternetGateways().Delete(tx, sc, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteInternetGatewayOutput{}, nil
}

func gatewayFilters(sc deskplane.Scope) filterSet[ec2net.InternetGateway] {
	return filterSet[ec2net.InternetGateway]{
		"internet-gateway-id": func(g *ec2net.InternetGateway) []string { return one(g.ID) },
		"attachment.vpc-id":   func(g *ec2net.InternetGateway) []string { return one(g.VPC) },
		"attachment.state": func(g *ec2net.InternetGateway) []string {
			if g.VPC == "" {
				return nil
			}
			return one(string(attachmentAvailable))
		},
		"owner-id": func(*ec2net.InternetGateway) []string { return one(sc.Account) },
	}
}

func gatewayTags(g *ec2net.InternetGateway) []deskplane.Tag { return g.Tags }

func (s *Service) DescribeInternetGateways(ctx context.Context, in *ec2api.DescribeInternetGatewaysRequest) (*ec2api.DescribeInternetGatewaysResult, error) {
	sc := env.Scope(ctx)
	keep, err := gatewayFilters(sc).compile(in.Filters, gatewayTags)
	if err != nil {
		return nil, err
	}
	l, err := newListing(ctx, "DescribeInternetGateways", in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	gws, next, err := describe(ctx, s, ec2net.InternetGateways(), l, in.InternetGatewayIds, gatewayNotFound, keep,
		func(g *ec2net.InternetGateway) ec2api.InternetGateway { return wireGateway(g, sc) })
	if err != nil {
		return nil, err
	}
	return &ec2api.DescribeInternetGatewaysResult{InternetGateways: gws, NextToken: next}, nil
}
