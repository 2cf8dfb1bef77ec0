package ds

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/ec2net"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
)

// ---- lifecycle ------------------------------------------------------------------

// onStage moves a directory one stage on: Requested → Creating →
// Active (or the state of an injected transition fault), Deleting → gone.
func (s *Service) onStage(ctx context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	var p stagePayload
	if err := json.Unmarshal(t.Payload, &p); err != nil {
		return fmt.Errorf("%s timer of %s: %w", deskplane.TimerDSDirectoryStage, t.Key.ID, err)
	}
	var dir directory.DSDirectory
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
		for i := range dir.DCs {
			dir.DCs[i].Status, dir.DCs[i].Changed = directory.DCActive, t.Due
		}
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

// removeDSDirectory deletes a directory, its users and groups, and the
// records of its snapshots, trusts, certificates and schema extensions.
func (s *Service) removeDSDirectory(tx deskplane.Tx, sc deskplane.Scope, id string) error {
	if err := directory.DeleteDirectoryPrincipals(tx, sc, id); err != nil {
		return err
	}
	if err := ec2net.Release(tx, sc, id); err != nil {
		return err
	}
	for _, err := range []error{
		deleteOf(tx, sc, directory.DSSnapshots(), id, func(v *directory.DSSnapshot) (string, string) { return v.DirectoryID, v.ID }),
		deleteOf(tx, sc, directory.DSTrusts(), id, func(v *directory.DSTrust) (string, string) { return v.DirectoryID, v.ID }),
		deleteOf(tx, sc, directory.DSCertificates(), id, func(v *directory.DSCertificate) (string, string) { return v.DirectoryID, v.ID }),
		deleteOf(tx, sc, directory.DSSchemaExtensions(), id, func(v *directory.DSSchemaExtension) (string, string) { return v.DirectoryID, v.ID }),
	} {
		if err != nil {
			return err
		}
	}
	_, err := tx.Delete(dirKey(sc, id))
	return err
}

// deleteOf deletes the records of a kind that belong to a directory.
func deleteOf[T any](tx deskplane.Tx, sc deskplane.Scope, r deskplane.Records[T], dirID string, owner func(*T) (dir, id string)) error {
	var ids []string
	err := r.Each(tx, sc, 0, func(_ int64, v *T) (bool, error) {
		if d, id := owner(v); d == dirID {
			ids = append(ids, id)
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := r.Delete(tx, sc, id); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) DeleteDirectory(ctx context.Context, in *dsapi.DeleteDirectoryRequest) (*dsapi.DeleteDirectoryResult, error) {
	sc, id := env.Scope(ctx), deref(in.DirectoryId)
	now := s.Now()
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		var dir directory.DSDirectory
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
		if dir.Owner != nil {
			return deskplane.Errorf(deskplane.CodeInvalidState, "Directory %s is shared with your account by account %s; reject it with RejectSharedDirectory instead of deleting it.", id, dir.Owner.Account)
		}
		for _, sh := range dir.Shares {
			if sh.Status != directory.ShareDeleted && sh.Status != directory.ShareRejected {
				return deskplane.Errorf(deskplane.CodeInvalidState, "Directory %s is shared with account %s; unshare it before deleting it.", id, sh.SharedAccount)
			}
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

func wireDSDirectory(dir *directory.DSDirectory) dsapi.DirectoryDescription {
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
		SsoEnabled:               ptr(dir.SSO),
		// Always present: 0 for the types without domain controllers of
		// their own to choose (decision 0204).
		DesiredNumberOfDomainControllers: ptr(dir.DesiredDCs),
		RadiusStatus:                     dsapi.RadiusStatus(dir.RadiusStatus),
		RadiusSettings:                   wireRadius(dir.Radius),
		NetworkType:                      dsapi.NetworkType(dir.NetworkType),
	}
	if dir.ShareStatus != "" {
		out.ShareStatus, out.ShareMethod, out.ShareNotes = dsapi.ShareStatus(dir.ShareStatus), dsapi.ShareMethod(dir.ShareMethod), optional(dir.ShareNotes)
	}
	if len(dir.HybridHosts) > 0 {
		out.HybridSettings = &dsapi.HybridSettingsDescription{SelfManagedDnsIpAddrs: slices.Clone(dir.HybridDNS), SelfManagedInstanceIds: slices.Clone(dir.HybridHosts)}
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
		if dir.Type == typeMicrosoftAD || dir.Type == typeSharedMicrosoftAD {
			out.Edition = dsapi.DirectoryEdition(dir.Edition)
			out.OsVersion = dsapi.OSVersion(dir.OSVersion)
			out.RegionsInfo = regionsInfo(dir)
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
	after, err := paging.Parse(ctx, purpose, in.NextToken)
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
		return deskplane.Each(tx, sc, deskplane.KindDSDirectory, after, func(seq int64, dir *directory.DSDirectory) (bool, error) {
			if want != nil && !want[dir.ID] {
				return true, nil
			}
			w := wireDSDirectory(dir)
			if dir.Owner != nil {
				if err := ownerDescription(tx, sc, dir, &w); err != nil {
					return false, err
				}
			}
			return p.Add(size, seq, w), nil
		})
	})
	if err != nil {
		return nil, err
	}
	out := &dsapi.DescribeDirectoriesResult{DirectoryDescriptions: p.Items(), NextToken: p.Next(ctx, purpose)}
	return out, nil
}

// ownerDescription fills a shared directory's description with what its
// owner's directory says (model OwnerDirectoryDescription).
func ownerDescription(tx deskplane.Tx, sc deskplane.Scope, dir *directory.DSDirectory, w *dsapi.DirectoryDescription) error {
	osc := deskplane.Scope{Account: dir.Owner.Account, Region: sc.Region}
	o, ok, err := directory.DSDirectories().Get(tx, osc, dir.Owner.DirectoryID)
	if err != nil || !ok {
		return err
	}
	w.OwnerDirectoryDescription = &dsapi.OwnerDirectoryDescription{
		DirectoryId: ptr(o.ID), DnsIpAddrs: slices.Clone(o.DNSAddrs),
		VpcSettings: &dsapi.DirectoryVpcSettingsDescription{VpcId: ptr(o.VpcID), SubnetIds: slices.Clone(o.SubnetIDs),
			SecurityGroupId: ptr(o.SecurityGroupID), AvailabilityZones: slices.Clone(o.AZs)},
		RadiusSettings: wireRadius(o.Radius), RadiusStatus: dsapi.RadiusStatus(o.RadiusStatus),
	}
	w.OwnerDirectoryDescription.AccountId = ptr(dir.Owner.Account)
	return nil
}
