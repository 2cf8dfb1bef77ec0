package applications_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
)

// AMAZON bundles of the catalogue (catalogue.go) the tests launch.
const (
	xBundleStandard2019    = "wsb-gk1wpk43z" // Standard with Windows 10 (Server 2019 based)
	xBundlePerformance2016 = "wsb-gm4d5tx2v" // Performance with Windows 10 (Server 2016 based)
	xBundleValueOffice2016 = "wsb-df76rqys9" // Value with Windows 10 and Office 2016
	xBundleLinux           = "wsb-clj85qzj1" // Standard with Amazon Linux 2
)

// Applications of the catalogue (applications.go).
const (
	appOffice2016   = "wsa-2k7mqz1x9"
	appOffice2019   = "wsa-5t8bnc3r0"
	appOfficePro21  = "wsa-9d4vhw6l2"
	appOfficeStd21  = "wsa-1q6ejx8p5"
	appVisioPro21   = "wsa-7n2kgs4y8"
	appProjectPro21 = "wsa-8c1rdy7h4"
	appVSPro22      = "wsa-6p3gm9v0t"
)

// xWorkspace launches a WorkSpace with CreateWorkspaces and waits for it
// to be AVAILABLE.
func xWorkspace(t *testing.T, e *apptest.Env, account, dir, user, bundle string) string {
	t.Helper()
	out, err := e.WS(account).CreateWorkspaces(e.Ctx(), &workspaces.CreateWorkspacesInput{Workspaces: []types.WorkspaceRequest{{
		DirectoryId: aws.String(dir), UserName: aws.String(user), BundleId: aws.String(bundle),
	}}})
	if err != nil {
		t.Fatalf("CreateWorkspaces: %v", err)
	}
	if len(out.FailedRequests) > 0 {
		t.Fatalf("CreateWorkspaces: %s: %s", aws.ToString(out.FailedRequests[0].ErrorCode), aws.ToString(out.FailedRequests[0].ErrorMessage))
	}
	id := aws.ToString(out.PendingRequests[0].WorkspaceId)
	e.Advance(time.Hour)
	d, err := e.WS(account).DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{WorkspaceIds: []string{id}})
	if err != nil || len(d.Workspaces) != 1 || d.Workspaces[0].State != types.WorkspaceStateAvailable {
		t.Fatalf("WorkSpace %s is not AVAILABLE: %+v %v", id, d, err)
	}
	return id
}

// xSetWorkspace edits a WorkSpace record in the store (for states and
// combinations the API takes long to reach).
func xSetWorkspace(t *testing.T, e *apptest.Env, account, id string, edit func(*deskplane.Workspace)) {
	t.Helper()
	key := deskplane.Key{Scope: deskplane.Scope{Account: account, Region: apptest.Region}, Kind: deskplane.KindWorkspace, ID: id}
	var ws deskplane.Workspace
	if !xLoad(t, e, key, &ws) {
		t.Fatalf("no WorkSpace %s", id)
	}
	edit(&ws)
	xSeed(t, e, key, ws)
}

func appIDs(apps []types.WorkSpaceApplication) []string {
	var ids []string
	for _, a := range apps {
		ids = append(ids, aws.ToString(a.ApplicationId))
	}
	return ids
}

func describeApps(t *testing.T, e *apptest.Env, in *workspaces.DescribeApplicationsInput) []string {
	t.Helper()
	out, err := e.WS(apptest.AccountA).DescribeApplications(e.Ctx(), in)
	if err != nil {
		t.Fatalf("DescribeApplications: %v", err)
	}
	return appIDs(out.Applications)
}

// wsAssocs maps application id → association state of a WorkSpace.
func wsAssocs(t *testing.T, e *apptest.Env, id string) map[string]types.WorkspaceResourceAssociation {
	t.Helper()
	out, err := e.WS(apptest.AccountA).DescribeWorkspaceAssociations(e.Ctx(), &workspaces.DescribeWorkspaceAssociationsInput{
		WorkspaceId: aws.String(id), AssociatedResourceTypes: []types.WorkSpaceAssociatedResourceType{types.WorkSpaceAssociatedResourceTypeApplication}})
	if err != nil {
		t.Fatalf("DescribeWorkspaceAssociations: %v", err)
	}
	m := make(map[string]types.WorkspaceResourceAssociation)
	for _, a := range out.Associations {
		if aws.ToString(a.WorkspaceId) != id || a.AssociatedResourceType != types.WorkSpaceAssociatedResourceTypeApplication {
			t.Errorf("association %+v", a)
		}
		m[aws.ToString(a.AssociatedResourceId)] = a
	}
	return m
}

