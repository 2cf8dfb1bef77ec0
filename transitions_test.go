package deskplane

import (
	"slices"
	"strings"
	"testing"
)

// checkTable holds the invariants every transition table keeps.
func checkTable[S ~string](t *testing.T, tab TransitionTable[S]) {
	t.Helper()
	if tab.Resource == "" {
		t.Error("table without a Resource name")
	}
	seen := map[Action]bool{}
	vias := map[S]Action{}
	for _, r := range tab.Rows {
		if r.Action == "" {
			t.Errorf("%s: a row without an action", tab.Resource)
		}
		if seen[r.Action] {
			t.Errorf("%s: action %s has two rows", tab.Resource, r.Action)
		}
		seen[r.Action] = true
		if len(r.From) > 0 && r.Verb == "" {
			t.Errorf("%s %s: a client action needs a Verb for its refusal message", tab.Resource, r.Action)
		}
		if r.Via != "" {
			if r.Timing == "" {
				t.Errorf("%s %s: transitional state %s without a Timing", tab.Resource, r.Action, r.Via)
			}
			if prev, dup := vias[r.Via]; dup {
				t.Errorf("%s: %s and %s both go through %s; Ending could not tell them apart", tab.Resource, prev, r.Action, r.Via)
			}
			vias[r.Via] = r.Action
			if slices.Contains(r.From, r.Via) {
				t.Errorf("%s %s: allowed from its own transitional state %s", tab.Resource, r.Action, r.Via)
			}
		}
		if r.Timing != "" && r.Via == "" {
			t.Errorf("%s %s: a Timing without a transitional state", tab.Resource, r.Action)
		}
		ends := 0
		for _, b := range []bool{r.To != "", r.Gone, r.Resumes} {
			if b {
				ends++
			}
		}
		if ends > 1 {
			t.Errorf("%s %s: more than one of To, Gone and Resumes", tab.Resource, r.Action)
		}
		if r.Via != "" && ends == 0 {
			t.Errorf("%s %s: goes through %s but ends nowhere", tab.Resource, r.Action, r.Via)
		}
		if r.Refusal == CodeInternal && r.Reason != "" {
			t.Errorf("%s %s: a Reason needs an explicit Refusal code", tab.Resource, r.Action)
		}
		if r.Timing != "" && !slices.Contains(Transitions(), r.Timing) {
			t.Errorf("%s %s: Timing %s is not a transition of the timing profiles", tab.Resource, r.Action, r.Timing)
		}
		for _, c := range r.Cancels {
			if !strings.Contains(c, ".") {
				t.Errorf("%s %s: %q does not look like a timer name", tab.Resource, r.Action, c)
			}
		}
	}
}

func TestTransitionTablesAreWellFormed(t *testing.T) {
	checkTable(t, WorkspaceTable())
	checkTable(t, ImageTable())
	checkTable(t, BundleTable())
	checkTable(t, DirectoryTable())
	checkTable(t, DSDirectoryTable())
	checkTable(t, PoolTable())
	checkTable(t, ConnectionAliasTable())
	checkTable(t, AppAssociationTable())
	checkTable(t, AccountModificationTable())
}

