package ec2

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/ec2net"
	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Route tables, routes and associations
// (docs/decisions/0300-ec2-networking.md). Every table has its VPC's
// local route; the main route table is the one with the VPC's main
// association.

func loadRouteTable(tx deskplane.Tx, sc deskplane.Scope, id string) (*ec2net.RouteTable, error) {
	r, found, err := ec2net.RouteTables().Get(tx, sc, id)
	if err == nil && !found {
		err = routeTableNotFound(id)
	}
	return r, err
}

func (s *Service) CreateRouteTable(ctx context.Context, in *ec2api.CreateRouteTableRequest) (*ec2api.CreateRouteTableResult, error) {
	sc, vpc := env.Scope(ctx), value(in.VpcId)
	tags, err := specTags(in.TagSpecifications, ec2api.ResourceTypeRouteTable)
	if err != nil {
		return nil, err
	}
	r := ec2net.RouteTable{ID: deskplane.NewHexID("rtb-", 17), VPC: vpc, Tags: tags}
	var out ec2api.RouteTable
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		v, err := loadVPC(tx, sc, vpc)
		if err != nil {
			return err
		}
		r.Routes = []ec2net.Route{{Destination: v.CIDR, Gateway: ec2net.RouteLocal, Origin: ec2net.RouteOriginTable}}
		if err := ec2net.RouteTables().Put(tx, sc, r.ID, &r); err != nil {
			return err
		}
		out, err = wireRouteTable(tx, sc, &r)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.CreateRouteTableResult{RouteTable: &out, ClientToken: in.ClientToken}, nil
}

