package bundles_test

import (
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
)

// Bundles: the AMAZON public catalogue and custom bundles. Images are
// another area's; these tests store the image records they need.

func bunScope(account string) deskplane.Scope {
	return deskplane.Scope{Account: account, Region: apptest.Region}
}

// bunImage stores an image owned by account.
func bunImage(t *testing.T, e *apptest.Env, account, id string, state deskplane.ImageState, rootGB, userGB int) {
	t.Helper()
	dirSeed(t, e, deskplane.Key{Scope: bunScope(account), Kind: deskplane.KindImage, ID: id}, deskplane.Image{
		ID: id, Name: "img-" + id, OperatingSystem: deskplane.OSWindowsServer2022, OSType: string(types.OperatingSystemTypeWindows), State: state,
		RequiredTenancy: deskplane.ImageTenancyDefault, Owner: account, Protocols: []deskplane.Protocol{deskplane.ProtocolWSP}, RootGB: rootGB, UserGB: userGB,
	})
}

func bunCreate(e *apptest.Env, account, name, image, compute, root, user string) (*workspaces.CreateWorkspaceBundleOutput, error) {
	in := &workspaces.CreateWorkspaceBundleInput{
		BundleName:        aws.String(name),
		BundleDescription: aws.String("Custom bundle " + name),
		ImageId:           aws.String(image),
		ComputeType:       &types.ComputeType{Name: types.Compute(compute)},
		UserStorage:       &types.UserStorage{Capacity: aws.String(user)},
	}
	if root != "" {
		in.RootStorage = &types.RootStorage{Capacity: aws.String(root)}
	}
	return e.WS(account).CreateWorkspaceBundle(e.Ctx(), in)
}

func bunDescribeIDs(t *testing.T, e *apptest.Env, account string, ids ...string) []types.WorkspaceBundle {
	t.Helper()
	out, err := e.WS(account).DescribeWorkspaceBundles(e.Ctx(), &workspaces.DescribeWorkspaceBundlesInput{BundleIds: ids})
	if err != nil {
		t.Fatalf("DescribeWorkspaceBundles %v: %v", ids, err)
	}
	return out.Bundles
}

