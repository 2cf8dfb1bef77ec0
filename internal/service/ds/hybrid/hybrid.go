// Package hybrid is the Hybrid AD half of the Directory Service family
// (internal/service/ds): AD assessments of self-managed domains, Hybrid AD
// directories made from them, and computer accounts — 8 operations of
// dsapi.Service, composed beside the ds family by internal/service.
// Decision: docs/decisions/0217-hybrid-ad-and-computers.md.
//
// A Hybrid AD directory is a directory.DSDirectory of type MicrosoftAD
// with self-managed hosts (HybridHosts); its stages are the ds family's
// (this package starts them with deskplane.TimerDSDirectoryStage) and its
// update activities end with the ds family's settings timer (item
// directory.DSItemHybrid).
package hybrid

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
)

// Service serves the Hybrid AD operations of Directory Service.
type Service struct {
	env.Env
}

// New returns the service on e.
func New(e env.Env) *Service { return &Service{Env: e} }

// Timers returns the package's lifecycle timer handlers by timer name.
func (s *Service) Timers() map[string]lifecycle.Handler {
	return map[string]lifecycle.Handler{deskplane.TimerDSAssessment: s.onAssessment}
}

// Assessment statuses (model Assessment.Status documents them; the model
// has no enum).
const (
	statusInProgress = "IN_PROGRESS"
	statusSuccess    = "SUCCESS"
	statusFailed     = "FAILED"
	reportCustomer   = "CUSTOMER"
)

// maxAssessments is how many assessments an account keeps per Region
// (ADAssessmentLimitExceededException beyond; decision 0217).
const maxAssessments = 100

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

