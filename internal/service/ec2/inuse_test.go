package ec2_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	wstypes "github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
)

// network makes a VPC with two subnets in two zones; it returns the VPC
// and the subnets.
func network(t *testing.T, e *apptest.Env, c *ec2.Client, cidr string) (string, []string) {
	t.Helper()
	vpc := aws.ToString(createVPC(t, e, c, cidr).VpcId)
	p := netip.MustParsePrefix(cidr)
	var subnets []string
	for i, zone := range []string{"use1-az2", "use1-az4"} {
		sub := netip.PrefixFrom(p.Addr().Next(), 24).Masked()
		b := sub.Addr().As4()
		b[2] = byte(i + 1)
		n := must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(e.Ctx(), &ec2.CreateSubnetInput{VpcId: &vpc,
			CidrBlock: aws.String(netip.PrefixFrom(netip.AddrFrom4(b), 24).String()), AvailabilityZoneId: aws.String(zone)}))
		subnets = append(subnets, aws.ToString(n.Subnet.SubnetId))
	}
	return vpc, subnets
}

func createDirectory(e *apptest.Env, vpc string, subnets []string) (*directoryservice.CreateDirectoryOutput, error) {
	return e.DS(apptest.AccountA).CreateDirectory(e.Ctx(), &directoryservice.CreateDirectoryInput{
		Name: aws.String("corp.example.com"), Password: aws.String("Test-Pa55word-1"), Size: dstypes.DirectorySizeSmall,
		VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: aws.String(vpc), SubnetIds: subnets},
		Tags:        []dstypes.Tag{{Key: aws.String("deskplane:any-user"), Value: aws.String("true")}},
	})
}

