package directories

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/ec2net"
	"github.com/deskplane/deskplane/identity"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

func alreadyRegistered(id string) error {
	return &deskplane.Error{Code: deskplane.CodeAlreadyExists, ResourceID: id,
		Message: fmt.Sprintf("The directory %s is already registered with Amazon WorkSpaces.", id)}
}

// regionAirport is the airport code registration codes start with (SLiad+…
// in us-east-1).
func regionAirport(region string) string {
	airports := map[string]string{
		"us-east-1": "iad", "us-west-2": "pdx", "eu-west-1": "dub", "eu-west-2": "lhr",
		"eu-central-1": "fra", "ap-southeast-1": "sin", "ap-southeast-2": "syd", "ap-northeast-1": "nrt",
		"ap-northeast-2": "icn", "ap-south-1": "bom", "ca-central-1": "yul", "sa-east-1": "gru",
		"af-south-1": "cpt", "il-central-1": "tlv", "us-gov-west-1": "pdt", "us-gov-east-1": "osu",
	}
	if a, ok := airports[region]; ok {
		return a
	}
	return "iad"
}

// newRegistrationCode returns a code like SLiad+S393HD.
func newRegistrationCode(region string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	tail := []byte(deskplane.NewID("", 6))
	for i, c := range tail {
		tail[i] = alphabet[int(c)%len(alphabet)]
	}
	return "SL" + regionAirport(region) + "+" + string(tail)
}

// directoryType maps a Directory Service type to WorkSpaces' names.
// WorkSpaces has no name of its own for AWS Managed Microsoft AD and
// reports it as SIMPLE_AD (docs/decisions/0011).
func directoryType(dsType string) wsapi.WorkspaceDirectoryType {
	if dsType == string(dsapi.DirectoryTypeAdConnector) {
		return wsapi.WorkspaceDirectoryTypeAdConnector
	}
	return wsapi.WorkspaceDirectoryTypeSimpleAd
}

// checkSubnets applies WorkSpaces' rule: at most two subnets, in separate
// Availability Zones (two distinct subnets; one subnet cannot span two
// zones).
func checkSubnets(subnets []string) error {
	if len(subnets) > 2 {
		return &deskplane.Error{Code: deskplane.CodeNotSupported,
			Message: fmt.Sprintf("You specified %d subnets; a directory uses two subnets, in separate Availability Zones.", len(subnets))}
	}
	if len(subnets) == 1 || (len(subnets) == 2 && subnets[0] == subnets[1]) {
		return &deskplane.Error{Code: deskplane.CodeNotSupported,
			Message: "The specified subnets are not in separate Availability Zones. Specify two subnets in different Availability Zones, and try again."}
	}
	return nil
}

// checkRegisterRequest applies the rules between the request's members.
func checkRegisterRequest(in *wsapi.RegisterWorkspaceDirectoryRequest) error {
	pools := in.WorkspaceType == wsapi.WorkspaceTypePools
	idc := in.UserIdentityType == wsapi.UserIdentityTypeAwsIamIdentityCenter
	switch {
	case pools && in.DirectoryId != nil:
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "DirectoryId cannot be specified when WorkspaceType is POOLS; WorkSpaces creates the directory.")
	case pools && (value(in.WorkspaceDirectoryName) == "" || value(in.WorkspaceDirectoryDescription) == ""):
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "WorkspaceDirectoryName and WorkspaceDirectoryDescription are required when WorkspaceType is POOLS.")
	case !pools && in.DirectoryId == nil && !idc:
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "DirectoryId is required to register a directory for personal WorkSpaces.")
	case !pools && in.DirectoryId == nil && value(in.IdcInstanceArn) == "":
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "IdcInstanceArn is required when UserIdentityType is AWS_IAM_IDENTITY_CENTER.")
	case in.Tenancy == wsapi.TenancyDedicated && pools:
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "Tenancy DEDICATED is not supported for WorkSpaces Pools directories.")
	}
	return nil
}

