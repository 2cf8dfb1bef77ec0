package api

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/paging"
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

func ipGroupKey(sc deskplane.Scope, id string) deskplane.Key {
	return deskplane.Key{Scope: sc, Kind: deskplane.KindIPGroup, ID: id}
}

func ipGroupNotFound(id string) error {
	return deskplane.NotFound(id, "The IP access control group %s could not be found in your account in this Region.", id)
}

// loadIPGroup reads one of the scope's groups, or answers
// ResourceNotFoundException.
func loadIPGroup(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.IPGroup, error) {
	var g deskplane.IPGroup
	ok, err := deskplane.Load(tx, ipGroupKey(sc, id), &g)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ipGroupNotFound(id)
	}
	return &g, nil
}

// parseIPRule checks that s is an IPv4 range in CIDR notation and returns
// the range with its host bits cleared, which is what two rules are
// compared by. The rule itself is stored as written (decision 0040: host
// bits may be set, as the console and Terraform's IsCIDR accept them).
func parseIPRule(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, deskplane.Errorf(deskplane.CodeInvalidParameter,
			"The IP rule %q is not valid. Specify an IPv4 address range in CIDR notation, such as 203.0.113.0/24.", s)
	}
	return p.Masked(), nil
}

// checkIPRules validates rules and converts them; a range may appear once.
func checkIPRules(rules []wsapi.IpRuleItem) ([]deskplane.IPRule, error) {
	out := make([]deskplane.IPRule, 0, len(rules))
	seen := make(map[netip.Prefix]string, len(rules))
	for _, r := range rules {
		cidr := deref(r.IpRule)
		p, err := parseIPRule(cidr)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[p]; dup {
			return nil, deskplane.Errorf(deskplane.CodeInvalidParameter,
				"The IP rules %s and %s name the same address range; each range may appear only once in a group.", prev, cidr)
		}
		seen[p] = cidr
		out = append(out, deskplane.IPRule{CIDR: cidr, Description: deref(r.RuleDesc)})
	}
	return out, nil
}

// checkRuleCount applies the rules-per-group quota to a group (named by
// what) that would have n rules.
func (s *Server) checkRuleCount(what string, n int) error {
	if q := s.d.Quotas.RulesPerIPGroup; q > 0 && n > q {
		return deskplane.Errorf(deskplane.CodeLimitExceeded,
			"An IP access control group can have at most %d rules; %s would have %d.", q, what, n)
	}
	return nil
}

func wireIPGroup(g *deskplane.IPGroup) wsapi.WorkspacesIpGroup {
	out := wsapi.WorkspacesIpGroup{
		GroupId:   ptr(g.ID),
		GroupName: ptr(g.Name),
		UserRules: make([]wsapi.IpRuleItem, len(g.Rules)),
	}
	if g.Description != "" {
		out.GroupDesc = ptr(g.Description)
	}
	for i, r := range g.Rules {
		out.UserRules[i] = wsapi.IpRuleItem{IpRule: ptr(r.CIDR)}
		if r.Description != "" {
			out.UserRules[i].RuleDesc = ptr(r.Description)
		}
	}
	return out
}

// ---- create, delete, describe -------------------------------------------------

func (w *wsService) CreateIpGroup(ctx context.Context, in *wsapi.CreateIpGroupRequest) (*wsapi.CreateIpGroupResult, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	name := deref(in.GroupName)
	if strings.TrimSpace(name) == "" {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The GroupName of an IP access control group cannot be empty.")
	}
	rules, err := checkIPRules(in.UserRules)
	if err != nil {
		return nil, err
	}
	if err := w.checkRuleCount("the new group "+name, len(rules)); err != nil {
		return nil, err
	}
	sc := caller(ctx).Scope()
	now := w.now()
	id := deskplane.NewID("wsipg-", 9)
	err = w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		dup := ""
		err := deskplane.Each(tx, sc, deskplane.KindIPGroup, 0, func(_ int64, g *deskplane.IPGroup) (bool, error) {
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
		n, err := tx.Count(sc, deskplane.KindIPGroup)
		if err != nil {
			return err
		}
		if q := w.d.Quotas.IPGroups; q > 0 && n >= q {
			return deskplane.Errorf(deskplane.CodeLimitExceeded,
				"Your account has reached its limit of %d IP access control groups in Region %s. Delete groups you no longer need, and try again.", q, sc.Region)
		}
		g := deskplane.IPGroup{ID: id, Name: name, Description: deref(in.GroupDesc), Rules: rules, Created: now}
		if err := deskplane.Save(tx, ipGroupKey(sc, id), &g); err != nil {
			return err
		}
		return mergeTags(tx, sc, id, in.Tags)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.CreateIpGroupResult{GroupId: ptr(id)}, nil
}

func (w *wsService) DeleteIpGroup(ctx context.Context, in *wsapi.DeleteIpGroupRequest) (*wsapi.DeleteIpGroupResult, error) {
	sc, id := caller(ctx).Scope(), deref(in.GroupId)
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		if _, err := loadIPGroup(tx, sc, id); err != nil {
			return err
		}
		var dirs []string
		err := deskplane.Each(tx, sc, deskplane.KindDirectory, 0, func(_ int64, d *deskplane.Directory) (bool, error) {
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
		if _, err := tx.Delete(ipGroupKey(sc, id)); err != nil {
			return err
		}
		return deleteTagsOf(tx, sc, id)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DeleteIpGroupResult{}, nil
}

func (w *wsService) DescribeIpGroups(ctx context.Context, in *wsapi.DescribeIpGroupsRequest) (*wsapi.DescribeIpGroupsResult, error) {
	const purpose = "ipgroups"
	after, err := paging.Parse(purpose, in.NextToken)
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
	sc := caller(ctx).Scope()
	var p paging.Page[wsapi.WorkspacesIpGroup]
	err = w.d.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[wsapi.WorkspacesIpGroup]{}
		if want != nil && len(want) == 0 {
			return nil
		}
		return deskplane.Each(tx, sc, deskplane.KindIPGroup, after, func(seq int64, g *deskplane.IPGroup) (bool, error) {
			if want != nil && !want[g.ID] {
				return true, nil
			}
			return p.Add(size, seq, wireIPGroup(g)), nil
		})
	})
	if err != nil {
		return nil, err
	}
	out := &wsapi.DescribeIpGroupsResult{Result: p.Items(), NextToken: p.Next(purpose)}
	return out, nil
}

// ---- rules -----------------------------------------------------------------------

// updateIPGroup runs fn on one of the caller's groups and saves it.
func (w *wsService) updateIPGroup(ctx context.Context, id string, fn func(*deskplane.IPGroup) error) error {
	sc := caller(ctx).Scope()
	return w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		g, err := loadIPGroup(tx, sc, id)
		if err != nil {
			return err
		}
		if err := fn(g); err != nil {
			return err
		}
		return deskplane.Save(tx, ipGroupKey(sc, id), g)
	})
}