// TestDirectoryAndWorkSpaceStandOnTheirSubnets: a directory's subnets must
// be in its VPC and in two zones; its addresses and its WorkSpaces' come
// from them, which then cannot be deleted until they are gone.
func TestDirectoryAndWorkSpaceStandOnTheirSubnets(t *testing.T) {
	e, c := start(t)
	ctx := e.Ctx()
	vpc, subnets := network(t, e, c, "10.30.0.0/16")
	other, otherSubnets := network(t, e, c, "10.31.0.0/16")
	// Wrong subnets: another VPC's, the same zone twice.
	_, err := createDirectory(e, vpc, []string{subnets[0], otherSubnets[1]})
	wantCode(t, err, "InvalidParameterException")
	same := aws.ToString(must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &other,
		CidrBlock: aws.String("10.31.9.0/24"), AvailabilityZoneId: aws.String("use1-az2")})).Subnet.SubnetId)
	_, err = createDirectory(e, other, []string{otherSubnets[0], same})
	wantCode(t, err, "InvalidParameterException")

	dir := must[*directoryservice.CreateDirectoryOutput](t)(createDirectory(e, vpc, subnets))
	e.Advance(time.Hour)
	d := must[*directoryservice.DescribeDirectoriesOutput](t)(e.DS(apptest.AccountA).DescribeDirectories(ctx, &directoryservice.DescribeDirectoriesInput{DirectoryIds: []string{aws.ToString(dir.DirectoryId)}})).DirectoryDescriptions[0]
	if z := d.VpcSettings.AvailabilityZones; len(z) != 2 || z[0] != "us-east-1b" || z[1] != "us-east-1d" {
		t.Errorf("zones %v", z)
	}
	for _, ip := range d.DnsIpAddrs {
		if !netip.MustParsePrefix("10.30.0.0/16").Contains(netip.MustParseAddr(ip)) {
			t.Errorf("DNS address %s outside the VPC", ip)
		}
	}
	_, err = c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: &subnets[0]})
	wantCode(t, err, "DependencyViolation")
	group := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{
		filter("group-name", aws.ToString(dir.DirectoryId)+"_controllers"), filter("vpc-id", vpc)}}))
	if len(group.SecurityGroups) != 1 || aws.ToString(group.SecurityGroups[0].GroupId) != aws.ToString(d.VpcSettings.SecurityGroupId) {
		t.Errorf("the directory's group %+v, directory's %s", group.SecurityGroups, aws.ToString(d.VpcSettings.SecurityGroupId))
	}

	ws := e.WS(apptest.AccountA)
	must[*workspaces.RegisterWorkspaceDirectoryOutput](t)(ws.RegisterWorkspaceDirectory(ctx, &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: dir.DirectoryId}))
	e.Advance(time.Hour)
	// The registration creates the WorkSpaces' group in the VPC and names it.
	members := func() []types.SecurityGroup {
		return must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{
			filter("group-name", aws.ToString(dir.DirectoryId)+"_workspacesMembers"), filter("vpc-id", vpc)}})).SecurityGroups
	}
	reg := must[*workspaces.DescribeWorkspaceDirectoriesOutput](t)(ws.DescribeWorkspaceDirectories(ctx, &workspaces.DescribeWorkspaceDirectoriesInput{DirectoryIds: []string{aws.ToString(dir.DirectoryId)}})).Directories[0]
	if g := members(); len(g) != 1 || aws.ToString(g[0].GroupId) != aws.ToString(reg.WorkspaceSecurityGroupId) {
		t.Errorf("the WorkSpaces' group %+v, the registration's %s", g, aws.ToString(reg.WorkspaceSecurityGroupId))
	}
	created := must[*workspaces.CreateWorkspacesOutput](t)(ws.CreateWorkspaces(ctx, &workspaces.CreateWorkspacesInput{Workspaces: []wstypes.WorkspaceRequest{{
		DirectoryId: dir.DirectoryId, UserName: aws.String("alice"), BundleId: aws.String(e.AmazonBundle())}}}))
	if len(created.FailedRequests) > 0 {
		t.Fatalf("CreateWorkspaces: %+v", created.FailedRequests)
	}
	e.Advance(time.Hour)
	got := must[*workspaces.DescribeWorkspacesOutput](t)(ws.DescribeWorkspaces(ctx, &workspaces.DescribeWorkspacesInput{WorkspaceIds: []string{aws.ToString(created.PendingRequests[0].WorkspaceId)}})).Workspaces[0]
	sub := must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{aws.ToString(got.SubnetId)}})).Subnets[0]
	if !netip.MustParsePrefix(aws.ToString(sub.CidrBlock)).Contains(netip.MustParseAddr(aws.ToString(got.IpAddress))) {
		t.Errorf("WorkSpace address %s outside its subnet %s", aws.ToString(got.IpAddress), aws.ToString(sub.CidrBlock))
	}
	// The addresses in use show as the requester-managed interfaces AWS makes.
	enis := func(in *ec2.DescribeNetworkInterfacesInput) []types.NetworkInterface {
		var all []types.NetworkInterface
		for {
			out := must[*ec2.DescribeNetworkInterfacesOutput](t)(c.DescribeNetworkInterfaces(ctx, in))
			all = append(all, out.NetworkInterfaces...)
			if out.NextToken == nil {
				return all
			}
			in.NextToken = out.NextToken
		}
	}
	inVPC := enis(&ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filter("vpc-id", vpc)}, MaxResults: aws.Int32(5)})
	if len(inVPC) != 3 {
		t.Fatalf("interfaces in the VPC: %d, want 2 of the directory and 1 of the WorkSpace", len(inVPC))
	}
	mine := enis(&ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filter("private-ip-address", aws.ToString(got.IpAddress)), filter("subnet-id", aws.ToString(got.SubnetId))}})
	if len(mine) != 1 || !aws.ToBool(mine[0].RequesterManaged) || len(mine[0].Groups) != 1 ||
		aws.ToString(mine[0].Groups[0].GroupId) != aws.ToString(reg.WorkspaceSecurityGroupId) || mine[0].Status != types.NetworkInterfaceStatusInUse {
		t.Errorf("the WorkSpace's interface %+v", mine)
	}
	byID := enis(&ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{aws.ToString(mine[0].NetworkInterfaceId)}})
	if len(byID) != 1 || aws.ToString(byID[0].PrivateIpAddress) != aws.ToString(got.IpAddress) {
		t.Errorf("by id %+v", byID)
	}
	if ctl := enis(&ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filter("group-id", aws.ToString(d.VpcSettings.SecurityGroupId))}}); len(ctl) != 2 {
		t.Errorf("the directory's interfaces %+v", ctl)
	}
	_, err = c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{"eni-0123456789abcdef0"}})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
	if aws.ToInt32(sub.AvailableIpAddressCount) != 251-2 {
		t.Errorf("available addresses %d", aws.ToInt32(sub.AvailableIpAddressCount))
	}
	// Everything goes, in order: the WorkSpace, the registration, the directory, the subnets.
	must[*workspaces.TerminateWorkspacesOutput](t)(ws.TerminateWorkspaces(ctx, &workspaces.TerminateWorkspacesInput{TerminateWorkspaceRequests: []wstypes.TerminateRequest{{WorkspaceId: got.WorkspaceId}}}))
	e.Advance(time.Hour)
	must[*workspaces.DeregisterWorkspaceDirectoryOutput](t)(ws.DeregisterWorkspaceDirectory(ctx, &workspaces.DeregisterWorkspaceDirectoryInput{DirectoryId: dir.DirectoryId}))
	e.Advance(time.Hour)
	if g := members(); len(g) != 0 {
		t.Errorf("the WorkSpaces' group outlived the registration: %+v", g)
	}
	must[*directoryservice.DeleteDirectoryOutput](t)(e.DS(apptest.AccountA).DeleteDirectory(ctx, &directoryservice.DeleteDirectoryInput{DirectoryId: dir.DirectoryId}))
	e.Advance(time.Hour)
	if left := enis(&ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filter("vpc-id", vpc)}}); len(left) != 0 {
		t.Errorf("interfaces left: %+v", left)
	}
	gone := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("vpc-id", vpc)}}))
	if len(gone.SecurityGroups) != 1 {
		t.Errorf("groups left besides the default: %+v", gone.SecurityGroups)
	}
	for _, s := range subnets {
		must[*ec2.DeleteSubnetOutput](t)(c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(s)}))
	}
	must[*ec2.DeleteVpcOutput](t)(c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc}))
}

// TestUnknownVPCsKeepWorkingUnlessStrict: made-up ids work as before; in
// strict mode they are refused.
func TestUnknownVPCsKeepWorkingUnlessStrict(t *testing.T) {
	e, _ := start(t)
	made := []string{"subnet-0123456789abcdef0", "subnet-0fedcba9876543210"}
	must[*directoryservice.CreateDirectoryOutput](t)(createDirectory(e, "vpc-0123456789abcdef0", made))
	strict := apptest.Start(t, apptest.Options{Config: func(c *app.Config) { c.Strict = true }})
	_, err := createDirectory(strict, "vpc-0123456789abcdef0", made)
	wantCode(t, err, "InvalidParameterException")
}
