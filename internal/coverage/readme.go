package coverage

import (
	"context"

	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/dsdataapi"
	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/iamapi"
	"github.com/deskplane/deskplane/internal/stsapi"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Sections computes every generated README section, from an in-memory
// deskplane built as the binary builds it.
func Sections() (map[string]string, error) {
	cfg := app.Defaults(func(string) string { return "" })
	cfg.InMemory, cfg.AdminToken = true, "coverage"
	a, err := app.New(context.Background(), cfg, app.Options{})
	if err != nil {
		return nil, err
	}
	defer a.Close()
	services := []Service{
		{Name: "Amazon WorkSpaces", Impl: a.Service.WorkSpaces(), Operations: wsapi.OperationNames()},
		{Name: "AWS Directory Service", Impl: a.Service.DirectoryService(), Operations: dsapi.OperationNames()},
		{Name: "AWS Directory Service Data", Impl: a.Service.DirectoryServiceData(), Operations: dsdataapi.OperationNames()},
		{Name: "AWS Security Token Service (STS)", Impl: a.Service.STS(), Operations: stsapi.OperationNames(), NotImplemented: "NotImplemented"},
		{Name: "AWS Identity and Access Management (IAM: the part WorkSpaces uses)", Impl: a.Service.IAM(), Operations: iamapi.OperationNames(), NotImplemented: "NotImplemented"},
		{Name: "Amazon EC2 (the networking WorkSpaces stands on)", Impl: a.Service.EC2(), Operations: ec2api.OperationNames(), NotImplemented: "NotImplemented", ServedOnly: true},
	}
	impl := make(map[string]map[string]bool, len(services))
	for _, s := range services {
		if impl[s.Name], err = Probe(s.Impl, s.Operations); err != nil {
			return nil, err
		}
	}
	return map[string]string{
		"coverage": Table(services, impl),
		"config":   app.FlagTable(),
	}, nil
}