// RegisterWorkspaceDirectory registers a Directory Service directory (or
// makes a directory of WorkSpaces' own) for WorkSpaces: REGISTERING until
// the timing profile's directory.register step has passed, then
// REGISTERED.
func (s *Service) RegisterWorkspaceDirectory(ctx context.Context, in *wsapi.RegisterWorkspaceDirectoryRequest) (*wsapi.RegisterWorkspaceDirectoryResult, error) {
	tagList := tags(in.Tags)
	if err := deskplane.CheckTags(tagList); err != nil {
		return nil, err
	}
	if err := checkSubnets(in.SubnetIds); err != nil {
		return nil, err
	}
	if err := checkRegisterRequest(in); err != nil {
		return nil, err
	}
	row, err := deskplane.DirectoryTable().Check(deskplane.ActionRegister, value(in.DirectoryId), "")
	if err != nil {
		return nil, err
	}
	pools := in.WorkspaceType == wsapi.WorkspaceTypePools
	sc := env.Scope(ctx)
	now := s.Now()
	wsdID, application := deskplane.NewID("wsd-", 9), deskplane.NewHexID("", 16)
	code, sg := newRegistrationCode(sc.Region), deskplane.NewHexID("sg-", 17)
	var out wsapi.RegisterWorkspaceDirectoryResult
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		if s.Strict { // strict mode: AWS's check of the IAM role (docs/decisions/0293-strict-mode.md)
			if err := identity.RequireDefaultRole(tx, sc.Account); err != nil {
				return err
			}
		}
		var d *deskplane.Directory
		var err error
		if in.DirectoryId != nil {
			d, err = personalRegistration(tx, sc, in)
		} else {
			d, err = createdRegistration(sc, wsdID, application, in)
		}
		if err != nil {
			return err
		}
		count, err := deskplane.Directories().Count(tx, sc)
		if err != nil {
			return err
		}
		if count >= s.Quotas.Directories {
			return deskplane.Errorf(deskplane.CodeLimitExceeded, "You have registered the maximum number of directories (%d) with Amazon WorkSpaces in this Region. Deregister a directory, and try again.", s.Quotas.Directories)
		}
		if in.Tenancy == wsapi.TenancyDedicated {
			var acct deskplane.Account
			if _, err := deskplane.Load(tx, deskplane.AccountKey(sc), &acct); err != nil {
				return err
			}
			if !acct.BYOLEnabled() {
				return deskplane.Errorf(deskplane.CodeInvalidParameter, "Your account is not enabled for BYOL (dedicated tenancy support). Enable BYOL for your account with ModifyAccount before registering a directory with Tenancy DEDICATED.")
			}
		}
		d.Tenancy = string(in.Tenancy)
		if d.Tenancy == "" {
			d.Tenancy = string(wsapi.TenancyShared)
		}
		d.Registered = now
		d.IamRoleID = "arn:" + deskplane.Partition(sc.Region) + ":iam::" + sc.Account + ":role/workspaces_DefaultRole"
		d.RegistrationCode, d.WorkspaceSecurityGroupID = code, sg
		if in.DirectoryId != nil {
			// On a VPC EC2 knows, the WorkSpaces' security group is a real
			// one there (docs/decisions/0306-ec2-in-use.md).
			if err := membersGroup(tx, sc, d); err != nil {
				return err
			}
		}
		d.EnableWorkDocs = value(in.EnableWorkDocs)
		d.EnableSelfService = value(in.EnableSelfService)
		if err := initialSettings(d, pools); err != nil {
			return err
		}
		if err := s.enter(tx, sc, d, row, now); err != nil {
			return err
		}
		if err := deskplane.MergeTags(tx, sc, d.ID, tagList); err != nil {
			return err
		}
		out = wsapi.RegisterWorkspaceDirectoryResult{DirectoryId: new(d.ID), State: wsapi.WorkspaceDirectoryState(d.State)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// personalRegistration builds the registration of a Directory Service
// directory, checking that it can be registered.
func personalRegistration(tx deskplane.Tx, sc deskplane.Scope, in *wsapi.RegisterWorkspaceDirectoryRequest) (*deskplane.Directory, error) {
	id := value(in.DirectoryId)
	if !strings.HasPrefix(id, "d-") {
		return nil, deskplane.DirectoryNotFound(id)
	}
	ds, ok, err := directory.DSDirectories().Get(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, deskplane.DirectoryNotFound(id)
	}
	if _, registered, err := deskplane.Directories().Get(tx, sc, id); err != nil {
		return nil, err
	} else if registered {
		return nil, alreadyRegistered(id)
	}
	if !deskplane.DSDirectoryTable().Allows(deskplane.ActionRegister, ds.Stage) {
		return nil, deskplane.Errorf(deskplane.CodeInvalidState, "The specified directory is not in a valid state. Confirm that the directory has a status of Active, and try again.")
	}
	subnets := in.SubnetIds
	if len(subnets) == 0 {
		subnets = ds.SubnetIDs
	}
	return &deskplane.Directory{
		ID:               id,
		Alias:            ds.Alias,
		Name:             ds.Name,
		Type:             string(directoryType(ds.Type)),
		SubnetIDs:        slices.Clone(subnets),
		DNSAddrs:         slices.Clone(ds.DNSAddrs),
		CustomerUserName: ds.AdminUser,
		WorkspaceType:    string(wsapi.WorkspaceTypePersonal),
		UserIdentityType: string(wsapi.UserIdentityTypeAwsDirectoryService),
	}, nil
}

// createdExtra keeps the members of a registration WorkSpaces makes its
// own directory for.
type createdExtra struct {
	IdcInstanceArn        string                       `json:"idcInstanceArn,omitempty"`
	IdcApplicationArn     string                       `json:"idcApplicationArn,omitempty"`
	MicrosoftEntraConfig  *wsapi.MicrosoftEntraConfig  `json:"microsoftEntraConfig,omitempty"`
	ActiveDirectoryConfig *wsapi.ActiveDirectoryConfig `json:"activeDirectoryConfig,omitempty"`
}

// createdRegistration builds a directory WorkSpaces creates itself, with
// the ids given (made before the transaction, which may run twice): a
// pools directory, or a personal one using IAM Identity Center or
// customer-managed identities.
func createdRegistration(sc deskplane.Scope, id, application string, in *wsapi.RegisterWorkspaceDirectoryRequest) (*deskplane.Directory, error) {
	wsType := in.WorkspaceType
	if wsType == "" {
		wsType = wsapi.WorkspaceTypePersonal
	}
	uit := in.UserIdentityType
	if uit == "" {
		uit = wsapi.UserIdentityTypeCustomerManaged
	}
	typ := wsapi.WorkspaceDirectoryTypeCustomerManaged
	extra := createdExtra{MicrosoftEntraConfig: in.MicrosoftEntraConfig, ActiveDirectoryConfig: in.ActiveDirectoryConfig}
	if uit == wsapi.UserIdentityTypeAwsIamIdentityCenter {
		typ = wsapi.WorkspaceDirectoryTypeAwsIamIdentityCenter
		extra.IdcInstanceArn = value(in.IdcInstanceArn)
		if extra.IdcInstanceArn != "" {
			extra.IdcApplicationArn = "arn:" + deskplane.Partition(sc.Region) + ":sso::" + sc.Account + ":application/" +
				lastSegment(extra.IdcInstanceArn) + "/apl-" + application
		}
	}
	x, err := document(extra)
	if err != nil {
		return nil, err
	}
	name := value(in.WorkspaceDirectoryName)
	d := &deskplane.Directory{
		ID:                            id,
		Alias:                         id,
		Name:                          name,
		Type:                          string(typ),
		SubnetIDs:                     slices.Clone(in.SubnetIds),
		WorkspaceType:                 string(wsType),
		UserIdentityType:              string(uit),
		WorkspaceDirectoryName:        name,
		WorkspaceDirectoryDescription: value(in.WorkspaceDirectoryDescription),
		Extra:                         x,
	}
	if in.ActiveDirectoryConfig != nil {
		d.Name = value(in.ActiveDirectoryConfig.DomainName)
	}
	return d, nil
}

func lastSegment(arn string) string {
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// membersGroup creates the d_workspacesMembers security group in the
// directory's VPC when EC2 knows the VPC, and names it in the registration.
func membersGroup(tx deskplane.Tx, sc deskplane.Scope, d *deskplane.Directory) error {
	ds, ok, err := directory.DSDirectories().Get(tx, sc, d.ID)
	if err != nil || !ok {
		return err
	}
	id, known, err := ec2net.CreateMembersGroup(tx, sc, d.ID, ds.VpcID)
	if known {
		d.WorkspaceSecurityGroupID = id
	}
	return err
}
