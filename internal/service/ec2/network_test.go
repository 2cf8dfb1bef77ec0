package ec2_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestSubnetsAsTheProviderManagesThem makes aws_subnet's calls, and the
// errors of CIDRs and zones.
func TestSubnetsAsTheProviderManagesThem(t *testing.T) {
	e, c := start(t)
	ctx := e.Ctx()
	vpc := aws.ToString(createVPC(t, e, c, "10.2.0.0/16").VpcId)
	a := must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: aws.String("10.2.1.0/24"), AvailabilityZoneId: aws.String("use1-az2")}))
	if a.Subnet.State != types.SubnetStatePending || aws.ToString(a.Subnet.AvailabilityZone) != "us-east-1b" {
		t.Fatalf("created %+v", a.Subnet)
	}
	b := must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: aws.String("10.2.2.0/24"), AvailabilityZone: aws.String("us-east-1d"),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSubnet, Tags: []types.Tag{tag("Name", "b")}}}}))
	aID, bID := aws.ToString(a.Subnet.SubnetId), aws.ToString(b.Subnet.SubnetId)
	got := must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{aID}}))
	n := got.Subnets[0]
	if n.State != types.SubnetStateAvailable || aws.ToInt32(n.AvailableIpAddressCount) != 251 || aws.ToString(n.AvailabilityZoneId) != "use1-az2" ||
		aws.ToString(n.SubnetArn) == "" || n.PrivateDnsNameOptionsOnLaunch == nil || aws.ToBool(n.MapPublicIpOnLaunch) {
		t.Errorf("described %+v", n)
	}
	must[*ec2.ModifySubnetAttributeOutput](t)(c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: &aID, MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}}))
	byFilter := must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{
		filter("vpc-id", vpc), filter("availability-zone", "us-east-1b", "us-east-1d"), filter("state", "available")}}))
	if len(byFilter.Subnets) != 2 || !aws.ToBool(byFilter.Subnets[0].MapPublicIpOnLaunch) {
		t.Errorf("by filter %+v", byFilter.Subnets)
	}
	byTag := must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("tag:Name", "b"), filter("cidr-block", "10.2.2.0/24")}}))
	if len(byTag.Subnets) != 1 || aws.ToString(byTag.Subnets[0].SubnetId) != bID {
		t.Errorf("by tag %+v", byTag.Subnets)
	}
	acl := must[*ec2.DescribeNetworkAclsOutput](t)(c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{filter("association.subnet-id", aID)}}))
	if len(acl.NetworkAcls) != 1 || !aws.ToBool(acl.NetworkAcls[0].IsDefault) || len(acl.NetworkAcls[0].Associations) != 2 {
		t.Errorf("default ACL %+v", acl.NetworkAcls)
	}
	for _, bad := range []struct{ cidr, zone, code string }{
		{"10.3.0.0/24", "us-east-1a", "InvalidSubnet.Range"},
		{"10.2.0.0/15", "us-east-1a", "InvalidSubnet.Range"},
		{"10.2.1.128/25", "us-east-1a", "InvalidSubnet.Conflict"},
		{"10.2.0.0/16", "us-east-1a", "InvalidSubnet.Conflict"},
		{"10.2.9.0/24", "us-east-1z", "InvalidParameterValue"},
	} {
		_, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: &bad.cidr, AvailabilityZone: &bad.zone})
		wantCode(t, err, bad.code)
	}
	_, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String("vpc-00000000000000000"), CidrBlock: aws.String("10.2.9.0/24")})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc})
	wantCode(t, err, "DependencyViolation")
	// Delete: DescribeNetworkInterfaces by subnet, then DeleteSubnet.
	enis := must[*ec2.DescribeNetworkInterfacesOutput](t)(c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filter("subnet-id", aID)}}))
	if len(enis.NetworkInterfaces) != 0 {
		t.Errorf("interfaces %+v", enis.NetworkInterfaces)
	}
	for _, id := range []string{aID, bID} {
		must[*ec2.DeleteSubnetOutput](t)(c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(id)}))
	}
	_, err = c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{aID}})
	wantCode(t, err, "InvalidSubnetID.NotFound")
	must[*ec2.DeleteVpcOutput](t)(c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc}))
}

