package dsdata

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/dsdataapi"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Directory users through the Directory Service Data subset (CreateUser,
// DescribeUser, ListUsers, DeleteUser); internal/restjson serves it over HTTP.
// Users are deskplane.User records (kind KindUser, id = directory id + "/" +
// lower-cased SAMAccountName), so names match case-insensitively and keep
// the case they were created with. Every directory starts with its
// administrator (Administrator for Simple AD, Admin for Microsoft AD, the
// service account of an AD Connector). Decisions:
// docs/decisions/0014-directory-users.md.

// dataDirectory returns the directory a Directory Service Data call acts
// on: it must exist and be Active; a given realm must be its domain.
func dataDirectory(tx deskplane.Tx, sc deskplane.Scope, id string, realm *string) (*deskplane.DSDirectory, error) {
	var dir deskplane.DSDirectory
	ok, err := deskplane.Load(tx, deskplane.DSDirectories().Key(sc, id), &dir)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, deskplane.NotFound(id, "Directory %s does not exist.", id)
	}
	if dir.Stage != deskplane.DSDirectoryActive {
		return nil, &deskplane.Error{Code: deskplane.CodeUnavailable, Reason: string(dsdataapi.DirectoryUnavailableReasonInvalidDirectoryState),
			Message: fmt.Sprintf("Directory %s is %s; its data can be accessed once it is Active.", id, dir.Stage)}
	}
	if realm != nil && !strings.EqualFold(*realm, dir.Name) {
		return nil, &deskplane.Error{Code: deskplane.CodeValidation, Reason: string(dsdataapi.ValidationExceptionReasonInvalidRealm),
			Message: fmt.Sprintf("The realm %s is not the domain of directory %s (%s).", *realm, id, dir.Name)}
	}
	return &dir, nil
}

func userNotFound(dirID, name string) error {
	return deskplane.NotFound(name, "The user %s does not exist in directory %s.", name, dirID)
}

// distinguishedName returns where a user lives: Microsoft AD keeps users
// in the OU named after the NetBIOS name, the others in CN=Users.
func distinguishedName(dir *deskplane.DSDirectory, sam string) string {
	var dc []string
	for _, label := range strings.Split(dir.Name, ".") {
		dc = append(dc, "DC="+label)
	}
	container := "CN=Users"
	if dir.Type == string(dsapi.DirectoryTypeMicrosoftAd) {
		container = "OU=Users,OU=" + dir.ShortName
	}
	return "CN=" + sam + "," + container + "," + strings.Join(dc, ",")
}

// encodeAttributes keeps OtherAttributes as the wire JSON of each value.
func encodeAttributes(in map[string]dsdataapi.AttributeValue) map[string]string {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		b, _ := json.Marshal(v)
		out[k] = string(b)
	}
	return out
}

func decodeAttribute(raw string) dsdataapi.AttributeValue {
	var v dsdataapi.AttributeValue
	_ = json.Unmarshal([]byte(raw), &v)
	return v
}

// reservedUserAttributes are set through their own members, not
// OtherAttributes.
func reservedUserAttribute(name string) bool {
	switch strings.ToLower(name) {
	case "samaccountname", "givenname", "sn", "surname", "mail", "emailaddress", "objectsid", "distinguishedname", "userprincipalname":
		return true
	}
	return false
}

