package ec2

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/ec2net"
	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Security groups and their rules (docs/decisions/0300-ec2-networking.md).
// A group keeps its rules one source each (ec2net.SGRule); the wire's
// IpPermissions group them by protocol and ports.

const (
	defaultGroupName = "default"
	allProtocols     = "-1"
	anywhere         = "0.0.0.0/0"
)

func loadGroup(tx deskplane.Tx, sc deskplane.Scope, id string) (*ec2net.SecurityGroup, error) {
	g, found, err := ec2net.SecurityGroups().Get(tx, sc, id)
	if err == nil && !found {
		err = groupNotFound(id)
	}
	return g, err
}

func (s *Service) CreateSecurityGroup(ctx context.Context, in *ec2api.CreateSecurityGroupRequest) (*ec2api.CreateSecurityGroupResult, error) {
	sc := env.Scope(ctx)
	name, desc, vpc := value(in.GroupName), value(in.Description), value(in.VpcId)
	switch {
	case name == "":
		return nil, missing("groupName")
	case desc == "":
		return nil, missing("groupDescription")
	case vpc == "":
		return nil, ec2Error(deskplane.CodeInvalidParameter, ec2net.ReasonEC2MissingParameter,
			"No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.")
	case len(name) > 255 || len(desc) > 255:
		return nil, invalid("Value for parameter groupName or groupDescription is invalid: longer than 255 characters.")
	case strings.EqualFold(name, defaultGroupName):
		return nil, invalid("Cannot use reserved security group name: %s", name)
	case strings.HasPrefix(strings.ToLower(name), "sg-"):
		return nil, invalid("Group names may not be in the format sg-*.")
	}
	tags, err := specTags(in.TagSpecifications, ec2api.ResourceTypeSecurityGroup)
	if err != nil {
		return nil, err
	}
	g := ec2net.SecurityGroup{ID: deskplane.NewHexID("sg-", 17), Name: name, Description: desc, VPC: vpc, Tags: tags}
	g.Egress = []ec2net.SGRule{{ID: deskplane.NewHexID("sgr-", 17), Protocol: allProtocols, CIDR: anywhere}}
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		if _, err := loadVPC(tx, sc, vpc); err != nil {
			return err
		}
		dup := false
		err := ec2net.SecurityGroups().Each(tx, sc, 0, func(_ int64, o *ec2net.SecurityGroup) (bool, error) {
			dup = o.VPC == vpc && o.Name == name
			return !dup, nil
		})
		if err != nil {
			return err
		}
		if dup {
			return ec2Error(deskplane.CodeAlreadyExists, ec2net.ReasonEC2GroupDuplicate,
				"The security group '%s' already exists for VPC '%s'", name, vpc)
		}
		return ec2net.SecurityGroups().Put(tx, sc, g.ID, &g)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.CreateSecurityGroupResult{GroupId: new(g.ID), Tags: wireTags(g.Tags), SecurityGroupArn: new(groupARN(sc, g.ID))}, nil
}

func groupARN(sc deskplane.Scope, id string) string {
	return "arn:" + deskplane.Partition(sc.Region) + ":ec2:" + sc.Region + ":" + sc.Account + ":security-group/" + id
}

