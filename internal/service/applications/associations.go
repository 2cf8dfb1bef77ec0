package applications

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Associating applications with WorkSpaces and deploying them, as
// deskplane.AppAssociationTable says: Associate → PENDING_INSTALL;
// Disassociate of an installed application → PENDING_UNINSTALL (of one
// never installed → REMOVED at once: withdrawn).
// DeployWorkspaceApplications moves the pending ones to
// PENDING_INSTALL_DEPLOYMENT / PENDING_UNINSTALL_DEPLOYMENT and, on the
// timer application.deploy, to INSTALLING / UNINSTALLING after half the
// profile's application.deploy duration and to COMPLETED / REMOVED after
// the whole of it. A failed deployment (a transition fault of kind
// appassoc, or an older Office version still on the WorkSpace) ends in
// ERROR with a StateReason; DeployWorkspaceApplications with Force
// retries it.

// appDeployPayload is carried by the application.deploy timer: the
// association's generation when the step was scheduled.
type appDeployPayload struct {
	Gen int64 `json:"gen"`
}

// assocID is the record id of the association of an application with a
// WorkSpace.
func assocID(workspaceID, appID string) string { return workspaceID + "/" + appID }

// staying reports whether the application is on the WorkSpace, or on its
// way there, and not on its way out: it counts for compatibility.
func staying(as deskplane.AppAssociation) bool {
	return as.State != deskplane.AppRemoved && !as.Uninstall
}

// loadWorkspace reads a WorkSpace of the scope, or answers CodeNotFound.
func loadWorkspace(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Workspace, error) {
	ws, ok, err := deskplane.Workspaces().Get(tx, sc, id)
	if err == nil && !ok {
		err = deskplane.WorkspaceNotFound(id)
	}
	return ws, err
}

// workspaceAssociations returns a WorkSpace's associations, in catalogue
// order: the stored ones and, for the applications its bundle's image
// brought that have no record, a COMPLETED one from the WorkSpace's
// creation.
func workspaceAssociations(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace) ([]deskplane.AppAssociation, error) {
	baseline, err := workspaceBundleApplications(tx, sc, ws)
	if err != nil {
		return nil, err
	}
	var out []deskplane.AppAssociation
	for _, a := range applicationCatalogue() {
		as, ok, err := deskplane.AppAssociations().Get(tx, sc, assocID(ws.ID, a.id))
		if err != nil {
			return nil, err
		}
		switch {
		case ok:
			out = append(out, *as)
		case slices.ContainsFunc(baseline, func(b catalogueApp) bool { return b.id == a.id }):
			out = append(out, baselineAssociation(ws, a.id))
		}
	}
	return out, nil
}

// baselineAssociation is the association of an application the WorkSpace's
// bundle brought: COMPLETED since the WorkSpace was created.
func baselineAssociation(ws *deskplane.Workspace, appID string) deskplane.AppAssociation {
	return deskplane.AppAssociation{
		WorkspaceID: ws.ID, ApplicationID: appID, State: deskplane.AppCompleted,
		Installed: true, InstalledAt: ws.Created, Created: ws.Created, LastUpdated: ws.Created,
	}
}

func findAssociation(assocs []deskplane.AppAssociation, appID string) (deskplane.AppAssociation, bool) {
	for _, as := range assocs {
		if as.ApplicationID == appID {
			return as, true
		}
	}
	return deskplane.AppAssociation{}, false
}

// checkDeployable checks that applications can be managed on the WorkSpace
// now: its table allows it (AVAILABLE or STOPPED, AG manage-applications)
// and no deployment is running on it (no association is in a transitional
// state of its table).
func checkDeployable(ws *deskplane.Workspace, assocs []deskplane.AppAssociation) error {
	if _, err := deskplane.WorkspaceTable().Check(deskplane.ActionManageApplications, ws.ID, ws.State); err != nil {
		return err
	}
	table := deskplane.AppAssociationTable()
	for _, as := range assocs {
		if table.Transitional(as.State) {
			return &deskplane.Error{Code: deskplane.CodeResourceInUse, ResourceID: ws.ID,
				Message: fmt.Sprintf("The WorkSpace %s has an application deployment in progress (%s is %s). Try again when it has finished.", ws.ID, as.ApplicationID, as.State)}
		}
	}
	return nil
}

