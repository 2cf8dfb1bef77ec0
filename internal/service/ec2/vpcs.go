package ec2

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/netip"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/ec2net"
	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/service/env"
)

// VPCs (docs/decisions/0300-ec2-networking.md): CreateVpc makes, in one
// transaction, the VPC, its main route table with the local route, its
// default network ACL and its default security group.

// parseCIDR reads an IPv4 CIDR block in its canonical form.
func parseCIDR(param, s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() || p.Masked() != p {
		return netip.Prefix{}, invalid("Value (%s) for parameter %s is invalid. This is not a valid CIDR block.", s, param)
	}
	return p, nil
}

// dhcpOptionsID is the default DHCP options set of a scope: one per
// account and Region, as AWS makes it.
func dhcpOptionsID(sc deskplane.Scope) string {
	h := fnv.New64a()
	h.Write([]byte(sc.Account + "/" + sc.Region))
	return fmt.Sprintf("dopt-%017x", h.Sum64()&0xfffffffffffffff)
}

func loadVPC(tx deskplane.Tx, sc deskplane.Scope, id string) (*ec2net.VPC, error) {
	v, found, err := ec2net.VPCs().Get(tx, sc, id)
	if err == nil && !found {
		err = vpcNotFound(id)
	}
	return v, err
}

func (s *Service) CreateVpc(ctx context.Context, in *ec2api.CreateVpcRequest) (*ec2api.CreateVpcResult, error) {
	sc := env.Scope(ctx)
	if in.Ipv4IpamPoolId != nil || in.Ipv6IpamPoolId != nil || in.Ipv6Pool != nil || in.Ipv6CidrBlock != nil || value(in.AmazonProvidedIpv6CidrBlock) {
		return nil, deskplane.Errorf(deskplane.CodeNotSupported, "deskplane does not implement IPv6 and IPAM for VPCs; create the VPC with an IPv4 CidrBlock only.")
	}
	if in.CidrBlock == nil {
		return nil, missing("cidrBlock")
	}
	cidr, err := parseCIDR("cidrBlock", *in.CidrBlock)
	if err != nil {
		return nil, err
	}
	if cidr.Bits() < 16 || cidr.Bits() > 28 {
		return nil, ec2Error(deskplane.CodeInvalidParameter, ec2net.ReasonEC2VPCRange, "The CIDR '%s' is invalid.", cidr)
	}
	tenancy := in.InstanceTenancy
	switch tenancy {
	case "":
		tenancy = ec2api.TenancyDefault
	case ec2api.TenancyDefault, ec2api.TenancyDedicated:
	default:
		return nil, invalid("Value (%s) for parameter instanceTenancy is invalid.", tenancy)
	}
	tags, err := specTags(in.TagSpecifications, ec2api.ResourceTypeVpc)
	if err != nil {
		return nil, err
	}
	v := ec2net.VPC{
		ID:             deskplane.NewHexID("vpc-", 17),
		CIDR:           cidr.String(),
		CIDRAssocID:    deskplane.NewHexID("vpc-cidr-assoc-", 17),
		Tenancy:        string(tenancy),
		DhcpOptionsID:  dhcpOptionsID(sc),
		DNSSupport:     true,
		MainRouteTable: deskplane.NewHexID("rtb-", 17),
		DefaultACL:     deskplane.NewHexID("acl-", 17),
		DefaultGroup:   deskplane.NewHexID("sg-", 17),
		Created:        s.Now().UTC(),
		Tags:           tags,
	}
	rtb := ec2net.RouteTable{
		ID: v.MainRouteTable, VPC: v.ID,
		Routes:       []ec2net.Route{{Destination: v.CIDR, Gateway: ec2net.RouteLocal, Origin: ec2net.RouteOriginTable}},
		Associations: []ec2net.RouteTableAssoc{{ID: deskplane.NewHexID("rtbassoc-", 17), Main: true}},
	}
	acl := ec2net.NetworkACL{ID: v.DefaultACL, VPC: v.ID, Default: true}
	sg := ec2net.SecurityGroup{
		ID: v.DefaultGroup, Name: defaultGroupName, Description: "default VPC security group", VPC: v.ID,
		Ingress: []ec2net.SGRule{{ID: deskplane.NewHexID("sgr-", 17), Protocol: allProtocols, Group: v.DefaultGroup}},
		Egress:  []ec2net.SGRule{{ID: deskplane.NewHexID("sgr-", 17), Protocol: allProtocols, CIDR: anywhere}},
	}
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		if err := ec2net.VPCs().Put(tx, sc, v.ID, &v); err != nil {
			return err
		}
		if err := ec2net.RouteTables().Put(tx, sc, rtb.ID, &rtb); err != nil {
			return err
		}
		if err := ec2net.NetworkACLs().Put(tx, sc, acl.ID, &acl); err != nil {
			return err
		}
		return ec2net.SecurityGroups().Put(tx, sc, sg.ID, &sg)
	})
	if err != nil {
		return nil, err
	}
	out := wireVPC(&v, sc)
	out.State = ec2api.VpcStatePending
	return &ec2api.CreateVpcResult{Vpc: &out}, nil
}

