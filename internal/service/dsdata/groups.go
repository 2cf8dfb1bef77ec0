package dsdata

import (
	"context"
	"maps"
	"slices"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsdataapi"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Groups (docs/decisions/0240 and 0243). A group is a directory.Group
// record keyed by directory id and lower-cased name. A new group is a
// Global Security group unless the request says otherwise; BuiltinLocal is
// the scope of the Builtin groups only.

// groupScope returns the scope a request gives a group, refusing
// BuiltinLocal.
func groupScope(s dsdataapi.GroupScope, def directory.GroupScope) (directory.GroupScope, error) {
	if s == "" {
		return def, nil
	}
	if directory.GroupScope(s) == directory.GroupBuiltinLocal {
		return "", unsupported("No group can be given the scope %s; it is the scope of the directory's Builtin groups.", s)
	}
	return directory.GroupScope(s), nil
}

func groupSummary(g *directory.Group) dsdataapi.GroupSummary {
	return dsdataapi.GroupSummary{SID: new(g.SID), SAMAccountName: new(g.SAMAccountName),
		GroupType: dsdataapi.GroupType(g.Type), GroupScope: dsdataapi.GroupScope(g.Scope)}
}

func wireGroup(dir *directory.DSDirectory, g *directory.Group, other map[string]dsdataapi.AttributeValue) dsdataapi.Group {
	return dsdataapi.Group{SID: new(g.SID), SAMAccountName: new(g.SAMAccountName),
		DistinguishedName: new(dir.DistinguishedName(g.SAMAccountName, g.Container)),
		GroupType:         dsdataapi.GroupType(g.Type), GroupScope: dsdataapi.GroupScope(g.Scope), OtherAttributes: other}
}

// groupView is every attribute of a group that needs no other record.
func groupView(dir *directory.DSDirectory, g *directory.Group) directory.Attributes {
	v := maps.Clone(g.Attributes)
	if v == nil {
		v = directory.Attributes{}
	}
	changed := g.Modified
	if changed.IsZero() {
		changed = g.Created
	}
	v[attrSAMAccountName] = str(g.SAMAccountName)
	v[attrGroupType] = str(string(g.Type))
	v[attrGroupScope] = str(string(g.Scope))
	v["objectSid"] = str(g.SID)
	v["distinguishedName"] = str(dir.DistinguishedName(g.SAMAccountName, g.Container))
	v["cn"] = str(g.SAMAccountName)
	v["name"] = str(g.SAMAccountName)
	v["objectClass"] = directory.AttributeValue{SS: []string{"top", "group"}}
	v["whenCreated"] = str(generalizedTime(g.Created))
	v["whenChanged"] = str(generalizedTime(changed))
	return v
}

func (s *Service) CreateGroup(ctx context.Context, in *dsdataapi.CreateGroupRequest) (*dsdataapi.CreateGroupResult, error) {
	sc, dirID, name := env.Scope(ctx), value(in.DirectoryId), value(in.SAMAccountName)
	others, err := otherAttributes(onGroup, in.OtherAttributes, false)
	if err != nil {
		return nil, err
	}
	scope, err := groupScope(in.GroupScope, directory.GroupGlobal)
	if err != nil {
		return nil, err
	}
	typ := directory.GroupType(in.GroupType)
	if typ == "" {
		typ = directory.GroupSecurity
	}
	req := *in
	req.ClientToken = nil
	tok := newClientToken("CreateGroup", in.ClientToken, req)
	now := s.Now()
	var out dsdataapi.CreateGroupResult
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		out = dsdataapi.CreateGroupResult{}
		dir, err := dataDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		if done, err := s.replay(tx, sc, tok, now, &out); err != nil || done {
			return err
		}
		if err := nameFree(tx, sc, dir, name); err != nil {
			return err
		}
		g := &directory.Group{DirectoryID: dirID, SAMAccountName: name, SID: takeRID(dir), Type: typ, Scope: scope, Created: now}
		if len(others) > 0 {
			g.Attributes = make(directory.Attributes, len(others))
			for _, c := range others {
				g.Attributes[c.attr.name] = c.value
			}
		}
		if err := directory.DSDirectories().Put(tx, sc, dirID, dir); err != nil {
			return err
		}
		if err := deskplane.Save(tx, directory.GroupKey(sc, dirID, name), g); err != nil {
			return err
		}
		out = dsdataapi.CreateGroupResult{DirectoryId: new(dirID), SAMAccountName: new(g.SAMAccountName), SID: new(g.SID)}
		return s.remember(tx, sc, tok, now, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) DescribeGroup(ctx context.Context, in *dsdataapi.DescribeGroupRequest) (*dsdataapi.DescribeGroupResult, error) {
	sc, dirID, name := env.Scope(ctx), value(in.DirectoryId), value(in.SAMAccountName)
	all, attrs, err := requested(onGroup, in.OtherAttributes)
	if err != nil {
		return nil, err
	}
	var out dsdataapi.DescribeGroupResult
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		dir, err := dataDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		if err := checkRealm(dir, "Realm", in.Realm); err != nil {
			return err
		}
		g, found, err := loadGroup(tx, sc, dirID, name)
		if err != nil {
			return err
		}
		if !found {
			return groupNotFound(dir, name)
		}
		other, err := otherOf(groupView(dir, g), g.Attributes, all, attrs, membershipAttribute(tx, sc, dir, g.SAMAccountName, directory.MemberGroup))
		if err != nil {
			return err
		}
		w := wireGroup(dir, g, other)
		out = dsdataapi.DescribeGroupResult{DirectoryId: new(dirID), Realm: new(dir.Name), SID: w.SID, SAMAccountName: w.SAMAccountName,
			DistinguishedName: w.DistinguishedName, GroupType: w.GroupType, GroupScope: w.GroupScope, OtherAttributes: w.OtherAttributes}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) UpdateGroup(ctx context.Context, in *dsdataapi.UpdateGroupRequest) (*dsdataapi.UpdateGroupResult, error) {
	sc, dirID, name := env.Scope(ctx), value(in.DirectoryId), value(in.SAMAccountName)
	how := updateType(in.UpdateType)
	changes, err := otherAttributes(onGroup, in.OtherAttributes, how == dsdataapi.UpdateTypeRemove)
	if err != nil {
		return nil, err
	}
	if in.GroupScope != "" {
		if _, err := groupScope(in.GroupScope, ""); err != nil {
			return nil, err
		}
	}
	req := *in
	req.ClientToken = nil
	tok := newClientToken("UpdateGroup", in.ClientToken, req)
	now := s.Now()
	var out dsdataapi.UpdateGroupResult
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		dir, err := dataDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		if done, err := s.replay(tx, sc, tok, now, &out); err != nil || done {
			return err
		}
		g, found, err := loadGroup(tx, sc, dirID, name)
		if err != nil {
			return err
		}
		if !found {
			return groupNotFound(dir, name)
		}
		if !dir.Writable(g.Container) {
			return outsideOU(dir, "group", g.SAMAccountName)
		}
		if len(changes) == 0 && in.GroupType == "" && in.GroupScope == "" {
			return s.remember(tx, sc, tok, now, &out) // nothing to change (decision 0244)
		}
		if err := s.retype(tx, sc, dir, g, how, directory.GroupType(in.GroupType), directory.GroupScope(in.GroupScope)); err != nil {
			return err
		}
		view := maps.Clone(g.Attributes)
		if view == nil {
			view = directory.Attributes{}
		}
		for _, c := range changes {
			if err := apply(view, how, c); err != nil {
				return err
			}
		}
		g.Attributes = view
		if len(view) == 0 {
			g.Attributes = nil
		}
		g.Modified = now
		if err := deskplane.Save(tx, directory.GroupKey(sc, dirID, name), g); err != nil {
			return err
		}
		return s.remember(tx, sc, tok, now, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// retype changes a group's type and scope, with the update's semantics
// (a group always has both: ADD answers ATTRIBUTE_EXISTS, REMOVE
// INVALID_ATTRIBUTE_FOR_MODIFY) and Active Directory's scope conversions
// (decision 0243).
func (s *Service) retype(tx deskplane.Tx, sc deskplane.Scope, dir *directory.DSDirectory, g *directory.Group,
	how dsdataapi.UpdateType, typ directory.GroupType, scope directory.GroupScope) error {
	if typ == "" && scope == "" {
		return nil
	}
	switch how {
	case dsdataapi.UpdateTypeAdd:
		return validation(dsdataapi.ValidationExceptionReasonAttributeExists,
			"The group %s has a group type and scope already; change them with UpdateType REPLACE.", g.SAMAccountName)
	case dsdataapi.UpdateTypeRemove:
		return validation(dsdataapi.ValidationExceptionReasonInvalidAttributeForModify,
			"A group's type and scope cannot be removed, only replaced.")
	}
	if g.System && ((typ != "" && typ != g.Type) || (scope != "" && scope != g.Scope)) {
		return unsupported("The group %s is a built-in group of directory %s; its type and scope cannot change.", g.SAMAccountName, dir.ID)
	}
	if typ != "" {
		g.Type = typ
	}
	if scope == "" || scope == g.Scope {
		return nil
	}
	refuse := func(why string) error {
		return unsupported("The %s group %s cannot become a %s group: %s.", g.Scope, g.SAMAccountName, scope, why)
	}
	// scopes returns the scopes of the groups among the members (in ==
	// true) or the groups the group is a member of.
	scopes := func(in bool) ([]directory.GroupScope, error) {
		var ms []membership
		var err error
		if in {
			ms, err = memberships(tx, sc, dir.ID, g.SAMAccountName, "", 0)
		} else {
			ms, err = memberships(tx, sc, dir.ID, "", g.SAMAccountName, 0)
		}
		if err != nil {
			return nil, err
		}
		var out []directory.GroupScope
		for _, m := range ms {
			name := m.Group
			if in {
				if m.MemberType != directory.MemberGroup {
					continue
				}
				name = m.Member
			}
			other, found, err := loadGroup(tx, sc, dir.ID, name)
			if err != nil {
				return nil, err
			}
			if found {
				out = append(out, other.Scope)
			}
		}
		return out, nil
	}
	switch {
	case g.Scope == directory.GroupGlobal && scope == directory.GroupUniversal:
		of, err := scopes(false)
		if err != nil {
			return err
		}
		if slices.Contains(of, directory.GroupGlobal) {
			return refuse("it is a member of a Global group")
		}
	case g.Scope == directory.GroupDomainLocal && scope == directory.GroupUniversal:
		members, err := scopes(true)
		if err != nil {
			return err
		}
		if slices.Contains(members, directory.GroupDomainLocal) {
			return refuse("it has a DomainLocal group as a member")
		}
	case g.Scope == directory.GroupUniversal && scope == directory.GroupGlobal:
		members, err := scopes(true)
		if err != nil {
			return err
		}
		if slices.Contains(members, directory.GroupUniversal) {
			return refuse("it has a Universal group as a member")
		}
	case g.Scope == directory.GroupUniversal && scope == directory.GroupDomainLocal:
		of, err := scopes(false)
		if err != nil {
			return err
		}
		if slices.Contains(of, directory.GroupUniversal) {
			return refuse("it is a member of a Universal group")
		}
	default:
		return refuse("only a Universal group can become Global or DomainLocal, and only a Global or DomainLocal group Universal")
	}
	g.Scope = scope
	return nil
}

func (s *Service) DeleteGroup(ctx context.Context, in *dsdataapi.DeleteGroupRequest) (*dsdataapi.DeleteGroupResult, error) {
	sc, dirID, name := env.Scope(ctx), value(in.DirectoryId), value(in.SAMAccountName)
	req := *in
	req.ClientToken = nil
	tok := newClientToken("DeleteGroup", in.ClientToken, req)
	now := s.Now()
	var out dsdataapi.DeleteGroupResult
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		dir, err := dataDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		if done, err := s.replay(tx, sc, tok, now, &out); err != nil || done {
			return err
		}
		g, found, err := loadGroup(tx, sc, dirID, name)
		if err != nil {
			return err
		}
		if !found {
			return groupNotFound(dir, name)
		}
		if !dir.Writable(g.Container) {
			return outsideOU(dir, "group", g.SAMAccountName)
		}
		if g.System {
			return unsupported("The group %s is a built-in group of directory %s and cannot be deleted.", g.SAMAccountName, dirID)
		}
		if err := leaveAll(tx, sc, dirID, g.SAMAccountName); err != nil {
			return err
		}
		if _, err := tx.Delete(directory.GroupKey(sc, dirID, name)); err != nil {
			return err
		}
		return s.remember(tx, sc, tok, now, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) ListGroups(ctx context.Context, in *dsdataapi.ListGroupsRequest) (*dsdataapi.ListGroupsResult, error) {
	sc, dirID := env.Scope(ctx), value(in.DirectoryId)
	purpose := "groups/" + dirID
	after, err := parseToken(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	n := size(in.MaxResults)
	var out dsdataapi.ListGroupsResult
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		dir, err := dataDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		if err := checkRealm(dir, "Realm", in.Realm); err != nil {
			return err
		}
		var p paging.Page[dsdataapi.GroupSummary]
		err = eachGroup(tx, sc, dirID, after, func(seq int64, g *directory.Group) bool {
			return p.Add(n, seq, groupSummary(g))
		})
		if err != nil {
			return err
		}
		out = dsdataapi.ListGroupsResult{DirectoryId: new(dirID), Realm: new(dir.Name), Groups: p.Items(), NextToken: p.Next(ctx, purpose)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
