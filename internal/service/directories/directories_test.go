package directories_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
)

// Directory Service directories and their WorkSpaces registration, driven
// by the real SDK clients. Timing "realistic" with the frozen clock makes
// every step visible: a directory takes 2 minutes per stage, a
// registration 3 minutes (deskplane.realisticDurations).

const dirPassword = "Sup3r-Secret!"

func dirStart(t *testing.T) *apptest.Env {
	t.Helper()
	e := apptest.Start(t, apptest.Options{})
	e.SetTiming("realistic")
	return e
}

var dirSubnets = []string{"subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"}

func dirCreateSimpleAD(t *testing.T, e *apptest.Env, account string, tags ...dstypes.Tag) string {
	t.Helper()
	out, err := e.DS(account).CreateDirectory(e.Ctx(), &directoryservice.CreateDirectoryInput{
		Name:        aws.String("corp.example.com"),
		Password:    aws.String(dirPassword),
		Size:        dstypes.DirectorySizeSmall,
		Description: aws.String("Test directory"),
		VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: aws.String("vpc-0123456789abcdef0"), SubnetIds: dirSubnets},
		Tags:        tags,
	})
	if err != nil {
		t.Fatalf("CreateDirectory: %v", err)
	}
	return aws.ToString(out.DirectoryId)
}

func dirDescribe(t *testing.T, e *apptest.Env, account, id string) dstypes.DirectoryDescription {
	t.Helper()
	out, err := e.DS(account).DescribeDirectories(e.Ctx(), &directoryservice.DescribeDirectoriesInput{DirectoryIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeDirectories %s: %v", id, err)
	}
	if len(out.DirectoryDescriptions) != 1 {
		t.Fatalf("DescribeDirectories %s: %d descriptions", id, len(out.DirectoryDescriptions))
	}
	return out.DirectoryDescriptions[0]
}

// dirActive creates a Simple AD directory and walks it to Active.
func dirActive(t *testing.T, e *apptest.Env, account string) string {
	t.Helper()
	id := dirCreateSimpleAD(t, e, account)
	e.Advance(4 * time.Minute)
	if st := dirDescribe(t, e, account, id).Stage; st != dstypes.DirectoryStageActive {
		t.Fatalf("directory %s is %s after 4 minutes", id, st)
	}
	return id
}

// dirRegistered creates, activates and registers a directory.
func dirRegistered(t *testing.T, e *apptest.Env, account string) string {
	t.Helper()
	id := dirActive(t, e, account)
	if _, err := e.WS(account).RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id)}); err != nil {
		t.Fatalf("RegisterWorkspaceDirectory: %v", err)
	}
	e.Advance(3 * time.Minute)
	return id
}

func wsDirectory(t *testing.T, e *apptest.Env, account, id string) (types.WorkspaceDirectory, bool) {
	t.Helper()
	out, err := e.WS(account).DescribeWorkspaceDirectories(e.Ctx(), &workspaces.DescribeWorkspaceDirectoriesInput{DirectoryIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeWorkspaceDirectories: %v", err)
	}
	if len(out.Directories) == 0 {
		return types.WorkspaceDirectory{}, false
	}
	return out.Directories[0], true
}

func dirWantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apptest.ErrorCode(err); got != code {
		t.Errorf("%s: error %q (%v), want %s", what, got, err, code)
	}
}

