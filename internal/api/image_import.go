package api

import (
	"context"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// BYOL image imports (behaviour doc §3.4; docs/decisions/0032-byol-imports.md):
// ImportWorkspaceImage (from an EC2 AMI) and ImportCustomWorkspaceImage /
// DescribeCustomWorkspaceImageImport (through EC2 Image Builder).
//
// deskplane has no EC2: every well-formed AMI id names a Windows 10 AMI the
// caller owns, unless the control API recorded other facts about it
// (PUT /_deskplane/ec2-images/{id}: missing, or another operating system).

// kindEC2Image keeps the control API's facts about an EC2 AMI in the
// scope of the account that owns it (id = AMI id).
const kindEC2Image deskplane.Kind = "ec2image"

// ec2Image is what deskplane knows of an AMI.
type ec2Image struct {
	ID              string `json:"id"`
	Missing         bool   `json:"missing,omitempty"`
	OperatingSystem string `json:"os,omitempty"` // WINDOWS_10 | WINDOWS_11 | …
}

// ec2ImageFacts returns the facts of an AMI: by default it exists and runs
// Windows 10.
func ec2ImageFacts(tx deskplane.Tx, sc deskplane.Scope, id string) (ec2Image, error) {
	ami := ec2Image{ID: id}
	if _, err := deskplane.Load(tx, deskplane.Key{Scope: sc, Kind: kindEC2Image, ID: id}, &ami); err != nil {
		return ami, err
	}
	if ami.OperatingSystem == "" {
		ami.OperatingSystem = string(wsapi.OperatingSystemNameWindows10)
	}
	return ami, nil
}

func amiNotFound(id string) error {
	return deskplane.NotFound(id, "The EC2 image %s could not be found. Confirm that the AMI exists in this Region and is owned by your account, and try again.", id)
}

// byolRequired refuses BYOL work in a scope whose account is not enabled
// for BYOL (decision 0032: AccessDeniedException, as
// ListAvailableManagementCidrRanges answers).
func byolRequired(acct deskplane.Account, sc deskplane.Scope) error {
	if acct.BYOLEnabled() {
		return nil
	}
	return deskplane.Errorf(deskplane.CodeAccessDenied, "Account %s is not enabled for BYOL in Region %s. Enable it with ModifyAccount and wait for DescribeAccount to show DedicatedTenancySupport ENABLED.", sc.Account, sc.Region)
}

func notAllowListed(what string) error {
	return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "NotAllowListed",
		Message: what + " is supported only by Amazon WorkSpaces Core. Contact your account team to be allow-listed."}
}

// ---- ImportWorkspaceImage ----------------------------------------------------

// checkOffice applies the Office subscription rules of ImportWorkspaceImage
// (MODEL Applications; AG:byol-windows-images).
func checkOffice(apps []wsapi.Application, osName string, ing wsapi.WorkspaceImageIngestionProcess) error {
	if len(apps) == 0 {
		return nil
	}
	if len(apps) > 1 {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "Only one application can be specified at this time; the request lists %d.", len(apps))
	}
	app := apps[0]
	win11 := osName == string(wsapi.OperatingSystemNameWindows11)
	g4dn := strings.HasPrefix(string(ing), "BYOL_GRAPHICS_G4DN")
	dcv := strings.HasSuffix(string(ing), "_WSP")
	gpu := strings.HasPrefix(string(ing), "BYOL_GRAPHICS")
	switch {
	case win11 && dcv && gpu:
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "GPU DCV WorkSpaces with Windows 11 do not support Office installation; remove %s from Applications.", app)
	case win11 && dcv && app != wsapi.ApplicationMicrosoftOffice2019:
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "Non-GPU DCV WorkSpaces with Windows 11 support only Microsoft_Office_2019, not %s.", app)
	case g4dn && app != wsapi.ApplicationMicrosoftOffice2019:
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "Graphics.g4dn BYOL images support only Microsoft_Office_2019, not %s.", app)
	}
	return nil
}

func ingestionProtocols(ing string) []string {
	switch {
	case strings.HasSuffix(ing, "_WSP"):
		return []string{string(wsapi.ProtocolWsp)}
	case strings.HasSuffix(ing, "_BYOP"):
		return nil
	}
	return []string{string(wsapi.ProtocolPcoip)}
}

