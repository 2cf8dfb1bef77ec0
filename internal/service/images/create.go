package images

import (
	"context"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/catalogue"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Making images: from a WorkSpace (CreateWorkspaceImage), from an image
// with newer components (CreateUpdatedWorkspaceImage) and from an image in
// another or the same Region (CopyWorkspaceImage). docs/decisions/0030-images.md.

// newImageID is the id of a new image.
func newImageID() string { return deskplane.NewID("wsi-", 9) }

// ---- CreateWorkspaceImage ----------------------------------------------------

// captureTraits is what an image made from a WorkSpace inherits from it:
// the operating system and protocols of its bundle (else its own), and
// dedicated tenancy when its bundle's image or its directory is dedicated.
func captureTraits(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace) (osName deskplane.OperatingSystemName, tenancy deskplane.ImageTenancy, protocols []deskplane.Protocol, err error) {
	osName, tenancy, protocols = ws.OperatingSystemName, deskplane.ImageTenancyDefault, ws.Protocols
	b, ok, err := catalogue.LookupBundle(tx, sc, ws.BundleID)
	if err != nil {
		return "", "", nil, err
	}
	if ok {
		if b.OperatingSystem != "" {
			osName = b.OperatingSystem
		}
		if len(protocols) == 0 {
			protocols = b.Protocols
		}
		if b.ImageID != "" {
			bi, ok, err := deskplane.Images().Get(tx, sc, b.ImageID)
			if err != nil {
				return "", "", nil, err
			}
			if ok && bi.BYOL() {
				tenancy = deskplane.ImageTenancyDedicated
			}
		}
	}
	dir, ok, err := deskplane.Directories().Get(tx, sc, ws.DirectoryID)
	if err != nil {
		return "", "", nil, err
	}
	if ok && wsapi.Tenancy(dir.Tenancy) == wsapi.TenancyDedicated {
		tenancy = deskplane.ImageTenancyDedicated
	}
	return osName, tenancy, protocols, nil
}

func (s *Service) CreateWorkspaceImage(ctx context.Context, in *wsapi.CreateWorkspaceImageRequest) (*wsapi.CreateWorkspaceImageResult, error) {
	tags := tags(in.Tags)
	if err := deskplane.CheckTags(tags); err != nil {
		return nil, err
	}
	sc, wsID, name := env.Scope(ctx), value(in.WorkspaceId), value(in.Name)
	now := s.Now()
	id := newImageID()
	var img deskplane.Image
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		ws, ok, err := deskplane.Workspaces().Get(tx, sc, wsID)
		if err != nil {
			return err
		}
		if !ok {
			return deskplane.WorkspaceNotFound(wsID)
		}
		// "It will never work" errors come before "not now" errors.
		if ws.VolumeEncryptionKey != "" || ws.RootVolumeEncryptionEnabled || ws.UserVolumeEncryptionEnabled {
			return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "EncryptedWorkspace",
				Message: "Images cannot be created from WorkSpaces with encrypted volumes; WorkSpace " + wsID + " is encrypted."}
		}
		osName, tenancy, protocols, err := captureTraits(tx, sc, ws)
		if err != nil {
			return err
		}
		if osName == deskplane.OSWindows7 {
			return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "UnsupportedOperatingSystem",
				Message: "Images cannot be created from Windows 7 WorkSpaces; WorkSpace " + wsID + " runs Windows 7."}
		}
		capture, err := deskplane.WorkspaceTable().Check(deskplane.ActionCaptureImage, wsID, ws.State)
		if err != nil {
			return err
		}
		if len(ws.Modifications) > 0 {
			return deskplane.Errorf(deskplane.CodeInvalidState, "The WorkSpace %s is being modified (%s). An image can be created only when no modification is in progress.", wsID, ws.Modifications[0].Resource)
		}
		if err := s.checkNewImage(tx, sc, name); err != nil {
			return err
		}
		img = deskplane.Image{
			ID:                id,
			Name:              name,
			Description:       value(in.Description),
			OperatingSystem:   osName,
			OSType:            string(osTypeOf(osName)),
			RequiredTenancy:   tenancy,
			SourceWorkspaceID: wsID,
			Protocols:         protocols,
			RootGB:            ws.RootVolumeSizeGib,
			UserGB:            ws.UserVolumeSizeGib,
			Origin:            deskplane.OriginWorkspace,
		}
		if err := s.enter(tx, sc, &img, tags, now, 1); err != nil {
			return err
		}
		// The WorkSpace is suspended until the image's timer ends the
		// capture (onImageReady).
		ws.SetState(capture.Via, now)
		ws.ImageCapture = id
		for _, name := range capture.Cancels {
			if err := tx.Cancel(deskplane.Workspaces().Key(sc, wsID), name); err != nil {
				return err
			}
		}
		return deskplane.Workspaces().Put(tx, sc, wsID, ws)
	})
	if err != nil {
		return nil, err
	}
	wi := wireImage(&img)
	return &wsapi.CreateWorkspaceImageResult{
		ImageId:         wi.ImageId,
		Name:            wi.Name,
		Description:     wi.Description,
		OperatingSystem: wi.OperatingSystem,
		State:           wi.State,
		RequiredTenancy: wi.RequiredTenancy,
		Created:         wi.Created,
		OwnerAccountId:  wi.OwnerAccountId,
	}, nil
}