func dirSeed(t *testing.T, e *apptest.Env, key deskplane.Key, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.App.Store.Update(context.Background(), func(tx deskplane.Tx) error {
		_, err := tx.Put(key, b)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func TestDirectoryRegistration(t *testing.T) {
	e := dirStart(t)
	ws := e.WS(apptest.AccountA)
	register := func(in *workspaces.RegisterWorkspaceDirectoryInput) (*workspaces.RegisterWorkspaceDirectoryOutput, error) {
		return ws.RegisterWorkspaceDirectory(e.Ctx(), in)
	}
	_, err := register(&workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String("d-0000000000")})
	dirWantCode(t, "unknown directory", err, "ResourceNotFoundException")

	id := dirCreateSimpleAD(t, e, apptest.AccountA)
	_, err = register(&workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id)})
	dirWantCode(t, "directory still Requested", err, "InvalidResourceStateException")
	if err != nil && !strings.Contains(err.Error(), "Confirm that the directory has a status of Active") {
		t.Errorf("message: %v", err)
	}
	e.Advance(4 * time.Minute)

	_, err = register(&workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id), SubnetIds: []string{"subnet-11111111", "subnet-22222222", "subnet-33333333"}})
	dirWantCode(t, "three subnets (the model allows two)", err, "ValidationException")
	_, err = register(&workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id), SubnetIds: []string{"subnet-11111111", "subnet-11111111"}})
	dirWantCode(t, "one Availability Zone", err, "OperationNotSupportedException")
	_, err = register(&workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id), SubnetIds: []string{"subnet-11111111"}})
	dirWantCode(t, "one subnet", err, "OperationNotSupportedException")
	_, err = register(&workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id), Tenancy: types.TenancyDedicated})
	dirWantCode(t, "DEDICATED without BYOL", err, "InvalidParameterValuesException")

	out, err := register(&workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("it")}}})
	if err != nil {
		t.Fatalf("RegisterWorkspaceDirectory: %v", err)
	}
	if aws.ToString(out.DirectoryId) != id || out.State != types.WorkspaceDirectoryStateRegistering {
		t.Errorf("register answered %+v", out)
	}
	w, ok := wsDirectory(t, e, apptest.AccountA, id)
	if !ok || w.State != types.WorkspaceDirectoryStateRegistering {
		t.Errorf("right after registering: %+v", w)
	}
	_, err = register(&workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id)})
	dirWantCode(t, "registered twice", err, "ResourceAlreadyExistsException")

	e.Advance(3 * time.Minute)
	w, _ = wsDirectory(t, e, apptest.AccountA, id)
	d := dirDescribe(t, e, apptest.AccountA, id)
	if w.State != types.WorkspaceDirectoryStateRegistered || aws.ToString(w.Alias) != id || aws.ToString(w.DirectoryName) != "corp.example.com" ||
		w.DirectoryType != types.WorkspaceDirectoryTypeSimpleAd || aws.ToString(w.CustomerUserName) != "Administrator" ||
		aws.ToString(w.IamRoleId) != "arn:aws:iam::"+apptest.AccountA+":role/workspaces_DefaultRole" ||
		!regexp.MustCompile(`^SLiad\+[A-Z0-9]{6}$`).MatchString(aws.ToString(w.RegistrationCode)) ||
		!regexp.MustCompile(`^sg-[0-9a-f]{17}$`).MatchString(aws.ToString(w.WorkspaceSecurityGroupId)) ||
		!slices.Equal(w.SubnetIds, dirSubnets) || !slices.Equal(w.DnsIpAddresses, d.DnsIpAddrs) ||
		w.Tenancy != types.TenancyShared || w.WorkspaceType != types.WorkspaceTypePersonal ||
		w.UserIdentityType != types.UserIdentityTypeAwsDirectoryService || w.IpGroupIds == nil ||
		w.EndpointEncryptionMode != types.EndpointEncryptionModeStandardTls {
		t.Errorf("registered directory: %+v", w)
	}
	// The defaults of a new registration (Terraform's acceptance test reads them).
	cp := w.WorkspaceCreationProperties
	if cp == nil || aws.ToBool(cp.EnableInternetAccess) || !aws.ToBool(cp.EnableMaintenanceMode) ||
		!aws.ToBool(cp.UserEnabledAsLocalAdministrator) || cp.DefaultOu != nil || cp.CustomSecurityGroupId != nil {
		t.Errorf("creation properties: %+v", cp)
	}
	sp := w.SelfservicePermissions
	if sp == nil || sp.RestartWorkspace != types.ReconnectEnumEnabled || sp.IncreaseVolumeSize != types.ReconnectEnumDisabled ||
		sp.ChangeComputeType != types.ReconnectEnumDisabled || sp.SwitchRunningMode != types.ReconnectEnumDisabled || sp.RebuildWorkspace != types.ReconnectEnumDisabled {
		t.Errorf("self-service permissions: %+v", sp)
	}
	ap := w.WorkspaceAccessProperties
	allow, deny := types.AccessPropertyValueAllow, types.AccessPropertyValueDeny
	if ap == nil || ap.DeviceTypeWindows != allow || ap.DeviceTypeOsx != allow || ap.DeviceTypeWeb != deny || ap.DeviceTypeIos != allow ||
		ap.DeviceTypeAndroid != allow || ap.DeviceTypeChromeOs != allow || ap.DeviceTypeZeroClient != allow || ap.DeviceTypeLinux != deny {
		t.Errorf("access properties: %+v", ap)
	}
	if s := w.SamlProperties; s == nil || s.Status != types.SamlStatusEnumDisabled || aws.ToString(s.RelayStateParameterName) != "RelayState" || s.UserAccessUrl == nil {
		t.Errorf("SAML properties: %+v", s)
	}
	if c := w.CertificateBasedAuthProperties; c == nil || c.Status != types.CertificateBasedAuthStatusEnumDisabled {
		t.Errorf("certificate-based auth: %+v", c)
	}
	tags, err := ws.DescribeTags(e.Ctx(), &workspaces.DescribeTagsInput{ResourceId: aws.String(id)})
	if err != nil || len(tags.TagList) != 1 {
		t.Errorf("tags at registration: %v %+v", err, tags)
	}

	// Deleting the Directory Service directory is refused while registered.
	_, err = e.DS(apptest.AccountA).DeleteDirectory(e.Ctx(), &directoryservice.DeleteDirectoryInput{DirectoryId: aws.String(id)})
	dirWantCode(t, "delete a registered directory", err, "ClientException")
	if err != nil && !strings.Contains(err.Error(), "authorized applications") {
		t.Errorf("message: %v", err)
	}
}

