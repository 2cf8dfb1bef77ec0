package ec2net

import (
	"encoding/json"
	"errors"
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

// The addresses of a subnet (docs/decisions/0352-ec2-subnet-addresses.md)
// are allocated in constant time: one record per address held (kind
// AddressKind(subnet), id = the address, body = its holder), the
// allocator's state in the subnet record (AddrNext fresh host offsets
// handed out, AddrFree released addresses on its free stack, InUse held),
// and the free stack's entries as records of KindAddressFree keyed by
// subnet and position. A launch reads and writes a few small records,
// never a list of the subnet's addresses, and all of it in the caller's
// transaction.

// KindAddressFree holds the free stacks of the subnets' addresses: id =
// subnet id + "/" + zero-padded position, body = the address.
const KindAddressFree deskplane.Kind = "ec2addrfree"

// AddressKind is the kind of the address records of one subnet.
func AddressKind(subnetID string) deskplane.Kind { return deskplane.Kind("ec2addr/" + subnetID) }

func freeKey(sc deskplane.Scope, subnetID string, pos int) deskplane.Key {
	return deskplane.Key{Scope: sc, Kind: KindAddressFree, ID: fmt.Sprintf("%s/%06d", subnetID, pos)}
}

func addressKey(sc deskplane.Scope, subnetID, addr string) deskplane.Key {
	return deskplane.Key{Scope: sc, Kind: AddressKind(subnetID), ID: addr}
}

// hostRange is the subnet's first usable address and how many there are:
// the network address and the next three are AWS's, as is the last.
func hostRange(n *Subnet) (netip.Addr, int, error) {
	p, err := netip.ParsePrefix(n.CIDR)
	if err != nil || !p.Addr().Is4() {
		return netip.Addr{}, 0, fmt.Errorf("subnet %s: CIDR %q is not IPv4", n.ID, n.CIDR)
	}
	return p.Masked().Addr().Next().Next().Next().Next(), 1<<(32-p.Bits()) - 5, nil
}

func addrValue(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// hostAt is the address off places after first.
func hostAt(first netip.Addr, off int) netip.Addr {
	v := addrValue(first) + uint32(off)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// InUse is how many of the subnet's addresses are held.
func InUse(n *Subnet) int { return n.InUse + len(n.Used) }

// Addresses returns the addresses held in the subnet, by address: what
// holds it.
func Addresses(tx deskplane.Tx, sc deskplane.Scope, n *Subnet) (map[string]string, error) {
	out := make(map[string]string, InUse(n))
	for a, h := range n.Used {
		out[a] = h
	}
	var derr error
	err := tx.List(sc, AddressKind(n.ID), 0, func(r deskplane.Record) bool {
		var h string
		if derr = json.Unmarshal(r.Data, &h); derr != nil {
			return false
		}
		out[r.ID] = h
		return true
	})
	if err == nil {
		err = derr
	}
	return out, err
}

// convert moves the addresses of a subnet stored before the allocator
// (its Used map) to address records, once: the offsets below the highest
// held that nobody holds go on the free stack.
func convert(tx deskplane.Tx, sc deskplane.Scope, n *Subnet) error {
	if len(n.Used) == 0 {
		return nil
	}
	first, size, err := hostRange(n)
	if err != nil {
		return err
	}
	held := make(map[int]bool, len(n.Used))
	for a, h := range n.Used {
		addr, err := netip.ParseAddr(a)
		if err != nil {
			return fmt.Errorf("subnet %s: address %q: %w", n.ID, a, err)
		}
		off := int(addrValue(addr)) - int(addrValue(first))
		if !addr.Is4() || off < 0 || off >= size {
			return fmt.Errorf("subnet %s: address %s is outside its hosts", n.ID, a)
		}
		held[off] = true
		n.AddrNext = max(n.AddrNext, off+1)
		if err := deskplane.Save(tx, addressKey(sc, n.ID, a), h); err != nil {
			return err
		}
	}
	for off := range n.AddrNext {
		if !held[off] {
			if err := push(tx, sc, n, hostAt(first, off).String()); err != nil {
				return err
			}
		}
	}
	n.InUse += len(n.Used)
	n.Used = nil
	return nil
}

func push(tx deskplane.Tx, sc deskplane.Scope, n *Subnet, addr string) error {
	if err := deskplane.Save(tx, freeKey(sc, n.ID, n.AddrFree), addr); err != nil {
		return err
	}
	n.AddrFree++
	return nil
}

// AllocateSubnetAddress takes an address of an EC2 subnet for holder (a
// WorkSpace or directory id): the last one released, or else the next
// never handed out. known is false when EC2 has no such subnet; ip is ""
// when the subnet is full, which it knows without reading an address.
func AllocateSubnetAddress(tx deskplane.Tx, sc deskplane.Scope, subnetID, holder string) (ip string, known bool, err error) {
	n, found, err := Subnets().Get(tx, sc, subnetID)
	if err != nil || !found {
		return "", false, err
	}
	first, size, err := hostRange(n)
	if err != nil {
		return "", true, err
	}
	if err := convert(tx, sc, n); err != nil {
		return "", true, err
	}
	for {
		var a string
		switch {
		case n.AddrFree > 0:
			n.AddrFree--
			k := freeKey(sc, n.ID, n.AddrFree)
			if _, err := deskplane.Load(tx, k, &a); err != nil {
				return "", true, err
			}
			if _, err := tx.Delete(k); err != nil {
				return "", true, err
			}
		case n.AddrNext < size:
			a = hostAt(first, n.AddrNext).String()
			n.AddrNext++
		default:
			return "", true, Subnets().Put(tx, sc, subnetID, n) // full
		}
		// Each step consumed a free entry or a fresh offset, so this
		// ends; an address found held is skipped (it comes back when
		// released).
		k := addressKey(sc, n.ID, a)
		if _, err := tx.Get(k); err == nil {
			continue
		} else if !errors.Is(err, deskplane.ErrNotFound) {
			return "", true, err
		}
		if err := deskplane.Save(tx, k, holder); err != nil {
			return "", true, err
		}
		n.InUse++
		return a, true, Subnets().Put(tx, sc, subnetID, n)
	}
}

// ReleaseAddress gives back the address addr of the subnet if holder holds
// it; an unknown subnet or address is no error.
func ReleaseAddress(tx deskplane.Tx, sc deskplane.Scope, subnetID, addr, holder string) error {
	if subnetID == "" || addr == "" {
		return nil
	}
	n, found, err := Subnets().Get(tx, sc, subnetID)
	if err != nil || !found {
		return err
	}
	if err := convert(tx, sc, n); err != nil {
		return err
	}
	if err := release(tx, sc, n, addr, holder); err != nil {
		return err
	}
	return Subnets().Put(tx, sc, subnetID, n)
}

func release(tx deskplane.Tx, sc deskplane.Scope, n *Subnet, addr, holder string) error {
	var h string
	k := addressKey(sc, n.ID, addr)
	if ok, err := deskplane.Load(tx, k, &h); err != nil || !ok || h != holder {
		return err
	}
	if _, err := tx.Delete(k); err != nil {
		return err
	}
	n.InUse--
	return push(tx, sc, n, addr)
}

// Release gives back every address holder (a directory; a WorkSpace
// gives back its one with ReleaseAddress) holds in the scope's subnets,
// and deletes the security groups it created. It reads every address of
// the scope: directories are deleted rarely.
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
	var subnets []*Subnet
	err = Subnets().Each(tx, sc, 0, func(_ int64, n *Subnet) (bool, error) {
		subnets = append(subnets, n)
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, n := range subnets {
		changed := len(n.Used) > 0
		if err := convert(tx, sc, n); err != nil {
			return err
		}
		var mine []string
		err := tx.List(sc, AddressKind(n.ID), 0, func(r deskplane.Record) bool {
			var h string
			if json.Unmarshal(r.Data, &h) == nil && h == holder {
				mine = append(mine, r.ID)
			}
			return true
		})
		if err != nil {
			return err
		}
		for _, a := range mine {
			if err := release(tx, sc, n, a, holder); err != nil {
				return err
			}
		}
		if changed || len(mine) > 0 {
			if err := Subnets().Put(tx, sc, n.ID, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// ForgetAddresses deletes the free stack of a subnet that is deleted (one
// that holds no address).
func ForgetAddresses(tx deskplane.Tx, sc deskplane.Scope, n *Subnet) error {
	for pos := range n.AddrFree {
		if _, err := tx.Delete(freeKey(sc, n.ID, pos)); err != nil {
			return err
		}
	}
	return nil
}