func wantAssocState(t *testing.T, e *apptest.Env, ws, app string, want types.AssociationState) types.WorkspaceResourceAssociation {
	t.Helper()
	a, ok := wsAssocs(t, e, ws)[app]
	if !ok {
		t.Fatalf("%s has no association with %s", ws, app)
	}
	if a.State != want {
		t.Fatalf("association %s/%s is %s, want %s", ws, app, a.State, want)
	}
	return a
}

func associate(e *apptest.Env, ws, app string) (*workspaces.AssociateWorkspaceApplicationOutput, error) {
	return e.WS(apptest.AccountA).AssociateWorkspaceApplication(e.Ctx(), &workspaces.AssociateWorkspaceApplicationInput{WorkspaceId: aws.String(ws), ApplicationId: aws.String(app)})
}

func disassociate(e *apptest.Env, ws, app string) (*workspaces.DisassociateWorkspaceApplicationOutput, error) {
	return e.WS(apptest.AccountA).DisassociateWorkspaceApplication(e.Ctx(), &workspaces.DisassociateWorkspaceApplicationInput{WorkspaceId: aws.String(ws), ApplicationId: aws.String(app)})
}

func deploy(t *testing.T, e *apptest.Env, ws string, force bool) map[string]types.AssociationState {
	t.Helper()
	out, err := e.WS(apptest.AccountA).DeployWorkspaceApplications(e.Ctx(), &workspaces.DeployWorkspaceApplicationsInput{WorkspaceId: aws.String(ws), Force: aws.Bool(force)})
	if err != nil {
		t.Fatalf("DeployWorkspaceApplications: %v", err)
	}
	m := make(map[string]types.AssociationState)
	for _, a := range out.Deployment.Associations {
		m[aws.ToString(a.AssociatedResourceId)] = a.State
	}
	return m
}