func (s *Service) DeleteSecurityGroup(ctx context.Context, in *ec2api.DeleteSecurityGroupRequest) (*ec2api.DeleteSecurityGroupResult, error) {
	sc, id := env.Scope(ctx), value(in.GroupId)
	if id == "" {
		return nil, byNameOnly(in.GroupName)
	}
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		g, err := loadGroup(tx, sc, id)
		if err != nil {
			return err
		}
		if g.Name == defaultGroupName {
			return ec2Error(deskplane.CodeInvalidParameter, ec2net.ReasonEC2CannotDelete,
				"the specified group: \"%s\" name: \"default\" cannot be deleted by a user", id)
		}
		used := false
		err = ec2net.SecurityGroups().Each(tx, sc, 0, func(_ int64, o *ec2net.SecurityGroup) (bool, error) {
			refers := func(r ec2net.SGRule) bool { return r.Group == id }
			used = o.ID != id && (slices.ContainsFunc(o.Ingress, refers) || slices.ContainsFunc(o.Egress, refers))
			return !used, nil
		})
		if err != nil {
			return err
		}
		if used {
			return ec2Error(deskplane.CodeAssociated, ec2net.ReasonEC2DependencyViolation, "resource %s has a dependent object", id)
		}
		_, err = ec2net.SecurityGroups().Delete(tx, sc, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteSecurityGroupResult{Return: new(true), GroupId: new(id)}, nil
}

// byNameOnly answers a request naming a group by name alone, which only
// a default VPC allows; deskplane's accounts have none.
func byNameOnly(name *string) error {
	if name == nil {
		return missing("groupId")
	}
	return notFound(ec2net.ReasonEC2GroupNotFound, *name, "The security group '%s' does not exist in default VPC 'none'")
}

func groupFilters(sc deskplane.Scope) filterSet[ec2net.SecurityGroup] {
	sources := func(rules []ec2net.SGRule, f func(ec2net.SGRule) string) []string {
		var out []string
		for _, r := range rules {
			if v := f(r); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	cidr := func(r ec2net.SGRule) string { return r.CIDR }
	group := func(r ec2net.SGRule) string { return r.Group }
	proto := func(r ec2net.SGRule) string { return r.Protocol }
	return filterSet[ec2net.SecurityGroup]{
		"group-name":                    func(g *ec2net.SecurityGroup) []string { return one(g.Name) },
		"group-id":                      func(g *ec2net.SecurityGroup) []string { return one(g.ID) },
		"vpc-id":                        func(g *ec2net.SecurityGroup) []string { return one(g.VPC) },
		"description":                   func(g *ec2net.SecurityGroup) []string { return one(g.Description) },
		"owner-id":                      func(*ec2net.SecurityGroup) []string { return one(sc.Account) },
		"ip-permission.cidr":            func(g *ec2net.SecurityGroup) []string { return sources(g.Ingress, cidr) },
		"ip-permission.group-id":        func(g *ec2net.SecurityGroup) []string { return sources(g.Ingress, group) },
		"ip-permission.protocol":        func(g *ec2net.SecurityGroup) []string { return sources(g.Ingress, proto) },
		"egress.ip-permission.cidr":     func(g *ec2net.SecurityGroup) []string { return sources(g.Egress, cidr) },
		"egress.ip-permission.group-id": func(g *ec2net.SecurityGroup) []string { return sources(g.Egress, group) },
		"egress.ip-permission.protocol": func(g *ec2net.SecurityGroup) []string { return sources(g.Egress, proto) },
	}
}

func groupTags(g *ec2net.SecurityGroup) []deskplane.Tag { return g.Tags }

func (s *Service) DescribeSecurityGroups(ctx context.Context, in *ec2api.DescribeSecurityGroupsRequest) (*ec2api.DescribeSecurityGroupsResult, error) {
	sc := env.Scope(ctx)
	keep, err := groupFilters(sc).compile(in.Filters, groupTags)
	if err != nil {
		return nil, err
	}
	if len(in.GroupNames) > 0 {
		return nil, byNameOnly(&in.GroupNames[0])
	}
	l, err := newListing(ctx, "DescribeSecurityGroups", in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	groups, next, err := describe(ctx, s, ec2net.SecurityGroups(), l, in.GroupIds, groupNotFound, keep,
		func(g *ec2net.SecurityGroup) ec2api.SecurityGroup { return wireGroup(g, sc) })
	if err != nil {
		return nil, err
	}
	return &ec2api.DescribeSecurityGroupsResult{SecurityGroups: groups, NextToken: next}, nil
}

func wireGroup(g *ec2net.SecurityGroup, sc deskplane.Scope) ec2api.SecurityGroup {
	return ec2api.SecurityGroup{
		GroupId:             new(g.ID),
		GroupName:           new(g.Name),
		Description:         new(g.Description),
		VpcId:               new(g.VPC),
		OwnerId:             new(sc.Account),
		SecurityGroupArn:    new(groupARN(sc, g.ID)),
		Tags:                wireTags(g.Tags),
		IpPermissions:       wirePermissions(g.Ingress, sc),
		IpPermissionsEgress: wirePermissions(g.Egress, sc),
	}
}

// wirePermissions groups rules by protocol and ports, in the order of
// their first rule.
func wirePermissions(rules []ec2net.SGRule, sc deskplane.Scope) []ec2api.IpPermission {
	out := []ec2api.IpPermission{}
	index := map[string]int{}
	for _, r := range rules {
		k := fmt.Sprintf("%s/%d/%d", r.Protocol, r.From, r.To)
		i, ok := index[k]
		if !ok {
			p := ec2api.IpPermission{IpProtocol: new(r.Protocol)}
			if hasPorts(r.Protocol) {
				p.FromPort, p.ToPort = new(r.From), new(r.To)
			}
			out = append(out, p)
			i = len(out) - 1
			index[k] = i
		}
		p := &out[i]
		desc := optional(r.Description)
		switch {
		case r.CIDR != "":
			p.IpRanges = append(p.IpRanges, ec2api.IpRange{CidrIp: new(r.CIDR), Description: desc})
		case r.IPv6 != "":
			p.Ipv6Ranges = append(p.Ipv6Ranges, ec2api.Ipv6Range{CidrIpv6: new(r.IPv6), Description: desc})
		case r.PrefixList != "":
			p.PrefixListIds = append(p.PrefixListIds, ec2api.PrefixListId{PrefixListId: new(r.PrefixList), Description: desc})
		default:
			p.UserIdGroupPairs = append(p.UserIdGroupPairs, ec2api.UserIdGroupPair{GroupId: new(r.Group), UserId: new(sc.Account), Description: desc})
		}
	}
	return out
}

// hasPorts reports whether rules of the protocol carry ports (ICMP: type
// and code).
func hasPorts(proto string) bool {
	switch proto {
	case "tcp", "udp", "icmp", "icmpv6":
		return true
	}
	return false
}

// protocol returns the canonical name of a rule's protocol.
func protocol(p string) (string, error) {
	switch strings.ToLower(p) {
	case "-1", "all":
		return allProtocols, nil
	case "tcp", "6":
		return "tcp", nil
	case "udp", "17":
		return "udp", nil
	case "icmp", "1":
		return "icmp", nil
	case "icmpv6", "58":
		return "icmpv6", nil
	}
	if n, err := strconv.Atoi(p); err == nil && n >= 0 && n <= 255 {
		return p, nil
	}
	return "", invalid("Invalid value '%s' for IP protocol. Unknown protocol.", p)
}

// expand turns the permissions of an Authorize or Revoke request into
// rules of one source each. legacy is the request's top-level fields.
func expand(perms []ec2api.IpPermission, legacy *ec2api.IpPermission) ([]ec2net.SGRule, error) {
	if legacy != nil && legacy.IpProtocol != nil {
		perms = append(perms, *legacy)
	}
	if len(perms) == 0 {
		return nil, missing("ipPermissions")
	}
	var out []ec2net.SGRule
	for _, p := range perms {
		proto, err := protocol(value(p.IpProtocol))
		if err != nil {
			return nil, err
		}
		base := ec2net.SGRule{Protocol: proto}
		if hasPorts(proto) {
			base.From, base.To = value(p.FromPort), value(p.ToPort)
			if p.FromPort == nil || p.ToPort == nil {
				return nil, invalid("Invalid value for portRange. Must specify both from and to ports with TCP/UDP.")
			}
			if (proto == "tcp" || proto == "udp") && (base.From < 0 || base.To > 65535 || base.From > base.To) {
				return nil, invalid("Invalid value for portRange. Must specify both from and to ports with TCP/UDP.")
			}
		}
		n := len(out)
		for _, r := range p.IpRanges {
			c, err := netip.ParsePrefix(value(r.CidrIp))
			if err != nil || !c.Addr().Is4() {
				return nil, invalid("CIDR block %s is malformed", value(r.CidrIp))
			}
			rule := base
			rule.CIDR, rule.Description = c.Masked().String(), value(r.Description)
			out = append(out, rule)
		}
		for _, r := range p.Ipv6Ranges {
			c, err := netip.ParsePrefix(value(r.CidrIpv6))
			if err != nil || !c.Addr().Is6() {
				return nil, invalid("CIDR block %s is malformed", value(r.CidrIpv6))
			}
			rule := base
			rule.IPv6, rule.Description = c.Masked().String(), value(r.Description)
			out = append(out, rule)
		}
		for _, r := range p.PrefixListIds {
			rule := base
			rule.PrefixList, rule.Description = value(r.PrefixListId), value(r.Description)
			out = append(out, rule)
		}
		for _, r := range p.UserIdGroupPairs {
			if r.GroupId == nil {
				return nil, byNameOnly(r.GroupName)
			}
			rule := base
			rule.Group, rule.Description = *r.GroupId, value(r.Description)
			out = append(out, rule)
		}
		if len(out) == n {
			return nil, missing("ipPermissions source (a CIDR, a prefix list or a group)")
		}
	}
	return out, nil
}

// sameRule reports whether two rules allow the same traffic (descriptions
// aside).
func sameRule(a, b ec2net.SGRule) bool {
	a.ID, a.Description, b.ID, b.Description = "", "", "", ""
	return a == b
}

func ruleText(r ec2net.SGRule) string {
	peer := r.CIDR + r.IPv6 + r.PrefixList + r.Group
	return fmt.Sprintf("peer: %s, %s, from port: %d, to port: %d, ALLOW", peer, strings.ToUpper(r.Protocol), r.From, r.To)
}

// changeRules authorizes (add) or revokes rules of a group's ingress or
// egress and returns the rules added or removed.
func (s *Service) changeRules(ctx context.Context, id *string, name *string, egress, add bool, rules []ec2net.SGRule) ([]ec2net.SGRule, error) {
	sc := env.Scope(ctx)
	if value(id) == "" {
		return nil, byNameOnly(name)
	}
	var done []ec2net.SGRule
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		done = nil
		for _, r := range rules {
			if r.Group != "" && r.Group != *id {
				if _, err := loadGroup(tx, sc, r.Group); err != nil {
					return err
				}
			}
		}
		return ec2net.SecurityGroups().Modify(tx, sc, *id, func() error { return groupNotFound(*id) }, func(g *ec2net.SecurityGroup) error {
			list := &g.Ingress
			if egress {
				list = &g.Egress
			}
			for _, r := range rules {
				i := slices.IndexFunc(*list, func(have ec2net.SGRule) bool { return sameRule(have, r) })
				switch {
				case add && i >= 0:
					return ec2Error(deskplane.CodeAlreadyExists, ec2net.ReasonEC2PermissionDuplicate,
						"the specified rule \"%s\" already exists", ruleText(r))
				case add:
					r.ID = deskplane.NewHexID("sgr-", 17)
					*list = append(*list, r)
					done = append(done, r)
				case i < 0:
					return ec2Error(deskplane.CodeNotFound, ec2net.ReasonEC2PermissionNotFound,
						"The specified rule does not exist in this security group.")
				default:
					done = append(done, (*list)[i])
					*list = slices.Delete(*list, i, i+1)
				}
			}
			return nil
		})
	})
	return done, err
}

func wireRules(rules []ec2net.SGRule, group string, egress bool, sc deskplane.Scope) []ec2api.SecurityGroupRule {
	out := make([]ec2api.SecurityGroupRule, len(rules))
	for i, r := range rules {
		out[i] = ec2api.SecurityGroupRule{
			SecurityGroupRuleId: new(r.ID), GroupId: new(group), GroupOwnerId: new(sc.Account), IsEgress: new(egress),
			IpProtocol: new(r.Protocol), CidrIpv4: optional(r.CIDR), CidrIpv6: optional(r.IPv6), PrefixListId: optional(r.PrefixList),
			Description: optional(r.Description),
		}
		if hasPorts(r.Protocol) {
			out[i].FromPort, out[i].ToPort = new(r.From), new(r.To)
		} else {
			out[i].FromPort, out[i].ToPort = new(int32(-1)), new(int32(-1))
		}
		if r.Group != "" {
			out[i].ReferencedGroupInfo = &ec2api.ReferencedSecurityGroup{GroupId: new(r.Group), UserId: new(sc.Account)}
		}
	}
	return out
}

func legacyPermission(proto *string, from, to *int32, cidr *string) *ec2api.IpPermission {
	p := &ec2api.IpPermission{IpProtocol: proto, FromPort: from, ToPort: to}
	if cidr != nil {
		p.IpRanges = []ec2api.IpRange{{CidrIp: cidr}}
	}
	return p
}

func (s *Service) AuthorizeSecurityGroupIngress(ctx context.Context, in *ec2api.AuthorizeSecurityGroupIngressRequest) (*ec2api.AuthorizeSecurityGroupIngressResult, error) {
	rules, err := expand(in.IpPermissions, legacyPermission(in.IpProtocol, in.FromPort, in.ToPort, in.CidrIp))
	if err != nil {
		return nil, err
	}
	done, err := s.changeRules(ctx, in.GroupId, in.GroupName, false, true, rules)
	if err != nil {
		return nil, err
	}
	return &ec2api.AuthorizeSecurityGroupIngressResult{Return: new(true), SecurityGroupRules: wireRules(done, value(in.GroupId), false, env.Scope(ctx))}, nil
}

func (s *Service) AuthorizeSecurityGroupEgress(ctx context.Context, in *ec2api.AuthorizeSecurityGroupEgressRequest) (*ec2api.AuthorizeSecurityGroupEgressResult, error) {
	rules, err := expand(in.IpPermissions, legacyPermission(in.IpProtocol, in.FromPort, in.ToPort, in.CidrIp))
	if err != nil {
		return nil, err
	}
	done, err := s.changeRules(ctx, in.GroupId, nil, true, true, rules)
	if err != nil {
		return nil, err
	}
	return &ec2api.AuthorizeSecurityGroupEgressResult{Return: new(true), SecurityGroupRules: wireRules(done, value(in.GroupId), true, env.Scope(ctx))}, nil
}

func (s *Service) RevokeSecurityGroupIngress(ctx context.Context, in *ec2api.RevokeSecurityGroupIngressRequest) (*ec2api.RevokeSecurityGroupIngressResult, error) {
	if len(in.SecurityGroupRuleIds) > 0 {
		return nil, deskplane.Errorf(deskplane.CodeNotImplemented, "deskplane does not implement revoking rules by SecurityGroupRuleIds; revoke them by IpPermissions.")
	}
	rules, err := expand(in.IpPermissions, legacyPermission(in.IpProtocol, in.FromPort, in.ToPort, in.CidrIp))
	if err != nil {
		return nil, err
	}
	if _, err := s.changeRules(ctx, in.GroupId, in.GroupName, false, false, rules); err != nil {
		return nil, err
	}
	return &ec2api.RevokeSecurityGroupIngressResult{Return: new(true)}, nil
}

func (s *Service) RevokeSecurityGroupEgress(ctx context.Context, in *ec2api.RevokeSecurityGroupEgressRequest) (*ec2api.RevokeSecurityGroupEgressResult, error) {
	if len(in.SecurityGroupRuleIds) > 0 {
		return nil, deskplane.Errorf(deskplane.CodeNotImplemented, "deskplane does not implement revoking rules by SecurityGroupRuleIds; revoke them by IpPermissions.")
	}
	rules, err := expand(in.IpPermissions, legacyPermission(in.IpProtocol, in.FromPort, in.ToPort, in.CidrIp))
	if err != nil {
		return nil, err
	}
	if _, err := s.changeRules(ctx, in.GroupId, nil, true, false, rules); err != nil {
		return nil, err
	}
	return &ec2api.RevokeSecurityGroupEgressResult{Return: new(true)}, nil
}
