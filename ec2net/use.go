package ec2net

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/deskplane/deskplane"
)

// What Directory Service and WorkSpaces ask of EC2's records
// (docs/decisions/0306-ec2-in-use.md): a directory's subnets must be in its
// VPC and in two zones, and directories and WorkSpaces take their
// addresses from their subnets, which then cannot be deleted. All of it
// only for a VPC EC2 knows: ids EC2 never saw keep working as before,
// unless strict mode refuses them.

// Placement is where a directory stands in a VPC EC2 knows: its subnets'
// zones, its address in each subnet, and the security group it created.
type Placement struct {
	Zones, Addrs []string
	Group        string
}

// PlaceDirectory checks a new directory's VPC and subnets against EC2,
// takes one address in each subnet for the directory dirID and creates its
// security group (dirID_controllers). It returns the zero Placement when
// EC2 does not know the VPC (and strict is off).
func PlaceDirectory(tx deskplane.Tx, sc deskplane.Scope, dirID, vpcID string, subnets []string, strict bool) (Placement, error) {
	zones, addrs, err := placeDirectory(tx, sc, dirID, vpcID, subnets, strict)
	if err != nil || zones == nil {
		return Placement{}, err
	}
	vpc, _, err := VPCs().Get(tx, sc, vpcID)
	if err != nil {
		return Placement{}, err
	}
	g := SecurityGroup{
		ID: deskplane.NewHexID("sg-", 17), Name: dirID + "_controllers", VPC: vpcID, Owner: dirID,
		Description: "AWS created security group for " + dirID + " directory controllers",
		Ingress:     []SGRule{{ID: deskplane.NewHexID("sgr-", 17), Protocol: "-1", CIDR: vpc.CIDR}},
		Egress:      []SGRule{{ID: deskplane.NewHexID("sgr-", 17), Protocol: "-1", CIDR: "0.0.0.0/0"}},
	}
	return Placement{Zones: zones, Addrs: addrs, Group: g.ID}, SecurityGroups().Put(tx, sc, g.ID, &g)
}

// MembersOwner is the owner of the security group WorkSpaces creates for a
// registered directory's WorkSpaces: the registration, not the directory,
// so that deregistering deletes it and the directory's own group stays.
func MembersOwner(dirID string) string { return dirID + "/workspaces" }

// CreateMembersGroup creates the security group of a registered
// directory's WorkSpaces (dirID_workspacesMembers) in its VPC and returns
// its id; ok is false, and nothing is created, when EC2 does not know the
// VPC. Release(MembersOwner(dirID)) deletes it.
func CreateMembersGroup(tx deskplane.Tx, sc deskplane.Scope, dirID, vpcID string) (id string, ok bool, err error) {
	if vpcID == "" {
		return "", false, nil
	}
	if _, found, err := VPCs().Get(tx, sc, vpcID); err != nil || !found {
		return "", false, err
	}
	g := SecurityGroup{
		ID: deskplane.NewHexID("sg-", 17), Name: dirID + "_workspacesMembers", VPC: vpcID, Owner: MembersOwner(dirID),
		Description: "Amazon WorkSpaces Security Group",
		Egress:      []SGRule{{ID: deskplane.NewHexID("sgr-", 17), Protocol: "-1", CIDR: "0.0.0.0/0"}},
	}
	return g.ID, true, SecurityGroups().Put(tx, sc, g.ID, &g)
}

func placeDirectory(tx deskplane.Tx, sc deskplane.Scope, dirID, vpcID string, subnets []string, strict bool) (zones, addrs []string, err error) {
	vpc, found, err := VPCs().Get(tx, sc, vpcID)
	if err != nil {
		return nil, nil, err
	}
	if !found {
		if strict {
			return nil, nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "Invalid VPC ID: the VPC %s does not exist.", vpcID)
		}
		return nil, nil, nil
	}
	bad := deskplane.Errorf(deskplane.CodeInvalidParameter, "Invalid subnet ID(s). They must correspond to two subnets in different Availability Zones.")
	for _, id := range subnets {
		n, found, err := Subnets().Get(tx, sc, id)
		if err != nil {
			return nil, nil, err
		}
		if !found || n.VPC != vpc.ID || slices.Contains(zones, n.Zone) {
			return nil, nil, bad
		}
		zones = append(zones, n.Zone)
	}
	for _, id := range subnets {
		ip, _, err := AllocateSubnetAddress(tx, sc, id, dirID)
		if err != nil {
			return nil, nil, err
		}
		if ip == "" {
			return nil, nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The subnet %s has no free IP address left for the directory.", id)
		}
		addrs = append(addrs, ip)
	}
	return zones, addrs, nil
}

// AllocateSubnetAddress takes the lowest free address of an EC2 subnet
// for holder (a WorkSpace or directory id). known is false when EC2 has no
// such subnet; ip is "" when the subnet is full.
func AllocateSubnetAddress(tx deskplane.Tx, sc deskplane.Scope, subnetID, holder string) (ip string, known bool, err error) {
	n, found, err := Subnets().Get(tx, sc, subnetID)
	if err != nil || !found {
		return "", false, err
	}
	p, err := netip.ParsePrefix(n.CIDR)
	if err != nil {
		return "", true, fmt.Errorf("subnet %s: %w", subnetID, err)
	}
	// The network address and the next three are AWS's, as is the last.
	a := p.Addr().Next().Next().Next().Next()
	for ; p.Contains(a) && p.Contains(a.Next()); a = a.Next() {
		if _, used := n.Used[a.String()]; used {
			continue
		}
		if n.Used == nil {
			n.Used = map[string]string{}
		}
		n.Used[a.String()] = holder
		return a.String(), true, Subnets().Put(tx, sc, subnetID, n)
	}
	return "", true, nil
}

// Release gives back every address holder (a WorkSpace or directory)
// holds in the scope's subnets, and deletes the security groups it created.
func Release(tx deskplane.Tx, sc deskplane.Scope, holder string) error {
	var groups []string
	err := SecurityGroups().Each(tx, sc, 0, func(_ int64, g *SecurityGroup) (bool, error) {
		if g.Owner == holder {
			groups = append(groups, g.ID)
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, id := range groups {
		if _, err := SecurityGroups().Delete(tx, sc, id); err != nil {
			return err
		}
	}
	var changed []*Subnet
	err = Subnets().Each(tx, sc, 0, func(_ int64, n *Subnet) (bool, error) {
		before := len(n.Used)
		for ip, h := range n.Used {
			if h == holder {
				delete(n.Used, ip)
			}
		}
		if len(n.Used) != before {
			changed = append(changed, n)
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, n := range changed {
		if err := Subnets().Put(tx, sc, n.ID, n); err != nil {
			return err
		}
	}
	return nil
}
