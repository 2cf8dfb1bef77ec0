package dsdata

import (
	"context"
	"maps"
	"strconv"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsdataapi"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Users (docs/decisions/0014-directory-users.md, 0240). A user is a
// directory.User record keyed by directory id and lower-cased name, so
// names match case-insensitively and keep the case they were created with.
// A new user is disabled (an account without a password) and a member of
// Domain Users, its primary group; ResetUserPassword (the ds family) gives
// it a password and enables it, DisableUser disables it again.

// userAccountControl flags (Active Directory): a normal account, disabled.
const (
	uacNormalAccount = 0x200
	uacDisabled      = 0x2
)

// primaryGroup is the group every new user joins as its primary group.
const primaryGroup = "Domain Users"

// loadUser returns a user of the directory, or ResourceNotFoundException.
func loadUser(tx deskplane.Tx, sc deskplane.Scope, dir *directory.DSDirectory, name string) (*directory.User, error) {
	var u directory.User
	found, err := deskplane.Load(tx, directory.UserKey(sc, dir.ID, name), &u)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, userNotFound(dir, name)
	}
	return &u, nil
}

// nameFree checks that no user or group of the directory has the name
// (sAMAccountName is unique among a domain's security principals).
func nameFree(tx deskplane.Tx, sc deskplane.Scope, dir *directory.DSDirectory, name string) error {
	if p, found, err := findPrincipal(tx, sc, dir.ID, name); err != nil || found {
		if err == nil {
			err = deskplane.Errorf(deskplane.CodeConflict,
				"The %s %s already has that name in directory %s; user and group names are unique, case-insensitively.",
				what(p.kind), p.name, dir.ID)
		}
		return err
	}
	return nil
}

// takeRID returns the directory's next relative id (the caller saves the
// directory).
func takeRID(dir *directory.DSDirectory) string {
	rid := dir.NextRID
	dir.NextRID++
	return dir.DomainSID + "-" + strconv.Itoa(rid)
}

// joinPrimary makes the new principal a member of its primary group, when
// the directory has that group (directories made before groups existed
// have none).
func joinPrimary(tx deskplane.Tx, sc deskplane.Scope, dir *directory.DSDirectory, p principal, now time.Time) error {
	g, found, err := loadGroup(tx, sc, dir.ID, primaryGroup)
	if err != nil || !found {
		return err
	}
	m := directory.GroupMember{DirectoryID: dir.ID, Group: g.SAMAccountName, Member: p.name, MemberType: p.kind,
		MemberSID: p.sid, Primary: true, Added: now}
	return deskplane.Save(tx, directory.GroupMemberKey(sc, dir.ID, g.SAMAccountName, p.name), m)
}