func TestBundleAmazonCatalogue(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ws := e.WS(apptest.AccountA)

	// The paginator walks every page of the public catalogue.
	var all []types.WorkspaceBundle
	pages := 0
	p := workspaces.NewDescribeWorkspaceBundlesPaginator(ws, &workspaces.DescribeWorkspaceBundlesInput{Owner: aws.String("AMAZON")})
	for p.HasMorePages() {
		out, err := p.NextPage(e.Ctx())
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		if len(out.Bundles) > 25 {
			t.Errorf("page of %d bundles", len(out.Bundles))
		}
		all = append(all, out.Bundles...)
		pages++
	}
	if len(all) < 40 || pages < 2 {
		t.Errorf("%d public bundles in %d pages", len(all), pages)
	}
	seen := map[string]bool{}
	names := map[string]bool{}
	idPattern := regexp.MustCompile(`^wsb-[0-9a-z]{9}$`)
	for _, b := range all {
		id := aws.ToString(b.BundleId)
		if seen[id] || names[aws.ToString(b.Name)] {
			t.Errorf("duplicate bundle %s %q", id, aws.ToString(b.Name))
		}
		seen[id], names[aws.ToString(b.Name)] = true, true
		if !idPattern.MatchString(id) || aws.ToString(b.Owner) != "Amazon" || !regexp.MustCompile(`^wsi-[0-9a-z]{9}$`).MatchString(aws.ToString(b.ImageId)) ||
			b.ComputeType == nil || b.RootStorage == nil || b.UserStorage == nil || b.State != types.WorkspaceBundleStateAvailable ||
			b.BundleType != types.BundleTypeRegular || aws.ToString(b.Description) == "" {
			t.Errorf("public bundle %+v", b)
		}
	}
	for _, name := range []string{
		"Standard with Windows 10 (Server 2022 based) (WSP)", "Performance with Windows 10 (Server 2019 based)",
		"Standard with Amazon Linux 2", "Power with Ubuntu 22.04", "Value with Rocky Linux 8",
		"Graphics.g4dn with Windows 10 (Server 2022 based)", "GeneralPurpose.4xlarge with Windows 10 (Server 2022 based) (WSP)",
	} {
		if !names[name] {
			t.Errorf("the catalogue lacks %q", name)
		}
	}

	// Describable by id, as the Terraform data source expects.
	got := bunDescribeIDs(t, e, apptest.AccountB, "wsb-b0s22j3d7", "wsb-clj85qzj1", "wsb-000000000")
	if len(got) != 2 {
		t.Fatalf("by id: %+v", got)
	}
	if b := got[0]; aws.ToString(b.Name) != "Performance with Windows 7" || b.ComputeType.Name != types.ComputePerformance ||
		aws.ToString(b.RootStorage.Capacity) != "80" || aws.ToString(b.UserStorage.Capacity) != "100" || aws.ToString(b.Owner) != "Amazon" {
		t.Errorf("wsb-b0s22j3d7: %+v", b)
	}
	if b := got[1]; aws.ToString(b.Name) != "Standard with Amazon Linux 2" || b.ComputeType.Name != types.ComputeStandard ||
		aws.ToString(b.UserStorage.Capacity) != "50" {
		t.Errorf("wsb-clj85qzj1: %+v", b)
	}
	if b := bunDescribeIDs(t, e, apptest.AccountA, "wsb-df76rqys9"); len(b) != 1 || aws.ToString(b[0].Name) != "Value with Windows 10 and Office 2016" ||
		aws.ToString(b[0].UserStorage.Capacity) != "10" {
		t.Errorf("wsb-df76rqys9: %+v", b)
	}

	_, err := ws.DescribeWorkspaceBundles(e.Ctx(), &workspaces.DescribeWorkspaceBundlesInput{BundleIds: []string{"wsb-b0s22j3d7"}, Owner: aws.String("AMAZON")})
	dirWantCode(t, "BundleIds and Owner", err, "InvalidParameterValuesException")
	own, err := ws.DescribeWorkspaceBundles(e.Ctx(), &workspaces.DescribeWorkspaceBundlesInput{})
	if err != nil || len(own.Bundles) != 0 || own.NextToken != nil {
		t.Errorf("no Owner and no custom bundles: %v %+v", err, own)
	}
	_, err = ws.DescribeWorkspaceBundles(e.Ctx(), &workspaces.DescribeWorkspaceBundlesInput{Owner: aws.String("AMAZON"), NextToken: aws.String("bogus")})
	dirWantCode(t, "bad NextToken", err, "InvalidParameterValuesException")

	// The public images are describable by id through the bundle's image.
	if b := bunDescribeIDs(t, e, apptest.AccountA, "wsb-93xk71ss4"); len(b) != 1 || aws.ToString(b[0].Name) != "Standard with Windows 10 (Server 2022 based) (WSP)" {
		t.Errorf("wsb-93xk71ss4: %+v", b)
	}
}

