package ds_test

import (
	"fmt"
	"net/netip"
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

func TestDirectoryServiceLifecycle(t *testing.T) {
	e := dirStart(t)
	before := time.Now().Add(-time.Minute)
	id := dirCreateSimpleAD(t, e, apptest.AccountA)
	if !regexp.MustCompile(`^d-[0-9a-f]{10}$`).MatchString(id) {
		t.Errorf("directory id %q, want d- and 10 hex digits", id)
	}

	d := dirDescribe(t, e, apptest.AccountA, id)
	if d.Stage != dstypes.DirectoryStageRequested || d.Type != dstypes.DirectoryTypeSimpleAd || d.Size != dstypes.DirectorySizeSmall ||
		aws.ToString(d.Name) != "corp.example.com" || aws.ToString(d.ShortName) != "CORP" || aws.ToString(d.Alias) != id ||
		aws.ToString(d.AccessUrl) != id+".awsapps.com" || aws.ToString(d.Description) != "Test directory" ||
		d.LaunchTime == nil || d.LaunchTime.Before(before) || len(d.DnsIpAddrs) != 0 {
		t.Errorf("new directory: %+v", d)
	}
	vs := d.VpcSettings
	if vs == nil || aws.ToString(vs.VpcId) != "vpc-0123456789abcdef0" || !slices.Equal(vs.SubnetIds, dirSubnets) ||
		!slices.Equal(vs.AvailabilityZones, []string{"us-east-1a", "us-east-1b"}) ||
		!regexp.MustCompile(`^sg-[0-9a-f]{17}$`).MatchString(aws.ToString(vs.SecurityGroupId)) {
		t.Errorf("VpcSettings: %+v", vs)
	}

	e.Advance(2 * time.Minute)
	if st := dirDescribe(t, e, apptest.AccountA, id).Stage; st != dstypes.DirectoryStageCreating {
		t.Errorf("after 2 minutes: %s, want Creating", st)
	}
	e.Advance(2 * time.Minute)
	d = dirDescribe(t, e, apptest.AccountA, id)
	if d.Stage != dstypes.DirectoryStageActive {
		t.Fatalf("after 4 minutes: %s, want Active", d.Stage)
	}
	if len(d.DnsIpAddrs) != 2 || d.DnsIpAddrs[0] == d.DnsIpAddrs[1] {
		t.Fatalf("DnsIpAddrs %v, want two addresses", d.DnsIpAddrs)
	}
	nets := map[string]bool{}
	for _, a := range d.DnsIpAddrs {
		ip, err := netip.ParseAddr(a)
		if err != nil || !netip.MustParsePrefix("10.0.0.0/8").Contains(ip) {
			t.Errorf("DNS address %q is not a private 10.x address", a)
			continue
		}
		p, _ := ip.Prefix(24)
		nets[p.String()] = true
	}
	if len(nets) != 2 {
		t.Errorf("DNS addresses %v are not in two different subnets", d.DnsIpAddrs)
	}
	// Deterministic: the same subnets give the same ranges to another directory.
	id2 := dirActive(t, e, apptest.AccountA)
	d2 := dirDescribe(t, e, apptest.AccountA, id2)
	for i := range 2 {
		a, _ := netip.ParseAddr(d.DnsIpAddrs[i])
		b, _ := netip.ParseAddr(d2.DnsIpAddrs[i])
		pa, _ := a.Prefix(24)
		pb, _ := b.Prefix(24)
		if pa != pb {
			t.Errorf("subnet %s: ranges %s and %s differ between directories", dirSubnets[i], pa, pb)
		}
	}

	// Delete: Deleting, then gone.
	del, err := e.DS(apptest.AccountA).DeleteDirectory(e.Ctx(), &directoryservice.DeleteDirectoryInput{DirectoryId: aws.String(id)})
	if err != nil || aws.ToString(del.DirectoryId) != id {
		t.Fatalf("DeleteDirectory: %v %+v", err, del)
	}
	if st := dirDescribe(t, e, apptest.AccountA, id).Stage; st != dstypes.DirectoryStageDeleting {
		t.Errorf("after DeleteDirectory: %s, want Deleting", st)
	}
	e.Advance(2 * time.Minute)
	_, err = e.DS(apptest.AccountA).DescribeDirectories(e.Ctx(), &directoryservice.DescribeDirectoriesInput{DirectoryIds: []string{id}})
	dirWantCode(t, "describe deleted directory", err, "EntityDoesNotExistException")
	all, err := e.DS(apptest.AccountA).DescribeDirectories(e.Ctx(), &directoryservice.DescribeDirectoriesInput{})
	if err != nil || len(all.DirectoryDescriptions) != 1 || aws.ToString(all.DirectoryDescriptions[0].DirectoryId) != id2 {
		t.Errorf("DescribeDirectories after delete: %v %+v", err, all)
	}
}

func TestDirectoryServiceMicrosoftADAndConnector(t *testing.T) {
	e := dirStart(t)
	ds := e.DS(apptest.AccountA)
	mad, err := ds.CreateMicrosoftAD(e.Ctx(), &directoryservice.CreateMicrosoftADInput{
		Name:        aws.String("corp.example.org"),
		ShortName:   aws.String("EXAMPLE"),
		Password:    aws.String(dirPassword),
		VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: aws.String("vpc-0123456789abcdef0"), SubnetIds: dirSubnets},
	})
	if err != nil {
		t.Fatalf("CreateMicrosoftAD: %v", err)
	}
	adc, err := ds.ConnectDirectory(e.Ctx(), &directoryservice.ConnectDirectoryInput{
		Name:     aws.String("onprem.example.net"),
		Password: aws.String("anything"),
		Size:     dstypes.DirectorySizeLarge,
		ConnectSettings: &dstypes.DirectoryConnectSettings{
			VpcId:            aws.String("vpc-0123456789abcdef0"),
			SubnetIds:        dirSubnets,
			CustomerDnsIps:   []string{"192.168.10.10", "192.168.20.10"},
			CustomerUserName: aws.String("svc-adconnector"),
		},
	})
	if err != nil {
		t.Fatalf("ConnectDirectory: %v", err)
	}
	e.Advance(4 * time.Minute)

	m := dirDescribe(t, e, apptest.AccountA, aws.ToString(mad.DirectoryId))
	if m.Type != dstypes.DirectoryTypeMicrosoftAd || m.Edition != dstypes.DirectoryEditionEnterprise || m.Size != "" ||
		aws.ToString(m.ShortName) != "EXAMPLE" || m.Stage != dstypes.DirectoryStageActive || len(m.DnsIpAddrs) != 2 ||
		aws.ToInt32(m.DesiredNumberOfDomainControllers) != 2 {
		t.Errorf("Microsoft AD: %+v", m)
	}
	c := dirDescribe(t, e, apptest.AccountA, aws.ToString(adc.DirectoryId))
	cs := c.ConnectSettings
	if c.Type != dstypes.DirectoryTypeAdConnector || c.Size != dstypes.DirectorySizeLarge || c.VpcSettings != nil ||
		!slices.Equal(c.DnsIpAddrs, []string{"192.168.10.10", "192.168.20.10"}) || cs == nil ||
		aws.ToString(cs.CustomerUserName) != "svc-adconnector" || len(cs.ConnectIps) != 2 ||
		!slices.Equal(cs.AvailabilityZones, []string{"us-east-1a", "us-east-1b"}) || aws.ToString(cs.SecurityGroupId) == "" {
		t.Errorf("AD Connector: %+v %+v", c, cs)
	}

	// Registered with WorkSpaces, each shows its administrator.
	for id, user := range map[string]string{aws.ToString(mad.DirectoryId): "Admin", aws.ToString(adc.DirectoryId): "svc-adconnector"} {
		if _, err := e.WS(apptest.AccountA).RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id)}); err != nil {
			t.Fatalf("register %s: %v", id, err)
		}
		w, _ := wsDirectory(t, e, apptest.AccountA, id)
		if aws.ToString(w.CustomerUserName) != user {
			t.Errorf("%s: CustomerUserName %q, want %s", id, aws.ToString(w.CustomerUserName), user)
		}
	}
	w, _ := wsDirectory(t, e, apptest.AccountA, aws.ToString(adc.DirectoryId))
	if w.DirectoryType != types.WorkspaceDirectoryTypeAdConnector || !slices.Equal(w.DnsIpAddresses, []string{"192.168.10.10", "192.168.20.10"}) {
		t.Errorf("registered AD Connector: %+v", w)
	}
}