func wireVPC(v *ec2net.VPC, sc deskplane.Scope) ec2api.Vpc {
	return ec2api.Vpc{
		OwnerId:         new(sc.Account),
		InstanceTenancy: ec2api.Tenancy(v.Tenancy),
		CidrBlockAssociationSet: []ec2api.VpcCidrBlockAssociation{{
			AssociationId:  new(v.CIDRAssocID),
			CidrBlock:      new(v.CIDR),
			CidrBlockState: &ec2api.VpcCidrBlockState{State: ec2api.VpcCidrBlockStateCodeAssociated},
		}},
		IsDefault:     new(false),
		Tags:          wireTags(v.Tags),
		VpcId:         new(v.ID),
		State:         ec2api.VpcStateAvailable,
		CidrBlock:     new(v.CIDR),
		DhcpOptionsId: new(v.DhcpOptionsID),
	}
}

func vpcFilters(sc deskplane.Scope) filterSet[ec2net.VPC] {
	return filterSet[ec2net.VPC]{
		"vpc-id":                                func(v *ec2net.VPC) []string { return one(v.ID) },
		"cidr":                                  func(v *ec2net.VPC) []string { return one(v.CIDR) },
		"cidr-block-association.cidr-block":     func(v *ec2net.VPC) []string { return one(v.CIDR) },
		"cidr-block-association.association-id": func(v *ec2net.VPC) []string { return one(v.CIDRAssocID) },
		"cidr-block-association.state":          func(*ec2net.VPC) []string { return one(string(ec2api.VpcCidrBlockStateCodeAssociated)) },
		"state":                                 func(*ec2net.VPC) []string { return one(string(ec2api.VpcStateAvailable)) },
		"is-default":                            func(*ec2net.VPC) []string { return boolean(false) },
		"dhcp-options-id":                       func(v *ec2net.VPC) []string { return one(v.DhcpOptionsID) },
		"owner-id":                              func(*ec2net.VPC) []string { return one(sc.Account) },
		"instance-tenancy":                      func(v *ec2net.VPC) []string { return one(v.Tenancy) },
	}
}

func vpcTags(v *ec2net.VPC) []deskplane.Tag { return v.Tags }

