package ds

import (
	"context"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
)

// Directory settings (DescribeSettings, UpdateSettings), directory updates
// (UpdateDirectorySetup, DescribeUpdateDirectory) and Directory Service
// Data access (decisions 0212, 0213).

const (
	settingUpdating = dsapi.DirectoryConfigurationStatusUpdating
	settingUpdated  = dsapi.DirectoryConfigurationStatusUpdated
	settingDefault  = dsapi.DirectoryConfigurationStatusDefault

	caInProgress = dsapi.CaEnrollmentPolicyStatusInProgress
	caSuccess    = dsapi.CaEnrollmentPolicyStatusSuccess
	caDisabling  = dsapi.CaEnrollmentPolicyStatusDisabling
	caDisabled   = dsapi.CaEnrollmentPolicyStatusDisabled
)

func (s *Service) DescribeSettings(ctx context.Context, in *dsapi.DescribeSettingsRequest) (*dsapi.DescribeSettingsResult, error) {
	id := deref(in.DirectoryId)
	var all []dsapi.SettingEntry
	err := s.read(ctx, "DescribeSettings", id, func(_ deskplane.Tx, d *directory.DSDirectory) error {
		if err := msOnly(d, "DescribeSettings"); err != nil {
			return err
		}
		all = all[:0]
		for _, def := range directory.DSSettingCatalogue() {
			e := dsapi.SettingEntry{Type: ptr(def.Type), Name: ptr(def.Name), AllowedValues: ptr(def.AllowedJSON()),
				AppliedValue: ptr(def.Default), RequestStatus: settingDefault, DataType: ptr(def.DataType)}
			if st, ok := d.Settings[def.Name]; ok {
				e.AppliedValue, e.RequestedValue = ptr(st.Applied), ptr(st.Requested)
				e.RequestStatus = dsapi.DirectoryConfigurationStatus(st.Status)
				e.LastRequestedDateTime = smithy.NewTimestamp(st.RequestedAt)
				if !st.Updated.IsZero() {
					e.LastUpdatedDateTime = smithy.NewTimestamp(st.Updated)
				}
				e.RequestDetailedStatus = map[string]dsapi.DirectoryConfigurationStatus{env.Scope(ctx).Region: e.RequestStatus}
			}
			if in.Status == "" || in.Status == e.RequestStatus {
				all = append(all, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(ctx, "ds-settings", all, in.NextToken, nil)
	if err != nil {
		return nil, err
	}
	return &dsapi.DescribeSettingsResult{DirectoryId: &id, SettingEntries: page, NextToken: next}, nil
}

func (s *Service) UpdateSettings(ctx context.Context, in *dsapi.UpdateSettingsRequest) (*dsapi.UpdateSettingsResult, error) {
	id := deref(in.DirectoryId)
	cat := directory.DSSettingCatalogue()
	seen := map[string]bool{}
	for _, st := range in.Settings {
		name, v := deref(st.Name), deref(st.Value)
		i := slices.IndexFunc(cat, func(d directory.DSSettingDef) bool { return d.Name == name })
		if i < 0 {
			return nil, deskplane.Errorf(deskplane.CodeUnsupportedConfiguration, "The setting %s is not a setting of AWS Managed Microsoft AD directories.", name)
		}
		if !slices.Contains(cat[i].Allowed, v) {
			return nil, invalid("The value %s is not allowed for the setting %s; allowed values: %s.", v, name, strings.Join(cat[i].Allowed, ", "))
		}
		if seen[name] {
			return nil, refuse(deskplane.CodeInvalidParameter, directory.ReasonIncompatibleSettings, "The setting %s is given more than once.", name)
		}
		seen[name] = true
	}
	sc, now := env.Scope(ctx), s.Now()
	err := s.change(ctx, id, "UpdateSettings", ms, func(tx deskplane.Tx, d *directory.DSDirectory) error {
		if d.Settings == nil {
			d.Settings = map[string]directory.DSSetting{}
		}
		for _, st := range in.Settings {
			name := deref(st.Name)
			cur, ok := d.Settings[name]
			if !ok {
				cur.Applied = cat[slices.IndexFunc(cat, func(d directory.DSSettingDef) bool { return d.Name == name })].Default
			}
			cur.Requested, cur.Status, cur.RequestedAt = deref(st.Value), string(settingUpdating), now
			d.Settings[name] = cur
		}
		return s.scheduleSetting(tx, sc, d.ID, itemSettings, now, deskplane.TDSSetting)
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.UpdateSettingsResult{DirectoryId: &id}, nil
}

// ---- updates -----------------------------------------------------------------

// applyUpdate makes a finished update's new value the directory's.
func applyUpdate(d *directory.DSDirectory, u *directory.DSUpdate) {
	switch dsapi.UpdateType(u.Type) {
	case dsapi.UpdateTypeOs:
		d.OSVersion = u.New
	case dsapi.UpdateTypeSize:
		d.Size = u.New
	case dsapi.UpdateTypeNetwork:
		d.NetworkType = u.New
	}
}

func (s *Service) UpdateDirectorySetup(ctx context.Context, in *dsapi.UpdateDirectorySetupRequest) (*dsapi.UpdateDirectorySetupResult, error) {
	sc, now := env.Scope(ctx), s.Now()
	typ := in.UpdateType
	var newValue string
	var types []string
	switch typ {
	case dsapi.UpdateTypeOs:
		if in.OSUpdateSettings == nil || in.OSUpdateSettings.OSVersion == "" {
			return nil, invalid("An OS update needs OSUpdateSettings.OSVersion.")
		}
		newValue, types = string(in.OSUpdateSettings.OSVersion), ms
	case dsapi.UpdateTypeSize:
		if in.DirectorySizeUpdateSettings == nil || in.DirectorySizeUpdateSettings.DirectorySize == "" {
			return nil, invalid("A SIZE update needs DirectorySizeUpdateSettings.DirectorySize.")
		}
		newValue, types = string(in.DirectorySizeUpdateSettings.DirectorySize), []string{typeSimpleAD, typeADConnector}
	case dsapi.UpdateTypeNetwork:
		if in.NetworkUpdateSettings == nil || in.NetworkUpdateSettings.NetworkType == "" {
			return nil, invalid("A NETWORK update needs NetworkUpdateSettings.NetworkType.")
		}
		newValue, types = string(in.NetworkUpdateSettings.NetworkType), []string{typeSimpleAD, typeMicrosoftAD, typeADConnector}
	}
	err := s.change(ctx, deref(in.DirectoryId), "UpdateDirectorySetup "+string(typ), types, func(tx deskplane.Tx, d *directory.DSDirectory) error {
		prev := map[dsapi.UpdateType]string{dsapi.UpdateTypeOs: d.OSVersion, dsapi.UpdateTypeSize: d.Size, dsapi.UpdateTypeNetwork: d.NetworkType}[typ]
		if typ == dsapi.UpdateTypeNetwork && prev == "" {
			prev = string(dsapi.NetworkTypeIPv4)
		}
		if prev == newValue {
			return refuse(deskplane.CodeInvalidState, directory.ReasonInDesiredState, "Directory %s already has %s %s.", d.ID, typ, newValue)
		}
		tab := directory.DSUpdateTable()
		if slices.ContainsFunc(d.Updates, func(u directory.DSUpdate) bool { return u.Type == string(typ) && tab.Transitional(u.Status) }) {
			return deskplane.Errorf(deskplane.CodeInProgress, "An %s update of directory %s is already running.", typ, d.ID)
		}
		row, _ := tab.Row(deskplane.ActionUpdate)
		d.Updates = append(d.Updates, directory.DSUpdate{Type: string(typ), Region: sc.Region, Status: row.Via, Previous: prev, New: newValue, Started: now, Updated: now})
		return s.scheduleSetting(tx, sc, d.ID, itemUpdate+string(typ), now, row.Timing)
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.UpdateDirectorySetupResult{}, nil
}

// updateValue is an UpdateValue of an update of a type.
func updateValue(typ, v string) *dsapi.UpdateValue {
	if typ != string(dsapi.UpdateTypeOs) || v == "" {
		return nil
	}
	return &dsapi.UpdateValue{OSUpdateSettings: &dsapi.OSUpdateSettings{OSVersion: dsapi.OSVersion(v)}}
}

func (s *Service) DescribeUpdateDirectory(ctx context.Context, in *dsapi.DescribeUpdateDirectoryRequest) (*dsapi.DescribeUpdateDirectoryResult, error) {
	var all []dsapi.UpdateInfoEntry
	err := s.read(ctx, "DescribeUpdateDirectory", deref(in.DirectoryId), func(_ deskplane.Tx, d *directory.DSDirectory) error {
		all = all[:0]
		for i := len(d.Updates) - 1; i >= 0; i-- {
			u := d.Updates[i]
			if u.Type != string(in.UpdateType) || (in.RegionName != nil && *in.RegionName != u.Region) {
				continue
			}
			all = append(all, dsapi.UpdateInfoEntry{Region: ptr(u.Region), Status: dsapi.UpdateStatus(u.Status), StatusReason: optional(u.Reason),
				InitiatedBy: ptr(env.Scope(ctx).Account), NewValue: updateValue(u.Type, u.New), PreviousValue: updateValue(u.Type, u.Previous),
				StartTime: smithy.NewTimestamp(u.Started), LastUpdatedDateTime: smithy.NewTimestamp(u.Updated)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(ctx, "ds-updates", all, in.NextToken, nil)
	if err != nil {
		return nil, err
	}
	return &dsapi.DescribeUpdateDirectoryResult{UpdateActivities: page, NextToken: next}, nil
}

// ---- data access -------------------------------------------------------------

// dataAccess is a directory's data access status; never changed means
// Enabled (decision 0241).
func dataAccess(d *directory.DSDirectory) directory.DataAccessStatus {
	if d.DataAccess == "" {
		return directory.DataAccessEnabled
	}
	return d.DataAccess
}

func (s *Service) setDataAccess(ctx context.Context, id string, enable bool) error {
	sc, now := env.Scope(ctx), s.Now()
	op, want, via, running, inProgress := "DisableDirectoryDataAccess", directory.DataAccessDisabled, directory.DataAccessDisabling,
		directory.DataAccessEnabling, directory.ReasonDisableInProgress
	if enable {
		op, want, via, running, inProgress = "EnableDirectoryDataAccess", directory.DataAccessEnabled, directory.DataAccessEnabling,
			directory.DataAccessDisabling, directory.ReasonEnableInProgress
	}
	return s.change(ctx, id, op, ms, func(tx deskplane.Tx, d *directory.DSDirectory) error {
		switch dataAccess(d) {
		case want:
			return refuse(deskplane.CodeInvalidState, directory.ReasonInDesiredState, "Directory Service Data access to directory %s is already %s.", id, want)
		case via:
			return refuse(deskplane.CodeInProgress, inProgress, "Directory Service Data access to directory %s is already %s.", id, via)
		case running:
			return deskplane.Errorf(deskplane.CodeInProgress, "Directory Service Data access to directory %s is %s; wait until it ends.", id, running)
		}
		d.DataAccess = via
		return s.scheduleSetting(tx, sc, id, itemData, now, deskplane.TDSSetting)
	})
}

func (s *Service) EnableDirectoryDataAccess(ctx context.Context, in *dsapi.EnableDirectoryDataAccessRequest) (*dsapi.EnableDirectoryDataAccessResult, error) {
	if err := s.setDataAccess(ctx, deref(in.DirectoryId), true); err != nil {
		return nil, err
	}
	return &dsapi.EnableDirectoryDataAccessResult{}, nil
}

func (s *Service) DisableDirectoryDataAccess(ctx context.Context, in *dsapi.DisableDirectoryDataAccessRequest) (*dsapi.DisableDirectoryDataAccessResult, error) {
	if err := s.setDataAccess(ctx, deref(in.DirectoryId), false); err != nil {
		return nil, err
	}
	return &dsapi.DisableDirectoryDataAccessResult{}, nil
}

func (s *Service) DescribeDirectoryDataAccess(ctx context.Context, in *dsapi.DescribeDirectoryDataAccessRequest) (*dsapi.DescribeDirectoryDataAccessResult, error) {
	out := &dsapi.DescribeDirectoryDataAccessResult{}
	err := s.read(ctx, "DescribeDirectoryDataAccess", deref(in.DirectoryId), func(_ deskplane.Tx, d *directory.DSDirectory) error {
		if err := msOnly(d, "DescribeDirectoryDataAccess"); err != nil {
			return err
		}
		out.DataAccessStatus = dsapi.DataAccessStatus(dataAccess(d))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
