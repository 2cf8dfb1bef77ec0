package deskplane

import (
	"net/netip"
	"testing"
)

func TestSubnetNetworksAndHosts(t *testing.T) {
	if a, b := SubnetNetwork("subnet-1"), SubnetNetwork("subnet-1"); a != b {
		t.Fatal("a subnet's network is not stable")
	}
	nets := SubnetNetworks([]string{"subnet-1", "subnet-1", "subnet-2"})
	if nets[0] == nets[1] {
		t.Fatalf("two subnets share the network %v", nets[0])
	}
	for _, n := range nets {
		if n[0] != 10 {
			t.Fatalf("network %v is outside 10.0.0.0/8", n)
		}
		a, err := netip.ParseAddr(HostIn(n, "seed"))
		if err != nil {
			t.Fatal(err)
		}
		b := a.As4()
		if [3]byte{b[0], b[1], b[2]} != n || b[3] < 10 || b[3] > 249 {
			t.Fatalf("host %v of network %v", a, n)
		}
	}
	if a, b := HostIn(nets[0], "a"), HostIn(nets[0], "a"); a != b {
		t.Fatal("a host is not stable")
	}
}
