package images

import (
	"context"
	"encoding/json"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
)

// Failures returns the failure handlers of the family's timers by name:
// what the lifecycle engine runs when a timer's handler fails permanently
// (docs/decisions/0140-timers-never-lost.md).
func (s *Service) Failures() map[string]lifecycle.FailureHandler {
	return map[string]lifecycle.FailureHandler{deskplane.TimerImageReady: s.failImage}
}

// failImage puts a transitional image whose timer can never be handled in
// ERROR, and gives the WorkSpace it was captured from back; an image that
// moved on is left alone.
func (s *Service) failImage(_ context.Context, tx deskplane.Tx, t deskplane.Timer, _ error) error {
	sc := t.Key.Scope
	img, ok, err := deskplane.Images().Get(tx, sc, t.Key.ID)
	if err != nil || !ok {
		return err
	}
	var p imagePayload
	if len(t.Payload) > 0 && json.Unmarshal(t.Payload, &p) == nil && p.Gen != img.Generation {
		return nil
	}
	if !deskplane.ImageTable().Transitional(img.State) {
		return nil
	}
	img.SetState(deskplane.ImageError, t.Due)
	img.ErrorCode, img.ErrorMessage = "InternalFailure", "The image could not be created because of an internal error."
	if err := deskplane.Images().Put(tx, sc, img.ID, img); err != nil {
		return err
	}
	if img.Origin != deskplane.OriginWorkspace || img.SourceWorkspaceID == "" {
		return nil
	}
	return s.endCapture(tx, sc, img, t.Due)
}