// checkCompatible checks that app can join the applications that stay on
// the WorkSpace.
func checkCompatible(ws *deskplane.Workspace, app catalogueApp, assocs []deskplane.AppAssociation) error {
	for _, as := range assocs {
		other, ok := catalogueApplication(as.ApplicationID)
		if !ok || !staying(as) || !app.conflictsWith(other) {
			continue
		}
		return &deskplane.Error{Code: deskplane.CodeIncompatibleApplications,
			Message: fmt.Sprintf("The application %s (%s) is not compatible with %s (%s), which is associated with the WorkSpace %s. Disassociate it first.", app.id, app.name, other.id, other.name, ws.ID)}
	}
	return nil
}

func wireWorkspaceAssociation(as deskplane.AppAssociation) wsapi.WorkspaceResourceAssociation {
	return wsapi.WorkspaceResourceAssociation{
		AssociatedResourceId:   new(as.ApplicationID),
		AssociatedResourceType: wsapi.WorkSpaceAssociatedResourceTypeApplication,
		Created:                smithy.NewTimestamp(as.Created),
		LastUpdatedTime:        smithy.NewTimestamp(as.LastUpdated),
		State:                  wsapi.AssociationState(as.State),
		StateReason:            stateReason(as),
		WorkspaceId:            new(as.WorkspaceID),
	}
}

func stateReason(as deskplane.AppAssociation) *wsapi.AssociationStateReason {
	if as.State != deskplane.AppError {
		return nil
	}
	return &wsapi.AssociationStateReason{ErrorCode: wsapi.AssociationErrorCode(as.ErrorCode), ErrorMessage: optional(as.ErrorMessage)}
}

// setAssocState moves an association to a new state at t.
func setAssocState(as *deskplane.AppAssociation, state deskplane.AppAssociationState, t time.Time) {
	as.State, as.LastUpdated = state, t
	as.Generation++
	if state != deskplane.AppError {
		as.ErrorCode, as.ErrorMessage = "", ""
	}
}

// take moves an association by a row of its table that its state allows.
func take(as *deskplane.AppAssociation, a deskplane.Action, t time.Time) error {
	row, err := deskplane.AppAssociationTable().Check(a, assocID(as.WorkspaceID, as.ApplicationID), as.State)
	if err != nil {
		return err
	}
	setAssocState(as, row.To, t)
	return nil
}

func (s *Service) AssociateWorkspaceApplication(ctx context.Context, in *wsapi.AssociateWorkspaceApplicationRequest) (*wsapi.AssociateWorkspaceApplicationResult, error) {
	sc, wsID, appID := env.Scope(ctx), value(in.WorkspaceId), value(in.ApplicationId)
	app, ok := catalogueApplication(appID)
	if !ok {
		return nil, appNotFound(appID)
	}
	now := s.Now()
	var out wsapi.WorkspaceResourceAssociation
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		ws, err := loadWorkspace(tx, sc, wsID)
		if err != nil {
			return err
		}
		if app.state != wsapi.WorkSpaceApplicationStateAvailable {
			return &deskplane.Error{Code: deskplane.CodeApplicationNotSupported,
				Message: fmt.Sprintf("The application %s (%s) can only be uninstalled; it cannot be associated with a WorkSpace.", app.id, app.name)}
		}
		if !app.supportsOS(ws.OperatingSystemName) {
			return &deskplane.Error{Code: deskplane.CodeOperatingSystemNotCompatible,
				Message: fmt.Sprintf("The operating system of the WorkSpace %s (%s) is not compatible with the application %s (%s), which supports %s.", wsID, ws.OperatingSystemName, app.id, app.name, joinEnums(app.os))}
		}
		if !app.supportsCompute(ws.ComputeType) {
			return &deskplane.Error{Code: deskplane.CodeComputeNotCompatible,
				Message: fmt.Sprintf("The compute type of the WorkSpace %s (%s) is not compatible with the application %s (%s), which supports %s.", wsID, ws.ComputeType, app.id, app.name, joinEnums(app.compute))}
		}
		assocs, err := workspaceAssociations(tx, sc, ws)
		if err != nil {
			return err
		}
		if err := checkDeployable(ws, assocs); err != nil {
			return err
		}
		as, found := findAssociation(assocs, appID)
		switch {
		case !found || as.State == deskplane.AppRemoved:
			as = deskplane.AppAssociation{WorkspaceID: wsID, ApplicationID: appID, Created: now, Generation: as.Generation,
				InstalledAt: as.InstalledAt, RemovedAt: as.RemovedAt}
			err = take(&as, deskplane.ActionAssociate, now)
		case as.Uninstall && as.Installed:
			// Associating again what was to be uninstalled keeps it.
			as.Uninstall = false
			err = take(&as, deskplane.ActionRetain, now)
		default:
			return &deskplane.Error{Code: deskplane.CodeAlreadyExists, ResourceID: appID,
				Message: fmt.Sprintf("The application %s is already associated with the WorkSpace %s (%s).", appID, wsID, as.State)}
		}
		if err != nil {
			return err
		}
		if err := checkCompatible(ws, app, assocs); err != nil {
			return err
		}
		out = wireWorkspaceAssociation(as)
		return deskplane.AppAssociations().Put(tx, sc, assocID(wsID, appID), &as)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.AssociateWorkspaceApplicationResult{Association: &out}, nil
}