func TestCheckAllowsAndRefuses(t *testing.T) {
	ws := WorkspaceTable()
	const allowed = Code(-1)
	cases := []struct {
		name   string
		check  func() (string, error)
		code   Code // allowed: no error
		reason string
		msg    string
	}{
		{"stop an AVAILABLE WorkSpace", func() (string, error) {
			r, err := ws.Check(ActionStop, "ws-1", WorkspaceAvailable)
			return string(r.Via), err
		}, allowed, "", ""},
		{"stop a STARTING WorkSpace", func() (string, error) {
			_, err := ws.Check(ActionStop, "ws-1", WorkspaceStarting)
			return "", err
		}, CodeInvalidState, "",
			"The WorkSpace ws-1 is STARTING; only an AVAILABLE, IMPAIRED, UNHEALTHY or ERROR WorkSpace can be stopped."},
		{"start a PENDING WorkSpace", func() (string, error) {
			_, err := ws.Check(ActionStart, "ws-2", WorkspacePending)
			return "", err
		}, CodeInvalidState, "",
			"The WorkSpace ws-2 is PENDING; only a STOPPED WorkSpace can be started."},
		{"restore refuses with a reason", func() (string, error) {
			_, err := ws.Check(ActionRestore, "ws-3", WorkspaceRebooting)
			return "", err
		}, CodeNotSupported, "InvalidResourceState", ""},
		{"delete a DELETING alias", func() (string, error) {
			_, err := ConnectionAliasTable().Check(ActionDelete, "wsca-1", ConnectionAliasDeleting)
			return "", err
		}, CodeInvalidState, "",
			"The connection alias wsca-1 is DELETING; only a CREATED connection alias can be deleted."},
		{"create has no precondition", func() (string, error) {
			r, err := ConnectionAliasTable().Check(ActionCreate, "wsca-1", "")
			return string(r.Via), err
		}, allowed, "", ""},
		{"an action the table lacks is our fault", func() (string, error) {
			_, err := ConnectionAliasTable().Check(ActionReboot, "wsca-1", ConnectionAliasCreated)
			return "", err
		}, CodeInternal, "", ""},
		{"capture a STOPPED WorkSpace", func() (string, error) {
			_, err := ws.Check(ActionCaptureImage, "ws-4", WorkspaceStopped)
			return "", err
		}, CodeInvalidState, "",
			"The WorkSpace ws-4 is STOPPED; only an AVAILABLE WorkSpace can be captured in an image."},
		{"switch the protocol of a STOPPED WorkSpace", func() (string, error) {
			_, err := ws.Check(ActionModifyProtocol, "ws-6", WorkspaceStopped)
			return "", err
		}, CodeInvalidState, "",
			"The WorkSpace ws-6 is STOPPED; only an AVAILABLE WorkSpace can be switched to another protocol."},
		{"modify a STOPPED WorkSpace otherwise", func() (string, error) {
			_, err := ws.Check(ActionModify, "ws-6", WorkspaceStopped)
			return "", err
		}, allowed, "", ""},
		{"applications of a SUSPENDED WorkSpace", func() (string, error) {
			_, err := ws.Check(ActionManageApplications, "ws-5", WorkspaceSuspended)
			return "", err
		}, CodeNotSupported, "InvalidWorkspaceState", ""},
		{"applications of a STOPPED WorkSpace", func() (string, error) {
			_, err := ws.Check(ActionManageApplications, "ws-5", WorkspaceStopped)
			return "", err
		}, allowed, "", ""},
		{"copy a PENDING image", func() (string, error) {
			_, err := ImageTable().Check(ActionCopy, "wsi-1", ImagePending)
			return "", err
		}, CodeUnavailable, "",
			"The image wsi-1 is PENDING; only an AVAILABLE image can be copied."},
		{"delete an image in ERROR", func() (string, error) {
			r, err := ImageTable().Check(ActionDelete, "wsi-1", ImageError)
			return string(r.Via), err
		}, allowed, "", ""},
		{"withdraw an installed application", func() (string, error) {
			_, err := AppAssociationTable().Check(ActionWithdraw, "ws-1/wsa-1", AppCompleted)
			return "", err
		}, CodeInvalidState, "", ""},
		{"users of an inactive directory", func() (string, error) {
			_, err := DSDirectoryTable().Check(ActionManageUsers, "d-1", DSDirectoryCreating)
			return "", err
		}, CodeUnavailable, "INVALID_DIRECTORY_STATE",
			"The directory d-1 is Creating; only an Active directory can be used to manage users."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.check()
			if c.code == allowed {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !HasCode(err, c.code) {
				t.Fatalf("error %v, want code %d", err, c.code)
			}
			de := err.(*Error)
			if c.reason != "" && de.Reason != c.reason {
				t.Errorf("reason %q, want %q", de.Reason, c.reason)
			}
			if c.msg != "" && de.Message != c.msg {
				t.Errorf("message\n got %q\nwant %q", de.Message, c.msg)
			}
		})
	}
}

func TestEndingFindsTheRowATimerCompletes(t *testing.T) {
	alias := ConnectionAliasTable()
	if r, ok := alias.Ending(ConnectionAliasCreating); !ok || r.To != ConnectionAliasCreated {
		t.Errorf("CREATING ends in %+v %v, want CREATED", r, ok)
	}
	if r, ok := alias.Ending(ConnectionAliasDeleting); !ok || !r.Gone {
		t.Errorf("DELETING ends in %+v %v, want gone", r, ok)
	}
	if _, ok := alias.Ending(ConnectionAliasCreated); ok {
		t.Error("CREATED is not transitional")
	}
	if !PoolTable().Transitional(PoolUpdating) || PoolTable().Transitional(PoolRunning) {
		t.Error("pool transitional states are wrong")
	}
	if r, _ := PoolTable().Ending(PoolUpdating); !r.Resumes {
		t.Error("an UPDATING pool resumes the state it left")
	}
	if r, _ := DSDirectoryTable().Ending(DSDirectoryRequested); r.To != DSDirectoryCreating {
		t.Errorf("Requested ends in %s, want Creating", r.To)
	}
}

func TestStatesPhrase(t *testing.T) {
	for in, want := range map[string]string{
		"CREATED":                 "a CREATED",
		"AVAILABLE":               "an AVAILABLE",
		"AVAILABLE,STOPPED":       "an AVAILABLE or STOPPED",
		"STOPPED,AVAILABLE,ERROR": "a STOPPED, AVAILABLE or ERROR",
	} {
		if got := statesPhrase(strings.Split(in, ",")); got != want {
			t.Errorf("statesPhrase(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestImagesLeavePendingAfterTheirOriginsStep(t *testing.T) {
	for o, want := range map[ImageOrigin]Transition{
		OriginWorkspace: TImageCreate, OriginUpdate: TImageUpdate, OriginCopy: TImageCopy,
		OriginImport: TImageImport, OriginCustomImport: TImageImport, "": TImageCreate,
	} {
		if got := o.Transition(); got != want {
			t.Errorf("%q: %s, want %s", o, got, want)
		}
	}
	if r, ok := ImageTable().Ending(ImagePending); !ok || r.To != ImageAvailable {
		t.Errorf("PENDING ends in %+v %v, want AVAILABLE", r, ok)
	}
	apps := AppAssociationTable()
	if r, _ := apps.Ending(AppPendingInstallDeployment); r.To != AppInstalling || !apps.Transitional(r.To) {
		t.Errorf("a deployment ends in %s, which should be the installation", r.To)
	}
	if r, _ := apps.Ending(AppUninstalling); r.To != AppRemoved || r.Action != ActionUninstall {
		t.Errorf("UNINSTALLING ends by %s in %s", r.Action, r.To)
	}
}