func refuse(code deskplane.Code, reason, format string, args ...any) error {
	return &deskplane.Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

func directoryNotFound(id string) error {
	return refuse(deskplane.CodeNotFound, directory.ReasonDirectoryNotFound, "Directory %s does not exist.", id)
}

// hybridDirectory loads a Hybrid AD directory of the caller.
func hybridDirectory(tx deskplane.Tx, sc deskplane.Scope, id, what string) (*directory.DSDirectory, error) {
	d, ok, err := directory.DSDirectories().Get(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, directoryNotFound(id)
	}
	if len(d.HybridHosts) == 0 {
		return nil, deskplane.Errorf(deskplane.CodeNotSupported, "%s is supported for Hybrid AD directories only; %s is not one.", what, id)
	}
	return d, nil
}

func pageOf[T any](ctx context.Context, purpose string, items []T, token *string, limit *int32) ([]T, *string, error) {
	after, err := paging.Parse(ctx, purpose, token)
	if err != nil {
		return nil, nil, &deskplane.Error{Code: deskplane.CodeInvalidNextToken, Message: "The NextToken value is not valid."}
	}
	size := 100
	if limit != nil && *limit > 0 {
		size = int(*limit)
	}
	var p paging.Page[T]
	for i := int(after); i < len(items); i++ {
		if !p.Add(size, int64(i+1), items[i]) {
			break
		}
	}
	return p.Items(), p.Next(ctx, purpose), nil
}

// ---- assessments ---------------------------------------------------------------

func (s *Service) StartADAssessment(ctx context.Context, in *dsapi.StartADAssessmentRequest) (*dsapi.StartADAssessmentResult, error) {
	sc, dirID, now := env.Scope(ctx), deref(in.DirectoryId), s.Now()
	id := deskplane.NewHexID("da-", 18)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		n, err := directory.DSAssessments().Count(tx, sc)
		if err != nil {
			return err
		}
		if n >= maxAssessments {
			return refuse(deskplane.CodeLimitExceeded, directory.ReasonAssessmentLimit, "You have %d AD assessments in this Region, the limit; delete one first.", n)
		}
		a := &directory.DSAssessment{ID: id, Status: statusInProgress, ReportType: reportCustomer, Started: now, Updated: now}
		if dirID != "" {
			d, err := hybridDirectory(tx, sc, dirID, "StartADAssessment")
			if err != nil {
				return err
			}
			a.DirectoryID, a.DNSName, a.CustomerDNS, a.InstanceIDs = d.ID, d.Name, slices.Clone(d.HybridDNS), slices.Clone(d.HybridHosts)
			a.VpcID, a.SubnetIDs = d.VpcID, slices.Clone(d.SubnetIDs)
		} else {
			c := in.AssessmentConfiguration
			if c == nil || c.VpcSettings == nil || len(c.CustomerDnsIps) == 0 || len(c.InstanceIds) == 0 || deref(c.DnsName) == "" {
				return deskplane.Errorf(deskplane.CodeInvalidParameter, "AssessmentConfiguration must give DnsName, CustomerDnsIps, VpcSettings and InstanceIds when no DirectoryId is given.")
			}
			a.DNSName, a.CustomerDNS, a.InstanceIDs = deref(c.DnsName), slices.Clone(c.CustomerDnsIps), slices.Clone(c.InstanceIds)
			a.VpcID, a.SubnetIDs, a.SecurityGrps = deref(c.VpcSettings.VpcId), slices.Clone(c.VpcSettings.SubnetIds), slices.Clone(c.SecurityGroupIds)
		}
		if err := directory.DSAssessments().Put(tx, sc, id, a); err != nil {
			return err
		}
		return tx.Schedule(deskplane.Timer{Key: directory.DSAssessments().Key(sc, id), Name: deskplane.TimerDSAssessment, Due: s.After(now, deskplane.TDSSetting)})
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.StartADAssessmentResult{AssessmentId: &id}, nil
}

// onAssessment ends an assessment: SUCCESS, or FAILED with an injected
// fault of kind dsassessment.
func (s *Service) onAssessment(_ context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	sc := t.Key.Scope
	a, ok, err := directory.DSAssessments().Get(tx, sc, t.Key.ID)
	if err != nil || !ok || a.Status != statusInProgress {
		return err
	}
	a.Status, a.Updated = statusSuccess, t.Due
	f, hit, err := deskplane.TakeTransitionFault(tx, deskplane.KindDSAssessment, sc, a.ID)
	if err != nil {
		return err
	}
	if hit {
		a.Status = statusFailed
		if f.State != "" {
			a.Status = f.State
		}
	}
	return directory.DSAssessments().Put(tx, sc, a.ID, a)
}

func assessment(tx deskplane.Tx, sc deskplane.Scope, id string) (*directory.DSAssessment, error) {
	a, ok, err := directory.DSAssessments().Get(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, deskplane.NotFound(id, "AD assessment %s does not exist.", id)
	}
	return a, nil
}

func (s *Service) DescribeADAssessment(ctx context.Context, in *dsapi.DescribeADAssessmentRequest) (*dsapi.DescribeADAssessmentResult, error) {
	sc := env.Scope(ctx)
	out := &dsapi.DescribeADAssessmentResult{}
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		a, err := assessment(tx, sc, deref(in.AssessmentId))
		if err != nil {
			return err
		}
		out.Assessment = &dsapi.Assessment{AssessmentId: ptr(a.ID), DnsName: ptr(a.DNSName), StartTime: smithy.NewTimestamp(a.Started),
			LastUpdateDateTime: smithy.NewTimestamp(a.Updated), Status: ptr(a.Status), CustomerDnsIps: slices.Clone(a.CustomerDNS),
			VpcId: ptr(a.VpcID), SubnetIds: slices.Clone(a.SubnetIDs), SecurityGroupIds: slices.Clone(a.SecurityGrps),
			SelfManagedInstanceIds: slices.Clone(a.InstanceIDs), ReportType: ptr(a.ReportType), Version: ptr("1.0")}
		if a.DirectoryID != "" {
			out.Assessment.DirectoryId = ptr(a.DirectoryID)
		}
		out.AssessmentReports = []dsapi.AssessmentReport{}
		for _, ip := range a.CustomerDNS {
			r := dsapi.AssessmentReport{DomainControllerIp: ptr(ip)}
			for _, v := range [][2]string{{"Network", "DNS resolution"}, {"Network", "Connectivity"}, {"Active Directory", "Domain functional level"}} {
				r.Validations = append(r.Validations, dsapi.AssessmentValidation{Category: ptr(v[0]), Name: ptr(v[1]), Status: ptr(a.Status),
					StartTime: smithy.NewTimestamp(a.Started), LastUpdateDateTime: smithy.NewTimestamp(a.Updated)})
			}
			out.AssessmentReports = append(out.AssessmentReports, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) ListADAssessments(ctx context.Context, in *dsapi.ListADAssessmentsRequest) (*dsapi.ListADAssessmentsResult, error) {
	sc, dirID := env.Scope(ctx), deref(in.DirectoryId)
	var all []dsapi.AssessmentSummary
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		if dirID != "" {
			if _, ok, err := directory.DSDirectories().Get(tx, sc, dirID); err != nil {
				return err
			} else if !ok {
				return directoryNotFound(dirID)
			}
		}
		all = all[:0]
		return directory.DSAssessments().Each(tx, sc, 0, func(_ int64, a *directory.DSAssessment) (bool, error) {
			if dirID == "" || a.DirectoryID == dirID {
				sum := dsapi.AssessmentSummary{AssessmentId: ptr(a.ID), DnsName: ptr(a.DNSName), StartTime: smithy.NewTimestamp(a.Started),
					LastUpdateDateTime: smithy.NewTimestamp(a.Updated), Status: ptr(a.Status), CustomerDnsIps: slices.Clone(a.CustomerDNS), ReportType: ptr(a.ReportType)}
				if a.DirectoryID != "" {
					sum.DirectoryId = ptr(a.DirectoryID)
				}
				all = append(all, sum)
			}
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(ctx, "ds-assessments", all, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &dsapi.ListADAssessmentsResult{Assessments: page, NextToken: next}, nil
}

func (s *Service) DeleteADAssessment(ctx context.Context, in *dsapi.DeleteADAssessmentRequest) (*dsapi.DeleteADAssessmentResult, error) {
	sc, id := env.Scope(ctx), deref(in.AssessmentId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		a, err := assessment(tx, sc, id)
		if err != nil {
			return err
		}
		if a.Status == statusInProgress {
			return deskplane.Errorf(deskplane.CodeInvalidState, "AD assessment %s is still %s; delete it when it has ended.", id, a.Status)
		}
		if a.DirectoryID != "" {
			if _, ok, err := directory.DSDirectories().Get(tx, sc, a.DirectoryID); err != nil {
				return err
			} else if ok {
				return deskplane.Errorf(deskplane.CodeInvalidState, "AD assessment %s belongs to directory %s; it is deleted with the directory.", id, a.DirectoryID)
			}
		}
		_, err = directory.DSAssessments().Delete(tx, sc, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.DeleteADAssessmentResult{AssessmentId: &id}, nil
}

// ---- Hybrid AD directories -------------------------------------------------------

func (s *Service) CreateHybridAD(ctx context.Context, in *dsapi.CreateHybridADRequest) (*dsapi.CreateHybridADResult, error) {
	for _, t := range in.Tags {
		if strings.HasPrefix(strings.ToLower(deref(t.Key)), "aws:") {
			return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "Tag keys that begin with aws: are reserved for AWS use: %s.", deref(t.Key))
		}
	}
	sc, now := env.Scope(ctx), s.Now()
	id := deskplane.NewHexID("d-", 10)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		a, err := assessment(tx, sc, deref(in.AssessmentId))
		if err != nil {
			return err
		}
		if a.Status != statusSuccess {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "AD assessment %s is %s; a Hybrid AD directory needs a successful assessment.", a.ID, a.Status)
		}
		if a.DirectoryID != "" {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "AD assessment %s belongs to directory %s; start an assessment for the new directory.", a.ID, a.DirectoryID)
		}
		n := 0
		err = directory.DSDirectories().Each(tx, sc, 0, func(_ int64, d *directory.DSDirectory) (bool, error) {
			if d.Type == string(dsapi.DirectoryTypeMicrosoftAd) && d.Owner == nil && d.PrimaryRegion == "" {
				n++
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		if n >= s.Quotas.DSMicrosoftAD {
			return deskplane.Errorf(deskplane.CodeLimitExceeded, "You have reached the limit of %d AWS Managed Microsoft AD directories in this Region for this account.", s.Quotas.DSMicrosoftAD)
		}
		short, _, _ := strings.Cut(a.DNSName, ".")
		d := &directory.DSDirectory{ID: id, Name: a.DNSName, ShortName: strings.ToUpper(short), Type: string(dsapi.DirectoryTypeMicrosoftAd),
			Edition: string(dsapi.DirectoryEditionEnterprise), Alias: id, AccessURL: id + ".awsapps.com", Stage: deskplane.DSDirectoryRequested,
			VpcID: a.VpcID, SubnetIDs: slices.Clone(a.SubnetIDs), SecurityGroupID: deskplane.NewHexID("sg-", 17), DNSAddrs: slices.Clone(a.CustomerDNS),
			Launched: now, StageChanged: now, AdminUser: "Admin", Generation: 1, DesiredDCs: 2, OSVersion: string(dsapi.OSVersionVersion2019),
			HybridDNS: slices.Clone(a.CustomerDNS), HybridHosts: slices.Clone(a.InstanceIDs)}
		for i := range d.SubnetIDs {
			d.AZs = append(d.AZs, sc.Region+string(rune('a'+i%6)))
		}
		for _, t := range in.Tags {
			d.Tags = append(d.Tags, directory.DSTag{Key: deref(t.Key), Value: deref(t.Value)})
		}
		if err := directory.SeedDirectoryPrincipals(tx, sc, d, now); err != nil {
			return err
		}
		if err := directory.DSDirectories().Put(tx, sc, id, d); err != nil {
			return err
		}
		a.DirectoryID = id
		if err := directory.DSAssessments().Put(tx, sc, a.ID, a); err != nil {
			return err
		}
		p, _ := json.Marshal(map[string]int64{"gen": d.Generation})
		return tx.Schedule(deskplane.Timer{Key: directory.DSDirectories().Key(sc, id), Name: deskplane.TimerDSDirectoryStage,
			Due: s.After(now, deskplane.TDirectoryCreate), Payload: p})
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.CreateHybridADResult{DirectoryId: &id}, nil
}

func (s *Service) UpdateHybridAD(ctx context.Context, in *dsapi.UpdateHybridADRequest) (*dsapi.UpdateHybridADResult, error) {
	if in.HybridAdministratorAccountUpdate == nil && in.SelfManagedInstancesSettings == nil {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "Give HybridAdministratorAccountUpdate or SelfManagedInstancesSettings.")
	}
	sc, dirID, now := env.Scope(ctx), deref(in.DirectoryId), s.Now()
	assessmentID := deskplane.NewHexID("da-", 18)
	var out *dsapi.UpdateHybridADResult
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		out = &dsapi.UpdateHybridADResult{DirectoryId: &dirID}
		d, err := hybridDirectory(tx, sc, dirID, "UpdateHybridAD")
		if err != nil {
			return err
		}
		if d.Stage != deskplane.DSDirectoryActive {
			return deskplane.Errorf(deskplane.CodeInvalidState, "Directory %s is %s; a Hybrid AD directory is updated when Active.", dirID, d.Stage)
		}
		row, _ := directory.DSUpdateTable().Row(deskplane.ActionUpdate)
		if u := in.HybridAdministratorAccountUpdate; u != nil {
			d.HybridUpdates = append(d.HybridUpdates, directory.DSUpdate{Type: string(dsapi.HybridUpdateTypeHybridAdministratorAccount),
				Region: sc.Region, Status: row.Via, Started: now, Updated: now})
		}
		if u := in.SelfManagedInstancesSettings; u != nil {
			prev := hostsValue(d.HybridDNS, d.HybridHosts)
			d.HybridDNS, d.HybridHosts = slices.Clone(u.CustomerDnsIps), slices.Clone(u.InstanceIds)
			d.HybridUpdates = append(d.HybridUpdates, directory.DSUpdate{Type: string(dsapi.HybridUpdateTypeSelfManagedInstances),
				Region: sc.Region, Status: row.Via, Previous: prev, New: hostsValue(d.HybridDNS, d.HybridHosts), Started: now, Updated: now,
				Reason: assessmentID})
			a := &directory.DSAssessment{ID: assessmentID, DirectoryID: dirID, DNSName: d.Name, CustomerDNS: slices.Clone(d.HybridDNS),
				InstanceIDs: slices.Clone(d.HybridHosts), VpcID: d.VpcID, SubnetIDs: slices.Clone(d.SubnetIDs), Status: statusSuccess,
				ReportType: reportCustomer, Started: now, Updated: now}
			if err := directory.DSAssessments().Put(tx, sc, assessmentID, a); err != nil {
				return err
			}
			out.AssessmentId = &assessmentID
		}
		if err := directory.DSDirectories().Put(tx, sc, dirID, d); err != nil {
			return err
		}
		return tx.Schedule(deskplane.Timer{Key: deskplane.Key{Scope: sc, Kind: deskplane.KindDSDirectory, ID: dirID + "#" + directory.DSItemHybrid},
			Name: deskplane.TimerDSSetting, Due: s.After(now, row.Timing)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// hostsValue keeps a HybridUpdateValue in an update record: DNS addresses
// and instance ids, comma-separated, joined by a semicolon.
func hostsValue(dns, hosts []string) string {
	return strings.Join(dns, ",") + ";" + strings.Join(hosts, ",")
}

func wireHosts(v string) *dsapi.HybridUpdateValue {
	if v == "" {
		return nil
	}
	dns, hosts, _ := strings.Cut(v, ";")
	split := func(s string) []string {
		if s == "" {
			return []string{}
		}
		return strings.Split(s, ",")
	}
	return &dsapi.HybridUpdateValue{DnsIps: split(dns), InstanceIds: split(hosts)}
}

func (s *Service) DescribeHybridADUpdate(ctx context.Context, in *dsapi.DescribeHybridADUpdateRequest) (*dsapi.DescribeHybridADUpdateResult, error) {
	sc := env.Scope(ctx)
	var all []directory.DSUpdate
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		d, err := hybridDirectory(tx, sc, deref(in.DirectoryId), "DescribeHybridADUpdate")
		if err != nil {
			return err
		}
		all = all[:0]
		for i := len(d.HybridUpdates) - 1; i >= 0; i-- {
			if u := d.HybridUpdates[i]; in.UpdateType == "" || u.Type == string(in.UpdateType) {
				all = append(all, u)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(ctx, "ds-hybrid-updates", all, in.NextToken, nil)
	if err != nil {
		return nil, err
	}
	acts := &dsapi.HybridUpdateActivities{SelfManagedInstances: []dsapi.HybridUpdateInfoEntry{}, HybridAdministratorAccount: []dsapi.HybridUpdateInfoEntry{}}
	for _, u := range page {
		e := dsapi.HybridUpdateInfoEntry{Status: dsapi.UpdateStatus(u.Status), InitiatedBy: ptr(sc.Account), StartTime: smithy.NewTimestamp(u.Started),
			LastUpdatedDateTime: smithy.NewTimestamp(u.Updated), NewValue: wireHosts(u.New), PreviousValue: wireHosts(u.Previous)}
		if u.Type == string(dsapi.HybridUpdateTypeSelfManagedInstances) {
			e.AssessmentId = ptr(u.Reason)
			acts.SelfManagedInstances = append(acts.SelfManagedInstances, e)
		} else {
			acts.HybridAdministratorAccount = append(acts.HybridAdministratorAccount, e)
		}
	}
	return &dsapi.DescribeHybridADUpdateResult{UpdateActivities: acts, NextToken: next}, nil
}
