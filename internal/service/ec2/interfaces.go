package ec2

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/ec2net"
	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Network interfaces (docs/decisions/0306-ec2-in-use.md): deskplane keeps no
// interface records. Every address a directory or a WorkSpace holds in a
// subnet (ec2net.Addresses) is shown as the requester-managed interface AWS
// creates for it, with a stable id derived from the subnet and the address,
// the holder's security group, and AWS's description. They come and go with
// the addresses: a directory or WorkSpace that is deleted takes its
// interface with it.

// netInterface is one derived interface.
type netInterface struct {
	id, subnet, vpc, zone, addr, holder, description string
	groups                                           []ec2api.GroupIdentifier
}

// interfaceID is the stable id of the interface holding addr in subnet.
func interfaceID(subnet, addr string) string {
	h := sha256.Sum256([]byte(subnet + "/" + addr))
	return "eni-" + hex.EncodeToString(h[:])[:17]
}

func interfaceFilters(sc deskplane.Scope) filterSet[netInterface] {
	groupIDs := func(n *netInterface) []string {
		var out []string
		for _, g := range n.groups {
			out = append(out, value(g.GroupId))
		}
		return out
	}
	groupNames := func(n *netInterface) []string {
		var out []string
		for _, g := range n.groups {
			out = append(out, value(g.GroupName))
		}
		return out
	}
	none := func(*netInterface) []string { return nil }
	return filterSet[netInterface]{
		"subnet-id":                        func(n *netInterface) []string { return one(n.subnet) },
		"vpc-id":                           func(n *netInterface) []string { return one(n.vpc) },
		"network-interface-id":             func(n *netInterface) []string { return one(n.id) },
		"description":                      func(n *netInterface) []string { return one(n.description) },
		"status":                           func(*netInterface) []string { return one(string(ec2api.NetworkInterfaceStatusInUse)) },
		"requester-managed":                func(*netInterface) []string { return boolean(true) },
		"interface-type":                   func(*netInterface) []string { return one(string(ec2api.NetworkInterfaceTypeInterface)) },
		"private-ip-address":               func(n *netInterface) []string { return one(n.addr) },
		"addresses.private-ip-address":     func(n *netInterface) []string { return one(n.addr) },
		"availability-zone":                func(n *netInterface) []string { return one(n.zone) },
		"owner-id":                         func(*netInterface) []string { return one(sc.Account) },
		"group-id":                         groupIDs,
		"group-name":                       groupNames,
		"attachment.instance-id":           none,
		"attachment.attachment-id":         none,
		"requester-id":                     none,
		"mac-address":                      none,
		"attachment.status":                none,
		"addresses.primary":                func(*netInterface) []string { return boolean(true) },
		"private-dns-name":                 none,
		"attachment.instance-owner-id":     none,
		"attachment.device-index":          none,
		"source-dest-check":                func(*netInterface) []string { return boolean(true) },
		"attachment.delete-on-termination": none,
	}
}

func wireInterface(n *netInterface, sc deskplane.Scope) ec2api.NetworkInterface {
	return ec2api.NetworkInterface{
		NetworkInterfaceId: new(n.id), SubnetId: new(n.subnet), VpcId: new(n.vpc), AvailabilityZone: new(n.zone),
		Description: new(n.description), OwnerId: new(sc.Account), PrivateIpAddress: new(n.addr),
		PrivateIpAddresses: []ec2api.NetworkInterfacePrivateIpAddress{{Primary: new(true), PrivateIpAddress: new(n.addr)}},
		Groups:             n.groups, Status: ec2api.NetworkInterfaceStatusInUse, InterfaceType: ec2api.NetworkInterfaceTypeInterface,
		RequesterManaged: new(true), SourceDestCheck: new(true), TagSet: []ec2api.Tag{},
	}
}