func TestDirectoryRegistrationTenancyAndQuota(t *testing.T) {
	e := dirStart(t)
	ws := e.WS(apptest.AccountA)
	id := dirActive(t, e, apptest.AccountA)
	sc := deskplane.Scope{Account: apptest.AccountA, Region: apptest.Region}
	dirSeed(t, e, deskplane.Key{Scope: sc, Kind: deskplane.KindAccount, ID: "account"}, map[string]string{"dedicatedTenancySupport": "ENABLED"})
	if _, err := ws.RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id), Tenancy: types.TenancyDedicated}); err != nil {
		t.Fatalf("DEDICATED with BYOL enabled: %v", err)
	}
	if w, _ := wsDirectory(t, e, apptest.AccountA, id); w.Tenancy != types.TenancyDedicated {
		t.Errorf("tenancy %s", w.Tenancy)
	}

	// 50 registrations is the quota.
	for i := range 49 {
		did := fmt.Sprintf("d-%010x", 0xa0000000+i)
		dirSeed(t, e, deskplane.Key{Scope: sc, Kind: deskplane.KindDirectory, ID: did}, deskplane.Directory{ID: did, State: "REGISTERED"})
	}
	id2 := dirActive(t, e, apptest.AccountA)
	_, err := ws.RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id2)})
	dirWantCode(t, "51st registration", err, "ResourceLimitExceededException")
}

