package ds

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
)

// A directory's settings with a transitional state (RADIUS, LDAPS, data
// access, CA enrollment, directory settings, updates, Regions, domain
// controllers, a restore) each have a timer of their own: the directory's
// key with "#item" appended, named deskplane.TimerDSSetting. The handler
// ends whatever of that item is still transitional (decision 0201).

// The items of the settings timer.
const (
	itemRadius   = "radius"
	itemLDAPS    = directory.DSItemLDAPS
	itemDCs      = "dcs"
	itemRegion   = "region:" // + Region name
	itemUpdate   = "update:" // + update type
	itemRestore  = "restore"
	itemSettings = "settings"
	itemData     = "data"
	itemCA       = directory.DSItemCA
	itemHybrid   = directory.DSItemHybrid
)

func (s *Service) scheduleSetting(tx deskplane.Tx, sc deskplane.Scope, dirID, item string, from time.Time, t deskplane.Transition) error {
	return tx.Schedule(deskplane.Timer{Key: deskplane.Key{Scope: sc, Kind: deskplane.KindDSDirectory, ID: dirID + "#" + item},
		Name: deskplane.TimerDSSetting, Due: s.After(from, t)})
}

// onSetting ends the transitional state of one item of a directory.
func (s *Service) onSetting(_ context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	sc := t.Key.Scope
	dirID, item, _ := strings.Cut(t.Key.ID, "#")
	d, ok, err := directory.DSDirectories().Get(tx, sc, dirID)
	if err != nil || !ok {
		return err
	}
	now := t.Due
	switch {
	case item == itemRadius:
		if d.RadiusStatus == directory.RadiusCreating {
			row, _ := directory.DSRadiusTable().Ending(d.RadiusStatus)
			d.RadiusStatus = row.To
		}
	case item == itemLDAPS:
		if d.LDAPS == directory.LDAPSEnabling {
			row, _ := directory.DSLDAPSTable().Ending(d.LDAPS)
			d.LDAPS, d.LDAPSChanged = row.To, now
		}
	case item == itemDCs:
		tab := directory.DSDomainControllerTable()
		d.DCs = slices.DeleteFunc(d.DCs, func(dc directory.DSDomainController) bool {
			row, ok := tab.Ending(dc.Status)
			return ok && row.Gone
		})
		for i := range d.DCs {
			if row, ok := tab.Ending(d.DCs[i].Status); ok {
				d.DCs[i].Status, d.DCs[i].Changed = row.To, now
			}
		}
	case strings.HasPrefix(item, itemRegion):
		name := strings.TrimPrefix(item, itemRegion)
		tab := directory.DSRegionTable()
		for i := range d.Regions {
			r := &d.Regions[i]
			if row, ok := tab.Ending(r.Status); ok && r.Name == name {
				if row.Gone {
					d.Regions = slices.Delete(d.Regions, i, i+1)
					break
				}
				r.Status, r.Changed = row.To, now
			}
		}
	case strings.HasPrefix(item, itemUpdate):
		finishUpdates(d, &d.Updates, strings.TrimPrefix(item, itemUpdate), now)
	case item == itemHybrid:
		finishUpdates(d, &d.HybridUpdates, "", now)
	case item == itemRestore:
		if d.Stage == deskplane.DSDirectoryRestoring {
			d.Stage, d.StageChanged = stageActive, now
			d.Generation++
		}
	case item == itemSettings:
		for name, st := range d.Settings {
			if st.Status == string(settingUpdating) {
				st.Applied, st.Status, st.Updated = st.Requested, string(settingUpdated), now
				d.Settings[name] = st
			}
		}
	case item == itemData:
		switch d.DataAccess {
		case directory.DataAccessEnabling:
			d.DataAccess = directory.DataAccessEnabled
		case directory.DataAccessDisabling:
			d.DataAccess = directory.DataAccessDisabled
		}
	case item == itemCA:
		switch d.CAEnrollment {
		case string(caInProgress):
			d.CAEnrollment, d.CAChanged = string(caSuccess), now
		case string(caDisabling):
			d.CAEnrollment, d.CAChanged = string(caDisabled), now
		}
	default:
		return fmt.Errorf("%s timer of %s: unknown item %q", deskplane.TimerDSSetting, dirID, item)
	}
	return directory.DSDirectories().Put(tx, sc, dirID, d)
}

// finishUpdates ends the running updates of a type ("" for any).
func finishUpdates(d *directory.DSDirectory, ups *[]directory.DSUpdate, typ string, now time.Time) {
	tab := directory.DSUpdateTable()
	for i := range *ups {
		u := &(*ups)[i]
		row, ok := tab.Ending(u.Status)
		if !ok || (typ != "" && u.Type != typ) {
			continue
		}
		u.Status, u.Updated = row.To, now
		applyUpdate(d, u)
	}
}

// genPayload is the payload of the trust, snapshot and schema extension
// timers: the record's generation when the timer was set.
type genPayload struct {
	Gen int64 `json:"gen"`
}

func payload(gen int64) []byte {
	b, _ := json.Marshal(genPayload{Gen: gen})
	return b
}

func generation(t deskplane.Timer) (int64, error) {
	var p genPayload
	if err := json.Unmarshal(t.Payload, &p); err != nil {
		return 0, fmt.Errorf("%s timer of %s: %w", t.Name, t.Key.ID, err)
	}
	return p.Gen, nil
}
