package iam

import (
	"context"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/identity"
	"github.com/deskplane/deskplane/internal/iamapi"
	"github.com/deskplane/deskplane/internal/paging"
)

// Roles (docs/decisions/0291-iam.md): one identity.Role record per role in
// the account's IAMScope, keyed by the lower-cased name.

func roleNotFound(name string) error {
	return deskplane.NotFound(name, "The role with name %s cannot be found.", name)
}

// loadRole reads a role of the account, or answers NoSuchEntity.
func loadRole(tx deskplane.Tx, w who, name string) (*identity.Role, error) {
	r, found, err := identity.Roles().Get(tx, w.scope(), identity.RoleKey(name))
	if err == nil && !found {
		err = roleNotFound(name)
	}
	return r, err
}

// modifyRole applies fn to a role of the account and saves it.
func modifyRole(tx deskplane.Tx, w who, name string, fn func(*identity.Role) error) error {
	return identity.Roles().Modify(tx, w.scope(), identity.RoleKey(name), func() error { return roleNotFound(name) }, fn)
}

// checkTrustPolicy checks a role's assume role policy document.
func checkTrustPolicy(doc string) error {
	if _, err := identity.ParsePolicy(doc, identity.TrustPolicy); err != nil {
		return err
	}
	if n := identity.PolicySize(doc); n > identity.MaxTrustPolicySize {
		return deskplane.Errorf(deskplane.CodeLimitExceeded, "Cannot exceed quota for ACLSizePerRole: %d", identity.MaxTrustPolicySize)
	}
	return nil
}

// wireRole is a role as GetRole answers it; list leaves out what ListRoles
// does not answer (tags, last use).
func wireRole(r *identity.Role, w who, list bool) *iamapi.Role {
	out := &iamapi.Role{
		Path:                     new(r.Path),
		RoleName:                 new(r.Name),
		RoleId:                   new(r.ID),
		Arn:                      new(identity.RoleARN(w.partition, w.account, r)),
		CreateDate:               timestamp(r.Created),
		AssumeRolePolicyDocument: encodeDocument(r.TrustPolicy),
		Description:              optional(r.Description),
		MaxSessionDuration:       new(r.MaxSession),
	}
	if list {
		return out
	}
	out.Tags = wireTags(r.Tags)
	out.RoleLastUsed = &iamapi.RoleLastUsed{}
	if !r.LastUsed.IsZero() {
		out.RoleLastUsed = &iamapi.RoleLastUsed{LastUsedDate: timestamp(r.LastUsed), Region: optional(r.LastUsedRegion)}
	}
	return out
}

func (s *Service) CreateRole(ctx context.Context, in *iamapi.CreateRoleRequest) (*iamapi.CreateRoleResponse, error) {
	w := caller(ctx)
	name, doc := value(in.RoleName), value(in.AssumeRolePolicyDocument)
	if in.PermissionsBoundary != nil {
		return nil, deskplane.Errorf(deskplane.CodeNotImplemented, "deskplane does not implement permissions boundaries; create the role %s without PermissionsBoundary.", name)
	}
	if err := checkTrustPolicy(doc); err != nil {
		return nil, err
	}
	tags := domainTags(in.Tags)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	if len(tags) > maxTagsPerEntity {
		return nil, deskplane.Errorf(deskplane.CodeLimitExceeded, "Cannot exceed quota for TagsPerEntity: %d.", maxTagsPerEntity)
	}
	r := identity.Role{
		Name:        name,
		ID:          newID("AROA"),
		Path:        value(in.Path),
		TrustPolicy: doc,
		Description: value(in.Description),
		MaxSession:  value(in.MaxSessionDuration),
		Created:     s.Now().UTC().Truncate(1e9),
		Tags:        tags,
	}
	if r.Path == "" {
		r.Path = "/"
	}
	if r.MaxSession == 0 {
		r.MaxSession = defaultMaxSession
	}
	roles := identity.Roles()
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		prev, found, err := roles.Get(tx, w.scope(), identity.RoleKey(name))
		if err != nil {
			return err
		}
		if found {
			return deskplane.Errorf(deskplane.CodeAlreadyExists, "Role with name %s already exists.", prev.Name)
		}
		n, err := roles.Count(tx, w.scope())
		if err != nil {
			return err
		}
		if n >= maxRolesPerAccount {
			return deskplane.Errorf(deskplane.CodeLimitExceeded, "Cannot exceed quota for RolesPerAccount: %d", maxRolesPerAccount)
		}
		return roles.Put(tx, w.scope(), identity.RoleKey(name), &r)
	})
	if err != nil {
		return nil, err
	}
	out := wireRole(&r, w, false)
	out.RoleLastUsed = nil // CreateRole answers no last use
	return &iamapi.CreateRoleResponse{Role: out}, nil
}

func (s *Service) GetRole(ctx context.Context, in *iamapi.GetRoleRequest) (*iamapi.GetRoleResponse, error) {
	w := caller(ctx)
	var out *iamapi.Role
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		r, err := loadRole(tx, w, value(in.RoleName))
		if err != nil {
			return err
		}
		out = wireRole(r, w, false)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetRoleResponse{Role: out}, nil
}