func TestApplicationDescribe(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	all := describeApps(t, e, &workspaces.DescribeApplicationsInput{})
	if len(all) != 10 || all[0] != appOffice2016 || !slices.Contains(all, appVSPro22) {
		t.Fatalf("catalogue %v", all)
	}
	out, err := e.WS(apptest.AccountA).DescribeApplications(e.Ctx(), &workspaces.DescribeApplicationsInput{ApplicationIds: []string{appOfficePro21}})
	if err != nil || len(out.Applications) != 1 {
		t.Fatalf("by id: %+v %v", out, err)
	}
	a := out.Applications[0]
	if aws.ToString(a.Name) != "Microsoft Office LTSC Professional Plus 2021" || aws.ToString(a.Owner) != "AMAZON" ||
		a.State != types.WorkSpaceApplicationStateAvailable || a.LicenseType != types.WorkSpaceApplicationLicenseTypeLicensed ||
		a.Created == nil || a.Description == nil || slices.Contains(a.SupportedComputeTypeNames, types.ComputeValue) ||
		!slices.Contains(a.SupportedOperatingSystemNames, types.OperatingSystemNameWindowsServer2022) {
		t.Errorf("Office 2021 %+v", a)
	}
	if got := describeApps(t, e, &workspaces.DescribeApplicationsInput{ApplicationIds: []string{appOffice2019, "wsa-unknown99"}}); !slices.Equal(got, []string{appOffice2019}) {
		t.Errorf("unknown ids are left out: %v", got)
	}
	if got := describeApps(t, e, &workspaces.DescribeApplicationsInput{ComputeTypeNames: []types.Compute{types.ComputeValue}}); !slices.Equal(got, []string{appOffice2016, appOffice2019}) {
		t.Errorf("Value: %v", got)
	}
	if got := describeApps(t, e, &workspaces.DescribeApplicationsInput{OperatingSystemNames: []types.OperatingSystemName{types.OperatingSystemNameAmazonLinux2}}); len(got) != 0 {
		t.Errorf("Linux: %v", got)
	}
	if got := describeApps(t, e, &workspaces.DescribeApplicationsInput{
		OperatingSystemNames: []types.OperatingSystemName{types.OperatingSystemNameWindowsServer2016},
		ComputeTypeNames:     []types.Compute{types.ComputeStandard, types.ComputePerformance},
	}); len(got) != 8 || slices.Contains(got, appVSPro22) {
		t.Errorf("Server 2016 on Standard and Performance: %v", got)
	}
	if got := describeApps(t, e, &workspaces.DescribeApplicationsInput{LicenseType: types.WorkSpaceApplicationLicenseTypeUnlicensed}); len(got) != 0 {
		t.Errorf("unlicensed: %v", got)
	}
	if got := describeApps(t, e, &workspaces.DescribeApplicationsInput{Owner: aws.String("AMAZON")}); len(got) != 10 {
		t.Errorf("AMAZON: %v", got)
	}
	if got := describeApps(t, e, &workspaces.DescribeApplicationsInput{Owner: aws.String(apptest.AccountA)}); len(got) != 0 {
		t.Errorf("own applications: %v", got)
	}
	_, err = e.WS(apptest.AccountA).DescribeApplications(e.Ctx(), &workspaces.DescribeApplicationsInput{Owner: aws.String(apptest.AccountB)})
	xWant(t, "another account as owner", err, "InvalidParameterValuesException")
	_, err = e.WS(apptest.AccountA).DescribeApplications(e.Ctx(), &workspaces.DescribeApplicationsInput{Owner: aws.String("SOMEONE")})
	xWant(t, "owner pattern", err, "ValidationException")

	// Pages of 3 through the paginator.
	var paged []string
	pages := 0
	p := workspaces.NewDescribeApplicationsPaginator(e.WS(apptest.AccountA), &workspaces.DescribeApplicationsInput{MaxResults: aws.Int32(3)})
	for p.HasMorePages() {
		out, err := p.NextPage(e.Ctx())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		paged = append(paged, appIDs(out.Applications)...)
	}
	if pages != 4 || !slices.Equal(paged, all) {
		t.Errorf("%d pages: %v", pages, paged)
	}
	_, err = e.WS(apptest.AccountA).DescribeApplications(e.Ctx(), &workspaces.DescribeApplicationsInput{NextToken: aws.String("bogus")})
	xWant(t, "bad token", err, "InvalidParameterValuesException")
}