func TestBundleCreateAndDescribe(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ws := e.WS(apptest.AccountA)
	bunImage(t, e, apptest.AccountA, "wsi-abcdefgh1", deskplane.ImageAvailable, 80, 10)
	out, err := e.WS(apptest.AccountA).CreateWorkspaceBundle(e.Ctx(), &workspaces.CreateWorkspaceBundleInput{
		BundleName:        aws.String("finance-std"),
		BundleDescription: aws.String("Finance desktop (standard)"),
		ImageId:           aws.String("wsi-abcdefgh1"),
		ComputeType:       &types.ComputeType{Name: types.ComputeStandard},
		UserStorage:       &types.UserStorage{Capacity: aws.String("50")},
		Tags:              []types.Tag{{Key: aws.String("team"), Value: aws.String("finance")}},
	})
	if err != nil {
		t.Fatalf("CreateWorkspaceBundle: %v", err)
	}
	b := out.WorkspaceBundle
	id := aws.ToString(b.BundleId)
	if !regexp.MustCompile(`^wsb-[0-9a-z]{9}$`).MatchString(id) || aws.ToString(b.Name) != "finance-std" || aws.ToString(b.Owner) != apptest.AccountA ||
		aws.ToString(b.Description) != "Finance desktop (standard)" || aws.ToString(b.ImageId) != "wsi-abcdefgh1" ||
		aws.ToString(b.RootStorage.Capacity) != "80" || aws.ToString(b.UserStorage.Capacity) != "50" || b.ComputeType.Name != types.ComputeStandard ||
		b.State != types.WorkspaceBundleStateAvailable || b.BundleType != types.BundleTypeRegular || b.CreationTime == nil || b.LastUpdatedTime == nil {
		t.Errorf("created bundle: %+v", b)
	}
	if got := bunDescribeIDs(t, e, apptest.AccountA, id); len(got) != 1 || aws.ToString(got[0].Name) != "finance-std" {
		t.Errorf("by id: %+v", got)
	}
	for _, in := range []*workspaces.DescribeWorkspaceBundlesInput{{}, {Owner: aws.String(apptest.AccountA)}} {
		own, err := ws.DescribeWorkspaceBundles(e.Ctx(), in)
		if err != nil || len(own.Bundles) != 1 || aws.ToString(own.Bundles[0].BundleId) != id {
			t.Errorf("own bundles (%+v): %v %+v", in, err, own)
		}
	}
	tags, err := ws.DescribeTags(e.Ctx(), &workspaces.DescribeTagsInput{ResourceId: aws.String(id)})
	if err != nil || len(tags.TagList) != 1 || aws.ToString(tags.TagList[0].Value) != "finance" {
		t.Errorf("tags: %v %+v", err, tags)
	}
	// Another account sees neither the bundle nor it among its own.
	if got := bunDescribeIDs(t, e, apptest.AccountB, id); len(got) != 0 {
		t.Errorf("account B sees %+v", got)
	}
	if other, err := e.WS(apptest.AccountB).DescribeWorkspaceBundles(e.Ctx(), &workspaces.DescribeWorkspaceBundlesInput{Owner: aws.String(apptest.AccountA)}); err != nil || len(other.Bundles) != 0 {
		t.Errorf("account B lists A's bundles: %v %+v", err, other)
	}

	// Pagination of custom bundles, 25 a page.
	for i := range 29 {
		if _, err := bunCreate(e, apptest.AccountA, "b"+string(rune('a'+i%26))+string(rune('a'+i/26)), "wsi-abcdefgh1", "PERFORMANCE", "", "100"); err != nil {
			t.Fatalf("bundle %d: %v", i, err)
		}
	}
	var ids []string
	pg := workspaces.NewDescribeWorkspaceBundlesPaginator(ws, &workspaces.DescribeWorkspaceBundlesInput{})
	for pg.HasMorePages() {
		out, err := pg.NextPage(e.Ctx())
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range out.Bundles {
			ids = append(ids, aws.ToString(b.BundleId))
		}
	}
	if len(ids) != 30 || ids[0] != id {
		t.Errorf("paged %d custom bundles (first %v), want 30 in creation order", len(ids), ids[:1])
	}
}