// TestSecurityGroupAsTheProviderManagesIt makes aws_security_group's calls.
func TestSecurityGroupAsTheProviderManagesIt(t *testing.T) {
	e, c := start(t)
	ctx := e.Ctx()
	vpc := aws.ToString(createVPC(t, e, c, "10.4.0.0/16").VpcId)
	out := must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("Managed by Terraform"), VpcId: &vpc}))
	id := aws.ToString(out.GroupId)
	for range 3 {
		must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}}))
	}
	allOut := func(cidr string, v6 bool) []types.IpPermission {
		p := types.IpPermission{IpProtocol: aws.String("-1"), FromPort: aws.Int32(0), ToPort: aws.Int32(0)}
		if v6 {
			p.Ipv6Ranges = []types.Ipv6Range{{CidrIpv6: aws.String(cidr)}}
		} else {
			p.IpRanges = []types.IpRange{{CidrIp: aws.String(cidr)}}
		}
		return []types.IpPermission{p}
	}
	must[*ec2.RevokeSecurityGroupEgressOutput](t)(c.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: &id, IpPermissions: allOut("0.0.0.0/0", false)}))
	_, err := c.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: &id, IpPermissions: allOut("::/0", true)})
	wantCode(t, err, "InvalidPermission.NotFound")
	ssh := []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
		IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8"), Description: aws.String("ssh")}, {CidrIp: aws.String("192.168.0.0/16")}}}}
	auth := must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &id, IpPermissions: ssh}))
	if len(auth.SecurityGroupRules) != 2 || !aws.ToBool(auth.Return) {
		t.Errorf("authorized %+v", auth.SecurityGroupRules)
	}
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &id, IpPermissions: ssh})
	wantCode(t, err, "InvalidPermission.Duplicate")
	must[*ec2.AuthorizeSecurityGroupEgressOutput](t)(c.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: &id, IpPermissions: allOut("0.0.0.0/0", false)}))
	got := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})).SecurityGroups[0]
	if len(got.IpPermissions) != 1 || len(got.IpPermissions[0].IpRanges) != 2 || aws.ToInt32(got.IpPermissions[0].FromPort) != 22 ||
		aws.ToString(got.IpPermissions[0].IpRanges[0].Description) != "ssh" || len(got.IpPermissionsEgress) != 1 || got.IpPermissionsEgress[0].FromPort != nil {
		t.Errorf("described %+v", got)
	}
	byName := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("group-name", "web"), filter("vpc-id", vpc)}}))
	if len(byName.SecurityGroups) != 1 {
		t.Errorf("by name %+v", byName.SecurityGroups)
	}
	_, err = c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("again"), VpcId: &vpc})
	wantCode(t, err, "InvalidGroup.Duplicate")
	// A group another group's rule refers to cannot go.
	other := aws.ToString(must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("app"), Description: aws.String("app"), VpcId: &vpc})).GroupId)
	ref := []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: &id}}}}
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &other, IpPermissions: ref}))
	_, err = c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: &id})
	wantCode(t, err, "DependencyViolation")
	must[*ec2.RevokeSecurityGroupIngressOutput](t)(c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: &other, IpPermissions: ref}))
	_, err = c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc})
	wantCode(t, err, "DependencyViolation")
	def := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("group-name", "default"), filter("vpc-id", vpc)}}))
	_, err = c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: def.SecurityGroups[0].GroupId})
	wantCode(t, err, "CannotDelete")
	for _, g := range []string{id, other} {
		enis := must[*ec2.DescribeNetworkInterfacesOutput](t)(c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filter("group-id", g)}}))
		if len(enis.NetworkInterfaces) != 0 {
			t.Fatal(enis.NetworkInterfaces)
		}
		must[*ec2.DeleteSecurityGroupOutput](t)(c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(g)}))
	}
	_, err = c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	wantCode(t, err, "InvalidGroup.NotFound")
	must[*ec2.DeleteVpcOutput](t)(c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc}))
}

