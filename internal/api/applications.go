package api

import (
	"context"
	"encoding/json"
	"fmt"
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

// Applications (AG manage-applications; MODEL DescribeApplications,
// AssociateWorkspaceApplication and friends;
// docs/decisions/0052-applications.md).
//
// The AMAZON application catalogue is code (applicationCatalogue). The
// association of an application with a WorkSpace is a
// deskplane.AppAssociation record (KindAppAssoc, id = WorkSpace id + "/" +
// application id). Applications that came with the WorkSpace — those of
// its bundle's image, such as Office 2016 on the public "Windows 10 and
// Office 2016" image — are associated COMPLETED from the WorkSpace's
// creation without a record; a record is written once the association
// changes.
//
// Lifecycle: Associate → PENDING_INSTALL; Disassociate of an installed
// application → PENDING_UNINSTALL (of one never installed → REMOVED at
// once). DeployWorkspaceApplications moves the pending ones to
// PENDING_INSTALL_DEPLOYMENT / PENDING_UNINSTALL_DEPLOYMENT and, on the
// timer application.deploy, to INSTALLING / UNINSTALLING after half the
// profile's application.deploy duration and to COMPLETED / REMOVED after the
// whole of it. A failed deployment (a transition fault of kind appassoc, or
// an older Office version still on the WorkSpace) ends in ERROR with a
// StateReason; DeployWorkspaceApplications with Force retries it.

// ==== catalogue =================================================================

// appFamily groups the applications that cannot be installed side by side.
type appFamily string

const (
	familyOffice       appFamily = "office"
	familyVisio        appFamily = "visio"
	familyProject      appFamily = "project"
	familyVisualStudio appFamily = "visualstudio"
)

// catalogueApp is one application of the AMAZON catalogue.
type catalogueApp struct {
	id          string
	name        string
	description string
	family      appFamily
	version     string // 2016, 2019, 2021, 2022
	state       wsapi.WorkSpaceApplicationState
	license     wsapi.WorkSpaceApplicationLicenseType
	compute     []wsapi.Compute
	os          []wsapi.OperatingSystemName
	created     time.Time
	// byolName is the ImportWorkspaceImage Applications value that brings
	// the application onto a BYOL image ("" for none).
	byolName string
}

// officeSuite reports whether the application is part of the Office
// click-to-run suite (Office, Visio, Project), whose products of different
// versions cannot be installed together.
func (a catalogueApp) officeSuite() bool {
	return a.family == familyOffice || a.family == familyVisio || a.family == familyProject
}

// conflictsWith reports whether two different applications are editions of
// one product and version (Professional and Standard, Professional and
// Enterprise): they cannot be associated with one WorkSpace together
// (IncompatibleApplicationsException).
func (a catalogueApp) conflictsWith(b catalogueApp) bool {
	return a.id != b.id && a.family == b.family && a.version == b.version
}

// olderSuite reports whether b is an older version of the Office suite than
// a: installing a fails while b is on the WorkSpace
// (ValidationError.ApplicationOldVersionExists).
func (a catalogueApp) olderSuite(b catalogueApp) bool {
	return a.officeSuite() && b.officeSuite() && b.version < a.version
}

func (a catalogueApp) supportsCompute(c deskplane.Compute) bool {
	return slices.Contains(a.compute, wsapi.Compute(c))
}

func (a catalogueApp) supportsOS(os deskplane.OperatingSystemName) bool {
	return slices.Contains(a.os, wsapi.OperatingSystemName(os))
}

// applicationCatalogue is the AMAZON catalogue, in listing order: the
// AWS-subscribed Microsoft application bundles of "Manage applications".
// Office 2016 and 2019 can only be uninstalled (UNINSTALL_ONLY). The ids and
// creation dates are deskplane's; no public source lists the real ones.
func applicationCatalogue() []catalogueApp {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 17, 0, 0, 0, time.UTC) }
	const (
		value, standard, performance = wsapi.ComputeValue, wsapi.ComputeStandard, wsapi.ComputePerformance
		power, powerPro              = wsapi.ComputePower, wsapi.ComputePowerpro
		gp4, gp8                     = wsapi.ComputeGeneralpurpose4xlarge, wsapi.ComputeGeneralpurpose8xlarge
		g4dn, gpro4dn                = wsapi.ComputeGraphicsG4dn, wsapi.ComputeGraphicsproG4dn
		graphics, graphicsPro        = wsapi.ComputeGraphics, wsapi.ComputeGraphicspro
		win10, win11                 = wsapi.OperatingSystemNameWindows10, wsapi.OperatingSystemNameWindows11
		ws2016, ws2019, ws2022       = wsapi.OperatingSystemNameWindowsServer2016, wsapi.OperatingSystemNameWindowsServer2019, wsapi.OperatingSystemNameWindowsServer2022
		licensed                     = wsapi.WorkSpaceApplicationLicenseTypeLicensed
		available, uninstallOnly     = wsapi.WorkSpaceApplicationStateAvailable, wsapi.WorkSpaceApplicationStateUninstallOnly
	)
	// Office 2021 needs 4 GiB of memory: every current compute type but
	// Value. Visual Studio 2022 wants 8 GiB or more. The Office 2016 and
	// 2019 bundles ran on every compute type, Value included.
	modern := []wsapi.Compute{standard, performance, power, powerPro, gp4, gp8, g4dn, gpro4dn}
	developer := []wsapi.Compute{performance, power, powerPro, gp4, gp8, g4dn, gpro4dn}
	legacy := []wsapi.Compute{value, standard, performance, power, powerPro, graphics, graphicsPro, g4dn, gpro4dn, gp4, gp8}
	office2021OS := []wsapi.OperatingSystemName{win10, win11, ws2016, ws2019, ws2022}
	vsOS := []wsapi.OperatingSystemName{win10, win11, ws2019, ws2022}
	return []catalogueApp{
		{"wsa-2k7mqz1x9", "Microsoft Office 2016 Professional Plus", "Microsoft Office Professional Plus 2016: Word, Excel, PowerPoint, Outlook, OneNote, Access and Publisher (uninstall only)",
			familyOffice, "2016", uninstallOnly, licensed, legacy, []wsapi.OperatingSystemName{win10, ws2016, ws2019}, day(2023, 11, 16), "Microsoft_Office_2016"},
		{"wsa-5t8bnc3r0", "Microsoft Office 2019 Professional Plus", "Microsoft Office Professional Plus 2019: Word, Excel, PowerPoint, Outlook, OneNote, Access and Publisher (uninstall only)",
			familyOffice, "2019", uninstallOnly, licensed, legacy, office2021OS, day(2023, 11, 16), "Microsoft_Office_2019"},
		{"wsa-9d4vhw6l2", "Microsoft Office LTSC Professional Plus 2021", "Microsoft Office LTSC Professional Plus 2021: Word, Excel, PowerPoint, Outlook, OneNote, Access and Publisher",
			familyOffice, "2021", available, licensed, modern, office2021OS, day(2023, 11, 16), ""},
		{"wsa-1q6ejx8p5", "Microsoft Office LTSC Standard 2021", "Microsoft Office LTSC Standard 2021: Word, Excel, PowerPoint, Outlook, OneNote and Publisher",
			familyOffice, "2021", available, licensed, modern, office2021OS, day(2023, 11, 16), ""},
		{"wsa-7n2kgs4y8", "Microsoft Visio LTSC Professional 2021", "Microsoft Visio LTSC Professional 2021",
			familyVisio, "2021", available, licensed, modern, office2021OS, day(2023, 11, 16), ""},
		{"wsa-3w9fzt5m1", "Microsoft Visio LTSC Standard 2021", "Microsoft Visio LTSC Standard 2021",
			familyVisio, "2021", available, licensed, modern, office2021OS, day(2023, 11, 16), ""},
		{"wsa-8c1rdy7h4", "Microsoft Project Professional 2021", "Microsoft Project Professional 2021",
			familyProject, "2021", available, licensed, modern, office2021OS, day(2023, 11, 16), ""},
		{"wsa-4h5xlq2b6", "Microsoft Project Standard 2021", "Microsoft Project Standard 2021",
			familyProject, "2021", available, licensed, modern, office2021OS, day(2023, 11, 16), ""},
		{"wsa-6p3gm9v0t", "Microsoft Visual Studio Professional 2022", "Microsoft Visual Studio Professional 2022",
			familyVisualStudio, "2022", available, licensed, developer, vsOS, day(2024, 3, 12), ""},
		{"wsa-0z8wuk1n7", "Microsoft Visual Studio Enterprise 2022", "Microsoft Visual Studio Enterprise 2022",
			familyVisualStudio, "2022", available, licensed, developer, vsOS, day(2024, 3, 12), ""},
	}
}