func (w *wsService) ImportWorkspaceImage(ctx context.Context, in *wsapi.ImportWorkspaceImageRequest) (*wsapi.ImportWorkspaceImageResult, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	sc := caller(ctx).Scope()
	now := w.now()
	id := deskplane.NewID("wsi-", 9)
	amiID, ing := deref(in.Ec2ImageId), in.IngestionProcess
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		acct, err := accountSettings(tx, sc)
		if err != nil {
			return err
		}
		if strings.HasSuffix(string(ing), "_BYOP") && !acct.CoreAllowListed {
			return notAllowListed("The ingestion process " + string(ing))
		}
		if err := byolRequired(acct, sc); err != nil {
			return err
		}
		ami, err := ec2ImageFacts(tx, sc, amiID)
		if err != nil {
			return err
		}
		if ami.Missing {
			return amiNotFound(amiID)
		}
		switch ami.OperatingSystem {
		case string(wsapi.OperatingSystemNameWindows10), string(wsapi.OperatingSystemNameWindows11):
		default:
			return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "UnsupportedOperatingSystem",
				Message: "Only Windows 10 and Windows 11 images can be imported for BYOL; the EC2 image " + amiID + " runs " + ami.OperatingSystem + "."}
		}
		if ami.OperatingSystem == string(wsapi.OperatingSystemNameWindows11) && len(ingestionProtocols(string(ing))) == 1 && ingestionProtocols(string(ing))[0] == string(wsapi.ProtocolPcoip) {
			return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "UnsupportedProtocol",
				Message: "Windows 11 does not support the PCoIP protocol; import the image with an ingestion process that ends in _WSP."}
		}
		if err := checkOffice(in.Applications, ami.OperatingSystem, ing); err != nil {
			return err
		}
		if err := w.checkNewImage(tx, sc, deref(in.ImageName)); err != nil {
			return err
		}
		img := deskplane.Image{
			ID:               id,
			Name:             deref(in.ImageName),
			Description:      deref(in.ImageDescription),
			OperatingSystem:  deskplane.OperatingSystemName(ami.OperatingSystem),
			OSType:           string(wsapi.OperatingSystemTypeWindows),
			RequiredTenancy:  tenancyDedicated,
			Ec2ImageID:       amiID,
			IngestionProcess: string(ing),
			Protocols:        protocolsOf(ingestionProtocols(string(ing))),
			Origin:           originImport,
		}
		for _, a := range in.Applications {
			img.Applications = append(img.Applications, string(a))
		}
		d := w.d.Timing.Duration(deskplane.TImageImport)
		if len(in.Applications) > 0 {
			d *= 2 // at least 90 minutes; at least 3 hours with Office
		}
		return createPendingImage(tx, sc, &img, in.Tags, now, d)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ImportWorkspaceImageResult{ImageId: ptr(id)}, nil
}

// ---- ImportCustomWorkspaceImage ----------------------------------------------

// timerImageImportStep moves a custom image import to its next state.
const timerImageImportStep = deskplane.TimerImageImportStep

