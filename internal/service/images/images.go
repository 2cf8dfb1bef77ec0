// Package images is the images family of the WorkSpaces API: images made
// from WorkSpaces, updated and copied (create.go), deleted and described
// (describe.go), shared with other accounts (share.go), BYOL imports
// (import.go), their lifecycle, and the settings the control API changes
// for them (control.go). It follows docs/decisions/0030-images.md,
// 0032-byol-imports.md and 0033-image-control-routes.md.
//
// An image is a deskplane.Image record in its owner's scope that follows
// deskplane.ImageTable: every way of making one leaves it PENDING with an
// image.ready timer (its Generation as payload) that makes it AVAILABLE, or
// ends it in the state of an injected transition fault. Sharing puts a
// deskplane.ImageShare record in the recipient's scope. A capture suspends
// its WorkSpace (another family's record) through the row
// ActionCaptureImage of deskplane.WorkspaceTable, and the image's timer
// ends that state too; BYOL rules read the account's settings
// (deskplane.Account) and never another family's code.
//
// Where real desktops will hang on (docs/decisions/0180-desktop-port.md):
// the PENDING state of an image is entered in one place (enter) and left
// in one (finish), and the record says what its content comes from
// (Origin with SourceWorkspaceID or SourceImageID), so a reconcile step
// that calls Desktops.CaptureImage or CopyImage can take the timer's
// place without changing the operations.
package images

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/desktops"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Service serves the images family's WorkSpaces operations. It implements
// part of wsapi.Service; internal/service composes it with the other
// families, and internal/control calls its control settings.
type Service struct {
	env.Env
}

// New returns the family's service on e.
func New(e env.Env) *Service { return &Service{Env: e} }

// Timers returns the family's lifecycle timer handlers by timer name.
func (s *Service) Timers() map[string]lifecycle.Handler {
	return map[string]lifecycle.Handler{
		deskplane.TimerImageReady:      s.onImageReady,
		deskplane.TimerImageImportStep: s.onImportStep,
	}
}

