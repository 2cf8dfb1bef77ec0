package hybrid_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

var subnets = []string{"subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apptest.ErrorCode(err); got != code {
		t.Errorf("%s: error %q (%v), want %s", what, got, err, code)
	}
}

func ok(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestAssessmentsHybridADAndComputers(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	e.SetTiming("realistic")
	ds := e.DS(apptest.AccountA)
	_, err := ds.StartADAssessment(e.Ctx(), &directoryservice.StartADAssessmentInput{})
	wantCode(t, "no configuration", err, "InvalidParameterException")
	st, err := ds.StartADAssessment(e.Ctx(), &directoryservice.StartADAssessmentInput{AssessmentConfiguration: &dstypes.AssessmentConfiguration{
		DnsName: aws.String("onprem.example.com"), CustomerDnsIps: []string{"10.0.1.10", "10.0.2.10"},
		VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: aws.String("vpc-0123456789abcdef0"), SubnetIds: subnets},
		InstanceIds: []string{"i-0123456789abcdef0", "i-0fedcba9876543210"}}})
	ok(t, "StartADAssessment", err)
	_, err = ds.CreateHybridAD(e.Ctx(), &directoryservice.CreateHybridADInput{AssessmentId: st.AssessmentId,
		SecretArn: aws.String("arn:aws:secretsmanager:us-east-1:000000000000:secret:hybrid-AbCdEf")})
	wantCode(t, "hybrid from a running assessment", err, "InvalidParameterException")
	_, err = ds.DeleteADAssessment(e.Ctx(), &directoryservice.DeleteADAssessmentInput{AssessmentId: st.AssessmentId})
	wantCode(t, "delete a running assessment", err, "ClientException")
	e.Advance(time.Minute)
	da, err := ds.DescribeADAssessment(e.Ctx(), &directoryservice.DescribeADAssessmentInput{AssessmentId: st.AssessmentId})
	ok(t, "DescribeADAssessment", err)
	if aws.ToString(da.Assessment.Status) != "SUCCESS" || len(da.AssessmentReports) != 2 {
		t.Errorf("assessment: %+v", da)
	}
	h, err := ds.CreateHybridAD(e.Ctx(), &directoryservice.CreateHybridADInput{AssessmentId: st.AssessmentId,
		SecretArn: aws.String("arn:aws:secretsmanager:us-east-1:000000000000:secret:hybrid-AbCdEf")})
	ok(t, "CreateHybridAD", err)
	e.Advance(4 * time.Minute)
	dd, err := ds.DescribeDirectories(e.Ctx(), &directoryservice.DescribeDirectoriesInput{DirectoryIds: []string{aws.ToString(h.DirectoryId)}})
	ok(t, "DescribeDirectories", err)
	if d := dd.DirectoryDescriptions[0]; d.Stage != dstypes.DirectoryStageActive || d.HybridSettings == nil || len(d.HybridSettings.SelfManagedInstanceIds) != 2 {
		t.Errorf("hybrid directory: %+v", d)
	}
	up, err := ds.UpdateHybridAD(e.Ctx(), &directoryservice.UpdateHybridADInput{DirectoryId: h.DirectoryId,
		SelfManagedInstancesSettings: &dstypes.HybridCustomerInstancesSettings{CustomerDnsIps: []string{"10.0.1.11", "10.0.2.11"}, InstanceIds: []string{"i-0aaaaaaaaaaaaaaaa", "i-0bbbbbbbbbbbbbbbb"}}})
	ok(t, "UpdateHybridAD", err)
	if up.AssessmentId == nil {
		t.Error("UpdateHybridAD answered no AssessmentId")
	}
	e.Advance(time.Minute)
	hu, err := ds.DescribeHybridADUpdate(e.Ctx(), &directoryservice.DescribeHybridADUpdateInput{DirectoryId: h.DirectoryId})
	ok(t, "DescribeHybridADUpdate", err)
	if len(hu.UpdateActivities.SelfManagedInstances) != 1 || hu.UpdateActivities.SelfManagedInstances[0].Status != dstypes.UpdateStatusUpdated {
		t.Errorf("hybrid updates: %+v", hu.UpdateActivities)
	}
	list, err := ds.ListADAssessments(e.Ctx(), &directoryservice.ListADAssessmentsInput{DirectoryId: h.DirectoryId})
	ok(t, "ListADAssessments", err)
	if len(list.Assessments) != 2 {
		t.Errorf("assessments of the directory: %d", len(list.Assessments))
	}
	_, err = ds.ListADAssessments(e.Ctx(), &directoryservice.ListADAssessmentsInput{DirectoryId: aws.String("d-0000000000")})
	wantCode(t, "assessments of an unknown directory", err, "DirectoryDoesNotExistException")
	_, err = ds.DeleteADAssessment(e.Ctx(), &directoryservice.DeleteADAssessmentInput{AssessmentId: aws.String("da-000000000000000000")})
	wantCode(t, "delete unknown", err, "EntityDoesNotExistException")

	// Computers.
	simple, err := ds.CreateDirectory(e.Ctx(), &directoryservice.CreateDirectoryInput{Name: aws.String("corp.example.com"), Password: aws.String("Sup3r-Secret!"),
		Size: dstypes.DirectorySizeSmall, VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: aws.String("vpc-0123456789abcdef0"), SubnetIds: subnets}})
	ok(t, "CreateDirectory", err)
	_, err = ds.CreateComputer(e.Ctx(), &directoryservice.CreateComputerInput{DirectoryId: simple.DirectoryId, ComputerName: aws.String("WS01"), Password: aws.String("One-time-Pass1")})
	wantCode(t, "computer in a Requested directory", err, "DirectoryUnavailableException")
	e.Advance(4 * time.Minute)
	c, err := ds.CreateComputer(e.Ctx(), &directoryservice.CreateComputerInput{DirectoryId: simple.DirectoryId, ComputerName: aws.String("WS01"), Password: aws.String("One-time-Pass1"),
		ComputerAttributes: []dstypes.Attribute{{Name: aws.String("description"), Value: aws.String("kiosk")}}})
	ok(t, "CreateComputer", err)
	if aws.ToString(c.Computer.ComputerName) != "WS01" || len(c.Computer.ComputerAttributes) != 1 {
		t.Errorf("computer: %+v", c.Computer)
	}
	_, err = ds.CreateComputer(e.Ctx(), &directoryservice.CreateComputerInput{DirectoryId: simple.DirectoryId, ComputerName: aws.String("ws01"), Password: aws.String("One-time-Pass1")})
	wantCode(t, "same name", err, "EntityAlreadyExistsException")
}
