package dsdata

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsdataapi"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Listing and search (docs/decisions/0242-directory-data-search.md). Users
// and groups are listed in creation order. A search finds the objects one
// of whose SearchAttributes holds the SearchString: case-insensitively
// anywhere in a string (or in one string of a set), as the decimal number
// of a number, as true or false for a boolean. Only the searchable
// attributes (attributes.go) may be searched; wildcards are refused.

// eachUser calls fn for each user of the directory after Seq after, in
// creation order, until fn returns false.
func eachUser(tx deskplane.Tx, sc deskplane.Scope, dirID string, after int64, fn func(seq int64, u *directory.User) bool) error {
	return eachOf(tx, sc, deskplane.KindUser, dirID, after, fn)
}

// eachGroup calls fn for each group of the directory after Seq after, in
// creation order, until fn returns false.
func eachGroup(tx deskplane.Tx, sc deskplane.Scope, dirID string, after int64, fn func(seq int64, g *directory.Group) bool) error {
	return eachOf(tx, sc, directory.KindGroup, dirID, after, fn)
}

func eachOf[T any](tx deskplane.Tx, sc deskplane.Scope, kind deskplane.Kind, dirID string, after int64, fn func(int64, *T) bool) error {
	prefix := dirID + "/"
	var ferr error
	err := tx.List(sc, kind, after, func(r deskplane.Record) bool {
		if !strings.HasPrefix(r.ID, prefix) {
			return true
		}
		v := new(T)
		if err := json.Unmarshal(r.Data, v); err != nil {
			ferr = fmt.Errorf("decoding %s %s: %w", r.Kind, r.ID, err)
			return false
		}
		return fn(r.Seq, v)
	})
	if err == nil {
		err = ferr
	}
	return err
}

// searchAttributes checks a search's attributes for an object.
func searchAttributes(obj objects, names []string, text string) ([]attribute, error) {
	if strings.Contains(text, "*") {
		return nil, validation(dsdataapi.ValidationExceptionReasonInvalidAttributeValue,
			"The SearchString %q has a wildcard (*); searches match the string anywhere in a value, without wildcards.", text)
	}
	var out []attribute
	for _, n := range names {
		if n == "*" {
			return nil, validation(dsdataapi.ValidationExceptionReasonInvalidAttributeForSearch,
				"SearchAttributes must name the attributes to search; * is not one.")
		}
		a, err := known(obj, n)
		if err != nil {
			return nil, err
		}
		if !a.searchable {
			return nil, validation(dsdataapi.ValidationExceptionReasonInvalidAttributeForSearch,
				"The attribute %s cannot be searched; see docs/decisions/0244-directory-data-attributes.md for those that can.", n)
		}
		out = append(out, a)
	}
	return out, nil
}

// matches reports whether one of the attributes of the view holds text.
func matches(view directory.Attributes, attrs []attribute, text string) bool {
	lower := strings.ToLower(text)
	for _, a := range attrs {
		v, ok := view[a.name]
		if !ok {
			continue
		}
		switch {
		case v.S != nil:
			if strings.Contains(strings.ToLower(*v.S), lower) {
				return true
			}
		case v.N != nil:
			if strconv.FormatInt(*v.N, 10) == text {
				return true
			}
		case v.BOOL != nil:
			if strings.EqualFold(strconv.FormatBool(*v.BOOL), text) {
				return true
			}
		default:
			for _, s := range v.SS {
				if strings.Contains(strings.ToLower(s), lower) {
					return true
				}
			}
		}
	}
	return false
}

// searched returns the OtherAttributes a search result carries: the
// values of the other attributes it searched.
func searched(view directory.Attributes, attrs []attribute) map[string]dsdataapi.AttributeValue {
	var out map[string]dsdataapi.AttributeValue
	for _, a := range attrs {
		if a.member != 0 {
			continue
		}
		if v, ok := view[a.name]; ok {
			if out == nil {
				out = map[string]dsdataapi.AttributeValue{}
			}
			out[a.name] = wire(v)
		}
	}
	return out
}

func (s *Service) SearchUsers(ctx context.Context, in *dsdataapi.SearchUsersRequest) (*dsdataapi.SearchUsersResult, error) {
	sc, dirID, text := env.Scope(ctx), value(in.DirectoryId), value(in.SearchString)
	attrs, err := searchAttributes(onUser, in.SearchAttributes, text)
	if err != nil {
		return nil, err
	}
	purpose := "searchusers/" + dirID
	after, err := parseToken(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	n := size(in.MaxResults)
	var out dsdataapi.SearchUsersResult
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		dir, err := dataDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		if err := checkRealm(dir, "Realm", in.Realm); err != nil {
			return err
		}
		var p paging.Page[dsdataapi.User]
		err = eachUser(tx, sc, dirID, after, func(seq int64, u *directory.User) bool {
			view := userView(dir, u)
			if !matches(view, attrs, text) {
				return true
			}
			return p.Add(n, seq, wireUser(dir, u, searched(view, attrs)))
		})
		if err != nil {
			return err
		}
		out = dsdataapi.SearchUsersResult{DirectoryId: new(dirID), Realm: new(dir.Name), Users: p.Items(), NextToken: p.Next(ctx, purpose)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) SearchGroups(ctx context.Context, in *dsdataapi.SearchGroupsRequest) (*dsdataapi.SearchGroupsResult, error) {
	sc, dirID, text := env.Scope(ctx), value(in.DirectoryId), value(in.SearchString)
	attrs, err := searchAttributes(onGroup, in.SearchAttributes, text)
	if err != nil {
		return nil, err
	}
	purpose := "searchgroups/" + dirID
	after, err := parseToken(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	n := size(in.MaxResults)
	var out dsdataapi.SearchGroupsResult
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		dir, err := dataDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		if err := checkRealm(dir, "Realm", in.Realm); err != nil {
			return err
		}
		var p paging.Page[dsdataapi.Group]
		err = eachGroup(tx, sc, dirID, after, func(seq int64, g *directory.Group) bool {
			view := groupView(dir, g)
			if !matches(view, attrs, text) {
				return true
			}
			return p.Add(n, seq, wireGroup(dir, g, searched(view, attrs)))
		})
		if err != nil {
			return err
		}
		out = dsdataapi.SearchGroupsResult{DirectoryId: new(dirID), Realm: new(dir.Name), Groups: p.Items(), NextToken: p.Next(ctx, purpose)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