func (s *Service) CreateUser(ctx context.Context, in *dsdataapi.CreateUserRequest) (*dsdataapi.CreateUserResult, error) {
	for k := range in.OtherAttributes {
		if reservedUserAttribute(k) {
			return nil, &deskplane.Error{Code: deskplane.CodeValidation, Reason: string(dsdataapi.ValidationExceptionReasonDuplicateAttribute),
				Message: fmt.Sprintf("The attribute %s is set by its own request member, not OtherAttributes.", k)}
		}
	}
	sc := env.Scope(ctx)
	dirID, name := value(in.DirectoryId), value(in.SAMAccountName)
	token := value(in.ClientToken)
	now := s.Now()
	var out dsdataapi.CreateUserResult
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		dir, err := dataDirectory(tx, sc, dirID, nil)
		if err != nil {
			return err
		}
		key := deskplane.UserKey(sc, dirID, name)
		var u deskplane.User
		ok, err := deskplane.Load(tx, key, &u)
		if err != nil {
			return err
		}
		if ok {
			if token != "" && token == u.ClientToken {
				out = dsdataapi.CreateUserResult{DirectoryId: new(dirID), SID: new(u.SID), SAMAccountName: new(u.SAMAccountName)}
				return nil
			}
			return deskplane.Errorf(deskplane.CodeAlreadyExists, "The user %s already exists in directory %s.", u.SAMAccountName, dirID)
		}
		u = deskplane.User{
			DirectoryID:    dirID,
			SAMAccountName: name,
			GivenName:      value(in.GivenName),
			Surname:        value(in.Surname),
			Email:          value(in.EmailAddress),
			SID:            dir.DomainSID + "-" + strconv.Itoa(dir.NextRID),
			Attributes:     encodeAttributes(in.OtherAttributes),
			Created:        now,
			ClientToken:    token,
		}
		dir.NextRID++
		if err := deskplane.Save(tx, deskplane.DSDirectories().Key(sc, dirID), dir); err != nil {
			return err
		}
		if err := deskplane.Save(tx, key, u); err != nil {
			return err
		}
		out = dsdataapi.CreateUserResult{DirectoryId: new(dirID), SID: new(u.SID), SAMAccountName: new(u.SAMAccountName)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) DescribeUser(ctx context.Context, in *dsdataapi.DescribeUserRequest) (*dsdataapi.DescribeUserResult, error) {
	sc := env.Scope(ctx)
	dirID, name := value(in.DirectoryId), value(in.SAMAccountName)
	var out dsdataapi.DescribeUserResult
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		dir, err := dataDirectory(tx, sc, dirID, in.Realm)
		if err != nil {
			return err
		}
		var u deskplane.User
		ok, err := deskplane.Load(tx, deskplane.UserKey(sc, dirID, name), &u)
		if err != nil {
			return err
		}
		if !ok {
			return userNotFound(dirID, name)
		}
		out = dsdataapi.DescribeUserResult{
			DirectoryId:       new(dirID),
			Realm:             new(dir.Name),
			SID:               new(u.SID),
			SAMAccountName:    new(u.SAMAccountName),
			DistinguishedName: new(distinguishedName(dir, u.SAMAccountName)),
			UserPrincipalName: new(u.SAMAccountName + "@" + strings.ToUpper(dir.Name)),
			Enabled:           new(u.Enabled),
		}
		if u.Email != "" {
			out.EmailAddress = new(u.Email)
		}
		if u.GivenName != "" {
			out.GivenName = new(u.GivenName)
		}
		if u.Surname != "" {
			out.Surname = new(u.Surname)
		}
		for _, a := range in.OtherAttributes {
			for k, raw := range u.Attributes {
				if strings.EqualFold(k, a) {
					if out.OtherAttributes == nil {
						out.OtherAttributes = map[string]dsdataapi.AttributeValue{}
					}
					out.OtherAttributes[k] = decodeAttribute(raw)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) ListUsers(ctx context.Context, in *dsdataapi.ListUsersRequest) (*dsdataapi.ListUsersResult, error) {
	sc := env.Scope(ctx)
	dirID := value(in.DirectoryId)
	purpose := "users/" + dirID
	after, err := paging.Parse(purpose, in.NextToken)
	if err != nil {
		return nil, &deskplane.Error{Code: deskplane.CodeValidation, Reason: string(dsdataapi.ValidationExceptionReasonInvalidNextToken),
			Message: "The NextToken is not valid for this request."}
	}
	size := 250
	if in.MaxResults != nil {
		size = int(*in.MaxResults)
	}
	var out dsdataapi.ListUsersResult
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		dir, err := dataDirectory(tx, sc, dirID, in.Realm)
		if err != nil {
			return err
		}
		prefix := dirID + "/"
		var p paging.Page[dsdataapi.UserSummary]
		var ferr error
		err = tx.List(sc, deskplane.KindUser, after, func(r deskplane.Record) bool {
			if !strings.HasPrefix(r.ID, prefix) {
				return true
			}
			var u deskplane.User
			if ferr = json.Unmarshal(r.Data, &u); ferr != nil {
				return false
			}
			s := dsdataapi.UserSummary{SID: new(u.SID), SAMAccountName: new(u.SAMAccountName), Enabled: new(u.Enabled)}
			if u.GivenName != "" {
				s.GivenName = new(u.GivenName)
			}
			if u.Surname != "" {
				s.Surname = new(u.Surname)
			}
			return p.Add(size, r.Seq, s)
		})
		if err == nil {
			err = ferr
		}
		if err != nil {
			return err
		}
		out = dsdataapi.ListUsersResult{DirectoryId: new(dirID), Realm: new(dir.Name), Users: p.Items(), NextToken: p.Next(purpose)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out.Users == nil {
		out.Users = []dsdataapi.UserSummary{}
	}
	return &out, nil
}

func (s *Service) DeleteUser(ctx context.Context, in *dsdataapi.DeleteUserRequest) (*dsdataapi.DeleteUserResult, error) {
	sc := env.Scope(ctx)
	dirID, name := value(in.DirectoryId), value(in.SAMAccountName)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		if _, err := dataDirectory(tx, sc, dirID, nil); err != nil {
			return err
		}
		found, err := tx.Delete(deskplane.UserKey(sc, dirID, name))
		if err != nil {
			return err
		}
		if !found {
			return userNotFound(dirID, name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsdataapi.DeleteUserResult{}, nil
}
