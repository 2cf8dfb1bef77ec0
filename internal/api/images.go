package api

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/catalogue"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Images (behaviour doc §3, §7.3; docs/decisions/0030-images.md).
//
// An image is a deskplane.Image record in its owner's scope. Sharing puts an
// imageShare record (kind KindImageShare, id = image id) in the recipient's
// scope of the same Region and lists the recipient in Image.SharedWith; a
// recipient reads the owner's record through it. Every way of making an
// image (from a WorkSpace, updated, copied, imported) leaves it PENDING with
// an image.ready timer that makes it AVAILABLE, or ERROR when a transition
// fault is injected.

const (
	imagePending   = deskplane.ImagePending
	imageAvailable = deskplane.ImageAvailable
	imageError     = deskplane.ImageError

	tenancyDefault   = "DEFAULT"
	tenancyDedicated = "DEDICATED"

	// timerImageReady ends an image's PENDING state (and, for an image made
	// from a WorkSpace, the WorkSpace's SUSPENDED state).
	timerImageReady = deskplane.TimerImageReady
)

// The ways an image is made (deskplane.Image.Origin).
const (
	originWorkspace    = "WORKSPACE"
	originUpdate       = "UPDATE"
	originCopy         = "COPY"
	originImport       = "IMPORT"
	originCustomImport = "CUSTOM_IMPORT"
)

// imageShare is a recipient's view of an image shared with it.
type imageShare struct {
	ImageID string    `json:"imageId"`
	Owner   string    `json:"owner"`
	Shared  time.Time `json:"shared"`
}

func imageKey(sc deskplane.Scope, id string) deskplane.Key {
	return deskplane.Key{Scope: sc, Kind: deskplane.KindImage, ID: id}
}

func imageShareKey(sc deskplane.Scope, id string) deskplane.Key {
	return deskplane.Key{Scope: sc, Kind: deskplane.KindImageShare, ID: id}
}

func isNotFound(err error) bool {
	var de *deskplane.Error
	return errors.As(err, &de) && de.Code == deskplane.CodeNotFound
}

// osTypeOf maps an OperatingSystemName to the image's OperatingSystemType.
func osTypeOf(osName deskplane.OperatingSystemName) string {
	if osName == "" || osName == deskplane.OSUnknown || osName.Windows() {
		return string(wsapi.OperatingSystemTypeWindows)
	}
	return string(wsapi.OperatingSystemTypeLinux)
}

// wireImage converts an image record to the WorkspaceImage shape. Updates
// is always present (behaviour doc §3.1).
func wireImage(img *deskplane.Image) wsapi.WorkspaceImage {
	out := wsapi.WorkspaceImage{
		ImageId:         ptr(img.ID),
		Name:            ptr(img.Name),
		OperatingSystem: &wsapi.OperatingSystem{Type: wsapi.OperatingSystemType(img.OSType)},
		State:           wsapi.WorkspaceImageState(img.State),
		RequiredTenancy: wsapi.WorkspaceImageRequiredTenancy(img.RequiredTenancy),
		Created:         smithy.NewTimestamp(img.Created),
		OwnerAccountId:  ptr(img.Owner),
		Updates:         &wsapi.UpdateResult{UpdateAvailable: ptr(img.UpdateAvailable)},
	}
	if img.Description != "" {
		out.Description = ptr(img.Description)
	}
	if img.UpdateDescription != "" {
		out.Updates.Description = ptr(img.UpdateDescription)
	}
	if img.State == imageError {
		if img.ErrorCode != "" {
			out.ErrorCode = ptr(img.ErrorCode)
		}
		if img.ErrorMessage != "" {
			out.ErrorMessage = ptr(img.ErrorMessage)
		}
		for _, d := range img.ErrorDetails {
			e := wsapi.ErrorDetails{ErrorCode: wsapi.WorkspaceImageErrorDetailCode(d.Code)}
			if d.Message != "" {
				e.ErrorMessage = ptr(d.Message)
			}
			out.ErrorDetails = append(out.ErrorDetails, e)
		}
	}
	return out
}

