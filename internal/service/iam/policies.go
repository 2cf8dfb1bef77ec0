package iam

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/identity"
	"github.com/deskplane/deskplane/internal/iamapi"
	"github.com/deskplane/deskplane/internal/paging"
)

// Managed policies: the AWS managed ones of catalogue.go, and customer
// managed policies, one identity.ManagedPolicy record per policy in the
// account's IAMScope, keyed by the lower-cased name, with up to five
// versions.

// policyRef is what a policy ARN names.
type policyRef struct {
	account    string // "aws" for an AWS managed policy
	path, name string
}

// parsePolicyARN reads arn:PARTITION:iam::ACCOUNT:policy/PATH/NAME.
func parsePolicyARN(arn string) (policyRef, error) {
	bad := deskplane.Errorf(deskplane.CodeInvalidParameter, "ARN %s is not valid.", arn)
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "iam" || parts[3] != "" {
		return policyRef{}, bad
	}
	res, ok := strings.CutPrefix(parts[5], "policy/")
	if !ok || res == "" || strings.HasSuffix(res, "/") {
		return policyRef{}, bad
	}
	i := strings.LastIndexByte(res, '/')
	return policyRef{account: parts[4], path: "/" + res[:i+1], name: res[i+1:]}, nil
}

// samePolicy reports whether two ARNs name the same policy (whatever
// their partition).
func samePolicy(a, b string) bool {
	ra, erra := parsePolicyARN(a)
	rb, errb := parsePolicyARN(b)
	return erra == nil && errb == nil && ra.account == rb.account && ra.path == rb.path && strings.EqualFold(ra.name, rb.name)
}

func policyNotFound(arn string) error {
	return deskplane.NotFound(arn, "Policy %s was not found.", arn)
}

// resolved is a managed policy found by ARN: one of AWS's, or a record of
// the caller's account.
type resolved struct {
	aws   *awsPolicy
	local *identity.ManagedPolicy
}

// resolvePolicy finds the policy an ARN names: AWS managed policies are
// everybody's, customer managed ones only their account's.
func resolvePolicy(tx deskplane.Tx, w who, ref policyRef) (resolved, error) {
	arn := "arn:" + w.partition + ":iam::" + ref.account + ":policy" + ref.path + ref.name
	if ref.account == "aws" {
		if p, ok := findAWSPolicy(ref.name, ref.path); ok {
			return resolved{aws: &p}, nil
		}
		return resolved{}, policyNotFound(arn)
	}
	if ref.account != w.account {
		return resolved{}, policyNotFound(arn)
	}
	p, found, err := identity.ManagedPolicies().Get(tx, w.scope(), identity.PolicyKey(ref.name))
	if err != nil {
		return resolved{}, err
	}
	if !found || p.Path != ref.path {
		return resolved{}, policyNotFound(arn)
	}
	return resolved{local: p}, nil
}

// arn is the policy's ARN in the caller's partition.
func (r resolved) arn(w who) string {
	if r.aws != nil {
		return "arn:" + w.partition + ":iam::aws:policy" + r.aws.path + r.aws.name
	}
	return "arn:" + w.partition + ":iam::" + w.account + ":policy" + r.local.Path + r.local.Name
}

// attachments counts the roles of the account the policy is attached to.
func attachments(tx deskplane.Tx, w who, arn string) (int32, error) {
	var n int32
	err := identity.Roles().Each(tx, w.scope(), 0, func(_ int64, r *identity.Role) (bool, error) {
		if slices.ContainsFunc(r.Attached, func(a string) bool { return samePolicy(a, arn) }) {
			n++
		}
		return true, nil
	})
	return n, err
}