func TestApplicationAssociateAndDeploy(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	dir := xDirectory(t, e, apptest.AccountA)
	ws := xWorkspace(t, e, apptest.AccountA, dir, "alice", xBundleStandard2019)
	e.SetTiming("realistic") // application.deploy: 10 minutes

	if got := wsAssocs(t, e, ws); len(got) != 0 {
		t.Fatalf("associations of a new WorkSpace: %+v", got)
	}
	out, err := associate(e, ws, appOfficePro21)
	if err != nil {
		t.Fatalf("AssociateWorkspaceApplication: %v", err)
	}
	if a := out.Association; a.State != types.AssociationStatePendingInstall || aws.ToString(a.WorkspaceId) != ws ||
		aws.ToString(a.AssociatedResourceId) != appOfficePro21 || a.Created == nil || a.LastUpdatedTime == nil {
		t.Errorf("association %+v", a)
	}
	wantAssocState(t, e, ws, appOfficePro21, types.AssociationStatePendingInstall)
	_, err = associate(e, ws, appOfficePro21)
	xWant(t, "associate twice", err, "ResourceAlreadyExistsException")
	_, err = associate(e, ws, appOfficeStd21)
	xWant(t, "two editions of Office 2021", err, "IncompatibleApplicationsException")
	if _, err := associate(e, ws, appVisioPro21); err != nil {
		t.Fatal(err)
	}

	deployed := deploy(t, e, ws, false)
	if len(deployed) != 2 || deployed[appOfficePro21] != types.AssociationStatePendingInstallDeployment || deployed[appVisioPro21] != types.AssociationStatePendingInstallDeployment {
		t.Fatalf("deployment %v", deployed)
	}
	_, err = associate(e, ws, appProjectPro21)
	xWant(t, "associate during a deployment", err, "ResourceInUseException")
	_, err = e.WS(apptest.AccountA).DeployWorkspaceApplications(e.Ctx(), &workspaces.DeployWorkspaceApplicationsInput{WorkspaceId: aws.String(ws)})
	xWant(t, "deploy during a deployment", err, "ResourceInUseException")
	e.Advance(5 * time.Minute)
	wantAssocState(t, e, ws, appOfficePro21, types.AssociationStateInstalling)
	e.Advance(5 * time.Minute)
	wantAssocState(t, e, ws, appOfficePro21, types.AssociationStateCompleted)
	wantAssocState(t, e, ws, appVisioPro21, types.AssociationStateCompleted)

	aa, err := e.WS(apptest.AccountA).DescribeApplicationAssociations(e.Ctx(), &workspaces.DescribeApplicationAssociationsInput{
		ApplicationId: aws.String(appOfficePro21), AssociatedResourceTypes: []types.ApplicationAssociatedResourceType{types.ApplicationAssociatedResourceTypeWorkspace}})
	if err != nil || len(aa.Associations) != 1 || aws.ToString(aa.Associations[0].AssociatedResourceId) != ws ||
		aa.Associations[0].State != types.AssociationStateCompleted || aa.Associations[0].AssociatedResourceType != types.ApplicationAssociatedResourceTypeWorkspace {
		t.Errorf("DescribeApplicationAssociations %+v %v", aa, err)
	}

	// Uninstall Visio: PENDING_UNINSTALL → … → REMOVED.
	dis, err := disassociate(e, ws, appVisioPro21)
	if err != nil || dis.Association.State != types.AssociationStatePendingUninstall {
		t.Fatalf("DisassociateWorkspaceApplication %+v %v", dis, err)
	}
	if deployed := deploy(t, e, ws, false); len(deployed) != 1 || deployed[appVisioPro21] != types.AssociationStatePendingUninstallDeployment {
		t.Fatalf("uninstall deployment %v", deployed)
	}
	e.Advance(5 * time.Minute)
	wantAssocState(t, e, ws, appVisioPro21, types.AssociationStateUninstalling)
	e.Advance(5 * time.Minute)
	wantAssocState(t, e, ws, appVisioPro21, types.AssociationStateRemoved)
	_, err = disassociate(e, ws, appVisioPro21)
	xWant(t, "disassociate a removed application", err, "ResourceNotFoundException")

	// What was never installed goes at once.
	if _, err := associate(e, ws, appVisioPro21); err != nil {
		t.Fatalf("associate again after removal: %v", err)
	}
	if dis, err := disassociate(e, ws, appVisioPro21); err != nil || dis.Association.State != types.AssociationStateRemoved {
		t.Errorf("disassociate a pending application: %+v %v", dis, err)
	}

	// Swap Office editions in one deployment; associating again what is
	// pending uninstall keeps it.
	if _, err := disassociate(e, ws, appOfficePro21); err != nil {
		t.Fatal(err)
	}
	if out, err := associate(e, ws, appOfficePro21); err != nil || out.Association.State != types.AssociationStateCompleted {
		t.Errorf("keep Office: %+v %v", out, err)
	}
	if _, err := disassociate(e, ws, appOfficePro21); err != nil {
		t.Fatal(err)
	}
	if _, err := associate(e, ws, appOfficeStd21); err != nil {
		t.Fatalf("Standard while Professional Plus is being uninstalled: %v", err)
	}
	if deployed := deploy(t, e, ws, false); len(deployed) != 2 {
		t.Fatalf("swap deployment %v", deployed)
	}
	e.Advance(10 * time.Minute)
	wantAssocState(t, e, ws, appOfficePro21, types.AssociationStateRemoved)
	wantAssocState(t, e, ws, appOfficeStd21, types.AssociationStateCompleted)

	// Nothing pending: an empty deployment.
	if deployed := deploy(t, e, ws, true); len(deployed) != 0 {
		t.Errorf("empty deployment %v", deployed)
	}
	// A STOPPED WorkSpace takes applications too.
	xSetWorkspace(t, e, apptest.AccountA, ws, func(w *deskplane.Workspace) { w.State = "STOPPED" })
	if _, err := associate(e, ws, appProjectPro21); err != nil {
		t.Errorf("associate on a STOPPED WorkSpace: %v", err)
	}
}