// checkNewImage applies the rules every new image in scope sc obeys: a
// name unique among the scope's images and the image quota (shared images
// do not count: they are not in the scope's image records).
func (s *Server) checkNewImage(tx deskplane.Tx, sc deskplane.Scope, name string) error {
	dup := false
	err := deskplane.Each(tx, sc, deskplane.KindImage, 0, func(_ int64, img *deskplane.Image) (bool, error) {
		dup = img.Name == name
		return !dup, nil
	})
	if err != nil {
		return err
	}
	if dup {
		return deskplane.Errorf(deskplane.CodeAlreadyExists, "A WorkSpace image with the name %s already exists in Region %s. Provide a unique image name, and try again.", name, sc.Region)
	}
	n, err := tx.Count(sc, deskplane.KindImage)
	if err != nil {
		return err
	}
	if q := s.d.Quotas.Images; q > 0 && n >= q {
		return deskplane.Errorf(deskplane.CodeLimitExceeded, "Your account has reached its limit of %d WorkSpace images in Region %s. Delete images you no longer need, or request a quota increase.", q, sc.Region)
	}
	return nil
}

// createImage stores a new PENDING image owned by sc with its tags.
func createImage(tx deskplane.Tx, sc deskplane.Scope, img *deskplane.Image, tags []wsapi.Tag, now time.Time) error {
	img.State = imagePending
	img.Created, img.StateChanged = now, now
	img.Owner = sc.Account
	if err := deskplane.Save(tx, imageKey(sc, img.ID), img); err != nil {
		return err
	}
	return mergeTags(tx, sc, img.ID, tags)
}

// createPendingImage stores a new PENDING image and schedules the end of
// its PENDING state after d.
func createPendingImage(tx deskplane.Tx, sc deskplane.Scope, img *deskplane.Image, tags []wsapi.Tag, now time.Time, d time.Duration) error {
	if err := createImage(tx, sc, img, tags, now); err != nil {
		return err
	}
	return tx.Schedule(deskplane.Timer{Key: imageKey(sc, img.ID), Name: timerImageReady, Due: now.Add(d)})
}

// ownImage loads an image the scope owns; found is false when it owns none
// by that id.
func ownImage(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Image, bool, error) {
	var img deskplane.Image
	ok, err := deskplane.Load(tx, imageKey(sc, id), &img)
	if err != nil || !ok {
		return nil, false, err
	}
	return &img, true, nil
}

// sharedImage returns the owner's record of an image shared with the scope,
// and false when none is (or the share no longer holds).
func sharedImage(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Image, bool, error) {
	var sh imageShare
	ok, err := deskplane.Load(tx, imageShareKey(sc, id), &sh)
	if err != nil || !ok {
		return nil, false, err
	}
	img, ok, err := ownImage(tx, deskplane.Scope{Account: sh.Owner, Region: sc.Region}, id)
	if err != nil || !ok {
		return nil, false, err
	}
	if !slices.Contains(img.SharedWith, sc.Account) {
		return nil, false, nil
	}
	return img, true, nil
}

// visibleImage returns an image the scope owns or that is shared with it;
// shared reports which.
func visibleImage(tx deskplane.Tx, sc deskplane.Scope, id string) (img *deskplane.Image, shared, found bool, err error) {
	if img, ok, err := ownImage(tx, sc, id); err != nil || ok {
		return img, false, ok, err
	}
	img, ok, err := sharedImage(tx, sc, id)
	return img, ok, ok, err
}

func imageNotFound(id string) error {
	return deskplane.NotFound(id, "The specified image %s could not be found. Confirm that the image exists in your AWS account and Region, and try again.", id)
}

// ---- CreateWorkspaceImage --------------------------------------------------

// imageCaptureOS is what an image made from a WorkSpace inherits from it.
func (w *wsService) workspaceImageTraits(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace) (osName deskplane.OperatingSystemName, tenancy string, protocols []deskplane.Protocol, err error) {
	osName, tenancy, protocols = ws.OperatingSystemName, tenancyDefault, ws.Protocols
	b, err := w.visibleBundle(tx, sc, ws.BundleID)
	switch {
	case err == nil:
		if b.OperatingSystem != "" {
			osName = b.OperatingSystem
		}
		if len(protocols) == 0 {
			protocols = b.Protocols
		}
		if b.ImageID != "" {
			if bi, ok, err := ownImage(tx, sc, b.ImageID); err != nil {
				return "", "", nil, err
			} else if ok && bi.RequiredTenancy == tenancyDedicated {
				tenancy = tenancyDedicated
			}
		}
	case !isNotFound(err):
		return "", "", nil, err
	}
	var dir deskplane.Directory
	if ok, err := deskplane.Load(tx, deskplane.Key{Scope: sc, Kind: deskplane.KindDirectory, ID: ws.DirectoryID}, &dir); err != nil {
		return "", "", nil, err
	} else if ok && dir.Tenancy == tenancyDedicated {
		tenancy = tenancyDedicated
	}
	return osName, tenancy, protocols, nil
}

