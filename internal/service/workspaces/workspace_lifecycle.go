package workspaces

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/desktops"
	"github.com/deskplane/deskplane/ec2net"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// The WorkSpace lifecycle timers (see workspaces.go for the list), the
// network identity a WorkSpace gets when it launches, and the clean-up when
// it goes (docs/decisions/0022-workspace-lifecycle.md).

// onWorkspaceState ends the transitional state a WorkSpace is in. A
// transition fault (control API) makes it end in the fault's state with
// its error code instead.
func (s *Service) onWorkspaceState(ctx context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	sc := t.Key.Scope
	ws, err := loadWorkspace(tx, sc, t.Key.ID)
	if err != nil || ws == nil {
		return err
	}
	gen, err := strconv.ParseInt(string(t.Payload), 10, 64)
	if err != nil {
		return lifecycle.Permanent(fmt.Errorf("%s timer of %s: the payload %q is not a generation", t.Name, ws.ID, t.Payload))
	}
	if gen != ws.Generation {
		return nil
	}
	at := t.Due
	if ws.State == wsTerminated {
		return s.removeWorkspace(tx, sc, ws)
	}
	// The row the timer completes; SUSPENDED is ended by the image's
	// timer (ActionCaptureImage), not by this one.
	row, ok := wsTable(ctx).Ending(ws.State)
	if !ok || row.Action == deskplane.ActionCaptureImage {
		return nil
	}
	// On a node that runs desktops, a WorkSpace with a desktop ends its
	// transition once the desktop has done its part
	// (docs/decisions/0184-desktop-reconciler.md).
	wait, desktopFault, desktopFailed, err := desktops.DesktopGate(tx, sc, ws, s.Node != "")
	if err != nil || wait {
		return err
	}
	fault, faulted, err := takeTransitionFault(ctx, tx, sc, ws.ID)
	if err != nil {
		return err
	}
	if desktopFailed && !faulted {
		fault, faulted = desktopFault, true
	}
	if ws.State == wsPending && ws.MigratedFrom != "" {
		return s.finishMigration(ctx, tx, sc, ws, at, faulted)
	}
	if faulted {
		if ws.State == wsPending {
			ws.SubnetID = "" // a launch that fails gets no network identity
		}
		failWorkspace(ws, deskplane.WorkspaceState(fault.State), fault.ErrorCode, fault.ErrorMessage, at)
		if err := s.scheduleAutoStop(tx, sc, ws, at); err != nil {
			return err
		}
		return saveWorkspace(tx, sc, ws)
	}
	switch row.Action {
	case deskplane.ActionCreate:
		if err := s.launch(ctx, tx, sc, ws, at); err != nil {
			return err
		}
	case deskplane.ActionStart, deskplane.ActionReboot, deskplane.ActionRebuild, deskplane.ActionRestore:
		if row.Action == deskplane.ActionRebuild {
			// Rebuild assigns a new private IP (AGA:rebuild-workspace): the
			// new address is taken before the old one is released, which
			// would otherwise come straight back off the free stack.
			old := *ws
			ok, err := s.assignNetwork(ctx, tx, sc, ws)
			if err != nil {
				return err
			}
			if err := releaseIP(ctx, tx, sc, &old); err != nil {
				return err
			}
			oldSubnet, oldIP := old.SubnetID, old.IPAddress
			if !ok && oldIP != "" {
				// A full subnet: its one free address is the old one.
				ws.SubnetID = oldSubnet
				if ok, err = s.assignNetwork(ctx, tx, sc, ws); err != nil {
					return err
				}
			}
			if !ok {
				noAddress(ws, at)
				return saveWorkspace(tx, sc, ws)
			}
		}
		ws.ErrorCode, ws.ErrorMessage = "", ""
		setState(ws, row.To, at)
		if row.Action == deskplane.ActionRestore {
			// New snapshots about 30 minutes after a restore (AGA:restore-workspace).
			if err := s.scheduleSnapshot(tx, sc, ws.ID, at.Add(s.Rules.FirstSnapshotAfter)); err != nil {
				return err
			}
		}
		if err := s.scheduleAutoStop(tx, sc, ws, at); err != nil {
			return err
		}
	case deskplane.ActionStop:
		setState(ws, row.To, at)
	case deskplane.ActionTerminate:
		if err := s.terminated(ctx, tx, sc, ws, at); err != nil {
			return err
		}
	}
	return saveWorkspace(tx, sc, ws)
}