func TestApplicationErrors(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	dir := xDirectory(t, e, apptest.AccountA)
	win := xWorkspace(t, e, apptest.AccountA, dir, "alice", xBundleStandard2019)
	linux := xWorkspace(t, e, apptest.AccountA, dir, "bob", xBundleLinux)
	old := xWorkspace(t, e, apptest.AccountA, dir, "carol", xBundlePerformance2016)

	_, err := associate(e, win, "wsa-unknown99")
	xWant(t, "unknown application", err, "ResourceNotFoundException")
	_, err = associate(e, "ws-unknown99", appOfficePro21)
	xWant(t, "unknown WorkSpace", err, "ResourceNotFoundException")
	_, err = e.WS(apptest.AccountB).AssociateWorkspaceApplication(e.Ctx(), &workspaces.AssociateWorkspaceApplicationInput{WorkspaceId: aws.String(win), ApplicationId: aws.String(appOfficePro21)})
	xWant(t, "another account's WorkSpace", err, "ResourceNotFoundException")
	_, err = associate(e, win, "office")
	xWant(t, "application id pattern", err, "ValidationException")
	_, err = associate(e, win, appOffice2019)
	xWant(t, "uninstall-only application", err, "ApplicationNotSupportedException")
	_, err = associate(e, linux, appOfficePro21)
	xWant(t, "Linux WorkSpace", err, "OperatingSystemNotCompatibleException")
	_, err = associate(e, old, appVSPro22)
	xWant(t, "Visual Studio on Server 2016", err, "OperatingSystemNotCompatibleException")
	_, err = associate(e, win, appVSPro22)
	xWant(t, "Visual Studio on Standard", err, "ComputeNotCompatibleException")
	for _, st := range []deskplane.WorkspaceState{deskplane.WorkspacePending, deskplane.WorkspaceRebooting, deskplane.WorkspaceError, deskplane.WorkspaceAdminMaintenance, deskplane.WorkspaceSuspended} {
		xSetWorkspace(t, e, apptest.AccountA, old, func(w *deskplane.Workspace) { w.State = st })
		_, err = associate(e, old, appOfficePro21)
		xWant(t, string(st)+" WorkSpace", err, "OperationNotSupportedException")
		_, err = e.WS(apptest.AccountA).DeployWorkspaceApplications(e.Ctx(), &workspaces.DeployWorkspaceApplicationsInput{WorkspaceId: aws.String(old)})
		xWant(t, "deploy on a "+string(st)+" WorkSpace", err, "OperationNotSupportedException")
	}
	_, err = disassociate(e, win, appOfficePro21)
	xWant(t, "disassociate what is not associated", err, "ResourceNotFoundException")
	_, err = disassociate(e, win, "wsa-unknown99")
	xWant(t, "disassociate an unknown application", err, "ResourceNotFoundException")
	_, err = e.WS(apptest.AccountA).DeployWorkspaceApplications(e.Ctx(), &workspaces.DeployWorkspaceApplicationsInput{WorkspaceId: aws.String("ws-unknown99")})
	xWant(t, "deploy on an unknown WorkSpace", err, "ResourceNotFoundException")
	_, err = e.WS(apptest.AccountA).DescribeWorkspaceAssociations(e.Ctx(), &workspaces.DescribeWorkspaceAssociationsInput{
		WorkspaceId: aws.String("ws-unknown99"), AssociatedResourceTypes: []types.WorkSpaceAssociatedResourceType{types.WorkSpaceAssociatedResourceTypeApplication}})
	xWant(t, "associations of an unknown WorkSpace", err, "ResourceNotFoundException")
	_, err = e.WS(apptest.AccountA).DescribeApplicationAssociations(e.Ctx(), &workspaces.DescribeApplicationAssociationsInput{
		ApplicationId: aws.String("wsa-unknown99"), AssociatedResourceTypes: []types.ApplicationAssociatedResourceType{types.ApplicationAssociatedResourceTypeWorkspace}})
	xWant(t, "associations of an unknown application", err, "ResourceNotFoundException")
	_, err = e.WS(apptest.AccountA).DescribeImageAssociations(e.Ctx(), &workspaces.DescribeImageAssociationsInput{
		ImageId: aws.String("wsi-unknown999"), AssociatedResourceTypes: []types.ImageAssociatedResourceType{types.ImageAssociatedResourceTypeApplication}})
	xWant(t, "associations of an unknown image", err, "ResourceNotFoundException")
}