func (w *wsService) CreateWorkspaceImage(ctx context.Context, in *wsapi.CreateWorkspaceImageRequest) (*wsapi.CreateWorkspaceImageResult, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	sc := caller(ctx).Scope()
	now := w.now()
	id := deskplane.NewID("wsi-", 9)
	wsID := deref(in.WorkspaceId)
	var img deskplane.Image
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		var ws deskplane.Workspace
		wsKey := deskplane.Key{Scope: sc, Kind: deskplane.KindWorkspace, ID: wsID}
		ok, err := deskplane.Load(tx, wsKey, &ws)
		if err != nil {
			return err
		}
		if !ok {
			return deskplane.NotFound(wsID, "The specified WorkSpace %s cannot be found. Confirm that the WorkSpace exists in your AWS account and Region, and try again.", wsID)
		}
		if ws.VolumeEncryptionKey != "" || ws.RootVolumeEncryptionEnabled || ws.UserVolumeEncryptionEnabled {
			return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "EncryptedWorkspace",
				Message: "Images cannot be created from WorkSpaces with encrypted volumes; WorkSpace " + wsID + " is encrypted."}
		}
		osName, tenancy, protocols, err := w.workspaceImageTraits(tx, sc, &ws)
		if err != nil {
			return err
		}
		if osName == deskplane.OSWindows7 {
			return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "UnsupportedOperatingSystem",
				Message: "Images cannot be created from Windows 7 WorkSpaces; WorkSpace " + wsID + " runs Windows 7."}
		}
		if ws.State != "AVAILABLE" {
			return deskplane.Errorf(deskplane.CodeInvalidState, "The WorkSpace %s is %s. An image can be created only from an AVAILABLE WorkSpace; start a STOPPED WorkSpace first.", wsID, ws.State)
		}
		if len(ws.Modifications) > 0 {
			return deskplane.Errorf(deskplane.CodeInvalidState, "The WorkSpace %s is being modified (%s). An image can be created only when no modification is in progress.", wsID, ws.Modifications[0].Resource)
		}
		if err := w.checkNewImage(tx, sc, deref(in.Name)); err != nil {
			return err
		}
		img = deskplane.Image{
			ID:                id,
			Name:              deref(in.Name),
			Description:       deref(in.Description),
			OperatingSystem:   osName,
			OSType:            osTypeOf(osName),
			RequiredTenancy:   tenancy,
			SourceWorkspaceID: wsID,
			Protocols:         protocols,
			RootGB:            ws.RootVolumeSizeGib,
			UserGB:            ws.UserVolumeSizeGib,
			Origin:            originWorkspace,
		}
		if err := createPendingImage(tx, sc, &img, in.Tags, now, w.d.Timing.Duration(deskplane.TImageCreate)); err != nil {
			return err
		}
		ws.State, ws.ImageCapture, ws.StateChanged = "SUSPENDED", id, now
		ws.Generation++
		if err := w.scheduleAutoStop(tx, sc, &ws, now); err != nil { // cancels it while SUSPENDED
			return err
		}
		return deskplane.Save(tx, wsKey, &ws)
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

// ---- CreateUpdatedWorkspaceImage -------------------------------------------

// updatableOS reports whether images of the operating system can be
// updated programmatically (MODEL CreateUpdatedWorkspaceImage; decision
// 0030 records the conflict with UpdateResult's "Windows 10 only").
func updatableOS(osName deskplane.OperatingSystemName) bool {
	switch wsapi.OperatingSystemName(osName) {
	case wsapi.OperatingSystemNameWindows10, wsapi.OperatingSystemNameWindowsServer2016, wsapi.OperatingSystemNameWindowsServer2019:
		return true
	}
	return false
}