func TestDirectoryDeregistration(t *testing.T) {
	e := dirStart(t)
	ws := e.WS(apptest.AccountA)
	_, err := ws.DeregisterWorkspaceDirectory(e.Ctx(), &workspaces.DeregisterWorkspaceDirectoryInput{DirectoryId: aws.String("d-0000000000")})
	dirWantCode(t, "deregister unknown", err, "ResourceNotFoundException")

	id := dirActive(t, e, apptest.AccountA)
	if _, err := ws.RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	_, err = ws.DeregisterWorkspaceDirectory(e.Ctx(), &workspaces.DeregisterWorkspaceDirectoryInput{DirectoryId: aws.String(id)})
	dirWantCode(t, "deregister while REGISTERING", err, "InvalidResourceStateException")
	e.Advance(3 * time.Minute)

	sc := deskplane.Scope{Account: apptest.AccountA, Region: apptest.Region}
	wsKey := deskplane.Key{Scope: sc, Kind: deskplane.KindWorkspace, ID: "ws-abcdefgh1"}
	dirSeed(t, e, wsKey, deskplane.Workspace{ID: "ws-abcdefgh1", DirectoryID: id, UserName: "alice", BundleID: "wsb-gk1wpk43z", State: "AVAILABLE"})
	_, err = ws.DeregisterWorkspaceDirectory(e.Ctx(), &workspaces.DeregisterWorkspaceDirectoryInput{DirectoryId: aws.String(id)})
	dirWantCode(t, "deregister with WorkSpaces", err, "OperationNotSupportedException")
	if err := e.App.Store.Update(context.Background(), func(tx deskplane.Tx) error { _, err := tx.Delete(wsKey); return err }); err != nil {
		t.Fatal(err)
	}

	if _, err := ws.DeregisterWorkspaceDirectory(e.Ctx(), &workspaces.DeregisterWorkspaceDirectoryInput{DirectoryId: aws.String(id)}); err != nil {
		t.Fatalf("DeregisterWorkspaceDirectory: %v", err)
	}
	if w, ok := wsDirectory(t, e, apptest.AccountA, id); !ok || w.State != types.WorkspaceDirectoryStateDeregistering {
		t.Errorf("after deregistering: %+v", w)
	}
	e.Advance(2 * time.Minute)
	if w, ok := wsDirectory(t, e, apptest.AccountA, id); ok {
		t.Errorf("still described after deregistration: %+v", w)
	}
	// Now the directory can be deleted, and registered again before that.
	if _, err := e.DS(apptest.AccountA).DeleteDirectory(e.Ctx(), &directoryservice.DeleteDirectoryInput{DirectoryId: aws.String(id)}); err != nil {
		t.Errorf("DeleteDirectory after deregistration: %v", err)
	}
}

func TestDirectoryRegistrationFault(t *testing.T) {
	e := dirStart(t)
	id := dirActive(t, e, apptest.AccountA)
	e.Control("POST", "faults/transitions", map[string]any{"kind": "directory", "resourceId": id, "state": "ERROR", "errorMessage": "The directory could not be reached."}, nil)
	if _, err := e.WS(apptest.AccountA).RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	e.Advance(3 * time.Minute)
	w, _ := wsDirectory(t, e, apptest.AccountA, id)
	if w.State != types.WorkspaceDirectoryStateError || aws.ToString(w.ErrorMessage) != "The directory could not be reached." {
		t.Errorf("failed registration: %s %q", w.State, aws.ToString(w.ErrorMessage))
	}
	// An ERROR registration can be deregistered.
	if _, err := e.WS(apptest.AccountA).DeregisterWorkspaceDirectory(e.Ctx(), &workspaces.DeregisterWorkspaceDirectoryInput{DirectoryId: aws.String(id)}); err != nil {
		t.Errorf("deregister ERROR: %v", err)
	}
}