type wsTableKey struct{}

type noFaultsKey struct{}

// takeTransitionFault is deskplane.TakeTransitionFault for the WorkSpace
// id. A batch of due timers that finds no fault at all in the store does
// not look again for each of its WorkSpaces: only the control API adds
// faults, never a timer handler, so none appears during the batch's
// transaction.
func takeTransitionFault(ctx context.Context, tx deskplane.Tx, sc deskplane.Scope, id string) (deskplane.TransitionFault, bool, error) {
	b := lifecycle.BatchOf(ctx)
	none, known := b.Value(noFaultsKey{})
	if known && none.(bool) {
		return deskplane.TransitionFault{}, false, nil
	}
	f, hit, err := deskplane.TakeTransitionFault(tx, deskplane.KindWorkspace, sc, id)
	if err != nil || hit || known || b == nil {
		return f, hit, err
	}
	faults, err := deskplane.ListTransitionFaults(tx)
	if err != nil {
		return f, hit, err
	}
	b.Set(noFaultsKey{}, len(faults) == 0)
	return f, hit, nil
}

// wsTable is the WorkSpace transition table, built once per batch of due
// timers.
func wsTable(ctx context.Context) deskplane.TransitionTable[deskplane.WorkspaceState] {
	b := lifecycle.BatchOf(ctx)
	if b == nil {
		return deskplane.WorkspaceTable()
	}
	if v, ok := b.Value(wsTableKey{}); ok {
		return v.(deskplane.TransitionTable[deskplane.WorkspaceState])
	}
	t := deskplane.WorkspaceTable()
	b.Set(wsTableKey{}, t)
	return t
}

// failWorkspace ends a transition in a failure state (ERROR by default)
// with an error code and message on the WorkSpace.
func failWorkspace(ws *deskplane.Workspace, state deskplane.WorkspaceState, code, msg string, at time.Time) {
	if state == "" {
		state = wsError
	}
	if code == "" {
		code = failCreationDefault
	}
	if msg == "" {
		msg = failCreationDefaultMsg
	}
	setState(ws, state, at)
	ws.ErrorCode, ws.ErrorMessage = code, msg
}

// launch makes a PENDING WorkSpace AVAILABLE: it gets its subnet, private
// IP and computer name, its snapshot schedule and, for AUTO_STOP, its
// AutoStop clock.
func (s *Service) launch(ctx context.Context, tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace, at time.Time) error {
	ok, err := s.assignNetwork(ctx, tx, sc, ws)
	if err != nil {
		return err
	}
	if !ok {
		noAddress(ws, at)
		return nil
	}
	if ws.StandbyOf != "" {
		// A standby waits stopped for a failover (decision 0023).
		setState(ws, wsStopped, at)
	} else {
		setState(ws, wsAvailable, at)
	}
	if err := s.scheduleSnapshot(tx, sc, ws.ID, at.Add(s.Rules.FirstSnapshotAfter)); err != nil {
		return err
	}
	return s.scheduleAutoStop(tx, sc, ws, at)
}

// ---- network identity -------------------------------------------------------