func (w *wsService) CreateUpdatedWorkspaceImage(ctx context.Context, in *wsapi.CreateUpdatedWorkspaceImageRequest) (*wsapi.CreateUpdatedWorkspaceImageResult, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	sc := caller(ctx).Scope()
	now := w.now()
	id := deskplane.NewID("wsi-", 9)
	srcID := deref(in.SourceImageId)
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		src, ok, err := ownImage(tx, sc, srcID)
		if err != nil {
			return err
		}
		if !ok {
			return imageNotFound(srcID)
		}
		if src.State != imageAvailable {
			return deskplane.Errorf(deskplane.CodeInvalidState, "The source image %s is %s; only an AVAILABLE image can be updated.", srcID, src.State)
		}
		if !updatableOS(src.OperatingSystem) {
			return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "UnsupportedOperatingSystem",
				Message: "Only Windows 10, Windows Server 2016 and Windows Server 2019 WorkSpace images can be updated programmatically; image " + srcID + " runs " + string(src.OperatingSystem) + "."}
		}
		if !src.UpdateAvailable {
			return deskplane.Errorf(deskplane.CodeInvalidState, "The image %s has no updates available; DescribeWorkspaceImages shows Updates.UpdateAvailable for each image.", srcID)
		}
		if err := w.checkNewImage(tx, sc, deref(in.Name)); err != nil {
			return err
		}
		img := *src
		img.ID, img.Name, img.Description = id, deref(in.Name), deref(in.Description)
		img.SharedWith, img.ErrorCode, img.ErrorMessage, img.ErrorDetails = nil, "", "", nil
		img.UpdateAvailable, img.UpdateDescription = false, ""
		img.SourceImageID, img.SourceRegion, img.SourceAccount, img.SourceWorkspaceID = srcID, sc.Region, sc.Account, ""
		img.Origin = originUpdate
		return createPendingImage(tx, sc, &img, in.Tags, now, w.d.Timing.Duration(deskplane.TImageUpdate))
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.CreateUpdatedWorkspaceImageResult{ImageId: ptr(id)}, nil
}

// ---- CopyWorkspaceImage ----------------------------------------------------

func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso"):
		return "aws-iso"
	}
	return "aws"
}

// checkCopyRegions applies the Region restrictions of CopyWorkspaceImage
// (MODEL): none within a Region; never across partitions; China (Ningxia)
// copies only within the Region; GovCloud cross-Region copies need AWS
// Support.
func (s *Server) checkCopyRegions(src, dst string) error {
	if len(s.d.Regions) > 0 && !slices.Contains(s.d.Regions, src) {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "The source Region %s is not a Region this endpoint serves (%s).", src, strings.Join(s.d.Regions, ", "))
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
	case partitionOf(dst) == "aws-us-gov":
		return notSupported("In AWS GovCloud (US), copying images to and from other Regions requires AWS Support.")
	}
	return nil
}

func (w *wsService) CopyWorkspaceImage(ctx context.Context, in *wsapi.CopyWorkspaceImageRequest) (*wsapi.CopyWorkspaceImageResult, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	sc := caller(ctx).Scope()
	srcRegion, srcID := deref(in.SourceRegion), deref(in.SourceImageId)
	if err := w.checkCopyRegions(srcRegion, sc.Region); err != nil {
		return nil, err
	}
	now := w.now()
	id := deskplane.NewID("wsi-", 9)
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		srcScope := deskplane.Scope{Account: sc.Account, Region: srcRegion}
		src, _, ok, err := visibleImage(tx, srcScope, srcID)
		if err != nil {
			return err
		}
		if !ok {
			return deskplane.NotFound(srcID, "The source image %s could not be found in Region %s. Confirm that the image exists and is owned by or shared with your account, and try again.", srcID, srcRegion)
		}
		if src.State != imageAvailable {
			return &deskplane.Error{Code: deskplane.CodeUnavailable, ResourceID: srcID,
				Message: "The source image " + srcID + " is " + string(src.State) + "; only an AVAILABLE image can be copied."}
		}
		if src.RequiredTenancy == tenancyDedicated {
			acct, err := accountSettings(tx, sc)
			if err != nil {
				return err
			}
			if !acct.BYOLEnabled() {
				return deskplane.Errorf(deskplane.CodeAccessDenied, "The image %s is a BYOL image; BYOL images can be copied only to Regions where your account is enabled for BYOL, and account %s is not in %s.", srcID, sc.Account, sc.Region)
			}
		}
		if err := w.checkNewImage(tx, sc, deref(in.Name)); err != nil {
			return err
		}
		img := *src
		img.ID, img.Name = id, deref(in.Name)
		if in.Description != nil {
			img.Description = *in.Description
		}
		img.SharedWith, img.ErrorCode, img.ErrorMessage, img.ErrorDetails = nil, "", "", nil
		img.SourceImageID, img.SourceRegion, img.SourceAccount, img.SourceWorkspaceID = srcID, srcRegion, src.Owner, ""
		img.Origin = originCopy
		return createPendingImage(tx, sc, &img, in.Tags, now, w.d.Timing.Duration(deskplane.TImageCopy))
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.CopyWorkspaceImageResult{ImageId: ptr(id)}, nil
}

