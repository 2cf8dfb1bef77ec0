package ds

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
)

const (
	stageRequested = deskplane.DSDirectoryRequested
	stageCreating  = deskplane.DSDirectoryCreating
	stageActive    = deskplane.DSDirectoryActive
	stageDeleting  = deskplane.DSDirectoryDeleting

	typeSimpleAD    = string(dsapi.DirectoryTypeSimpleAd)
	typeMicrosoftAD = string(dsapi.DirectoryTypeMicrosoftAd)
	typeADConnector = string(dsapi.DirectoryTypeAdConnector)

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

// ---- tags ----------------------------------------------------------------------

// checkDSTags applies Directory Service's tag rules to tags being added.
func checkDSTags(tags []dsapi.Tag) error {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		k := deref(t.Key)
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "Tag keys that begin with aws: are reserved for AWS use: %s.", k)
		}
		if seen[k] {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "Duplicate tag key %s in the request.", k)
		}
		seen[k] = true
	}
	if len(tags) > maxTags {
		return dsTagLimit()
	}
	return nil
}

func dsTagLimit() error {
	return &deskplane.Error{Code: deskplane.CodeTagLimitExceeded,
		Message: fmt.Sprintf("A directory can have at most %d tags.", maxTags)}
}

// addDSTags adds or overwrites tags and applies the any-user tag.
func addDSTags(d *deskplane.DSDirectory, tags []dsapi.Tag) error {
	for _, t := range tags {
		k, v := deref(t.Key), deref(t.Value)
		i := slices.IndexFunc(d.Tags, func(x deskplane.DSTag) bool { return x.Key == k })
		if i >= 0 {
			d.Tags[i].Value = v
		} else {
			d.Tags = append(d.Tags, deskplane.DSTag{Key: k, Value: v})
		}
		if k == anyUserTag {
			d.AnyUser = strings.EqualFold(strings.TrimSpace(v), "true")
		}
	}
	if len(d.Tags) > maxTags {
		return dsTagLimit()
	}
	return nil
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
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		count, err := tx.Count(sc, deskplane.KindDSDirectory)
		if err != nil {
			return err
		}
		if count >= s.Quotas.DSDirectories {
			return deskplane.Errorf(deskplane.CodeLimitExceeded, "You have reached the limit of %d directories in this Region for this account.", s.Quotas.DSDirectories)
		}
		dir := deskplane.DSDirectory{
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
		default:
			dir.DNSAddrs = directoryAddrs(id, "dns", n.subnets)
			dir.AdminUser = "Administrator"
		}
		if err := addDSTags(&dir, n.tags); err != nil {
			return err
		}
		if err := deskplane.SeedDirectoryPrincipals(tx, sc, &dir, now); err != nil {
			return err
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

func (s *Service) scheduleStage(tx deskplane.Tx, sc deskplane.Scope, dir *deskplane.DSDirectory, from time.Time, t deskplane.Transition) error {
	p, _ := json.Marshal(stagePayload{Gen: dir.Generation})
	return tx.Schedule(deskplane.Timer{Key: dirKey(sc, dir.ID), Name: deskplane.TimerDSDirectoryStage, Due: s.After(from, t), Payload: p})
}

func (s *Service) CreateDirectory(ctx context.Context, in *dsapi.CreateDirectoryRequest) (*dsapi.CreateDirectoryResult, error) {
	if in.VpcSettings == nil {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "VpcSettings is required to create a Simple AD directory.")
	}
	id, err := s.createDSDirectory(ctx, newDSDirectory{
		typ: typeSimpleAD, name: deref(in.Name), shortName: deref(in.ShortName), description: deref(in.Description),
		size: string(in.Size), vpcID: deref(in.VpcSettings.VpcId), subnets: in.VpcSettings.SubnetIds, tags: in.Tags,
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
		customerUser: deref(cs.CustomerUserName), tags: in.Tags,
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.ConnectDirectoryResult{DirectoryId: &id}, nil
}

// ---- lifecycle ------------------------------------------------------------------

// onStage moves a directory one stage on: Requested → Creating →
// Active (or the state of an injected transition fault), Deleting → gone.
func (s *Service) onStage(ctx context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	var p stagePayload
	if err := json.Unmarshal(t.Payload, &p); err != nil {
		return fmt.Errorf("%s timer of %s: %w", deskplane.TimerDSDirectoryStage, t.Key.ID, err)
	}
	var dir deskplane.DSDirectory
	ok, err := deskplane.Load(tx, t.Key, &dir)
	if err != nil || !ok || dir.Generation != p.Gen {
		return err
	}
	sc := t.Key.Scope
	switch dir.Stage {
	case stageRequested:
		dir.Stage, dir.StageChanged = stageCreating, t.Due
		dir.Generation++
		if err := deskplane.Save(tx, t.Key, dir); err != nil {
			return err
		}
		return s.scheduleStage(tx, sc, &dir, t.Due, deskplane.TDirectoryCreate)
	case stageCreating:
		dir.Stage, dir.StageChanged = stageActive, t.Due
		f, hit, err := deskplane.TakeTransitionFault(tx, deskplane.KindDSDirectory, sc, dir.ID)
		if err != nil {
			return err
		}
		if hit {
			dir.Stage = deskplane.DSDirectoryStage(f.State)
			dir.StageReason = f.ErrorMessage
			if dir.StageReason == "" {
				dir.StageReason = f.ErrorCode
			}
		}
		dir.Generation++
		return deskplane.Save(tx, t.Key, dir)
	case stageDeleting:
		return s.removeDSDirectory(tx, sc, dir.ID)
	}
	return nil
}

// removeDSDirectory deletes a directory and its users and groups.
func (s *Service) removeDSDirectory(tx deskplane.Tx, sc deskplane.Scope, id string) error {
	if err := deskplane.DeleteDirectoryPrincipals(tx, sc, id); err != nil {
		return err
	}
	_, err := tx.Delete(dirKey(sc, id))
	return err
}

func (s *Service) DeleteDirectory(ctx context.Context, in *dsapi.DeleteDirectoryRequest) (*dsapi.DeleteDirectoryResult, error) {
	sc, id := env.Scope(ctx), deref(in.DirectoryId)
	now := s.Now()
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		var dir deskplane.DSDirectory
		ok, err := deskplane.Load(tx, dirKey(sc, id), &dir)
		if err != nil {
			return err
		}
		if !ok {
			return notFound(id)
		}
		if dir.Stage == stageDeleting {
			return nil
		}
		if _, registered, err := deskplane.Directories().Get(tx, sc, id); err != nil {
			return err
		} else if registered {
			return deskplane.Errorf(deskplane.CodeInvalidState, "Cannot delete the directory because it still has authorized applications.")
		}
		dir.Stage, dir.StageChanged, dir.StageReason = stageDeleting, now, ""
		dir.Generation++
		if err := deskplane.Save(tx, dirKey(sc, id), dir); err != nil {
			return err
		}
		return s.scheduleStage(tx, sc, &dir, now, deskplane.TDirectoryDelete)
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.DeleteDirectoryResult{DirectoryId: &id}, nil
}

// ---- describe ---------------------------------------------------------------------

// dsPageSize is DescribeDirectories' page when Limit is absent or 0
// ("the maximum number of items is specified by the limitations of the
// operation").
const dsPageSize = 100

func wireDSDirectory(dir *deskplane.DSDirectory) dsapi.DirectoryDescription {
	out := dsapi.DirectoryDescription{
		DirectoryId:              ptr(dir.ID),
		Name:                     ptr(dir.Name),
		ShortName:                ptr(dir.ShortName),
		Alias:                    ptr(dir.Alias),
		AccessUrl:                ptr(dir.AccessURL),
		Stage:                    dsapi.DirectoryStage(dir.Stage),
		LaunchTime:               smithy.NewTimestamp(dir.Launched),
		StageLastUpdatedDateTime: smithy.NewTimestamp(dir.StageChanged),
		Type:                     dsapi.DirectoryType(dir.Type),
		SsoEnabled:               ptr(false),
	}
	if dir.Description != "" {
		out.Description = ptr(dir.Description)
	}
	if dir.StageReason != "" {
		out.StageReason = ptr(dir.StageReason)
	}
	// The directory's own servers exist once it is Active.
	up := dir.Stage == stageActive || dir.Stage == stageDeleting
	switch dir.Type {
	case typeADConnector:
		out.Size = dsapi.DirectorySize(dir.Size)
		out.DnsIpAddrs = slices.Clone(dir.CustomerDNSIPs)
		cs := &dsapi.DirectoryConnectSettingsDescription{
			VpcId:             ptr(dir.VpcID),
			SubnetIds:         slices.Clone(dir.SubnetIDs),
			CustomerUserName:  ptr(dir.CustomerUser),
			SecurityGroupId:   ptr(dir.SecurityGroupID),
			AvailabilityZones: slices.Clone(dir.AZs),
		}
		if up {
			cs.ConnectIps = slices.Clone(dir.ConnectIPs)
		}
		out.ConnectSettings = cs
	default:
		if dir.Type == typeMicrosoftAD {
			out.Edition = dsapi.DirectoryEdition(dir.Edition)
			out.DesiredNumberOfDomainControllers = ptr(int32(2))
			out.OsVersion = dsapi.OSVersionVersion2019
		} else {
			out.Size = dsapi.DirectorySize(dir.Size)
		}
		if up {
			out.DnsIpAddrs = slices.Clone(dir.DNSAddrs)
		}
		out.VpcSettings = &dsapi.DirectoryVpcSettingsDescription{
			VpcId:             ptr(dir.VpcID),
			SubnetIds:         slices.Clone(dir.SubnetIDs),
			SecurityGroupId:   ptr(dir.SecurityGroupID),
			AvailabilityZones: slices.Clone(dir.AZs),
		}
	}
	return out
}

func (s *Service) DescribeDirectories(ctx context.Context, in *dsapi.DescribeDirectoriesRequest) (*dsapi.DescribeDirectoriesResult, error) {
	if in.DirectoryIds != nil && len(in.DirectoryIds) == 0 {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "DirectoryIds must not be an empty list; omit it to describe every directory.")
	}
	const purpose = "ds-directories"
	after, err := paging.Parse(purpose, in.NextToken)
	if err != nil {
		return nil, &deskplane.Error{Code: deskplane.CodeInvalidNextToken, Message: "The NextToken value is not valid."}
	}
	size := dsPageSize
	if in.Limit != nil && *in.Limit > 0 {
		size = int(*in.Limit)
	}
	sc := env.Scope(ctx)
	var p paging.Page[dsapi.DirectoryDescription]
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[dsapi.DirectoryDescription]{}
		var want map[string]bool
		if in.DirectoryIds != nil {
			want = make(map[string]bool, len(in.DirectoryIds))
			for _, id := range in.DirectoryIds {
				if _, err := tx.Get(dirKey(sc, id)); err == deskplane.ErrNotFound {
					return notFound(id)
				} else if err != nil {
					return err
				}
				want[id] = true
			}
		}
		return deskplane.Each(tx, sc, deskplane.KindDSDirectory, after, func(seq int64, dir *deskplane.DSDirectory) (bool, error) {
			if want != nil && !want[dir.ID] {
				return true, nil
			}
			return p.Add(size, seq, wireDSDirectory(dir)), nil
		})
	})
	if err != nil {
		return nil, err
	}
	out := &dsapi.DescribeDirectoriesResult{DirectoryDescriptions: p.Items(), NextToken: p.Next(purpose)}
	return out, nil
}