func (s *Service) ListRoles(ctx context.Context, in *iamapi.ListRolesRequest) (*iamapi.ListRolesResponse, error) {
	w := caller(ctx)
	const purpose = "iam.ListRoles"
	prefix := value(in.PathPrefix)
	after, err := marker(ctx, purpose, in.Marker)
	if err != nil {
		return nil, err
	}
	size := maxItems(in.MaxItems)
	var p paging.Page[iamapi.Role]
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[iamapi.Role]{}
		return identity.Roles().Each(tx, w.scope(), after, func(seq int64, r *identity.Role) (bool, error) {
			if !strings.HasPrefix(r.Path, prefix) {
				return true, nil
			}
			return p.Add(size, seq, *wireRole(r, w, true)), nil
		})
	})
	if err != nil {
		return nil, err
	}
	next := p.Next(ctx, purpose)
	return &iamapi.ListRolesResponse{Roles: p.Items(), IsTruncated: new(next != nil), Marker: next}, nil
}

func (s *Service) UpdateRole(ctx context.Context, in *iamapi.UpdateRoleRequest) (*iamapi.UpdateRoleResponse, error) {
	w := caller(ctx)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return modifyRole(tx, w, value(in.RoleName), func(r *identity.Role) error {
			if in.Description != nil {
				r.Description = *in.Description
			}
			if in.MaxSessionDuration != nil {
				r.MaxSession = *in.MaxSessionDuration
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateRoleResponse{}, nil
}

func (s *Service) UpdateRoleDescription(ctx context.Context, in *iamapi.UpdateRoleDescriptionRequest) (*iamapi.UpdateRoleDescriptionResponse, error) {
	w := caller(ctx)
	var out *iamapi.Role
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return modifyRole(tx, w, value(in.RoleName), func(r *identity.Role) error {
			r.Description = value(in.Description)
			out = wireRole(r, w, false)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateRoleDescriptionResponse{Role: out}, nil
}

func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, in *iamapi.UpdateAssumeRolePolicyRequest) (*iamapi.UpdateAssumeRolePolicyOutput, error) {
	w := caller(ctx)
	doc := value(in.PolicyDocument)
	if err := checkTrustPolicy(doc); err != nil {
		return nil, err
	}
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return modifyRole(tx, w, value(in.RoleName), func(r *identity.Role) error {
			r.TrustPolicy = doc
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateAssumeRolePolicyOutput{}, nil
}

// DeleteRole refuses a role that still has policies, as IAM does: the
// managed policies must be detached and the inline ones deleted first.
// Temporary credentials of the role stop working (their session names the
// role's id, which no role has any more).
func (s *Service) DeleteRole(ctx context.Context, in *iamapi.DeleteRoleRequest) (*iamapi.DeleteRoleOutput, error) {
	w := caller(ctx)
	name := value(in.RoleName)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		r, err := loadRole(tx, w, name)
		if err != nil {
			return err
		}
		switch {
		case len(r.Attached) > 0:
			return deskplane.Errorf(deskplane.CodeAssociated, "Cannot delete entity, must detach all policies first.")
		case len(r.Inline) > 0:
			return deskplane.Errorf(deskplane.CodeAssociated, "Cannot delete entity, must delete policies first.")
		}
		_, err = identity.Roles().Delete(tx, w.scope(), identity.RoleKey(name))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteRoleOutput{}, nil
}

// ---- tags ---------------------------------------------------------------

func (s *Service) TagRole(ctx context.Context, in *iamapi.TagRoleRequest) (*iamapi.TagRoleOutput, error) {
	w := caller(ctx)
	tags := domainTags(in.Tags)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return modifyRole(tx, w, value(in.RoleName), func(r *identity.Role) error {
			merged, err := mergeTags(r.Tags, tags)
			r.Tags = merged
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.TagRoleOutput{}, nil
}

func (s *Service) UntagRole(ctx context.Context, in *iamapi.UntagRoleRequest) (*iamapi.UntagRoleOutput, error) {
	w := caller(ctx)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return modifyRole(tx, w, value(in.RoleName), func(r *identity.Role) error {
			r.Tags = removeTags(r.Tags, in.TagKeys)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UntagRoleOutput{}, nil
}

func (s *Service) ListRoleTags(ctx context.Context, in *iamapi.ListRoleTagsRequest) (*iamapi.ListRoleTagsResponse, error) {
	w := caller(ctx)
	var out iamapi.ListRoleTagsResponse
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		r, err := loadRole(tx, w, value(in.RoleName))
		if err != nil {
			return err
		}
		page, truncated, next, err := slicePage(ctx, "iam.ListRoleTags/"+r.ID, r.Tags, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		out = iamapi.ListRoleTagsResponse{Tags: wireTags(page), IsTruncated: new(truncated), Marker: next}
		if out.Tags == nil {
			out.Tags = []iamapi.Tag{}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