// ---- CreateUpdatedWorkspaceImage ---------------------------------------------

// updatableOS reports whether images of the operating system can be
// updated programmatically (MODEL CreateUpdatedWorkspaceImage; decision
// 0030 records the conflict with UpdateResult's "Windows 10 only").
func updatableOS(osName deskplane.OperatingSystemName) bool {
	switch osName {
	case deskplane.OSWindows10, deskplane.OSWindowsServer2016, deskplane.OSWindowsServer2019:
		return true
	}
	return false
}

func (s *Service) CreateUpdatedWorkspaceImage(ctx context.Context, in *wsapi.CreateUpdatedWorkspaceImageRequest) (*wsapi.CreateUpdatedWorkspaceImageResult, error) {
	tags := tags(in.Tags)
	if err := deskplane.CheckTags(tags); err != nil {
		return nil, err
	}
	sc, srcID, name := env.Scope(ctx), value(in.SourceImageId), value(in.Name)
	now := s.Now()
	id := newImageID()
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		src, ok, err := deskplane.Images().Get(tx, sc, srcID)
		if err != nil {
			return err
		}
		if !ok {
			return deskplane.ImageNotFound(srcID)
		}
		if _, err := deskplane.ImageTable().Check(deskplane.ActionUpdate, srcID, src.State); err != nil {
			return err
		}
		if !updatableOS(src.OperatingSystem) {
			return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "UnsupportedOperatingSystem",
				Message: "Only Windows 10, Windows Server 2016 and Windows Server 2019 WorkSpace images can be updated programmatically; image " + srcID + " runs " + string(src.OperatingSystem) + "."}
		}
		if !src.UpdateAvailable {
			return deskplane.Errorf(deskplane.CodeInvalidState, "The image %s has no updates available; DescribeWorkspaceImages shows Updates.UpdateAvailable for each image.", srcID)
		}
		if err := s.checkNewImage(tx, sc, name); err != nil {
			return err
		}
		img := derived(src, id, name)
		img.Description = value(in.Description)
		img.UpdateAvailable, img.UpdateDescription = false, ""
		img.SourceRegion, img.SourceAccount = sc.Region, sc.Account
		img.Origin = deskplane.OriginUpdate
		return s.enter(tx, sc, &img, tags, now, 1)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.CreateUpdatedWorkspaceImageResult{ImageId: new(id)}, nil
}