// ---- Directory Service tags --------------------------------------------------------

// updateDSDirectory runs fn on a directory of the caller and saves it.
func (s *Service) updateDSDirectory(ctx context.Context, id string, fn func(*deskplane.DSDirectory) error) error {
	sc := env.Scope(ctx)
	return s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return deskplane.Modify(tx, dirKey(sc, id), func() error { return notFound(id) }, fn)
	})
}

func (s *Service) AddTagsToResource(ctx context.Context, in *dsapi.AddTagsToResourceRequest) (*dsapi.AddTagsToResourceResult, error) {
	if err := checkDSTags(in.Tags); err != nil {
		return nil, err
	}
	err := s.updateDSDirectory(ctx, deref(in.ResourceId), func(dir *deskplane.DSDirectory) error {
		return addDSTags(dir, in.Tags)
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.AddTagsToResourceResult{}, nil
}

func (s *Service) RemoveTagsFromResource(ctx context.Context, in *dsapi.RemoveTagsFromResourceRequest) (*dsapi.RemoveTagsFromResourceResult, error) {
	err := s.updateDSDirectory(ctx, deref(in.ResourceId), func(dir *deskplane.DSDirectory) error {
		dir.Tags = slices.DeleteFunc(dir.Tags, func(t deskplane.DSTag) bool { return slices.Contains(in.TagKeys, t.Key) })
		if slices.Contains(in.TagKeys, anyUserTag) {
			dir.AnyUser = false
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.RemoveTagsFromResourceResult{}, nil
}

func (s *Service) ListTagsForResource(ctx context.Context, in *dsapi.ListTagsForResourceRequest) (*dsapi.ListTagsForResourceResult, error) {
	sc, id := env.Scope(ctx), deref(in.ResourceId)
	var dir deskplane.DSDirectory
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		ok, err := deskplane.Load(tx, dirKey(sc, id), &dir)
		if err != nil {
			return err
		}
		if !ok {
			return notFound(id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &dsapi.ListTagsForResourceResult{Tags: make([]dsapi.Tag, len(dir.Tags))}
	for i, t := range dir.Tags {
		out.Tags[i] = dsapi.Tag{Key: ptr(t.Key), Value: ptr(t.Value)}
	}
	return out, nil
}
