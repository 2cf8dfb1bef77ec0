package network

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// IP access control groups (behaviour doc §6.1; AGA:amazon-workspaces-ip-access-control-groups;
// docs/decisions/0040-ip-groups.md).
//
// A group is a deskplane.IPGroup record in its owner's scope. Which groups
// a directory uses is kept on the directory's registration only
// (Directory.IPGroupIDs, shown by DescribeWorkspaceDirectories as
// IpGroupIds), so a deregistered directory takes its associations with it
// and DeleteIpGroup finds them by looking at the scope's directories.

func ipGroupNotFound(id string) error {
	return deskplane.NotFound(id, "The IP access control group %s could not be found in your account in this Region.", id)
}

// loadIPGroup reads one of the scope's groups, or answers CodeNotFound.
func loadIPGroup(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.IPGroup, error) {
	g, ok, err := deskplane.IPGroups().Get(tx, sc, id)
	if err == nil && !ok {
		err = ipGroupNotFound(id)
	}
	return g, err
}

// parseIPRule checks that s is an IPv4 range in CIDR notation and returns
// the range with its host bits cleared. The rule itself is stored and
// compared as written (decisions 0040 and 0332: host bits may be set, as
// the console and Terraform's IsCIDR accept them, and two rules equal only
// after masking are two rules).
func parseIPRule(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, deskplane.Errorf(deskplane.CodeInvalidParameter,
			"The IP rule %q is not valid. Specify an IPv4 address range in CIDR notation, such as 203.0.113.0/24.", s)
	}
	return p.Masked(), nil
}

// checkIPRules validates a request's rules and converts them; a rule may
// appear once as written (decision 0332).
func checkIPRules(rules []wsapi.IpRuleItem) ([]deskplane.IPRule, error) {
	out := make([]deskplane.IPRule, 0, len(rules))
	seen := make(map[string]bool, len(rules))
	for _, r := range rules {
		cidr := value(r.IpRule)
		if _, err := parseIPRule(cidr); err != nil {
			return nil, err
		}
		if seen[cidr] {
			return nil, deskplane.Errorf(deskplane.CodeInvalidParameter,
				"The IP rule %s appears twice; each rule may appear only once in a group.", cidr)
		}
		seen[cidr] = true
		out = append(out, deskplane.IPRule{CIDR: cidr, Description: value(r.RuleDesc)})
	}
	return out, nil
}

// checkRuleCount applies the rules-per-group quota to a group (named by
// what) that would have n rules.
func (s *Service) checkRuleCount(what string, n int) error {
	if q := s.Quotas.RulesPerIPGroup; q > 0 && n > q {
		return deskplane.Errorf(deskplane.CodeLimitExceeded,
			"An IP access control group can have at most %d rules; %s would have %d.", q, what, n)
	}
	return nil
}

func wireIPGroup(g *deskplane.IPGroup) wsapi.WorkspacesIpGroup {
	out := wsapi.WorkspacesIpGroup{
		GroupId:   new(g.ID),
		GroupName: new(g.Name),
		GroupDesc: optional(g.Description),
		UserRules: make([]wsapi.IpRuleItem, len(g.Rules)),
	}
	for i, r := range g.Rules {
		out.UserRules[i] = wsapi.IpRuleItem{IpRule: new(r.CIDR), RuleDesc: optional(r.Description)}
	}
	return out
}

// ---- create, delete, describe -------------------------------------------------

func (s *Service) CreateIpGroup(ctx context.Context, in *wsapi.CreateIpGroupRequest) (*wsapi.CreateIpGroupResult, error) {
	tags := tags(in.Tags)
	if err := deskplane.CheckTags(tags); err != nil {
		return nil, err
	}
	name := value(in.GroupName)
	if strings.TrimSpace(name) == "" {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The GroupName of an IP access control group cannot be empty.")
	}
	rules, err := checkIPRules(in.UserRules)
	if err != nil {
		return nil, err
	}
	if err := s.checkRuleCount("the new group "+name, len(rules)); err != nil {
		return nil, err
	}
	sc := env.Scope(ctx)
	now := s.Now()
	id := deskplane.NewID("wsipg-", 9)
	groups := deskplane.IPGroups()
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		dup := ""
		err := groups.Each(tx, sc, 0, func(_ int64, g *deskplane.IPGroup) (bool, error) {
			if g.Name == name {
				dup = g.ID
			}
			return dup == "", nil
		})
		if err != nil {
			return err
		}
		if dup != "" {
			return deskplane.Errorf(deskplane.CodeAlreadyExists,
				"An IP access control group named %s already exists in this Region (%s). Provide a unique group name, and try again.", name, dup)
		}
		n, err := groups.Count(tx, sc)
		if err != nil {
			return err
		}
		if q := s.Quotas.IPGroups; q > 0 && n >= q {
			return deskplane.Errorf(deskplane.CodeLimitExceeded,
				"Your account has reached its limit of %d IP access control groups in Region %s. Delete groups you no longer need, and try again.", q, sc.Region)
		}
		g := deskplane.IPGroup{ID: id, Name: name, Description: value(in.GroupDesc), Rules: rules, Created: now}
		if err := groups.Put(tx, sc, id, &g); err != nil {
			return err
		}
		return deskplane.MergeTags(tx, sc, id, tags)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.CreateIpGroupResult{GroupId: new(id)}, nil
}

