package wireerror

import (
	"errors"
	"net/http"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/ec2net"
	"github.com/deskplane/deskplane/internal/awsquery"
)

// EC2 maps a domain error to the EC2 wire (ec2Query): EC2 has no modeled
// errors, only codes, every client error with HTTP status 400
// (docs/decisions/0300-ec2-networking.md). A refinement only EC2 has
// (ec2net.ReasonEC2…) decides the code; otherwise the domain code does.
func EC2(err error) awsquery.CodedError {
	var de *deskplane.Error
	if !errors.As(err, &de) {
		return nil
	}
	if code, ok := ec2Reasons()[de.Reason]; ok && de.Code != deskplane.CodeInternal {
		return ec2Error(code, de.Message)
	}
	switch de.Code {
	case deskplane.CodeAssociated, deskplane.CodeResourceInUse:
		return ec2Error("DependencyViolation", de.Message)
	case deskplane.CodeAlreadyExists:
		return ec2Error("InvalidParameterValue", de.Message)
	case deskplane.CodeLimitExceeded, deskplane.CodeTagLimitExceeded:
		return ec2Error("ResourceLimitExceeded", de.Message)
	case deskplane.CodeInvalidState, deskplane.CodeInProgress, deskplane.CodeUnavailable, deskplane.CodeConflict:
		return ec2Error("IncorrectState", de.Message)
	case deskplane.CodeNotSupported:
		return ec2Error("UnsupportedOperation", de.Message)
	case deskplane.CodeAccessDenied, deskplane.CodeDefaultRoleNotFound:
		return &awsquery.Error{Code: "UnauthorizedOperation", Status: http.StatusForbidden, Message: de.Message}
	case deskplane.CodeThrottled:
		return &awsquery.Error{Code: "RequestLimitExceeded", Status: http.StatusServiceUnavailable, Message: de.Message}
	case deskplane.CodeNotImplemented:
		return &awsquery.Error{Code: queryNotImplemented, Status: http.StatusNotImplemented, Message: de.Message}
	case deskplane.CodeInternal, deskplane.CodeResourceCreationFailed:
		return &awsquery.Error{Code: "InternalError", Status: http.StatusInternalServerError, Message: internalMessage}
	}
	return ec2Error("InvalidParameterValue", de.Message)
}

func ec2Error(code, msg string) awsquery.CodedError {
	return &awsquery.Error{Code: code, Status: http.StatusBadRequest, Message: msg}
}

// ec2Reasons are EC2's error codes of the refinements only EC2 has.
func ec2Reasons() map[string]string {
	return map[string]string{
		ec2net.ReasonEC2VPCNotFound:          "InvalidVpcID.NotFound",
		ec2net.ReasonEC2SubnetNotFound:       "InvalidSubnetID.NotFound",
		ec2net.ReasonEC2GroupNotFound:        "InvalidGroup.NotFound",
		ec2net.ReasonEC2GatewayNotFound:      "InvalidInternetGatewayID.NotFound",
		ec2net.ReasonEC2RouteTableNotFound:   "InvalidRouteTableID.NotFound",
		ec2net.ReasonEC2AssociationNotFound:  "InvalidAssociationID.NotFound",
		ec2net.ReasonEC2ACLNotFound:          "InvalidNetworkAclID.NotFound",
		ec2net.ReasonEC2RouteNotFound:        "InvalidRoute.NotFound",
		ec2net.ReasonEC2RouteExists:          "RouteAlreadyExists",
		ec2net.ReasonEC2VPCRange:             "InvalidVpc.Range",
		ec2net.ReasonEC2SubnetRange:          "InvalidSubnet.Range",
		ec2net.ReasonEC2SubnetConflict:       "InvalidSubnet.Conflict",
		ec2net.ReasonEC2DependencyViolation:  "DependencyViolation",
		ec2net.ReasonEC2PermissionNotFound:   "InvalidPermission.NotFound",
		ec2net.ReasonEC2PermissionDuplicate:  "InvalidPermission.Duplicate",
		ec2net.ReasonEC2GroupDuplicate:       "InvalidGroup.Duplicate",
		ec2net.ReasonEC2CannotDelete:         "CannotDelete",
		ec2net.ReasonEC2AlreadyAssociated:    "Resource.AlreadyAssociated",
		ec2net.ReasonEC2GatewayNotAttached:   "Gateway.NotAttached",
		ec2net.ReasonEC2InvalidID:            "InvalidID",
		ec2net.ReasonEC2MissingParameter:     "MissingParameter",
		ec2net.ReasonEC2ParameterCombination: "InvalidParameterCombination",
		ec2net.ReasonEC2InterfaceNotFound:    "InvalidNetworkInterfaceID.NotFound",
	}
}