func (s *Service) DescribeVpcs(ctx context.Context, in *ec2api.DescribeVpcsRequest) (*ec2api.DescribeVpcsResult, error) {
	sc := env.Scope(ctx)
	keep, err := vpcFilters(sc).compile(in.Filters, vpcTags)
	if err != nil {
		return nil, err
	}
	l, err := newListing(ctx, "DescribeVpcs", in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	vpcs, next, err := describe(ctx, s, ec2net.VPCs(), l, in.VpcIds, vpcNotFound, keep,
		func(v *ec2net.VPC) ec2api.Vpc { return wireVPC(v, sc) })
	if err != nil {
		return nil, err
	}
	return &ec2api.DescribeVpcsResult{Vpcs: vpcs, NextToken: next}, nil
}

func (s *Service) ModifyVpcAttribute(ctx context.Context, in *ec2api.ModifyVpcAttributeRequest) (*ec2api.ModifyVpcAttributeOutput, error) {
	sc, id := env.Scope(ctx), value(in.VpcId)
	set := 0
	for _, a := range []*ec2api.AttributeBooleanValue{in.EnableDnsHostnames, in.EnableDnsSupport, in.EnableNetworkAddressUsageMetrics} {
		if a != nil {
			set++
		}
	}
	switch {
	case id == "":
		return nil, missing("vpcId")
	case set == 0:
		return nil, missing("attribute")
	case set > 1:
		return nil, ec2Error(deskplane.CodeInvalidParameter, ec2net.ReasonEC2ParameterCombination,
			"Fields for multiple attribute types specified: only one attribute can be modified at a time.")
	}
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return ec2net.VPCs().Modify(tx, sc, id, func() error { return vpcNotFound(id) }, func(v *ec2net.VPC) error {
			switch {
			case in.EnableDnsHostnames != nil:
				v.DNSHostnames = value(in.EnableDnsHostnames.Value)
			case in.EnableDnsSupport != nil:
				v.DNSSupport = value(in.EnableDnsSupport.Value)
			default:
				v.NAUMetrics = value(in.EnableNetworkAddressUsageMetrics.Value)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ModifyVpcAttributeOutput{}, nil
}

func (s *Service) DescribeVpcAttribute(ctx context.Context, in *ec2api.DescribeVpcAttributeRequest) (*ec2api.DescribeVpcAttributeResult, error) {
	sc, id := env.Scope(ctx), value(in.VpcId)
	if id == "" {
		return nil, missing("vpcId")
	}
	var v *ec2net.VPC
	err := s.Store.View(ctx, func(tx deskplane.Tx) (err error) {
		v, err = loadVPC(tx, sc, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeVpcAttributeResult{VpcId: new(id)}
	switch in.Attribute {
	case ec2api.VpcAttributeNameEnableDnsHostnames:
		out.EnableDnsHostnames = &ec2api.AttributeBooleanValue{Value: new(v.DNSHostnames)}
	case ec2api.VpcAttributeNameEnableDnsSupport:
		out.EnableDnsSupport = &ec2api.AttributeBooleanValue{Value: new(v.DNSSupport)}
	case ec2api.VpcAttributeNameEnableNetworkAddressUsageMetrics:
		out.EnableNetworkAddressUsageMetrics = &ec2api.AttributeBooleanValue{Value: new(v.NAUMetrics)}
	case "":
		return nil, missing("attribute")
	default:
		return nil, invalid("Value (%s) for parameter attribute is invalid. Unknown attribute.", in.Attribute)
	}
	return out, nil
}

func (s *Service) DeleteVpc(ctx context.Context, in *ec2api.DeleteVpcRequest) (*ec2api.DeleteVpcOutput, error) {
	sc, id := env.Scope(ctx), value(in.VpcId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		v, err := loadVPC(tx, sc, id)
		if err != nil {
			return err
		}
		if busy, err := vpcInUse(tx, sc, v); err != nil || busy {
			if err == nil {
				err = dependency("vpc", id)
			}
			return err
		}
		for _, del := range []func() (bool, error){
			func() (bool, error) { return ec2net.RouteTables().Delete(tx, sc, v.MainRouteTable) },
			func() (bool, error) { return ec2net.NetworkACLs().Delete(tx, sc, v.DefaultACL) },
			func() (bool, error) { return ec2net.SecurityGroups().Delete(tx, sc, v.DefaultGroup) },
			func() (bool, error) { return ec2net.VPCs().Delete(tx, sc, v.ID) },
		} {
			if _, err := del(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteVpcOutput{}, nil
}

// vpcInUse reports whether a VPC has resources that keep it from being
// deleted: subnets, an attached internet gateway, security groups and
// route tables other than its defaults.
func vpcInUse(tx deskplane.Tx, sc deskplane.Scope, v *ec2net.VPC) (bool, error) {
	busy := false
	stop := func(b bool) (bool, error) { busy = busy || b; return !busy, nil }
	if err := ec2net.Subnets().Each(tx, sc, 0, func(_ int64, n *ec2net.Subnet) (bool, error) { return stop(n.VPC == v.ID) }); err != nil || busy {
		return busy, err
	}
	if err := ec2net.InternetGateways().Each(tx, sc, 0, func(_ int64, g *ec2net.InternetGateway) (bool, error) { return stop(g.VPC == v.ID) }); err != nil || busy {
		return busy, err
	}
	if err := ec2net.SecurityGroups().Each(tx, sc, 0, func(_ int64, g *ec2net.SecurityGroup) (bool, error) {
		return stop(g.VPC == v.ID && g.ID != v.DefaultGroup)
	}); err != nil || busy {
		return busy, err
	}
	err := ec2net.RouteTables().Each(tx, sc, 0, func(_ int64, r *ec2net.RouteTable) (bool, error) {
		return stop(r.VPC == v.ID && r.ID != v.MainRouteTable)
	})
	return busy, err
}
