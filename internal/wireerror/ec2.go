package wireerror

import (
	"errors"
	"net/http"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/awsquery"
)

// EC2 maps a domain error to the EC2 wire (ec2Query): EC2 has no modeled
// errors, only codes, every client error with HTTP status 400
// (docs/decisions/0300-ec2-networking.md). A refinement only EC2 has
// (deskplane.ReasonEC2…) decides the code; otherwise the domain code does.
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
		deskplane.ReasonEC2VPCNotFound:          "InvalidVpcID.NotFound",
		deskplane.ReasonEC2SubnetNotFound:       "InvalidSubnetID.NotFound",
		deskplane.ReasonEC2GroupNotFound:        "InvalidGroup.NotFound",
		deskplane.ReasonEC2GatewayNotFound:      "InvalidInternetGatewayID.NotFound",
		deskplane.ReasonEC2RouteTableNotFound:   "InvalidRouteTableID.NotFound",
		deskplane.ReasonEC2AssociationNotFound:  "InvalidAssociationID.NotFound",
		deskplane.ReasonEC2ACLNotFound:          "InvalidNetworkAclID.NotFound",
		deskplane.ReasonEC2RouteNotFound:        "InvalidRoute.NotFound",
		deskplane.ReasonEC2RouteExists:          "RouteAlreadyExists",
		deskplane.ReasonEC2VPCRange:             "InvalidVpc.Range",
		deskplane.ReasonEC2SubnetRange:          "InvalidSubnet.Range",
		deskplane.ReasonEC2SubnetConflict:       "InvalidSubnet.Conflict",
		deskplane.ReasonEC2DependencyViolation:  "DependencyViolation",
		deskplane.ReasonEC2PermissionNotFound:   "InvalidPermission.NotFound",
		deskplane.ReasonEC2PermissionDuplicate:  "InvalidPermission.Duplicate",
		deskplane.ReasonEC2GroupDuplicate:       "InvalidGroup.Duplicate",
		deskplane.ReasonEC2CannotDelete:         "CannotDelete",
		deskplane.ReasonEC2AlreadyAssociated:    "Resource.AlreadyAssociated",
		deskplane.ReasonEC2GatewayNotAttached:   "Gateway.NotAttached",
		deskplane.ReasonEC2InvalidID:            "InvalidID",
		deskplane.ReasonEC2MissingParameter:     "MissingParameter",
		deskplane.ReasonEC2ParameterCombination: "InvalidParameterCombination",
		deskplane.ReasonEC2InterfaceNotFound:    "InvalidNetworkInterfaceID.NotFound",
	}
}
