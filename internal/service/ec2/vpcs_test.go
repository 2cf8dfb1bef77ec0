package ec2_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

func TestAvailabilityZonesAsTheDataSourceReadsThem(t *testing.T) {
	e, c := start(t)
	ctx := e.Ctx()
	out := must[*ec2.DescribeAvailabilityZonesOutput](t)(c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{
		Filters: []types.Filter{filter("state", "available"), filter("opt-in-status", "opt-in-not-required")},
	}))
	if len(out.AvailabilityZones) != 6 {
		t.Fatalf("us-east-1 has %d zones", len(out.AvailabilityZones))
	}
	z := out.AvailabilityZones[1]
	if aws.ToString(z.ZoneName) != "us-east-1b" || aws.ToString(z.ZoneId) != "use1-az2" || aws.ToString(z.GroupName) != "us-east-1" || z.State != types.AvailabilityZoneStateAvailable {
		t.Errorf("zone %+v", z)
	}
	one := must[*ec2.DescribeAvailabilityZonesOutput](t)(c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{
		Filters: []types.Filter{filter("zone-id", "use1-az4", "use1-az6")},
	}))
	if len(one.AvailabilityZones) != 2 || aws.ToString(one.AvailabilityZones[0].ZoneName) != "us-east-1d" {
		t.Errorf("by zone id: %+v", one.AvailabilityZones)
	}
	eu := must[*ec2.DescribeAvailabilityZonesOutput](t)(client(e, apptest.AccountA, "ap-southeast-2").DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{}))
	if len(eu.AvailabilityZones) != 3 || aws.ToString(eu.AvailabilityZones[2].ZoneId) != "apse2-az3" {
		t.Errorf("ap-southeast-2: %+v", eu.AvailabilityZones)
	}
	_, err := c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{Filters: []types.Filter{filter("colour", "red")}})
	wantCode(t, err, "InvalidParameterValue")
	regions := must[*ec2.DescribeRegionsOutput](t)(c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{Filters: []types.Filter{filter("region-name", "us-*")}}))
	if len(regions.Regions) != 4 {
		t.Errorf("regions %d", len(regions.Regions))
	}
	attrs := must[*ec2.DescribeAccountAttributesOutput](t)(c.DescribeAccountAttributes(ctx, &ec2.DescribeAccountAttributesInput{
		AttributeNames: []types.AccountAttributeName{types.AccountAttributeNameSupportedPlatforms},
	}))
	if len(attrs.AccountAttributes) != 1 || aws.ToString(attrs.AccountAttributes[0].AttributeValues[0].AttributeValue) != "VPC" {
		t.Errorf("attributes %+v", attrs.AccountAttributes)
	}
}