func TestDirectoryDescribeFiltersAndPages(t *testing.T) {
	e := dirStart(t)
	ws := e.WS(apptest.AccountA)
	var ids []string
	for range 3 {
		ids = append(ids, dirRegistered(t, e, apptest.AccountA))
	}
	pool, err := ws.RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{
		WorkspaceType:                 types.WorkspaceTypePools,
		WorkspaceDirectoryName:        aws.String("pool-dir"),
		WorkspaceDirectoryDescription: aws.String("Pools directory"),
		UserIdentityType:              types.UserIdentityTypeCustomerManaged,
		SubnetIds:                     dirSubnets,
	})
	if err != nil {
		t.Fatalf("register pools directory: %v", err)
	}
	poolID := aws.ToString(pool.DirectoryId)
	if !regexp.MustCompile(`^wsd-[0-9a-z]{9}$`).MatchString(poolID) {
		t.Errorf("pools directory id %q", poolID)
	}
	_, err = ws.RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{WorkspaceType: types.WorkspaceTypePools})
	dirWantCode(t, "pools without a name", err, "InvalidParameterValuesException")
	e.Advance(3 * time.Minute)

	var got []string
	var token *string
	for {
		out, err := ws.DescribeWorkspaceDirectories(e.Ctx(), &workspaces.DescribeWorkspaceDirectoriesInput{Limit: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Directories) > 2 {
			t.Errorf("page of %d", len(out.Directories))
		}
		for _, d := range out.Directories {
			got = append(got, aws.ToString(d.DirectoryId))
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if !slices.Equal(got, append(slices.Clone(ids), poolID)) {
		t.Errorf("paged %v, want %v and %s", got, ids, poolID)
	}
	out, err := ws.DescribeWorkspaceDirectories(e.Ctx(), &workspaces.DescribeWorkspaceDirectoriesInput{
		Filters: []types.DescribeWorkspaceDirectoriesFilter{{Name: types.DescribeWorkspaceDirectoriesFilterNameWorkspaceType, Values: []string{"POOLS"}}}})
	if err != nil || len(out.Directories) != 1 {
		t.Fatalf("filter POOLS: %v %+v", err, out)
	}
	p := out.Directories[0]
	if aws.ToString(p.DirectoryId) != poolID || aws.ToString(p.WorkspaceDirectoryName) != "pool-dir" || p.DirectoryType != types.WorkspaceDirectoryTypeCustomerManaged ||
		p.SelfservicePermissions != nil || p.State != types.WorkspaceDirectoryStateRegistered {
		t.Errorf("pools directory: %+v", p)
	}
	out, err = ws.DescribeWorkspaceDirectories(e.Ctx(), &workspaces.DescribeWorkspaceDirectoriesInput{WorkspaceDirectoryNames: []string{"pool-dir"}})
	if err != nil || len(out.Directories) != 1 {
		t.Errorf("by name: %v %+v", err, out)
	}
	out, err = ws.DescribeWorkspaceDirectories(e.Ctx(), &workspaces.DescribeWorkspaceDirectoriesInput{DirectoryIds: []string{ids[1], "d-0000000000"}})
	if err != nil || len(out.Directories) != 1 || aws.ToString(out.Directories[0].DirectoryId) != ids[1] {
		t.Errorf("by ids: %v %+v", err, out)
	}
	_, err = ws.DescribeWorkspaceDirectories(e.Ctx(), &workspaces.DescribeWorkspaceDirectoriesInput{Limit: aws.Int32(26)})
	dirWantCode(t, "Limit 26", err, "ValidationException")
	other, err := e.WS(apptest.AccountB).DescribeWorkspaceDirectories(e.Ctx(), &workspaces.DescribeWorkspaceDirectoriesInput{})
	if err != nil || len(other.Directories) != 0 {
		t.Errorf("account B sees %v %+v", err, other)
	}
}

func TestDirectorySettingsReadBack(t *testing.T) {
	e := dirStart(t)
	ws := e.WS(apptest.AccountA)
	id := dirRegistered(t, e, apptest.AccountA)
	ctx := e.Ctx()

	_, err := ws.ModifyWorkspaceCreationProperties(ctx, &workspaces.ModifyWorkspaceCreationPropertiesInput{ResourceId: aws.String(id),
		WorkspaceCreationProperties: &types.WorkspaceCreationProperties{
			EnableInternetAccess:  aws.Bool(true),
			DefaultOu:             aws.String("OU=WorkSpaces,DC=corp,DC=example,DC=com"),
			CustomSecurityGroupId: aws.String("sg-0123456789abcdef0"),
			EnableMaintenanceMode: aws.Bool(false),
			InstanceIamRoleArn:    aws.String("arn:aws:iam::000000000000:role/ws-instance"),
		}})
	if err != nil {
		t.Fatalf("ModifyWorkspaceCreationProperties: %v", err)
	}
	_, err = ws.ModifySelfservicePermissions(ctx, &workspaces.ModifySelfservicePermissionsInput{ResourceId: aws.String(id),
		SelfservicePermissions: &types.SelfservicePermissions{RebuildWorkspace: types.ReconnectEnumEnabled, RestartWorkspace: types.ReconnectEnumDisabled}})
	if err != nil {
		t.Fatalf("ModifySelfservicePermissions: %v", err)
	}
	_, err = ws.ModifyWorkspaceAccessProperties(ctx, &workspaces.ModifyWorkspaceAccessPropertiesInput{ResourceId: aws.String(id),
		WorkspaceAccessProperties: &types.WorkspaceAccessProperties{DeviceTypeWeb: types.AccessPropertyValueAllow, DeviceTypeIos: types.AccessPropertyValueDeny,
			DeviceTypeWorkSpacesThinClient: types.AccessPropertyValueAllow}})
	if err != nil {
		t.Fatalf("ModifyWorkspaceAccessProperties: %v", err)
	}
	_, err = ws.ModifySamlProperties(ctx, &workspaces.ModifySamlPropertiesInput{ResourceId: aws.String(id),
		SamlProperties: &types.SamlProperties{Status: types.SamlStatusEnumEnabled}})
	dirWantCode(t, "SAML enabled without a user access URL", err, "InvalidParameterValuesException")
	_, err = ws.ModifySamlProperties(ctx, &workspaces.ModifySamlPropertiesInput{ResourceId: aws.String(id),
		SamlProperties: &types.SamlProperties{Status: types.SamlStatusEnumEnabled, UserAccessUrl: aws.String("https://idp.example.com/sso"), RelayStateParameterName: aws.String("RS")}})
	if err != nil {
		t.Fatalf("ModifySamlProperties: %v", err)
	}
	_, err = ws.ModifyCertificateBasedAuthProperties(ctx, &workspaces.ModifyCertificateBasedAuthPropertiesInput{ResourceId: aws.String(id),
		CertificateBasedAuthProperties: &types.CertificateBasedAuthProperties{Status: types.CertificateBasedAuthStatusEnumEnabled}})
	dirWantCode(t, "certificate auth without a CA", err, "InvalidParameterValuesException")
	ca := "arn:aws:acm-pca:us-east-1:000000000000:certificate-authority/12345678-1234-1234-1234-123456789012"
	_, err = ws.ModifyCertificateBasedAuthProperties(ctx, &workspaces.ModifyCertificateBasedAuthPropertiesInput{ResourceId: aws.String(id),
		CertificateBasedAuthProperties: &types.CertificateBasedAuthProperties{Status: types.CertificateBasedAuthStatusEnumEnabled, CertificateAuthorityArn: aws.String(ca)}})
	if err != nil {
		t.Fatalf("ModifyCertificateBasedAuthProperties: %v", err)
	}
	_, err = ws.ModifyStreamingProperties(ctx, &workspaces.ModifyStreamingPropertiesInput{ResourceId: aws.String(id),
		StreamingProperties: &types.StreamingProperties{
			StreamingExperiencePreferredProtocol: types.StreamingExperiencePreferredProtocolEnumUdp,
			UserSettings: []types.UserSetting{{Action: types.UserSettingActionEnumClipboardCopyFromLocalDevice, Permission: types.UserSettingPermissionEnumDisabled},
				{Action: types.UserSettingActionEnumClipboardCopyToLocalDevice, Permission: types.UserSettingPermissionEnumEnabled, MaximumLength: aws.Int32(1024)}},
			StorageConnectors: []types.StorageConnector{{ConnectorType: types.StorageConnectorTypeEnumHomeFolder, Status: types.StorageConnectorStatusEnumEnabled}},
		}})
	if err != nil {
		t.Fatalf("ModifyStreamingProperties: %v", err)
	}
	_, err = ws.ModifyClientProperties(ctx, &workspaces.ModifyClientPropertiesInput{ResourceId: aws.String(id),
		ClientProperties: &types.ClientProperties{ReconnectEnabled: types.ReconnectEnumDisabled}})
	if err != nil {
		t.Fatalf("ModifyClientProperties: %v", err)
	}

	w, _ := wsDirectory(t, e, apptest.AccountA, id)
	cp := w.WorkspaceCreationProperties
	if !aws.ToBool(cp.EnableInternetAccess) || aws.ToString(cp.DefaultOu) != "OU=WorkSpaces,DC=corp,DC=example,DC=com" ||
		aws.ToString(cp.CustomSecurityGroupId) != "sg-0123456789abcdef0" || aws.ToBool(cp.EnableMaintenanceMode) ||
		!aws.ToBool(cp.UserEnabledAsLocalAdministrator) || aws.ToString(cp.InstanceIamRoleArn) != "arn:aws:iam::000000000000:role/ws-instance" {
		t.Errorf("creation properties: %+v", cp)
	}
	sp := w.SelfservicePermissions
	if sp.RebuildWorkspace != types.ReconnectEnumEnabled || sp.RestartWorkspace != types.ReconnectEnumDisabled || sp.ChangeComputeType != types.ReconnectEnumDisabled {
		t.Errorf("self-service: %+v", sp)
	}
	ap := w.WorkspaceAccessProperties
	if ap.DeviceTypeWeb != types.AccessPropertyValueAllow || ap.DeviceTypeIos != types.AccessPropertyValueDeny ||
		ap.DeviceTypeWindows != types.AccessPropertyValueAllow || ap.DeviceTypeWorkSpacesThinClient != types.AccessPropertyValueAllow {
		t.Errorf("access: %+v", ap)
	}
	if s := w.SamlProperties; s.Status != types.SamlStatusEnumEnabled || aws.ToString(s.UserAccessUrl) != "https://idp.example.com/sso" || aws.ToString(s.RelayStateParameterName) != "RS" {
		t.Errorf("SAML: %+v", s)
	}
	if c := w.CertificateBasedAuthProperties; c.Status != types.CertificateBasedAuthStatusEnumEnabled || aws.ToString(c.CertificateAuthorityArn) != ca {
		t.Errorf("certificate auth: %+v", c)
	}
	st := w.StreamingProperties
	if st == nil || st.StreamingExperiencePreferredProtocol != types.StreamingExperiencePreferredProtocolEnumUdp || len(st.UserSettings) != 2 ||
		aws.ToInt32(st.UserSettings[1].MaximumLength) != 1024 || len(st.StorageConnectors) != 1 || st.StorageConnectors[0].ConnectorType != types.StorageConnectorTypeEnumHomeFolder {
		t.Errorf("streaming: %+v", st)
	}
	cps, err := ws.DescribeClientProperties(ctx, &workspaces.DescribeClientPropertiesInput{ResourceIds: []string{id}})
	if err != nil || len(cps.ClientPropertiesList) != 1 || aws.ToString(cps.ClientPropertiesList[0].ResourceId) != id ||
		cps.ClientPropertiesList[0].ClientProperties.ReconnectEnabled != types.ReconnectEnumDisabled ||
		cps.ClientPropertiesList[0].ClientProperties.LogUploadEnabled != types.LogUploadEnumEnabled {
		t.Errorf("DescribeClientProperties: %v %+v", err, cps)
	}

	// SAML cannot be turned off under certificate auth; deleting properties
	// returns them to their defaults.
	_, err = ws.ModifySamlProperties(ctx, &workspaces.ModifySamlPropertiesInput{ResourceId: aws.String(id), SamlProperties: &types.SamlProperties{Status: types.SamlStatusEnumDisabled}})
	dirWantCode(t, "disable SAML under certificate auth", err, "OperationNotSupportedException")
	_, err = ws.ModifyCertificateBasedAuthProperties(ctx, &workspaces.ModifyCertificateBasedAuthPropertiesInput{ResourceId: aws.String(id),
		CertificateBasedAuthProperties: &types.CertificateBasedAuthProperties{Status: types.CertificateBasedAuthStatusEnumDisabled},
		PropertiesToDelete:             []types.DeletableCertificateBasedAuthProperty{types.DeletableCertificateBasedAuthPropertyCertificateBasedAuthPropertiesCertificateAuthorityArn}})
	if err != nil {
		t.Fatalf("disable certificate auth: %v", err)
	}
	_, err = ws.ModifySamlProperties(ctx, &workspaces.ModifySamlPropertiesInput{ResourceId: aws.String(id),
		SamlProperties: &types.SamlProperties{Status: types.SamlStatusEnumDisabled},
		PropertiesToDelete: []types.DeletableSamlProperty{types.DeletableSamlPropertySamlPropertiesUserAccessUrl,
			types.DeletableSamlPropertySamlPropertiesRelayStateParameterName}})
	if err != nil {
		t.Fatalf("ModifySamlProperties delete: %v", err)
	}
	_, err = ws.ModifySamlProperties(ctx, &workspaces.ModifySamlPropertiesInput{ResourceId: aws.String(id),
		SamlProperties:     &types.SamlProperties{UserAccessUrl: aws.String("https://idp.example.com/x")},
		PropertiesToDelete: []types.DeletableSamlProperty{types.DeletableSamlPropertySamlPropertiesUserAccessUrl}})
	dirWantCode(t, "set and delete at once", err, "InvalidParameterValuesException")
	w, _ = wsDirectory(t, e, apptest.AccountA, id)
	if s := w.SamlProperties; s.Status != types.SamlStatusEnumDisabled || aws.ToString(s.UserAccessUrl) != "" || aws.ToString(s.RelayStateParameterName) != "RelayState" {
		t.Errorf("SAML after delete: %+v", s)
	}
	if c := w.CertificateBasedAuthProperties; c.Status != types.CertificateBasedAuthStatusEnumDisabled || c.CertificateAuthorityArn != nil {
		t.Errorf("certificate auth after delete: %+v", c)
	}

	// Unknown directories.
	_, err = ws.ModifyWorkspaceAccessProperties(ctx, &workspaces.ModifyWorkspaceAccessPropertiesInput{ResourceId: aws.String("d-0000000000"),
		WorkspaceAccessProperties: &types.WorkspaceAccessProperties{DeviceTypeWeb: types.AccessPropertyValueAllow}})
	dirWantCode(t, "modify unknown", err, "ResourceNotFoundException")
	_, err = ws.DescribeClientProperties(ctx, &workspaces.DescribeClientPropertiesInput{ResourceIds: []string{id, "d-0000000000"}})
	dirWantCode(t, "client properties of unknown", err, "ResourceNotFoundException")
	_, err = e.WS(apptest.AccountB).ModifySelfservicePermissions(ctx, &workspaces.ModifySelfservicePermissionsInput{ResourceId: aws.String(id),
		SelfservicePermissions: &types.SelfservicePermissions{RebuildWorkspace: types.ReconnectEnumEnabled}})
	dirWantCode(t, "B modifies A's directory", err, "ResourceNotFoundException")
}
