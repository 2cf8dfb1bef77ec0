package iam

import (
	"context"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/identity"
	"github.com/deskplane/deskplane/internal/iamapi"
)

// The policies of a role: managed policies attached by ARN (Role.Attached)
// and inline policies embedded by name (Role.Inline).

// ---- attached managed policies ------------------------------------------

func (s *Service) AttachRolePolicy(ctx context.Context, in *iamapi.AttachRolePolicyRequest) (*iamapi.AttachRolePolicyOutput, error) {
	w := caller(ctx)
	arn := value(in.PolicyArn)
	ref, err := parsePolicyARN(arn)
	if err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		r, err := loadRole(tx, w, value(in.RoleName))
		if err != nil {
			return err
		}
		if _, err := resolvePolicy(tx, w, ref); err != nil {
			if deskplane.HasCode(err, deskplane.CodeNotFound) {
				return deskplane.NotFound(arn, "Policy %s does not exist or is not attachable.", arn)
			}
			return err
		}
		if slices.ContainsFunc(r.Attached, func(a string) bool { return samePolicy(a, arn) }) {
			return nil // attaching twice changes nothing
		}
		if len(r.Attached) >= maxAttachedPerRole {
			return deskplane.Errorf(deskplane.CodeLimitExceeded, "Cannot exceed quota for PoliciesPerRole: %d", maxAttachedPerRole)
		}
		r.Attached = append(r.Attached, arn)
		return identity.Roles().Put(tx, w.scope(), identity.RoleKey(r.Name), r)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.AttachRolePolicyOutput{}, nil
}

