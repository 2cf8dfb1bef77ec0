package hybrid

import (
	"context"
	"fmt"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/service/env"
)

// CreateComputer makes a computer account in a Simple AD or AWS Managed
// Microsoft AD directory; its one-time password is not kept (decision
// 0217).
func (s *Service) CreateComputer(ctx context.Context, in *dsapi.CreateComputerRequest) (*dsapi.CreateComputerResult, error) {
	sc, dirID, name, now := env.Scope(ctx), deref(in.DirectoryId), deref(in.ComputerName), s.Now()
	out := &dsapi.CreateComputerResult{}
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		d, ok, err := directory.DSDirectories().Get(tx, sc, dirID)
		if err != nil {
			return err
		}
		if !ok {
			return deskplane.NotFound(dirID, "Directory %s does not exist.", dirID)
		}
		if d.Type != string(dsapi.DirectoryTypeSimpleAd) && d.Type != string(dsapi.DirectoryTypeMicrosoftAd) {
			return deskplane.Errorf(deskplane.CodeNotSupported, "CreateComputer is supported for Simple AD and AWS Managed Microsoft AD directories only; %s is %s.", dirID, d.Type)
		}
		if d.Stage != deskplane.DSDirectoryActive {
			return deskplane.Errorf(deskplane.CodeUnavailable, "Directory %s is %s; the operation needs an Active directory.", dirID, d.Stage)
		}
		key := dirID + "/" + strings.ToLower(name)
		if _, taken, err := directory.DSComputers().Get(tx, sc, key); err != nil {
			return err
		} else if taken {
			return deskplane.Errorf(deskplane.CodeAlreadyExists, "Directory %s already has a computer named %s.", dirID, name)
		}
		ou := deref(in.OrganizationalUnitDistinguishedName)
		if ou == "" {
			ou = "CN=Computers," + domainDN(d.Name)
		} else if !strings.HasSuffix(strings.ToLower(ou), strings.ToLower(domainDN(d.Name))) {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "The organizational unit %s is not in the domain %s.", ou, d.Name)
		}
		d.NextRID++
		sid := fmt.Sprintf("%s-%d", d.DomainSID, d.NextRID)
		c := &directory.DSComputer{DirectoryID: dirID, Name: name, SID: sid, DN: "CN=" + name + "," + ou, Attributes: map[string]string{}, Created: now}
		out.Computer = &dsapi.Computer{ComputerId: ptr(sid), ComputerName: ptr(name), ComputerAttributes: []dsapi.Attribute{}}
		for _, a := range in.ComputerAttributes {
			c.Attributes[deref(a.Name)] = deref(a.Value)
			out.Computer.ComputerAttributes = append(out.Computer.ComputerAttributes, dsapi.Attribute{Name: a.Name, Value: a.Value})
		}
		if err := directory.DSComputers().Put(tx, sc, key, c); err != nil {
			return err
		}
		return directory.DSDirectories().Put(tx, sc, dirID, d)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// domainDN is a domain's distinguished name: DC=corp,DC=example,DC=com.
func domainDN(domain string) string {
	parts := strings.Split(domain, ".")
	for i, p := range parts {
		parts[i] = "DC=" + p
	}
	return strings.Join(parts, ",")
}