func TestApplicationPreinstalledOfficeAndImages(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	dir := xDirectory(t, e, apptest.AccountA)
	ws := xWorkspace(t, e, apptest.AccountA, dir, "alice", xBundleValueOffice2016)
	// The public "Windows 10 and Office 2016" image brings Office 2016.
	a := wantAssocState(t, e, ws, appOffice2016, types.AssociationStateCompleted)
	if a.Created == nil {
		t.Errorf("preinstalled association %+v", a)
	}
	pre, err := e.WS(apptest.AccountA).DescribeApplicationAssociations(e.Ctx(), &workspaces.DescribeApplicationAssociationsInput{
		ApplicationId: aws.String(appOffice2016), AssociatedResourceTypes: []types.ApplicationAssociatedResourceType{types.ApplicationAssociatedResourceTypeWorkspace}})
	if err != nil || len(pre.Associations) != 1 || aws.ToString(pre.Associations[0].AssociatedResourceId) != ws || pre.Associations[0].State != types.AssociationStateCompleted {
		t.Errorf("WorkSpaces with Office 2016 %+v %v", pre, err)
	}
	img, err := e.WS(apptest.AccountA).DescribeImageAssociations(e.Ctx(), &workspaces.DescribeImageAssociationsInput{
		ImageId: aws.String("wsi-0v4zpw1b8"), AssociatedResourceTypes: []types.ImageAssociatedResourceType{types.ImageAssociatedResourceTypeApplication}})
	if err != nil || len(img.Associations) != 1 || aws.ToString(img.Associations[0].AssociatedResourceId) != appOffice2016 ||
		aws.ToString(img.Associations[0].ImageId) != "wsi-0v4zpw1b8" || img.Associations[0].State != types.AssociationStateCompleted {
		t.Errorf("public Office image associations %+v %v", img, err)
	}
	_, err = associate(e, ws, appOfficePro21)
	xWant(t, "Office 2021 on Value", err, "ComputeNotCompatibleException")

	// On Standard compute Office 2021 can be associated, but its
	// installation fails while Office 2016 stays.
	xSetWorkspace(t, e, apptest.AccountA, ws, func(w *deskplane.Workspace) { w.ComputeType = "STANDARD" })
	if _, err := associate(e, ws, appOfficePro21); err != nil {
		t.Fatal(err)
	}
	deploy(t, e, ws, false)
	e.Advance(time.Minute)
	a = wantAssocState(t, e, ws, appOfficePro21, types.AssociationStateError)
	if a.StateReason == nil || a.StateReason.ErrorCode != types.AssociationErrorCodeApplicationOldversionexistFailure || aws.ToString(a.StateReason.ErrorMessage) == "" {
		t.Errorf("failed installation %+v", a.StateReason)
	}
	if deployed := deploy(t, e, ws, false); len(deployed) != 0 {
		t.Errorf("a failed deployment is retried only with Force: %v", deployed)
	}
	if _, err := disassociate(e, ws, appOffice2016); err != nil {
		t.Fatalf("uninstall Office 2016: %v", err)
	}
	if deployed := deploy(t, e, ws, true); len(deployed) != 2 || deployed[appOfficePro21] != types.AssociationStatePendingInstallDeployment ||
		deployed[appOffice2016] != types.AssociationStatePendingUninstallDeployment {
		t.Fatalf("forced deployment %v", deployed)
	}
	e.Advance(time.Minute)
	wantAssocState(t, e, ws, appOffice2016, types.AssociationStateRemoved)
	if a := wantAssocState(t, e, ws, appOfficePro21, types.AssociationStateCompleted); a.StateReason != nil {
		t.Errorf("StateReason after success %+v", a.StateReason)
	}

	// An image made from the WorkSpace carries what is installed on it.
	e.Advance(time.Minute)
	ci, err := e.WS(apptest.AccountA).CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
		Name: aws.String("office-2021"), Description: aws.String("Office 2021"), WorkspaceId: aws.String(ws)})
	if err != nil {
		t.Fatalf("CreateWorkspaceImage: %v", err)
	}
	e.Advance(time.Hour)
	imgID := aws.ToString(ci.ImageId)
	img, err = e.WS(apptest.AccountA).DescribeImageAssociations(e.Ctx(), &workspaces.DescribeImageAssociationsInput{
		ImageId: aws.String(imgID), AssociatedResourceTypes: []types.ImageAssociatedResourceType{types.ImageAssociatedResourceTypeApplication}})
	if err != nil || len(img.Associations) != 1 || aws.ToString(img.Associations[0].AssociatedResourceId) != appOfficePro21 {
		t.Errorf("image associations %+v %v", img, err)
	}
	// A custom bundle of the image carries them too.
	bundle := deskplane.Bundle{ID: "wsb-" + xHex(9), Name: "office", Owner: apptest.AccountA, ImageID: imgID, ComputeType: deskplane.ComputeStandard, State: deskplane.BundleAvailable,
		BundleType: string(types.BundleTypeRegular), OperatingSystem: deskplane.OSWindowsServer2016, RootStorageGB: 80, UserStorageGB: 50, Created: time.Now()}
	xSeed(t, e, deskplane.Key{Scope: deskplane.Scope{Account: apptest.AccountA, Region: apptest.Region}, Kind: deskplane.KindBundle, ID: bundle.ID}, bundle)

	var got []types.ApplicationResourceAssociation
	p := workspaces.NewDescribeApplicationAssociationsPaginator(e.WS(apptest.AccountA), &workspaces.DescribeApplicationAssociationsInput{
		ApplicationId: aws.String(appOfficePro21), MaxResults: aws.Int32(1),
		AssociatedResourceTypes: []types.ApplicationAssociatedResourceType{types.ApplicationAssociatedResourceTypeWorkspace,
			types.ApplicationAssociatedResourceTypeImage, types.ApplicationAssociatedResourceTypeBundle}})
	for p.HasMorePages() {
		out, err := p.NextPage(e.Ctx())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, out.Associations...)
	}
	if len(got) != 3 || aws.ToString(got[0].AssociatedResourceId) != ws || aws.ToString(got[1].AssociatedResourceId) != imgID ||
		aws.ToString(got[2].AssociatedResourceId) != bundle.ID || got[2].AssociatedResourceType != types.ApplicationAssociatedResourceTypeBundle {
		t.Errorf("application associations %+v", got)
	}
	only, err := e.WS(apptest.AccountA).DescribeApplicationAssociations(e.Ctx(), &workspaces.DescribeApplicationAssociationsInput{
		ApplicationId: aws.String(appOfficePro21), AssociatedResourceTypes: []types.ApplicationAssociatedResourceType{types.ApplicationAssociatedResourceTypeImage}})
	if err != nil || len(only.Associations) != 1 || aws.ToString(only.Associations[0].AssociatedResourceId) != imgID {
		t.Errorf("image associations only %+v %v", only, err)
	}
}