// wirePolicy is a policy as GetPolicy answers it.
func wirePolicy(r resolved, w who, count int32) *iamapi.Policy {
	out := &iamapi.Policy{
		Arn:                           new(r.arn(w)),
		AttachmentCount:               new(count),
		PermissionsBoundaryUsageCount: new(int32(0)),
		IsAttachable:                  new(true),
	}
	if p := r.aws; p != nil {
		out.PolicyName, out.PolicyId, out.Path = new(p.name), new(p.id()), new(p.path)
		out.DefaultVersionId, out.Description = new(p.version), new(p.description)
		out.CreateDate, out.UpdateDate = timestamp(p.created), timestamp(p.updated)
		return out
	}
	p := r.local
	out.PolicyName, out.PolicyId, out.Path = new(p.Name), new(p.ID), new(p.Path)
	out.DefaultVersionId, out.Description = new(p.Default), optional(p.Description)
	out.CreateDate, out.UpdateDate = timestamp(p.Created), timestamp(p.Updated)
	out.Tags = wireTags(p.Tags)
	return out
}

// versions returns the policy's versions, newest first.
func (r resolved) versions() []identity.PolicyVersion {
	if p := r.aws; p != nil {
		return []identity.PolicyVersion{{ID: p.version, Document: p.document, Created: p.updated}}
	}
	out := slices.Clone(r.local.Versions)
	slices.Reverse(out)
	return out
}

func (r resolved) defaultVersion() string {
	if r.aws != nil {
		return r.aws.version
	}
	return r.local.Default
}

func wireVersion(v identity.PolicyVersion, isDefault, document bool) iamapi.PolicyVersion {
	out := iamapi.PolicyVersion{VersionId: new(v.ID), IsDefaultVersion: new(isDefault), CreateDate: timestamp(v.Created)}
	if document {
		out.Document = encodeDocument(v.Document)
	}
	return out
}

// checkManagedDocument checks a managed policy's document.
func checkManagedDocument(doc string) error {
	if _, err := identity.ParsePolicy(doc, identity.IdentityPolicy); err != nil {
		return err
	}
	if n := identity.PolicySize(doc); n > identity.MaxManagedPolicySize {
		return deskplane.Errorf(deskplane.CodeLimitExceeded, "Cannot exceed quota for PolicySize: %d", identity.MaxManagedPolicySize)
	}
	return nil
}

func (s *Service) CreatePolicy(ctx context.Context, in *iamapi.CreatePolicyRequest) (*iamapi.CreatePolicyResponse, error) {
	w := caller(ctx)
	name, doc := value(in.PolicyName), value(in.PolicyDocument)
	if err := checkManagedDocument(doc); err != nil {
		return nil, err
	}
	tags := domainTags(in.Tags)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	if len(tags) > maxTagsPerEntity {
		return nil, deskplane.Errorf(deskplane.CodeLimitExceeded, "Cannot exceed quota for TagsPerEntity: %d.", maxTagsPerEntity)
	}
	now := s.Now().UTC().Truncate(time.Second)
	p := identity.ManagedPolicy{
		Name: name, ID: newID("ANPA"), Path: value(in.Path), Description: value(in.Description),
		Created: now, Updated: now, Default: "v1", NextVersion: 2, Tags: tags,
		Versions: []identity.PolicyVersion{{ID: "v1", Document: doc, Created: now}},
	}
	if p.Path == "" {
		p.Path = "/"
	}
	policies := identity.ManagedPolicies()
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		_, found, err := policies.Get(tx, w.scope(), identity.PolicyKey(name))
		if err != nil {
			return err
		}
		if found {
			return deskplane.Errorf(deskplane.CodeAlreadyExists, "A policy called %s already exists. Duplicate names are not allowed.", name)
		}
		n, err := policies.Count(tx, w.scope())
		if err != nil {
			return err
		}
		if n >= maxPoliciesPerAccount {
			return deskplane.Errorf(deskplane.CodeLimitExceeded, "Cannot exceed quota for PoliciesPerAccount: %d", maxPoliciesPerAccount)
		}
		return policies.Put(tx, w.scope(), identity.PolicyKey(name), &p)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreatePolicyResponse{Policy: wirePolicy(resolved{local: &p}, w, 0)}, nil
}

