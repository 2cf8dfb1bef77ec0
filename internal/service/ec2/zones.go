package ec2

import (
	"context"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Availability zones, Regions and account attributes
// (docs/decisions/0300-ec2-networking.md).

// zone is an availability zone of a Region.
type zone struct{ name, id, region string }

// zones returns the availability zones of a Region: six in us-east-1
// (us-east-1a…f, use1-az1…az6), three elsewhere, letter n having zone id
// az<n>.
func zones(region string) []zone {
	n := 3
	if region == "us-east-1" {
		n = 6
	}
	out := make([]zone, n)
	for i := range n {
		out[i] = zone{name: region + string(rune('a'+i)), id: zonePrefix(region) + "-az" + string(rune('1'+i)), region: region}
	}
	return out
}

// zonePrefix is the short form of a Region in its zone ids: the area, the
// initials of the direction, the number (us-east-1 → use1, ap-southeast-2
// → apse2, us-gov-west-1 → usgw1).
func zonePrefix(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) < 3 {
		return region
	}
	var b strings.Builder
	b.WriteString(parts[0])
	for _, p := range parts[1 : len(parts)-1] {
		switch p {
		case "gov":
			b.WriteString("g")
		case "northeast", "northwest", "southeast", "southwest":
			b.WriteString(p[:1] + p[5:6])
		default:
			b.WriteString(p[:1])
		}
	}
	b.WriteString(parts[len(parts)-1])
	return b.String()
}

// findZone returns the zone of the Region named by name or id.
func findZone(region, name, id string) (zone, bool) {
	for _, z := range zones(region) {
		if (name == "" || z.name == name) && (id == "" || z.id == id) {
			return z, true
		}
	}
	return zone{}, false
}

func zoneFilters() filterSet[zone] {
	return filterSet[zone]{
		"state":                func(*zone) []string { return one(string(ec2api.AvailabilityZoneStateAvailable)) },
		"opt-in-status":        func(*zone) []string { return one(string(ec2api.AvailabilityZoneOptInStatusOptInNotRequired)) },
		"zone-name":            func(z *zone) []string { return one(z.name) },
		"zone-id":              func(z *zone) []string { return one(z.id) },
		"region-name":          func(z *zone) []string { return one(z.region) },
		"group-name":           func(z *zone) []string { return one(z.region) },
		"network-border-group": func(z *zone) []string { return one(z.region) },
		"zone-type":            func(*zone) []string { return one(zoneType) },
		"message":              func(*zone) []string { return nil },
	}
}

const zoneType = "availability-zone"

func noTags[T any](*T) []deskplane.Tag { return nil }

func (s *Service) DescribeAvailabilityZones(ctx context.Context, in *ec2api.DescribeAvailabilityZonesRequest) (*ec2api.DescribeAvailabilityZonesResult, error) {
	region := env.Caller(ctx).Region
	keep, err := zoneFilters().compile(in.Filters, noTags[zone])
	if err != nil {
		return nil, err
	}
	all := zones(region)
	for _, n := range in.ZoneNames {
		if !slices.ContainsFunc(all, func(z zone) bool { return z.name == n }) {
			return nil, invalid("The zone '%s' does not exist.", n)
		}
	}
	for _, id := range in.ZoneIds {
		if !slices.ContainsFunc(all, func(z zone) bool { return z.id == id }) {
			return nil, invalid("The zone ID '%s' does not exist.", id)
		}
	}
	out := []ec2api.AvailabilityZone{}
	for _, z := range all {
		named := len(in.ZoneNames) == 0 && len(in.ZoneIds) == 0 ||
			slices.Contains(in.ZoneNames, z.name) || slices.Contains(in.ZoneIds, z.id)
		if !named || !keep(&z) {
			continue
		}
		out = append(out, ec2api.AvailabilityZone{
			State:              ec2api.AvailabilityZoneStateAvailable,
			OptInStatus:        ec2api.AvailabilityZoneOptInStatusOptInNotRequired,
			Messages:           []ec2api.AvailabilityZoneMessage{},
			RegionName:         new(z.region),
			ZoneName:           new(z.name),
			ZoneId:             new(z.id),
			GroupName:          new(z.region),
			NetworkBorderGroup: new(z.region),
			ZoneType:           new(zoneType),
		})
	}
	return &ec2api.DescribeAvailabilityZonesResult{AvailabilityZones: out}, nil
}

// knownRegions are the Regions DescribeRegions lists when deskplane serves
// any Region (no -regions).
func knownRegions() []string {
	return []string{
		"af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
		"ap-southeast-1", "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-south-1",
		"eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-south-1", "sa-east-1",
		"us-east-1", "us-east-2", "us-west-1", "us-west-2",
	}
}

type region struct{ name, endpoint string }

func regionFilters() filterSet[region] {
	return filterSet[region]{
		"region-name":   func(r *region) []string { return one(r.name) },
		"endpoint":      func(r *region) []string { return one(r.endpoint) },
		"opt-in-status": func(*region) []string { return one(string(ec2api.AvailabilityZoneOptInStatusOptInNotRequired)) },
	}
}

func (s *Service) DescribeRegions(ctx context.Context, in *ec2api.DescribeRegionsRequest) (*ec2api.DescribeRegionsResult, error) {
	keep, err := regionFilters().compile(in.Filters, noTags[region])
	if err != nil {
		return nil, err
	}
	names := s.Regions
	if len(names) == 0 {
		names = knownRegions()
	}
	for _, n := range in.RegionNames {
		if !slices.Contains(names, n) {
			return nil, invalid("Invalid region names: %s", n)
		}
	}
	out := []ec2api.Region{}
	for _, n := range names {
		r := region{name: n, endpoint: "ec2." + n + ".amazonaws.com"}
		if len(in.RegionNames) > 0 && !slices.Contains(in.RegionNames, n) || !keep(&r) {
			continue
		}
		out = append(out, ec2api.Region{
			RegionName:  new(r.name),
			Endpoint:    new(r.endpoint),
			OptInStatus: new(string(ec2api.AvailabilityZoneOptInStatusOptInNotRequired)),
		})
	}
	return &ec2api.DescribeRegionsResult{Regions: out}, nil
}

// accountAttributes are the EC2 account attributes, as an account without
// a default VPC has them.
func accountAttributes() []struct{ name, values string } {
	return []struct{ name, values string }{
		{"supported-platforms", "VPC"},
		{"vpc-max-security-groups-per-interface", "5"},
		{"max-elastic-ips", "5"},
		{"max-instances", "20"},
		{"vpc-max-elastic-ips", "5"},
		{"default-vpc", "none"},
	}
}

func (s *Service) DescribeAccountAttributes(ctx context.Context, in *ec2api.DescribeAccountAttributesRequest) (*ec2api.DescribeAccountAttributesResult, error) {
	out := []ec2api.AccountAttribute{}
	for _, a := range accountAttributes() {
		if len(in.AttributeNames) > 0 && !slices.Contains(in.AttributeNames, ec2api.AccountAttributeName(a.name)) {
			continue
		}
		out = append(out, ec2api.AccountAttribute{
			AttributeName:   new(a.name),
			AttributeValues: []ec2api.AccountAttributeValue{{AttributeValue: new(a.values)}},
		})
	}
	return &ec2api.DescribeAccountAttributesResult{AccountAttributes: out}, nil
}