func (s *Service) DeleteRouteTable(ctx context.Context, in *ec2api.DeleteRouteTableRequest) (*ec2api.DeleteRouteTableOutput, error) {
	sc, id := env.Scope(ctx), value(in.RouteTableId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		r, err := loadRouteTable(tx, sc, id)
		if err != nil {
			return err
		}
		if len(r.Associations) > 0 {
			return dependency("routeTable", id)
		}
		_, err = ec2net.RouteTables().Delete(tx, sc, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteRouteTableOutput{}, nil
}

// routeSpec is a route a request names: its destination and target.
type routeSpec struct {
	dest, ipv6, prefixList string
	route                  ec2net.Route
}

func (r routeSpec) matches(have ec2net.Route) bool {
	return have.Destination == r.dest && have.IPv6 == r.ipv6 && have.PrefixList == r.prefixList
}

func (r routeSpec) String() string { return r.dest + r.ipv6 + r.prefixList }

// destination reads the destination of a route request.
func destination(cidr, ipv6, pl *string) (routeSpec, error) {
	var spec routeSpec
	n := 0
	if c := value(cidr); c != "" {
		p, err := netip.ParsePrefix(c)
		if err != nil || !p.Addr().Is4() {
			return spec, invalid("Value (%s) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.", c)
		}
		spec.dest = p.Masked().String()
		n++
	}
	if c := value(ipv6); c != "" {
		p, err := netip.ParsePrefix(c)
		if err != nil || !p.Addr().Is6() {
			return spec, invalid("Value (%s) for parameter destinationIpv6CidrBlock is invalid. This is not a valid CIDR block.", c)
		}
		spec.ipv6 = p.Masked().String()
		n++
	}
	if value(pl) != "" {
		spec.prefixList = *pl
		n++
	}
	switch {
	case n == 0:
		return spec, missing("destinationCidrBlock")
	case n > 1:
		return spec, ec2Error(deskplane.CodeInvalidParameter, ec2net.ReasonEC2ParameterCombination,
			"The parameter destinationCidrBlock cannot be used with the parameter destinationIpv6CidrBlock or destinationPrefixListId")
	}
	spec.route = ec2net.Route{Destination: spec.dest, IPv6: spec.ipv6, PrefixList: spec.prefixList, Origin: ec2net.RouteOriginRoute}
	return spec, nil
}

// target sets the one target of a route request on spec.
func (spec *routeSpec) target(gw, nat, instance, eni, pcx, tgw, vpce, eigw *string) error {
	r := &spec.route
	r.Gateway, r.NAT, r.Instance, r.Interface = value(gw), value(nat), value(instance), value(eni)
	r.Peering, r.Transit, r.Endpoint, r.EgressOnly = value(pcx), value(tgw), value(vpce), value(eigw)
	n := 0
	for _, t := range []string{r.Gateway, r.NAT, r.Instance, r.Interface, r.Peering, r.Transit, r.Endpoint, r.EgressOnly} {
		if t != "" {
			n++
		}
	}
	switch {
	case n == 0:
		return missing("gatewayId, natGatewayId, networkInterfaceId, vpcPeeringConnectionId or another target")
	case n > 1:
		return ec2Error(deskplane.CodeInvalidParameter, ec2net.ReasonEC2ParameterCombination, "More than one target specified for the route.")
	}
	return nil
}

// checkTarget checks a route's target against the route table: an
// internet gateway must exist and be attached to the table's VPC.
func checkTarget(tx deskplane.Tx, sc deskplane.Scope, rt *ec2net.RouteTable, r ec2net.Route) error {
	if !strings.HasPrefix(r.Gateway, "igw-") {
		return nil
	}
	g, err := loadGateway(tx, sc, r.Gateway)
	if err != nil {
		return err
	}
	if g.VPC != rt.VPC {
		return invalid("route table %s and network gateway %s belong to different networks", rt.ID, g.ID)
	}
	return nil
}

// changeRoute applies fn to the routes of a table.
func (s *Service) changeRoute(ctx context.Context, id string, fn func(tx deskplane.Tx, rt *ec2net.RouteTable) error) error {
	sc := env.Scope(ctx)
	return s.Store.Update(ctx, func(tx deskplane.Tx) error {
		rt, err := loadRouteTable(tx, sc, id)
		if err != nil {
			return err
		}
		if err := fn(tx, rt); err != nil {
			return err
		}
		return ec2net.RouteTables().Put(tx, sc, id, rt)
	})
}

func routeNotFound(rt string, spec routeSpec) error {
	return ec2Error(deskplane.CodeNotFound, ec2net.ReasonEC2RouteNotFound,
		"The route identified by %s does not exist in route table %s", spec, rt)
}

func (s *Service) CreateRoute(ctx context.Context, in *ec2api.CreateRouteRequest) (*ec2api.CreateRouteResult, error) {
	spec, err := destination(in.DestinationCidrBlock, in.DestinationIpv6CidrBlock, in.DestinationPrefixListId)
	if err != nil {
		return nil, err
	}
	if err := spec.target(in.GatewayId, in.NatGatewayId, in.InstanceId, in.NetworkInterfaceId, in.VpcPeeringConnectionId,
		in.TransitGatewayId, in.VpcEndpointId, in.EgressOnlyInternetGatewayId); err != nil {
		return nil, err
	}
	err = s.changeRoute(ctx, value(in.RouteTableId), func(tx deskplane.Tx, rt *ec2net.RouteTable) error {
		if slices.ContainsFunc(rt.Routes, spec.matches) {
			return ec2Error(deskplane.CodeAlreadyExists, ec2net.ReasonEC2RouteExists, "The route identified by %s already exists.", spec)
		}
		if err := checkTarget(tx, env.Scope(ctx), rt, spec.route); err != nil {
			return err
		}
		rt.Routes = append(rt.Routes, spec.route)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.CreateRouteResult{Return: new(true)}, nil
}

func (s *Service) ReplaceRoute(ctx context.Context, in *ec2api.ReplaceRouteRequest) (*ec2api.ReplaceRouteOutput, error) {
	spec, err := destination(in.DestinationCidrBlock, in.DestinationIpv6CidrBlock, in.DestinationPrefixListId)
	if err != nil {
		return nil, err
	}
	gw := in.GatewayId
	if value(in.LocalTarget) {
		gw = new(ec2net.RouteLocal)
	}
	if err := spec.target(gw, in.NatGatewayId, in.InstanceId, in.NetworkInterfaceId, in.VpcPeeringConnectionId,
		in.TransitGatewayId, in.VpcEndpointId, in.EgressOnlyInternetGatewayId); err != nil {
		return nil, err
	}
	err = s.changeRoute(ctx, value(in.RouteTableId), func(tx deskplane.Tx, rt *ec2net.RouteTable) error {
		i := slices.IndexFunc(rt.Routes, spec.matches)
		if i < 0 {
			return routeNotFound(rt.ID, spec)
		}
		if rt.Routes[i].Gateway == ec2net.RouteLocal && spec.route.Gateway != ec2net.RouteLocal {
			return invalid("cannot replace local route %s in route table %s", spec, rt.ID)
		}
		if err := checkTarget(tx, env.Scope(ctx), rt, spec.route); err != nil {
			return err
		}
		spec.route.Origin = rt.Routes[i].Origin
		rt.Routes[i] = spec.route
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.ReplaceRouteOutput{}, nil
}

func (s *Service) DeleteRoute(ctx context.Context, in *ec2api.DeleteRouteRequest) (*ec2api.DeleteRouteOutput, error) {
	spec, err := destination(in.DestinationCidrBlock, in.DestinationIpv6CidrBlock, in.DestinationPrefixListId)
	if err != nil {
		return nil, err
	}
	err = s.changeRoute(ctx, value(in.RouteTableId), func(_ deskplane.Tx, rt *ec2net.RouteTable) error {
		i := slices.IndexFunc(rt.Routes, spec.matches)
		if i < 0 {
			return routeNotFound(rt.ID, spec)
		}
		if rt.Routes[i].Gateway == ec2net.RouteLocal {
			return invalid("cannot remove local route %s in route table %s", spec, rt.ID)
		}
		rt.Routes = slices.Delete(rt.Routes, i, i+1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2api.DeleteRouteOutput{}, nil
}
