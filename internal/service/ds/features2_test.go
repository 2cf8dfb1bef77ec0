package ds_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

func TestSharingBetweenAccounts(t *testing.T) {
	e := dirStart(t)
	dsA, dsB := e.DS(apptest.AccountA), e.DS(apptest.AccountB)
	id := msAD(t, e, apptest.AccountA, dstypes.DirectoryEditionStandard)
	share := func(account string, m dstypes.ShareMethod) (*directoryservice.ShareDirectoryOutput, error) {
		return dsA.ShareDirectory(e.Ctx(), &directoryservice.ShareDirectoryInput{DirectoryId: aws.String(id), ShareMethod: m,
			ShareTarget: &dstypes.ShareTarget{Id: aws.String(account), Type: dstypes.TargetTypeAccount}, ShareNotes: aws.String("for B")})
	}
	_, err := share(apptest.AccountA, dstypes.ShareMethodHandshake)
	dirWantCode(t, "share with itself", err, "InvalidTargetException")
	out := must[*directoryservice.ShareDirectoryOutput](t, "ShareDirectory")(share(apptest.AccountB, dstypes.ShareMethodHandshake))
	shared := aws.ToString(out.SharedDirectoryId)
	_, err = share(apptest.AccountB, dstypes.ShareMethodHandshake)
	dirWantCode(t, "share twice", err, "DirectoryAlreadySharedException")

	d := dirDescribe(t, e, apptest.AccountB, shared)
	if d.Type != dstypes.DirectoryTypeSharedMicrosoftAd || d.ShareStatus != dstypes.ShareStatusPendingAcceptance ||
		d.OwnerDirectoryDescription == nil || aws.ToString(d.OwnerDirectoryDescription.DirectoryId) != id {
		t.Errorf("B's view of the invitation: %+v", d)
	}
	acc := must[*directoryservice.AcceptSharedDirectoryOutput](t, "AcceptSharedDirectory")(dsB.AcceptSharedDirectory(e.Ctx(),
		&directoryservice.AcceptSharedDirectoryInput{SharedDirectoryId: aws.String(shared)}))
	if acc.SharedDirectory.ShareStatus != dstypes.ShareStatusShared {
		t.Errorf("accepted: %+v", acc.SharedDirectory)
	}
	_, err = dsB.AcceptSharedDirectory(e.Ctx(), &directoryservice.AcceptSharedDirectoryInput{SharedDirectoryId: aws.String(shared)})
	dirWantCode(t, "accept twice", err, "DirectoryAlreadySharedException")
	list := must[*directoryservice.DescribeSharedDirectoriesOutput](t, "DescribeSharedDirectories")(dsA.DescribeSharedDirectories(e.Ctx(),
		&directoryservice.DescribeSharedDirectoriesInput{OwnerDirectoryId: aws.String(id)}))
	if len(list.SharedDirectories) != 1 || list.SharedDirectories[0].ShareStatus != dstypes.ShareStatusShared {
		t.Errorf("owner's shares: %+v", list.SharedDirectories)
	}
	_, err = dsA.DeleteDirectory(e.Ctx(), &directoryservice.DeleteDirectoryInput{DirectoryId: aws.String(id)})
	dirWantCode(t, "delete a shared directory", err, "ClientException")
	must[*directoryservice.UnshareDirectoryOutput](t, "UnshareDirectory")(dsA.UnshareDirectory(e.Ctx(), &directoryservice.UnshareDirectoryInput{
		DirectoryId: aws.String(id), UnshareTarget: &dstypes.UnshareTarget{Id: aws.String(apptest.AccountB), Type: dstypes.TargetTypeAccount}}))
	_, err = dsA.UnshareDirectory(e.Ctx(), &directoryservice.UnshareDirectoryInput{
		DirectoryId: aws.String(id), UnshareTarget: &dstypes.UnshareTarget{Id: aws.String(apptest.AccountB), Type: dstypes.TargetTypeAccount}})
	dirWantCode(t, "unshare twice", err, "DirectoryNotSharedException")
	_, err = dsB.DescribeDirectories(e.Ctx(), &directoryservice.DescribeDirectoriesInput{DirectoryIds: []string{shared}})
	dirWantCode(t, "B after unshare", err, "EntityDoesNotExistException")

	// ORGANIZATIONS: every account is in deskplane's default organization.
	out = must[*directoryservice.ShareDirectoryOutput](t, "ShareDirectory ORGANIZATIONS")(share(apptest.AccountB, dstypes.ShareMethodOrganizations))
	if d := dirDescribe(t, e, apptest.AccountB, aws.ToString(out.SharedDirectoryId)); d.ShareStatus != dstypes.ShareStatusShared {
		t.Errorf("ORGANIZATIONS share: %s", d.ShareStatus)
	}
	_, err = dsB.RejectSharedDirectory(e.Ctx(), &directoryservice.RejectSharedDirectoryInput{SharedDirectoryId: out.SharedDirectoryId})
	dirWantCode(t, "reject an accepted share", err, "ClientException")
}