func TestBundleCreateErrors(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Config: func(c *app.Config) { c.QuotaBundles = 3 }})
	a := apptest.AccountA
	bunImage(t, e, a, "wsi-abcdefgh1", deskplane.ImageAvailable, 80, 10)
	bunImage(t, e, a, "wsi-pending01", deskplane.ImagePending, 80, 10)
	bunImage(t, e, a, "wsi-bigroot01", deskplane.ImageAvailable, 200, 100)
	// An image of account B shared with A.
	bunImage(t, e, apptest.AccountB, "wsi-sharedb01", deskplane.ImageAvailable, 80, 10)
	dirSeed(t, e, deskplane.Key{Scope: bunScope(a), Kind: deskplane.KindImageShare, ID: "wsi-sharedb01"}, map[string]string{"imageId": "wsi-sharedb01", "owner": apptest.AccountB})

	cases := []struct {
		name, image, compute, root, user, code string
	}{
		{"unknown image", "wsi-000000000", "STANDARD", "80", "50", "ResourceNotFoundException"},
		{"image not AVAILABLE", "wsi-pending01", "STANDARD", "80", "50", "ResourceUnavailableException"},
		{"image shared with the caller", "wsi-sharedb01", "STANDARD", "80", "50", "InvalidParameterValuesException"},
		{"AMAZON image", "wsi-b7n4c2lzr", "STANDARD", "80", "50", "InvalidParameterValuesException"},
		{"80|20 is not a combination", "wsi-abcdefgh1", "STANDARD", "80", "20", "InvalidParameterValuesException"},
		{"150|100 is not a combination", "wsi-abcdefgh1", "POWER", "150", "100", "InvalidParameterValuesException"},
		{"graphics needs 100|100", "wsi-abcdefgh1", "GRAPHICS_G4DN", "80", "100", "InvalidParameterValuesException"},
		{"general purpose needs 175|100", "wsi-abcdefgh1", "GENERALPURPOSE_4XLARGE", "100", "100", "InvalidParameterValuesException"},
		{"over 2000 GB", "wsi-abcdefgh1", "POWER", "2001", "100", "InvalidParameterValuesException"},
		{"not a number", "wsi-abcdefgh1", "STANDARD", "80", "fifty", "InvalidParameterValuesException"},
		{"smaller than the image", "wsi-bigroot01", "POWER", "175", "100", "InvalidParameterValuesException"},
	}
	for _, c := range cases {
		_, err := bunCreate(e, a, "bundle-x", c.image, c.compute, c.root, c.user)
		dirWantCode(t, c.name, err, c.code)
	}
	if _, err := bunCreate(e, a, "graphics", "wsi-abcdefgh1", "GRAPHICS_G4DN", "", "100"); err != nil {
		t.Errorf("graphics with the default root: %v", err)
	}
	if _, err := bunCreate(e, a, "dup", "wsi-abcdefgh1", "VALUE", "80", "10"); err != nil {
		t.Fatal(err)
	}
	_, err := bunCreate(e, a, "dup", "wsi-abcdefgh1", "VALUE", "80", "10")
	dirWantCode(t, "duplicate name", err, "ResourceAlreadyExistsException")
	if _, err := bunCreate(e, apptest.AccountB, "dup", "wsi-sharedb01", "VALUE", "80", "10"); err != nil {
		t.Errorf("the same name in another account: %v", err)
	}
	if _, err := bunCreate(e, a, "third", "wsi-bigroot01", "POWER", "", "100"); err != nil {
		t.Fatalf("third bundle (root defaults to the image's 200): %v", err)
	}
	_, err = bunCreate(e, a, "fourth", "wsi-abcdefgh1", "VALUE", "80", "10")
	dirWantCode(t, "quota of 3", err, "ResourceLimitExceededException")

	own, _ := e.WS(a).DescribeWorkspaceBundles(e.Ctx(), &workspaces.DescribeWorkspaceBundlesInput{})
	var roots []string
	for _, b := range own.Bundles {
		roots = append(roots, aws.ToString(b.Name)+":"+aws.ToString(b.RootStorage.Capacity))
	}
	if !slices.Equal(roots, []string{"graphics:100", "dup:80", "third:200"}) {
		t.Errorf("bundles and roots: %v", roots)
	}
}

