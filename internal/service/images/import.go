package images

import (
	"context"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// BYOL image imports (behaviour doc §3.4; docs/decisions/0032-byol-imports.md):
// ImportWorkspaceImage (from an EC2 AMI) and ImportCustomWorkspaceImage /
// DescribeCustomWorkspaceImageImport (through EC2 Image Builder).
//
// deskplane has no EC2: every well-formed AMI id names a Windows 10 AMI the
// caller owns, unless the control API recorded other facts about it
// (deskplane.EC2Image; control.go).

// ec2Image returns the facts of an AMI: by default it exists and runs
// Windows 10.
func ec2Image(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.EC2Image, error) {
	ami, ok, err := deskplane.EC2Images().Get(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		ami = &deskplane.EC2Image{ID: id}
	}
	if ami.OperatingSystem == "" {
		ami.OperatingSystem = deskplane.OSWindows10
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

// graphicsAllowListed refuses a Graphics.g4dn BYOL import for an account
// AWS Support has not enabled for BYOL on GPU bundles in the Region (the
// control setting graphicsByolAllowListed; decision 0331).
func graphicsAllowListed(acct deskplane.Account, sc deskplane.Scope, what string) error {
	if acct.GraphicsBYOLAllowListed {
		return nil
	}
	return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "NotAllowListed",
		Message: what + " needs your account to be enabled for BYOL on Graphics.g4dn and GraphicsPro.g4dn bundles; account " + sc.Account + " is not in " + sc.Region + ". Contact AWS Support to have it enabled."}
}

// ---- ImportWorkspaceImage ----------------------------------------------------

// ingestion is what an ImportWorkspaceImage IngestionProcess means: the
// streaming protocol of the image (none for bring-your-own-protocol) and
// the hardware it is for.
type ingestion struct {
	protocol deskplane.Protocol // "" for a _BYOP process
	byop     bool               // bring your own protocol: WorkSpaces Core only
	gpu      bool               // a Graphics bundle's image
	g4dn     bool               // a Graphics.g4dn or GraphicsPro.g4dn bundle's image
	// retired is set for the bundles AWS retired (Graphics and
	// GraphicsPro): their values stay in the model, imports are refused
	// (decision 0331).
	retired bool
}

// ingestionOf reads an ingestion process.
func ingestionOf(p wsapi.WorkspaceImageIngestionProcess) ingestion {
	switch p {
	case wsapi.WorkspaceImageIngestionProcessByolGraphics, wsapi.WorkspaceImageIngestionProcessByolGraphicspro:
		return ingestion{protocol: deskplane.ProtocolPCoIP, gpu: true, retired: true}
	case wsapi.WorkspaceImageIngestionProcessByolGraphicsG4dn:
		return ingestion{protocol: deskplane.ProtocolPCoIP, gpu: true, g4dn: true}
	case wsapi.WorkspaceImageIngestionProcessByolRegularWsp:
		return ingestion{protocol: deskplane.ProtocolWSP}
	case wsapi.WorkspaceImageIngestionProcessByolGraphicsG4dnWsp:
		return ingestion{protocol: deskplane.ProtocolWSP, gpu: true, g4dn: true}
	case wsapi.WorkspaceImageIngestionProcessByolRegularByop:
		return ingestion{byop: true}
	case wsapi.WorkspaceImageIngestionProcessByolGraphicsG4dnByop:
		return ingestion{byop: true, gpu: true, g4dn: true}
	}
	return ingestion{protocol: deskplane.ProtocolPCoIP} // BYOL_REGULAR
}

// protocols is the image's protocol list.
func (i ingestion) protocols() []deskplane.Protocol {
	if i.protocol == "" {
		return nil
	}
	return []deskplane.Protocol{i.protocol}
}

// checkOffice applies the Office subscription rules of ImportWorkspaceImage
// (MODEL Applications; AG:byol-windows-images).
func checkOffice(apps []wsapi.Application, osName deskplane.OperatingSystemName, ing ingestion) error {
	if len(apps) == 0 {
		return nil
	}
	if len(apps) > 1 {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "Only one application can be specified at this time; the request lists %d.", len(apps))
	}
	app := apps[0]
	win11, dcv := osName == deskplane.OSWindows11, ing.protocol == deskplane.ProtocolWSP
	switch {
	case osName != deskplane.OSWindows10 && !win11:
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "Office subscriptions are available only for Windows 10 and Windows 11 BYOL images, not for %s; remove %s from Applications.", osName, app)
	case win11 && dcv && ing.gpu:
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "GPU DCV WorkSpaces with Windows 11 do not support Office installation; remove %s from Applications.", app)
	case win11 && dcv && app != wsapi.ApplicationMicrosoftOffice2019:
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "Non-GPU DCV WorkSpaces with Windows 11 support only %s, not %s.", wsapi.ApplicationMicrosoftOffice2019, app)
	case ing.g4dn && app != wsapi.ApplicationMicrosoftOffice2019:
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "Graphics.g4dn BYOL images support only %s, not %s.", wsapi.ApplicationMicrosoftOffice2019, app)
	}
	return nil
}