func (s *Service) CreateUser(ctx context.Context, in *dsdataapi.CreateUserRequest) (*dsdataapi.CreateUserResult, error) {
	sc, dirID, name := env.Scope(ctx), value(in.DirectoryId), value(in.SAMAccountName)
	others, err := otherAttributes(onUser, in.OtherAttributes, false)
	if err != nil {
		return nil, err
	}
	req := *in
	req.ClientToken = nil
	tok := newClientToken("CreateUser", in.ClientToken, req)
	now := s.Now()
	var out dsdataapi.CreateUserResult
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		out = dsdataapi.CreateUserResult{}
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
		u := &directory.User{
			DirectoryID:    dirID,
			SAMAccountName: name,
			GivenName:      value(in.GivenName),
			Surname:        value(in.Surname),
			Email:          value(in.EmailAddress),
			SID:            takeRID(dir),
			Created:        now,
		}
		if len(others) > 0 {
			u.Attributes = make(directory.Attributes, len(others))
			for _, c := range others {
				u.Attributes[c.attr.name] = c.value
			}
		}
		if err := directory.DSDirectories().Put(tx, sc, dirID, dir); err != nil {
			return err
		}
		if err := deskplane.Save(tx, directory.UserKey(sc, dirID, name), u); err != nil {
			return err
		}
		if err := joinPrimary(tx, sc, dir, userPrincipal(u), now); err != nil {
			return err
		}
		out = dsdataapi.CreateUserResult{DirectoryId: new(dirID), SID: new(u.SID), SAMAccountName: new(u.SAMAccountName)}
		return s.remember(tx, sc, tok, now, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// userView is every attribute of a user that needs no other record: the
// other attributes, those with members, and the computed ones.
func userView(dir *directory.DSDirectory, u *directory.User) directory.Attributes {
	v := maps.Clone(u.Attributes)
	if v == nil {
		v = directory.Attributes{}
	}
	v[attrSAMAccountName] = str(u.SAMAccountName)
	for name, s := range map[string]string{attrMail: u.Email, attrGivenName: u.GivenName, attrSurname: u.Surname} {
		if s != "" {
			v[name] = str(s)
		}
	}
	uac := int64(uacNormalAccount)
	if !u.Enabled {
		uac |= uacDisabled
	}
	changed := u.Modified
	if changed.IsZero() {
		changed = u.Created
	}
	v["objectSid"] = str(u.SID)
	v["distinguishedName"] = str(dir.DistinguishedName(u.SAMAccountName, u.Container))
	v["userPrincipalName"] = str(userPrincipalName(dir, u.SAMAccountName))
	v["cn"] = str(u.SAMAccountName)
	v["name"] = str(u.SAMAccountName)
	v["objectClass"] = directory.AttributeValue{SS: []string{"top", "person", "organizationalPerson", "user"}}
	v["whenCreated"] = str(generalizedTime(u.Created))
	v["whenChanged"] = str(generalizedTime(changed))
	v["userAccountControl"] = num(uac)
	return v
}

// generalizedTime is LDAP's time syntax, as whenCreated shows it.
func generalizedTime(t time.Time) string { return t.UTC().Format("20060102150405.0Z") }

// otherOf returns the OtherAttributes an answer carries: the requested
// attributes the object has (all its other attributes for "*"); extra
// computes those that need other records (memberOf …).
func otherOf(view directory.Attributes, stored directory.Attributes, all bool, attrs []attribute,
	extra func(name string) (directory.AttributeValue, bool, error)) (map[string]dsdataapi.AttributeValue, error) {
	out := map[string]dsdataapi.AttributeValue{}
	if all {
		for k, v := range stored {
			out[k] = wire(v)
		}
	}
	for _, a := range attrs {
		v, ok := view[a.name]
		if !ok && extra != nil {
			var err error
			if v, ok, err = extra(a.name); err != nil {
				return nil, err
			}
		}
		if ok {
			out[a.name] = wire(v)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// membershipAttribute computes memberOf, member and primaryGroupID.
func membershipAttribute(tx deskplane.Tx, sc deskplane.Scope, dir *directory.DSDirectory, name string, kind directory.MemberType) func(string) (directory.AttributeValue, bool, error) {
	return func(attr string) (directory.AttributeValue, bool, error) {
		switch attr {
		case "memberOf", "primaryGroupID":
			ms, err := memberships(tx, sc, dir.ID, "", name, 0)
			if err != nil {
				return directory.AttributeValue{}, false, err
			}
			var dns []string
			for _, m := range ms {
				g, found, err := loadGroup(tx, sc, dir.ID, m.Group)
				if err != nil {
					return directory.AttributeValue{}, false, err
				}
				if !found {
					continue
				}
				if m.Primary {
					if attr == "primaryGroupID" {
						return num(ridOf(g.SID)), true, nil
					}
					continue // memberOf leaves out the primary group, as Active Directory does
				}
				dns = append(dns, dir.DistinguishedName(g.SAMAccountName, g.Container))
			}
			if attr == "memberOf" && len(dns) > 0 {
				return directory.AttributeValue{SS: dns}, true, nil
			}
		case "member":
			if kind != directory.MemberGroup {
				break
			}
			ms, err := memberships(tx, sc, dir.ID, name, "", 0)
			if err != nil {
				return directory.AttributeValue{}, false, err
			}
			var dns []string
			for _, m := range ms {
				if m.Primary {
					continue
				}
				p, found, err := findPrincipal(tx, sc, dir.ID, m.Member)
				if err != nil {
					return directory.AttributeValue{}, false, err
				}
				if found {
					dns = append(dns, dir.DistinguishedName(p.name, p.container))
				}
			}
			if len(dns) > 0 {
				return directory.AttributeValue{SS: dns}, true, nil
			}
		}
		return directory.AttributeValue{}, false, nil
	}
}

// ridOf returns the relative id at the end of a SID.
func ridOf(sid string) int64 {
	for i := len(sid) - 1; i >= 0; i-- {
		if sid[i] == '-' {
			n, _ := strconv.ParseInt(sid[i+1:], 10, 64)
			return n
		}
	}
	return 0
}

// wireUser builds the User shape of an answer.
func wireUser(dir *directory.DSDirectory, u *directory.User, other map[string]dsdataapi.AttributeValue) dsdataapi.User {
	return dsdataapi.User{
		SID:               new(u.SID),
		SAMAccountName:    new(u.SAMAccountName),
		DistinguishedName: new(dir.DistinguishedName(u.SAMAccountName, u.Container)),
		UserPrincipalName: new(userPrincipalName(dir, u.SAMAccountName)),
		EmailAddress:      optional(u.Email),
		GivenName:         optional(u.GivenName),
		Surname:           optional(u.Surname),
		Enabled:           new(u.Enabled),
		OtherAttributes:   other,
	}
}

func (s *Service) DescribeUser(ctx context.Context, in *dsdataapi.DescribeUserRequest) (*dsdataapi.DescribeUserResult, error) {
	sc, dirID, name := env.Scope(ctx), value(in.DirectoryId), value(in.SAMAccountName)
	all, attrs, err := requested(onUser, in.OtherAttributes)
	if err != nil {
		return nil, err
	}
	var out dsdataapi.DescribeUserResult
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		dir, err := dataDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		if err := checkRealm(dir, "Realm", in.Realm); err != nil {
			return err
		}
		u, err := loadUser(tx, sc, dir, name)
		if err != nil {
			return err
		}
		other, err := otherOf(userView(dir, u), u.Attributes, all, attrs, membershipAttribute(tx, sc, dir, u.SAMAccountName, directory.MemberUser))
		if err != nil {
			return err
		}
		w := wireUser(dir, u, other)
		out = dsdataapi.DescribeUserResult{
			DirectoryId: new(dirID), Realm: new(dir.Name), SID: w.SID, SAMAccountName: w.SAMAccountName,
			DistinguishedName: w.DistinguishedName, UserPrincipalName: w.UserPrincipalName, EmailAddress: w.EmailAddress,
			GivenName: w.GivenName, Surname: w.Surname, Enabled: w.Enabled, OtherAttributes: w.OtherAttributes,
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) UpdateUser(ctx context.Context, in *dsdataapi.UpdateUserRequest) (*dsdataapi.UpdateUserResult, error) {
	sc, dirID, name := env.Scope(ctx), value(in.DirectoryId), value(in.SAMAccountName)
	how := updateType(in.UpdateType)
	changes, err := otherAttributes(onUser, in.OtherAttributes, how == dsdataapi.UpdateTypeRemove)
	if err != nil {
		return nil, err
	}
	for _, m := range []struct {
		name string
		v    *string
	}{{attrMail, in.EmailAddress}, {attrGivenName, in.GivenName}, {attrSurname, in.Surname}} {
		if c, ok := memberChange(m.name, m.v); ok {
			changes = append(changes, c)
		}
	}
	req := *in
	req.ClientToken = nil
	tok := newClientToken("UpdateUser", in.ClientToken, req)
	now := s.Now()
	var out dsdataapi.UpdateUserResult
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		dir, err := dataDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		if done, err := s.replay(tx, sc, tok, now, &out); err != nil || done {
			return err
		}
		u, err := loadUser(tx, sc, dir, name)
		if err != nil {
			return err
		}
		if !dir.Writable(u.Container) {
			return outsideOU(dir, "user", u.SAMAccountName)
		}
		if len(changes) == 0 {
			return s.remember(tx, sc, tok, now, &out) // nothing to change (decision 0244)
		}
		view := maps.Clone(u.Attributes)
		if view == nil {
			view = directory.Attributes{}
		}
		for n, v := range map[string]string{attrMail: u.Email, attrGivenName: u.GivenName, attrSurname: u.Surname} {
			if v != "" {
				view[n] = str(v)
			}
		}
		for _, c := range changes {
			if err := apply(view, how, c); err != nil {
				return err
			}
		}
		u.Email, u.GivenName, u.Surname = stringOf(view, attrMail), stringOf(view, attrGivenName), stringOf(view, attrSurname)
		delete(view, attrMail)
		delete(view, attrGivenName)
		delete(view, attrSurname)
		u.Attributes = view
		if len(view) == 0 {
			u.Attributes = nil
		}
		u.Modified = now
		if err := deskplane.Save(tx, directory.UserKey(sc, dirID, name), u); err != nil {
			return err
		}
		return s.remember(tx, sc, tok, now, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// updateType is the update a request asks for: REPLACE when it names none
// (decision 0244).
func updateType(t dsdataapi.UpdateType) dsdataapi.UpdateType {
	if t == "" {
		return dsdataapi.UpdateTypeReplace
	}
	return t
}

func (s *Service) DisableUser(ctx context.Context, in *dsdataapi.DisableUserRequest) (*dsdataapi.DisableUserResult, error) {
	sc, dirID, name := env.Scope(ctx), value(in.DirectoryId), value(in.SAMAccountName)
	req := *in
	req.ClientToken = nil
	tok := newClientToken("DisableUser", in.ClientToken, req)
	now := s.Now()
	var out dsdataapi.DisableUserResult
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		dir, err := dataDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		if done, err := s.replay(tx, sc, tok, now, &out); err != nil || done {
			return err
		}
		u, err := loadUser(tx, sc, dir, name)
		if err != nil {
			return err
		}
		if !dir.Writable(u.Container) {
			return outsideOU(dir, "user", u.SAMAccountName)
		}
		// Disabling a disabled user changes nothing and succeeds, as in
		// Active Directory; the user stays disabled until
		// ResetUserPassword enables it.
		if u.Enabled {
			u.Enabled, u.Modified = false, now
			if err := deskplane.Save(tx, directory.UserKey(sc, dirID, name), u); err != nil {
				return err
			}
		}
		return s.remember(tx, sc, tok, now, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) DeleteUser(ctx context.Context, in *dsdataapi.DeleteUserRequest) (*dsdataapi.DeleteUserResult, error) {
	sc, dirID, name := env.Scope(ctx), value(in.DirectoryId), value(in.SAMAccountName)
	req := *in
	req.ClientToken = nil
	tok := newClientToken("DeleteUser", in.ClientToken, req)
	now := s.Now()
	var out dsdataapi.DeleteUserResult
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		dir, err := dataDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		if done, err := s.replay(tx, sc, tok, now, &out); err != nil || done {
			return err
		}
		u, err := loadUser(tx, sc, dir, name)
		if err != nil {
			return err
		}
		if !dir.Writable(u.Container) {
			return outsideOU(dir, "user", u.SAMAccountName)
		}
		if u.System {
			return unsupported("The user %s is a built-in account of directory %s and cannot be deleted.", u.SAMAccountName, dirID)
		}
		if err := leaveAll(tx, sc, dirID, u.SAMAccountName); err != nil {
			return err
		}
		if _, err := tx.Delete(directory.UserKey(sc, dirID, name)); err != nil {
			return err
		}
		return s.remember(tx, sc, tok, now, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) ListUsers(ctx context.Context, in *dsdataapi.ListUsersRequest) (*dsdataapi.ListUsersResult, error) {
	sc, dirID := env.Scope(ctx), value(in.DirectoryId)
	purpose := "users/" + dirID
	after, err := parseToken(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	n := size(in.MaxResults)
	var out dsdataapi.ListUsersResult
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		dir, err := dataDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		if err := checkRealm(dir, "Realm", in.Realm); err != nil {
			return err
		}
		var p paging.Page[dsdataapi.UserSummary]
		err = eachUser(tx, sc, dirID, after, func(seq int64, u *directory.User) bool {
			return p.Add(n, seq, dsdataapi.UserSummary{SID: new(u.SID), SAMAccountName: new(u.SAMAccountName),
				GivenName: optional(u.GivenName), Surname: optional(u.Surname), Enabled: new(u.Enabled)})
		})
		if err != nil {
			return err
		}
		out = dsdataapi.ListUsersResult{DirectoryId: new(dirID), Realm: new(dir.Name), Users: p.Items(), NextToken: p.Next(ctx, purpose)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