func TestRegionsSettingsUpdatesAndDataAccess(t *testing.T) {
	e := dirStart(t)
	ds := e.DS(apptest.AccountA)
	id := msAD(t, e, apptest.AccountA, "")
	std := msAD(t, e, apptest.AccountA, dstypes.DirectoryEditionStandard)
	vpc := &dstypes.DirectoryVpcSettings{VpcId: aws.String("vpc-0fedcba9876543210"), SubnetIds: dirSubnets}
	_, err := ds.AddRegion(e.Ctx(), &directoryservice.AddRegionInput{DirectoryId: aws.String(std), RegionName: aws.String(apptest.Region2), VPCSettings: vpc})
	dirWantCode(t, "AddRegion of Standard Edition", err, "UnsupportedOperationException")
	_, err = ds.AddRegion(e.Ctx(), &directoryservice.AddRegionInput{DirectoryId: aws.String(id), RegionName: aws.String(apptest.Region), VPCSettings: vpc})
	dirWantCode(t, "AddRegion of the primary Region", err, "DirectoryAlreadyInRegionException")
	must[*directoryservice.AddRegionOutput](t, "AddRegion")(ds.AddRegion(e.Ctx(), &directoryservice.AddRegionInput{DirectoryId: aws.String(id), RegionName: aws.String(apptest.Region2), VPCSettings: vpc}))
	e.Advance(2 * time.Minute)
	regions := must[*directoryservice.DescribeRegionsOutput](t, "DescribeRegions")(ds.DescribeRegions(e.Ctx(), &directoryservice.DescribeRegionsInput{DirectoryId: aws.String(id)}))
	if len(regions.RegionsDescription) != 2 || regions.RegionsDescription[1].Status != dstypes.DirectoryStageActive {
		t.Errorf("regions: %+v", regions.RegionsDescription)
	}
	_, err = ds.RemoveRegion(e.Ctx(), &directoryservice.RemoveRegionInput{DirectoryId: aws.String(id)})
	dirWantCode(t, "RemoveRegion in the primary Region", err, "UnsupportedOperationException")
	eu := directoryservice.NewFromConfig(e.AWSConfig(apptest.AccountA, apptest.Region2))
	must[*directoryservice.RemoveRegionOutput](t, "RemoveRegion")(eu.RemoveRegion(e.Ctx(), &directoryservice.RemoveRegionInput{DirectoryId: aws.String(id)}))
	e.Advance(2 * time.Minute)
	regions = must[*directoryservice.DescribeRegionsOutput](t, "DescribeRegions")(ds.DescribeRegions(e.Ctx(), &directoryservice.DescribeRegionsInput{DirectoryId: aws.String(id)}))
	if len(regions.RegionsDescription) != 1 {
		t.Errorf("regions after RemoveRegion: %+v", regions.RegionsDescription)
	}

	// Settings.
	_, err = ds.UpdateSettings(e.Ctx(), &directoryservice.UpdateSettingsInput{DirectoryId: aws.String(id), Settings: []dstypes.Setting{{Name: aws.String("NOPE"), Value: aws.String("Enable")}}})
	dirWantCode(t, "unknown setting", err, "UnsupportedSettingsException")
	must[*directoryservice.UpdateSettingsOutput](t, "UpdateSettings")(ds.UpdateSettings(e.Ctx(), &directoryservice.UpdateSettingsInput{DirectoryId: aws.String(id),
		Settings: []dstypes.Setting{{Name: aws.String("TLS_1_0"), Value: aws.String("Disable")}}}))
	set := must[*directoryservice.DescribeSettingsOutput](t, "DescribeSettings")(ds.DescribeSettings(e.Ctx(), &directoryservice.DescribeSettingsInput{DirectoryId: aws.String(id), Status: dstypes.DirectoryConfigurationStatusUpdating}))
	if len(set.SettingEntries) != 1 || aws.ToString(set.SettingEntries[0].RequestedValue) != "Disable" {
		t.Errorf("updating settings: %+v", set.SettingEntries)
	}
	e.Advance(time.Minute)
	set = must[*directoryservice.DescribeSettingsOutput](t, "DescribeSettings")(ds.DescribeSettings(e.Ctx(), &directoryservice.DescribeSettingsInput{DirectoryId: aws.String(id), Status: dstypes.DirectoryConfigurationStatusUpdated}))
	if len(set.SettingEntries) != 1 || aws.ToString(set.SettingEntries[0].AppliedValue) != "Disable" {
		t.Errorf("updated settings: %+v", set.SettingEntries)
	}

	// Updates.
	_, err = ds.UpdateDirectorySetup(e.Ctx(), &directoryservice.UpdateDirectorySetupInput{DirectoryId: aws.String(id), UpdateType: dstypes.UpdateTypeOs,
		OSUpdateSettings: &dstypes.OSUpdateSettings{OSVersion: dstypes.OSVersionVersion2019}})
	dirWantCode(t, "update to the version it has", err, "DirectoryInDesiredStateException")
	must[*directoryservice.UpdateDirectorySetupOutput](t, "UpdateDirectorySetup")(ds.UpdateDirectorySetup(e.Ctx(), &directoryservice.UpdateDirectorySetupInput{
		DirectoryId: aws.String(id), UpdateType: dstypes.UpdateTypeNetwork, NetworkUpdateSettings: &dstypes.NetworkUpdateSettings{NetworkType: dstypes.NetworkTypeDualStack}}))
	e.Advance(time.Minute)
	ups := must[*directoryservice.DescribeUpdateDirectoryOutput](t, "DescribeUpdateDirectory")(ds.DescribeUpdateDirectory(e.Ctx(), &directoryservice.DescribeUpdateDirectoryInput{DirectoryId: aws.String(id), UpdateType: dstypes.UpdateTypeNetwork}))
	if len(ups.UpdateActivities) != 1 || ups.UpdateActivities[0].Status != dstypes.UpdateStatusUpdated {
		t.Errorf("updates: %+v", ups.UpdateActivities)
	}

	// Data access.
	da := func() dstypes.DataAccessStatus {
		return must[*directoryservice.DescribeDirectoryDataAccessOutput](t, "DescribeDirectoryDataAccess")(ds.DescribeDirectoryDataAccess(e.Ctx(),
			&directoryservice.DescribeDirectoryDataAccessInput{DirectoryId: aws.String(id)})).DataAccessStatus
	}
	_, err = ds.EnableDirectoryDataAccess(e.Ctx(), &directoryservice.EnableDirectoryDataAccessInput{DirectoryId: aws.String(id)})
	dirWantCode(t, "enable data access when enabled", err, "DirectoryInDesiredStateException")
	must[*directoryservice.DisableDirectoryDataAccessOutput](t, "DisableDirectoryDataAccess")(ds.DisableDirectoryDataAccess(e.Ctx(), &directoryservice.DisableDirectoryDataAccessInput{DirectoryId: aws.String(id)}))
	_, err = ds.DisableDirectoryDataAccess(e.Ctx(), &directoryservice.DisableDirectoryDataAccessInput{DirectoryId: aws.String(id)})
	dirWantCode(t, "disable twice", err, "DisableAlreadyInProgressException")
	if st := da(); st != dstypes.DataAccessStatusDisabling {
		t.Errorf("data access %s, want Disabling", st)
	}
	e.Advance(time.Minute)
	if st := da(); st != dstypes.DataAccessStatusDisabled {
		t.Errorf("data access %s, want Disabled", st)
	}
}

