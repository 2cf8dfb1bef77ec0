package ds

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
)

// Conditional forwarders, IP routes, log subscriptions and event topics:
// settings kept on the directory record (decision 0207).

// maxIPRoutes is the number of IP routes a directory may have.
const maxIPRoutes = 100

func forwarderIndex(d *directory.DSDirectory, remote string) int {
	return slices.IndexFunc(d.Forwarders, func(f directory.DSForwarder) bool { return strings.EqualFold(f.RemoteDomain, remote) })
}

func checkDNS(v4, v6 []string) error {
	if len(v4) == 0 && len(v6) == 0 {
		return invalid("DnsIpAddrs or DnsIpv6Addrs must list at least one DNS server address.")
	}
	for _, a := range v4 {
		if ip, err := netip.ParseAddr(a); err != nil || !ip.Is4() {
			return invalid("The DNS server address %s is not an IPv4 address.", a)
		}
	}
	for _, a := range v6 {
		if ip, err := netip.ParseAddr(a); err != nil || !ip.Is6() {
			return invalid("The DNS server address %s is not an IPv6 address.", a)
		}
	}
	return nil
}

func (s *Service) CreateConditionalForwarder(ctx context.Context, in *dsapi.CreateConditionalForwarderRequest) (*dsapi.CreateConditionalForwarderResult, error) {
	if err := checkDNS(in.DnsIpAddrs, in.DnsIpv6Addrs); err != nil {
		return nil, err
	}
	remote := strings.TrimSuffix(deref(in.RemoteDomainName), ".")
	err := s.change(ctx, deref(in.DirectoryId), "CreateConditionalForwarder", ms, func(_ deskplane.Tx, d *directory.DSDirectory) error {
		if forwarderIndex(d, remote) >= 0 {
			return deskplane.Errorf(deskplane.CodeAlreadyExists, "Directory %s already has a conditional forwarder for %s.", d.ID, remote)
		}
		d.Forwarders = append(d.Forwarders, directory.DSForwarder{RemoteDomain: remote, DNSAddrs: slices.Clone(in.DnsIpAddrs), DNSv6Addrs: slices.Clone(in.DnsIpv6Addrs)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.CreateConditionalForwarderResult{}, nil
}

// forwarder finds a conditional forwarder or answers EntityDoesNotExist.
func forwarder(d *directory.DSDirectory, remote string) (int, error) {
	i := forwarderIndex(d, strings.TrimSuffix(remote, "."))
	if i < 0 {
		return 0, deskplane.NotFound(remote, "Directory %s has no conditional forwarder for %s.", d.ID, remote)
	}
	return i, nil
}

func (s *Service) UpdateConditionalForwarder(ctx context.Context, in *dsapi.UpdateConditionalForwarderRequest) (*dsapi.UpdateConditionalForwarderResult, error) {
	if err := checkDNS(in.DnsIpAddrs, in.DnsIpv6Addrs); err != nil {
		return nil, err
	}
	err := s.change(ctx, deref(in.DirectoryId), "UpdateConditionalForwarder", ms, func(_ deskplane.Tx, d *directory.DSDirectory) error {
		i, err := forwarder(d, deref(in.RemoteDomainName))
		if err != nil {
			return err
		}
		d.Forwarders[i].DNSAddrs, d.Forwarders[i].DNSv6Addrs = slices.Clone(in.DnsIpAddrs), slices.Clone(in.DnsIpv6Addrs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.UpdateConditionalForwarderResult{}, nil
}

func (s *Service) DeleteConditionalForwarder(ctx context.Context, in *dsapi.DeleteConditionalForwarderRequest) (*dsapi.DeleteConditionalForwarderResult, error) {
	err := s.change(ctx, deref(in.DirectoryId), "DeleteConditionalForwarder", ms, func(_ deskplane.Tx, d *directory.DSDirectory) error {
		i, err := forwarder(d, deref(in.RemoteDomainName))
		if err != nil {
			return err
		}
		d.Forwarders = slices.Delete(d.Forwarders, i, i+1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.DeleteConditionalForwarderResult{}, nil
}

func (s *Service) DescribeConditionalForwarders(ctx context.Context, in *dsapi.DescribeConditionalForwardersRequest) (*dsapi.DescribeConditionalForwardersResult, error) {
	out := &dsapi.DescribeConditionalForwardersResult{}
	err := s.read(ctx, "DescribeConditionalForwarders", deref(in.DirectoryId), func(_ deskplane.Tx, d *directory.DSDirectory) error {
		if err := msOnly(d, "DescribeConditionalForwarders"); err != nil {
			return err
		}
		if err := active(d); err != nil {
			return err
		}
		out.ConditionalForwarders = []dsapi.ConditionalForwarder{}
		for _, name := range in.RemoteDomainNames {
			if _, err := forwarder(d, name); err != nil {
				return err
			}
		}
		for _, f := range d.Forwarders {
			if len(in.RemoteDomainNames) > 0 && !slices.ContainsFunc(in.RemoteDomainNames, func(n string) bool {
				return strings.EqualFold(strings.TrimSuffix(n, "."), f.RemoteDomain)
			}) {
				continue
			}
			out.ConditionalForwarders = append(out.ConditionalForwarders, dsapi.ConditionalForwarder{RemoteDomainName: ptr(f.RemoteDomain),
				DnsIpAddrs: slices.Clone(f.DNSAddrs), DnsIpv6Addrs: slices.Clone(f.DNSv6Addrs), ReplicationScope: dsapi.ReplicationScopeDomain})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ---- IP routes -------------------------------------------------------------

func (s *Service) AddIpRoutes(ctx context.Context, in *dsapi.AddIpRoutesRequest) (*dsapi.AddIpRoutesResult, error) {
	for _, r := range in.IpRoutes {
		if r.CidrIp == nil && r.CidrIpv6 == nil {
			return nil, invalid("Each IP route needs CidrIp or CidrIpv6.")
		}
		for _, c := range []*string{r.CidrIp, r.CidrIpv6} {
			if c == nil {
				continue
			}
			if _, err := netip.ParsePrefix(*c); err != nil {
				return nil, invalid("%s is not a CIDR block.", *c)
			}
		}
	}
	now := s.Now()
	err := s.change(ctx, deref(in.DirectoryId), "AddIpRoutes", ms, func(_ deskplane.Tx, d *directory.DSDirectory) error {
		for _, r := range in.IpRoutes {
			c, c6 := deref(r.CidrIp), deref(r.CidrIpv6)
			if slices.ContainsFunc(d.IPRoutes, func(x directory.DSIPRoute) bool { return (c != "" && x.CIDR == c) || (c6 != "" && x.CIDRv6 == c6) }) {
				return deskplane.Errorf(deskplane.CodeAlreadyExists, "Directory %s already has the IP route %s.", d.ID, c+c6)
			}
			d.IPRoutes = append(d.IPRoutes, directory.DSIPRoute{CIDR: c, CIDRv6: c6, Description: deref(r.Description), Added: now})
		}
		if len(d.IPRoutes) > maxIPRoutes {
			return refuse(deskplane.CodeLimitExceeded, directory.ReasonIPRouteLimit, "A directory can have at most %d IP routes.", maxIPRoutes)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.AddIpRoutesResult{}, nil
}

func (s *Service) RemoveIpRoutes(ctx context.Context, in *dsapi.RemoveIpRoutesRequest) (*dsapi.RemoveIpRoutesResult, error) {
	if len(in.CidrIps) == 0 && len(in.CidrIpv6s) == 0 {
		return nil, invalid("CidrIps or CidrIpv6s must list at least one IP route.")
	}
	err := s.change(ctx, deref(in.DirectoryId), "RemoveIpRoutes", ms, func(_ deskplane.Tx, d *directory.DSDirectory) error {
		for _, c := range slices.Concat(in.CidrIps, in.CidrIpv6s) {
			i := slices.IndexFunc(d.IPRoutes, func(x directory.DSIPRoute) bool { return x.CIDR == c || x.CIDRv6 == c })
			if i < 0 {
				return deskplane.NotFound(c, "Directory %s has no IP route %s.", d.ID, c)
			}
			d.IPRoutes = slices.Delete(d.IPRoutes, i, i+1)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.RemoveIpRoutesResult{}, nil
}

func (s *Service) ListIpRoutes(ctx context.Context, in *dsapi.ListIpRoutesRequest) (*dsapi.ListIpRoutesResult, error) {
	var all []dsapi.IpRouteInfo
	err := s.read(ctx, "ListIpRoutes", deref(in.DirectoryId), func(_ deskplane.Tx, d *directory.DSDirectory) error {
		if err := msOnly(d, "ListIpRoutes"); err != nil {
			return err
		}
		all = all[:0]
		for _, r := range d.IPRoutes {
			all = append(all, dsapi.IpRouteInfo{DirectoryId: ptr(d.ID), CidrIp: optional(r.CIDR), CidrIpv6: optional(r.CIDRv6),
				IpRouteStatusMsg: dsapi.IpRouteStatusMsgAdded, AddedDateTime: smithy.NewTimestamp(r.Added), Description: optional(r.Description)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(ctx, "ds-iproutes", all, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &dsapi.ListIpRoutesResult{IpRoutesInfo: page, NextToken: next}, nil
}

// ---- log subscriptions ------------------------------------------------------

func (s *Service) CreateLogSubscription(ctx context.Context, in *dsapi.CreateLogSubscriptionRequest) (*dsapi.CreateLogSubscriptionResult, error) {
	now := s.Now()
	err := s.change(ctx, deref(in.DirectoryId), "CreateLogSubscription", ms, func(_ deskplane.Tx, d *directory.DSDirectory) error {
		if d.LogSub != nil {
			return deskplane.Errorf(deskplane.CodeAlreadyExists, "Directory %s already has a log subscription (log group %s); a directory has at most one.", d.ID, d.LogSub.LogGroup)
		}
		d.LogSub = &directory.DSLogSubscription{LogGroup: deref(in.LogGroupName), Created: now}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.CreateLogSubscriptionResult{}, nil
}

func (s *Service) DeleteLogSubscription(ctx context.Context, in *dsapi.DeleteLogSubscriptionRequest) (*dsapi.DeleteLogSubscriptionResult, error) {
	err := s.change(ctx, deref(in.DirectoryId), "DeleteLogSubscription", ms, func(_ deskplane.Tx, d *directory.DSDirectory) error {
		if d.LogSub == nil {
			return deskplane.NotFound(d.ID, "Directory %s has no log subscription.", d.ID)
		}
		d.LogSub = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.DeleteLogSubscriptionResult{}, nil
}

func (s *Service) ListLogSubscriptions(ctx context.Context, in *dsapi.ListLogSubscriptionsRequest) (*dsapi.ListLogSubscriptionsResult, error) {
	sc, dirID := env.Scope(ctx), deref(in.DirectoryId)
	var all []dsapi.LogSubscription
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		all = all[:0]
		if dirID != "" {
			if _, err := load(tx, sc, dirID); err != nil {
				return err
			}
		}
		return directory.DSDirectories().Each(tx, sc, 0, func(_ int64, d *directory.DSDirectory) (bool, error) {
			if d.LogSub != nil && (dirID == "" || d.ID == dirID) {
				all = append(all, dsapi.LogSubscription{DirectoryId: ptr(d.ID), LogGroupName: ptr(d.LogSub.LogGroup),
					SubscriptionCreatedDateTime: smithy.NewTimestamp(d.LogSub.Created)})
			}
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(ctx, "ds-logsubs", all, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &dsapi.ListLogSubscriptionsResult{LogSubscriptions: page, NextToken: next}, nil
}

// ---- event topics ---------------------------------------------------------------

func (s *Service) RegisterEventTopic(ctx context.Context, in *dsapi.RegisterEventTopicRequest) (*dsapi.RegisterEventTopicResult, error) {
	name, now := deref(in.TopicName), s.Now()
	err := s.change(ctx, deref(in.DirectoryId), "RegisterEventTopic", allTypes, func(_ deskplane.Tx, d *directory.DSDirectory) error {
		if !slices.ContainsFunc(d.Topics, func(t directory.DSEventTopic) bool { return t.Name == name }) {
			d.Topics = append(d.Topics, directory.DSEventTopic{Name: name, Created: now})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.RegisterEventTopicResult{}, nil
}

func (s *Service) DeregisterEventTopic(ctx context.Context, in *dsapi.DeregisterEventTopicRequest) (*dsapi.DeregisterEventTopicResult, error) {
	name := deref(in.TopicName)
	err := s.change(ctx, deref(in.DirectoryId), "DeregisterEventTopic", allTypes, func(_ deskplane.Tx, d *directory.DSDirectory) error {
		i := slices.IndexFunc(d.Topics, func(t directory.DSEventTopic) bool { return t.Name == name })
		if i < 0 {
			return deskplane.NotFound(name, "The topic %s is not registered with directory %s.", name, d.ID)
		}
		d.Topics = slices.Delete(d.Topics, i, i+1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.DeregisterEventTopicResult{}, nil
}

func (s *Service) DescribeEventTopics(ctx context.Context, in *dsapi.DescribeEventTopicsRequest) (*dsapi.DescribeEventTopicsResult, error) {
	sc, dirID := env.Scope(ctx), deref(in.DirectoryId)
	out := &dsapi.DescribeEventTopicsResult{}
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		out.EventTopics = []dsapi.EventTopic{}
		if dirID != "" {
			if _, err := load(tx, sc, dirID); err != nil {
				return err
			}
		}
		return directory.DSDirectories().Each(tx, sc, 0, func(_ int64, d *directory.DSDirectory) (bool, error) {
			if dirID != "" && d.ID != dirID {
				return true, nil
			}
			for _, t := range d.Topics {
				if len(in.TopicNames) == 0 || slices.Contains(in.TopicNames, t.Name) {
					out.EventTopics = append(out.EventTopics, dsapi.EventTopic{DirectoryId: ptr(d.ID), TopicName: ptr(t.Name),
						TopicArn:        ptr("arn:aws:sns:" + sc.Region + ":" + sc.Account + ":" + t.Name),
						CreatedDateTime: smithy.NewTimestamp(t.Created), Status: dsapi.TopicStatusRegistered})
				}
			}
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
