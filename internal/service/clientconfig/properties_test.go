package clientconfig_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

func TestClientProperties(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ws := e.WS(apptest.AccountA)
	dir := xDirectory(t, e, apptest.AccountA)

	read := func() types.ClientProperties {
		t.Helper()
		out, err := ws.DescribeClientProperties(e.Ctx(), &workspaces.DescribeClientPropertiesInput{ResourceIds: []string{dir}})
		if err != nil || len(out.ClientPropertiesList) != 1 || aws.ToString(out.ClientPropertiesList[0].ResourceId) != dir {
			t.Fatalf("DescribeClientProperties: %v %+v", err, out)
		}
		return *out.ClientPropertiesList[0].ClientProperties
	}
	if cp := read(); cp.ReconnectEnabled != types.ReconnectEnumEnabled || cp.LogUploadEnabled != types.LogUploadEnumEnabled {
		t.Fatalf("defaults %+v, want both ENABLED", cp)
	}
	if _, err := ws.ModifyClientProperties(e.Ctx(), &workspaces.ModifyClientPropertiesInput{ResourceId: aws.String(dir),
		ClientProperties: &types.ClientProperties{LogUploadEnabled: types.LogUploadEnumDisabled}}); err != nil {
		t.Fatalf("ModifyClientProperties: %v", err)
	}
	if cp := read(); cp.ReconnectEnabled != types.ReconnectEnumEnabled || cp.LogUploadEnabled != types.LogUploadEnumDisabled {
		t.Fatalf("after disabling log upload %+v", cp)
	}
	if _, err := ws.ModifyClientProperties(e.Ctx(), &workspaces.ModifyClientPropertiesInput{ResourceId: aws.String(dir),
		ClientProperties: &types.ClientProperties{ReconnectEnabled: types.ReconnectEnumDisabled}}); err != nil {
		t.Fatalf("ModifyClientProperties: %v", err)
	}
	if cp := read(); cp.ReconnectEnabled != types.ReconnectEnumDisabled || cp.LogUploadEnabled != types.LogUploadEnumDisabled {
		t.Fatalf("after disabling reconnect %+v (the log upload switch must be kept)", cp)
	}

	_, err := ws.ModifyClientProperties(e.Ctx(), &workspaces.ModifyClientPropertiesInput{ResourceId: aws.String("d-0000000000"),
		ClientProperties: &types.ClientProperties{ReconnectEnabled: types.ReconnectEnumDisabled}})
	xWant(t, "ModifyClientProperties(unknown)", err, "ResourceNotFoundException")
	_, err = ws.DescribeClientProperties(e.Ctx(), &workspaces.DescribeClientPropertiesInput{ResourceIds: []string{dir, "d-0000000000"}})
	xWant(t, "DescribeClientProperties(one unknown)", err, "ResourceNotFoundException")
	_, err = e.WS(apptest.AccountB).DescribeClientProperties(e.Ctx(), &workspaces.DescribeClientPropertiesInput{ResourceIds: []string{dir}})
	xWant(t, "DescribeClientProperties(another account's)", err, "ResourceNotFoundException")
}