// importableOS reports whether an AMI's operating system can be imported
// for BYOL: Windows 10 and 11 (MODEL) and Windows Server 2016 (seed 004;
// decision 0331).
func importableOS(osName deskplane.OperatingSystemName) bool {
	switch osName {
	case deskplane.OSWindows10, deskplane.OSWindows11, deskplane.OSWindowsServer2016:
		return true
	}
	return false
}

func (s *Service) ImportWorkspaceImage(ctx context.Context, in *wsapi.ImportWorkspaceImageRequest) (*wsapi.ImportWorkspaceImageResult, error) {
	tags := tags(in.Tags)
	if err := deskplane.CheckTags(tags); err != nil {
		return nil, err
	}
	sc := env.Scope(ctx)
	now := s.Now()
	id := newImageID()
	amiID, ing := value(in.Ec2ImageId), ingestionOf(in.IngestionProcess)
	if ing.retired {
		return nil, &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "UnsupportedIngestionProcess",
			Message: "The ingestion process " + string(in.IngestionProcess) + " is for Graphics and GraphicsPro bundles, which are no longer supported; import the image for Graphics.g4dn with " + string(wsapi.WorkspaceImageIngestionProcessByolGraphicsG4dn) + " or " + string(wsapi.WorkspaceImageIngestionProcessByolGraphicsG4dnWsp) + "."}
	}
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		acct, err := account(tx, sc)
		if err != nil {
			return err
		}
		if ing.byop && !acct.CoreAllowListed {
			return notAllowListed("The ingestion process " + string(in.IngestionProcess))
		}
		if ing.g4dn {
			if err := graphicsAllowListed(acct, sc, "The ingestion process "+string(in.IngestionProcess)); err != nil {
				return err
			}
		}
		if err := byolRequired(acct, sc); err != nil {
			return err
		}
		ami, err := ec2Image(tx, sc, amiID)
		if err != nil {
			return err
		}
		if ami.Missing {
			return amiNotFound(amiID)
		}
		if !importableOS(ami.OperatingSystem) {
			return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "UnsupportedOperatingSystem",
				Message: "Only Windows 10, Windows 11 and Windows Server 2016 images can be imported for BYOL; the EC2 image " + amiID + " runs " + string(ami.OperatingSystem) + "."}
		}
		if ami.OperatingSystem == deskplane.OSWindows11 && ing.protocol == deskplane.ProtocolPCoIP {
			return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "UnsupportedProtocol",
				Message: "Windows 11 does not support the PCoIP protocol; import the image with an ingestion process that ends in _WSP."}
		}
		if err := checkOffice(in.Applications, ami.OperatingSystem, ing); err != nil {
			return err
		}
		if err := s.checkNewImage(tx, sc, value(in.ImageName)); err != nil {
			return err
		}
		img := deskplane.Image{
			ID:               id,
			Name:             value(in.ImageName),
			Description:      value(in.ImageDescription),
			OperatingSystem:  ami.OperatingSystem,
			OSType:           string(wsapi.OperatingSystemTypeWindows),
			RequiredTenancy:  deskplane.ImageTenancyDedicated,
			Ec2ImageID:       amiID,
			IngestionProcess: string(in.IngestionProcess),
			Protocols:        ing.protocols(),
			Origin:           deskplane.OriginImport,
		}
		for _, a := range in.Applications {
			img.Applications = append(img.Applications, string(a))
		}
		factor := 1
		if len(in.Applications) > 0 {
			factor = 2 // at least 90 minutes; at least 3 hours with Office
		}
		return s.enter(tx, sc, &img, tags, now, factor)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ImportWorkspaceImageResult{ImageId: new(id)}, nil
}

// ---- ImportCustomWorkspaceImage ----------------------------------------------

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