// imageImport is an ImportCustomWorkspaceImage workflow (kind
// KindImageImport, id = image id, in the owner's scope).
type imageImport struct {
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

type importStep struct {
	state   wsapi.CustomWorkspaceImageImportState
	message string
}

// importSteps is the workflow an import walks through, one step per
// twelfth of the image.import duration (decision 0032).
func importSteps() []importStep {
	return []importStep{
		{wsapi.CustomWorkspaceImageImportStatePending, "The image import is queued."},
		{wsapi.CustomWorkspaceImageImportStateInProgress, "The image import has started."},
		{wsapi.CustomWorkspaceImageImportStateProcessingSourceImage, "The source image is being processed."},
		{wsapi.CustomWorkspaceImageImportStateCreatingTestInstance, "An EC2 Image Builder instance is being created."},
		{wsapi.CustomWorkspaceImageImportStateImageTestingStart, "The image is being tested."},
		{wsapi.CustomWorkspaceImageImportStateUpdatingOperatingSystem, "The operating system is being updated."},
		{wsapi.CustomWorkspaceImageImportStateImageCompatibilityChecking, "The image is being checked for compatibility with WorkSpaces."},
		{wsapi.CustomWorkspaceImageImportStateInstallingComponents, "WorkSpaces components are being installed."},
		{wsapi.CustomWorkspaceImageImportStateImageTestingGeneralization, "The image is being tested for generalization."},
		{wsapi.CustomWorkspaceImageImportStateGeneralizing, "The image is being generalized."},
		{wsapi.CustomWorkspaceImageImportStateValidating, "The image is being validated."},
		{wsapi.CustomWorkspaceImageImportStatePublishing, "The WorkSpace image is being published."},
		{wsapi.CustomWorkspaceImageImportStateCompleted, "The image import is complete."},
	}
}

func importKey(sc deskplane.Scope, id string) deskplane.Key {
	return deskplane.Key{Scope: sc, Kind: deskplane.KindImageImport, ID: id}
}

// checkInfrastructureArn checks that an EC2 Image Builder infrastructure
// configuration is in the caller's Region and account (or AWS-managed).
func checkInfrastructureArn(arn string, sc deskplane.Scope) error {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[3] == sc.Region && (parts[4] == sc.Account || parts[4] == "aws") {
		return nil
	}
	return deskplane.Errorf(deskplane.CodeInvalidParameter, "The infrastructure configuration %s must be in Region %s and owned by account %s.", arn, sc.Region, sc.Account)
}

func (w *wsService) ImportCustomWorkspaceImage(ctx context.Context, in *wsapi.ImportCustomWorkspaceImageRequest) (*wsapi.ImportCustomWorkspaceImageResult, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	sc := caller(ctx).Scope()
	src := in.ImageSource
	if src == nil {
		src = &wsapi.ImageSourceIdentifier{}
	}
	n := 0
	for _, p := range []*string{src.Ec2ImageId, src.Ec2ImportTaskId, src.ImageBuildVersionArn} {
		if p != nil {
			n++
		}
	}
	if n != 1 {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "ImageSource must name exactly one source: Ec2ImageId, Ec2ImportTaskId or ImageBuildVersionArn; the request names %d.", n)
	}
	if err := checkInfrastructureArn(deref(in.InfrastructureConfigurationArn), sc); err != nil {
		return nil, err
	}
	if in.OsVersion == wsapi.OSVersionWindows11 && in.Protocol == wsapi.CustomImageProtocolPcoip {
		return nil, &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "UnsupportedProtocol",
			Message: "Windows 11 does not support the PCOIP protocol; import the image with protocol DCV."}
	}
	osName := string(wsapi.OperatingSystemNameWindows10)
	if in.OsVersion == wsapi.OSVersionWindows11 {
		osName = string(wsapi.OperatingSystemNameWindows11)
	}
	now := w.now()
	id := deskplane.NewID("wsi-", 9)
	var imp imageImport
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		acct, err := accountSettings(tx, sc)
		if err != nil {
			return err
		}
		if in.Protocol == wsapi.CustomImageProtocolByop && !acct.CoreAllowListed {
			return notAllowListed("The BYOP protocol")
		}
		if err := byolRequired(acct, sc); err != nil {
			return err
		}
		if src.Ec2ImageId != nil {
			ami, err := ec2ImageFacts(tx, sc, *src.Ec2ImageId)
			if err != nil {
				return err
			}
			if ami.Missing {
				return amiNotFound(*src.Ec2ImageId)
			}
		}
		if err := w.checkNewImage(tx, sc, deref(in.ImageName)); err != nil {
			return err
		}
		protocols := []string{string(wsapi.ProtocolPcoip)}
		switch in.Protocol {
		case wsapi.CustomImageProtocolDcv:
			protocols = []string{string(wsapi.ProtocolWsp)}
		case wsapi.CustomImageProtocolByop:
			protocols = nil
		}
		img := deskplane.Image{
			ID:              id,
			Name:            deref(in.ImageName),
			Description:     deref(in.ImageDescription),
			OperatingSystem: deskplane.OperatingSystemName(osName),
			OSType:          string(wsapi.OperatingSystemTypeWindows),
			RequiredTenancy: tenancyDedicated,
			Ec2ImageID:      deref(src.Ec2ImageId),
			Protocols:       protocolsOf(protocols),
			Origin:          originCustomImport,
		}
		if err := createImage(tx, sc, &img, in.Tags, now); err != nil {
			return err
		}
		steps := len(importSteps()) - 1
		imp = imageImport{
			ImageID:                        id,
			InfrastructureConfigurationArn: deref(in.InfrastructureConfigurationArn),
			Ec2ImageID:                     deref(src.Ec2ImageId),
			Ec2ImportTaskID:                deref(src.Ec2ImportTaskId),
			ImageBuildVersionArn:           deref(src.ImageBuildVersionArn),
			ComputeType:                    string(in.ComputeType),
			Protocol:                       string(in.Protocol),
			OsVersion:                      string(in.OsVersion),
			Platform:                       string(in.Platform),
			State:                          string(wsapi.CustomWorkspaceImageImportStatePending),
			StepDuration:                   int64(w.d.Timing.Duration(deskplane.TImageImport) / time.Duration(steps)),
			Created:                        now,
			Updated:                        now,
		}
		if err := deskplane.Save(tx, importKey(sc, id), imp); err != nil {
			return err
		}
		return tx.Schedule(deskplane.Timer{Key: importKey(sc, id), Name: timerImageImportStep, Due: now.Add(time.Duration(imp.StepDuration))})
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ImportCustomWorkspaceImageResult{ImageId: ptr(id), State: wsapi.CustomWorkspaceImageImportState(imp.State)}, nil
}

