// Package ec2net is the EC2 networking domain: the records of VPCs, subnets,
// security groups, internet gateways, route tables and network ACLs, the
// EC2 refinements of domain errors, and what Directory Service and
// WorkSpaces ask of the subnets they stand on (a domain sub-package of the
// root: docs/decisions/0106-domain-sub-packages.md).
package ec2net

import (
	"time"

	"github.com/deskplane/deskplane"
)

// EC2 networking: the VPCs, subnets, security groups, internet gateways,
// route tables and network ACLs WorkSpaces and its directories stand on
// (docs/decisions/0300-ec2-networking.md). Every record lives in its
// owner's scope (account and Region), one record per resource.

// The EC2 record kinds.
const (
	KindVPC           deskplane.Kind = "ec2vpc"    // vpc-
	KindSubnet        deskplane.Kind = "ec2subnet" // subnet-
	KindSecurityGroup deskplane.Kind = "ec2sg"     // sg-
	KindGateway       deskplane.Kind = "ec2igw"    // igw-
	KindRouteTable    deskplane.Kind = "ec2rtb"    // rtb-
	KindNetworkACL    deskplane.Kind = "ec2acl"    // acl-
)

// VPC is a virtual private cloud (KindVPC).
type VPC struct {
	ID             string          `json:"id"`
	CIDR           string          `json:"cidr"`
	CIDRAssocID    string          `json:"cidrAssoc"`
	Tenancy        string          `json:"tenancy"`
	DhcpOptionsID  string          `json:"dhcp"`
	DNSHostnames   bool            `json:"dnsHostnames"`
	DNSSupport     bool            `json:"dnsSupport"`
	NAUMetrics     bool            `json:"nauMetrics"`
	MainRouteTable string          `json:"mainRtb"`
	DefaultACL     string          `json:"defaultAcl"`
	DefaultGroup   string          `json:"defaultSg"`
	Created        time.Time       `json:"created"`
	Tags           []deskplane.Tag `json:"tags,omitempty"`
}

// Subnet is a subnet of a VPC in one availability zone (KindSubnet).
type Subnet struct {
	ID          string    `json:"id"`
	VPC         string    `json:"vpc"`
	CIDR        string    `json:"cidr"`
	Zone        string    `json:"zone"`
	ZoneID      string    `json:"zoneId"`
	MapPublicIP bool      `json:"mapPublicIp"`
	Created     time.Time `json:"created"`
	// Used are the addresses handed out from the subnet (WorkSpaces,
	// directory controllers), by address: what holds it. Only subnets
	// stored before use.go kept them here; use.go moves them to address
	// records on first use. Read them with Addresses.
	Used map[string]string `json:"used,omitempty"`
	// The state of the subnet's address allocator (use.go): fresh host
	// offsets handed out, released addresses on the free stack, and
	// addresses held (records of AddressKind).
	AddrNext int             `json:"addrNext,omitempty"`
	AddrFree int             `json:"addrFree,omitempty"`
	InUse    int             `json:"inUse,omitempty"`
	Tags     []deskplane.Tag `json:"tags,omitempty"`
}

// SecurityGroup is a VPC security group (KindSecurityGroup).
type SecurityGroup struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	VPC         string `json:"vpc"`
	// Owner is the directory that created the group, which deletes it.
	Owner   string          `json:"owner,omitempty"`
	Ingress []SGRule        `json:"ingress,omitempty"`
	Egress  []SGRule        `json:"egress,omitempty"`
	Tags    []deskplane.Tag `json:"tags,omitempty"`
}

// SGRule is one rule of a security group: one protocol and port range
// from or to one source (a CIDR, an IPv6 CIDR, a prefix list or a group).
type SGRule struct {
	ID          string `json:"id"`
	Protocol    string `json:"proto"` // "-1", "tcp", "udp", "icmp", "icmpv6" or a number
	From        int32  `json:"from"`
	To          int32  `json:"to"`
	CIDR        string `json:"cidr,omitempty"`
	IPv6        string `json:"ipv6,omitempty"`
	PrefixList  string `json:"pl,omitempty"`
	Group       string `json:"group,omitempty"`
	Description string `json:"desc,omitempty"`
}

// InternetGateway is an internet gateway, attached to at most one VPC
// (KindGateway).
type InternetGateway struct {
	ID   string          `json:"id"`
	VPC  string          `json:"vpc,omitempty"`
	Tags []deskplane.Tag `json:"tags,omitempty"`
}

// RouteTable is a route table of a VPC (KindRouteTable).
type RouteTable struct {
	ID           string            `json:"id"`
	VPC          string            `json:"vpc"`
	Routes       []Route           `json:"routes"`
	Associations []RouteTableAssoc `json:"assocs,omitempty"`
	Tags         []deskplane.Tag   `json:"tags,omitempty"`
}

