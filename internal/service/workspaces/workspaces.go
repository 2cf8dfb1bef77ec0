package workspaces

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/catalogue"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// WorkSpaces (behaviour doc §2, §6, §7.3, §8): CreateWorkspaces,
// DescribeWorkspaces and the lifecycle timers. The other operations on
// WorkSpaces are in workspace_*.go; the choices where AWS documents nothing
// are recorded in docs/decisions/0020-…0029-….
//
// Every WorkSpace has at most four timers, one per concern:
//
//	workspace.state     the running transition (PENDING → AVAILABLE, STOPPING → STOPPED, …)
//	workspace.modify    the running ModifyWorkspaceProperties change
//	workspace.snapshot  the next snapshot pair; reschedules itself
//	workspace.autostop  when an AUTO_STOP WorkSpace stops for lack of a connection
//
// The state timer carries the WorkSpace's Generation and does nothing when
// the WorkSpace moved on; the other three are replaced whenever they are
// scheduled again and check the WorkSpace when they fire.

// Timer names.
const (
	timerWSState    = deskplane.TimerWorkspaceState
	timerWSModify   = deskplane.TimerWorkspaceModify
	timerWSSnapshot = deskplane.TimerWorkspaceSnapshot
	timerWSAutoStop = deskplane.TimerWorkspaceAutoStop
)

// WorkSpace states (model WorkspaceState).
const (
	wsPending          = deskplane.WorkspacePending
	wsAvailable        = deskplane.WorkspaceAvailable
	wsImpaired         = deskplane.WorkspaceImpaired
	wsUnhealthy        = deskplane.WorkspaceUnhealthy
	wsRebooting        = deskplane.WorkspaceRebooting
	wsStarting         = deskplane.WorkspaceStarting
	wsRebuilding       = deskplane.WorkspaceRebuilding
	wsRestoring        = deskplane.WorkspaceRestoring
	wsAdminMaintenance = deskplane.WorkspaceAdminMaintenance
	wsTerminating      = deskplane.WorkspaceTerminating
	wsTerminated       = deskplane.WorkspaceTerminated
	wsSuspended        = deskplane.WorkspaceSuspended
	wsStopping         = deskplane.WorkspaceStopping
	wsStopped          = deskplane.WorkspaceStopped
	wsError            = deskplane.WorkspaceError
)

// undefinedUser is the UserName of user-decoupled WorkSpaces (MODEL
// WorkspaceRequest.UserName).
const undefinedUser = "[UNDEFINED]"

// Per-item error codes of the batch operations (decision 0020). The two
// AWS shows in public sources are ResourceExists.WorkSpace and
// InvalidUserConfiguration.Workspace; the others follow their form.
const (
	failDirectoryNotFound  = "ResourceNotFound.Directory"
	failDirectoryState     = "InvalidResourceState.Directory"
	failUserNotFound       = "ResourceNotFound.User"
	failBundleNotFound     = "ResourceNotFound.Bundle"
	failBundleUnavailable  = "ResourceUnavailable.Bundle"
	failWorkspaceExists    = "ResourceExists.WorkSpace"
	failWorkspaceLimit     = "ResourceLimitExceeded.WorkSpace"
	failWorkspaceNotFound  = "ResourceNotFound.Workspace"
	failWorkspaceState     = "InvalidResourceState.Workspace"
	failRunningMode        = "OperationNotSupported.RunningMode"
	failInProgress         = "OperationInProgress.Workspace"
	failSnapshotMissing    = "ResourceUnavailable.Snapshot"
	failCreationDefault    = "InternalError.Workspace"
	failCreationDefaultMsg = "The WorkSpace could not be created because of an internal error."
)

// ---- records ----------------------------------------------------------------

func wsKey(sc deskplane.Scope, id string) deskplane.Key {
	return deskplane.Key{Scope: sc, Kind: deskplane.KindWorkspace, ID: id}
}