// TestVPCAsTheProviderManagesIt makes aws_vpc's calls: create, poll,
// modify and read the attributes, read the defaults, retag, delete.
func TestVPCAsTheProviderManagesIt(t *testing.T) {
	e, c := start(t)
	ctx := e.Ctx()
	v := createVPC(t, e, c, "10.1.0.0/16", tag("Name", "test"))
	if v.State != types.VpcStatePending || aws.ToString(v.DhcpOptionsId) == "" {
		t.Fatalf("created %+v", v)
	}
	id := aws.ToString(v.VpcId)
	got := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{id}}))
	if len(got.Vpcs) != 1 || got.Vpcs[0].State != types.VpcStateAvailable || aws.ToString(got.Vpcs[0].OwnerId) != apptest.AccountA ||
		aws.ToString(got.Vpcs[0].CidrBlock) != "10.1.0.0/16" || len(got.Vpcs[0].Tags) != 1 || got.Vpcs[0].InstanceTenancy != types.TenancyDefault {
		t.Fatalf("described %+v", got.Vpcs)
	}
	must[*ec2.ModifyVpcAttributeOutput](t)(c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: &id, EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}}))
	for attr, want := range map[types.VpcAttributeName]bool{
		types.VpcAttributeNameEnableDnsHostnames: true, types.VpcAttributeNameEnableDnsSupport: true,
		types.VpcAttributeNameEnableNetworkAddressUsageMetrics: false,
	} {
		out := must[*ec2.DescribeVpcAttributeOutput](t)(c.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: &id, Attribute: attr}))
		var b *types.AttributeBooleanValue
		switch attr {
		case types.VpcAttributeNameEnableDnsHostnames:
			b = out.EnableDnsHostnames
		case types.VpcAttributeNameEnableDnsSupport:
			b = out.EnableDnsSupport
		default:
			b = out.EnableNetworkAddressUsageMetrics
		}
		if b == nil || aws.ToBool(b.Value) != want {
			t.Errorf("%s: %+v", attr, b)
		}
	}
	_, err := c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: &id,
		EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}, EnableDnsSupport: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	wantCode(t, err, "InvalidParameterCombination")
	vpcFilter := filter("vpc-id", id)
	acls := must[*ec2.DescribeNetworkAclsOutput](t)(c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{filter("default", "true"), vpcFilter}}))
	if len(acls.NetworkAcls) != 1 || len(acls.NetworkAcls[0].Entries) != 4 {
		t.Errorf("default ACL %+v", acls.NetworkAcls)
	}
	rtbs := must[*ec2.DescribeRouteTablesOutput](t)(c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("association.main", "true"), vpcFilter}}))
	if len(rtbs.RouteTables) != 1 || len(rtbs.RouteTables[0].Routes) != 1 || aws.ToString(rtbs.RouteTables[0].Routes[0].GatewayId) != "local" {
		t.Errorf("main route table %+v", rtbs.RouteTables)
	}
	sgs := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("group-name", "default"), vpcFilter}}))
	if len(sgs.SecurityGroups) != 1 || len(sgs.SecurityGroups[0].IpPermissionsEgress) != 1 {
		t.Errorf("default group %+v", sgs.SecurityGroups)
	}
	// Tags: the provider deletes, then creates.
	must[*ec2.DeleteTagsOutput](t)(c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("Name")}}}))
	must[*ec2.CreateTagsOutput](t)(c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{tag("env", "dev"), tag("team", "a")}}))
	byTag := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("tag:env", "dev"), filter("tag-key", "team")}}))
	if len(byTag.Vpcs) != 1 || len(byTag.Vpcs[0].Tags) != 2 {
		t.Errorf("by tag %+v", byTag.Vpcs)
	}
	tags := must[*ec2.DescribeTagsOutput](t)(c.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{filter("resource-id", id)}}))
	if len(tags.Tags) != 2 || tags.Tags[0].ResourceType != types.ResourceTypeVpc {
		t.Errorf("DescribeTags %+v", tags.Tags)
	}
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{"vpc-0000000000000000a"}, Tags: []types.Tag{tag("a", "b")}})
	wantCode(t, err, "InvalidVpcID.NotFound")
	must[*ec2.DeleteVpcOutput](t)(c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &id}))
	_, err = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{id}})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &id})
	wantCode(t, err, "InvalidVpcID.NotFound")
	left := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{vpcFilter}}))
	if len(left.SecurityGroups) != 0 {
		t.Errorf("the default group outlived its VPC: %+v", left.SecurityGroups)
	}
}

func TestVPCErrorsAndPages(t *testing.T) {
	e, c := start(t)
	ctx := e.Ctx()
	for cidr, code := range map[string]string{"10.0.0.0/8": "InvalidVpc.Range", "10.0.0.0/29": "InvalidVpc.Range", "10.0.0.1/16": "InvalidParameterValue", "nonsense": "InvalidParameterValue"} {
		_, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)})
		wantCode(t, err, code)
	}
	for i := range 7 {
		createVPC(t, e, c, "10.0.0.0/16", tag("n", string(rune('a'+i))))
	}
	var ids []string
	p := ec2.NewDescribeVpcsPaginator(c, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(5), Filters: []types.Filter{filter("cidr", "10.0.*")}})
	pages := 0
	for p.HasMorePages() {
		out := must[*ec2.DescribeVpcsOutput](t)(p.NextPage(ctx))
		pages++
		for _, v := range out.Vpcs {
			ids = append(ids, aws.ToString(v.VpcId))
		}
	}
	if len(ids) != 7 || pages != 2 {
		t.Errorf("%d VPCs in %d pages", len(ids), pages)
	}
	// Another account sees none of them.
	other := must[*ec2.DescribeVpcsOutput](t)(client(e, apptest.AccountB, apptest.Region).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}))
	if len(other.Vpcs) != 0 {
		t.Errorf("account B sees %d VPCs", len(other.Vpcs))
	}
}