// The origins of routes.
const (
	RouteOriginTable = "CreateRouteTable"
	RouteOriginRoute = "CreateRoute"
)

// RouteLocal is the target of a VPC's local route.
const RouteLocal = "local"

// Route is a route of a route table: a destination and one target.
type Route struct {
	Destination string `json:"dest"`           // IPv4 CIDR
	IPv6        string `json:"ipv6,omitempty"` // or IPv6 CIDR
	PrefixList  string `json:"pl,omitempty"`   // or prefix list
	Gateway     string `json:"gw,omitempty"`   // "local", igw-, vgw-
	NAT         string `json:"nat,omitempty"`
	Instance    string `json:"instance,omitempty"`
	Interface   string `json:"eni,omitempty"`
	Peering     string `json:"pcx,omitempty"`
	Transit     string `json:"tgw,omitempty"`
	Endpoint    string `json:"vpce,omitempty"`
	EgressOnly  string `json:"eigw,omitempty"`
	Origin      string `json:"origin"`
}

// RouteTableAssoc associates a route table with a subnet, a gateway or,
// as the main route table, with its VPC.
type RouteTableAssoc struct {
	ID      string `json:"id"`
	Main    bool   `json:"main,omitempty"`
	Subnet  string `json:"subnet,omitempty"`
	Gateway string `json:"gw,omitempty"`
}

// NetworkACL is a network ACL of a VPC (KindNetworkACL). deskplane creates
// only the default one; it is associated with every subnet of its VPC.
type NetworkACL struct {
	ID      string `json:"id"`
	VPC     string `json:"vpc"`
	Default bool   `json:"default"`
	// Assocs are the subnets it is associated with, by association id.
	Assocs map[string]string `json:"assocs,omitempty"`
	Tags   []deskplane.Tag   `json:"tags,omitempty"`
}

// The records of EC2, keyed by resource id in the owner's scope.
func VPCs() deskplane.Records[VPC]       { return deskplane.Records[VPC]{Kind: KindVPC} }
func Subnets() deskplane.Records[Subnet] { return deskplane.Records[Subnet]{Kind: KindSubnet} }
func SecurityGroups() deskplane.Records[SecurityGroup] {
	return deskplane.Records[SecurityGroup]{Kind: KindSecurityGroup}
}
func InternetGateways() deskplane.Records[InternetGateway] {
	return deskplane.Records[InternetGateway]{Kind: KindGateway}
}
func RouteTables() deskplane.Records[RouteTable] {
	return deskplane.Records[RouteTable]{Kind: KindRouteTable}
}
func NetworkACLs() deskplane.Records[NetworkACL] {
	return deskplane.Records[NetworkACL]{Kind: KindNetworkACL}
}

// Refinements of domain errors that only EC2 answers (Error.Reason);
// internal/wireerror maps each to EC2's error code.
const (
	ReasonEC2VPCNotFound          = "ec2-vpc-not-found"
	ReasonEC2SubnetNotFound       = "ec2-subnet-not-found"
	ReasonEC2GroupNotFound        = "ec2-group-not-found"
	ReasonEC2GatewayNotFound      = "ec2-igw-not-found"
	ReasonEC2RouteTableNotFound   = "ec2-rtb-not-found"
	ReasonEC2AssociationNotFound  = "ec2-assoc-not-found"
	ReasonEC2ACLNotFound          = "ec2-acl-not-found"
	ReasonEC2RouteNotFound        = "ec2-route-not-found"
	ReasonEC2RouteExists          = "ec2-route-exists"
	ReasonEC2VPCRange             = "ec2-vpc-range"
	ReasonEC2SubnetRange          = "ec2-subnet-range"
	ReasonEC2SubnetConflict       = "ec2-subnet-conflict"
	ReasonEC2DependencyViolation  = "ec2-dependency"
	ReasonEC2PermissionNotFound   = "ec2-permission-not-found"
	ReasonEC2PermissionDuplicate  = "ec2-permission-duplicate"
	ReasonEC2GroupDuplicate       = "ec2-group-duplicate"
	ReasonEC2CannotDelete         = "ec2-cannot-delete"
	ReasonEC2AlreadyAssociated    = "ec2-already-associated"
	ReasonEC2GatewayNotAttached   = "ec2-igw-not-attached"
	ReasonEC2InvalidID            = "ec2-invalid-id"
	ReasonEC2MissingParameter     = "ec2-missing-parameter"
	ReasonEC2ParameterCombination = "ec2-parameter-combination"
	ReasonEC2InterfaceNotFound    = "ec2-eni-not-found"
)