// wsIndex is the body of the index records (KindWorkspaceUser,
// KindWorkspaceIP, KindWorkspaceGPU): the WorkSpace holding the entry.
type wsIndex struct {
	WS string `json:"ws"`
}

// wsUserIndexKey is the key of the one-WorkSpace-per-user record of a
// directory user, or of a user-decoupled WorkSpace's name.
func wsUserIndexKey(sc deskplane.Scope, dirID, user, name string) deskplane.Key {
	id := dirID + "/" + strings.ToLower(user)
	if user == undefinedUser {
		id = dirID + "#" + name
	}
	return deskplane.Key{Scope: sc, Kind: deskplane.KindWorkspaceUser, ID: id}
}

// loadWorkspace returns the WorkSpace, or nil when there is none.
// The record is decoded and encoded by deskplane's own codec for it
// (workspace_json.go), which agrees with encoding/json.
func loadWorkspace(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Workspace, error) {
	k := wsKey(sc, id)
	rec, err := tx.Get(k)
	if errors.Is(err, deskplane.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ws deskplane.Workspace
	if err := deskplane.DecodeWorkspace(rec.Data, &ws); err != nil {
		return nil, fmt.Errorf("decoding %s %s: %w", k.Kind, k.ID, err)
	}
	return &ws, nil
}

// mustWorkspace is loadWorkspace for the operations that answer
// ResourceNotFoundException.
func mustWorkspace(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Workspace, error) {
	ws, err := loadWorkspace(tx, sc, id)
	if err == nil && ws == nil {
		err = wsNotFoundError(id)
	}
	return ws, err
}

func wsNotFoundError(id string) error {
	return deskplane.NotFound(id, "The WorkSpace %s could not be found. Confirm that the WorkSpace exists in your AWS account and Region, and try again.", id)
}

func saveWorkspace(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace) error {
	k := wsKey(sc, ws.ID)
	b, err := ws.AppendJSON(make([]byte, 0, 1024))
	if err != nil {
		return fmt.Errorf("encoding %s %s: %w", k.Kind, k.ID, err)
	}
	_, err = tx.Put(k, b)
	return err
}

// setState moves a WorkSpace to a state at a time; the new Generation
// makes pending state timers of the old state no-ops.
func setState(ws *deskplane.Workspace, state deskplane.WorkspaceState, at time.Time) {
	ws.SetState(state, at)
}

// scheduleState schedules the end of the transitional state ws is in.
func (s *Service) scheduleState(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace, tr deskplane.Transition, from time.Time) error {
	return tx.Schedule(deskplane.Timer{
		Key:     wsKey(sc, ws.ID),
		Name:    timerWSState,
		Due:     s.After(from, tr),
		Payload: strconv.AppendInt(nil, ws.Generation, 10),
	})
}

// scheduleAutoStop (re)starts the AutoStop clock of an AUTO_STOP
// WorkSpace that is AVAILABLE from `from` on, and cancels it otherwise.
func (s *Service) scheduleAutoStop(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace, from time.Time) error {
	if ws.RunningMode != deskplane.RunningModeAutoStop || ws.State != wsAvailable {
		return tx.Cancel(wsKey(sc, ws.ID), timerWSAutoStop)
	}
	return tx.Schedule(deskplane.Timer{
		Key:  wsKey(sc, ws.ID),
		Name: timerWSAutoStop,
		Due:  from.Add(s.autoStopAfter(ws)),
	})
}

func (s *Service) autoStopAfter(ws *deskplane.Workspace) time.Duration {
	m := ws.AutoStopTimeoutInMinutes
	if m <= 0 {
		m = deskplane.AutoStopStepMinutes
	}
	return time.Duration(m)*time.Minute + s.Rules.AutoStopGrace
}

func wsIsNotFound(err error) bool { return deskplane.HasCode(err, deskplane.CodeNotFound) }

// ---- CreateWorkspaces -------------------------------------------------------

// wsCreateSpec is what the request-level checks of one WorkspaceRequest
// resolved.
type wsCreateSpec struct {
	mode     deskplane.RunningMode
	timeout  int
	protocol deskplane.Protocol // "" = the bundle's
}

// checkCreateRequest applies the checks that need nothing but the request
// (decision 0020: they fail the whole call with
// InvalidParameterValuesException, as the volume-size check does on AWS).
// failInvalidValues and failTagLimit are the item codes of a request whose
// own values are wrong (decision 0020).
const (
	failInvalidValues = "InvalidParameterValues.WorkSpace"
	failTagLimit      = "ResourceLimitExceeded.Tags"
)

// itemErrorCode is the FailedRequests code of a request-value error.
func itemErrorCode(err error) string {
	var de *deskplane.Error
	if errors.As(err, &de) && de.Code == deskplane.CodeLimitExceeded {
		return failTagLimit
	}
	return failInvalidValues
}

func checkCreateRequest(r *wsapi.WorkspaceRequest) (wsCreateSpec, error) {
	var sp wsCreateSpec
	if err := checkTags(r.Tags); err != nil {
		return sp, err
	}
	mode, timeout, err := wsRunningMode(r.WorkspaceProperties, "", 0)
	if err != nil {
		return sp, err
	}
	sp.mode, sp.timeout = mode, timeout
	if err := deskplane.CheckEncryption(value(r.VolumeEncryptionKey), value(r.RootVolumeEncryptionEnabled), value(r.UserVolumeEncryptionEnabled)); err != nil {
		return sp, err
	}
	user, name := value(r.UserName), value(r.WorkspaceName)
	switch {
	case user == undefinedUser && name == "":
		return sp, deskplane.Errorf(deskplane.CodeInvalidParameter,
			"WorkspaceName is required for a user-decoupled WorkSpace (UserName %s).", undefinedUser)
	case user != undefinedUser && name != "":
		return sp, deskplane.Errorf(deskplane.CodeInvalidParameter,
			"WorkspaceName applies only to user-decoupled WorkSpaces (UserName %s), not to the WorkSpace of user %s.", undefinedUser, user)
	}
	if p := r.WorkspaceProperties; p != nil && len(p.Protocols) > 0 {
		proto, err := wsProtocols(p.Protocols)
		if err != nil {
			return sp, err
		}
		sp.protocol = proto
	}
	return sp, nil
}

// wsBatchCache keeps the directories and bundles one call looked up.
type wsBatchCache struct {
	dirs    map[string]*deskplane.Directory
	dirErr  map[string]error
	bundles map[string]*deskplane.Bundle
	bunErr  map[string]error
}

func newBatchCache() *wsBatchCache {
	return &wsBatchCache{
		dirs: map[string]*deskplane.Directory{}, dirErr: map[string]error{},
		bundles: map[string]*deskplane.Bundle{}, bunErr: map[string]error{},
	}
}

func (c *wsBatchCache) directory(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Directory, error) {
	if d, ok := c.dirs[id]; ok {
		return d, c.dirErr[id]
	}
	d, err := registeredDirectory(tx, sc, id)
	if err != nil && !wsIsNotFound(err) {
		return nil, err
	}
	c.dirs[id], c.dirErr[id] = d, err
	return d, err
}

func (c *wsBatchCache) bundle(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Bundle, error) {
	if b, ok := c.bundles[id]; ok {
		return b, c.bunErr[id]
	}
	b, err := visibleBundle(tx, sc, id)
	if err != nil && !wsIsNotFound(err) {
		return nil, err
	}
	c.bundles[id], c.bunErr[id] = b, err
	return b, err
}

// dirUsable checks a directory a WorkSpace is created in; it returns the
// per-item failure, if any.
func dirUsable(d *deskplane.Directory, err error, id string) (code, msg string) {
	switch {
	case err != nil:
		return failDirectoryNotFound, "The specified directory " + id + " could not be found in the specified region."
	case !deskplane.DirectoryTable().Allows(deskplane.ActionCreateWorkspaces, d.State):
		return failDirectoryState, "The directory " + id + " is " + string(d.State) + "; WorkSpaces can be created only in a REGISTERED directory."
	}
	return "", ""
}

func (s *Service) CreateWorkspaces(ctx context.Context, in *wsapi.CreateWorkspacesRequest) (*wsapi.CreateWorkspacesResult, error) {
	sc := env.Scope(ctx)
	now := s.Now()
	// A request's own values are checked on their own: a bad one fails its
	// item only (decision 0020). Volume sizes, judged against the bundle
	// below, fail the whole call as AWS does (TF#39553).
	specs := make([]wsCreateSpec, len(in.Workspaces))
	itemErrs := make([]error, len(in.Workspaces))
	for i := range in.Workspaces {
		specs[i], itemErrs[i] = checkCreateRequest(&in.Workspaces[i])
	}
	var out wsapi.CreateWorkspacesResult
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		out = wsapi.CreateWorkspacesResult{
			FailedRequests:  []wsapi.FailedCreateWorkspaceRequest{},
			PendingRequests: []wsapi.Workspace{},
		}
		// Every record the loop below reads of a valid request is known
		// now, but for the WorkSpace ids: draw them now too, so that a
		// store that reads remotely reads them all at once.
		candidates := make([]string, len(in.Workspaces))
		for i := range candidates {
			candidates[i] = deskplane.NewOrderedID("ws-", 9, now)
		}
		if err := tx.Prefetch(createReads(sc, in.Workspaces, itemErrs, candidates)); err != nil {
			return err
		}
		count, err := tx.Count(sc, deskplane.KindWorkspace)
		if err != nil {
			return err
		}
		quota := s.Quotas.Workspaces
		if count >= quota {
			return deskplane.Errorf(deskplane.CodeLimitExceeded,
				"Your account has reached its limit of %d WorkSpaces in this Region; no WorkSpace was created. Terminate WorkSpaces or request a quota increase.", quota)
		}
		acct, err := account(tx, sc)
		if err != nil {
			return err
		}
		graphics := s.graphicsQuota()
		cache := newBatchCache()
		for i := range in.Workspaces {
			r := &in.Workspaces[i]
			sp := specs[i]
			fail := func(code, msg string) {
				out.FailedRequests = append(out.FailedRequests, wsapi.FailedCreateWorkspaceRequest{
					WorkspaceRequest: r, ErrorCode: new(code), ErrorMessage: new(msg),
				})
			}
			if err := itemErrs[i]; err != nil {
				fail(itemErrorCode(err), err.Error())
				continue
			}
			dirID, user, name, bundleID := value(r.DirectoryId), value(r.UserName), value(r.WorkspaceName), value(r.BundleId)
			if code, msg := coreOnly(acct, sp.mode, user); code != "" {
				fail(code, msg)
				continue
			}

			b, err := cache.bundle(tx, sc, bundleID)
			if err != nil && !wsIsNotFound(err) {
				return err
			}
			var root, userGB int
			var compute deskplane.Compute
			if b != nil {
				root, userGB, compute = b.RootStorageGB, b.UserStorageGB, b.ComputeType
				if p := r.WorkspaceProperties; p != nil {
					if p.RootVolumeSizeGib != nil {
						root = int(*p.RootVolumeSizeGib)
					}
					if p.UserVolumeSizeGib != nil {
						userGB = int(*p.UserVolumeSizeGib)
					}
					if p.ComputeTypeName != "" {
						compute = deskplane.Compute(p.ComputeTypeName)
					}
				}
				// Volumes are judged by the bundle's compute type first, as
				// AWS does (TF#39553), then by the requested one, which is
				// the WorkSpace's (decision 0320).
				if err := deskplane.CheckVolumes(b.ComputeType, root, userGB); err != nil {
					return err
				}
				if err := deskplane.CheckBundleCompute(b, compute); err != nil {
					fail(failInvalidValues, err.Error())
					continue
				}
				if err := deskplane.CheckVolumes(compute, root, userGB); err != nil {
					return err
				}
				if sp.protocol != "" && (len(b.Protocols) != 1 || b.Protocols[0] != sp.protocol) && !b.ProtocolSwitchable() {
					fail(failInvalidValues, fmt.Sprintf("Bundle %s supports only the %s protocol; only WorkSpaces of PCoIP bundles that are neither GPU-based nor Windows 7 may use another protocol.",
						bundleID, joinProtocols(b.Protocols)))
					continue
				}
			}

			d, derr := cache.directory(tx, sc, dirID)
			if code, msg := dirUsable(d, derr, dirID); code != "" {
				fail(code, msg)
				continue
			}
			switch {
			case err != nil:
				fail(failBundleNotFound, "The specified bundle "+bundleID+" could not be found.")
				continue
			case b.State != "" && !deskplane.BundleTable().Allows(deskplane.ActionCreateWorkspaces, b.State):
				fail(failBundleUnavailable, "The bundle "+bundleID+" is "+string(b.State)+"; WorkSpaces can be created only from an AVAILABLE bundle.")
				continue
			}
			if msg, err := tenancyMismatch(tx, sc, b, d); err != nil {
				return err
			} else if msg != "" {
				fail(failInvalidValues, msg)
				continue
			}
			if user != undefinedUser {
				ok, err := s.userInDirectory(tx, sc, dirID, user)
				if err != nil {
					return err
				}
				if !ok {
					fail(failUserNotFound, "The user "+user+" could not be found in the directory "+dirID+".")
					continue
				}
			}
			ik := wsUserIndexKey(sc, dirID, user, name)
			if _, err := tx.Get(ik); err == nil {
				if user == undefinedUser {
					fail(failWorkspaceExists, "A WorkSpace named "+name+" already exists in the directory "+dirID+".")
				} else {
					fail(failWorkspaceExists, "A WorkSpace already exists for the specified user.")
				}
				continue
			} else if !errors.Is(err, deskplane.ErrNotFound) {
				return err
			}
			if count >= quota {
				fail(failWorkspaceLimit, "Your account has reached its limit of "+strconv.Itoa(quota)+" WorkSpaces in this Region.")
				continue
			}
			gpu := compute.GPU()
			if gpu {
				if msg, err := graphics.take(tx, sc); err != nil {
					return err
				} else if msg != "" {
					fail(failWorkspaceLimit, msg)
					continue
				}
			}

			ws := &deskplane.Workspace{
				DirectoryID:                 dirID,
				UserName:                    user,
				WorkspaceName:               name,
				BundleID:                    bundleID,
				State:                       wsPending,
				Generation:                  1,
				StateChanged:                now,
				Created:                     now,
				VolumeEncryptionKey:         value(r.VolumeEncryptionKey),
				RootVolumeEncryptionEnabled: value(r.RootVolumeEncryptionEnabled),
				UserVolumeEncryptionEnabled: value(r.UserVolumeEncryptionEnabled),
				RunningMode:                 sp.mode,
				AutoStopTimeoutInMinutes:    sp.timeout,
				RootVolumeSizeGib:           root,
				UserVolumeSizeGib:           userGB,
				ComputeType:                 compute,
				Protocols:                   slices.Clone(b.Protocols),
				OperatingSystemName:         b.OperatingSystem,
				ProtocolSwitchable:          b.ProtocolSwitchable(),
				Node:                        s.Node, // its desktop's node, with -desktops local
			}
			if sp.protocol != "" {
				ws.Protocols = []deskplane.Protocol{sp.protocol}
			}
			if p := r.WorkspaceProperties; p != nil && p.GlobalAccelerator != nil {
				if ws.GlobalAccelerator, err = json.Marshal(p.GlobalAccelerator); err != nil {
					return err
				}
			}
			if ws.ID, err = workspaceID(tx, sc, candidates[i], now); err != nil {
				return err
			}
			// The subnet is chosen now, while the directory is at hand; it
			// shows once the WorkSpace leaves PENDING.
			ws.SubnetID = pickSubnet(ws.ID, d.SubnetIDs)
			if err := s.insertWorkspace(tx, sc, ws, ik, domainTags(r.Tags), gpu, deskplane.TWorkspaceCreate, now); err != nil {
				return err
			}
			count++
			pending := wsapi.Workspace{
				WorkspaceId: new(ws.ID),
				DirectoryId: new(dirID),
				UserName:    new(user),
				State:       wsapi.WorkspaceStatePending,
				BundleId:    new(bundleID),
			}
			if name != "" {
				pending.WorkspaceName = new(name)
			}
			out.PendingRequests = append(out.PendingRequests, pending)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// createReads are the keys CreateWorkspaces reads for the requests
// without an error of their own: the account, each request's bundle,
// directory (both kinds), user and user index record, and its candidate
// WorkSpace id with that id's tags. Amazon's bundles are not records.
func createReads(sc deskplane.Scope, reqs []wsapi.WorkspaceRequest, itemErrs []error, candidates []string) []deskplane.Key {
	keys := []deskplane.Key{deskplane.AccountKey(sc)}
	for i := range reqs {
		if itemErrs[i] != nil {
			continue
		}
		r := &reqs[i]
		dirID, user, name, bundleID := value(r.DirectoryId), value(r.UserName), value(r.WorkspaceName), value(r.BundleId)
		if _, ok := catalogue.Bundle(bundleID); !ok {
			keys = append(keys, deskplane.Bundles().Key(sc, bundleID))
		}
		keys = append(keys,
			deskplane.Directories().Key(sc, dirID),
			directory.DSDirectories().Key(sc, dirID),
			wsUserIndexKey(sc, dirID, user, name),
			wsKey(sc, candidates[i]))
		if user != undefinedUser && user != "" {
			keys = append(keys, directory.UserKey(sc, dirID, user))
		}
		if len(r.Tags) > 0 {
			keys = append(keys, deskplane.TagSets().Key(sc, candidates[i]))
		}
	}
	return keys
}

// workspaceID returns candidate if no WorkSpace has that id, else a new
// unused id.
func workspaceID(tx deskplane.Tx, sc deskplane.Scope, candidate string, now time.Time) (string, error) {
	_, err := tx.Get(wsKey(sc, candidate))
	if errors.Is(err, deskplane.ErrNotFound) {
		return candidate, nil
	}
	if err != nil {
		return "", err
	}
	return newWorkspaceID(tx, sc, now)
}

// newWorkspaceID returns an unused WorkSpace id. Ids made at the same
// second share their first characters (deskplane.NewOrderedID), so that
// the index entries a CreateWorkspaces call writes are neighbours in the
// store (decision 0343).
func newWorkspaceID(tx deskplane.Tx, sc deskplane.Scope, now time.Time) (string, error) {
	for {
		id := deskplane.NewOrderedID("ws-", 9, now)
		_, err := tx.Get(wsKey(sc, id))
		if errors.Is(err, deskplane.ErrNotFound) {
			return id, nil
		}
		if err != nil {
			return "", err
		}
	}
}

// insertWorkspace stores a new PENDING WorkSpace with its index records
// and tags, and schedules the end of its launch.
func (s *Service) insertWorkspace(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace, userIndex deskplane.Key, tags []deskplane.Tag, gpu bool, tr deskplane.Transition, now time.Time) error {
	if err := saveWorkspace(tx, sc, ws); err != nil {
		return err
	}
	if userIndex.ID != "" {
		if err := deskplane.Save(tx, userIndex, wsIndex{WS: ws.ID}); err != nil {
			return err
		}
	}
	if gpu {
		if err := deskplane.Save(tx, deskplane.Key{Scope: sc, Kind: deskplane.KindWorkspaceGPU, ID: ws.ID}, wsIndex{WS: ws.ID}); err != nil {
			return err
		}
	}
	if err := deskplane.MergeTags(tx, sc, ws.ID, tags); err != nil {
		return err
	}
	return s.scheduleState(tx, sc, ws, tr, now)
}