func TestBundleUpdateAndDelete(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	a := apptest.AccountA
	ws := e.WS(a)
	bunImage(t, e, a, "wsi-abcdefgh1", deskplane.ImageAvailable, 80, 10)
	bunImage(t, e, a, "wsi-abcdefgh2", deskplane.ImageAvailable, 80, 50)
	bunImage(t, e, a, "wsi-bigroot01", deskplane.ImageAvailable, 200, 100)
	out, err := bunCreate(e, a, "std", "wsi-abcdefgh1", "STANDARD", "80", "50")
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.WorkspaceBundle.BundleId)

	if _, err := ws.UpdateWorkspaceBundle(e.Ctx(), &workspaces.UpdateWorkspaceBundleInput{BundleId: aws.String(id), ImageId: aws.String("wsi-abcdefgh2")}); err != nil {
		t.Fatalf("UpdateWorkspaceBundle: %v", err)
	}
	if got := bunDescribeIDs(t, e, a, id); len(got) != 1 || aws.ToString(got[0].ImageId) != "wsi-abcdefgh2" {
		t.Errorf("after update: %+v", got)
	}
	_, err = ws.UpdateWorkspaceBundle(e.Ctx(), &workspaces.UpdateWorkspaceBundleInput{BundleId: aws.String(id), ImageId: aws.String("wsi-bigroot01")})
	dirWantCode(t, "image larger than the bundle", err, "InvalidParameterValuesException")
	_, err = ws.UpdateWorkspaceBundle(e.Ctx(), &workspaces.UpdateWorkspaceBundleInput{BundleId: aws.String("wsb-b0s22j3d7"), ImageId: aws.String("wsi-abcdefgh2")})
	dirWantCode(t, "update a public bundle", err, "OperationNotSupportedException")
	_, err = ws.UpdateWorkspaceBundle(e.Ctx(), &workspaces.UpdateWorkspaceBundleInput{BundleId: aws.String("wsb-000000000"), ImageId: aws.String("wsi-abcdefgh2")})
	dirWantCode(t, "update unknown", err, "ResourceNotFoundException")
	_, err = ws.UpdateWorkspaceBundle(e.Ctx(), &workspaces.UpdateWorkspaceBundleInput{BundleId: aws.String(id), ImageId: aws.String("wsi-000000000")})
	dirWantCode(t, "update to an unknown image", err, "ResourceNotFoundException")
	_, err = ws.UpdateWorkspaceBundle(e.Ctx(), &workspaces.UpdateWorkspaceBundleInput{BundleId: aws.String(id)})
	dirWantCode(t, "update without an image", err, "InvalidParameterValuesException")

	// Associations: the applications of the bundle's image (none on this
	// one; Office 2016 on the public "Value with Windows 10 and Office
	// 2016"); an unknown bundle is not found.
	as, err := ws.DescribeBundleAssociations(e.Ctx(), &workspaces.DescribeBundleAssociationsInput{BundleId: aws.String(id),
		AssociatedResourceTypes: []types.BundleAssociatedResourceType{types.BundleAssociatedResourceTypeApplication}})
	if err != nil || as.Associations == nil || len(as.Associations) != 0 {
		t.Errorf("DescribeBundleAssociations: %v %+v", err, as)
	}
	as, err = ws.DescribeBundleAssociations(e.Ctx(), &workspaces.DescribeBundleAssociationsInput{BundleId: aws.String("wsb-df76rqys9"),
		AssociatedResourceTypes: []types.BundleAssociatedResourceType{types.BundleAssociatedResourceTypeApplication}})
	if err != nil || len(as.Associations) != 1 || aws.ToString(as.Associations[0].BundleId) != "wsb-df76rqys9" ||
		as.Associations[0].AssociatedResourceType != types.BundleAssociatedResourceTypeApplication ||
		!regexp.MustCompile(`^wsa-`).MatchString(aws.ToString(as.Associations[0].AssociatedResourceId)) ||
		as.Associations[0].State != types.AssociationStateCompleted {
		t.Errorf("associations of the Office 2016 bundle: %v %+v", err, as)
	}
	_, err = ws.DescribeBundleAssociations(e.Ctx(), &workspaces.DescribeBundleAssociationsInput{BundleId: aws.String("wsb-000000000"),
		AssociatedResourceTypes: []types.BundleAssociatedResourceType{types.BundleAssociatedResourceTypeApplication}})
	dirWantCode(t, "associations of unknown", err, "ResourceNotFoundException")

	// Delete: refused while a WorkSpace uses it.
	wsKey := deskplane.Key{Scope: bunScope(a), Kind: deskplane.KindWorkspace, ID: "ws-abcdefgh1"}
	dirSeed(t, e, wsKey, deskplane.Workspace{ID: "ws-abcdefgh1", DirectoryID: "d-0123456789", UserName: "bob", BundleID: id, State: "STOPPED"})
	_, err = ws.DeleteWorkspaceBundle(e.Ctx(), &workspaces.DeleteWorkspaceBundleInput{BundleId: aws.String(id)})
	dirWantCode(t, "delete a bundle in use", err, "ResourceAssociatedException")
	dirSeed(t, e, wsKey, deskplane.Workspace{ID: "ws-abcdefgh1", DirectoryID: "d-0123456789", UserName: "bob", BundleID: id, State: "TERMINATED"})
	if _, err := ws.DeleteWorkspaceBundle(e.Ctx(), &workspaces.DeleteWorkspaceBundleInput{BundleId: aws.String(id)}); err != nil {
		t.Fatalf("DeleteWorkspaceBundle: %v", err)
	}
	if got := bunDescribeIDs(t, e, a, id); len(got) != 0 {
		t.Errorf("deleted bundle still described: %+v", got)
	}
	_, err = ws.DescribeTags(e.Ctx(), &workspaces.DescribeTagsInput{ResourceId: aws.String(id)})
	dirWantCode(t, "tags of a deleted bundle", err, "ResourceNotFoundException")
	_, err = ws.DeleteWorkspaceBundle(e.Ctx(), &workspaces.DeleteWorkspaceBundleInput{BundleId: aws.String(id)})
	dirWantCode(t, "delete twice", err, "ResourceNotFoundException")
	_, err = ws.DeleteWorkspaceBundle(e.Ctx(), &workspaces.DeleteWorkspaceBundleInput{BundleId: aws.String("wsb-clj85qzj1")})
	dirWantCode(t, "delete a public bundle", err, "AccessDeniedException")
	// The name is free again.
	if _, err := bunCreate(e, a, "std", "wsi-abcdefgh1", "STANDARD", "80", "50"); err != nil {
		t.Errorf("reuse the name: %v", err)
	}
}

