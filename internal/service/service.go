// Package service composes the services deskplane serves — WorkSpaces
// (wsapi.Service), Directory Service (dsapi.Service), Directory Service
// Data (dsdataapi.Service), STS (stsapi.Service), IAM (iamapi.Service) and
// EC2 (ec2api.Service) — from the resource family packages under
// internal/service/, and collects every family's lifecycle timer handlers.
//
// Each served API is a struct that embeds the family services at depth one
// and a fallback one level deeper, so that a family's method wins over the
// fallback's method of the same name:
//
//	type workSpaces struct {
//		*networkFamily // network.Service: IP groups, connection aliases
//		wsFallback     // struct{ wsapi.Service }: wsapi.Unimplemented
//	}
//
// The fallback is the generated Unimplemented: an operation no family
// serves answers NotImplementedException. Two families must not serve the
// same operation: the compiler then sees an ambiguous selector at depth
// one and the composite no longer implements the API — the build fails,
// which is the point.
//
// The package is a service package: it must not import net/http,
// internal/sigv4 or internal/awsjson (internal/deprules checks).
package service

import (
	"fmt"
	"maps"
	"slices"

	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/dsdataapi"
	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/iamapi"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/service/account"
	"github.com/deskplane/deskplane/internal/service/applications"
	"github.com/deskplane/deskplane/internal/service/bundles"
	"github.com/deskplane/deskplane/internal/service/clientconfig"
	"github.com/deskplane/deskplane/internal/service/directories"
	"github.com/deskplane/deskplane/internal/service/ds"
	"github.com/deskplane/deskplane/internal/service/ds/certs"
	"github.com/deskplane/deskplane/internal/service/ds/hybrid"
	"github.com/deskplane/deskplane/internal/service/dsdata"
	"github.com/deskplane/deskplane/internal/service/ec2"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/service/iam"
	"github.com/deskplane/deskplane/internal/service/images"
	"github.com/deskplane/deskplane/internal/service/network"
	"github.com/deskplane/deskplane/internal/service/pools"
	"github.com/deskplane/deskplane/internal/service/sts"
	"github.com/deskplane/deskplane/internal/service/tags"
	"github.com/deskplane/deskplane/internal/service/workspaces"
	"github.com/deskplane/deskplane/internal/stsapi"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// The family services, under names of their own: an embedded field is
// named after its type, and every family names its type Service.
type (
	networkFamily      = network.Service
	workspacesFamily   = workspaces.Service
	imagesFamily       = images.Service
	bundlesFamily      = bundles.Service
	applicationsFamily = applications.Service
	dsFamily           = ds.Service
	dsCertsFamily      = certs.Service
	dsHybridFamily     = hybrid.Service
	dsdataFamily       = dsdata.Service
	stsFamily          = sts.Service
	iamFamily          = iam.Service
	tagsFamily         = tags.Service
	accountFamily      = account.Service
	clientconfigFamily = clientconfig.Service
	poolsFamily        = pools.Service
	directoriesFamily  = directories.Service
	ec2Family          = ec2.Service
)

// The fallbacks, one embedding level below the families.
type (
	wsFallback   struct{ wsapi.Service }
	dsFallback   struct{ dsapi.Service }
	dataFallback struct{ dsdataapi.Service }
	stsFallback  struct{ stsapi.Service }
	iamFallback  struct{ iamapi.Service }
	ec2Fallback  struct{ ec2api.Service }
)

// workSpaces serves the WorkSpaces API.
type workSpaces struct {
	*workspacesFamily
	*networkFamily
	*imagesFamily
	*bundlesFamily
	*applicationsFamily
	*tagsFamily
	*accountFamily
	*clientconfigFamily
	*poolsFamily
	*directoriesFamily
	wsFallback
}

// directoryService serves the Directory Service API.
type directoryService struct {
	*dsFamily
	*dsCertsFamily
	*dsHybridFamily
	dsFallback
}

// directoryServiceData serves the Directory Service Data API.
type directoryServiceData struct {
	*dsdataFamily
	dataFallback
}

// securityToken serves the STS API.
type securityToken struct {
	*stsFamily
	stsFallback
}

// identity serves the IAM API.
type identity struct {
	*iamFamily
	iamFallback
}

// compute serves the EC2 API.
type compute struct {
	*ec2Family
	ec2Fallback
}

var (
	_ wsapi.Service     = (*workSpaces)(nil)
	_ dsapi.Service     = (*directoryService)(nil)
	_ dsdataapi.Service = (*directoryServiceData)(nil)
	_ stsapi.Service    = (*securityToken)(nil)
	_ iamapi.Service    = (*identity)(nil)
	_ ec2api.Service    = (*compute)(nil)
)

// Service is the composed service layer.
type Service struct {
	images     *images.Service
	workspaces *workspaces.Service
	pools      *pools.Service
	dirs       *directories.Service
	ws         *workSpaces
	ds         *directoryService
	data       *directoryServiceData
	sts        *securityToken
	iam        *identity
	ec2        *compute
	timers     map[string]lifecycle.Handler
	// failures are the failure handlers of the families that have some
	// (failer), by timer name.
	failures map[string]lifecycle.FailureHandler
}

// failer is a family whose resources have a failure state: it returns, by
// timer name, what puts a resource in it when a timer's handler fails
// permanently (docs/decisions/0140-timers-never-lost.md).
type failer interface {
	Failures() map[string]lifecycle.FailureHandler
}

// collectFailures merges the failure handlers of every family that has
// some.
func collectFailures(families ...any) map[string]lifecycle.FailureHandler {
	all := make(map[string]lifecycle.FailureHandler)
	for _, f := range families {
		if f, ok := f.(failer); ok {
			maps.Copy(all, f.Failures())
		}
	}
	return all
}

// New builds every family on e and composes them. It fails when two
// families register a timer handler of the same name.
func New(e env.Env) (*Service, error) {
	e.Log = e.Logger()
	net, wks := network.New(e), workspaces.New(e)
	img, bun, app := images.New(e), bundles.New(e), applications.New(e)
	dir, data := ds.New(e), dsdata.New(e)
	hyb := hybrid.New(e)
	tokens := sts.New(e)
	acct := account.New(e)
	pool := pools.New(e)
	dirs := directories.New(e)

	s := &Service{
		images:     img,
		workspaces: wks,
		pools:      pool,
		dirs:       dirs,
		ws: &workSpaces{
			workspacesFamily:   wks,
			networkFamily:      net,
			imagesFamily:       img,
			bundlesFamily:      bun,
			applicationsFamily: app,
			tagsFamily:         tags.New(e),
			accountFamily:      acct,
			clientconfigFamily: clientconfig.New(e),
			poolsFamily:        pool,
			directoriesFamily:  dirs,
			wsFallback:         wsFallback{wsapi.Unimplemented{}},
		},
		ds: &directoryService{
			dsFamily:       dir,
			dsCertsFamily:  certs.New(e),
			dsHybridFamily: hyb,
			dsFallback:     dsFallback{dsapi.Unimplemented{}},
		},
		data: &directoryServiceData{
			dsdataFamily: data,
			dataFallback: dataFallback{dsdataapi.Unimplemented{}},
		},
		sts: &securityToken{stsFamily: tokens, stsFallback: stsFallback{stsapi.Unimplemented{}}},
		iam: &identity{iamFamily: iam.New(e), iamFallback: iamFallback{iamapi.Unimplemented{}}},
		ec2: &compute{ec2Family: ec2.New(e), ec2Fallback: ec2Fallback{ec2api.Unimplemented{}}},
	}
	timers, err := mergeTimers(
		family{"workspaces", wks.Timers()},
		family{"network", net.Timers()},
		family{"images", img.Timers()},
		family{"bundles", bun.Timers()},
		family{"applications", app.Timers()},
		family{"ds", dir.Timers()},
		family{"ds/hybrid", hyb.Timers()},
		family{"account", acct.Timers()},
		family{"pools", pool.Timers()},
		family{"directories", dirs.Timers()},
		family{"dsdata", data.Timers()},
		family{"sts", tokens.Timers()},
	)
	if err != nil {
		return nil, err
	}
	s.timers = timers
	s.failures = collectFailures(wks, net, img, bun, app, data, tokens, acct, pool, dirs)
	return s, nil
}

// family is one family's timer handlers, named for error messages.
type family struct {
	name   string
	timers map[string]lifecycle.Handler
}

// mergeTimers collects the timer handlers of every family; a timer name
// registered twice is an error (its timers would fire the wrong handler).
func mergeTimers(fams ...family) (map[string]lifecycle.Handler, error) {
	all := make(map[string]lifecycle.Handler)
	owner := make(map[string]string)
	for _, f := range fams {
		for _, name := range slices.Sorted(maps.Keys(f.timers)) {
			if prev, dup := owner[name]; dup {
				return nil, fmt.Errorf("timer %q has handlers in both %s and %s", name, prev, f.name)
			}
			owner[name] = f.name
			all[name] = f.timers[name]
		}
	}
	return all, nil
}

// WorkSpaces returns the WorkSpaces service.
func (s *Service) WorkSpaces() wsapi.Service { return s.ws }

// Images returns the images family, whose control settings the control
// API changes (internal/control.Images).
func (s *Service) Images() *images.Service { return s.images }

// Workspaces returns the WorkSpaces family, whose control actions the
// control API calls (internal/control.Workspaces).
func (s *Service) Workspaces() *workspaces.Service { return s.workspaces }

// Directories returns the directories family, whose any-user switch the
// control API sets (internal/control.Directories).
func (s *Service) Directories() *directories.Service { return s.dirs }

// Pools returns the pools family, whose sessions the control API starts
// (internal/control.Pools).
func (s *Service) Pools() *pools.Service { return s.pools }

// DirectoryService returns the Directory Service service.
func (s *Service) DirectoryService() dsapi.Service { return s.ds }

// DirectoryServiceData returns the Directory Service Data service.
func (s *Service) DirectoryServiceData() dsdataapi.Service { return s.data }

// STS returns the STS service.
func (s *Service) STS() stsapi.Service { return s.sts }

// IAM returns the IAM service.
func (s *Service) IAM() iamapi.Service { return s.iam }

// EC2 returns the EC2 service.
func (s *Service) EC2() ec2api.Service { return s.ec2 }

// Sessions resolves temporary credentials for the signature verifier
// (internal/app adapts it to sigv4.SessionSource).
func (s *Service) Sessions() *sts.Service { return s.sts.stsFamily }

// Timers returns every family's timer handlers by timer name.
func (s *Service) Timers() map[string]lifecycle.Handler { return maps.Clone(s.timers) }

// RegisterTimers registers every family's timer handlers with the engine.
func (s *Service) RegisterTimers(e *lifecycle.Engine) {
	for name, h := range s.timers {
		e.Handle(name, h)
	}
	for name, f := range s.failures {
		e.HandleFailure(name, f)
	}
}