// checkInfrastructureArn checks that an EC2 Image Builder infrastructure
// configuration is in the caller's Region and account (or AWS-managed).
func checkInfrastructureArn(arn string, sc deskplane.Scope) error {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[3] == sc.Region && (parts[4] == sc.Account || parts[4] == "aws") {
		return nil
	}
	return deskplane.Errorf(deskplane.CodeInvalidParameter, "The infrastructure configuration %s must be in Region %s and owned by account %s.", arn, sc.Region, sc.Account)
}

// customProtocols is the protocol list of an image imported with a
// custom image protocol.
func customProtocols(p wsapi.CustomImageProtocol) []deskplane.Protocol {
	switch p {
	case wsapi.CustomImageProtocolDcv:
		return []deskplane.Protocol{deskplane.ProtocolWSP}
	case wsapi.CustomImageProtocolByop:
		return nil
	}
	return []deskplane.Protocol{deskplane.ProtocolPCoIP}
}

func (s *Service) ImportCustomWorkspaceImage(ctx context.Context, in *wsapi.ImportCustomWorkspaceImageRequest) (*wsapi.ImportCustomWorkspaceImageResult, error) {
	tags := tags(in.Tags)
	if err := deskplane.CheckTags(tags); err != nil {
		return nil, err
	}
	sc := env.Scope(ctx)
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
	if err := checkInfrastructureArn(value(in.InfrastructureConfigurationArn), sc); err != nil {
		return nil, err
	}
	if in.OsVersion == wsapi.OSVersionWindows11 && in.Protocol == wsapi.CustomImageProtocolPcoip {
		return nil, &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "UnsupportedProtocol",
			Message: "Windows 11 does not support the PCOIP protocol; import the image with protocol DCV."}
	}
	osName := deskplane.OSWindows10
	if in.OsVersion == wsapi.OSVersionWindows11 {
		osName = deskplane.OSWindows11
	}
	now := s.Now()
	id := newImageID()
	var imp deskplane.ImageImport
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		acct, err := account(tx, sc)
		if err != nil {
			return err
		}
		if in.Protocol == wsapi.CustomImageProtocolByop && !acct.CoreAllowListed {
			return notAllowListed("The BYOP protocol")
		}
		if in.ComputeType != wsapi.ImageComputeTypeBase { // a GPU compute type
			if err := graphicsAllowListed(acct, sc, "An import for compute type "+string(in.ComputeType)); err != nil {
				return err
			}
		}
		if err := byolRequired(acct, sc); err != nil {
			return err
		}
		if src.Ec2ImageId != nil {
			ami, err := ec2Image(tx, sc, *src.Ec2ImageId)
			if err != nil {
				return err
			}
			if ami.Missing {
				return amiNotFound(*src.Ec2ImageId)
			}
		}
		if err := s.checkNewImage(tx, sc, value(in.ImageName)); err != nil {
			return err
		}
		img := deskplane.Image{
			ID:              id,
			Name:            value(in.ImageName),
			Description:     value(in.ImageDescription),
			OperatingSystem: osName,
			OSType:          string(wsapi.OperatingSystemTypeWindows),
			RequiredTenancy: deskplane.ImageTenancyDedicated,
			Ec2ImageID:      value(src.Ec2ImageId),
			Protocols:       customProtocols(in.Protocol),
			Origin:          deskplane.OriginCustomImport,
		}
		if _, err := s.store(tx, sc, &img, tags, now); err != nil {
			return err
		}
		steps := len(importSteps()) - 1
		imp = deskplane.ImageImport{
			ImageID:                        id,
			InfrastructureConfigurationArn: value(in.InfrastructureConfigurationArn),
			Ec2ImageID:                     value(src.Ec2ImageId),
			Ec2ImportTaskID:                value(src.Ec2ImportTaskId),
			ImageBuildVersionArn:           value(src.ImageBuildVersionArn),
			ComputeType:                    string(in.ComputeType),
			Protocol:                       string(in.Protocol),
			OsVersion:                      string(in.OsVersion),
			Platform:                       string(in.Platform),
			State:                          string(wsapi.CustomWorkspaceImageImportStatePending),
			StepDuration:                   int64(s.Timing.Duration(img.Origin.Transition()) / time.Duration(steps)),
			Created:                        now,
			Updated:                        now,
		}
		if err := deskplane.ImageImports().Put(tx, sc, id, &imp); err != nil {
			return err
		}
		return tx.Schedule(deskplane.Timer{Key: deskplane.ImageImports().Key(sc, id), Name: deskplane.TimerImageImportStep,
			Due: now.Add(time.Duration(imp.StepDuration))})
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ImportCustomWorkspaceImageResult{ImageId: new(id), State: wsapi.CustomWorkspaceImageImportState(imp.State)}, nil
}