// A WorkSpace's subnet is one of its directory's subnets, chosen from its
// id. Its private IP is in the network deskplane derives for the subnet
// (directories.go: 10.a.b.0/24, where the directory's own addresses are):
// host addresses 10.a.b.4–254 first, then on into the following /24s of
// 10.a.0.0/16 (VPC subnets may be that large; a /24 alone would hold only
// 251 WorkSpaces), skipping the directory's addresses.
//
// Allocation is O(1) (docs/decisions/0351-constant-time-address-allocation.md):
// a per-subnet counter record says how many fresh addresses were handed
// out (Next, at most ipHosts) and how many released ones wait on the
// subnet's free stack (Free); the stack's entries are records keyed by
// their position. A launch pops a released address, or else takes the next
// fresh one; a subnet with neither is full, which it knows without reading
// a single address. The KindWorkspaceIP index records (address → the
// WorkSpace) are kept as a check: an address found held is never handed
// out twice. Only lifecycle handlers allocate, so the counter sees no
// contention from API calls, and a batch of due timers loads and writes it
// once (lifecycle.Batch). Everything is in the handler's transaction: a
// crash before the commit loses nothing and hands out nothing.

const (
	ipFirstHost   = 4   // .0–.3 are reserved in every VPC subnet
	ipHostsPer24  = 251 // .4–.254
	ipHosts       = ipHostsPer24 * 256
	ipCounterKind = "workspaceip/"
	// ipCounterV2 marks a counter with a free stack; older counters (a
	// cursor that wrapped around and probed for free addresses) are
	// converted on first use.
	ipCounterV2 = 2
)

// noAddress ends a launch or rebuild whose subnet has no free address.
func noAddress(ws *deskplane.Workspace, at time.Time) {
	failWorkspace(ws, wsError, "InsufficientFreeAddressesInSubnet",
		"The subnet "+ws.SubnetID+" has no free private IP address left for the WorkSpace.", at)
	ws.SubnetID, ws.IPAddress = "", ""
}

// dirNetwork is the part of a directory registration the network needs.
// Only these fields are decoded: the registration's settings documents
// would make a full decode the launch's largest cost.
type dirNetwork struct {
	SubnetIDs []string `json:"subnetIds"`
	DNSAddrs  []string `json:"dnsAddrs"`
}

func loadDirNetwork(tx deskplane.Tx, sc deskplane.Scope, dirID string) (dirNetwork, bool, error) {
	var d dirNetwork
	found, err := deskplane.Load(tx, deskplane.Key{Scope: sc, Kind: deskplane.KindDirectory, ID: dirID}, &d)
	return d, found, err
}

// pickSubnet chooses a WorkSpace's subnet among its directory's.
func pickSubnet(wsID string, subnets []string) string {
	if len(subnets) == 0 {
		return ""
	}
	h := fnv.New32a()
	h.Write([]byte(wsID))
	return subnets[int(h.Sum32()%uint32(len(subnets)))]
}

// assignNetwork gives ws a private IP and computer name, and a subnet if
// it has none yet (CreateWorkspaces picks it); ok is false when its subnet
// has no free address.
func (s *Service) assignNetwork(ctx context.Context, tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace) (ok bool, err error) {
	if ws.ComputerName == "" {
		ws.ComputerName = wsComputerName(ws.ID, ws.OperatingSystemName)
	}
	if ws.SubnetID == "" {
		d, found, err := loadDirNetwork(tx, sc, ws.DirectoryID)
		if err != nil || !found {
			return true, err
		}
		if ws.SubnetID = pickSubnet(ws.ID, d.SubnetIDs); ws.SubnetID == "" {
			return true, nil
		}
	}
	ip, err := allocateIP(ctx, tx, sc, ws)
	if err != nil || ip == "" {
		return false, err
	}
	ws.IPAddress = ip
	return true, nil
}

// ipCounter is the allocation state of a subnet: how many fresh host
// indexes were handed out, how many released addresses wait on the free
// stack, and the subnet's network, learnt from the directory on first use.
type ipCounter struct {
	Next     int      `json:"next"`
	Net      [3]byte  `json:"net"`
	Reserved []string `json:"reserved,omitempty"`
	Known    bool     `json:"known,omitempty"`
	Free     int      `json:"free,omitempty"`
	V        int      `json:"v,omitempty"`
}

// addr is the n-th host address of the subnet's network.
func (c *ipCounter) addr(n int) string {
	third := (int(c.Net[2]) + n/ipHostsPer24) % 256
	b := make([]byte, 0, 15)
	b = strconv.AppendInt(b, int64(c.Net[0]), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(c.Net[1]), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(third), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(ipFirstHost+n%ipHostsPer24), 10)
	return string(b)
}