// subnetInterfaces derives the interfaces of one subnet, by address.
func subnetInterfaces(tx deskplane.Tx, sc deskplane.Scope, n *ec2net.Subnet) ([]netInterface, error) {
	used, err := ec2net.Addresses(tx, sc, n)
	if err != nil {
		return nil, err
	}
	addrs := make([]string, 0, len(used))
	for a := range used {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, func(a, b string) int {
		pa, ea := netip.ParseAddr(a)
		pb, eb := netip.ParseAddr(b)
		if ea != nil || eb != nil {
			return strings.Compare(a, b)
		}
		return pa.Compare(pb)
	})
	out := make([]netInterface, 0, len(addrs))
	for _, a := range addrs {
		holder := used[a]
		ni := netInterface{id: interfaceID(n.ID, a), subnet: n.ID, vpc: n.VPC, zone: n.Zone, addr: a, holder: holder}
		var owner string // the owner of the holder's security group
		if strings.HasPrefix(holder, "d-") {
			ni.description, owner = "AWS created network interface for directory "+holder, holder
		} else {
			ni.description = "Created By Amazon Workspaces for AWS Account ID " + sc.Account
			ws, ok, err := deskplane.Workspaces().Get(tx, sc, holder)
			if err != nil {
				return nil, err
			}
			if ok {
				owner = ec2net.MembersOwner(ws.DirectoryID)
			}
		}
		if owner != "" {
			err := ec2net.SecurityGroups().Each(tx, sc, 0, func(_ int64, g *ec2net.SecurityGroup) (bool, error) {
				if g.Owner == owner && g.VPC == n.VPC {
					ni.groups = append(ni.groups, ec2api.GroupIdentifier{GroupId: new(g.ID), GroupName: new(g.Name)})
				}
				return true, nil
			})
			if err != nil {
				return nil, err
			}
		}
		out = append(out, ni)
	}
	return out, nil
}

// DescribeNetworkInterfaces lists the interfaces of the addresses in use,
// paged by subnet and address.
func (s *Service) DescribeNetworkInterfaces(ctx context.Context, in *ec2api.DescribeNetworkInterfacesRequest) (*ec2api.DescribeNetworkInterfacesResult, error) {
	sc := env.Scope(ctx)
	keep, err := interfaceFilters(sc).compile(in.Filters, func(*netInterface) []deskplane.Tag { return nil })
	if err != nil {
		return nil, err
	}
	l, err := newListing(ctx, "DescribeNetworkInterfaces", in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(in.NetworkInterfaceIds))
	for _, id := range in.NetworkInterfaceIds {
		want[id] = true
	}
	// A position is the subnet's sequence number times 2^16 plus the
	// address's place in the subnet, so that a page may end inside a subnet.
	const per = 1 << 16
	var p paging.Page[ec2api.NetworkInterface]
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[ec2api.NetworkInterface]{}
		if len(want) > 0 {
			exists := map[string]bool{}
			err := ec2net.Subnets().Each(tx, sc, 0, func(_ int64, n *ec2net.Subnet) (bool, error) {
				used, err := ec2net.Addresses(tx, sc, n)
				if err != nil {
					return false, err
				}
				for a := range used {
					exists[interfaceID(n.ID, a)] = true
				}
				return true, nil
			})
			if err != nil {
				return err
			}
			for _, id := range in.NetworkInterfaceIds {
				if !exists[id] {
					return notFound(ec2net.ReasonEC2InterfaceNotFound, id, "The networkInterface ID '%s' does not exist")
				}
			}
		}
		return ec2net.Subnets().Each(tx, sc, max(l.after/per-1, 0), func(seq int64, n *ec2net.Subnet) (bool, error) {
			nis, err := subnetInterfaces(tx, sc, n)
			if err != nil {
				return false, err
			}
			for i := range nis {
				ni := &nis[i]
				pos := seq*per + int64(i) + 1
				if pos <= l.after || (len(want) > 0 && !want[ni.id]) || !keep(ni) {
					continue
				}
				if !p.Add(l.size, pos, wireInterface(ni, sc)) {
					return false, nil
				}
			}
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DescribeNetworkInterfacesResult{NetworkInterfaces: p.Items(), NextToken: p.Next(ctx, l.purpose)}, nil
}
