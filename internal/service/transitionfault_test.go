package service_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
	"github.com/deskplane/deskplane/internal/storetest"
)

// TestTransitionFaultsSurviveRetriedTransactions is the regression test of
// issue 11's first defect: the timer handlers took an injected transition
// fault from memory inside Store.Update, whose function bolt and PostgreSQL
// may run more than once. A rolled-back run used the fault up and the
// committed run saw none, so a resource meant to fail succeeded. Here
// every Update runs twice (storetest.ForcedRetries: the first run is rolled
// back) on each store, and each of the nine faultable transitions must
// still end in the injected state.
func TestTransitionFaultsSurviveRetriedTransactions(t *testing.T) {
	for _, store := range []string{"memory", "bolt", "postgres"} {
		for _, sc := range faultScenarios() {
			t.Run(store+"/"+sc.kind, func(t *testing.T) {
				e := apptest.Start(t, apptest.Options{Store: store, WrapStore: storetest.ForcedRetries})
				if got := sc.run(t, e); got != sc.want {
					t.Errorf("the %s transition ended in %s, want the injected %s", sc.kind, got, sc.want)
				}
			})
		}
	}
}

type faultScenario struct {
	kind string
	want string
	// run sets up the resource, injects a fault of kind for it, runs the
	// transition and returns the state it ended in.
	run func(t *testing.T, e *apptest.Env) string
}

const (
	account      = apptest.AccountA
	bundleWin    = "wsb-gk1wpk43z" // Standard with Windows 10 (Server 2019 based)
	appOffice    = "wsa-9d4vhw6l2" // Microsoft Office 2021 Professional Plus
	faultedState = "ERROR"
)

func injectFault(e *apptest.Env, kind, resourceID, state string) {
	e.Control("POST", "faults/transitions", map[string]any{"kind": kind, "account": account, "resourceId": resourceID,
		"state": state, "errorCode": "InjectedFault", "errorMessage": "injected by the test"}, nil)
}

// availableWorkspace launches a WorkSpace in a registered directory and
// returns its id once it is AVAILABLE.
func availableWorkspace(t *testing.T, e *apptest.Env) string {
	t.Helper()
	dir := e.RegisteredDirectory(account)
	out, err := e.WS(account).CreateWorkspaces(e.Ctx(), &workspaces.CreateWorkspacesInput{
		Workspaces: []types.WorkspaceRequest{{DirectoryId: aws.String(dir), UserName: aws.String("alice"), BundleId: aws.String(bundleWin)}}})
	if err != nil {
		t.Fatalf("CreateWorkspaces: %v", err)
	}
	if len(out.PendingRequests) != 1 {
		t.Fatalf("CreateWorkspaces failed: %+v", out.FailedRequests)
	}
	id := aws.ToString(out.PendingRequests[0].WorkspaceId)
	e.Advance(time.Hour)
	if st := workspaceState(t, e, id); st != string(types.WorkspaceStateAvailable) {
		t.Fatalf("the WorkSpace is %s, want AVAILABLE", st)
	}
	return id
}

func workspaceState(t *testing.T, e *apptest.Env, id string) string {
	t.Helper()
	out, err := e.WS(account).DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{WorkspaceIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeWorkspaces: %v", err)
	}
	if len(out.Workspaces) != 1 {
		t.Fatalf("WorkSpace %s not described", id)
	}
	return string(out.Workspaces[0].State)
}

func newDSDirectory(t *testing.T, e *apptest.Env) string {
	t.Helper()
	out, err := e.DS(account).CreateDirectory(e.Ctx(), &directoryservice.CreateDirectoryInput{
		Name:     aws.String(fmt.Sprintf("corp%d.example.com", time.Now().UnixNano()%1e9)),
		Password: aws.String("Test-Pa55word-1"),
		Size:     dstypes.DirectorySizeSmall,
		VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: aws.String("vpc-0123456789abcdef0"),
			SubnetIds: []string{"subnet-0123456789abcdef0", "subnet-0fedcba9876543210"}},
	})
	if err != nil {
		t.Fatalf("CreateDirectory: %v", err)
	}
	return aws.ToString(out.DirectoryId)
}

