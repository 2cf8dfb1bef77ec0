package ec2net_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/ec2net"
	"github.com/deskplane/deskplane/internal/memory"
)

var sc = deskplane.Scope{Account: "000000000000", Region: "us-east-1"}

// readCounter counts the address records a transaction reads.
type readCounter struct {
	deskplane.Tx
	reads *int
}

func (t readCounter) Get(k deskplane.Key) (deskplane.Record, error) {
	if strings.HasPrefix(string(k.Kind), "ec2addr") {
		*t.reads++
	}
	return t.Tx.Get(k)
}

func newSubnet(t *testing.T, s deskplane.Store, n ec2net.Subnet) {
	t.Helper()
	if err := s.Update(context.Background(), func(tx deskplane.Tx) error {
		return ec2net.Subnets().Put(tx, sc, n.ID, &n)
	}); err != nil {
		t.Fatal(err)
	}
}

func allocate(t *testing.T, s deskplane.Store, subnet, holder string, reads *int) string {
	t.Helper()
	var ip string
	if err := s.Update(context.Background(), func(tx deskplane.Tx) error {
		var err error
		var known bool
		ip, known, err = ec2net.AllocateSubnetAddress(readCounter{tx, reads}, sc, subnet, holder)
		if err == nil && !known {
			err = errors.New("subnet unknown")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ip
}

func release(t *testing.T, s deskplane.Store, subnet, ip, holder string) {
	t.Helper()
	if err := s.Update(context.Background(), func(tx deskplane.Tx) error {
		return ec2net.ReleaseAddress(tx, sc, subnet, ip, holder)
	}); err != nil {
		t.Fatal(err)
	}
}

func subnet(t *testing.T, s deskplane.Store, id string) (n *ec2net.Subnet, used map[string]string) {
	t.Helper()
	if err := s.View(context.Background(), func(tx deskplane.Tx) error {
		var err error
		if n, _, err = ec2net.Subnets().Get(tx, sc, id); err != nil {
			return err
		}
		used, err = ec2net.Addresses(tx, sc, n)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n, used
}

// A /28 has 11 addresses: handed out in order, a released one first
// again, then none, known without reading an address.
func TestSubnetAddressesConstantTime(t *testing.T) {
	s := memory.New()
	newSubnet(t, s, ec2net.Subnet{ID: "subnet-a", CIDR: "10.0.1.0/28"})
	var reads int
	var got []string
	for i := range 11 {
		got = append(got, allocate(t, s, "subnet-a", fmt.Sprintf("ws-%02d", i), &reads))
	}
	if got[0] != "10.0.1.4" || got[10] != "10.0.1.14" {
		t.Fatalf("addresses %v; want 10.0.1.4 … 10.0.1.14", got)
	}
	reads = 0
	if ip := allocate(t, s, "subnet-a", "ws-full", &reads); ip != "" || reads != 0 {
		t.Fatalf("a full subnet gave %q after reading %d addresses; want none after none", ip, reads)
	}
	release(t, s, "subnet-a", got[3], "ws-03")
	release(t, s, "subnet-a", got[3], "ws-03") // twice: freed once
	release(t, s, "subnet-a", got[4], "ws-xx") // not its holder's
	n, used := subnet(t, s, "subnet-a")
	if ec2net.InUse(n) != 10 || len(used) != 10 || used[got[4]] != "ws-04" {
		t.Fatalf("after a release: %d in use, %v", ec2net.InUse(n), used)
	}
	if ip := allocate(t, s, "subnet-a", "ws-again", &reads); ip != got[3] {
		t.Fatalf("after a release got %q; want %s", ip, got[3])
	}
	if ip := allocate(t, s, "subnet-a", "ws-full", &reads); ip != "" {
		t.Fatalf("a full subnet gave %q", ip)
	}
}

// A subnet stored with its addresses in the record (before the
// allocator) is converted on first use: held addresses stay held, gaps
// below the highest become free.
func TestSubnetAddressesConverted(t *testing.T) {
	s := memory.New()
	newSubnet(t, s, ec2net.Subnet{ID: "subnet-b", CIDR: "10.0.2.0/24",
		Used: map[string]string{"10.0.2.4": "d-1", "10.0.2.6": "ws-a", "10.0.2.7": "ws-b"}})
	n, used := subnet(t, s, "subnet-b")
	if ec2net.InUse(n) != 3 || len(used) != 3 {
		t.Fatalf("before conversion: %d in use, %v", ec2net.InUse(n), used)
	}
	var reads int
	if a, b := allocate(t, s, "subnet-b", "ws-c", &reads), allocate(t, s, "subnet-b", "ws-d", &reads); a != "10.0.2.5" || b != "10.0.2.8" {
		t.Fatalf("after conversion got %s, %s; want the gap 10.0.2.5, then 10.0.2.8", a, b)
	}
	release(t, s, "subnet-b", "10.0.2.6", "ws-a")
	n, used = subnet(t, s, "subnet-b")
	if n.Used != nil || ec2net.InUse(n) != 4 || used["10.0.2.4"] != "d-1" || used["10.0.2.5"] != "ws-c" || used["10.0.2.6"] != "" {
		t.Fatalf("converted: %+v, %v", n, used)
	}
	// Release(holder) finds a directory's addresses.
	if err := s.Update(context.Background(), func(tx deskplane.Tx) error { return ec2net.Release(tx, sc, "d-1") }); err != nil {
		t.Fatal(err)
	}
	if n, used = subnet(t, s, "subnet-b"); ec2net.InUse(n) != 3 || used["10.0.2.4"] != "" {
		t.Fatalf("after Release(d-1): %d in use, %v", ec2net.InUse(n), used)
	}
}

// A transaction that allocates and then fails changes nothing.
func TestSubnetAddressRolledBack(t *testing.T) {
	s := memory.New()
	newSubnet(t, s, ec2net.Subnet{ID: "subnet-c", CIDR: "10.0.3.0/24"})
	crash := errors.New("crash")
	err := s.Update(context.Background(), func(tx deskplane.Tx) error {
		if _, _, err := ec2net.AllocateSubnetAddress(tx, sc, "subnet-c", "ws-a"); err != nil {
			return err
		}
		return crash
	})
	if !errors.Is(err, crash) {
		t.Fatal(err)
	}
	var reads int
	if ip := allocate(t, s, "subnet-c", "ws-b", &reads); ip != "10.0.3.4" {
		t.Fatalf("after a rolled-back allocation got %s; want 10.0.3.4", ip)
	}
}