func (s *Service) DisassociateWorkspaceApplication(ctx context.Context, in *wsapi.DisassociateWorkspaceApplicationRequest) (*wsapi.DisassociateWorkspaceApplicationResult, error) {
	sc, wsID, appID := env.Scope(ctx), value(in.WorkspaceId), value(in.ApplicationId)
	if _, ok := catalogueApplication(appID); !ok {
		return nil, appNotFound(appID)
	}
	now := s.Now()
	var out wsapi.WorkspaceResourceAssociation
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		ws, err := loadWorkspace(tx, sc, wsID)
		if err != nil {
			return err
		}
		assocs, err := workspaceAssociations(tx, sc, ws)
		if err != nil {
			return err
		}
		as, found := findAssociation(assocs, appID)
		if !found || as.State == deskplane.AppRemoved {
			return deskplane.NotFound(appID, "The application %s is not associated with the WorkSpace %s.", appID, wsID)
		}
		if err := checkDeployable(ws, assocs); err != nil {
			return err
		}
		switch {
		case as.Uninstall && as.State != deskplane.AppError:
			// Already on its way out.
		case as.Installed:
			as.Uninstall = true
			err = take(&as, deskplane.ActionDisassociate, now)
		default:
			// Never installed (pending, or its installation failed).
			as.Uninstall = true
			err = take(&as, deskplane.ActionWithdraw, now)
		}
		if err != nil {
			return err
		}
		out = wireWorkspaceAssociation(as)
		return deskplane.AppAssociations().Put(tx, sc, assocID(wsID, appID), &as)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DisassociateWorkspaceApplicationResult{Association: &out}, nil
}