// subnetIPs is one subnet's allocator as a transaction sees it.
type subnetIPs struct {
	sc     deskplane.Scope
	subnet string
	c      ipCounter
	dirty  bool
	batch  bool // saved once, at the end of the engine's batch
}

func ipCounterKey(sc deskplane.Scope, subnet string) deskplane.Key {
	return deskplane.Key{Scope: sc, Kind: deskplane.KindCounter, ID: ipCounterKind + subnet}
}

// ipFreeKey is the key of the free stack's entry at pos: zero-padded, so
// that entries pushed together are neighbours in the store.
func ipFreeKey(sc deskplane.Scope, subnet string, pos int) deskplane.Key {
	return deskplane.Key{Scope: sc, Kind: deskplane.KindCounter, ID: fmt.Sprintf("%s%s/free/%06d", ipCounterKind, subnet, pos)}
}

func ipIndexKey(sc deskplane.Scope, ip string) deskplane.Key {
	return deskplane.Key{Scope: sc, Kind: deskplane.KindWorkspaceIP, ID: ip}
}

type subnetIPsKey struct {
	sc     deskplane.Scope
	subnet string
}

// openSubnetIPs returns the allocator of the subnet: the one the engine's
// batch (ctx) already loaded, or loaded now (and, in a batch, saved at its
// end). dirID is the directory that tells a new counter its network.
func openSubnetIPs(ctx context.Context, tx deskplane.Tx, sc deskplane.Scope, subnet, dirID string) (*subnetIPs, error) {
	b := lifecycle.BatchOf(ctx)
	bk := subnetIPsKey{sc, subnet}
	if b != nil {
		if v, ok := b.Value(bk); ok {
			return v.(*subnetIPs), nil
		}
	}
	a := &subnetIPs{sc: sc, subnet: subnet, batch: b != nil}
	if _, err := deskplane.Load(tx, ipCounterKey(sc, subnet), &a.c); err != nil {
		return nil, err
	}
	if !a.c.Known {
		d, _, err := loadDirNetwork(tx, sc, dirID)
		if err != nil {
			return nil, err
		}
		a.c.Net, a.c.Reserved, a.c.Known = deskplane.SubnetNetwork(subnet), d.DNSAddrs, true
		for i, id := range d.SubnetIDs {
			if id == subnet {
				a.c.Net = deskplane.SubnetNetworks(d.SubnetIDs)[i]
			}
		}
		a.dirty = true
	}
	if a.c.V < ipCounterV2 {
		if err := a.upgrade(tx); err != nil {
			return nil, err
		}
	}
	if b != nil {
		b.Set(bk, a)
		b.AtEnd(a.save)
		// A batch of due launches takes several addresses of the subnet.
		if err := tx.Prefetch(a.nextReads(ipPrefetch)); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// ipPrefetch is how many takes of a batch nextReads covers.
const ipPrefetch = 32

// nextReads are the keys that the next n takes read: the top entries of
// the free stack, then the index records of the fresh addresses.
func (a *subnetIPs) nextReads(n int) []deskplane.Key {
	var keys []deskplane.Key
	for p := a.c.Free - 1; p >= max(0, a.c.Free-n); p-- {
		keys = append(keys, ipFreeKey(a.sc, a.subnet, p))
	}
	for i := a.c.Next; i < min(a.c.Next+n, ipHosts); i++ {
		keys = append(keys, ipIndexKey(a.sc, a.c.addr(i)))
	}
	return keys
}

// upgrade converts a counter of the wrapping kind, once: the addresses
// below its cursor that no WorkSpace holds go on the free stack.
func (a *subnetIPs) upgrade(tx deskplane.Tx) error {
	limit := min(a.c.Next, ipHosts)
	a.c.Next, a.c.V, a.dirty = limit, ipCounterV2, true
	for n := range limit {
		ip := a.c.addr(n)
		if slices.Contains(a.c.Reserved, ip) {
			continue
		}
		if _, err := tx.Get(ipIndexKey(a.sc, ip)); errors.Is(err, deskplane.ErrNotFound) {
			if err := a.push(tx, ip); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
	}
	return nil
}

// save writes the counter if it changed.
func (a *subnetIPs) save(tx deskplane.Tx) error {
	if !a.dirty {
		return nil
	}
	a.dirty = false
	return deskplane.Save(tx, ipCounterKey(a.sc, a.subnet), a.c)
}

// changed notes a change of the counter: saved now outside a batch.
func (a *subnetIPs) changed(tx deskplane.Tx) error {
	a.dirty = true
	if a.batch {
		return nil
	}
	return a.save(tx)
}

func (a *subnetIPs) push(tx deskplane.Tx, ip string) error {
	if err := deskplane.Save(tx, ipFreeKey(a.sc, a.subnet, a.c.Free), ip); err != nil {
		return err
	}
	a.c.Free++
	a.dirty = true
	return nil
}

// take hands out an address to the WorkSpace wsID: the last released one,
// or else the next fresh one; "" when the subnet is full.
func (a *subnetIPs) take(tx deskplane.Tx, wsID string) (string, error) {
	for {
		var ip string
		switch {
		case a.c.Free > 0:
			a.c.Free--
			k := ipFreeKey(a.sc, a.subnet, a.c.Free)
			if _, err := deskplane.Load(tx, k, &ip); err != nil {
				return "", err
			}
			if _, err := tx.Delete(k); err != nil {
				return "", err
			}
		case a.c.Next < ipHosts:
			ip = a.c.addr(a.c.Next)
			a.c.Next++
			if slices.Contains(a.c.Reserved, ip) {
				continue
			}
		default:
			return "", a.changed(tx) // full
		}
		// Every step above consumed a free entry or a fresh address, so
		// this loop ends; an address found held (which a consistent
		// store never shows) is skipped, and comes back when released.
		k := ipIndexKey(a.sc, ip)
		if _, err := tx.Get(k); err == nil {
			continue
		} else if !errors.Is(err, deskplane.ErrNotFound) {
			return "", err
		}
		if err := deskplane.Save(tx, k, wsIndex{WS: wsID}); err != nil {
			return "", err
		}
		return ip, a.changed(tx)
	}
}

// release puts ip back on the free stack.
func (a *subnetIPs) release(tx deskplane.Tx, ip string) error {
	if _, err := tx.Delete(ipIndexKey(a.sc, ip)); err != nil {
		return err
	}
	if err := a.push(tx, ip); err != nil {
		return err
	}
	return a.changed(tx)
}

// notEC2Key marks, in a batch of due timers, a subnet EC2 does not know.
type notEC2Key subnetIPsKey

func allocateIP(ctx context.Context, tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace) (string, error) {
	// A subnet EC2 knows hands out its own addresses (decision 0306). Only
	// the EC2 API creates EC2 subnets, never a timer handler: a batch that
	// found the subnet unknown to EC2 does not ask again.
	b, nk := lifecycle.BatchOf(ctx), notEC2Key{sc, ws.SubnetID}
	if _, notEC2 := b.Value(nk); !notEC2 {
		ip, known, err := ec2net.AllocateSubnetAddress(tx, sc, ws.SubnetID, ws.ID)
		if known || err != nil {
			return ip, err
		}
		b.Set(nk, true)
	}
	a, err := openSubnetIPs(ctx, tx, sc, ws.SubnetID, ws.DirectoryID)
	if err != nil {
		return "", err
	}
	return a.take(tx, ws.ID)
}

// releaseIP frees the WorkSpace's private IP for reuse.
func releaseIP(ctx context.Context, tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace) error {
	if ws.IPAddress == "" {
		return nil
	}
	if err := ec2net.ReleaseAddress(tx, sc, ws.SubnetID, ws.IPAddress, ws.ID); err != nil {
		return err
	}
	return releaseOwnIP(ctx, tx, sc, ws.ID, ws.DirectoryID, ws.SubnetID, ws.IPAddress)
}

// releaseOwnIP puts ip, of deskplane's own network of subnet, back on the
// subnet's free stack if the WorkSpace wsID holds it.
func releaseOwnIP(ctx context.Context, tx deskplane.Tx, sc deskplane.Scope, wsID, dirID, subnet, ip string) error {
	if ip == "" {
		return nil
	}
	var idx wsIndex
	held, err := deskplane.Load(tx, ipIndexKey(sc, ip), &idx)
	if err != nil || !held || idx.WS != wsID {
		return err // not its address (EC2's, or released already): never freed twice
	}
	if subnet == "" {
		_, err := tx.Delete(ipIndexKey(sc, ip))
		return err
	}
	a, err := openSubnetIPs(ctx, tx, sc, subnet, dirID)
	if err != nil {
		return err
	}
	return a.release(tx, ip)
}

// releaseIndex deletes an index record if it still names the WorkSpace.
func releaseIndex(tx deskplane.Tx, k deskplane.Key, wsID string) error {
	var idx wsIndex
	ok, err := deskplane.Load(tx, k, &idx)
	if err != nil || !ok || idx.WS != wsID {
		return err
	}
	_, err = tx.Delete(k)
	return err
}

// wsComputerName derives a computer name of the real formats from the
// WorkSpace id (AG:wsp-directory-identify-computer): Windows WSAMZN-
// and 8 characters (public bundles since June 2020), Amazon Linux A-,
// Ubuntu U-, Red Hat and Rocky Linux R- and 13 characters.
func wsComputerName(id string, os deskplane.OperatingSystemName) string {
	sum := sha256.Sum256([]byte(id))
	const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	pick := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alnum[int(sum[i])%len(alnum)]
		}
		return string(b)
	}
	switch {
	case os == deskplane.OSAmazonLinux2:
		return "A-" + pick(13)
	case os == deskplane.OSUbuntu1804 || os == deskplane.OSUbuntu2004 || os == deskplane.OSUbuntu2204:
		return "U-" + pick(13)
	case os == deskplane.OSRHEL8 || os == deskplane.OSRocky8:
		return "R-" + pick(13)
	}
	return "WSAMZN-" + pick(8)
}

// ---- termination ------------------------------------------------------------

// terminated moves a WorkSpace to TERMINATED: it frees its private IP and
// its user's one-WorkSpace slot, stops its other timers and schedules its
// removal, after which DescribeWorkspaces no longer returns it.
func (s *Service) terminated(ctx context.Context, tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace, at time.Time) error {
	setState(ws, wsTerminated, at)
	ws.Modifications = nil
	if err := releaseIP(ctx, tx, sc, ws); err != nil {
		return err
	}
	if err := releaseIndex(tx, wsUserIndexKey(sc, ws.DirectoryID, ws.UserName, ws.WorkspaceName), ws.ID); err != nil {
		return err
	}
	k := wsKey(sc, ws.ID)
	for _, name := range []string{timerWSModify, timerWSSnapshot, timerWSAutoStop} {
		if err := tx.Cancel(k, name); err != nil {
			return err
		}
	}
	if err := s.unlinkStandbys(tx, sc, ws); err != nil {
		return err
	}
	return s.scheduleState(tx, sc, ws, deskplane.TWorkspaceTerminated, at)
}

// removeWorkspace deletes a TERMINATED WorkSpace with its timers, tags and
// index records.
func (s *Service) removeWorkspace(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace) error {
	if _, err := tx.Delete(wsKey(sc, ws.ID)); err != nil {
		return err
	}
	if _, err := tx.Delete(deskplane.Key{Scope: sc, Kind: deskplane.KindWorkspaceGPU, ID: ws.ID}); err != nil {
		return err
	}
	return deskplane.DeleteTags(tx, sc, ws.ID)
}

// unlinkStandbys removes a terminated WorkSpace from its primary's list of
// standbys, and its standbys' link to it.
func (s *Service) unlinkStandbys(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace) error {
	if ws.StandbyOf != "" {
		psc := deskplane.Scope{Account: sc.Account, Region: ws.StandbyRegion}
		p, err := loadWorkspace(tx, psc, ws.StandbyOf)
		if err != nil {
			return err
		}
		if p != nil {
			kept := p.Standbys[:0]
			for _, l := range p.Standbys {
				if l.ID != ws.ID || l.Region != sc.Region {
					kept = append(kept, l)
				}
			}
			p.Standbys = kept
			if len(kept) == 0 {
				p.Standbys, p.DataReplication = nil, ""
			}
			if err := saveWorkspace(tx, psc, p); err != nil {
				return err
			}
		}
	}
	for _, l := range ws.Standbys {
		ssc := deskplane.Scope{Account: sc.Account, Region: l.Region}
		sb, err := loadWorkspace(tx, ssc, l.ID)
		if err != nil {
			return err
		}
		if sb != nil && sb.StandbyOf == ws.ID {
			sb.StandbyOf, sb.StandbyRegion = "", ""
			if err := saveWorkspace(tx, ssc, sb); err != nil {
				return err
			}
		}
	}
	ws.Standbys = nil
	return nil
}

// ---- migration --------------------------------------------------------------

// finishMigration ends the launch of a MigrateWorkspace target: on success
// the target becomes AVAILABLE, takes over its user's slot and the source
// is terminated; on failure the target is terminated unused and the source
// stays as it was (AGA:migrate-workspaces).
func (s *Service) finishMigration(ctx context.Context, tx deskplane.Tx, sc deskplane.Scope, target *deskplane.Workspace, at time.Time, failed bool) error {
	src, err := loadWorkspace(tx, sc, target.MigratedFrom)
	if err != nil {
		return err
	}
	if src != nil && src.MigratingTo == target.ID {
		src.MigratingTo = ""
		if !failed && src.State != wsTerminating && src.State != wsTerminated {
			if err := s.terminated(ctx, tx, sc, src, at); err != nil {
				return err
			}
		}
		if err := saveWorkspace(tx, sc, src); err != nil {
			return err
		}
	}
	if failed {
		if err := s.terminated(ctx, tx, sc, target, at); err != nil {
			return err
		}
		return saveWorkspace(tx, sc, target)
	}
	if err := s.launch(ctx, tx, sc, target, at); err != nil {
		return err
	}
	// The target takes over the user's slot, unless the source was
	// terminated meanwhile and the user has a new WorkSpace already.
	ik := wsUserIndexKey(sc, target.DirectoryID, target.UserName, target.WorkspaceName)
	var idx wsIndex
	held, err := deskplane.Load(tx, ik, &idx)
	if err != nil {
		return err
	}
	if !held || idx.WS == target.MigratedFrom {
		if err := deskplane.Save(tx, ik, wsIndex{WS: target.ID}); err != nil {
			return err
		}
	}
	return saveWorkspace(tx, sc, target)
}

// ---- modifications, snapshots, AutoStop --------------------------------------

// onWorkspaceModify advances the running modification: UPDATE_INITIATED →
// UPDATE_IN_PROGRESS → done (gone from ModificationStates).
func (s *Service) onWorkspaceModify(_ context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	sc := t.Key.Scope
	ws, err := loadWorkspace(tx, sc, t.Key.ID)
	if err != nil || ws == nil || len(ws.Modifications) == 0 {
		return err
	}
	at := t.Due
	var next time.Time
	kept := ws.Modifications[:0]
	for _, m := range ws.Modifications {
		if !at.Before(m.Ends) {
			continue
		}
		if m.State == modInitiated && !at.Before(m.InProgress) {
			m.State = modInProgress
		}
		due := m.Ends
		if m.State == modInitiated {
			due = m.InProgress
		}
		if next.IsZero() || due.Before(next) {
			next = due
		}
		kept = append(kept, m)
	}
	ws.Modifications = kept
	if len(kept) == 0 {
		ws.Modifications = nil
	} else if err := tx.Schedule(deskplane.Timer{Key: wsKey(sc, ws.ID), Name: timerWSModify, Due: next}); err != nil {
		return err
	}
	return saveWorkspace(tx, sc, ws)
}

// maxSnapshots is how many snapshots of each kind DescribeWorkspaceSnapshots
// shows (the newest).
const maxSnapshots = 3

func (s *Service) scheduleSnapshot(tx deskplane.Tx, sc deskplane.Scope, id string, due time.Time) error {
	return tx.Schedule(deskplane.Timer{Key: wsKey(sc, id), Name: timerWSSnapshot, Due: due})
}

// onWorkspaceSnapshot takes the periodic snapshots: root and user volume,
// only the user volume of an unhealthy WorkSpace, none while the volumes
// are being made (AGA:restore-workspace). It reschedules itself.
func (s *Service) onWorkspaceSnapshot(_ context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	sc := t.Key.Scope
	ws, err := loadWorkspace(tx, sc, t.Key.ID)
	if err != nil || ws == nil {
		return err
	}
	at := t.Due
	switch ws.State {
	case wsTerminating, wsTerminated:
		return nil
	case wsPending, wsRebuilding, wsRestoring:
	case wsUnhealthy, wsImpaired, wsError:
		if err := s.takeSnapshot(tx, sc, ws, at, true); err != nil {
			return err
		}
	default:
		if err := s.takeSnapshot(tx, sc, ws, at, false); err != nil {
			return err
		}
	}
	if iv := s.Rules.SnapshotInterval; iv > 0 {
		if err := s.scheduleSnapshot(tx, sc, ws.ID, at.Add(iv)); err != nil {
			return err
		}
	}
	return saveWorkspace(tx, sc, ws)
}

// takeSnapshot lists a snapshot taken at `at` (userOnly: of the user
// volume only, a rebuild snapshot). A WorkSpace with a desktop, on a node
// that runs desktops, asks its node to take it; the node lists it once the
// copy exists (docs/decisions/0184-desktop-reconciler.md).
func (s *Service) takeSnapshot(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace, at time.Time, userOnly bool) error {
	if ws.Node != "" && s.Node != "" {
		return desktops.RequestDesktopSnapshot(tx, sc, ws, at, userOnly)
	}
	ws.RebuildSnapshots = addSnapshot(ws.RebuildSnapshots, at)
	if !userOnly {
		ws.RestoreSnapshots = addSnapshot(ws.RestoreSnapshots, at)
	}
	return nil
}

func addSnapshot(snaps []time.Time, at time.Time) []time.Time {
	snaps = append(snaps, at)
	if len(snaps) > maxSnapshots {
		snaps = append(snaps[:0], snaps[len(snaps)-maxSnapshots:]...)
	}
	return snaps
}

// onWorkspaceAutoStop stops an AUTO_STOP WorkSpace nobody is connected to
// once its timeout has passed (AG:running-mode).
func (s *Service) onWorkspaceAutoStop(_ context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	sc := t.Key.Scope
	ws, err := loadWorkspace(tx, sc, t.Key.ID)
	if err != nil || ws == nil || ws.RunningMode != deskplane.RunningModeAutoStop {
		return err
	}
	at := t.Due
	switch {
	case ws.State == wsAvailable && ws.ConnectionState != string(wsapi.ConnectionStateConnected) && len(ws.Modifications) == 0:
		setState(ws, wsStopping, at)
		if err := s.scheduleState(tx, sc, ws, deskplane.TWorkspaceStop, at); err != nil {
			return err
		}
		return saveWorkspace(tx, sc, ws)
	case ws.State == wsAvailable, ws.State == wsSuspended:
		// Connected, being modified, or capturing an image (which ends
		// in AVAILABLE without passing here): look again a timeout later.
		return tx.Schedule(deskplane.Timer{Key: t.Key, Name: timerWSAutoStop, Due: at.Add(s.autoStopAfter(ws))})
	}
	return nil
}