// TestBundleEventualConsistencyOnDemand: with the control setting, a new
// custom bundle is not returned by DescribeWorkspaceBundles for the chosen
// window (issue 12 item 14; docs/decisions/0325-eventual-consistency-on-demand.md).
func TestBundleEventualConsistencyOnDemand(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	bunImage(t, e, apptest.AccountA, "wsi-abcdefgh1", deskplane.ImageAvailable, 175, 100)
	e.Control("POST", "eventual-consistency", map[string]any{"account": apptest.AccountA, "region": apptest.Region, "describeDelaySeconds": 60}, nil)
	out, err := bunCreate(e, apptest.AccountA, "late", "wsi-abcdefgh1", "STANDARD", "175", "100")
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.WorkspaceBundle.BundleId)
	if got := bunDescribeIDs(t, e, apptest.AccountA, id); len(got) != 0 {
		t.Fatalf("by id within the window: %+v", got)
	}
	own, err := e.WS(apptest.AccountA).DescribeWorkspaceBundles(e.Ctx(), &workspaces.DescribeWorkspaceBundlesInput{})
	if err != nil || len(own.Bundles) != 0 {
		t.Fatalf("listed within the window: %v %+v", err, own)
	}
	e.Advance(61 * time.Second)
	if got := bunDescribeIDs(t, e, apptest.AccountA, id); len(got) != 1 {
		t.Fatalf("by id after the window: %+v", got)
	}
}