func TestDirectoryServiceErrors(t *testing.T) {
	e := dirStart(t)
	ds := e.DS(apptest.AccountA)
	create := func(subnets []string, password string) error {
		_, err := ds.CreateDirectory(e.Ctx(), &directoryservice.CreateDirectoryInput{
			Name: aws.String("corp.example.com"), Password: aws.String(password), Size: dstypes.DirectorySizeSmall,
			VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: aws.String("vpc-0123456789abcdef0"), SubnetIds: subnets},
		})
		return err
	}
	dirWantCode(t, "one subnet", create(dirSubnets[:1], dirPassword), "InvalidParameterException")
	dirWantCode(t, "the same subnet twice", create([]string{dirSubnets[0], dirSubnets[0]}, dirPassword), "InvalidParameterException")
	dirWantCode(t, "three subnets", create(append(slices.Clone(dirSubnets), "subnet-0123456789abcdef0"), dirPassword), "InvalidParameterException")
	dirWantCode(t, "short password", create(dirSubnets, "Ab1!"), "ValidationException")
	dirWantCode(t, "password of one character class", create(dirSubnets, "alllowercaseletters"), "ValidationException")
	_, err := ds.CreateDirectory(e.Ctx(), &directoryservice.CreateDirectoryInput{
		Name: aws.String("corp.example.com"), Password: aws.String(dirPassword), Size: dstypes.DirectorySizeSmall,
	})
	dirWantCode(t, "no VpcSettings", err, "InvalidParameterException")
	_, err = ds.CreateDirectory(e.Ctx(), &directoryservice.CreateDirectoryInput{
		Name: aws.String("corp.example.com"), Password: aws.String(dirPassword), Size: dstypes.DirectorySizeSmall,
		VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: aws.String("vpc-0123456789abcdef0"), SubnetIds: dirSubnets},
		Tags:        []dstypes.Tag{{Key: aws.String("aws:reserved"), Value: aws.String("x")}},
	})
	dirWantCode(t, "reserved tag", err, "InvalidParameterException")

	_, err = ds.DescribeDirectories(e.Ctx(), &directoryservice.DescribeDirectoriesInput{DirectoryIds: []string{"d-0000000000"}})
	dirWantCode(t, "describe unknown", err, "EntityDoesNotExistException")
	_, err = ds.DescribeDirectories(e.Ctx(), &directoryservice.DescribeDirectoriesInput{DirectoryIds: []string{}})
	dirWantCode(t, "describe empty list", err, "InvalidParameterException")
	_, err = ds.DescribeDirectories(e.Ctx(), &directoryservice.DescribeDirectoriesInput{NextToken: aws.String("garbage")})
	dirWantCode(t, "describe bad token", err, "InvalidNextTokenException")
	_, err = ds.DeleteDirectory(e.Ctx(), &directoryservice.DeleteDirectoryInput{DirectoryId: aws.String("d-0000000000")})
	dirWantCode(t, "delete unknown", err, "EntityDoesNotExistException")
	_, err = ds.DisableSso(e.Ctx(), &directoryservice.DisableSsoInput{DirectoryId: aws.String("d-0000000000")})
	dirWantCode(t, "DisableSso of an unknown directory", err, "EntityDoesNotExistException")
	_, err = ds.CreateDirectory(e.Ctx(), &directoryservice.CreateDirectoryInput{Name: aws.String("corp.example.com"),
		Password: aws.String(dirPassword), Size: dstypes.DirectorySizeSmall})
	dirWantCode(t, "no VpcSettings", err, "InvalidParameterException")
	if !strings.Contains(fmt.Sprint(err), "VpcSettings must be specified.") {
		t.Errorf("no VpcSettings: %v", err)
	}

	// The Simple AD quota (10 per account and Region).
	for i := range 10 {
		if err := create(dirSubnets, dirPassword); err != nil {
			t.Fatalf("directory %d: %v", i+1, err)
		}
	}
	dirWantCode(t, "11th directory", create(dirSubnets, dirPassword), "DirectoryLimitExceededException")

	// Pagination: 10 directories, pages of 4.
	var ids []string
	var token *string
	for pages := 0; ; pages++ {
		out, err := ds.DescribeDirectories(e.Ctx(), &directoryservice.DescribeDirectoriesInput{Limit: aws.Int32(4), NextToken: token})
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, d := range out.DirectoryDescriptions {
			ids = append(ids, aws.ToString(d.DirectoryId))
		}
		if token = out.NextToken; token == nil {
			if pages != 2 {
				t.Errorf("%d pages, want 3", pages+1)
			}
			break
		}
	}
	if len(ids) != 10 || len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 10 {
		t.Errorf("paged through %d directories, want 10 distinct", len(ids))
	}
}

