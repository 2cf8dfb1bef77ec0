package directory_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/memory"
)

// seed makes a directory's principals in a fresh store and returns it.
func seed(t *testing.T, dir *directory.DSDirectory) (deskplane.Store, deskplane.Scope) {
	t.Helper()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	sc := deskplane.Scope{Account: "000000000000", Region: "us-east-1"}
	err := st.Update(context.Background(), func(tx deskplane.Tx) error {
		return directory.SeedDirectoryPrincipals(tx, sc, dir, time.Unix(1700000000, 0))
	})
	if err != nil {
		t.Fatal(err)
	}
	return st, sc
}

func TestSeedDirectoryPrincipals(t *testing.T) {
	for _, c := range []struct {
		typ, admin     string
		users          []string
		hasAWS, hasWin bool
	}{
		{"SimpleAD", "Administrator", []string{"Administrator", "Guest", "krbtgt"}, false, false},
		{"MicrosoftAD", "Admin", []string{"Administrator", "Guest", "krbtgt", "Admin"}, true, true},
		{"ADConnector", "svc", []string{"Administrator", "Guest", "krbtgt", "svc"}, false, true},
	} {
		t.Run(c.typ, func(t *testing.T) {
			dir := &directory.DSDirectory{ID: "d-1234567890", Name: "corp.example.com", ShortName: "CORP",
				AdminUser: c.admin, DomainSID: "S-1-5-21-1-2-3", NextRID: 1104}
			if err := json.Unmarshal([]byte(`{"type":"`+c.typ+`"}`), dir); err != nil { // the type as stored
				t.Fatal(err)
			}
			st, sc := seed(t, dir)
			err := st.View(context.Background(), func(tx deskplane.Tx) error {
				var users []string
				sids := map[string]bool{}
				if err := directory.Users().Each(tx, sc, 0, func(_ int64, u *directory.User) (bool, error) {
					users = append(users, u.SAMAccountName)
					if sids[u.SID] {
						t.Errorf("SID %s twice", u.SID)
					}
					sids[u.SID] = true
					if wantEnabled := u.SAMAccountName == "Administrator" || u.SAMAccountName == c.admin; u.Enabled != wantEnabled {
						t.Errorf("%s enabled %v", u.SAMAccountName, u.Enabled)
					}
					return true, nil
				}); err != nil {
					return err
				}
				if !slices.Equal(users, c.users) {
					t.Errorf("users %v, want %v", users, c.users)
				}
				groups := map[string]*directory.Group{}
				if err := directory.Groups().Each(tx, sc, 0, func(_ int64, g *directory.Group) (bool, error) {
					groups[g.SAMAccountName] = g
					if sids[g.SID] {
						t.Errorf("SID %s twice (%s)", g.SID, g.SAMAccountName)
					}
					sids[g.SID] = true
					return true, nil
				}); err != nil {
					return err
				}
				if du := groups["Domain Users"]; du == nil || du.SID != "S-1-5-21-1-2-3-513" || du.Scope != directory.GroupGlobal || !du.System {
					t.Errorf("Domain Users: %+v", du)
				}
				if a := groups["Administrators"]; a == nil || a.SID != "S-1-5-32-544" || a.Scope != directory.GroupBuiltinLocal {
					t.Errorf("Administrators: %+v", a)
				}
				if _, ok := groups["AWS Delegated Administrators"]; ok != c.hasAWS {
					t.Errorf("AWS groups: %v", ok)
				}
				if _, ok := groups["Protected Users"]; ok != c.hasWin {
					t.Errorf("Windows Server groups: %v", ok)
				}
				of, err := directory.GroupsOf(tx, sc, dir.ID, "ADMINISTRATOR")
				if err != nil {
					return err
				}
				if !slices.Equal(of, []string{"Domain Users", "Administrators", "Domain Admins", "Schema Admins", "Enterprise Admins", "Group Policy Creator Owners"}) {
					t.Errorf("groups of Administrator: %v", of)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if dir.NextRID <= 1104 {
				t.Error("seeding took no relative ids")
			}

			// DeleteDirectoryPrincipals leaves nothing of the directory.
			err = st.Update(context.Background(), func(tx deskplane.Tx) error {
				return directory.DeleteDirectoryPrincipals(tx, sc, dir.ID)
			})
			if err != nil {
				t.Fatal(err)
			}
			_ = st.View(context.Background(), func(tx deskplane.Tx) error {
				for _, k := range []deskplane.Kind{deskplane.KindUser, directory.KindGroup, directory.KindGroupMember} {
					if n, _ := tx.Count(sc, k); n != 0 {
						t.Errorf("%d %s records remain", n, k)
					}
				}
				return nil
			})
		})
	}
}

func TestDirectoryContainers(t *testing.T) {
	ms := &directory.DSDirectory{Name: "corp.example.com", ShortName: "CORP", Type: "MicrosoftAD"}
	simple := &directory.DSDirectory{Name: "corp.example.com", ShortName: "CORP", Type: "SimpleAD"}
	if dn := ms.DistinguishedName("jane", ""); dn != "CN=jane,OU=Users,OU=CORP,DC=corp,DC=example,DC=com" {
		t.Errorf("Microsoft AD: %s", dn)
	}
	if dn := simple.DistinguishedName("jane", ""); dn != "CN=jane,CN=Users,DC=corp,DC=example,DC=com" {
		t.Errorf("Simple AD: %s", dn)
	}
	for _, c := range []struct {
		dir                  *directory.DSDirectory
		container            string
		writable, membership bool
	}{
		{ms, "", true, true},
		{ms, "OU=Users,OU=CORP", true, true},
		{ms, directory.ContainerUsers, false, false},
		{ms, directory.ContainerDelegated, false, true},
		{ms, directory.ContainerReserved, false, false},
		{simple, directory.ContainerBuiltin, true, true},
	} {
		if c.dir.Writable(c.container) != c.writable || c.dir.MembershipWritable(c.container) != c.membership {
			t.Errorf("%s %q: writable %v, membership %v", c.dir.Type, c.container, c.dir.Writable(c.container), c.dir.MembershipWritable(c.container))
		}
	}
	for _, c := range []struct {
		status directory.DataAccessStatus
		ok     bool
	}{{"", true}, {directory.DataAccessEnabled, true}, {directory.DataAccessDisabled, false}, {directory.DataAccessEnabling, false}, {directory.DataAccessFailed, false}} {
		if (&directory.DSDirectory{DataAccess: c.status}).DataAccessAllowed() != c.ok {
			t.Errorf("data access %q", c.status)
		}
	}
}

// TestAttributeValueDecoding: attribute values decode from records written
// before values were typed (a string holding the value's JSON) and as
// they are written now.
func TestAttributeValueDecoding(t *testing.T) {
	var u directory.User
	old := `{"directoryId":"d-1","sam":"Alice","attributes":{"department":"{\"S\":\"Finance\"}","employeeNumber":"{\"N\":42}"}}`
	if err := json.Unmarshal([]byte(old), &u); err != nil {
		t.Fatal(err)
	}
	if d := u.Attributes["department"]; d.S == nil || *d.S != "Finance" {
		t.Errorf("department: %+v", d)
	}
	if n := u.Attributes["employeeNumber"]; n.N == nil || *n.N != 42 {
		t.Errorf("employeeNumber: %+v", n)
	}
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"department":{"S":"Finance"}`) {
		t.Errorf("written as %s", b)
	}
	var again directory.User
	if err := json.Unmarshal(b, &again); err != nil || *again.Attributes["department"].S != "Finance" {
		t.Errorf("read back: %+v %v", again, err)
	}
	if err := json.Unmarshal([]byte(`{"attributes":{"x":"not json"}}`), &again); err == nil {
		t.Error("a malformed value decoded")
	}
}