// ---- DeleteWorkspaceImage --------------------------------------------------

func (w *wsService) DeleteWorkspaceImage(ctx context.Context, in *wsapi.DeleteWorkspaceImageRequest) (*wsapi.DeleteWorkspaceImageResult, error) {
	sc := caller(ctx).Scope()
	id := deref(in.ImageId)
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		img, ok, err := ownImage(tx, sc, id)
		if err != nil {
			return err
		}
		if !ok {
			shared, ok, err := sharedImage(tx, sc, id)
			if err != nil {
				return err
			}
			if ok {
				return deskplane.Errorf(deskplane.CodeAccessDenied, "The image %s is owned by account %s and shared with you; only its owner can delete it. Copy it to get an image of your own.", id, shared.Owner)
			}
			return nil // deleting an unknown image succeeds (decision 0030)
		}
		if img.State == imagePending {
			return deskplane.Errorf(deskplane.CodeInvalidState, "The image %s is PENDING; it can be deleted once it is AVAILABLE or in ERROR.", id)
		}
		if len(img.SharedWith) > 0 {
			return deskplane.Errorf(deskplane.CodeInvalidState, "The image %s is shared with %d account(s) (%s); unshare it with UpdateWorkspaceImagePermission before deleting it.", id, len(img.SharedWith), strings.Join(img.SharedWith, ", "))
		}
		var bundle string
		err = deskplane.Each(tx, sc, deskplane.KindBundle, 0, func(_ int64, b *deskplane.Bundle) (bool, error) {
			if b.ImageID == id {
				bundle = b.ID
			}
			return bundle == "", nil
		})
		if err != nil {
			return err
		}
		if bundle != "" {
			return deskplane.Errorf(deskplane.CodeAssociated, "The image %s is used by bundle %s; delete the bundle or point it at another image first.", id, bundle)
		}
		if _, err := tx.Delete(imageKey(sc, id)); err != nil {
			return err
		}
		if _, err := tx.Delete(deskplane.Key{Scope: sc, Kind: deskplane.KindImageImport, ID: id}); err != nil {
			return err
		}
		return deleteTagsOf(tx, sc, id)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DeleteWorkspaceImageResult{}, nil
}

// ---- DescribeWorkspaceImages -----------------------------------------------

const (
	purposeImages   = "images"
	purposeImageIDs = "imageids"
)

type seqImage struct {
	seq int64
	img wsapi.WorkspaceImage
}

