package ec2

import (
	"context"
	"maps"
	"net/netip"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/ec2net"
	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Subnets (docs/decisions/0300-ec2-networking.md): an IPv4 CIDR inside their
// VPC's, overlapping no other subnet of it, in one availability zone of
// the Region; associated with the VPC's default network ACL.

func loadSubnet(tx deskplane.Tx, sc deskplane.Scope, id string) (*ec2net.Subnet, error) {
	n, found, err := ec2net.Subnets().Get(tx, sc, id)
	if err == nil && !found {
		err = subnetNotFound(id)
	}
	return n, err
}

// subnetZone picks the zone of a new subnet: by name, by id (both must
// agree), or the Region's first.
func subnetZone(region, name, id string) (zone, error) {
	z, ok := findZone(region, name, id)
	if ok {
		return z, nil
	}
	names := make([]string, 0, 6)
	for _, z := range zones(region) {
		names = append(names, z.name)
	}
	param, v := "availabilityZone", name
	if name == "" {
		param, v = "availabilityZoneId", id
	}
	return zone{}, invalid("Value (%s) for parameter %s is invalid. Subnets can currently only be created in the following availability zones: %s.",
		v, param, strings.Join(names, ", "))
}

func subnetRange(cidr netip.Prefix) error {
	return ec2Error(deskplane.CodeInvalidParameter, ec2net.ReasonEC2SubnetRange, "The CIDR '%s' is invalid.", cidr)
}

func (s *Service) CreateSubnet(ctx context.Context, in *ec2api.CreateSubnetRequest) (*ec2api.CreateSubnetResult, error) {
	sc, vpc := env.Scope(ctx), value(in.VpcId)
	if in.Ipv6CidrBlock != nil || value(in.Ipv6Native) || in.Ipv4IpamPoolId != nil || in.Ipv6IpamPoolId != nil || in.OutpostArn != nil {
		return nil, deskplane.Errorf(deskplane.CodeNotSupported, "deskplane does not implement IPv6, IPAM and Outposts for subnets; create the subnet with an IPv4 CidrBlock only.")
	}
	if vpc == "" {
		return nil, missing("vpcId")
	}
	if in.CidrBlock == nil {
		return nil, missing("cidrBlock")
	}
	cidr, err := parseCIDR("cidrBlock", *in.CidrBlock)
	if err != nil {
		return nil, err
	}
	if cidr.Bits() < 16 || cidr.Bits() > 28 {
		return nil, subnetRange(cidr)
	}
	z, err := subnetZone(sc.Region, value(in.AvailabilityZone), value(in.AvailabilityZoneId))
	if err != nil {
		return nil, err
	}
	tags, err := specTags(in.TagSpecifications, ec2api.ResourceTypeSubnet)
	if err != nil {
		return nil, err
	}
	n := ec2net.Subnet{ID: deskplane.NewHexID("subnet-", 17), VPC: vpc, CIDR: cidr.String(), Zone: z.name, ZoneID: z.id,
		Created: s.Now().UTC(), Tags: tags}
	aclAssoc := deskplane.NewHexID("aclassoc-", 17)
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		v, err := loadVPC(tx, sc, vpc)
		if err != nil {
			return err
		}
		if outer := netip.MustParsePrefix(v.CIDR); !outer.Contains(cidr.Addr()) || cidr.Bits() < outer.Bits() {
			return subnetRange(cidr)
		}
		conflict := false
		err = ec2net.Subnets().Each(tx, sc, 0, func(_ int64, o *ec2net.Subnet) (bool, error) {
			conflict = o.VPC == vpc && netip.MustParsePrefix(o.CIDR).Overlaps(cidr)
			return !conflict, nil
		})
		if err != nil {
			return err
		}
		if conflict {
			return ec2Error(deskplane.CodeInvalidParameter, ec2net.ReasonEC2SubnetConflict, "The CIDR '%s' conflicts with another subnet", cidr)
		}
		if err := ec2net.Subnets().Put(tx, sc, n.ID, &n); err != nil {
			return err
		}
		return ec2net.NetworkACLs().Modify(tx, sc, v.DefaultACL, func() error { return aclNotFound(v.DefaultACL) }, func(a *ec2net.NetworkACL) error {
			if a.Assocs == nil {
				a.Assocs = map[string]string{}
			}
			a.Assocs[aclAssoc] = n.ID
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	out := wireSubnet(&n, sc)
	out.State = ec2api.SubnetStatePending
	return &ec2api.CreateSubnetResult{Subnet: &out}, nil
}

// reserved is how many addresses of every subnet AWS keeps: the network
// address, three for the VPC router, DNS and future use, and broadcast.
const reserved = 5

func wireSubnet(n *ec2net.Subnet, sc deskplane.Scope) ec2api.Subnet {
	size := int32(1) << (32 - netip.MustParsePrefix(n.CIDR).Bits())
	return ec2api.Subnet{
		AvailabilityZone: new(n.Zone), AvailabilityZoneId: new(n.ZoneID), CidrBlock: new(n.CIDR),
		AvailableIpAddressCount: new(size - reserved - int32(ec2net.InUse(n))),
		DefaultForAz:            new(false), MapPublicIpOnLaunch: new(n.MapPublicIP), MapCustomerOwnedIpOnLaunch: new(false),
		State: ec2api.SubnetStateAvailable, SubnetId: new(n.ID), VpcId: new(n.VPC), OwnerId: new(sc.Account),
		AssignIpv6AddressOnCreation: new(false), Ipv6CidrBlockAssociationSet: []ec2api.SubnetIpv6CidrBlockAssociation{},
		Tags:        wireTags(n.Tags),
		SubnetArn:   new("arn:" + deskplane.Partition(sc.Region) + ":ec2:" + sc.Region + ":" + sc.Account + ":subnet/" + n.ID),
		EnableDns64: new(false), Ipv6Native: new(false),
		PrivateDnsNameOptionsOnLaunch: &ec2api.PrivateDnsNameOptionsOnLaunch{
			HostnameType: ec2api.HostnameTypeIpName, EnableResourceNameDnsARecord: new(false), EnableResourceNameDnsAAAARecord: new(false),
		},
	}
}

func subnetFilters(sc deskplane.Scope) filterSet[ec2net.Subnet] {
	return filterSet[ec2net.Subnet]{
		"vpc-id":                            func(n *ec2net.Subnet) []string { return one(n.VPC) },
		"subnet-id":                         func(n *ec2net.Subnet) []string { return one(n.ID) },
		"availability-zone":                 func(n *ec2net.Subnet) []string { return one(n.Zone) },
		"availability-zone-id":              func(n *ec2net.Subnet) []string { return one(n.ZoneID) },
		"cidr-block":                        func(n *ec2net.Subnet) []string { return one(n.CIDR) },
		"cidr":                              func(n *ec2net.Subnet) []string { return one(n.CIDR) },
		"cidrBlock":                         func(n *ec2net.Subnet) []string { return one(n.CIDR) },
		"state":                             func(*ec2net.Subnet) []string { return one(string(ec2api.SubnetStateAvailable)) },
		"default-for-az":                    func(*ec2net.Subnet) []string { return boolean(false) },
		"defaultForAz":                      func(*ec2net.Subnet) []string { return boolean(false) },
		"map-public-ip-on-launch":           func(n *ec2net.Subnet) []string { return boolean(n.MapPublicIP) },
		"owner-id":                          func(*ec2net.Subnet) []string { return one(sc.Account) },
		"subnet-arn":                        func(n *ec2net.Subnet) []string { return one(*wireSubnet(n, sc).SubnetArn) },
		"ipv6-native":                       func(*ec2net.Subnet) []string { return boolean(false) },
		"assign-ipv6-address-on-creation":   func(*ec2net.Subnet) []string { return boolean(false) },
		"ipv6-cidr-block-association.state": func(*ec2net.Subnet) []string { return nil },
	}
}

func subnetTags(n *ec2net.Subnet) []deskplane.Tag { return n.Tags }

func (s *Service) DescribeSubnets(ctx context.Context, in *ec2api.DescribeSubnetsRequest) (*ec2api.DescribeSubnetsResult, error) {
	sc := env.Scope(ctx)
	keep, err := subnetFilters(sc).compile(in.Filters, subnetTags)
	if err != nil {
		return nil, err
	}
	l, err := newListing(ctx, "DescribeSubnets", in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	subnets, next, err := describe(ctx, s, ec2net.Subnets(), l, in.SubnetIds, subnetNotFound, keep,
		func(n *ec2net.Subnet) ec2api.Subnet { return wireSubnet(n, sc) })
	if err != nil {
		return nil, err
	}
	return &ec2api.DescribeSubnetsResult{Subnets: subnets, NextToken: next}, nil
}

// ModifySubnetAttribute sets MapPublicIpOnLaunch; the other attributes
// keep their defaults (false, ip-name) and may only be set to them.
func (s *Service) ModifySubnetAttribute(ctx context.Context, in *ec2api.ModifySubnetAttributeRequest) (*ec2api.ModifySubnetAttributeOutput, error) {
	sc, id := env.Scope(ctx), value(in.SubnetId)
	for name, a := range map[string]*ec2api.AttributeBooleanValue{
		"AssignIpv6AddressOnCreation": in.AssignIpv6AddressOnCreation, "MapCustomerOwnedIpOnLaunch": in.MapCustomerOwnedIpOnLaunch,
		"EnableDns64": in.EnableDns64, "EnableResourceNameDnsARecordOnLaunch": in.EnableResourceNameDnsARecordOnLaunch,
		"EnableResourceNameDnsAAAARecordOnLaunch": in.EnableResourceNameDnsAAAARecordOnLaunch,
	} {
		if a != nil && value(a.Value) {
			return nil, deskplane.Errorf(deskplane.CodeNotSupported, "deskplane does not implement the subnet attribute %s; only MapPublicIpOnLaunch can be changed.", name)
		}
	}
	if in.PrivateDnsHostnameTypeOnLaunch != "" && in.PrivateDnsHostnameTypeOnLaunch != ec2api.HostnameTypeIpName {
		return nil, deskplane.Errorf(deskplane.CodeNotSupported, "deskplane does not implement resource-name hostnames; only MapPublicIpOnLaunch can be changed.")
	}
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return ec2net.Subnets().Modify(tx, sc, id, func() error { return subnetNotFound(id) }, func(n *ec2net.Subnet) error {
			if in.MapPublicIpOnLaunch != nil {
				n.MapPublicIP = value(in.MapPublicIpOnLaunch.Value)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ModifySubnetAttributeOutput{}, nil
}

// DeleteSubnet refuses a subnet whose addresses are in use; its route
// table and network ACL associations go with it.
func (s *Service) DeleteSubnet(ctx context.Context, in *ec2api.DeleteSubnetRequest) (*ec2api.DeleteSubnetOutput, error) {
	sc, id := env.Scope(ctx), value(in.SubnetId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		n, err := loadSubnet(tx, sc, id)
		if err != nil {
			return err
		}
		if ec2net.InUse(n) > 0 {
			return dependency("subnet", id)
		}
		var tables []*ec2net.RouteTable
		err = ec2net.RouteTables().Each(tx, sc, 0, func(_ int64, r *ec2net.RouteTable) (bool, error) {
			if r.VPC == n.VPC {
				tables = append(tables, r)
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		for _, r := range tables {
			before := len(r.Associations)
			r.Associations = deleteWhere(r.Associations, func(a ec2net.RouteTableAssoc) bool { return a.Subnet == id })
			if len(r.Associations) != before {
				if err := ec2net.RouteTables().Put(tx, sc, r.ID, r); err != nil {
					return err
				}
			}
		}
		var acls []*ec2net.NetworkACL
		err = ec2net.NetworkACLs().Each(tx, sc, 0, func(_ int64, a *ec2net.NetworkACL) (bool, error) {
			if a.VPC == n.VPC {
				acls = append(acls, a)
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		for _, a := range acls {
			before := len(a.Assocs)
			maps.DeleteFunc(a.Assocs, func(_, subnet string) bool { return subnet == id })
			if len(a.Assocs) != before {
				if err := ec2net.NetworkACLs().Put(tx, sc, a.ID, a); err != nil {
					return err
				}
			}
		}
		if err := ec2net.ForgetAddresses(tx, sc, n); err != nil {
			return err
		}
		_, err = ec2net.Subnets().Delete(tx, sc, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteSubnetOutput{}, nil
}

func deleteWhere[T any](s []T, del func(T) bool) []T {
	out := s[:0:0]
	for _, v := range s {
		if !del(v) {
			out = append(out, v)
		}
	}
	return out
}