// TestGatewayAndRouteTableAsTheProviderManagesThem makes the calls of
// aws_internet_gateway, aws_route_table and aws_route_table_association.
func TestGatewayAndRouteTableAsTheProviderManagesThem(t *testing.T) {
	e, c := start(t)
	ctx := e.Ctx()
	vpc := aws.ToString(createVPC(t, e, c, "10.5.0.0/16").VpcId)
	subnet := aws.ToString(must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: aws.String("10.5.1.0/24")})).Subnet.SubnetId)
	igw := aws.ToString(must[*ec2.CreateInternetGatewayOutput](t)(c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway.InternetGatewayId)
	must[*ec2.AttachInternetGatewayOutput](t)(c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: &igw, VpcId: &vpc}))
	gws := must[*ec2.DescribeInternetGatewaysOutput](t)(c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{igw}}))
	if a := gws.InternetGateways[0].Attachments; len(a) != 1 || a[0].State != "available" || aws.ToString(a[0].VpcId) != vpc {
		t.Fatalf("attachments %+v", a)
	}
	_, err := c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: &igw, VpcId: &vpc})
	wantCode(t, err, "Resource.AlreadyAssociated")

	rt := must[*ec2.CreateRouteTableOutput](t)(c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &vpc, ClientToken: aws.String("token-1")})).RouteTable
	rtb := aws.ToString(rt.RouteTableId)
	if len(rt.Routes) != 1 || aws.ToString(rt.Routes[0].GatewayId) != "local" || rt.Routes[0].Origin != types.RouteOriginCreateRouteTable {
		t.Fatalf("routes %+v", rt.Routes)
	}
	must[*ec2.CreateRouteOutput](t)(c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &rtb, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &igw}))
	_, err = c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &rtb, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &igw})
	wantCode(t, err, "RouteAlreadyExists")
	must[*ec2.ReplaceRouteOutput](t)(c.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: &rtb, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &igw}))
	_, err = c.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: &rtb, DestinationCidrBlock: aws.String("10.9.0.0/16")})
	wantCode(t, err, "InvalidRoute.NotFound")
	assoc := aws.ToString(must[*ec2.AssociateRouteTableOutput](t)(c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &rtb, SubnetId: &subnet})).AssociationId)
	polled := must[*ec2.DescribeRouteTablesOutput](t)(c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("association.route-table-association-id", assoc)}}))
	if len(polled.RouteTables) != 1 || polled.RouteTables[0].Associations[0].AssociationState.State != types.RouteTableAssociationStateCodeAssociated ||
		polled.RouteTables[0].Routes[1].State != types.RouteStateActive {
		t.Fatalf("polled %+v", polled.RouteTables)
	}
	_, err = c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: &rtb})
	wantCode(t, err, "DependencyViolation")
	// The subnet back to the main table, and to this one again.
	main := must[*ec2.DescribeRouteTablesOutput](t)(c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("association.main", "true"), filter("vpc-id", vpc)}})).RouteTables[0]
	moved := aws.ToString(must[*ec2.ReplaceRouteTableAssociationOutput](t)(c.ReplaceRouteTableAssociation(ctx, &ec2.ReplaceRouteTableAssociationInput{AssociationId: &assoc, RouteTableId: main.RouteTableId})).NewAssociationId)
	_, err = c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: &assoc})
	wantCode(t, err, "InvalidAssociationID.NotFound")
	_, err = c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: main.Associations[0].RouteTableAssociationId})
	wantCode(t, err, "InvalidParameterValue")
	must[*ec2.DisassociateRouteTableOutput](t)(c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: &moved}))
	// Detached, the gateway's route is a blackhole; attached, it cannot go.
	_, err = c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: &igw})
	wantCode(t, err, "DependencyViolation")
	_, err = c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc})
	wantCode(t, err, "DependencyViolation")
	must[*ec2.DetachInternetGatewayOutput](t)(c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: &igw, VpcId: &vpc}))
	_, err = c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: &igw, VpcId: &vpc})
	wantCode(t, err, "Gateway.NotAttached")
	got := must[*ec2.DescribeRouteTablesOutput](t)(c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{rtb}})).RouteTables[0]
	if got.Routes[1].State != types.RouteStateBlackhole {
		t.Errorf("route after detach %+v", got.Routes[1])
	}
	must[*ec2.DeleteRouteOutput](t)(c.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: &rtb, DestinationCidrBlock: aws.String("0.0.0.0/0")}))
	must[*ec2.DeleteRouteTableOutput](t)(c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: &rtb}))
	_, err = c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{rtb}})
	wantCode(t, err, "InvalidRouteTableID.NotFound")
	must[*ec2.DeleteInternetGatewayOutput](t)(c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: &igw}))
	_, err = c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{igw}})
	wantCode(t, err, "InvalidInternetGatewayID.NotFound")
	must[*ec2.DeleteSubnetOutput](t)(c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: &subnet}))
	must[*ec2.DeleteVpcOutput](t)(c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc}))
}
