package deskplane

import "strings"

// Partition returns the AWS partition of a Region (aws, aws-cn,
// aws-us-gov, aws-iso…), the second field of every ARN.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-iso"):
		return "aws-iso"
	}
	return "aws"
}
