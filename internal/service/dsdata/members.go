package dsdata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsdataapi"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Group memberships (docs/decisions/0243-directory-data-memberships.md).
// A membership is a directory.GroupMember record per group and direct
// member; listings show direct memberships in the order they were made.
// Groups nest by Active Directory's scope rules, and a user's primary
// group (Domain Users) keeps it as a member.

// principal is a user or group found by name.
type principal struct {
	name, sid, container string
	kind                 directory.MemberType
	system               bool
	group                *directory.Group // for a group
}

func userPrincipal(u *directory.User) principal {
	return principal{name: u.SAMAccountName, sid: u.SID, container: u.Container, kind: directory.MemberUser, system: u.System}
}

func groupPrincipal(g *directory.Group) principal {
	return principal{name: g.SAMAccountName, sid: g.SID, container: g.Container, kind: directory.MemberGroup, system: g.System, group: g}
}

// what names a kind of principal in messages.
func what(k directory.MemberType) string {
	if k == directory.MemberGroup {
		return "group"
	}
	return "user"
}

// loadGroup reads a group of the directory; found is false when there is
// none.
func loadGroup(tx deskplane.Tx, sc deskplane.Scope, dirID, name string) (*directory.Group, bool, error) {
	var g directory.Group
	found, err := deskplane.Load(tx, directory.GroupKey(sc, dirID, name), &g)
	if err != nil || !found {
		return nil, found, err
	}
	return &g, true, nil
}

// findPrincipal finds the user or group of the directory with the name.
func findPrincipal(tx deskplane.Tx, sc deskplane.Scope, dirID, name string) (principal, bool, error) {
	var u directory.User
	found, err := deskplane.Load(tx, directory.UserKey(sc, dirID, name), &u)
	if err != nil || found {
		return userPrincipal(&u), found, err
	}
	g, found, err := loadGroup(tx, sc, dirID, name)
	if err != nil || !found {
		return principal{}, false, err
	}
	return groupPrincipal(g), true, nil
}

// membership is a membership record with its store Seq.
type membership struct {
	seq int64
	directory.GroupMember
}

// memberships returns the direct memberships of the directory after Seq
// after, in creation order, of the group and/or of the member ("" = any).
func memberships(tx deskplane.Tx, sc deskplane.Scope, dirID, group, member string, after int64) ([]membership, error) {
	fg, fm := directory.FoldName(group), directory.FoldName(member)
	var out []membership
	var ferr error
	err := tx.List(sc, directory.KindGroupMember, after, func(r deskplane.Record) bool {
		d, g, m, ok := directory.ParseGroupMemberID(r.ID)
		if !ok || d != dirID || (group != "" && g != fg) || (member != "" && m != fm) {
			return true
		}
		var gm directory.GroupMember
		if ferr = json.Unmarshal(r.Data, &gm); ferr != nil {
			ferr = fmt.Errorf("decoding %s %s: %w", r.Kind, r.ID, ferr)
			return false
		}
		out = append(out, membership{seq: r.Seq, GroupMember: gm})
		return true
	})
	if err == nil {
		err = ferr
	}
	return out, err
}

// leaveAll removes every membership of a principal that goes: those it
// has as a member, and, for a group, those of its members.
func leaveAll(tx deskplane.Tx, sc deskplane.Scope, dirID, name string) error {
	ms, err := memberships(tx, sc, dirID, "", name, 0)
	if err != nil {
		return err
	}
	own, err := memberships(tx, sc, dirID, name, "", 0)
	if err != nil {
		return err
	}
	for _, m := range append(ms, own...) {
		if _, err := tx.Delete(directory.GroupMemberKey(sc, dirID, m.Group, m.Member)); err != nil {
			return err
		}
	}
	return nil
}