func (w *wsService) DescribeWorkspaceImages(ctx context.Context, in *wsapi.DescribeWorkspaceImagesRequest) (*wsapi.DescribeWorkspaceImagesResult, error) {
	sc := caller(ctx).Scope()
	size := paging.Size(in.MaxResults)
	wantOwned := in.ImageType == "" || in.ImageType == wsapi.ImageTypeOwned
	wantShared := in.ImageType == "" || in.ImageType == wsapi.ImageTypeShared
	purpose := purposeImages
	if len(in.ImageIds) > 0 {
		purpose = purposeImageIDs
	}
	after, err := paging.Parse(purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	var p paging.Page[wsapi.WorkspaceImage]
	err = w.d.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[wsapi.WorkspaceImage]{}
		if len(in.ImageIds) > 0 {
			return w.describeImagesByID(tx, sc, in.ImageIds, int(after), size, wantOwned, wantShared, in.ImageType == "", &p)
		}
		// Owned images and share records each come in Seq order (Seq is
		// unique store-wide); merging them gives one stable order.
		var owned, shared []seqImage
		if wantOwned {
			err := deskplane.Each(tx, sc, deskplane.KindImage, after, func(seq int64, img *deskplane.Image) (bool, error) {
				owned = append(owned, seqImage{seq, wireImage(img)})
				return len(owned) <= size, nil
			})
			if err != nil {
				return err
			}
		}
		if wantShared {
			err := deskplane.Each(tx, sc, deskplane.KindImageShare, after, func(seq int64, sh *imageShare) (bool, error) {
				img, ok, err := sharedImage(tx, sc, sh.ImageID)
				if err != nil || !ok {
					return err == nil, err
				}
				shared = append(shared, seqImage{seq, wireImage(img)})
				return len(shared) <= size, nil
			})
			if err != nil {
				return err
			}
		}
		all := append(owned, shared...)
		slices.SortFunc(all, func(a, b seqImage) int { return cmp.Compare(a.seq, b.seq) })
		for _, x := range all {
			if !p.Add(size, x.seq, x.img) {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &wsapi.DescribeWorkspaceImagesResult{Images: p.Items(), NextToken: p.Next(purpose)}
	return out, nil
}

// describeImagesByID pages through the requested ids in request order
// (the token's position is an index into them); unknown ids are left out.
func (w *wsService) describeImagesByID(tx deskplane.Tx, sc deskplane.Scope, ids []string, after, size int, wantOwned, wantShared, wantPublic bool, p *paging.Page[wsapi.WorkspaceImage]) error {
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if i < after {
			continue
		}
		img, shared, ok, err := visibleImage(tx, sc, id)
		if err != nil {
			return err
		}
		if !ok {
			if !wantPublic {
				continue
			}
			if img, ok = w.publicImage(id); !ok {
				continue
			}
		} else if (shared && !wantShared) || (!shared && !wantOwned) {
			continue
		}
		if !p.Add(size, int64(i+1), wireImage(img)) {
			break
		}
	}
	return nil
}

// publicImage returns an image of the AMAZON public catalogue, which any
// caller can describe by id.
func (w *wsService) publicImage(id string) (*deskplane.Image, bool) {
	return catalogue.Image(id)
}

// ---- permissions -------------------------------------------------------------

func (w *wsService) DescribeWorkspaceImagePermissions(ctx context.Context, in *wsapi.DescribeWorkspaceImagePermissionsRequest) (*wsapi.DescribeWorkspaceImagePermissionsResult, error) {
	sc := caller(ctx).Scope()
	id := deref(in.ImageId)
	purpose := "imageperms/" + id
	after, err := paging.Parse(purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := paging.Size(in.MaxResults)
	var p paging.Page[wsapi.ImagePermission]
	err = w.d.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[wsapi.ImagePermission]{}
		img, ok, err := ownImage(tx, sc, id)
		if err != nil {
			return err
		}
		if !ok {
			return imageNotFound(id)
		}
		for i, acct := range img.SharedWith {
			if int64(i) < after {
				continue
			}
			if !p.Add(size, int64(i+1), wsapi.ImagePermission{SharedAccountId: ptr(acct)}) {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &wsapi.DescribeWorkspaceImagePermissionsResult{ImageId: ptr(id), ImagePermissions: p.Items(), NextToken: p.Next(purpose)}
	return out, nil
}

func (w *wsService) UpdateWorkspaceImagePermission(ctx context.Context, in *wsapi.UpdateWorkspaceImagePermissionRequest) (*wsapi.UpdateWorkspaceImagePermissionResult, error) {
	sc := caller(ctx).Scope()
	id, target, allow := deref(in.ImageId), deref(in.SharedAccountId), deref(in.AllowCopyImage)
	if target == sc.Account {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The image %s cannot be shared with its owner, account %s.", id, target)
	}
	now := w.now()
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		img, ok, err := ownImage(tx, sc, id)
		if err != nil {
			return err
		}
		if !ok {
			if _, shared, err := sharedImage(tx, sc, id); err != nil {
				return err
			} else if shared {
				return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "ImageNotOwned",
					Message: "The image " + id + " is shared with you; an image shared with you cannot be shared again. Copy it to get an image of your own."}
			}
			return imageNotFound(id)
		}
		targetScope := deskplane.Scope{Account: target, Region: sc.Region}
		already := slices.Contains(img.SharedWith, target)
		if !allow {
			if !already {
				return deskplane.Errorf(deskplane.CodeInvalidParameter, "The image %s is not shared with account %s; permission can be revoked only after an image has been shared.", id, target)
			}
			img.SharedWith = slices.DeleteFunc(img.SharedWith, func(a string) bool { return a == target })
			if _, err := tx.Delete(imageShareKey(targetScope, id)); err != nil {
				return err
			}
			return deskplane.Save(tx, imageKey(sc, id), img)
		}
		if img.State != imageAvailable {
			return &deskplane.Error{Code: deskplane.CodeUnavailable, ResourceID: id,
				Message: "The image " + id + " is " + string(img.State) + "; only an AVAILABLE image can be shared."}
		}
		if img.RequiredTenancy == tenancyDedicated {
			acct, err := accountSettings(tx, targetScope)
			if err != nil {
				return err
			}
			if !acct.BYOLEnabled() {
				return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "TargetAccountNotBYOLEnabled",
					Message: "The image " + id + " is a BYOL image; BYOL images can be shared only with accounts enabled for BYOL in the same Region, and account " + target + " is not enabled in " + sc.Region + "."}
			}
		}
		if already {
			return nil
		}
		img.SharedWith = append(img.SharedWith, target)
		if err := deskplane.Save(tx, imageShareKey(targetScope, id), imageShare{ImageID: id, Owner: sc.Account, Shared: now}); err != nil {
			return err
		}
		return deskplane.Save(tx, imageKey(sc, id), img)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.UpdateWorkspaceImagePermissionResult{}, nil
}

// ---- lifecycle ---------------------------------------------------------------

// imageTimers registers the image lifecycle handlers (and the account's:
// BYOL enablement lives with images, account.go).
func (s *Server) imageTimers(m map[string]lifecycle.Handler) {
	m[timerImageReady] = s.imageReady
	m[timerImageImportStep] = s.imageImportStep
	m[timerAccountModify] = s.accountModified
}

// imageReady ends an image's PENDING state: AVAILABLE, or the state of an
// injected transition fault. A WorkSpace SUSPENDED while the image was
// captured returns to AVAILABLE either way.
func (s *Server) imageReady(ctx context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	img, ok, err := ownImage(tx, t.Key.Scope, t.Key.ID)
	if err != nil || !ok || img.State != imagePending {
		return err
	}
	if err := s.finishImage(tx, img, t.Key.Scope, t.Due); err != nil {
		return err
	}
	if err := deskplane.Save(tx, t.Key, img); err != nil {
		return err
	}
	if img.SourceWorkspaceID == "" || img.Origin != originWorkspace {
		return nil
	}
	var ws deskplane.Workspace
	wsKey := deskplane.Key{Scope: t.Key.Scope, Kind: deskplane.KindWorkspace, ID: img.SourceWorkspaceID}
	ok, err = deskplane.Load(tx, wsKey, &ws)
	if err != nil || !ok || ws.State != "SUSPENDED" || ws.ImageCapture != img.ID {
		return err
	}
	ws.State, ws.ImageCapture, ws.StateChanged = "AVAILABLE", "", t.Due
	ws.Generation++
	if err := s.scheduleAutoStop(tx, t.Key.Scope, &ws, t.Due); err != nil { // an AUTO_STOP WorkSpace's clock restarts
		return err
	}
	return deskplane.Save(tx, wsKey, &ws)
}

// finishImage moves a PENDING image to AVAILABLE, or to the state of an
// injected transition fault; a fault's error code that names an image
// validation failure also appears in ErrorDetails.
func (s *Server) finishImage(tx deskplane.Tx, img *deskplane.Image, sc deskplane.Scope, at time.Time) error {
	img.StateChanged = at
	f, ok, err := deskplane.TakeTransitionFault(tx, deskplane.KindImage, sc, img.ID)
	if err != nil || !ok {
		img.State = imageAvailable
		return err
	}
	img.State, img.ErrorCode, img.ErrorMessage = deskplane.ImageState(f.State), f.ErrorCode, f.ErrorMessage
	if img.State == imageError && img.ErrorMessage == "" {
		img.ErrorMessage = "The image " + img.ID + " could not be created."
	}
	if code := wsapi.WorkspaceImageErrorDetailCode(f.ErrorCode); code.IsKnown() {
		img.ErrorDetails = append(img.ErrorDetails, deskplane.ImageErrorDetail{Code: f.ErrorCode, Message: img.ErrorMessage})
	}
	return nil
}

// imageControlRoutes adds the control routes of images and accounts
// (docs/CONTROL-API.md, images section).
func (s *Server) imageControlRoutes(mux *http.ServeMux) {
	s.imageControl(mux) // image_control.go
}