func TestApplicationDeploymentFault(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	dir := xDirectory(t, e, apptest.AccountA)
	ws := xWorkspace(t, e, apptest.AccountA, dir, "alice", xBundleStandard2019)
	e.Control("POST", "faults/transitions", map[string]any{
		"kind": "appassoc", "resourceId": ws + "/" + appOfficePro21, "state": "ERROR",
		"errorCode": "ValidationError.InsufficientDiskSpace", "errorMessage": "Not enough disk space on C:.",
	}, nil)
	if _, err := associate(e, ws, appOfficePro21); err != nil {
		t.Fatal(err)
	}
	deploy(t, e, ws, false)
	e.Advance(time.Minute)
	a := wantAssocState(t, e, ws, appOfficePro21, types.AssociationStateError)
	if a.StateReason == nil || a.StateReason.ErrorCode != types.AssociationErrorCodeInsufficientDiskspace || aws.ToString(a.StateReason.ErrorMessage) != "Not enough disk space on C:." {
		t.Errorf("StateReason %+v", a.StateReason)
	}
	_, err := associate(e, ws, appOfficePro21)
	xWant(t, "associate a failed application", err, "ResourceAlreadyExistsException")
	deploy(t, e, ws, true)
	e.Advance(time.Minute)
	wantAssocState(t, e, ws, appOfficePro21, types.AssociationStateCompleted)
}