// imageImportStep moves an import one step on; at the last step the image
// becomes AVAILABLE, or ERROR (and the import ERROR) under an injected
// transition fault of kind "image".
func (s *Server) imageImportStep(ctx context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	var imp imageImport
	ok, err := deskplane.Load(tx, t.Key, &imp)
	if err != nil || !ok {
		return err
	}
	steps := importSteps()
	if imp.Step >= len(steps)-1 || imp.State == string(wsapi.CustomWorkspaceImageImportStateError) {
		return nil
	}
	imgKey := imageKey(t.Key.Scope, imp.ImageID)
	img, ok, err := ownImage(tx, t.Key.Scope, imp.ImageID)
	if err != nil || !ok || img.State != imagePending {
		return err
	}
	imp.Step++
	imp.State, imp.Updated = string(steps[imp.Step].state), t.Due
	if steps[imp.Step].state == wsapi.CustomWorkspaceImageImportStateCreatingTestInstance {
		imp.BuilderInstanceID = deskplane.NewHexID("i-", 17)
	}
	if imp.Step < len(steps)-1 {
		if err := tx.Schedule(deskplane.Timer{Key: t.Key, Name: timerImageImportStep, Due: t.Due.Add(time.Duration(imp.StepDuration))}); err != nil {
			return err
		}
		return deskplane.Save(tx, t.Key, imp)
	}
	if err := s.finishImage(tx, img, t.Key.Scope, t.Due); err != nil {
		return err
	}
	if img.State == imageError {
		imp.State = string(wsapi.CustomWorkspaceImageImportStateError)
		imp.ErrorCode, imp.ErrorMessage = img.ErrorCode, img.ErrorMessage
	}
	if err := deskplane.Save(tx, imgKey, img); err != nil {
		return err
	}
	return deskplane.Save(tx, t.Key, imp)
}

func (w *wsService) DescribeCustomWorkspaceImageImport(ctx context.Context, in *wsapi.DescribeCustomWorkspaceImageImportRequest) (*wsapi.DescribeCustomWorkspaceImageImportResult, error) {
	sc := caller(ctx).Scope()
	id := deref(in.ImageId)
	var imp imageImport
	err := w.d.Store.View(ctx, func(tx deskplane.Tx) error {
		ok, err := deskplane.Load(tx, importKey(sc, id), &imp)
		if err != nil {
			return err
		}
		if !ok {
			return deskplane.NotFound(id, "No image import %s could be found. DescribeCustomWorkspaceImageImport describes images imported with ImportCustomWorkspaceImage in your account and Region.", id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	steps := importSteps()
	step := min(imp.Step, len(steps)-1)
	out := &wsapi.DescribeCustomWorkspaceImageImportResult{
		ImageId:                        ptr(imp.ImageID),
		InfrastructureConfigurationArn: ptr(imp.InfrastructureConfigurationArn),
		State:                          wsapi.CustomWorkspaceImageImportState(imp.State),
		Created:                        smithy.NewTimestamp(imp.Created),
		LastUpdatedTime:                smithy.NewTimestamp(imp.Updated),
		ImageSource:                    &wsapi.ImageSourceIdentifier{},
		ProgressPercentage:             ptr(int32(step * 100 / (len(steps) - 1))),
		StateMessage:                   ptr(steps[step].message),
	}
	switch {
	case imp.Ec2ImageID != "":
		out.ImageSource.Ec2ImageId = ptr(imp.Ec2ImageID)
	case imp.Ec2ImportTaskID != "":
		out.ImageSource.Ec2ImportTaskId = ptr(imp.Ec2ImportTaskID)
	default:
		out.ImageSource.ImageBuildVersionArn = ptr(imp.ImageBuildVersionArn)
	}
	if imp.BuilderInstanceID != "" {
		out.ImageBuilderInstanceId = ptr(imp.BuilderInstanceID)
	}
	if imp.State == string(wsapi.CustomWorkspaceImageImportStateError) {
		msg := imp.ErrorMessage
		out.StateMessage = ptr("The image import failed: " + msg)
		d := wsapi.CustomWorkspaceImageImportErrorDetails{ErrorMessage: ptr(msg)}
		if imp.ErrorCode != "" {
			d.ErrorCode = ptr(imp.ErrorCode)
		}
		out.ErrorDetails = []wsapi.CustomWorkspaceImageImportErrorDetails{d}
	}
	return out, nil
}

// protocolsOf types a list of protocol names.
func protocolsOf(ps []string) []deskplane.Protocol {
	if ps == nil {
		return nil
	}
	out := make([]deskplane.Protocol, len(ps))
	for i, p := range ps {
		out[i] = deskplane.Protocol(p)
	}
	return out
}
