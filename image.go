package deskplane

import (
	"slices"
	"time"
)

// The records and rules of images and bundles that more than one family
// reads: the images family keeps them, the bundles, applications and
// WorkSpaces families read them (docs/decisions/0030-images.md,
// 0032-byol-imports.md, 0013-custom-bundles.md).

// ImageOrigin says how an image was made (Image.Origin). It is deskplane's
// vocabulary, not a model value: the applications family follows an
// image's origin to find the applications it carries, and the lifecycle
// picks the duration of its PENDING state by it.
type ImageOrigin string

// The ways an image is made.
const (
	OriginWorkspace    ImageOrigin = "WORKSPACE"     // CreateWorkspaceImage: captured from a WorkSpace
	OriginUpdate       ImageOrigin = "UPDATE"        // CreateUpdatedWorkspaceImage
	OriginCopy         ImageOrigin = "COPY"          // CopyWorkspaceImage
	OriginImport       ImageOrigin = "IMPORT"        // ImportWorkspaceImage (BYOL, from an AMI)
	OriginCustomImport ImageOrigin = "CUSTOM_IMPORT" // ImportCustomWorkspaceImage (BYOL, EC2 Image Builder)
)

// Transition is the timing-profile step an image of this origin spends
// PENDING. ImageTable's creation row names the capture's (TImageCreate);
// the other origins take their own.
func (o ImageOrigin) Transition() Transition {
	switch o {
	case OriginUpdate:
		return TImageUpdate
	case OriginCopy:
		return TImageCopy
	case OriginImport, OriginCustomImport:
		return TImageImport
	}
	return TImageCreate
}

// SetState moves the image to state s at time at. The new Generation makes
// the timers scheduled for the old state no-ops.
func (img *Image) SetState(s ImageState, at time.Time) {
	img.State = s
	img.StateChanged = at
	img.Generation++
}

// SetState moves the bundle to state s at time at (its LastUpdated). The
// new Generation makes the timers scheduled for the old state no-ops.
func (b *Bundle) SetState(s BundleState, at time.Time) {
	b.State = s
	b.LastUpdated = at
	b.Generation++
}

// BYOL reports whether the image is a BYOL image (it requires dedicated
// tenancy).
func (img *Image) BYOL() bool { return img.RequiredTenancy == ImageTenancyDedicated }

// ImageShare is, in a recipient's scope, an image shared with it (record
// kind KindImageShare, id = image id). The owner's Image lists the
// recipient in SharedWith; a share whose image is gone or no longer lists
// the recipient is ignored.
type ImageShare struct {
	ImageID string    `json:"imageId"`
	Owner   string    `json:"owner"`
	Shared  time.Time `json:"shared"`
}

// EC2Image is what deskplane knows of an EC2 AMI of an account: it serves
// no EC2, so the control API records the facts an import needs (record
// kind KindEC2Image, id = AMI id, in the owner's scope). Without a record
// an AMI exists and runs Windows 10 (docs/decisions/0032-byol-imports.md).
type EC2Image struct {
	ID              string              `json:"id"`
	Missing         bool                `json:"missing,omitempty"`
	OperatingSystem OperatingSystemName `json:"os,omitempty"`
}

// ImageImport is an ImportCustomWorkspaceImage workflow (record kind
// KindImageImport, id = image id, in the owner's scope). State is the
// model's CustomWorkspaceImageImportState; Step counts the steps taken.
type ImageImport struct {
	ImageID                        string    `json:"imageId"`
	InfrastructureConfigurationArn string    `json:"infraArn"`
	Ec2ImageID                     string    `json:"ec2ImageId,omitempty"`
	Ec2ImportTaskID                string    `json:"ec2ImportTaskId,omitempty"`
	ImageBuildVersionArn           string    `json:"imageBuildVersionArn,omitempty"`
	ComputeType                    string    `json:"computeType"`
	Protocol                       string    `json:"protocol"`
	OsVersion                      string    `json:"osVersion"`
	Platform                       string    `json:"platform"`
	State                          string    `json:"state"`
	Step                           int       `json:"step"`
	StepDuration                   int64     `json:"stepNs"`
	Created                        time.Time `json:"created"`
	Updated                        time.Time `json:"updated"`
	BuilderInstanceID              string    `json:"builderInstanceId,omitempty"`
	ErrorCode                      string    `json:"errorCode,omitempty"`
	ErrorMessage                   string    `json:"errorMessage,omitempty"`
}

// ImageShares are, in a recipient's scope, the images shared with it,
// keyed by image id.
func ImageShares() Records[ImageShare] { return Records[ImageShare]{KindImageShare} }

// EC2Images are the recorded facts about AMIs, keyed by AMI id.
func EC2Images() Records[EC2Image] { return Records[EC2Image]{KindEC2Image} }

// ImageImports are the custom image imports, keyed by image id.
func ImageImports() Records[ImageImport] { return Records[ImageImport]{KindImageImport} }

// SharedImage returns the owner's record of an image shared with scope sc,
// and false when none is (or the share no longer holds).
func SharedImage(tx Tx, sc Scope, id string) (*Image, bool, error) {
	sh, ok, err := ImageShares().Get(tx, sc, id)
	if err != nil || !ok {
		return nil, false, err
	}
	img, ok, err := Images().Get(tx, Scope{Account: sh.Owner, Region: sc.Region}, id)
	if err != nil || !ok || !slices.Contains(img.SharedWith, sc.Account) {
		return nil, false, err
	}
	return img, true, nil
}

// VisibleImage returns an image scope sc owns or that is shared with it;
// shared says which, found is false when it is neither.
func VisibleImage(tx Tx, sc Scope, id string) (img *Image, shared, found bool, err error) {
	if img, ok, err := Images().Get(tx, sc, id); err != nil || ok {
		return img, false, ok, err
	}
	img, ok, err := SharedImage(tx, sc, id)
	return img, ok, ok, err
}

// ImageNotFound is the error for an image the caller can neither own nor
// see shared.
func ImageNotFound(id string) *Error {
	return NotFound(id, "The specified image %s could not be found. Confirm that the image exists in your AWS account and Region, and try again.", id)
}

// BundleNotFound is the error for a bundle that is neither the caller's nor
// of the AMAZON catalogue.
func BundleNotFound(id string) *Error {
	return NotFound(id, "The specified bundle %s could not be found.", id)
}
