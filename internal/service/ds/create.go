package ds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/ec2net"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/password"
	"github.com/deskplane/deskplane/internal/service/env"
)

const (
	stageRequested = deskplane.DSDirectoryRequested
	stageCreating  = deskplane.DSDirectoryCreating
	stageActive    = deskplane.DSDirectoryActive
	stageDeleting  = deskplane.DSDirectoryDeleting

	typeSimpleAD          = string(dsapi.DirectoryTypeSimpleAd)
	typeMicrosoftAD       = string(dsapi.DirectoryTypeMicrosoftAd)
	typeADConnector       = string(dsapi.DirectoryTypeAdConnector)
	typeSharedMicrosoftAD = string(dsapi.DirectoryTypeSharedMicrosoftAd)

	// anyUserTag, set to "true" on a directory (at creation or with
	// AddTagsToResource), makes every user name exist in it.
	anyUserTag = "deskplane:any-user"

	maxTags = 50
)

// stagePayload is carried by the stage timers: the directory generation it
// was scheduled at.
type stagePayload struct {
	Gen int64 `json:"gen"`
}

// ---- deterministic network values --------------------------------------------

// deskplane has no VPC data: the network of a subnet is derived from its
// id, so the same subnet always has the same range. subnetNetwork returns
// the first three octets of the subnet's /24, inside 10.0.0.0/8.
func subnetNetwork(subnetID string) [3]byte {
	h := fnv.New32a()
	h.Write([]byte(subnetID))
	v := h.Sum32()
	return [3]byte{10, byte(v >> 8), byte(v)}
}

// subnetNetworks returns the networks of the subnets, made distinct: a
// subnet whose derived range collides with an earlier one moves up.
func subnetNetworks(subnetIDs []string) [][3]byte {
	out := make([][3]byte, len(subnetIDs))
	for i, id := range subnetIDs {
		n := subnetNetwork(id)
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

// hostIn returns an address in the network, its host part derived from
// seed (10–249, away from the addresses AWS reserves).
func hostIn(n [3]byte, seed string) string {
	h := fnv.New32a()
	h.Write([]byte(seed))
	host := 10 + h.Sum32()%240
	return fmt.Sprintf("%d.%d.%d.%d", n[0], n[1], n[2], host)
}

// directoryAddrs returns one address per subnet for the directory's
// servers (DNS servers, or an AD Connector's connect addresses).
func directoryAddrs(dirID, role string, subnetIDs []string) []string {
	nets := subnetNetworks(subnetIDs)
	out := make([]string, len(nets))
	for i, n := range nets {
		out[i] = hostIn(n, dirID+"/"+role+"/"+subnetIDs[i])
	}
	return out
}

// availabilityZones derives the zones of the directory's subnets: the
// subnets of a directory are in different zones, so the first is in zone
// a and the second in zone b of the Region.
func availabilityZones(region string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = region + string(rune('a'+i%6))
	}
	return out
}

// checkDirectorySubnets applies Directory Service's rule: exactly two
// subnets, in different Availability Zones (two distinct subnets).
func checkDirectorySubnets(subnets []string) error {
	if len(subnets) != 2 || subnets[0] == subnets[1] {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "Invalid subnet ID(s). They must correspond to two subnets in different Availability Zones.")
	}
	return nil
}

// domainSID returns a directory's domain SID, derived from its id.
func domainSID(dirID string) string {
	h := fnv.New64a()
	h.Write([]byte(dirID))
	v := h.Sum64()
	return fmt.Sprintf("S-1-5-21-%d-%d-%d", 1000000000+uint32(v)%2000000000, 1000000000+uint32(v>>32)%2000000000, 100000000+v%900000000)
}

// ---- creation -----------------------------------------------------------------

// newDSDirectory is what the three create operations share.
type newDSDirectory struct {
	typ, name, shortName, description, size, edition string
	vpcID                                            string
	subnets                                          []string
	customerDNS                                      []string
	customerUser                                     string
	tags                                             []dsapi.Tag
	password                                         string
	networkType                                      string
}

