// Package webaccess is what a WorkSpaces client does on the service's side
// when a directory user signs in and connects: it finds the registered
// directory of a registration code, checks the user's password and the
// directory's access rules (device types, IP access control groups), lists
// the user's own WorkSpaces, starts a stopped AUTO_STOP WorkSpace on
// sign-in, and records connections as DescribeWorkspacesConnectionStatus
// shows them (docs/decisions/0251-web-client-access-rules.md,
// 0253-web-client-connections.md).
//
// It serves no AWS operation: internal/webclient, the web client at
// /client/, is its HTTP side.
package webaccess

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/access"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/password"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Service is the client side of sign-in and connections.
type Service struct {
	env.Env
	// WorkSpaces starts a stopped AUTO_STOP WorkSpace, as the real client
	// does when its user signs in.
	WorkSpaces wsapi.Service
	// Accounts are the accounts whose registration codes are looked up.
	Accounts []string

	dummy func() (string, error) // a hash verified for unknown users, so they take as long
	slots chan struct{}          // bounds concurrent password checks (memory)
}

// New returns the service. accounts are those a registration code may
// belong to (the configured credentials' accounts).
func New(e env.Env, ws wsapi.Service, accounts []string) (*Service, error) {
	// Made at the first sign-in of an unknown user, not at start: a hash
	// costs tens of milliseconds, and every test starts an app.
	dummy := sync.OnceValues(func() (string, error) { return password.Hash("deskplane: no such user") })
	return &Service{Env: e, WorkSpaces: ws, Accounts: accounts, dummy: dummy, slots: make(chan struct{}, 4)}, nil
}

// Reason is why the client refuses something.
type Reason int

// The reasons of a Refusal.
const (
	BadCode         Reason = iota + 1 // no registered directory has the registration code
	BadCredentials                    // unknown user or wrong password
	UserDisabled                      // the user is disabled
	DeviceDenied                      // the directory denies this device type
	AddressDenied                     // the client address is outside the directory's IP groups
	NoSuchWorkspace                   // not one of the user's WorkSpaces
	NotConnectable                    // the WorkSpace's state refuses connections
	NotYet                            // the WorkSpace is on its way to AVAILABLE
	Unsupported                       // the directory has no users to sign in (pools, IAM Identity Center)
)

// Refusal is a refused request with the message the client shows.
type Refusal struct {
	Reason  Reason
	Message string
}

func (r *Refusal) Error() string { return r.Message }

// The client's messages (docs/decisions/0251-web-client-access-rules.md).
const (
	msgBadCode        = "Invalid registration code. Check the registration code your administrator sent you and try again."
	msgBadCredentials = "Authentication failed: Please check your username and password to make sure you typed them correctly."
	msgDisabled       = "Your account is disabled. Contact your administrator for assistance."
	msgDevice         = "This device is not authorized to access the requested WorkSpace. Please contact your administrator for assistance."
	msgAddress        = "Your IP address is not authorized to access the requested WorkSpace. Please contact your administrator for assistance."
	msgNoWorkspace    = "We could not find that WorkSpace among yours. Sign in again, or contact your administrator for assistance."
	msgUnsupported    = "This directory's users cannot sign in with a user name and password. Contact your administrator for assistance."
)

func refuse(r Reason, msg string) error { return &Refusal{Reason: r, Message: msg} }

// IsRefusal returns the refusal in err, if any.
func IsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}

// Registration is a registration code resolved to its directory.
type Registration struct {
	Code        string
	Scope       deskplane.Scope
	DirectoryID string
	// Name is the directory's DNS name (corp.example.com), Alias its
	// alias: the sign-in page shows them.
	Name, Alias string
}

// Identity is a signed-in directory user.
type Identity struct {
	Registration
	// UserName is the user's sAMAccountName as the directory keeps it.
	UserName string
}