// derived is a new image id named name with the traits of src: not
// shared, without src's errors and state, made from src.
func derived(src *deskplane.Image, id, name string) deskplane.Image {
	img := *src
	img.ID, img.Name = id, name
	img.SharedWith, img.ErrorCode, img.ErrorMessage, img.ErrorDetails = nil, "", "", nil
	img.Generation = 0
	img.SourceImageID, img.SourceWorkspaceID = src.ID, ""
	img.Protocols = slices.Clone(src.Protocols)
	img.Applications = slices.Clone(src.Applications)
	return img
}

// ---- CopyWorkspaceImage ------------------------------------------------------

// The partitions whose rules differ.
const (
	partitionGovCloud = "aws-us-gov"
	partitionChina    = "aws-cn"
)

// partitionOf is the partition of a Region.
func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return partitionChina
	case strings.HasPrefix(region, "us-gov-"):
		return partitionGovCloud
	case strings.HasPrefix(region, "us-iso"):
		return "aws-iso"
	}
	return "aws"
}

// checkCopyRegions applies the Region restrictions of CopyWorkspaceImage
// (MODEL): none within a Region; never across partitions; China (Ningxia)
// copies only within the Region; GovCloud cross-Region copies need AWS
// Support.
func (s *Service) checkCopyRegions(src, dst string) error {
	if !s.Serves(src) {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "The source Region %s is not a Region this endpoint serves (%s).", src, strings.Join(s.Regions, ", "))
	}
	if src == dst {
		return nil
	}
	notSupported := func(msg string) error {
		return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "CrossRegionCopyNotSupported", Message: msg}
	}
	switch {
	case partitionOf(src) != partitionOf(dst):
		return notSupported("Images cannot be copied from " + src + " to " + dst + ": the Regions are in different partitions.")
	case src == "cn-northwest-1" || dst == "cn-northwest-1":
		return notSupported("In the China (Ningxia) Region, images can be copied only within the same Region.")
	case partitionOf(dst) == partitionGovCloud:
		return notSupported("In AWS GovCloud (US), copying images to and from other Regions requires AWS Support.")
	}
	return nil
}

func (s *Service) CopyWorkspaceImage(ctx context.Context, in *wsapi.CopyWorkspaceImageRequest) (*wsapi.CopyWorkspaceImageResult, error) {
	tags := tags(in.Tags)
	if err := deskplane.CheckTags(tags); err != nil {
		return nil, err
	}
	sc := env.Scope(ctx)
	srcRegion, srcID, name := value(in.SourceRegion), value(in.SourceImageId), value(in.Name)
	if err := s.checkCopyRegions(srcRegion, sc.Region); err != nil {
		return nil, err
	}
	now := s.Now()
	id := newImageID()
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		src, _, ok, err := deskplane.VisibleImage(tx, deskplane.Scope{Account: sc.Account, Region: srcRegion}, srcID)
		if err != nil {
			return err
		}
		if !ok {
			return deskplane.NotFound(srcID, "The source image %s could not be found in Region %s. Confirm that the image exists and is owned by or shared with your account, and try again.", srcID, srcRegion)
		}
		if _, err := deskplane.ImageTable().Check(deskplane.ActionCopy, srcID, src.State); err != nil {
			return err
		}
		if src.BYOL() {
			acct, err := account(tx, sc)
			if err != nil {
				return err
			}
			if !acct.BYOLEnabled() {
				return deskplane.Errorf(deskplane.CodeAccessDenied, "The image %s is a BYOL image; BYOL images can be copied only to Regions where your account is enabled for BYOL, and account %s is not in %s.", srcID, sc.Account, sc.Region)
			}
		}
		if err := s.checkNewImage(tx, sc, name); err != nil {
			return err
		}
		img := derived(src, id, name)
		if in.Description != nil {
			img.Description = *in.Description
		}
		img.SourceRegion, img.SourceAccount = srcRegion, src.Owner
		img.Origin = deskplane.OriginCopy
		return s.enter(tx, sc, &img, tags, now, 1)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.CopyWorkspaceImageResult{ImageId: new(id)}, nil
}
