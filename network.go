package deskplane

import (
	"fmt"
	"hash/fnv"
	"slices"
)

// deskplane has no VPC data: the network of a subnet is derived from its
// id, so that the same subnet always has the same range, whichever family
// asks (a directory's DNS addresses, a WorkSpace's private IP, a pool
// session's ENI).

// SubnetNetwork returns the first three octets of the subnet's /24, inside
// 10.0.0.0/8.
func SubnetNetwork(subnetID string) [3]byte {
	h := fnv.New32a()
	h.Write([]byte(subnetID))
	v := h.Sum32()
	return [3]byte{10, byte(v >> 8), byte(v)}
}

// SubnetNetworks returns the networks of the subnets, made distinct: a
// subnet whose derived range collides with an earlier one moves up.
func SubnetNetworks(subnetIDs []string) [][3]byte {
	out := make([][3]byte, len(subnetIDs))
	for i, id := range subnetIDs {
		n := SubnetNetwork(id)
		for slices.Contains(out[:i], n) {
			n[2]++
			if n[2] == 0 {
				n[1]++
			}
		}
		out[i] = n
	}
	return out
}

// HostIn returns an address in the network, its host part derived from
// seed (10–249, away from the addresses AWS reserves).
func HostIn(n [3]byte, seed string) string {
	h := fnv.New32a()
	h.Write([]byte(seed))
	host := 10 + h.Sum32()%240
	return fmt.Sprintf("%d.%d.%d.%d", n[0], n[1], n[2], host)
}