// value returns what p points at, or the zero value for nil: optional
// members of a request.
func value[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// optional returns nil for the zero value, so that an absent member stays
// absent in an answer.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// tags converts a request's tags to the domain's.
func tags(in []wsapi.Tag) []deskplane.Tag {
	out := make([]deskplane.Tag, len(in))
	for i, t := range in {
		out[i] = deskplane.Tag{Key: value(t.Key), Value: value(t.Value)}
	}
	return out
}

// account returns the account's settings in the scope (the zero settings,
// BYOL disabled, when it has none).
func account(tx deskplane.Tx, sc deskplane.Scope) (deskplane.Account, error) {
	var a deskplane.Account
	_, err := deskplane.Load(tx, deskplane.AccountKey(sc), &a)
	return a, err
}

// osTypeOf is the OperatingSystemType of an operating system.
func osTypeOf(osName deskplane.OperatingSystemName) wsapi.OperatingSystemType {
	if osName == "" || osName == deskplane.OSUnknown || osName.Windows() {
		return wsapi.OperatingSystemTypeWindows
	}
	return wsapi.OperatingSystemTypeLinux
}

// wireImage converts an image record to the WorkspaceImage shape. Updates
// is always present (behaviour doc §3.1).
func wireImage(img *deskplane.Image) wsapi.WorkspaceImage {
	out := wsapi.WorkspaceImage{
		ImageId:         new(img.ID),
		Name:            new(img.Name),
		Description:     optional(img.Description),
		OperatingSystem: &wsapi.OperatingSystem{Type: wsapi.OperatingSystemType(img.OSType)},
		State:           wsapi.WorkspaceImageState(img.State),
		RequiredTenancy: wsapi.WorkspaceImageRequiredTenancy(img.RequiredTenancy),
		Created:         smithy.NewTimestamp(img.Created),
		OwnerAccountId:  ownerAccount(img.Owner),
		Updates:         &wsapi.UpdateResult{UpdateAvailable: new(img.UpdateAvailable), Description: optional(img.UpdateDescription)},
	}
	if img.State == deskplane.ImageError {
		out.ErrorCode, out.ErrorMessage = optional(img.ErrorCode), optional(img.ErrorMessage)
		for _, d := range img.ErrorDetails {
			out.ErrorDetails = append(out.ErrorDetails, wsapi.ErrorDetails{
				ErrorCode: wsapi.WorkspaceImageErrorDetailCode(d.Code), ErrorMessage: optional(d.Message)})
		}
	}
	return out
}

// ownerAccount is an image's OwnerAccountId: its owner's account id, and
// none for the AMAZON catalogue's images, whose owner is no account (the
// model's AwsAccount is twelve digits; decision 0328).
func ownerAccount(owner string) *string {
	if len(owner) != 12 || strings.Trim(owner, "0123456789") != "" {
		return nil
	}
	return &owner
}

// checkNewImage applies the rules every new image in scope sc obeys: a
// name unique among the scope's images and the image quota (shared images
// do not count: they are not in the scope's image records).
func (s *Service) checkNewImage(tx deskplane.Tx, sc deskplane.Scope, name string) error {
	dup := false
	err := deskplane.Images().Each(tx, sc, 0, func(_ int64, img *deskplane.Image) (bool, error) {
		dup = img.Name == name
		return !dup, nil
	})
	if err != nil {
		return err
	}
	if dup {
		return deskplane.Errorf(deskplane.CodeAlreadyExists, "A WorkSpace image with the name %s already exists in Region %s. Provide a unique image name, and try again.", name, sc.Region)
	}
	n, err := deskplane.Images().Count(tx, sc)
	if err != nil {
		return err
	}
	if q := s.Quotas.Images; q > 0 && n >= q {
		return deskplane.Errorf(deskplane.CodeLimitExceeded, "Your account has reached its limit of %d WorkSpace images in Region %s. Delete images you no longer need, or request a quota increase.", q, sc.Region)
	}
	return nil
}

// imagePayload is carried by the image.ready timer: the generation the
// image's PENDING state was entered at.
type imagePayload struct {
	Gen int64 `json:"gen"`
}

// store writes a new image owned by sc, PENDING as ImageTable's creation
// row says, with its tags; it schedules nothing (a custom import moves
// the image on through its own steps).
func (s *Service) store(tx deskplane.Tx, sc deskplane.Scope, img *deskplane.Image, tags []deskplane.Tag, now time.Time) (deskplane.TransitionRow[deskplane.ImageState], error) {
	row, err := deskplane.ImageTable().Check(deskplane.ActionCreate, img.ID, "")
	if err != nil {
		return row, err
	}
	img.Owner, img.Created = sc.Account, now
	img.SetState(row.Via, now)
	if err := deskplane.Images().Put(tx, sc, img.ID, img); err != nil {
		return row, err
	}
	return row, deskplane.MergeTags(tx, sc, img.ID, tags)
}

// enter stores a new image PENDING and schedules the end of that state
// after its origin's step of the timing profile, times factor (an import
// with Office takes twice as long).
func (s *Service) enter(tx deskplane.Tx, sc deskplane.Scope, img *deskplane.Image, tags []deskplane.Tag, now time.Time, factor int) error {
	if _, err := s.store(tx, sc, img, tags, now); err != nil {
		return err
	}
	p, err := json.Marshal(imagePayload{Gen: img.Generation})
	if err != nil {
		return err
	}
	d := s.Timing.Duration(img.Origin.Transition()) * time.Duration(max(factor, 1))
	return tx.Schedule(deskplane.Timer{Key: deskplane.Images().Key(sc, img.ID), Name: deskplane.TimerImageReady,
		Due: now.Add(d), Payload: p})
}

// onImageReady ends an image's PENDING state as ImageTable says
// (AVAILABLE), or in the state of an injected transition fault (kind
// "image"). A WorkSpace SUSPENDED while the image was captured returns to
// the end state of its ActionCaptureImage row either way.
func (s *Service) onImageReady(_ context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	sc := t.Key.Scope
	img, ok, err := deskplane.Images().Get(tx, sc, t.Key.ID)
	if err != nil || !ok {
		return err
	}
	if len(t.Payload) > 0 { // timers stored before images had generations carry none
		var p imagePayload
		if err := json.Unmarshal(t.Payload, &p); err != nil {
			return lifecycle.Permanent(fmt.Errorf("%s timer of %s: %w", deskplane.TimerImageReady, t.Key.ID, err))
		}
		if p.Gen != img.Generation {
			return nil
		}
	}
	if !deskplane.ImageTable().Transitional(img.State) {
		return nil
	}
	// An image captured from a real desktop waits for its content; the
	// desktop's node fires this timer again once it is captured
	// (docs/decisions/0184-desktop-reconciler.md).
	if wait, err := desktops.ImageContentWait(tx, sc, img, s.Node != ""); err != nil || wait {
		return err
	}
	if err := s.finish(tx, sc, img, t.Due); err != nil {
		return err
	}
	if err := deskplane.Images().Put(tx, sc, img.ID, img); err != nil {
		return err
	}
	if img.Origin != deskplane.OriginWorkspace || img.SourceWorkspaceID == "" {
		return nil
	}
	return s.endCapture(tx, sc, img, t.Due)
}

// finish ends the PENDING state of img at `at`: in the end state of its
// table row, or in the state of an injected transition fault; a fault's
// error code that names an image validation failure also appears in
// ErrorDetails.
func (s *Service) finish(tx deskplane.Tx, sc deskplane.Scope, img *deskplane.Image, at time.Time) error {
	row, ok := deskplane.ImageTable().Ending(img.State)
	if !ok {
		return nil
	}
	f, faulted, err := deskplane.TakeTransitionFault(tx, deskplane.KindImage, sc, img.ID)
	if err != nil {
		return err
	}
	if !faulted {
		img.SetState(row.To, at)
		return nil
	}
	img.SetState(deskplane.ImageState(f.State), at)
	img.ErrorCode, img.ErrorMessage = f.ErrorCode, f.ErrorMessage
	if img.State == deskplane.ImageError && img.ErrorMessage == "" {
		img.ErrorMessage = "The image " + img.ID + " could not be created."
	}
	if wsapi.WorkspaceImageErrorDetailCode(f.ErrorCode).IsKnown() {
		img.ErrorDetails = append(img.ErrorDetails, deskplane.ImageErrorDetail{Code: f.ErrorCode, Message: img.ErrorMessage})
	}
	return nil
}

// endCapture returns the WorkSpace an image was captured from to the end
// state of WorkspaceTable's ActionCaptureImage row, when it is still
// suspended for this image, and restarts its AutoStop clock.
func (s *Service) endCapture(tx deskplane.Tx, sc deskplane.Scope, img *deskplane.Image, at time.Time) error {
	ws, ok, err := deskplane.Workspaces().Get(tx, sc, img.SourceWorkspaceID)
	if err != nil || !ok {
		return err
	}
	row, _ := deskplane.WorkspaceTable().Row(deskplane.ActionCaptureImage)
	if ws.State != row.Via || ws.ImageCapture != img.ID {
		return nil
	}
	ws.SetState(row.To, at)
	ws.ImageCapture = ""
	if err := deskplane.ScheduleAutoStop(tx, sc, ws, at, s.Rules); err != nil {
		return err
	}
	return deskplane.Workspaces().Put(tx, sc, ws.ID, ws)
}