// catalogueApplication returns the application with the id.
func catalogueApplication(id string) (catalogueApp, bool) {
	for _, a := range applicationCatalogue() {
		if a.id == id {
			return a, true
		}
	}
	return catalogueApp{}, false
}

func appNotFound(id string) error {
	return deskplane.NotFound(id, "The application %s could not be found. DescribeApplications lists the applications you can use.", id)
}

func wireApplication(a catalogueApp) wsapi.WorkSpaceApplication {
	return wsapi.WorkSpaceApplication{
		ApplicationId:                 ptr(a.id),
		Created:                       smithy.NewTimestamp(a.created),
		Description:                   ptr(a.description),
		LicenseType:                   a.license,
		Name:                          ptr(a.name),
		Owner:                         ptr(deskplane.AmazonOwner),
		State:                         a.state,
		SupportedComputeTypeNames:     slices.Clone(a.compute),
		SupportedOperatingSystemNames: slices.Clone(a.os),
	}
}

func (w *wsService) DescribeApplications(ctx context.Context, in *wsapi.DescribeApplicationsRequest) (*wsapi.DescribeApplicationsResult, error) {
	const purpose = "applications"
	after, err := paging.Parse(purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	if in.Owner != nil && *in.Owner != deskplane.AmazonOwner && *in.Owner != caller(ctx).Account {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The Owner %s is not valid. Specify AMAZON or your own account id.", *in.Owner)
	}
	size := paging.Size(in.MaxResults)
	match := func(a catalogueApp) bool {
		switch {
		case in.ApplicationIds != nil && !slices.Contains(in.ApplicationIds, a.id),
			in.LicenseType != "" && in.LicenseType != a.license,
			in.Owner != nil && *in.Owner != deskplane.AmazonOwner:
			return false
		}
		for _, c := range in.ComputeTypeNames {
			if !a.supportsCompute(deskplane.Compute(c)) {
				return false
			}
		}
		for _, os := range in.OperatingSystemNames {
			if !a.supportsOS(deskplane.OperatingSystemName(os)) {
				return false
			}
		}
		return true
	}
	var p paging.Page[wsapi.WorkSpaceApplication]
	for i, a := range applicationCatalogue() {
		if int64(i+1) <= after || !match(a) {
			continue
		}
		if !p.Add(size, int64(i+1), wireApplication(a)) {
			break
		}
	}
	out := &wsapi.DescribeApplicationsResult{Applications: p.Items(), NextToken: p.Next(purpose)}
	return out, nil
}

// ==== what comes with images and bundles ===========================================

// byolApplication returns the application an ImportWorkspaceImage
// Applications value (Microsoft_Office_2016, Microsoft_Office_2019) puts on
// the image.
func byolApplication(name string) (catalogueApp, bool) {
	for _, a := range applicationCatalogue() {
		if a.byolName != "" && a.byolName == name {
			return a, true
		}
	}
	return catalogueApp{}, false
}

// publicImageApplications lists the applications preinstalled on an AMAZON
// catalogue image, which names them ("… Windows 10 and Office 2016 …").
func publicImageApplications(img *deskplane.Image) []catalogueApp {
	var out []catalogueApp
	for _, a := range applicationCatalogue() {
		if a.byolName != "" && strings.Contains(img.Description, "Office "+a.version) {
			out = append(out, a)
		}
	}
	return out
}

// imageApplications lists the applications on an image the scope can see
// (its own, shared with it, or AMAZON's), in catalogue order: the Office
// of a BYOL import, what was installed on the WorkSpace an image was made
// from when it was made, what the source of a copy or update had.
func (s *Server) imageApplications(tx deskplane.Tx, sc deskplane.Scope, img *deskplane.Image, depth int) ([]catalogueApp, error) {
	if img.Owner == deskplane.AmazonOwner {
		return publicImageApplications(img), nil
	}
	ids := map[string]bool{}
	for _, name := range img.Applications {
		if a, ok := byolApplication(name); ok {
			ids[a.id] = true
		}
	}
	switch {
	case img.Origin == originWorkspace && img.SourceWorkspaceID != "":
		owner := deskplane.Scope{Account: img.Owner, Region: sc.Region}
		ws, err := loadWorkspace(tx, owner, img.SourceWorkspaceID)
		if err != nil {
			return nil, err
		}
		if ws != nil {
			assocs, err := s.workspaceAssociations(tx, owner, ws)
			if err != nil {
				return nil, err
			}
			for _, as := range assocs {
				if installedAt(as, img.Created) {
					ids[as.ApplicationID] = true
				}
			}
		}
	case (img.Origin == originCopy || img.Origin == originUpdate) && img.SourceImageID != "" && depth < 4:
		src, ok, err := s.sourceImage(tx, img)
		if err != nil {
			return nil, err
		}
		if ok {
			apps, err := s.imageApplications(tx, sc, src, depth+1)
			if err != nil {
				return nil, err
			}
			for _, a := range apps {
				ids[a.id] = true
			}
		}
	}
	var out []catalogueApp
	for _, a := range applicationCatalogue() {
		if ids[a.id] {
			out = append(out, a)
		}
	}
	return out, nil
}

// sourceImage finds the image a copy or update was made from.
func (s *Server) sourceImage(tx deskplane.Tx, img *deskplane.Image) (*deskplane.Image, bool, error) {
	region := img.SourceRegion
	if region == "" {
		return nil, false, nil
	}
	if pub, ok := catalogue.Image(img.SourceImageID); ok {
		return pub, true, nil
	}
	account := img.SourceAccount
	if account == "" {
		account = img.Owner
	}
	src, ok, err := ownImage(tx, deskplane.Scope{Account: account, Region: region}, img.SourceImageID)
	return src, ok, err
}

// installedAt reports whether the association had the application on the
// WorkSpace at t.
func installedAt(as deskplane.AppAssociation, t time.Time) bool {
	if as.InstalledAt.IsZero() || as.InstalledAt.After(t) {
		return false
	}
	return as.Installed || as.RemovedAt.After(t)
}

// bundleApplications lists the applications a bundle's image brings.
func (s *Server) bundleApplications(tx deskplane.Tx, sc deskplane.Scope, b *deskplane.Bundle) ([]catalogueApp, error) {
	if b.ImageID == "" {
		return nil, nil
	}
	img, ok := catalogue.Image(b.ImageID)
	if !ok {
		own, found, err := ownImage(tx, sc, b.ImageID)
		if err != nil || !found {
			return nil, err
		}
		img = own
	}
	return s.imageApplications(tx, sc, img, 0)
}

// ==== associations ===================================================================

const (
	assocPendingInstall             = deskplane.AppPendingInstall
	assocPendingInstallDeployment   = deskplane.AppPendingInstallDeployment
	assocPendingUninstall           = deskplane.AppPendingUninstall
	assocPendingUninstallDeployment = deskplane.AppPendingUninstallDeployment
	assocInstalling                 = deskplane.AppInstalling
	assocUninstalling               = deskplane.AppUninstalling
	assocError                      = deskplane.AppError
	assocCompleted                  = deskplane.AppCompleted
	assocRemoved                    = deskplane.AppRemoved

	// timerAppDeploy moves a deployed association on (payload appDeployPayload).
	timerAppDeploy = deskplane.TimerAppDeploy
)

type appDeployPayload struct {
	Gen int64 `json:"gen"`
}

func appAssocKey(sc deskplane.Scope, workspaceID, appID string) deskplane.Key {
	return deskplane.Key{Scope: sc, Kind: deskplane.KindAppAssoc, ID: workspaceID + "/" + appID}
}

// deploying reports whether the association is part of a running
// deployment.
func deploying(as deskplane.AppAssociation) bool {
	switch as.State {
	case assocPendingInstallDeployment, assocPendingUninstallDeployment, assocInstalling, assocUninstalling:
		return true
	}
	return false
}

// staying reports whether the application is on the WorkSpace, or on its way
// there, and not on its way out: it counts for compatibility.
func staying(as deskplane.AppAssociation) bool {
	return as.State != assocRemoved && !as.Uninstall
}

// workspaceAssociations returns a WorkSpace's associations, in catalogue
// order: the stored ones and, for the applications its bundle's image
// brought that have no record, a COMPLETED one from the WorkSpace's
// creation.
func (s *Server) workspaceAssociations(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace) ([]deskplane.AppAssociation, error) {
	var baseline []catalogueApp
	b, err := s.visibleBundle(tx, sc, ws.BundleID)
	switch {
	case err == nil:
		if baseline, err = s.bundleApplications(tx, sc, b); err != nil {
			return nil, err
		}
	case !isNotFound(err):
		return nil, err
	}
	var out []deskplane.AppAssociation
	for _, a := range applicationCatalogue() {
		var as deskplane.AppAssociation
		ok, err := deskplane.Load(tx, appAssocKey(sc, ws.ID, a.id), &as)
		if err != nil {
			return nil, err
		}
		switch {
		case ok:
			out = append(out, as)
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
		WorkspaceID: ws.ID, ApplicationID: appID, State: assocCompleted,
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
// now: it is AVAILABLE or STOPPED (AG manage-applications) and no
// deployment is running on it.
func checkDeployable(ws *deskplane.Workspace, assocs []deskplane.AppAssociation) error {
	if ws.State != "AVAILABLE" && ws.State != "STOPPED" {
		return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "InvalidWorkspaceState",
			Message: fmt.Sprintf("The WorkSpace %s is %s. Applications can be managed only on a WorkSpace that is AVAILABLE or STOPPED.", ws.ID, ws.State)}
	}
	for _, as := range assocs {
		if deploying(as) {
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
		AssociatedResourceId:   ptr(as.ApplicationID),
		AssociatedResourceType: wsapi.WorkSpaceAssociatedResourceTypeApplication,
		Created:                smithy.NewTimestamp(as.Created),
		LastUpdatedTime:        smithy.NewTimestamp(as.LastUpdated),
		State:                  wsapi.AssociationState(as.State),
		StateReason:            stateReason(as),
		WorkspaceId:            ptr(as.WorkspaceID),
	}
}

func stateReason(as deskplane.AppAssociation) *wsapi.AssociationStateReason {
	if as.State != assocError {
		return nil
	}
	return &wsapi.AssociationStateReason{ErrorCode: wsapi.AssociationErrorCode(as.ErrorCode), ErrorMessage: optString(as.ErrorMessage)}
}

// setAssocState moves an association to a new state at t.
func setAssocState(as *deskplane.AppAssociation, state deskplane.AppAssociationState, t time.Time) {
	as.State, as.LastUpdated = state, t
	as.Generation++
	if state != assocError {
		as.ErrorCode, as.ErrorMessage = "", ""
	}
}

func (w *wsService) AssociateWorkspaceApplication(ctx context.Context, in *wsapi.AssociateWorkspaceApplicationRequest) (*wsapi.AssociateWorkspaceApplicationResult, error) {
	sc, wsID, appID := caller(ctx).Scope(), deref(in.WorkspaceId), deref(in.ApplicationId)
	app, ok := catalogueApplication(appID)
	if !ok {
		return nil, appNotFound(appID)
	}
	now := w.now()
	var out wsapi.WorkspaceResourceAssociation
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		ws, err := mustWorkspace(tx, sc, wsID)
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
		assocs, err := w.workspaceAssociations(tx, sc, ws)
		if err != nil {
			return err
		}
		if err := checkDeployable(ws, assocs); err != nil {
			return err
		}
		as, found := findAssociation(assocs, appID)
		switch {
		case !found || as.State == assocRemoved:
			as = deskplane.AppAssociation{WorkspaceID: wsID, ApplicationID: appID, Created: now, Generation: as.Generation,
				InstalledAt: as.InstalledAt, RemovedAt: as.RemovedAt}
			setAssocState(&as, assocPendingInstall, now)
		case as.Uninstall && as.Installed:
			// Associating again what was to be uninstalled keeps it.
			as.Uninstall = false
			setAssocState(&as, assocCompleted, now)
		default:
			return &deskplane.Error{Code: deskplane.CodeAlreadyExists, ResourceID: appID,
				Message: fmt.Sprintf("The application %s is already associated with the WorkSpace %s (%s).", appID, wsID, as.State)}
		}
		if err := checkCompatible(ws, app, assocs); err != nil {
			return err
		}
		out = wireWorkspaceAssociation(as)
		return deskplane.Save(tx, appAssocKey(sc, wsID, appID), as)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.AssociateWorkspaceApplicationResult{Association: &out}, nil
}

func joinEnums[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

func (w *wsService) DisassociateWorkspaceApplication(ctx context.Context, in *wsapi.DisassociateWorkspaceApplicationRequest) (*wsapi.DisassociateWorkspaceApplicationResult, error) {
	sc, wsID, appID := caller(ctx).Scope(), deref(in.WorkspaceId), deref(in.ApplicationId)
	if _, ok := catalogueApplication(appID); !ok {
		return nil, appNotFound(appID)
	}
	now := w.now()
	var out wsapi.WorkspaceResourceAssociation
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		ws, err := mustWorkspace(tx, sc, wsID)
		if err != nil {
			return err
		}
		assocs, err := w.workspaceAssociations(tx, sc, ws)
		if err != nil {
			return err
		}
		as, found := findAssociation(assocs, appID)
		if !found || as.State == assocRemoved {
			return deskplane.NotFound(appID, "The application %s is not associated with the WorkSpace %s.", appID, wsID)
		}
		if err := checkDeployable(ws, assocs); err != nil {
			return err
		}
		switch {
		case as.Uninstall && as.State != assocError:
			// Already on its way out.
		case as.Installed:
			as.Uninstall = true
			setAssocState(&as, assocPendingUninstall, now)
		default:
			// Never installed (pending, or its installation failed).
			as.Uninstall = true
			setAssocState(&as, assocRemoved, now)
		}
		out = wireWorkspaceAssociation(as)
		return deskplane.Save(tx, appAssocKey(sc, wsID, appID), as)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DisassociateWorkspaceApplicationResult{Association: &out}, nil
}

func (w *wsService) DeployWorkspaceApplications(ctx context.Context, in *wsapi.DeployWorkspaceApplicationsRequest) (*wsapi.DeployWorkspaceApplicationsResult, error) {
	sc, wsID, force := caller(ctx).Scope(), deref(in.WorkspaceId), deref(in.Force)
	now := w.now()
	var out []wsapi.WorkspaceResourceAssociation
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		out = []wsapi.WorkspaceResourceAssociation{}
		ws, err := mustWorkspace(tx, sc, wsID)
		if err != nil {
			return err
		}
		assocs, err := w.workspaceAssociations(tx, sc, ws)
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
		half := w.d.Timing.Duration(deskplane.TApplicationDeploy) / 2
		for _, as := range assocs {
			switch {
			case as.State == assocPendingInstall, as.State == assocError && force && !as.Uninstall:
				setAssocState(&as, assocPendingInstallDeployment, now)
			case as.State == assocPendingUninstall, as.State == assocError && force && as.Uninstall:
				setAssocState(&as, assocPendingUninstallDeployment, now)
			default:
				continue
			}
			key := appAssocKey(sc, wsID, as.ApplicationID)
			if err := deskplane.Save(tx, key, as); err != nil {
				return err
			}
			p, _ := json.Marshal(appDeployPayload{Gen: as.Generation})
			if err := tx.Schedule(deskplane.Timer{Key: key, Name: timerAppDeploy, Due: now.Add(half), Payload: p}); err != nil {
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

// ==== describe associations =============================================================

// wantType reports whether want (nil = every type) lists t.
func wantType[T comparable](want []T, t T) bool {
	return len(want) == 0 || slices.Contains(want, t)
}

func (w *wsService) DescribeWorkspaceAssociations(ctx context.Context, in *wsapi.DescribeWorkspaceAssociationsRequest) (*wsapi.DescribeWorkspaceAssociationsResult, error) {
	sc, wsID := caller(ctx).Scope(), deref(in.WorkspaceId)
	out := []wsapi.WorkspaceResourceAssociation{}
	err := w.d.Store.View(ctx, func(tx deskplane.Tx) error {
		out = out[:0]
		ws, err := mustWorkspace(tx, sc, wsID)
		if err != nil {
			return err
		}
		if !wantType(in.AssociatedResourceTypes, wsapi.WorkSpaceAssociatedResourceTypeApplication) {
			return nil
		}
		assocs, err := w.workspaceAssociations(tx, sc, ws)
		if err != nil {
			return err
		}
		for _, as := range assocs {
			out = append(out, wireWorkspaceAssociation(as))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DescribeWorkspaceAssociationsResult{Associations: out}, nil
}

// visibleImageOrPublic returns an image the scope owns, that is shared with
// it, or of the AMAZON catalogue.
func (s *Server) visibleImageOrPublic(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Image, bool, error) {
	img, _, ok, err := visibleImage(tx, sc, id)
	if err != nil || ok {
		return img, ok, err
	}
	img, ok = catalogue.Image(id)
	return img, ok, nil
}

func (w *wsService) DescribeImageAssociations(ctx context.Context, in *wsapi.DescribeImageAssociationsRequest) (*wsapi.DescribeImageAssociationsResult, error) {
	sc, id := caller(ctx).Scope(), deref(in.ImageId)
	out := []wsapi.ImageResourceAssociation{}
	err := w.d.Store.View(ctx, func(tx deskplane.Tx) error {
		out = out[:0]
		img, ok, err := w.visibleImageOrPublic(tx, sc, id)
		if err != nil {
			return err
		}
		if !ok {
			return imageNotFound(id)
		}
		if !wantType(in.AssociatedResourceTypes, wsapi.ImageAssociatedResourceTypeApplication) {
			return nil
		}
		apps, err := w.imageApplications(tx, sc, img, 0)
		if err != nil {
			return err
		}
		for _, a := range apps {
			out = append(out, wsapi.ImageResourceAssociation{
				AssociatedResourceId:   ptr(a.id),
				AssociatedResourceType: wsapi.ImageAssociatedResourceTypeApplication,
				Created:                smithy.NewTimestamp(img.Created),
				LastUpdatedTime:        smithy.NewTimestamp(img.Created),
				ImageId:                ptr(img.ID),
				State:                  wsapi.AssociationStateCompleted,
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DescribeImageAssociationsResult{Associations: out}, nil
}

// seqAppAssoc is an application association with the store sequence of
// the resource it is on: WorkSpaces, images and bundles share one sequence,
// which orders the listing and positions its pages.
type seqAppAssoc struct {
	seq int64
	a   wsapi.ApplicationResourceAssociation
}

func (w *wsService) DescribeApplicationAssociations(ctx context.Context, in *wsapi.DescribeApplicationAssociationsRequest) (*wsapi.DescribeApplicationAssociationsResult, error) {
	sc, appID := caller(ctx).Scope(), deref(in.ApplicationId)
	types := slices.Clone(in.AssociatedResourceTypes)
	slices.Sort(types)
	purpose := "appassocs/" + appID + "/" + joinEnums(types)
	after, err := paging.Parse(purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	if _, ok := catalogueApplication(appID); !ok {
		return nil, appNotFound(appID)
	}
	size := paging.Size(in.MaxResults)
	var p paging.Page[wsapi.ApplicationResourceAssociation]
	err = w.d.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[wsapi.ApplicationResourceAssociation]{}
		var all []seqAppAssoc
		has := func(apps []catalogueApp) bool {
			return slices.ContainsFunc(apps, func(a catalogueApp) bool { return a.id == appID })
		}
		if wantType(types, wsapi.ApplicationAssociatedResourceTypeWorkspace) {
			// The application's association records, and which bundles
			// bring it, are read once rather than per WorkSpace.
			records := make(map[string]deskplane.AppAssociation)
			err := deskplane.Each(tx, sc, deskplane.KindAppAssoc, 0, func(_ int64, as *deskplane.AppAssociation) (bool, error) {
				if as.ApplicationID == appID {
					records[as.WorkspaceID] = *as
				}
				return true, nil
			})
			if err != nil {
				return err
			}
			bundleHas := make(map[string]bool)
			err = deskplane.Each(tx, sc, deskplane.KindWorkspace, after, func(seq int64, ws *deskplane.Workspace) (bool, error) {
				as, ok := records[ws.ID]
				if !ok {
					brings, known := bundleHas[ws.BundleID]
					if !known {
						b, err := w.visibleBundle(tx, sc, ws.BundleID)
						switch {
						case err == nil:
							apps, err := w.bundleApplications(tx, sc, b)
							if err != nil {
								return false, err
							}
							brings = has(apps)
						case !isNotFound(err):
							return false, err
						}
						bundleHas[ws.BundleID] = brings
					}
					if !brings {
						return true, nil
					}
					as = baselineAssociation(ws, appID)
				}
				all = append(all, seqAppAssoc{seq, wsapi.ApplicationResourceAssociation{
					ApplicationId: ptr(appID), AssociatedResourceId: ptr(ws.ID),
					AssociatedResourceType: wsapi.ApplicationAssociatedResourceTypeWorkspace,
					Created:                smithy.NewTimestamp(as.Created), LastUpdatedTime: smithy.NewTimestamp(as.LastUpdated),
					State: wsapi.AssociationState(as.State), StateReason: stateReason(as),
				}})
				return len(all) <= size, nil
			})
			if err != nil {
				return err
			}
		}
		fixed := func(seq int64, id string, typ wsapi.ApplicationAssociatedResourceType, created time.Time) seqAppAssoc {
			return seqAppAssoc{seq, wsapi.ApplicationResourceAssociation{
				ApplicationId: ptr(appID), AssociatedResourceId: ptr(id), AssociatedResourceType: typ,
				Created: smithy.NewTimestamp(created), LastUpdatedTime: smithy.NewTimestamp(created),
				State: wsapi.AssociationStateCompleted,
			}}
		}
		if wantType(types, wsapi.ApplicationAssociatedResourceTypeImage) {
			n := 0
			err := deskplane.Each(tx, sc, deskplane.KindImage, after, func(seq int64, img *deskplane.Image) (bool, error) {
				apps, err := w.imageApplications(tx, sc, img, 0)
				if err != nil {
					return false, err
				}
				if has(apps) {
					all = append(all, fixed(seq, img.ID, wsapi.ApplicationAssociatedResourceTypeImage, img.Created))
					n++
				}
				return n <= size, nil
			})
			if err != nil {
				return err
			}
		}
		if wantType(types, wsapi.ApplicationAssociatedResourceTypeBundle) {
			n := 0
			err := deskplane.Each(tx, sc, deskplane.KindBundle, after, func(seq int64, b *deskplane.Bundle) (bool, error) {
				apps, err := w.bundleApplications(tx, sc, b)
				if err != nil {
					return false, err
				}
				if has(apps) {
					all = append(all, fixed(seq, b.ID, wsapi.ApplicationAssociatedResourceTypeBundle, b.Created))
					n++
				}
				return n <= size, nil
			})
			if err != nil {
				return err
			}
		}
		slices.SortFunc(all, func(a, b seqAppAssoc) int { return int(a.seq - b.seq) })
		for _, x := range all {
			if !p.Add(size, x.seq, x.a) {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &wsapi.DescribeApplicationAssociationsResult{Associations: p.Items(), NextToken: p.Next(purpose)}
	return out, nil
}

// ==== lifecycle =========================================================================

// applicationTimers registers the application deployment lifecycle handlers.
func (s *Server) applicationTimers(m map[string]lifecycle.Handler) {
	m[timerAppDeploy] = s.onAppDeploy
}

// onAppDeploy moves a deployed association on: PENDING_*_DEPLOYMENT →
// INSTALLING / UNINSTALLING (and schedules the rest of the deployment), then
// INSTALLING → COMPLETED and UNINSTALLING → REMOVED, or ERROR for an
// injected transition fault (kind appassoc, id = WorkSpace id + "/" +
// application id) or an older Office still on the WorkSpace.
func (s *Server) onAppDeploy(ctx context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	var p appDeployPayload
	if err := json.Unmarshal(t.Payload, &p); err != nil {
		return fmt.Errorf("%s timer of %s: %w", timerAppDeploy, t.Key.ID, err)
	}
	var as deskplane.AppAssociation
	ok, err := deskplane.Load(tx, t.Key, &as)
	if err != nil || !ok || as.Generation != p.Gen {
		return err
	}
	sc := t.Key.Scope
	ws, err := loadWorkspace(tx, sc, as.WorkspaceID)
	if err != nil {
		return err
	}
	if ws == nil {
		_, err := tx.Delete(t.Key) // the WorkSpace is gone, and its applications with it
		return err
	}
	switch as.State {
	case assocPendingInstallDeployment, assocPendingUninstallDeployment:
		next := assocInstalling
		if as.State == assocPendingUninstallDeployment {
			next = assocUninstalling
		}
		setAssocState(&as, next, t.Due)
		if err := deskplane.Save(tx, t.Key, as); err != nil {
			return err
		}
		d := s.d.Timing.Duration(deskplane.TApplicationDeploy)
		pl, _ := json.Marshal(appDeployPayload{Gen: as.Generation})
		return tx.Schedule(deskplane.Timer{Key: t.Key, Name: timerAppDeploy, Due: t.Due.Add(d - d/2), Payload: pl})
	case assocInstalling, assocUninstalling:
		code, msg, failed, err := s.deployFailure(tx, sc, ws, &as)
		if err != nil {
			return err
		}
		switch {
		case failed:
			setAssocState(&as, assocError, t.Due)
			as.ErrorCode, as.ErrorMessage = code, msg
		case as.State == assocInstalling:
			setAssocState(&as, assocCompleted, t.Due)
			as.Installed, as.InstalledAt = true, t.Due
		default:
			setAssocState(&as, assocRemoved, t.Due)
			as.Installed, as.RemovedAt = false, t.Due
		}
		return deskplane.Save(tx, t.Key, as)
	}
	return nil
}

// deployFailure says whether and why the deployment of the association
// fails: an injected transition fault, or (installing) an older version of
// the Office suite that stays on the WorkSpace.
func (s *Server) deployFailure(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace, as *deskplane.AppAssociation) (code, msg string, failed bool, err error) {
	f, faulted, err := deskplane.TakeTransitionFault(tx, deskplane.KindAppAssoc, sc, ws.ID+"/"+as.ApplicationID)
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
	if as.State != assocInstalling || !ok {
		return "", "", false, nil
	}
	assocs, err := s.workspaceAssociations(tx, sc, ws)
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