// onImportStep moves an import one step on; at the last step the image
// leaves PENDING (finish): AVAILABLE, or ERROR (and the import ERROR) under
// an injected transition fault of kind "image".
func (s *Service) onImportStep(_ context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	sc := t.Key.Scope
	imp, ok, err := deskplane.ImageImports().Get(tx, sc, t.Key.ID)
	if err != nil || !ok {
		return err
	}
	steps := importSteps()
	if imp.Step >= len(steps)-1 || imp.State == string(wsapi.CustomWorkspaceImageImportStateError) {
		return nil
	}
	img, ok, err := deskplane.Images().Get(tx, sc, imp.ImageID)
	if err != nil || !ok || !deskplane.ImageTable().Transitional(img.State) {
		return err
	}
	imp.Step++
	imp.State, imp.Updated = string(steps[imp.Step].state), t.Due
	if steps[imp.Step].state == wsapi.CustomWorkspaceImageImportStateCreatingTestInstance {
		imp.BuilderInstanceID = deskplane.NewHexID("i-", 17)
	}
	if imp.Step < len(steps)-1 {
		if err := tx.Schedule(deskplane.Timer{Key: t.Key, Name: deskplane.TimerImageImportStep, Due: t.Due.Add(time.Duration(imp.StepDuration))}); err != nil {
			return err
		}
		return deskplane.ImageImports().Put(tx, sc, t.Key.ID, imp)
	}
	if err := s.finish(tx, sc, img, t.Due); err != nil {
		return err
	}
	if img.State == deskplane.ImageError {
		imp.State = string(wsapi.CustomWorkspaceImageImportStateError)
		imp.ErrorCode, imp.ErrorMessage = img.ErrorCode, img.ErrorMessage
	}
	if err := deskplane.Images().Put(tx, sc, img.ID, img); err != nil {
		return err
	}
	return deskplane.ImageImports().Put(tx, sc, t.Key.ID, imp)
}

func (s *Service) DescribeCustomWorkspaceImageImport(ctx context.Context, in *wsapi.DescribeCustomWorkspaceImageImportRequest) (*wsapi.DescribeCustomWorkspaceImageImportResult, error) {
	sc, id := env.Scope(ctx), value(in.ImageId)
	var imp *deskplane.ImageImport
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		var ok bool
		var err error
		imp, ok, err = deskplane.ImageImports().Get(tx, sc, id)
		if err == nil && !ok {
			err = deskplane.NotFound(id, "No image import %s could be found. DescribeCustomWorkspaceImageImport describes images imported with ImportCustomWorkspaceImage in your account and Region.", id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	steps := importSteps()
	step := min(imp.Step, len(steps)-1)
	out := &wsapi.DescribeCustomWorkspaceImageImportResult{
		ImageId:                        new(imp.ImageID),
		InfrastructureConfigurationArn: new(imp.InfrastructureConfigurationArn),
		State:                          wsapi.CustomWorkspaceImageImportState(imp.State),
		Created:                        smithy.NewTimestamp(imp.Created),
		LastUpdatedTime:                smithy.NewTimestamp(imp.Updated),
		ImageSource:                    &wsapi.ImageSourceIdentifier{},
		ProgressPercentage:             new(int32(step * 100 / (len(steps) - 1))),
		StateMessage:                   new(steps[step].message),
		ImageBuilderInstanceId:         optional(imp.BuilderInstanceID),
	}
	switch {
	case imp.Ec2ImageID != "":
		out.ImageSource.Ec2ImageId = new(imp.Ec2ImageID)
	case imp.Ec2ImportTaskID != "":
		out.ImageSource.Ec2ImportTaskId = new(imp.Ec2ImportTaskID)
	default:
		out.ImageSource.ImageBuildVersionArn = new(imp.ImageBuildVersionArn)
	}
	if imp.State == string(wsapi.CustomWorkspaceImageImportStateError) {
		out.StateMessage = new("The image import failed: " + imp.ErrorMessage)
		out.ErrorDetails = []wsapi.CustomWorkspaceImageImportErrorDetails{{
			ErrorCode: optional(imp.ErrorCode), ErrorMessage: new(imp.ErrorMessage)}}
	}
	return out, nil
}