func (s *Service) DeleteIpGroup(ctx context.Context, in *wsapi.DeleteIpGroupRequest) (*wsapi.DeleteIpGroupResult, error) {
	sc, id := env.Scope(ctx), value(in.GroupId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		if _, err := loadIPGroup(tx, sc, id); err != nil {
			return err
		}
		var dirs []string
		err := deskplane.Directories().Each(tx, sc, 0, func(_ int64, d *deskplane.Directory) (bool, error) {
			if slices.Contains(d.IPGroupIDs, id) {
				dirs = append(dirs, d.ID)
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		if len(dirs) > 0 {
			return deskplane.Errorf(deskplane.CodeAssociated,
				"The IP access control group %s is associated with directory %s. Disassociate it from every directory with DisassociateIpGroups before deleting it.", id, strings.Join(dirs, ", "))
		}
		if _, err := deskplane.IPGroups().Delete(tx, sc, id); err != nil {
			return err
		}
		return deskplane.DeleteTags(tx, sc, id)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DeleteIpGroupResult{}, nil
}

func (s *Service) DescribeIpGroups(ctx context.Context, in *wsapi.DescribeIpGroupsRequest) (*wsapi.DescribeIpGroupsResult, error) {
	const purpose = "ipgroups"
	after, err := paging.Parse(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := paging.Size(in.MaxResults)
	var want map[string]bool
	if in.GroupIds != nil {
		want = make(map[string]bool, len(in.GroupIds))
		for _, id := range in.GroupIds {
			want[id] = true
		}
	}
	sc := env.Scope(ctx)
	var p paging.Page[wsapi.WorkspacesIpGroup]
	now := s.Now()
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[wsapi.WorkspacesIpGroup]{}
		if want != nil && len(want) == 0 {
			return nil
		}
		acct, err := account(tx, sc)
		if err != nil {
			return err
		}
		return deskplane.IPGroups().Each(tx, sc, after, func(seq int64, g *deskplane.IPGroup) (bool, error) {
			if want != nil && !want[g.ID] || acct.NotYetDescribed(g.Created, now) {
				return true, nil
			}
			return p.Add(size, seq, wireIPGroup(g)), nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DescribeIpGroupsResult{Result: p.Items(), NextToken: p.Next(ctx, purpose)}, nil
}

// ---- rules -----------------------------------------------------------------------

// updateIPGroup runs fn on one of the caller's groups and saves it.
func (s *Service) updateIPGroup(ctx context.Context, id string, fn func(*deskplane.IPGroup) error) error {
	sc := env.Scope(ctx)
	return s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return deskplane.IPGroups().Modify(tx, sc, id, func() error { return ipGroupNotFound(id) }, fn)
	})
}

func (s *Service) AuthorizeIpRules(ctx context.Context, in *wsapi.AuthorizeIpRulesRequest) (*wsapi.AuthorizeIpRulesResult, error) {
	id := value(in.GroupId)
	rules, err := checkIPRules(in.UserRules)
	if err != nil {
		return nil, err
	}
	err = s.updateIPGroup(ctx, id, func(g *deskplane.IPGroup) error {
		for _, r := range rules {
			if slices.ContainsFunc(g.Rules, func(h deskplane.IPRule) bool { return h.CIDR == r.CIDR }) {
				return deskplane.Errorf(deskplane.CodeInvalidParameter,
					"The IP access control group %s already has the rule %s. Use UpdateRulesOfIpGroup to change a rule's description.", id, r.CIDR)
			}
		}
		if err := s.checkRuleCount("group "+id, len(g.Rules)+len(rules)); err != nil {
			return err
		}
		g.Rules = append(g.Rules, rules...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.AuthorizeIpRulesResult{}, nil
}

func (s *Service) RevokeIpRules(ctx context.Context, in *wsapi.RevokeIpRulesRequest) (*wsapi.RevokeIpRulesResult, error) {
	id := value(in.GroupId)
	for _, r := range in.UserRules {
		if _, err := parseIPRule(r); err != nil {
			return nil, err
		}
	}
	err := s.updateIPGroup(ctx, id, func(g *deskplane.IPGroup) error {
		// A rule revokes the rules written exactly as it is; one the group
		// has no such rule for revokes the rules of its range, whatever host
		// bits they were written with, and none of those changes nothing
		// (decisions 0040 and 0332).
		exact := make(map[string]bool, len(in.UserRules))
		drop := make(map[netip.Prefix]bool, len(in.UserRules))
		for _, r := range in.UserRules {
			if slices.ContainsFunc(g.Rules, func(h deskplane.IPRule) bool { return h.CIDR == r }) {
				exact[r] = true
				continue
			}
			p, _ := parseIPRule(r)
			drop[p] = true
		}
		g.Rules = slices.DeleteFunc(g.Rules, func(r deskplane.IPRule) bool {
			if exact[r.CIDR] {
				return true
			}
			p, err := parseIPRule(r.CIDR)
			return err == nil && drop[p]
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.RevokeIpRulesResult{}, nil
}

func (s *Service) UpdateRulesOfIpGroup(ctx context.Context, in *wsapi.UpdateRulesOfIpGroupRequest) (*wsapi.UpdateRulesOfIpGroupResult, error) {
	id := value(in.GroupId)
	rules, err := checkIPRules(in.UserRules)
	if err != nil {
		return nil, err
	}
	if err := s.checkRuleCount("group "+id, len(rules)); err != nil {
		return nil, err
	}
	err = s.updateIPGroup(ctx, id, func(g *deskplane.IPGroup) error {
		g.Rules = rules
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.UpdateRulesOfIpGroupResult{}, nil
}

// ---- directories --------------------------------------------------------------------

// ipGroupDirectory loads the caller's registration of a directory for an
// association change (action), which the directory's state must allow.
func ipGroupDirectory(tx deskplane.Tx, sc deskplane.Scope, id string, action deskplane.Action) (*deskplane.Directory, error) {
	d, ok, err := deskplane.Directories().Get(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, deskplane.DirectoryNotFound(id)
	}
	if _, err := deskplane.DirectoryTable().Check(action, id, d.State); err != nil {
		return nil, err
	}
	return d, nil
}

// uniqueIDs returns ids without repeats, in their first order.
func uniqueIDs(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func (s *Service) AssociateIpGroups(ctx context.Context, in *wsapi.AssociateIpGroupsRequest) (*wsapi.AssociateIpGroupsResult, error) {
	ids := uniqueIDs(in.GroupIds)
	if len(ids) == 0 {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "Specify at least one IP access control group in GroupIds.")
	}
	sc, dirID := env.Scope(ctx), value(in.DirectoryId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		d, err := ipGroupDirectory(tx, sc, dirID, deskplane.ActionAssociateIPGroups)
		if err != nil {
			return err
		}
		groups := slices.Clone(d.IPGroupIDs)
		for _, id := range ids {
			if _, err := loadIPGroup(tx, sc, id); err != nil {
				return err
			}
			if !slices.Contains(groups, id) {
				groups = append(groups, id)
			}
		}
		if q := s.Quotas.IPGroupsPerDir; q > 0 && len(groups) > q {
			return deskplane.Errorf(deskplane.CodeLimitExceeded,
				"A directory can be associated with at most %d IP access control groups; directory %s has %d and the request would make it %d.", q, dirID, len(d.IPGroupIDs), len(groups))
		}
		if len(groups) == len(d.IPGroupIDs) {
			return nil // every group was associated already
		}
		d.IPGroupIDs = groups
		return deskplane.Directories().Put(tx, sc, dirID, d)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.AssociateIpGroupsResult{}, nil
}

func (s *Service) DisassociateIpGroups(ctx context.Context, in *wsapi.DisassociateIpGroupsRequest) (*wsapi.DisassociateIpGroupsResult, error) {
	ids := uniqueIDs(in.GroupIds)
	if len(ids) == 0 {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "Specify at least one IP access control group in GroupIds.")
	}
	sc, dirID := env.Scope(ctx), value(in.DirectoryId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		d, err := ipGroupDirectory(tx, sc, dirID, deskplane.ActionDisassociateIPGroups)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if slices.Contains(d.IPGroupIDs, id) {
				continue
			}
			if _, err := loadIPGroup(tx, sc, id); err != nil {
				return err
			}
			// A group that exists but is not associated with the
			// directory is left alone (decision 0040).
		}
		kept := slices.DeleteFunc(slices.Clone(d.IPGroupIDs), func(id string) bool { return slices.Contains(ids, id) })
		if len(kept) == len(d.IPGroupIDs) {
			return nil
		}
		d.IPGroupIDs = kept
		if len(d.IPGroupIDs) == 0 {
			d.IPGroupIDs = nil
		}
		return deskplane.Directories().Put(tx, sc, dirID, d)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DisassociateIpGroupsResult{}, nil
}
