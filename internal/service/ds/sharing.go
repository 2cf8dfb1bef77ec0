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

// Sharing an AWS Managed Microsoft AD directory with another account of
// the same process. The owner's directory keeps one DSShare per account;
// the other account holds a directory of type SharedMicrosoftAD (a new d-
// id) naming its owner. HANDSHAKE shares wait in PendingAcceptance until
// the other account accepts (Shared) or rejects them; ORGANIZATIONS shares
// need both accounts in one organization and are Shared at once
// (decision 0210).

// shareLimit is how many accounts a directory may be shared with: 5 for
// Standard Edition, 125 for Enterprise Edition.
func shareLimit(d *directory.DSDirectory) int {
	if d.Edition == string(dsapi.DirectoryEditionStandard) {
		return 5
	}
	return 125
}

func liveShare(sh directory.DSShare) bool {
	return sh.Status != directory.ShareDeleted && sh.Status != directory.ShareRejected
}

func (s *Service) ShareDirectory(ctx context.Context, in *dsapi.ShareDirectoryRequest) (*dsapi.ShareDirectoryResult, error) {
	sc, id := env.Scope(ctx), deref(in.DirectoryId)
	target := deref(in.ShareTarget.Id)
	if target == sc.Account {
		return nil, refuse(deskplane.CodeInvalidParameter, directory.ReasonInvalidTarget, "A directory cannot be shared with the account that owns it (%s).", target)
	}
	if len(target) != 12 || slices.ContainsFunc([]byte(target), func(c byte) bool { return c < '0' || c > '9' }) {
		return nil, refuse(deskplane.CodeInvalidParameter, directory.ReasonInvalidTarget, "The share target %s is not an AWS account id.", target)
	}
	now := s.Now()
	sharedID := deskplane.NewHexID("d-", 10)
	err := s.change(ctx, id, "ShareDirectory", ms, func(tx deskplane.Tx, d *directory.DSDirectory) error {
		n := 0
		for _, sh := range d.Shares {
			if !liveShare(sh) {
				continue
			}
			if sh.SharedAccount == target {
				return refuse(deskplane.CodeAlreadyExists, directory.ReasonAlreadyShared, "Directory %s is already shared with account %s.", id, target)
			}
			n++
		}
		if n >= shareLimit(d) {
			return refuse(deskplane.CodeLimitExceeded, directory.ReasonShareLimit, "Directory %s is shared with %d accounts, the limit of its edition.", id, n)
		}
		status := directory.SharePendingAcceptance
		if in.ShareMethod == dsapi.ShareMethodOrganizations {
			same, err := deskplane.SameOrganization(tx, sc.Account, target)
			if err != nil {
				return err
			}
			if !same {
				return refuse(deskplane.CodeInvalidParameter, directory.ReasonOrganizations,
					"Account %s is not in the organization of account %s; share with the HANDSHAKE method instead.", target, sc.Account)
			}
			status = directory.ShareShared
		}
		d.Shares = slices.DeleteFunc(d.Shares, func(sh directory.DSShare) bool { return sh.SharedAccount == target })
		d.Shares = append(d.Shares, directory.DSShare{SharedAccount: target, SharedDirectoryID: sharedID, Method: string(in.ShareMethod),
			Status: status, Notes: deref(in.ShareNotes), Created: now, Updated: now})
		shared := &directory.DSDirectory{ID: sharedID, Name: d.Name, ShortName: d.ShortName, Type: typeSharedMicrosoftAD, Edition: d.Edition,
			Description: d.Description, Alias: sharedID, AccessURL: sharedID + ".awsapps.com", Stage: stageActive, VpcID: d.VpcID,
			SubnetIDs: slices.Clone(d.SubnetIDs), AZs: slices.Clone(d.AZs), SecurityGroupID: d.SecurityGroupID, DNSAddrs: slices.Clone(d.DNSAddrs),
			Launched: now, StageChanged: now, OSVersion: d.OSVersion, Owner: &directory.DSShareOwner{Account: sc.Account, DirectoryID: id},
			ShareStatus: status, ShareMethod: string(in.ShareMethod), ShareNotes: deref(in.ShareNotes), Generation: 1}
		return directory.DSDirectories().Put(tx, deskplane.Scope{Account: target, Region: sc.Region}, sharedID, shared)
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.ShareDirectoryResult{SharedDirectoryId: &sharedID}, nil
}

// answerShare is the other account's answer to a share: accept or reject.
func (s *Service) answerShare(ctx context.Context, sharedID string, accept bool) (*dsapi.SharedDirectory, error) {
	sc, now := env.Scope(ctx), s.Now()
	var out *dsapi.SharedDirectory
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		d, err := load(tx, sc, sharedID)
		if err != nil {
			return err
		}
		if d.Owner == nil {
			return invalid("Directory %s is not a directory shared with your account.", sharedID)
		}
		if d.ShareStatus != directory.SharePendingAcceptance {
			if accept && d.ShareStatus == directory.ShareShared {
				return refuse(deskplane.CodeAlreadyExists, directory.ReasonAlreadyShared, "The shared directory %s is already accepted.", sharedID)
			}
			return deskplane.Errorf(deskplane.CodeInvalidState, "The shared directory %s is %s; only a PendingAcceptance share can be answered.", sharedID, d.ShareStatus)
		}
		status := directory.ShareShared
		if !accept {
			status = directory.ShareRejected
		}
		osc := deskplane.Scope{Account: d.Owner.Account, Region: sc.Region}
		err = directory.DSDirectories().Modify(tx, osc, d.Owner.DirectoryID, func() error { return notFound(d.Owner.DirectoryID) }, func(o *directory.DSDirectory) error {
			for i := range o.Shares {
				if o.Shares[i].SharedDirectoryID == sharedID {
					o.Shares[i].Status, o.Shares[i].Updated = status, now
					out = wireShare(o, &o.Shares[i], d.Owner.Account)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if !accept {
			_, err := directory.DSDirectories().Delete(tx, sc, sharedID)
			return err
		}
		d.ShareStatus = status
		return directory.DSDirectories().Put(tx, sc, sharedID, d)
	})
	return out, err
}

func wireShare(o *directory.DSDirectory, sh *directory.DSShare, ownerAccount string) *dsapi.SharedDirectory {
	return &dsapi.SharedDirectory{OwnerAccountId: ptr(ownerAccount), OwnerDirectoryId: ptr(o.ID), ShareMethod: dsapi.ShareMethod(sh.Method),
		SharedAccountId: ptr(sh.SharedAccount), SharedDirectoryId: ptr(sh.SharedDirectoryID), ShareStatus: dsapi.ShareStatus(sh.Status),
		ShareNotes: optional(sh.Notes), CreatedDateTime: smithy.NewTimestamp(sh.Created), LastUpdatedDateTime: smithy.NewTimestamp(sh.Updated)}
}

func (s *Service) AcceptSharedDirectory(ctx context.Context, in *dsapi.AcceptSharedDirectoryRequest) (*dsapi.AcceptSharedDirectoryResult, error) {
	out, err := s.answerShare(ctx, deref(in.SharedDirectoryId), true)
	if err != nil {
		return nil, err
	}
	return &dsapi.AcceptSharedDirectoryResult{SharedDirectory: out}, nil
}

func (s *Service) RejectSharedDirectory(ctx context.Context, in *dsapi.RejectSharedDirectoryRequest) (*dsapi.RejectSharedDirectoryResult, error) {
	id := deref(in.SharedDirectoryId)
	if _, err := s.answerShare(ctx, id, false); err != nil {
		return nil, err
	}
	return &dsapi.RejectSharedDirectoryResult{SharedDirectoryId: &id}, nil
}

func (s *Service) UnshareDirectory(ctx context.Context, in *dsapi.UnshareDirectoryRequest) (*dsapi.UnshareDirectoryResult, error) {
	sc, id, target := env.Scope(ctx), deref(in.DirectoryId), deref(in.UnshareTarget.Id)
	var sharedID string
	err := s.change(ctx, id, "UnshareDirectory", ms, func(tx deskplane.Tx, d *directory.DSDirectory) error {
		i := slices.IndexFunc(d.Shares, func(sh directory.DSShare) bool { return sh.SharedAccount == target && liveShare(sh) })
		if i < 0 {
			return refuse(deskplane.CodeNotFound, directory.ReasonNotShared, "Directory %s is not shared with account %s.", id, target)
		}
		sharedID = d.Shares[i].SharedDirectoryID
		d.Shares = slices.Delete(d.Shares, i, i+1)
		_, err := directory.DSDirectories().Delete(tx, deskplane.Scope{Account: target, Region: sc.Region}, sharedID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.UnshareDirectoryResult{SharedDirectoryId: &sharedID}, nil
}

func (s *Service) DescribeSharedDirectories(ctx context.Context, in *dsapi.DescribeSharedDirectoriesRequest) (*dsapi.DescribeSharedDirectoriesResult, error) {
	sc := env.Scope(ctx)
	var all []dsapi.SharedDirectory
	err := s.read(ctx, "DescribeSharedDirectories", deref(in.OwnerDirectoryId), func(_ deskplane.Tx, d *directory.DSDirectory) error {
		if err := msOnly(d, "DescribeSharedDirectories"); err != nil {
			return err
		}
		all = all[:0]
		for i := range d.Shares {
			sh := &d.Shares[i]
			if len(in.SharedDirectoryIds) == 0 || slices.Contains(in.SharedDirectoryIds, sh.SharedDirectoryID) {
				all = append(all, *wireShare(d, sh, sc.Account))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(ctx, "ds-shares", all, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &dsapi.DescribeSharedDirectoriesResult{SharedDirectories: page, NextToken: next}, nil
}