func TestDirectoryServiceTags(t *testing.T) {
	e := dirStart(t)
	ds := e.DS(apptest.AccountA)
	id := dirCreateSimpleAD(t, e, apptest.AccountA, dstypes.Tag{Key: aws.String("team"), Value: aws.String("it")})
	list := func() []string {
		t.Helper()
		out, err := ds.ListTagsForResource(e.Ctx(), &directoryservice.ListTagsForResourceInput{ResourceId: aws.String(id)})
		if err != nil {
			t.Fatalf("ListTagsForResource: %v", err)
		}
		var kv []string
		for _, tg := range out.Tags {
			kv = append(kv, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
		}
		return kv
	}
	if got := list(); !slices.Equal(got, []string{"team=it"}) {
		t.Errorf("tags at creation: %v", got)
	}
	_, err := ds.AddTagsToResource(e.Ctx(), &directoryservice.AddTagsToResourceInput{ResourceId: aws.String(id),
		Tags: []dstypes.Tag{{Key: aws.String("env"), Value: aws.String("test")}, {Key: aws.String("team"), Value: aws.String("ops")}}})
	if err != nil {
		t.Fatalf("AddTagsToResource: %v", err)
	}
	if got := list(); !slices.Equal(got, []string{"team=ops", "env=test"}) {
		t.Errorf("after add/overwrite: %v", got)
	}
	if _, err := ds.RemoveTagsFromResource(e.Ctx(), &directoryservice.RemoveTagsFromResourceInput{ResourceId: aws.String(id), TagKeys: []string{"team", "missing"}}); err != nil {
		t.Fatalf("RemoveTagsFromResource: %v", err)
	}
	if got := list(); !slices.Equal(got, []string{"env=test"}) {
		t.Errorf("after remove: %v", got)
	}
	var many []dstypes.Tag
	for i := range 50 {
		many = append(many, dstypes.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")})
	}
	_, err = ds.AddTagsToResource(e.Ctx(), &directoryservice.AddTagsToResourceInput{ResourceId: aws.String(id), Tags: many})
	dirWantCode(t, "51 tags", err, "TagLimitExceededException")
	_, err = ds.AddTagsToResource(e.Ctx(), &directoryservice.AddTagsToResourceInput{ResourceId: aws.String(id),
		Tags: []dstypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("v")}}})
	dirWantCode(t, "reserved prefix", err, "InvalidParameterException")
	_, err = ds.ListTagsForResource(e.Ctx(), &directoryservice.ListTagsForResourceInput{ResourceId: aws.String("d-0000000000")})
	dirWantCode(t, "list tags of unknown", err, "EntityDoesNotExistException")
	_, err = ds.AddTagsToResource(e.Ctx(), &directoryservice.AddTagsToResourceInput{ResourceId: aws.String("d-0000000000"),
		Tags: []dstypes.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	dirWantCode(t, "tag unknown", err, "EntityDoesNotExistException")

	// Directory Service tags and WorkSpaces tags of a registered directory
	// are separate sets.
	e.Advance(4 * time.Minute)
	if _, err := e.WS(apptest.AccountA).RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{
		DirectoryId: aws.String(id), Tags: []types.Tag{{Key: aws.String("cost"), Value: aws.String("42")}}}); err != nil {
		t.Fatalf("register: %v", err)
	}
	wt, err := e.WS(apptest.AccountA).DescribeTags(e.Ctx(), &workspaces.DescribeTagsInput{ResourceId: aws.String(id)})
	if err != nil || len(wt.TagList) != 1 || aws.ToString(wt.TagList[0].Key) != "cost" {
		t.Errorf("WorkSpaces tags: %v %+v", err, wt)
	}
	if got := list(); !slices.Equal(got, []string{"env=test"}) {
		t.Errorf("Directory Service tags after registering: %v", got)
	}
}

func TestDirectoryServiceAccountsAreSeparate(t *testing.T) {
	e := dirStart(t)
	id := dirActive(t, e, apptest.AccountA)
	_, err := e.DS(apptest.AccountB).DescribeDirectories(e.Ctx(), &directoryservice.DescribeDirectoriesInput{DirectoryIds: []string{id}})
	dirWantCode(t, "B describes A's directory", err, "EntityDoesNotExistException")
	all, err := e.DS(apptest.AccountB).DescribeDirectories(e.Ctx(), &directoryservice.DescribeDirectoriesInput{})
	if err != nil || len(all.DirectoryDescriptions) != 0 {
		t.Errorf("B's directories: %v %+v", err, all.DirectoryDescriptions)
	}
	_, err = e.DS(apptest.AccountB).DeleteDirectory(e.Ctx(), &directoryservice.DeleteDirectoryInput{DirectoryId: aws.String(id)})
	dirWantCode(t, "B deletes A's directory", err, "EntityDoesNotExistException")
	_, err = e.WS(apptest.AccountB).RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id)})
	dirWantCode(t, "B registers A's directory", err, "ResourceNotFoundException")
	// Another Region of the same account is another scope too.
	euDS := directoryservice.NewFromConfig(e.AWSConfig(apptest.AccountA, apptest.Region2))
	_, err = euDS.DescribeDirectories(e.Ctx(), &directoryservice.DescribeDirectoriesInput{DirectoryIds: []string{id}})
	dirWantCode(t, "A describes its directory in another Region", err, "EntityDoesNotExistException")
}

func TestDirectoryServiceFailedCreation(t *testing.T) {
	e := dirStart(t)
	e.Control("POST", "faults/transitions", map[string]any{"kind": "dsdirectory", "state": "Failed", "errorMessage": "The directory could not be created."}, nil)
	id := dirCreateSimpleAD(t, e, apptest.AccountA)
	e.Advance(4 * time.Minute)
	d := dirDescribe(t, e, apptest.AccountA, id)
	if d.Stage != dstypes.DirectoryStageFailed || aws.ToString(d.StageReason) != "The directory could not be created." {
		t.Errorf("failed creation: %s %q", d.Stage, aws.ToString(d.StageReason))
	}
	_, err := e.WS(apptest.AccountA).RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id)})
	dirWantCode(t, "register a failed directory", err, "InvalidResourceStateException")
}