func faultScenarios() []faultScenario {
	return []faultScenario{
		{kind: "workspace", want: faultedState, run: func(t *testing.T, e *apptest.Env) string {
			dir := e.RegisteredDirectory(account)
			injectFault(e, "workspace", "", faultedState)
			out, err := e.WS(account).CreateWorkspaces(e.Ctx(), &workspaces.CreateWorkspacesInput{
				Workspaces: []types.WorkspaceRequest{{DirectoryId: aws.String(dir), UserName: aws.String("bob"), BundleId: aws.String(bundleWin)}}})
			if err != nil {
				t.Fatalf("CreateWorkspaces: %v", err)
			}
			e.Advance(time.Hour)
			return workspaceState(t, e, aws.ToString(out.PendingRequests[0].WorkspaceId))
		}},
		{kind: "image", want: faultedState, run: func(t *testing.T, e *apptest.Env) string {
			ws := availableWorkspace(t, e)
			injectFault(e, "image", "", faultedState)
			img, err := e.WS(account).CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
				Name: aws.String("golden"), Description: aws.String("golden image"), WorkspaceId: aws.String(ws)})
			if err != nil {
				t.Fatalf("CreateWorkspaceImage: %v", err)
			}
			e.Advance(2 * time.Hour)
			out, err := e.WS(account).DescribeWorkspaceImages(e.Ctx(), &workspaces.DescribeWorkspaceImagesInput{ImageIds: []string{aws.ToString(img.ImageId)}})
			if err != nil {
				t.Fatalf("DescribeWorkspaceImages: %v", err)
			}
			return string(out.Images[0].State)
		}},
		{kind: "bundle", want: faultedState, run: func(t *testing.T, e *apptest.Env) string {
			ws := availableWorkspace(t, e)
			img, err := e.WS(account).CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
				Name: aws.String("golden"), Description: aws.String("golden image"), WorkspaceId: aws.String(ws)})
			if err != nil {
				t.Fatalf("CreateWorkspaceImage: %v", err)
			}
			e.Advance(2 * time.Hour)
			// Custom bundles are AVAILABLE at once under the built-in
			// profiles; give their creation a duration so its timer runs.
			e.Control("PUT", "timing", map[string]any{"profile": "instant", "overrides": map[string]string{"bundle.create": "1m"}}, nil)
			injectFault(e, "bundle", "", faultedState)
			b, err := e.WS(account).CreateWorkspaceBundle(e.Ctx(), &workspaces.CreateWorkspaceBundleInput{
				BundleName: aws.String("golden"), BundleDescription: aws.String("golden bundle"), ImageId: img.ImageId,
				ComputeType: &types.ComputeType{Name: types.ComputeStandard}, UserStorage: &types.UserStorage{Capacity: aws.String("50")}})
			if err != nil {
				t.Fatalf("CreateWorkspaceBundle: %v", err)
			}
			e.Advance(time.Hour)
			out, err := e.WS(account).DescribeWorkspaceBundles(e.Ctx(), &workspaces.DescribeWorkspaceBundlesInput{BundleIds: []string{aws.ToString(b.WorkspaceBundle.BundleId)}})
			if err != nil {
				t.Fatalf("DescribeWorkspaceBundles: %v", err)
			}
			return string(out.Bundles[0].State)
		}},
		{kind: "alias", want: string(types.ConnectionAliasStateCreating), run: func(t *testing.T, e *apptest.Env) string {
			// A fault ending in CREATING: an alias whose creation never
			// completes.
			injectFault(e, "alias", "", string(types.ConnectionAliasStateCreating))
			a, err := e.WS(account).CreateConnectionAlias(e.Ctx(), &workspaces.CreateConnectionAliasInput{ConnectionString: aws.String("desktop.example.com")})
			if err != nil {
				t.Fatalf("CreateConnectionAlias: %v", err)
			}
			e.Advance(time.Hour)
			out, err := e.WS(account).DescribeConnectionAliases(e.Ctx(), &workspaces.DescribeConnectionAliasesInput{AliasIds: []string{aws.ToString(a.AliasId)}})
			if err != nil {
				t.Fatalf("DescribeConnectionAliases: %v", err)
			}
			return string(out.ConnectionAliases[0].State)
		}},
		{kind: "pool", want: string(types.WorkspacesPoolStateStopped), run: func(t *testing.T, e *apptest.Env) string {
			reg, err := e.WS(account).RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{
				WorkspaceType: types.WorkspaceTypePools, WorkspaceDirectoryName: aws.String("pools"),
				WorkspaceDirectoryDescription: aws.String("Pools directory"), UserIdentityType: types.UserIdentityTypeCustomerManaged,
				SubnetIds: []string{"subnet-0123456789abcdef0", "subnet-0fedcba9876543210"}})
			if err != nil {
				t.Fatalf("RegisterWorkspaceDirectory: %v", err)
			}
			e.Advance(time.Hour)
			p, err := e.WS(account).CreateWorkspacesPool(e.Ctx(), &workspaces.CreateWorkspacesPoolInput{
				PoolName: aws.String("faulty"), Description: aws.String("faulty pool"), BundleId: aws.String(bundleWin),
				DirectoryId: reg.DirectoryId, Capacity: &types.Capacity{DesiredUserSessions: aws.Int32(2)}})
			if err != nil {
				t.Fatalf("CreateWorkspacesPool: %v", err)
			}
			id := aws.ToString(p.WorkspacesPool.PoolId)
			e.Advance(time.Hour)
			// A start that fails leaves the pool STOPPED (with errors).
			injectFault(e, "pool", id, string(types.WorkspacesPoolStateStopped))
			if _, err := e.WS(account).StartWorkspacesPool(e.Ctx(), &workspaces.StartWorkspacesPoolInput{PoolId: aws.String(id)}); err != nil {
				t.Fatalf("StartWorkspacesPool: %v", err)
			}
			e.Advance(time.Hour)
			out, err := e.WS(account).DescribeWorkspacesPools(e.Ctx(), &workspaces.DescribeWorkspacesPoolsInput{PoolIds: []string{id}})
			if err != nil {
				t.Fatalf("DescribeWorkspacesPools: %v", err)
			}
			return string(out.WorkspacesPools[0].State)
		}},
		{kind: "dsdirectory", want: string(dstypes.DirectoryStageFailed), run: func(t *testing.T, e *apptest.Env) string {
			injectFault(e, "dsdirectory", "", string(dstypes.DirectoryStageFailed))
			id := newDSDirectory(t, e)
			e.Advance(time.Hour)
			out, err := e.DS(account).DescribeDirectories(e.Ctx(), &directoryservice.DescribeDirectoriesInput{DirectoryIds: []string{id}})
			if err != nil {
				t.Fatalf("DescribeDirectories: %v", err)
			}
			return string(out.DirectoryDescriptions[0].Stage)
		}},
		{kind: "directory", want: faultedState, run: func(t *testing.T, e *apptest.Env) string {
			id := newDSDirectory(t, e)
			e.Advance(time.Hour)
			injectFault(e, "directory", id, faultedState)
			if _, err := e.WS(account).RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id)}); err != nil {
				t.Fatalf("RegisterWorkspaceDirectory: %v", err)
			}
			e.Advance(time.Hour)
			out, err := e.WS(account).DescribeWorkspaceDirectories(e.Ctx(), &workspaces.DescribeWorkspaceDirectoriesInput{DirectoryIds: []string{id}})
			if err != nil {
				t.Fatalf("DescribeWorkspaceDirectories: %v", err)
			}
			return string(out.Directories[0].State)
		}},
		{kind: "appassoc", want: faultedState, run: func(t *testing.T, e *apptest.Env) string {
			ws := availableWorkspace(t, e)
			injectFault(e, "appassoc", ws+"/"+appOffice, faultedState)
			if _, err := e.WS(account).AssociateWorkspaceApplication(e.Ctx(), &workspaces.AssociateWorkspaceApplicationInput{
				WorkspaceId: aws.String(ws), ApplicationId: aws.String(appOffice)}); err != nil {
				t.Fatalf("AssociateWorkspaceApplication: %v", err)
			}
			if _, err := e.WS(account).DeployWorkspaceApplications(e.Ctx(), &workspaces.DeployWorkspaceApplicationsInput{WorkspaceId: aws.String(ws)}); err != nil {
				t.Fatalf("DeployWorkspaceApplications: %v", err)
			}
			e.Advance(time.Hour)
			out, err := e.WS(account).DescribeWorkspaceAssociations(e.Ctx(), &workspaces.DescribeWorkspaceAssociationsInput{
				WorkspaceId: aws.String(ws), AssociatedResourceTypes: []types.WorkSpaceAssociatedResourceType{types.WorkSpaceAssociatedResourceTypeApplication}})
			if err != nil {
				t.Fatalf("DescribeWorkspaceAssociations: %v", err)
			}
			for _, a := range out.Associations {
				if aws.ToString(a.AssociatedResourceId) == appOffice {
					return string(a.State)
				}
			}
			t.Fatalf("no association of %s: %+v", appOffice, out.Associations)
			return ""
		}},
		{kind: "account", want: string(types.DedicatedTenancyModificationStateEnumFailed), run: func(t *testing.T, e *apptest.Env) string {
			injectFault(e, "account", "", string(types.DedicatedTenancyModificationStateEnumFailed))
			if _, err := e.WS(account).ModifyAccount(e.Ctx(), &workspaces.ModifyAccountInput{
				DedicatedTenancySupport: types.DedicatedTenancySupportEnumEnabled, DedicatedTenancyManagementCidrRange: aws.String("192.168.0.0/16")}); err != nil {
				t.Fatalf("ModifyAccount: %v", err)
			}
			e.Advance(6 * time.Hour)
			out, err := e.WS(account).DescribeAccountModifications(e.Ctx(), &workspaces.DescribeAccountModificationsInput{})
			if err != nil {
				t.Fatalf("DescribeAccountModifications: %v", err)
			}
			return string(out.AccountModifications[0].ModificationState)
		}},
	}
}