func TestSchemaNetworkAuthAndPasswords(t *testing.T) {
	e := dirStart(t)
	ds := e.DS(apptest.AccountA)
	id := msAD(t, e, apptest.AccountA, "")
	ldif := aws.String("dn: CN=ms-Example,CN=Schema,CN=Configuration,DC=corp\nchangetype: add\n")
	ext := must[*directoryservice.StartSchemaExtensionOutput](t, "StartSchemaExtension")(ds.StartSchemaExtension(e.Ctx(), &directoryservice.StartSchemaExtensionInput{
		DirectoryId: aws.String(id), LdifContent: ldif, Description: aws.String("example"), CreateSnapshotBeforeSchemaExtension: true}))
	_, err := ds.StartSchemaExtension(e.Ctx(), &directoryservice.StartSchemaExtensionInput{DirectoryId: aws.String(id), LdifContent: ldif,
		Description: aws.String("second"), CreateSnapshotBeforeSchemaExtension: false})
	dirWantCode(t, "second schema extension", err, "ClientException")
	status := func() dstypes.SchemaExtensionStatus {
		out := must[*directoryservice.ListSchemaExtensionsOutput](t, "ListSchemaExtensions")(ds.ListSchemaExtensions(e.Ctx(), &directoryservice.ListSchemaExtensionsInput{DirectoryId: aws.String(id)}))
		return out.SchemaExtensionsInfo[0].SchemaExtensionStatus
	}
	for _, want := range []dstypes.SchemaExtensionStatus{"Initializing", "CreatingSnapshot", "UpdatingSchema", "Replicating", "Completed"} {
		if got := status(); got != want {
			t.Errorf("schema extension %s, want %s", got, want)
		}
		e.Advance(time.Minute)
	}
	_, err = ds.CancelSchemaExtension(e.Ctx(), &directoryservice.CancelSchemaExtensionInput{DirectoryId: aws.String(id), SchemaExtensionId: ext.SchemaExtensionId})
	dirWantCode(t, "cancel a completed extension", err, "ClientException")

	// IP routes, log subscriptions, event topics.
	must[*directoryservice.AddIpRoutesOutput](t, "AddIpRoutes")(ds.AddIpRoutes(e.Ctx(), &directoryservice.AddIpRoutesInput{DirectoryId: aws.String(id),
		IpRoutes: []dstypes.IpRoute{{CidrIp: aws.String("10.10.0.0/16"), Description: aws.String("on-prem")}}}))
	_, err = ds.AddIpRoutes(e.Ctx(), &directoryservice.AddIpRoutesInput{DirectoryId: aws.String(id), IpRoutes: []dstypes.IpRoute{{CidrIp: aws.String("10.10.0.0/16")}}})
	dirWantCode(t, "route twice", err, "EntityAlreadyExistsException")
	routes := must[*directoryservice.ListIpRoutesOutput](t, "ListIpRoutes")(ds.ListIpRoutes(e.Ctx(), &directoryservice.ListIpRoutesInput{DirectoryId: aws.String(id)}))
	if len(routes.IpRoutesInfo) != 1 || routes.IpRoutesInfo[0].IpRouteStatusMsg != dstypes.IpRouteStatusMsgAdded {
		t.Errorf("routes: %+v", routes.IpRoutesInfo)
	}
	must[*directoryservice.RemoveIpRoutesOutput](t, "RemoveIpRoutes")(ds.RemoveIpRoutes(e.Ctx(), &directoryservice.RemoveIpRoutesInput{DirectoryId: aws.String(id), CidrIps: []string{"10.10.0.0/16"}}))
	must[*directoryservice.CreateLogSubscriptionOutput](t, "CreateLogSubscription")(ds.CreateLogSubscription(e.Ctx(), &directoryservice.CreateLogSubscriptionInput{DirectoryId: aws.String(id), LogGroupName: aws.String("/aws/directoryservice/" + id)}))
	_, err = ds.CreateLogSubscription(e.Ctx(), &directoryservice.CreateLogSubscriptionInput{DirectoryId: aws.String(id), LogGroupName: aws.String("/other")})
	dirWantCode(t, "second log subscription", err, "EntityAlreadyExistsException")
	subs := must[*directoryservice.ListLogSubscriptionsOutput](t, "ListLogSubscriptions")(ds.ListLogSubscriptions(e.Ctx(), &directoryservice.ListLogSubscriptionsInput{}))
	if len(subs.LogSubscriptions) != 1 {
		t.Errorf("log subscriptions: %+v", subs.LogSubscriptions)
	}
	must[*directoryservice.DeleteLogSubscriptionOutput](t, "DeleteLogSubscription")(ds.DeleteLogSubscription(e.Ctx(), &directoryservice.DeleteLogSubscriptionInput{DirectoryId: aws.String(id)}))
	must[*directoryservice.RegisterEventTopicOutput](t, "RegisterEventTopic")(ds.RegisterEventTopic(e.Ctx(), &directoryservice.RegisterEventTopicInput{DirectoryId: aws.String(id), TopicName: aws.String("ds-events")}))
	topics := must[*directoryservice.DescribeEventTopicsOutput](t, "DescribeEventTopics")(ds.DescribeEventTopics(e.Ctx(), &directoryservice.DescribeEventTopicsInput{DirectoryId: aws.String(id)}))
	if len(topics.EventTopics) != 1 || topics.EventTopics[0].Status != dstypes.TopicStatusRegistered {
		t.Errorf("topics: %+v", topics.EventTopics)
	}
	must[*directoryservice.DeregisterEventTopicOutput](t, "DeregisterEventTopic")(ds.DeregisterEventTopic(e.Ctx(), &directoryservice.DeregisterEventTopicInput{DirectoryId: aws.String(id), TopicName: aws.String("ds-events")}))

	// Alias and SSO.
	_, err = ds.EnableSso(e.Ctx(), &directoryservice.EnableSsoInput{DirectoryId: aws.String(id)})
	dirWantCode(t, "SSO without an alias", err, "ClientException")
	must[*directoryservice.CreateAliasOutput](t, "CreateAlias")(ds.CreateAlias(e.Ctx(), &directoryservice.CreateAliasInput{DirectoryId: aws.String(id), Alias: aws.String("corp-example")}))
	_, err = ds.CreateAlias(e.Ctx(), &directoryservice.CreateAliasInput{DirectoryId: aws.String(id), Alias: aws.String("corp-other")})
	dirWantCode(t, "second alias", err, "EntityAlreadyExistsException")
	_, err = ds.EnableSso(e.Ctx(), &directoryservice.EnableSsoInput{DirectoryId: aws.String(id), UserName: aws.String("Admin"), Password: aws.String("wrong-Passw0rd")})
	dirWantCode(t, "SSO with a wrong password", err, "AuthenticationFailedException")
	must[*directoryservice.EnableSsoOutput](t, "EnableSso")(ds.EnableSso(e.Ctx(), &directoryservice.EnableSsoInput{DirectoryId: aws.String(id),
		UserName: aws.String("Admin"), Password: aws.String(dirPassword)}))
	if d := dirDescribe(t, e, apptest.AccountA, id); !d.SsoEnabled || aws.ToString(d.AccessUrl) != "corp-example.awsapps.com" {
		t.Errorf("after alias and SSO: %v %s", d.SsoEnabled, aws.ToString(d.AccessUrl))
	}
	must[*directoryservice.DisableSsoOutput](t, "DisableSso")(ds.DisableSso(e.Ctx(), &directoryservice.DisableSsoInput{DirectoryId: aws.String(id)}))

	// RADIUS.
	rs := &dstypes.RadiusSettings{RadiusServers: []string{"10.0.0.5"}, RadiusPort: aws.Int32(1812), RadiusTimeout: aws.Int32(5), RadiusRetries: 3,
		SharedSecret: aws.String("s3cr3t-shared"), AuthenticationProtocol: dstypes.RadiusAuthenticationProtocolPap, DisplayLabel: aws.String("MFA")}
	must[*directoryservice.EnableRadiusOutput](t, "EnableRadius")(ds.EnableRadius(e.Ctx(), &directoryservice.EnableRadiusInput{DirectoryId: aws.String(id), RadiusSettings: rs}))
	if d := dirDescribe(t, e, apptest.AccountA, id); d.RadiusStatus != dstypes.RadiusStatusCreating || d.RadiusSettings.SharedSecret != nil {
		t.Errorf("RADIUS after enable: %s %+v", d.RadiusStatus, d.RadiusSettings)
	}
	_, err = ds.UpdateRadius(e.Ctx(), &directoryservice.UpdateRadiusInput{DirectoryId: aws.String(id), RadiusSettings: rs})
	dirWantCode(t, "update while Creating", err, "ClientException")
	e.Advance(time.Minute)
	must[*directoryservice.UpdateRadiusOutput](t, "UpdateRadius")(ds.UpdateRadius(e.Ctx(), &directoryservice.UpdateRadiusInput{DirectoryId: aws.String(id), RadiusSettings: rs}))
	e.Advance(time.Minute)
	if d := dirDescribe(t, e, apptest.AccountA, id); d.RadiusStatus != dstypes.RadiusStatusCompleted {
		t.Errorf("RADIUS after update: %s", d.RadiusStatus)
	}
	must[*directoryservice.DisableRadiusOutput](t, "DisableRadius")(ds.DisableRadius(e.Ctx(), &directoryservice.DisableRadiusInput{DirectoryId: aws.String(id)}))

	// Passwords.
	_, err = ds.ResetUserPassword(e.Ctx(), &directoryservice.ResetUserPasswordInput{DirectoryId: aws.String(id), UserName: aws.String("Admin"), NewPassword: aws.String("short")})
	dirWantCode(t, "weak password", err, "InvalidPasswordException")
	_, err = ds.ResetUserPassword(e.Ctx(), &directoryservice.ResetUserPasswordInput{DirectoryId: aws.String(id), UserName: aws.String("nobody"), NewPassword: aws.String("N3w-Passw0rd!")})
	dirWantCode(t, "unknown user", err, "UserDoesNotExistException")
	must[*directoryservice.ResetUserPasswordOutput](t, "ResetUserPassword")(ds.ResetUserPassword(e.Ctx(), &directoryservice.ResetUserPasswordInput{DirectoryId: aws.String(id), UserName: aws.String("Admin"), NewPassword: aws.String("N3w-Passw0rd!")}))
}