// Register resolves a registration code: a directory REGISTERED with
// WorkSpaces in one of Accounts, in a served Region whose airport the code
// carries.
func (s *Service) Register(ctx context.Context, code string) (Registration, error) {
	code = strings.TrimSpace(code)
	if len(code) < 6 || len(code) > 64 {
		return Registration{}, refuse(BadCode, msgBadCode)
	}
	var out Registration
	found := false
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		found = false
		for _, acct := range s.Accounts {
			for _, region := range access.RegistrationCodeRegions(code, s.Regions) {
				sc := deskplane.Scope{Account: acct, Region: region}
				err := deskplane.Directories().Each(tx, sc, 0, func(_ int64, d *deskplane.Directory) (bool, error) {
					if d.State != deskplane.DirectoryRegistered || !strings.EqualFold(d.RegistrationCode, code) {
						return true, nil
					}
					out, found = Registration{Code: d.RegistrationCode, Scope: sc, DirectoryID: d.ID, Alias: d.Alias, Name: d.Name}, true
					return false, nil
				})
				if err != nil || found {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return Registration{}, err
	}
	if !found {
		return Registration{}, refuse(BadCode, msgBadCode)
	}
	return out, nil
}

// directoryRules loads the registration and checks that it still stands
// and that its rules admit the client: the web device type and the
// address.
func (s *Service) directoryRules(tx deskplane.Tx, reg Registration, addr netip.Addr) (*deskplane.Directory, error) {
	d, ok, err := deskplane.Directories().Get(tx, reg.Scope, reg.DirectoryID)
	if err != nil {
		return nil, err
	}
	if !ok || d.State != deskplane.DirectoryRegistered || !strings.EqualFold(d.RegistrationCode, reg.Code) {
		return nil, refuse(BadCode, msgBadCode)
	}
	if !access.DeviceAllowed(d.AccessProperties, access.DeviceWeb) {
		return nil, refuse(DeviceDenied, msgDevice)
	}
	var groups []deskplane.IPGroup
	for _, id := range d.IPGroupIDs {
		g, ok, err := deskplane.IPGroups().Get(tx, reg.Scope, id)
		if err != nil {
			return nil, err
		}
		if ok {
			groups = append(groups, *g)
		}
	}
	if len(d.IPGroupIDs) > 0 && !access.AddressAllowed(groups, addr) {
		return nil, refuse(AddressDenied, msgAddress)
	}
	return d, nil
}

// Admit checks the directory's rules for a client address before the
// sign-in form is shown.
func (s *Service) Admit(ctx context.Context, reg Registration, addr netip.Addr) error {
	return s.Store.View(ctx, func(tx deskplane.Tx) error {
		_, err := s.directoryRules(tx, reg, addr)
		return err
	})
}

// SignIn checks a directory user's password and the directory's rules,
// and starts the user's stopped AUTO_STOP WorkSpaces.
func (s *Service) SignIn(ctx context.Context, reg Registration, user, pw string, addr netip.Addr) (Identity, error) {
	user = strings.TrimSpace(user)
	if i := strings.LastIndexByte(user, '\\'); i >= 0 { // CORP\jdoe
		user = user[i+1:]
	}
	if at := strings.IndexByte(user, '@'); at >= 0 { // jdoe@corp.example.com
		user = user[:at]
	}
	var u *directory.User
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		u = nil
		if _, err := s.directoryRules(tx, reg, addr); err != nil {
			return err
		}
		if _, ok, err := directory.DSDirectories().Get(tx, reg.Scope, reg.DirectoryID); err != nil || !ok {
			if err == nil {
				err = refuse(Unsupported, msgUnsupported)
			}
			return err
		}
		if user == "" || len(user) > 64 {
			return nil
		}
		var got directory.User
		ok, err := deskplane.Load(tx, directory.UserKey(reg.Scope, reg.DirectoryID, user), &got)
		if ok {
			u = &got
		}
		return err
	})
	if err != nil {
		return Identity{}, err
	}
	var hash string
	if u != nil && u.PasswordHash != "" {
		hash = u.PasswordHash
	} else if hash, err = s.dummy(); err != nil {
		return Identity{}, err
	}
	ok, err := s.verify(ctx, hash, pw)
	if err != nil && !errors.Is(err, password.ErrMalformed) {
		return Identity{}, err
	}
	if !ok || u == nil || u.PasswordHash == "" {
		return Identity{}, refuse(BadCredentials, msgBadCredentials)
	}
	if !u.Enabled {
		return Identity{}, refuse(UserDisabled, msgDisabled)
	}
	id := Identity{Registration: reg, UserName: u.SAMAccountName}
	s.startStopped(ctx, id)
	return id, nil
}

// verify checks a password, a few at a time.
func (s *Service) verify(ctx context.Context, hash, pw string) (bool, error) {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-s.slots }()
	return password.Verify(hash, pw)
}

// Check is the check every request of a signed-in user passes: the
// directory still admits the client and the user is still enabled.
func (s *Service) Check(ctx context.Context, id Identity, addr netip.Addr) error {
	return s.Store.View(ctx, func(tx deskplane.Tx) error {
		return s.checkTx(tx, id, addr)
	})
}

func (s *Service) checkTx(tx deskplane.Tx, id Identity, addr netip.Addr) error {
	if _, err := s.directoryRules(tx, id.Registration, addr); err != nil {
		return err
	}
	var u directory.User
	ok, err := deskplane.Load(tx, directory.UserKey(id.Scope, id.DirectoryID, id.UserName), &u)
	if err != nil {
		return err
	}
	if !ok || u.PasswordHash == "" {
		return refuse(BadCredentials, msgBadCredentials)
	}
	if !u.Enabled {
		return refuse(UserDisabled, msgDisabled)
	}
	return nil
}