// canNest applies Active Directory's nesting rules to a group member of
// group g (decision 0243).
func canNest(dir *directory.DSDirectory, g *directory.Group, m *directory.Group) error {
	if directory.FoldName(g.SAMAccountName) == directory.FoldName(m.SAMAccountName) {
		return unsupported("The group %s cannot be a member of itself.", g.SAMAccountName)
	}
	allowed := map[directory.GroupScope][]directory.GroupScope{
		directory.GroupGlobal:       {directory.GroupGlobal},
		directory.GroupUniversal:    {directory.GroupGlobal, directory.GroupUniversal},
		directory.GroupDomainLocal:  {directory.GroupGlobal, directory.GroupUniversal, directory.GroupDomainLocal},
		directory.GroupBuiltinLocal: {directory.GroupGlobal, directory.GroupUniversal, directory.GroupDomainLocal},
	}[g.Scope]
	for _, sc := range allowed {
		if m.Scope == sc {
			return nil
		}
	}
	return unsupported("A %s group (%s) cannot be a member of a %s group (%s) in directory %s.",
		m.Scope, m.SAMAccountName, g.Scope, g.SAMAccountName, dir.ID)
}

func (s *Service) AddGroupMember(ctx context.Context, in *dsdataapi.AddGroupMemberRequest) (*dsdataapi.AddGroupMemberResult, error) {
	sc, dirID, group, member := env.Scope(ctx), value(in.DirectoryId), value(in.GroupName), value(in.MemberName)
	req := *in
	req.ClientToken = nil
	tok := newClientToken("AddGroupMember", in.ClientToken, req)
	now := s.Now()
	var out dsdataapi.AddGroupMemberResult
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		dir, err := dataDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		if err := checkRealm(dir, "MemberRealm", in.MemberRealm); err != nil {
			return err
		}
		if done, err := s.replay(tx, sc, tok, now, &out); err != nil || done {
			return err
		}
		g, found, err := loadGroup(tx, sc, dirID, group)
		if err != nil {
			return err
		}
		if !found {
			return groupNotFound(dir, group)
		}
		if !dir.MembershipWritable(g.Container) {
			return outsideOU(dir, "group", g.SAMAccountName)
		}
		p, found, err := findPrincipal(tx, sc, dirID, member)
		if err != nil {
			return err
		}
		if !found {
			return deskplane.NotFound(member, "No user or group named %s exists in directory %s.", member, dirID)
		}
		if p.group != nil {
			if err := canNest(dir, g, p.group); err != nil {
				return err
			}
		}
		key := directory.GroupMemberKey(sc, dirID, g.SAMAccountName, p.name)
		if _, err := tx.Get(key); err == nil {
			return deskplane.Errorf(deskplane.CodeConflict, "The %s %s is a member of group %s already.", what(p.kind), p.name, g.SAMAccountName)
		} else if !errors.Is(err, deskplane.ErrNotFound) {
			return err
		}
		m := directory.GroupMember{DirectoryID: dirID, Group: g.SAMAccountName, Member: p.name, MemberType: p.kind, MemberSID: p.sid, Added: now}
		if err := deskplane.Save(tx, key, m); err != nil {
			return err
		}
		return s.remember(tx, sc, tok, now, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) RemoveGroupMember(ctx context.Context, in *dsdataapi.RemoveGroupMemberRequest) (*dsdataapi.RemoveGroupMemberResult, error) {
	sc, dirID, group, member := env.Scope(ctx), value(in.DirectoryId), value(in.GroupName), value(in.MemberName)
	req := *in
	req.ClientToken = nil
	tok := newClientToken("RemoveGroupMember", in.ClientToken, req)
	now := s.Now()
	var out dsdataapi.RemoveGroupMemberResult
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		dir, err := dataDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		if err := checkRealm(dir, "MemberRealm", in.MemberRealm); err != nil {
			return err
		}
		if done, err := s.replay(tx, sc, tok, now, &out); err != nil || done {
			return err
		}
		g, found, err := loadGroup(tx, sc, dirID, group)
		if err != nil {
			return err
		}
		if !found {
			return groupNotFound(dir, group)
		}
		if !dir.MembershipWritable(g.Container) {
			return outsideOU(dir, "group", g.SAMAccountName)
		}
		key := directory.GroupMemberKey(sc, dirID, group, member)
		var m directory.GroupMember
		found, err = deskplane.Load(tx, key, &m)
		if err != nil {
			return err
		}
		if !found {
			return deskplane.NotFound(member, "%s is not a member of group %s in directory %s.", member, g.SAMAccountName, dirID)
		}
		if m.Primary {
			return deskplane.Errorf(deskplane.CodeConflict,
				"The group %s is the primary group of %s %s, which cannot leave it.", g.SAMAccountName, what(m.MemberType), m.Member)
		}
		if _, err := tx.Delete(key); err != nil {
			return err
		}
		return s.remember(tx, sc, tok, now, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) ListGroupMembers(ctx context.Context, in *dsdataapi.ListGroupMembersRequest) (*dsdataapi.ListGroupMembersResult, error) {
	sc, dirID, group := env.Scope(ctx), value(in.DirectoryId), value(in.SAMAccountName)
	purpose := "groupmembers/" + dirID + "/" + directory.FoldName(group)
	after, err := parseToken(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	n := size(in.MaxResults)
	var out dsdataapi.ListGroupMembersResult
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		dir, err := dataDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		if err := checkRealm(dir, "Realm", in.Realm); err != nil {
			return err
		}
		if err := checkRealm(dir, "MemberRealm", in.MemberRealm); err != nil {
			return err
		}
		if _, found, err := loadGroup(tx, sc, dirID, group); err != nil || !found {
			if err == nil {
				err = groupNotFound(dir, group)
			}
			return err
		}
		ms, err := memberships(tx, sc, dirID, group, "", after)
		if err != nil {
			return err
		}
		var p paging.Page[dsdataapi.Member]
		for _, m := range ms {
			if !p.Add(n, m.seq, dsdataapi.Member{SID: new(m.MemberSID), SAMAccountName: new(m.Member), MemberType: dsdataapi.MemberType(m.MemberType)}) {
				break
			}
		}
		out = dsdataapi.ListGroupMembersResult{DirectoryId: new(dirID), Realm: new(dir.Name), MemberRealm: new(dir.Name),
			Members: p.Items(), NextToken: p.Next(ctx, purpose)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) ListGroupsForMember(ctx context.Context, in *dsdataapi.ListGroupsForMemberRequest) (*dsdataapi.ListGroupsForMemberResult, error) {
	sc, dirID, member := env.Scope(ctx), value(in.DirectoryId), value(in.SAMAccountName)
	purpose := "groupsformember/" + dirID + "/" + directory.FoldName(member)
	after, err := parseToken(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	n := size(in.MaxResults)
	var out dsdataapi.ListGroupsForMemberResult
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		dir, err := dataDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		if err := checkRealm(dir, "Realm", in.Realm); err != nil {
			return err
		}
		if err := checkRealm(dir, "MemberRealm", in.MemberRealm); err != nil {
			return err
		}
		if _, found, err := findPrincipal(tx, sc, dirID, member); err != nil || !found {
			if err == nil {
				err = deskplane.NotFound(member, "No user or group named %s exists in directory %s.", member, dirID)
			}
			return err
		}
		ms, err := memberships(tx, sc, dirID, "", member, after)
		if err != nil {
			return err
		}
		var p paging.Page[dsdataapi.GroupSummary]
		for _, m := range ms {
			g, found, err := loadGroup(tx, sc, dirID, m.Group)
			if err != nil {
				return err
			}
			if found && !p.Add(n, m.seq, groupSummary(g)) {
				break
			}
		}
		out = dsdataapi.ListGroupsForMemberResult{DirectoryId: new(dirID), Realm: new(dir.Name), MemberRealm: new(dir.Name),
			Groups: p.Items(), NextToken: p.Next(ctx, purpose)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
