package ec2

import (
	"context"
	"slices"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/ec2net"
	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Route table associations and DescribeRouteTables.

// findAssociation returns the route table holding the association id and
// the association's index in it.
func findAssociation(tx deskplane.Tx, sc deskplane.Scope, id string) (*ec2net.RouteTable, int, error) {
	var rt *ec2net.RouteTable
	at := -1
	err := ec2net.RouteTables().Each(tx, sc, 0, func(_ int64, r *ec2net.RouteTable) (bool, error) {
		if i := slices.IndexFunc(r.Associations, func(a ec2net.RouteTableAssoc) bool { return a.ID == id }); i >= 0 {
			rt, at = r, i
		}
		return rt == nil, nil
	})
	if err == nil && rt == nil {
		err = associationNotFound(id)
	}
	return rt, at, err
}

func associated() *ec2api.RouteTableAssociationState {
	return &ec2api.RouteTableAssociationState{State: ec2api.RouteTableAssociationStateCodeAssociated}
}

func (s *Service) AssociateRouteTable(ctx context.Context, in *ec2api.AssociateRouteTableRequest) (*ec2api.AssociateRouteTableResult, error) {
	sc, id, subnet, gw := env.Scope(ctx), value(in.RouteTableId), value(in.SubnetId), value(in.GatewayId)
	switch {
	case subnet == "" && gw == "":
		return nil, missing("subnetId")
	case subnet != "" && gw != "":
		return nil, ec2Error(deskplane.CodeInvalidParameter, ec2net.ReasonEC2ParameterCombination, "Only one of subnetId or gatewayId may be specified.")
	}
	a := ec2net.RouteTableAssoc{ID: deskplane.NewHexID("rtbassoc-", 17), Subnet: subnet, Gateway: gw}
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		rt, err := loadRouteTable(tx, sc, id)
		if err != nil {
			return err
		}
		if subnet != "" {
			n, err := loadSubnet(tx, sc, subnet)
			if err != nil {
				return err
			}
			if n.VPC != rt.VPC {
				return invalid("Route table %s and subnet %s belong to different networks", id, subnet)
			}
		} else {
			g, err := loadGateway(tx, sc, gw)
			if err != nil {
				return err
			}
			if g.VPC != rt.VPC {
				return invalid("Route table %s and gateway %s belong to different networks", id, gw)
			}
		}
		taken := false
		err = ec2net.RouteTables().Each(tx, sc, 0, func(_ int64, o *ec2net.RouteTable) (bool, error) {
			taken = slices.ContainsFunc(o.Associations, func(x ec2net.RouteTableAssoc) bool {
				return subnet != "" && x.Subnet == subnet || gw != "" && x.Gateway == gw
			})
			return !taken, nil
		})
		if err != nil {
			return err
		}
		if taken {
			return ec2Error(deskplane.CodeInvalidState, ec2net.ReasonEC2AlreadyAssociated,
				"the specified association for route table %s conflicts with an existing association", id)
		}
		rt.Associations = append(rt.Associations, a)
		return ec2net.RouteTables().Put(tx, sc, id, rt)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.AssociateRouteTableResult{AssociationId: new(a.ID), AssociationState: associated()}, nil
}

func (s *Service) DisassociateRouteTable(ctx context.Context, in *ec2api.DisassociateRouteTableRequest) (*ec2api.DisassociateRouteTableOutput, error) {
	sc, id := env.Scope(ctx), value(in.AssociationId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		rt, i, err := findAssociation(tx, sc, id)
		if err != nil {
			return err
		}
		if rt.Associations[i].Main {
			return invalid("cannot disassociate the main route table association %s", id)
		}
		rt.Associations = slices.Delete(rt.Associations, i, i+1)
		return ec2net.RouteTables().Put(tx, sc, rt.ID, rt)
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DisassociateRouteTableOutput{}, nil
}

// ReplaceRouteTableAssociation moves an association (a subnet's, a
// gateway's or the VPC's main one) to another table of the VPC, under a
// new association id.
func (s *Service) ReplaceRouteTableAssociation(ctx context.Context, in *ec2api.ReplaceRouteTableAssociationRequest) (*ec2api.ReplaceRouteTableAssociationResult, error) {
	sc, id, to := env.Scope(ctx), value(in.AssociationId), value(in.RouteTableId)
	newID := deskplane.NewHexID("rtbassoc-", 17)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		from, i, err := findAssociation(tx, sc, id)
		if err != nil {
			return err
		}
		target, err := loadRouteTable(tx, sc, to)
		if err != nil {
			return err
		}
		if target.VPC != from.VPC {
			return invalid("Route table %s and association %s belong to different networks", to, id)
		}
		a := from.Associations[i]
		from.Associations = slices.Delete(from.Associations, i, i+1)
		if err := ec2net.RouteTables().Put(tx, sc, from.ID, from); err != nil {
			return err
		}
		if target.ID == from.ID {
			target = from
		}
		a.ID = newID
		target.Associations = append(target.Associations, a)
		if err := ec2net.RouteTables().Put(tx, sc, target.ID, target); err != nil {
			return err
		}
		if !a.Main {
			return nil
		}
		return ec2net.VPCs().Modify(tx, sc, target.VPC, func() error { return vpcNotFound(target.VPC) }, func(v *ec2net.VPC) error {
			v.MainRouteTable = target.ID
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ReplaceRouteTableAssociationResult{NewAssociationId: new(newID), AssociationState: associated()}, nil
}

func routeTableFilters(sc deskplane.Scope) filterSet[ec2net.RouteTable] {
	assocs := func(f func(ec2net.RouteTableAssoc) []string) func(*ec2net.RouteTable) []string {
		return func(r *ec2net.RouteTable) []string {
			var out []string
			for _, a := range r.Associations {
				out = append(out, f(a)...)
			}
			return out
		}
	}
	routes := func(f func(ec2net.Route) string) func(*ec2net.RouteTable) []string {
		return func(r *ec2net.RouteTable) []string {
			var out []string
			for _, x := range r.Routes {
				if v := f(x); v != "" {
					out = append(out, v)
				}
			}
			return out
		}
	}
	return filterSet[ec2net.RouteTable]{
		"route-table-id":                         func(r *ec2net.RouteTable) []string { return one(r.ID) },
		"vpc-id":                                 func(r *ec2net.RouteTable) []string { return one(r.VPC) },
		"owner-id":                               func(*ec2net.RouteTable) []string { return one(sc.Account) },
		"association.main":                       assocs(func(a ec2net.RouteTableAssoc) []string { return boolean(a.Main) }),
		"association.route-table-association-id": assocs(func(a ec2net.RouteTableAssoc) []string { return one(a.ID) }),
		"association.subnet-id":                  assocs(func(a ec2net.RouteTableAssoc) []string { return one(a.Subnet) }),
		"association.gateway-id":                 assocs(func(a ec2net.RouteTableAssoc) []string { return one(a.Gateway) }),
		"association.route-table-id": func(r *ec2net.RouteTable) []string {
			if len(r.Associations) == 0 {
				return nil
			}
			return one(r.ID)
		},
		"route.destination-cidr-block": routes(func(x ec2net.Route) string { return x.Destination }),
		"route.gateway-id":             routes(func(x ec2net.Route) string { return x.Gateway }),
		"route.nat-gateway-id":         routes(func(x ec2net.Route) string { return x.NAT }),
		"route.origin":                 routes(func(x ec2net.Route) string { return x.Origin }),
	}
}

func routeTableTags(r *ec2net.RouteTable) []deskplane.Tag { return r.Tags }

func (s *Service) DescribeRouteTables(ctx context.Context, in *ec2api.DescribeRouteTablesRequest) (*ec2api.DescribeRouteTablesResult, error) {
	sc := env.Scope(ctx)
	keep, err := routeTableFilters(sc).compile(in.Filters, routeTableTags)
	if err != nil {
		return nil, err
	}
	l, err := newListing(ctx, "DescribeRouteTables", in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	// The routes' states depend on the gateways: read them first.
	var attached map[string]string
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		attached, err = gatewayVPCs(tx, sc)
		return err
	})
	if err != nil {
		return nil, err
	}
	tables, next, err := describe(ctx, s, ec2net.RouteTables(), l, in.RouteTableIds, routeTableNotFound, keep,
		func(r *ec2net.RouteTable) ec2api.RouteTable { return wireRoutes(r, sc, attached) })
	if err != nil {
		return nil, err
	}
	return &ec2api.DescribeRouteTablesResult{RouteTables: tables, NextToken: next}, nil
}

// gatewayVPCs maps each internet gateway to the VPC it is attached to.
func gatewayVPCs(tx deskplane.Tx, sc deskplane.Scope) (map[string]string, error) {
	out := map[string]string{}
	err := ec2net.InternetGateways().Each(tx, sc, 0, func(_ int64, g *ec2net.InternetGateway) (bool, error) {
		out[g.ID] = g.VPC
		return true, nil
	})
	return out, err
}

func wireRouteTable(tx deskplane.Tx, sc deskplane.Scope, r *ec2net.RouteTable) (ec2api.RouteTable, error) {
	attached, err := gatewayVPCs(tx, sc)
	return wireRoutes(r, sc, attached), err
}

// wireRoutes is a route table on the wire; a route to an internet gateway
// not attached to the table's VPC is a blackhole.
func wireRoutes(r *ec2net.RouteTable, sc deskplane.Scope, attached map[string]string) ec2api.RouteTable {
	out := ec2api.RouteTable{
		RouteTableId: new(r.ID), VpcId: new(r.VPC), OwnerId: new(sc.Account), Tags: wireTags(r.Tags),
		Routes: []ec2api.Route{}, Associations: []ec2api.RouteTableAssociation{}, PropagatingVgws: []ec2api.PropagatingVgw{},
	}
	for _, x := range r.Routes {
		state := ec2api.RouteStateActive
		if x.Gateway != "" && x.Gateway != ec2net.RouteLocal && attached[x.Gateway] != r.VPC {
			state = ec2api.RouteStateBlackhole
		}
		out.Routes = append(out.Routes, ec2api.Route{
			DestinationCidrBlock: optional(x.Destination), DestinationIpv6CidrBlock: optional(x.IPv6),
			DestinationPrefixListId: optional(x.PrefixList), GatewayId: optional(x.Gateway), NatGatewayId: optional(x.NAT),
			InstanceId: optional(x.Instance), NetworkInterfaceId: optional(x.Interface), VpcPeeringConnectionId: optional(x.Peering),
			TransitGatewayId: optional(x.Transit), EgressOnlyInternetGatewayId: optional(x.EgressOnly),
			Origin: ec2api.RouteOrigin(x.Origin), State: state,
		})
	}
	for _, a := range r.Associations {
		out.Associations = append(out.Associations, ec2api.RouteTableAssociation{
			Main: new(a.Main), RouteTableAssociationId: new(a.ID), RouteTableId: new(r.ID),
			SubnetId: optional(a.Subnet), GatewayId: optional(a.Gateway), AssociationState: associated(),
		})
	}
	return out
}
