package ds

import (
	"context"
	"slices"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
)

// Multi-Region replication and domain controllers (AWS Managed Microsoft
// AD). AddRegion keeps the Region on the primary directory and writes a
// replica (same id, PrimaryRegion set) in the other Region's scope, where
// RemoveRegion is called (decision 0211).

// maxAdditionalRegions is how many Regions a directory may be replicated
// to besides its own.
const maxAdditionalRegions = 4

// maxDomainControllers is the most domain controllers a directory may
// ask for (UpdateNumberOfDomainControllers; the model's minimum is 2).
const maxDomainControllers = 20

func regionsInfo(d *directory.DSDirectory) *dsapi.RegionsInfo {
	if d.PrimaryRegion == "" && len(d.Regions) == 0 {
		return nil
	}
	info := &dsapi.RegionsInfo{AdditionalRegions: []string{}}
	for _, r := range d.Regions {
		info.AdditionalRegions = append(info.AdditionalRegions, r.Name)
	}
	if d.PrimaryRegion != "" {
		info.PrimaryRegion = ptr(d.PrimaryRegion)
	}
	return info
}

func (s *Service) AddRegion(ctx context.Context, in *dsapi.AddRegionRequest) (*dsapi.AddRegionResult, error) {
	sc, id, region := env.Scope(ctx), deref(in.DirectoryId), deref(in.RegionName)
	if !s.Serves(region) {
		return nil, invalid("deskplane does not serve the Region %s.", region)
	}
	if err := checkDirectorySubnets(in.VPCSettings.SubnetIds); err != nil {
		return nil, err
	}
	now := s.Now()
	err := s.change(ctx, id, "AddRegion", ms, func(tx deskplane.Tx, d *directory.DSDirectory) error {
		if d.Edition != string(dsapi.DirectoryEditionEnterprise) {
			return deskplane.Errorf(deskplane.CodeNotSupported, "Multi-Region replication needs an Enterprise Edition directory; %s is %s Edition.", id, d.Edition)
		}
		if d.PrimaryRegion != "" {
			return deskplane.Errorf(deskplane.CodeNotSupported, "Directory %s is a replica; add Regions in its primary Region %s.", id, d.PrimaryRegion)
		}
		if region == sc.Region || slices.ContainsFunc(d.Regions, func(r directory.DSRegion) bool { return r.Name == region }) {
			return refuse(deskplane.CodeAlreadyExists, directory.ReasonAlreadyInRegion, "Directory %s is already in the Region %s.", id, region)
		}
		if len(d.Regions) >= maxAdditionalRegions {
			return refuse(deskplane.CodeLimitExceeded, directory.ReasonRegionLimit, "Directory %s is already replicated to %d additional Regions, the limit.", id, len(d.Regions))
		}
		row, _ := directory.DSRegionTable().Row(deskplane.ActionCreate)
		d.Regions = append(d.Regions, directory.DSRegion{Name: region, VpcID: deref(in.VPCSettings.VpcId), SubnetIDs: slices.Clone(in.VPCSettings.SubnetIds),
			Status: row.Via, DesiredDCs: 2, Launched: now, Changed: now})
		rsc := deskplane.Scope{Account: sc.Account, Region: region}
		replica := *d
		replica.PrimaryRegion, replica.Regions, replica.Shares = sc.Region, nil, nil
		replica.VpcID, replica.SubnetIDs = deref(in.VPCSettings.VpcId), slices.Clone(in.VPCSettings.SubnetIds)
		replica.AZs = availabilityZones(region, len(replica.SubnetIDs))
		replica.DNSAddrs = directoryAddrs(id, "dns/"+region, replica.SubnetIDs)
		replica.DCs = nil
		if err := directory.DSDirectories().Put(tx, rsc, id, &replica); err != nil {
			return err
		}
		return s.scheduleSetting(tx, sc, id, itemRegion+region, now, row.Timing)
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.AddRegionResult{}, nil
}

func (s *Service) RemoveRegion(ctx context.Context, in *dsapi.RemoveRegionRequest) (*dsapi.RemoveRegionResult, error) {
	sc, id := env.Scope(ctx), deref(in.DirectoryId)
	now := s.Now()
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		d, err := usable(tx, sc, id, "RemoveRegion", ms...)
		if err != nil {
			return err
		}
		if d.PrimaryRegion == "" {
			return deskplane.Errorf(deskplane.CodeNotSupported, "%s is the primary Region of directory %s; call RemoveRegion in the additional Region to remove, or delete the directory.", sc.Region, id)
		}
		psc := deskplane.Scope{Account: sc.Account, Region: d.PrimaryRegion}
		p, ok, err := directory.DSDirectories().Get(tx, psc, id)
		if err != nil {
			return err
		}
		if ok {
			i := slices.IndexFunc(p.Regions, func(r directory.DSRegion) bool { return r.Name == sc.Region })
			if i >= 0 {
				row, err := directory.DSRegionTable().Check(deskplane.ActionDelete, id, p.Regions[i].Status)
				if err != nil {
					return err
				}
				p.Regions[i].Status, p.Regions[i].Changed = row.Via, now
				if err := directory.DSDirectories().Put(tx, psc, id, p); err != nil {
					return err
				}
				if err := s.scheduleSetting(tx, psc, id, itemRegion+sc.Region, now, row.Timing); err != nil {
					return err
				}
			}
		}
		_, err = directory.DSDirectories().Delete(tx, sc, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.RemoveRegionResult{}, nil
}

func (s *Service) DescribeRegions(ctx context.Context, in *dsapi.DescribeRegionsRequest) (*dsapi.DescribeRegionsResult, error) {
	sc, id, want := env.Scope(ctx), deref(in.DirectoryId), deref(in.RegionName)
	var all []dsapi.RegionDescription
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		d, ok, err := directory.DSDirectories().Get(tx, sc, id)
		if err != nil {
			return err
		}
		if !ok {
			return missing(id, "DescribeRegions")
		}
		if err := msOnly(d, "DescribeRegions"); err != nil {
			return err
		}
		primary := sc.Region
		if d.PrimaryRegion != "" {
			primary = d.PrimaryRegion
			p, ok, err := directory.DSDirectories().Get(tx, deskplane.Scope{Account: sc.Account, Region: primary}, id)
			if err != nil {
				return err
			}
			if ok {
				d = p
			}
		}
		all = all[:0]
		add := func(r dsapi.RegionDescription) {
			if want == "" || deref(r.RegionName) == want {
				all = append(all, r)
			}
		}
		add(dsapi.RegionDescription{DirectoryId: ptr(id), RegionName: ptr(primary), RegionType: dsapi.RegionTypePrimary,
			Status: dsapi.DirectoryStage(d.Stage), VpcSettings: &dsapi.DirectoryVpcSettings{VpcId: ptr(d.VpcID), SubnetIds: slices.Clone(d.SubnetIDs)},
			DesiredNumberOfDomainControllers: ptr(d.DesiredDCs), LaunchTime: smithy.NewTimestamp(d.Launched),
			StatusLastUpdatedDateTime: smithy.NewTimestamp(d.StageChanged), LastUpdatedDateTime: smithy.NewTimestamp(d.StageChanged)})
		for _, r := range d.Regions {
			add(dsapi.RegionDescription{DirectoryId: ptr(id), RegionName: ptr(r.Name), RegionType: dsapi.RegionTypeAdditional,
				Status: dsapi.DirectoryStage(r.Status), VpcSettings: &dsapi.DirectoryVpcSettings{VpcId: ptr(r.VpcID), SubnetIds: slices.Clone(r.SubnetIDs)},
				DesiredNumberOfDomainControllers: ptr(r.DesiredDCs), LaunchTime: smithy.NewTimestamp(r.Launched),
				StatusLastUpdatedDateTime: smithy.NewTimestamp(r.Changed), LastUpdatedDateTime: smithy.NewTimestamp(r.Changed)})
		}
		if want != "" && len(all) == 0 {
			return deskplane.NotFound(want, "Directory %s is not in the Region %s.", id, want)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(ctx, "ds-regions", all, in.NextToken, nil)
	if err != nil {
		return nil, err
	}
	return &dsapi.DescribeRegionsResult{RegionsDescription: page, NextToken: next}, nil
}

// ---- domain controllers ----------------------------------------------------------

func (s *Service) DescribeDomainControllers(ctx context.Context, in *dsapi.DescribeDomainControllersRequest) (*dsapi.DescribeDomainControllersResult, error) {
	var all []dsapi.DomainController
	err := s.read(ctx, "DescribeDomainControllers", deref(in.DirectoryId), func(_ deskplane.Tx, d *directory.DSDirectory) error {
		if err := msOnly(d, "DescribeDomainControllers"); err != nil {
			return err
		}
		for _, id := range in.DomainControllerIds {
			if !slices.ContainsFunc(d.DCs, func(dc directory.DSDomainController) bool { return dc.ID == id }) {
				return deskplane.NotFound(id, "Directory %s has no domain controller %s.", d.ID, id)
			}
		}
		all = all[:0]
		for _, dc := range d.DCs {
			if len(in.DomainControllerIds) == 0 || slices.Contains(in.DomainControllerIds, dc.ID) {
				all = append(all, dsapi.DomainController{DirectoryId: ptr(d.ID), DomainControllerId: ptr(dc.ID), DnsIpAddr: ptr(dc.Addr),
					VpcId: ptr(d.VpcID), SubnetId: ptr(dc.Subnet), AvailabilityZone: ptr(dc.AZ), Status: dsapi.DomainControllerStatus(dc.Status),
					LaunchTime: smithy.NewTimestamp(dc.Launched), StatusLastUpdatedDateTime: smithy.NewTimestamp(dc.Changed)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(ctx, "ds-dcs", all, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &dsapi.DescribeDomainControllersResult{DomainControllers: page, NextToken: next}, nil
}

func (s *Service) UpdateNumberOfDomainControllers(ctx context.Context, in *dsapi.UpdateNumberOfDomainControllersRequest) (*dsapi.UpdateNumberOfDomainControllersResult, error) {
	want := int(deref(in.DesiredNumber))
	if want > maxDomainControllers {
		return nil, refuse(deskplane.CodeLimitExceeded, directory.ReasonDomainControllerLimit,
			"A directory can have at most %d domain controllers; %d were asked for.", maxDomainControllers, want)
	}
	sc, now := env.Scope(ctx), s.Now()
	ids := make([]string, want)
	for i := range ids {
		ids[i] = deskplane.NewHexID("dc-", 10)
	}
	err := s.change(ctx, deref(in.DirectoryId), "UpdateNumberOfDomainControllers", ms, func(tx deskplane.Tx, d *directory.DSDirectory) error {
		tab := directory.DSDomainControllerTable()
		if slices.ContainsFunc(d.DCs, func(dc directory.DSDomainController) bool { return tab.Transitional(dc.Status) }) {
			return deskplane.Errorf(deskplane.CodeInProgress, "Directory %s is still changing its domain controllers; try again when they are Active.", d.ID)
		}
		d.DesiredDCs = int32(want)
		create, _ := tab.Row(deskplane.ActionCreate)
		for i := len(d.DCs); i < want; i++ {
			sub := d.SubnetIDs[i%len(d.SubnetIDs)]
			addr := hostIn(subnetNetwork(sub), d.ID+"/dc/"+ids[i])
			d.DCs = append(d.DCs, directory.DSDomainController{ID: ids[i], Subnet: sub, AZ: d.AZs[i%len(d.AZs)], Addr: addr,
				Status: create.Via, Launched: now, Changed: now})
		}
		for i := want; i < len(d.DCs); i++ {
			row, err := tab.Check(deskplane.ActionDelete, d.DCs[i].ID, d.DCs[i].Status)
			if err != nil {
				return err
			}
			d.DCs[i].Status, d.DCs[i].Changed = row.Via, now
		}
		return s.scheduleSetting(tx, sc, d.ID, itemDCs, now, create.Timing)
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.UpdateNumberOfDomainControllersResult{}, nil
}