// viewPolicy resolves a policy ARN in a read transaction and calls fn.
func (s *Service) viewPolicy(ctx context.Context, arn *string, fn func(tx deskplane.Tx, w who, r resolved) error) error {
	w := caller(ctx)
	ref, err := parsePolicyARN(value(arn))
	if err != nil {
		return err
	}
	return s.Store.View(ctx, func(tx deskplane.Tx) error {
		r, err := resolvePolicy(tx, w, ref)
		if err != nil {
			return err
		}
		return fn(tx, w, r)
	})
}

// updateLocalPolicy resolves a customer managed policy in a write
// transaction and applies fn to it; AWS managed policies cannot change.
func (s *Service) updateLocalPolicy(ctx context.Context, arn *string, fn func(tx deskplane.Tx, w who, p *identity.ManagedPolicy) error) error {
	w := caller(ctx)
	ref, err := parsePolicyARN(value(arn))
	if err != nil {
		return err
	}
	return s.Store.Update(ctx, func(tx deskplane.Tx) error {
		r, err := resolvePolicy(tx, w, ref)
		if err != nil {
			return err
		}
		if r.aws != nil {
			return deskplane.Errorf(deskplane.CodeNotSupported, "Policy %s is an AWS managed policy: only AWS changes it.", r.arn(w))
		}
		if err := fn(tx, w, r.local); err != nil {
			return err
		}
		return identity.ManagedPolicies().Put(tx, w.scope(), identity.PolicyKey(r.local.Name), r.local)
	})
}