func (s *Service) DetachRolePolicy(ctx context.Context, in *iamapi.DetachRolePolicyRequest) (*iamapi.DetachRolePolicyOutput, error) {
	w := caller(ctx)
	arn := value(in.PolicyArn)
	if _, err := parsePolicyARN(arn); err != nil {
		return nil, err
	}
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return modifyRole(tx, w, value(in.RoleName), func(r *identity.Role) error {
			i := slices.IndexFunc(r.Attached, func(a string) bool { return samePolicy(a, arn) })
			if i < 0 {
				return deskplane.NotFound(arn, "Policy %s was not found.", arn)
			}
			r.Attached = slices.Delete(r.Attached, i, i+1)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DetachRolePolicyOutput{}, nil
}

func (s *Service) ListAttachedRolePolicies(ctx context.Context, in *iamapi.ListAttachedRolePoliciesRequest) (*iamapi.ListAttachedRolePoliciesResponse, error) {
	w := caller(ctx)
	prefix := value(in.PathPrefix)
	var out iamapi.ListAttachedRolePoliciesResponse
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		r, err := loadRole(tx, w, value(in.RoleName))
		if err != nil {
			return err
		}
		all := make([]iamapi.AttachedPolicy, 0, len(r.Attached))
		for _, arn := range r.Attached {
			ref, err := parsePolicyARN(arn)
			if err != nil || !strings.HasPrefix(ref.path, prefix) {
				continue
			}
			all = append(all, iamapi.AttachedPolicy{PolicyName: new(ref.name), PolicyArn: new(arn)})
		}
		page, truncated, next, err := slicePage(ctx, "iam.ListAttachedRolePolicies/"+r.ID+"/"+prefix, all, in.Marker, in.MaxItems)
		out = iamapi.ListAttachedRolePoliciesResponse{AttachedPolicies: page, IsTruncated: new(truncated), Marker: next}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ---- inline policies ----------------------------------------------------

func rolePolicyNotFound(name string) error {
	return deskplane.NotFound(name, "The role policy with name %s cannot be found.", name)
}

func (s *Service) PutRolePolicy(ctx context.Context, in *iamapi.PutRolePolicyRequest) (*iamapi.PutRolePolicyOutput, error) {
	w := caller(ctx)
	roleName, name, doc := value(in.RoleName), value(in.PolicyName), value(in.PolicyDocument)
	if _, err := identity.ParsePolicy(doc, identity.IdentityPolicy); err != nil {
		return nil, err
	}
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return modifyRole(tx, w, roleName, func(r *identity.Role) error {
			i, found := slices.BinarySearchFunc(r.Inline, name, func(p identity.InlinePolicy, n string) int { return strings.Compare(p.Name, n) })
			if found {
				r.Inline[i].Document = doc
			} else {
				r.Inline = slices.Insert(r.Inline, i, identity.InlinePolicy{Name: name, Document: doc})
			}
			total := 0
			for _, p := range r.Inline {
				total += identity.PolicySize(p.Document)
			}
			if total > identity.MaxRoleInlineSize {
				return deskplane.Errorf(deskplane.CodeLimitExceeded, "Maximum policy size of %d bytes exceeded for role %s", identity.MaxRoleInlineSize, r.Name)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.PutRolePolicyOutput{}, nil
}

// inlinePolicy finds a role's inline policy by name.
func inlinePolicy(r *identity.Role, name string) (int, bool) {
	return slices.BinarySearchFunc(r.Inline, name, func(p identity.InlinePolicy, n string) int { return strings.Compare(p.Name, n) })
}

func (s *Service) GetRolePolicy(ctx context.Context, in *iamapi.GetRolePolicyRequest) (*iamapi.GetRolePolicyResponse, error) {
	w := caller(ctx)
	name := value(in.PolicyName)
	var out iamapi.GetRolePolicyResponse
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		r, err := loadRole(tx, w, value(in.RoleName))
		if err != nil {
			return err
		}
		i, found := inlinePolicy(r, name)
		if !found {
			return rolePolicyNotFound(name)
		}
		out = iamapi.GetRolePolicyResponse{RoleName: new(r.Name), PolicyName: new(name), PolicyDocument: encodeDocument(r.Inline[i].Document)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) DeleteRolePolicy(ctx context.Context, in *iamapi.DeleteRolePolicyRequest) (*iamapi.DeleteRolePolicyOutput, error) {
	w := caller(ctx)
	name := value(in.PolicyName)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return modifyRole(tx, w, value(in.RoleName), func(r *identity.Role) error {
			i, found := inlinePolicy(r, name)
			if !found {
				return rolePolicyNotFound(name)
			}
			r.Inline = slices.Delete(r.Inline, i, i+1)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteRolePolicyOutput{}, nil
}

func (s *Service) ListRolePolicies(ctx context.Context, in *iamapi.ListRolePoliciesRequest) (*iamapi.ListRolePoliciesResponse, error) {
	w := caller(ctx)
	var out iamapi.ListRolePoliciesResponse
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		r, err := loadRole(tx, w, value(in.RoleName))
		if err != nil {
			return err
		}
		names := make([]string, len(r.Inline))
		for i, p := range r.Inline {
			names[i] = p.Name
		}
		page, truncated, next, err := slicePage(ctx, "iam.ListRolePolicies/"+r.ID, names, in.Marker, in.MaxItems)
		out = iamapi.ListRolePoliciesResponse{PolicyNames: page, IsTruncated: new(truncated), Marker: next}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ListInstanceProfilesForRole answers an empty list for a role that exists:
// deskplane has no instance profiles.
func (s *Service) ListInstanceProfilesForRole(ctx context.Context, in *iamapi.ListInstanceProfilesForRoleRequest) (*iamapi.ListInstanceProfilesForRoleResponse, error) {
	w := caller(ctx)
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		_, err := loadRole(tx, w, value(in.RoleName))
		return err
	})
	if err != nil {
		return nil, err
	}
	if _, err := marker(ctx, "iam.ListInstanceProfilesForRole", in.Marker); err != nil {
		return nil, err
	}
	return &iamapi.ListInstanceProfilesForRoleResponse{InstanceProfiles: []iamapi.InstanceProfile{}, IsTruncated: new(false)}, nil
}
