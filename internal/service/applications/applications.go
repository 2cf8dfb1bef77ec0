// Package applications is the applications family of the WorkSpaces API
// (AG manage-applications; MODEL DescribeApplications,
// AssociateWorkspaceApplication and friends;
// docs/decisions/0052-applications.md): the AMAZON application catalogue
// (catalogue.go), what images and bundles bring (carried.go), the
// association of applications with WorkSpaces and their deployment
// (associations.go), and the Describe*Associations operations of
// WorkSpaces, images, bundles and applications (describe.go).
//
// The association of an application with a WorkSpace is a
// deskplane.AppAssociation record (id = WorkSpace id + "/" + application
// id) that follows deskplane.AppAssociationTable. Applications that came
// with the WorkSpace — those of its bundle's image, such as Office 2016 on
// the public "Windows 10 and Office 2016" image — are associated COMPLETED
// from the WorkSpace's creation without a record; a record is written
// once the association changes. Applications are managed only on a
// WorkSpace its table allows (deskplane.WorkspaceTable,
// ActionManageApplications); WorkSpaces, images and bundles are other
// families' records, read through the root package.
package applications

import (
	"context"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Service serves the applications family's WorkSpaces operations. It
// implements part of wsapi.Service; internal/service composes it with the
// other families.
type Service struct {
	env.Env
}

// New returns the family's service on e.
func New(e env.Env) *Service { return &Service{Env: e} }

// Timers returns the family's lifecycle timer handlers by timer name.
func (s *Service) Timers() map[string]lifecycle.Handler {
	return map[string]lifecycle.Handler{deskplane.TimerAppDeploy: s.onAppDeploy}
}

// value returns what p points at, or the zero value for nil.
func value[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// optional returns nil for "", so that an absent member stays absent.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func joinEnums[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

func appNotFound(id string) error {
	return deskplane.NotFound(id, "The application %s could not be found. DescribeApplications lists the applications you can use.", id)
}

func wireApplication(a catalogueApp) wsapi.WorkSpaceApplication {
	return wsapi.WorkSpaceApplication{
		ApplicationId:                 new(a.id),
		Created:                       smithy.NewTimestamp(a.created),
		Description:                   new(a.description),
		LicenseType:                   a.license,
		Name:                          new(a.name),
		Owner:                         new(deskplane.AmazonOwner),
		State:                         a.state,
		SupportedComputeTypeNames:     slices.Clone(a.compute),
		SupportedOperatingSystemNames: slices.Clone(a.os),
	}
}

func (s *Service) DescribeApplications(ctx context.Context, in *wsapi.DescribeApplicationsRequest) (*wsapi.DescribeApplicationsResult, error) {
	const purpose = "applications"
	after, err := paging.Parse(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	if in.Owner != nil && *in.Owner != deskplane.AmazonOwner && *in.Owner != env.Caller(ctx).Account {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The Owner %s is not valid. Specify %s or your own account id.", *in.Owner, deskplane.AmazonOwner)
	}
	size := paging.Size(in.MaxResults)
	match := func(a catalogueApp) bool {
		switch {
		case in.ApplicationIds != nil && !slices.Contains(in.ApplicationIds, a.id),
			in.LicenseType != "" && in.LicenseType != a.license,
			in.Owner != nil && *in.Owner != deskplane.AmazonOwner:
			return false
		}
		for _, c := range in.ComputeTypeNames {
			if !a.supportsCompute(deskplane.Compute(c)) {
				return false
			}
		}
		for _, os := range in.OperatingSystemNames {
			if !a.supportsOS(deskplane.OperatingSystemName(os)) {
				return false
			}
		}
		return true
	}
	var p paging.Page[wsapi.WorkSpaceApplication]
	for i, a := range applicationCatalogue() {
		if int64(i+1) <= after || !match(a) {
			continue
		}
		if !p.Add(size, int64(i+1), wireApplication(a)) {
			break
		}
	}
	return &wsapi.DescribeApplicationsResult{Applications: p.Items(), NextToken: p.Next(ctx, purpose)}, nil
}