func (s *Service) GetPolicy(ctx context.Context, in *iamapi.GetPolicyRequest) (*iamapi.GetPolicyResponse, error) {
	var out *iamapi.Policy
	err := s.viewPolicy(ctx, in.PolicyArn, func(tx deskplane.Tx, w who, r resolved) error {
		n, err := attachments(tx, w, r.arn(w))
		out = wirePolicy(r, w, n)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetPolicyResponse{Policy: out}, nil
}

func (s *Service) GetPolicyVersion(ctx context.Context, in *iamapi.GetPolicyVersionRequest) (*iamapi.GetPolicyVersionResponse, error) {
	id := value(in.VersionId)
	var out iamapi.PolicyVersion
	err := s.viewPolicy(ctx, in.PolicyArn, func(_ deskplane.Tx, w who, r resolved) error {
		for _, v := range r.versions() {
			if v.ID == id {
				out = wireVersion(v, v.ID == r.defaultVersion(), true)
				return nil
			}
		}
		return deskplane.NotFound(id, "Policy %s version %s does not exist or is not attachable.", r.arn(w), id)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetPolicyVersionResponse{PolicyVersion: &out}, nil
}

func (s *Service) ListPolicyVersions(ctx context.Context, in *iamapi.ListPolicyVersionsRequest) (*iamapi.ListPolicyVersionsResponse, error) {
	var out iamapi.ListPolicyVersionsResponse
	err := s.viewPolicy(ctx, in.PolicyArn, func(_ deskplane.Tx, w who, r resolved) error {
		all := make([]iamapi.PolicyVersion, 0, maxPolicyVersions)
		for _, v := range r.versions() {
			all = append(all, wireVersion(v, v.ID == r.defaultVersion(), false))
		}
		page, truncated, next, err := slicePage(ctx, "iam.ListPolicyVersions/"+r.arn(w), all, in.Marker, in.MaxItems)
		out = iamapi.ListPolicyVersionsResponse{Versions: page, IsTruncated: new(truncated), Marker: next}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) CreatePolicyVersion(ctx context.Context, in *iamapi.CreatePolicyVersionRequest) (*iamapi.CreatePolicyVersionResponse, error) {
	doc := value(in.PolicyDocument)
	if err := checkManagedDocument(doc); err != nil {
		return nil, err
	}
	now := s.Now().UTC().Truncate(time.Second)
	var out iamapi.PolicyVersion
	err := s.updateLocalPolicy(ctx, in.PolicyArn, func(_ deskplane.Tx, _ who, p *identity.ManagedPolicy) error {
		if len(p.Versions) >= maxPolicyVersions {
			return deskplane.Errorf(deskplane.CodeLimitExceeded, "A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
		}
		v := identity.PolicyVersion{ID: "v" + strconv.Itoa(p.NextVersion), Document: doc, Created: now}
		p.NextVersion++
		p.Versions = append(p.Versions, v)
		if value(in.SetAsDefault) {
			p.Default = v.ID
		}
		p.Updated = now
		out = wireVersion(v, p.Default == v.ID, false)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreatePolicyVersionResponse{PolicyVersion: &out}, nil
}

func (s *Service) SetDefaultPolicyVersion(ctx context.Context, in *iamapi.SetDefaultPolicyVersionRequest) (*iamapi.SetDefaultPolicyVersionOutput, error) {
	id := value(in.VersionId)
	now := s.Now().UTC().Truncate(time.Second)
	err := s.updateLocalPolicy(ctx, in.PolicyArn, func(_ deskplane.Tx, w who, p *identity.ManagedPolicy) error {
		if !slices.ContainsFunc(p.Versions, func(v identity.PolicyVersion) bool { return v.ID == id }) {
			return deskplane.NotFound(id, "Policy %s version %s does not exist.", resolved{local: p}.arn(w), id)
		}
		p.Default, p.Updated = id, now
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.SetDefaultPolicyVersionOutput{}, nil
}

func (s *Service) DeletePolicyVersion(ctx context.Context, in *iamapi.DeletePolicyVersionRequest) (*iamapi.DeletePolicyVersionOutput, error) {
	id := value(in.VersionId)
	err := s.updateLocalPolicy(ctx, in.PolicyArn, func(_ deskplane.Tx, w who, p *identity.ManagedPolicy) error {
		i := slices.IndexFunc(p.Versions, func(v identity.PolicyVersion) bool { return v.ID == id })
		switch {
		case i < 0:
			return deskplane.NotFound(id, "Policy %s version %s does not exist.", resolved{local: p}.arn(w), id)
		case p.Default == id:
			return deskplane.Errorf(deskplane.CodeAssociated, "Cannot delete the default version of a policy.")
		}
		p.Versions = slices.Delete(p.Versions, i, i+1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeletePolicyVersionOutput{}, nil
}

// DeletePolicy refuses a policy still attached, or with versions besides
// the default one, as IAM does.
func (s *Service) DeletePolicy(ctx context.Context, in *iamapi.DeletePolicyRequest) (*iamapi.DeletePolicyOutput, error) {
	w := caller(ctx)
	ref, err := parsePolicyARN(value(in.PolicyArn))
	if err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		r, err := resolvePolicy(tx, w, ref)
		if err != nil {
			return err
		}
		if r.aws != nil {
			return deskplane.Errorf(deskplane.CodeNotSupported, "Policy %s is an AWS managed policy: only AWS deletes it.", r.arn(w))
		}
		n, err := attachments(tx, w, r.arn(w))
		switch {
		case err != nil:
			return err
		case n > 0:
			return deskplane.Errorf(deskplane.CodeAssociated, "Cannot delete a policy attached to entities.")
		case len(r.local.Versions) > 1:
			return deskplane.Errorf(deskplane.CodeAssociated, "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		_, err = identity.ManagedPolicies().Delete(tx, w.scope(), identity.PolicyKey(r.local.Name))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeletePolicyOutput{}, nil
}

// ListPolicies lists the AWS managed policies (Scope AWS), the account's
// (Local) or both, AWS's first. A Marker names a position in one of the
// two parts.
func (s *Service) ListPolicies(ctx context.Context, in *iamapi.ListPoliciesRequest) (*iamapi.ListPoliciesResponse, error) {
	w := caller(ctx)
	const awsPart, localPart = "iam.ListPolicies.aws", "iam.ListPolicies.local"
	scope, prefix, onlyAttached := in.Scope, value(in.PathPrefix), value(in.OnlyAttached)
	if scope == "" {
		scope = iamapi.PolicyScopeTypeAll
	}
	size := maxItems(in.MaxItems)
	// Where the page starts: the catalogue index, or the local Seq.
	awsStart, localAfter, inLocal := int64(0), int64(0), false
	if in.Marker != nil {
		if pos, err := paging.Parse(ctx, awsPart, in.Marker); err == nil {
			awsStart = pos
		} else if pos, err := paging.Parse(ctx, localPart, in.Marker); err == nil {
			localAfter, inLocal = pos, true
		} else {
			return nil, deskplane.Errorf(deskplane.CodeValidation, "Invalid Marker: %q is not a Marker this listing answered.", *in.Marker)
		}
	}
	var out iamapi.ListPoliciesResponse
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		out = iamapi.ListPoliciesResponse{Policies: []iamapi.Policy{}}
		include := func(path string, count int32) bool {
			return strings.HasPrefix(path, prefix) && (!onlyAttached || count > 0)
		}
		if scope != iamapi.PolicyScopeTypeLocal && !inLocal {
			cat := awsPolicies()
			for i := int(awsStart); i < len(cat); i++ {
				r := resolved{aws: &cat[i]}
				n, err := attachments(tx, w, r.arn(w))
				if err != nil {
					return err
				}
				if !include(cat[i].path, n) {
					continue
				}
				if len(out.Policies) == size {
					out.Marker = paging.Token(ctx, awsPart, int64(i))
					return nil
				}
				out.Policies = append(out.Policies, *wirePolicy(r, w, n))
			}
		}
		if scope == iamapi.PolicyScopeTypeAws {
			return nil
		}
		var lastSeq int64
		return identity.ManagedPolicies().Each(tx, w.scope(), localAfter, func(seq int64, p *identity.ManagedPolicy) (bool, error) {
			r := resolved{local: p}
			n, err := attachments(tx, w, r.arn(w))
			if err != nil || !include(p.Path, n) {
				return err == nil, err
			}
			if len(out.Policies) == size {
				out.Marker = paging.Token(ctx, localPart, lastSeq)
				return false, nil
			}
			lastSeq = seq
			out.Policies = append(out.Policies, *wirePolicy(r, w, n))
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	out.IsTruncated = new(out.Marker != nil)
	return &out, nil
}

// ---- tags ---------------------------------------------------------------

func (s *Service) TagPolicy(ctx context.Context, in *iamapi.TagPolicyRequest) (*iamapi.TagPolicyOutput, error) {
	tags := domainTags(in.Tags)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	err := s.updateLocalPolicy(ctx, in.PolicyArn, func(_ deskplane.Tx, _ who, p *identity.ManagedPolicy) error {
		merged, err := mergeTags(p.Tags, tags)
		p.Tags = merged
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.TagPolicyOutput{}, nil
}

func (s *Service) UntagPolicy(ctx context.Context, in *iamapi.UntagPolicyRequest) (*iamapi.UntagPolicyOutput, error) {
	err := s.updateLocalPolicy(ctx, in.PolicyArn, func(_ deskplane.Tx, _ who, p *identity.ManagedPolicy) error {
		p.Tags = removeTags(p.Tags, in.TagKeys)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UntagPolicyOutput{}, nil
}

func (s *Service) ListPolicyTags(ctx context.Context, in *iamapi.ListPolicyTagsRequest) (*iamapi.ListPolicyTagsResponse, error) {
	var out iamapi.ListPolicyTagsResponse
	err := s.viewPolicy(ctx, in.PolicyArn, func(_ deskplane.Tx, w who, r resolved) error {
		var tags []deskplane.Tag
		if r.local != nil {
			tags = r.local.Tags
		}
		page, truncated, next, err := slicePage(ctx, fmt.Sprintf("iam.ListPolicyTags/%s", r.arn(w)), tags, in.Marker, in.MaxItems)
		out = iamapi.ListPolicyTagsResponse{Tags: wireTags(page), IsTruncated: new(truncated), Marker: next}
		if out.Tags == nil {
			out.Tags = []iamapi.Tag{}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
