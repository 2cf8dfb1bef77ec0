package directories

import (
	"context"
	"slices"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// settingsOf returns the decoded settings document raw as a pointer, or nil
// when none was written.
func settingsOf[T any](raw []byte) *T {
	if len(raw) == 0 {
		return nil
	}
	var zero T
	return new(settings(raw, zero))
}

func wireDirectory(d *deskplane.Directory) wsapi.WorkspaceDirectory {
	out := wsapi.WorkspaceDirectory{
		DirectoryId:                    new(d.ID),
		Alias:                          new(d.Alias),
		RegistrationCode:               new(d.RegistrationCode),
		SubnetIds:                      slices.Clone(d.SubnetIDs),
		IamRoleId:                      new(d.IamRoleID),
		DirectoryType:                  wsapi.WorkspaceDirectoryType(d.Type),
		WorkspaceSecurityGroupId:       new(d.WorkspaceSecurityGroupID),
		State:                          wsapi.WorkspaceDirectoryState(d.State),
		IpGroupIds:                     slices.Clone(d.IPGroupIDs),
		Tenancy:                        wsapi.Tenancy(d.Tenancy),
		WorkspaceType:                  wsapi.WorkspaceType(d.WorkspaceType),
		UserIdentityType:               wsapi.UserIdentityType(d.UserIdentityType),
		DirectoryName:                  optional(d.Name),
		CustomerUserName:               optional(d.CustomerUserName),
		ErrorMessage:                   optional(d.ErrorMessage),
		WorkspaceCreationProperties:    settingsOf[wsapi.DefaultWorkspaceCreationProperties](d.CreationProperties),
		SelfservicePermissions:         settingsOf[wsapi.SelfservicePermissions](d.SelfservicePerms),
		WorkspaceAccessProperties:      settingsOf[wsapi.WorkspaceAccessProperties](d.AccessProperties),
		SamlProperties:                 settingsOf[wsapi.SamlProperties](d.SamlProperties),
		CertificateBasedAuthProperties: settingsOf[wsapi.CertificateBasedAuthProperties](d.CertAuthProperties),
		StreamingProperties:            settingsOf[wsapi.StreamingProperties](d.StreamingProperties),
	}
	if out.IpGroupIds == nil {
		out.IpGroupIds = []string{}
	}
	if len(d.DNSAddrs) > 0 {
		out.DnsIpAddresses = slices.Clone(d.DNSAddrs)
	}
	if d.WorkspaceDirectoryName != "" {
		out.WorkspaceDirectoryName = new(d.WorkspaceDirectoryName)
		out.WorkspaceDirectoryDescription = new(d.WorkspaceDirectoryDescription)
	}
	if len(d.Extra) > 0 {
		x := settings(d.Extra, createdExtra{})
		out.MicrosoftEntraConfig = x.MicrosoftEntraConfig
		out.ActiveDirectoryConfig = x.ActiveDirectoryConfig
		if x.IdcInstanceArn != "" {
			out.IDCConfig = &wsapi.IDCConfig{InstanceArn: new(x.IdcInstanceArn), ApplicationArn: new(x.IdcApplicationArn)}
		}
	}
	return out
}

// matches applies DescribeWorkspaceDirectories' selection to a
// registration.
func matches(in *wsapi.DescribeWorkspaceDirectoriesRequest, d *deskplane.Directory) bool {
	if in.DirectoryIds != nil && !slices.Contains(in.DirectoryIds, d.ID) {
		return false
	}
	if in.WorkspaceDirectoryNames != nil && !slices.Contains(in.WorkspaceDirectoryNames, d.WorkspaceDirectoryName) {
		return false
	}
	for _, f := range in.Filters {
		var v string
		switch f.Name {
		case wsapi.DescribeWorkspaceDirectoriesFilterNameUserIdentityType:
			v = d.UserIdentityType
		case wsapi.DescribeWorkspaceDirectoriesFilterNameWorkspaceType:
			v = d.WorkspaceType
		}
		if !slices.Contains(f.Values, v) {
			return false
		}
	}
	return true
}

// DescribeWorkspaceDirectories lists the caller's registrations in the
// order they were made, those named and matching every filter.
func (s *Service) DescribeWorkspaceDirectories(ctx context.Context, in *wsapi.DescribeWorkspaceDirectoriesRequest) (*wsapi.DescribeWorkspaceDirectoriesResult, error) {
	const purpose = "ws-directories"
	after, err := paging.Parse(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := paging.Size(in.Limit)
	sc := env.Scope(ctx)
	var p paging.Page[wsapi.WorkspaceDirectory]
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[wsapi.WorkspaceDirectory]{}
		return deskplane.Directories().Each(tx, sc, after, func(seq int64, d *deskplane.Directory) (bool, error) {
			if !matches(in, d) {
				return true, nil
			}
			wd := wireDirectory(d)
			mode, err := endpointEncryptionMode(tx, sc, d)
			if err != nil {
				return false, err
			}
			wd.EndpointEncryptionMode = mode
			return p.Add(size, seq, wd), nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DescribeWorkspaceDirectoriesResult{Directories: p.Items(), NextToken: p.Next(ctx, purpose)}, nil
}