func (s *Service) DeployWorkspaceApplications(ctx context.Context, in *wsapi.DeployWorkspaceApplicationsRequest) (*wsapi.DeployWorkspaceApplicationsResult, error) {
	sc, wsID, force := env.Scope(ctx), value(in.WorkspaceId), value(in.Force)
	now := s.Now()
	table := deskplane.AppAssociationTable()
	var out []wsapi.WorkspaceResourceAssociation
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		out = []wsapi.WorkspaceResourceAssociation{}
		ws, err := loadWorkspace(tx, sc, wsID)
		if err != nil {
			return err
		}
		assocs, err := workspaceAssociations(tx, sc, ws)
		if err != nil {
			return err
		}
		if err := checkDeployable(ws, assocs); err != nil {
			return err
		}
		// Installing applications must get on with those that stay.
		for _, as := range assocs {
			app, ok := catalogueApplication(as.ApplicationID)
			if ok && staying(as) {
				if err := checkCompatible(ws, app, assocs); err != nil {
					return err
				}
			}
		}
		for _, as := range assocs {
			action := deskplane.ActionDeploy
			if as.Uninstall {
				action = deskplane.ActionDeployUninstall
			}
			// A failed deployment is deployed again only when forced.
			if (as.State == deskplane.AppError && !force) || !table.Allows(action, as.State) {
				continue
			}
			row, _ := table.Row(action)
			setAssocState(&as, row.Via, now)
			id := assocID(wsID, as.ApplicationID)
			if err := deskplane.AppAssociations().Put(tx, sc, id, &as); err != nil {
				return err
			}
			if err := s.schedule(tx, sc, id, &as, now.Add(s.Timing.Duration(row.Timing)/2)); err != nil {
				return err
			}
			out = append(out, wireWorkspaceAssociation(as))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DeployWorkspaceApplicationsResult{Deployment: &wsapi.WorkSpaceApplicationDeployment{Associations: out}}, nil
}

// schedule schedules the next step of a deployment at due.
func (s *Service) schedule(tx deskplane.Tx, sc deskplane.Scope, id string, as *deskplane.AppAssociation, due time.Time) error {
	p, err := json.Marshal(appDeployPayload{Gen: as.Generation})
	if err != nil {
		return err
	}
	return tx.Schedule(deskplane.Timer{Key: deskplane.AppAssociations().Key(sc, id), Name: deskplane.TimerAppDeploy, Due: due, Payload: p})
}

// onAppDeploy moves a deployed association on as its table says:
// PENDING_*_DEPLOYMENT → INSTALLING / UNINSTALLING (and schedules the rest
// of the deployment), then INSTALLING → COMPLETED and UNINSTALLING →
// REMOVED, or ERROR for an injected transition fault (kind appassoc, id =
// WorkSpace id + "/" + application id) or an older Office still on the
// WorkSpace.
func (s *Service) onAppDeploy(_ context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	var p appDeployPayload
	if err := json.Unmarshal(t.Payload, &p); err != nil {
		return lifecycle.Permanent(fmt.Errorf("%s timer of %s: %w", deskplane.TimerAppDeploy, t.Key.ID, err))
	}
	sc, assocs := t.Key.Scope, deskplane.AppAssociations()
	as, ok, err := assocs.Get(tx, sc, t.Key.ID)
	if err != nil || !ok || as.Generation != p.Gen {
		return err
	}
	ws, ok, err := deskplane.Workspaces().Get(tx, sc, as.WorkspaceID)
	if err != nil {
		return err
	}
	if !ok {
		_, err := assocs.Delete(tx, sc, t.Key.ID) // the WorkSpace is gone, and its applications with it
		return err
	}
	table := deskplane.AppAssociationTable()
	row, ok := table.Ending(as.State)
	if !ok {
		return nil
	}
	if table.Transitional(row.To) {
		// The deployment reached the WorkSpace: the installation or
		// removal runs for the rest of the step.
		setAssocState(as, row.To, t.Due)
		if err := assocs.Put(tx, sc, t.Key.ID, as); err != nil {
			return err
		}
		d := s.Timing.Duration(row.Timing)
		return s.schedule(tx, sc, t.Key.ID, as, t.Due.Add(d-d/2))
	}
	code, msg, failed, err := deployFailure(tx, sc, ws, as)
	if err != nil {
		return err
	}
	switch {
	case failed:
		setAssocState(as, deskplane.AppError, t.Due)
		as.ErrorCode, as.ErrorMessage = code, msg
	case row.Action == deskplane.ActionInstall:
		setAssocState(as, row.To, t.Due)
		as.Installed, as.InstalledAt = true, t.Due
	default:
		setAssocState(as, row.To, t.Due)
		as.Installed, as.RemovedAt = false, t.Due
	}
	return assocs.Put(tx, sc, t.Key.ID, as)
}

// deployFailure says whether and why the deployment of the association
// fails: an injected transition fault, or (installing) an older version of
// the Office suite that stays on the WorkSpace.
func deployFailure(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace, as *deskplane.AppAssociation) (code, msg string, failed bool, err error) {
	f, faulted, err := deskplane.TakeTransitionFault(tx, deskplane.KindAppAssoc, sc, assocID(ws.ID, as.ApplicationID))
	if err != nil {
		return "", "", false, err
	}
	if faulted {
		code, msg = f.ErrorCode, f.ErrorMessage
		if !wsapi.AssociationErrorCode(code).IsKnown() {
			code = string(wsapi.AssociationErrorCodeInternalServerError)
		}
		if msg == "" {
			msg = "The deployment of the application " + as.ApplicationID + " to the WorkSpace " + ws.ID + " failed."
		}
		return code, msg, true, nil
	}
	app, ok := catalogueApplication(as.ApplicationID)
	if as.State != deskplane.AppInstalling || !ok {
		return "", "", false, nil
	}
	assocs, err := workspaceAssociations(tx, sc, ws)
	if err != nil {
		return "", "", false, err
	}
	for _, other := range assocs {
		o, ok := catalogueApplication(other.ApplicationID)
		if ok && other.Installed && !other.Uninstall && app.olderSuite(o) {
			return string(wsapi.AssociationErrorCodeApplicationOldversionexistFailure),
				fmt.Sprintf("%s cannot be installed while %s is installed on the WorkSpace %s. Disassociate and uninstall it first.", app.name, o.name, ws.ID), true, nil
		}
	}
	return "", "", false, nil
}