func (w *wsService) AuthorizeIpRules(ctx context.Context, in *wsapi.AuthorizeIpRulesRequest) (*wsapi.AuthorizeIpRulesResult, error) {
	id := deref(in.GroupId)
	rules, err := checkIPRules(in.UserRules)
	if err != nil {
		return nil, err
	}
	err = w.updateIPGroup(ctx, id, func(g *deskplane.IPGroup) error {
		have := make(map[netip.Prefix]string, len(g.Rules))
		for _, r := range g.Rules {
			if p, err := parseIPRule(r.CIDR); err == nil {
				have[p] = r.CIDR
			}
		}
		for _, r := range rules {
			p, _ := parseIPRule(r.CIDR)
			if prev, dup := have[p]; dup {
				return deskplane.Errorf(deskplane.CodeInvalidParameter,
					"The IP access control group %s already has a rule for %s (%s). Use UpdateRulesOfIpGroup to change a rule's description.", id, r.CIDR, prev)
			}
		}
		if err := w.checkRuleCount("group "+id, len(g.Rules)+len(rules)); err != nil {
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

func (w *wsService) RevokeIpRules(ctx context.Context, in *wsapi.RevokeIpRulesRequest) (*wsapi.RevokeIpRulesResult, error) {
	id := deref(in.GroupId)
	drop := make(map[netip.Prefix]bool, len(in.UserRules))
	for _, s := range in.UserRules {
		p, err := parseIPRule(s)
		if err != nil {
			return nil, err
		}
		drop[p] = true
	}
	err := w.updateIPGroup(ctx, id, func(g *deskplane.IPGroup) error {
		// Revoking a range the group has no rule for changes nothing
		// (decision 0040).
		g.Rules = slices.DeleteFunc(g.Rules, func(r deskplane.IPRule) bool {
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

func (w *wsService) UpdateRulesOfIpGroup(ctx context.Context, in *wsapi.UpdateRulesOfIpGroupRequest) (*wsapi.UpdateRulesOfIpGroupResult, error) {
	id := deref(in.GroupId)
	rules, err := checkIPRules(in.UserRules)
	if err != nil {
		return nil, err
	}
	if err := w.checkRuleCount("group "+id, len(rules)); err != nil {
		return nil, err
	}
	err = w.updateIPGroup(ctx, id, func(g *deskplane.IPGroup) error {
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
// association change: it must be REGISTERED.
func (w *wsService) ipGroupDirectory(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Directory, error) {
	d, err := w.registeredDirectory(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if d.State != wsDirRegistered {
		return nil, deskplane.Errorf(deskplane.CodeInvalidState,
			"The directory %s is %s. IP access control groups can be associated with and disassociated from a REGISTERED directory only.", id, d.State)
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

func (w *wsService) AssociateIpGroups(ctx context.Context, in *wsapi.AssociateIpGroupsRequest) (*wsapi.AssociateIpGroupsResult, error) {
	ids := uniqueIDs(in.GroupIds)
	if len(ids) == 0 {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "Specify at least one IP access control group in GroupIds.")
	}
	sc, dirID := caller(ctx).Scope(), deref(in.DirectoryId)
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		d, err := w.ipGroupDirectory(tx, sc, dirID)
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
		if q := w.d.Quotas.IPGroupsPerDir; q > 0 && len(groups) > q {
			return deskplane.Errorf(deskplane.CodeLimitExceeded,
				"A directory can be associated with at most %d IP access control groups; directory %s has %d and the request would make it %d.", q, dirID, len(d.IPGroupIDs), len(groups))
		}
		if len(groups) == len(d.IPGroupIDs) {
			return nil // every group was associated already
		}
		d.IPGroupIDs = groups
		return deskplane.Save(tx, wsDirKey(sc, dirID), d)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.AssociateIpGroupsResult{}, nil
}

func (w *wsService) DisassociateIpGroups(ctx context.Context, in *wsapi.DisassociateIpGroupsRequest) (*wsapi.DisassociateIpGroupsResult, error) {
	ids := uniqueIDs(in.GroupIds)
	if len(ids) == 0 {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "Specify at least one IP access control group in GroupIds.")
	}
	sc, dirID := caller(ctx).Scope(), deref(in.DirectoryId)
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		d, err := w.ipGroupDirectory(tx, sc, dirID)
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
		return deskplane.Save(tx, wsDirKey(sc, dirID), d)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DisassociateIpGroupsResult{}, nil
}