// limitOf returns the caller's limit of directories of a type
// (GetDirectoryLimits; adjustable with -quota-simple-ad,
// -quota-microsoft-ad and -quota-ad-connectors).
func (s *Service) limitOf(typ string) int {
	switch typ {
	case typeMicrosoftAD:
		return s.Quotas.DSMicrosoftAD
	case typeADConnector:
		return s.Quotas.DSConnectors
	}
	return s.Quotas.DSSimpleAD
}

// countTypes counts the caller's own directories by type (shared
// directories not included; a Hybrid AD directory is a Microsoft AD).
func countTypes(tx deskplane.Tx, sc deskplane.Scope) (map[string]int, error) {
	n := map[string]int{}
	err := directory.DSDirectories().Each(tx, sc, 0, func(_ int64, d *directory.DSDirectory) (bool, error) {
		if d.Owner == nil && d.PrimaryRegion == "" {
			n[d.Type]++
		}
		return true, nil
	})
	return n, err
}

func (s *Service) createDSDirectory(ctx context.Context, n newDSDirectory) (string, error) {
	if err := checkDSTags(n.tags); err != nil {
		return "", err
	}
	if err := checkDirectorySubnets(n.subnets); err != nil {
		return "", err
	}
	if n.shortName == "" {
		first, _, _ := strings.Cut(n.name, ".")
		n.shortName = strings.ToUpper(first)
	}
	sc := env.Scope(ctx)
	now := s.Now()
	id := deskplane.NewHexID("d-", 10)
	hash := ""
	if n.password != "" {
		h, err := password.Hash(n.password)
		if err != nil {
			return "", err
		}
		hash = h
	}
	dcIDs := []string{deskplane.NewHexID("dc-", 10), deskplane.NewHexID("dc-", 10)}
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		counts, err := countTypes(tx, sc)
		if err != nil {
			return err
		}
		if limit := s.limitOf(n.typ); counts[n.typ] >= limit {
			return deskplane.Errorf(deskplane.CodeLimitExceeded, "You have reached the limit of %d %s directories in this Region for this account.", limit, typeName(n.typ))
		}
		// The subnets of a VPC EC2 knows: in it, in two zones; addresses from them (decision 0306).
		placed, err := ec2net.PlaceDirectory(tx, sc, id, n.vpcID, n.subnets, s.Strict)
		if err != nil {
			return err
		}
		dir := directory.DSDirectory{
			ID:              id,
			Name:            n.name,
			ShortName:       n.shortName,
			Type:            n.typ,
			Size:            n.size,
			Edition:         n.edition,
			Description:     n.description,
			Alias:           id,
			AccessURL:       id + ".awsapps.com",
			Stage:           stageRequested,
			VpcID:           n.vpcID,
			SubnetIDs:       slices.Clone(n.subnets),
			AZs:             availabilityZones(sc.Region, len(n.subnets)),
			SecurityGroupID: deskplane.NewHexID("sg-", 17),
			Launched:        now,
			StageChanged:    now,
			DomainSID:       domainSID(id),
			NextRID:         1104,
			Generation:      1,
			NetworkType:     n.networkType,
		}
		if placed.Zones != nil {
			dir.AZs, dir.SecurityGroupID = placed.Zones, placed.Group
		}
		switch n.typ {
		case typeADConnector:
			dir.DNSAddrs = slices.Clone(n.customerDNS)
			dir.CustomerDNSIPs = slices.Clone(n.customerDNS)
			dir.CustomerUser = n.customerUser
			dir.ConnectIPs = directoryAddrs(id, "connect", n.subnets)
			dir.AdminUser = n.customerUser
		case typeMicrosoftAD:
			dir.DNSAddrs = directoryAddrs(id, "dns", n.subnets)
			dir.AdminUser = "Admin"
			dir.OSVersion = string(dsapi.OSVersionVersion2019)
			dir.DesiredDCs = 2
			for i, sub := range n.subnets {
				dir.DCs = append(dir.DCs, directory.DSDomainController{ID: dcIDs[i%2], Subnet: sub, AZ: dir.AZs[i],
					Addr: dir.DNSAddrs[i], Status: directory.DCCreating, Launched: now, Changed: now})
			}
		default:
			dir.DNSAddrs = directoryAddrs(id, "dns", n.subnets)
			dir.AdminUser = "Administrator"
		}
		if addrs := placed.Addrs; addrs != nil && n.typ != typeADConnector {
			dir.DNSAddrs = addrs
			for i := range dir.DCs {
				dir.DCs[i].Addr = addrs[i]
			}
		}
		if err := addDSTags(&dir, n.tags); err != nil {
			return err
		}
		if err := directory.SeedDirectoryPrincipals(tx, sc, &dir, now); err != nil {
			return err
		}
		if hash != "" && n.typ != typeADConnector {
			if err := directory.SetUserPassword(tx, sc, id, dir.AdminUser, hash, now); err != nil && !errors.Is(err, deskplane.ErrNotFound) && !deskplane.HasCode(err, deskplane.CodeNotFound) {
				return err
			}
		}
		if err := deskplane.Save(tx, dirKey(sc, id), dir); err != nil {
			return err
		}
		return s.scheduleStage(tx, sc, &dir, now, deskplane.TDirectoryCreate)
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

func (s *Service) scheduleStage(tx deskplane.Tx, sc deskplane.Scope, dir *directory.DSDirectory, from time.Time, t deskplane.Transition) error {
	p, _ := json.Marshal(stagePayload{Gen: dir.Generation})
	return tx.Schedule(deskplane.Timer{Key: dirKey(sc, dir.ID), Name: deskplane.TimerDSDirectoryStage, Due: s.After(from, t), Payload: p})
}

func (s *Service) CreateDirectory(ctx context.Context, in *dsapi.CreateDirectoryRequest) (*dsapi.CreateDirectoryResult, error) {
	if in.VpcSettings == nil {
		return nil, invalid("VpcSettings must be specified.")
	}
	id, err := s.createDSDirectory(ctx, newDSDirectory{
		typ: typeSimpleAD, name: deref(in.Name), shortName: deref(in.ShortName), description: deref(in.Description),
		size: string(in.Size), vpcID: deref(in.VpcSettings.VpcId), subnets: in.VpcSettings.SubnetIds, tags: in.Tags,
		password: deref(in.Password), networkType: string(in.NetworkType),
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.CreateDirectoryResult{DirectoryId: &id}, nil
}

func (s *Service) CreateMicrosoftAD(ctx context.Context, in *dsapi.CreateMicrosoftADRequest) (*dsapi.CreateMicrosoftADResult, error) {
	edition := string(in.Edition)
	if edition == "" {
		edition = string(dsapi.DirectoryEditionEnterprise)
	}
	id, err := s.createDSDirectory(ctx, newDSDirectory{
		typ: typeMicrosoftAD, name: deref(in.Name), shortName: deref(in.ShortName), description: deref(in.Description),
		edition: edition, vpcID: deref(in.VpcSettings.VpcId), subnets: in.VpcSettings.SubnetIds, tags: in.Tags,
		password: deref(in.Password), networkType: string(in.NetworkType),
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.CreateMicrosoftADResult{DirectoryId: &id}, nil
}

func (s *Service) ConnectDirectory(ctx context.Context, in *dsapi.ConnectDirectoryRequest) (*dsapi.ConnectDirectoryResult, error) {
	cs := in.ConnectSettings
	if len(cs.CustomerDnsIps) == 0 {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "CustomerDnsIps must list the DNS addresses of your self-managed directory.")
	}
	id, err := s.createDSDirectory(ctx, newDSDirectory{
		typ: typeADConnector, name: deref(in.Name), shortName: deref(in.ShortName), description: deref(in.Description),
		size: string(in.Size), vpcID: deref(cs.VpcId), subnets: cs.SubnetIds, customerDNS: cs.CustomerDnsIps,
		customerUser: deref(cs.CustomerUserName), tags: in.Tags, networkType: string(in.NetworkType),
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.ConnectDirectoryResult{DirectoryId: &id}, nil
}
