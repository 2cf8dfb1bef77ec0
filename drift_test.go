package deskplane_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/dsdataapi"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// The domain's enumerations mirror the models' enums. This test holds
// every typed constant of the root package against the generated Values()
// of its model enum, so that a regenerated model that drops or renames a
// value fails here, not in a client.

// modelValues maps each typed enumeration of the root package to the
// values the model lists for it.
func modelValues() map[string][]string {
	return map[string][]string{
		"WorkspaceState":           values(wsapi.WorkspaceState("").Values()),
		"ImageState":               values(wsapi.WorkspaceImageState("").Values()),
		"ImageTenancy":             values(wsapi.WorkspaceImageRequiredTenancy("").Values()),
		"BundleState":              values(wsapi.WorkspaceBundleState("").Values()),
		"DirectoryState":           values(wsapi.WorkspaceDirectoryState("").Values()),
		"DSDirectoryStage":         values(dsapi.DirectoryStage("").Values()),
		"PoolState":                values(wsapi.WorkspacesPoolState("").Values()),
		"ConnectionAliasState":     values(wsapi.ConnectionAliasState("").Values()),
		"AliasAssociationStatus":   values(wsapi.AssociationStatus("").Values()),
		"AppAssociationState":      values(wsapi.AssociationState("").Values()),
		"AccountModificationState": values(wsapi.DedicatedTenancyModificationStateEnum("").Values()),
		"AccountLinkStatus":        values(wsapi.AccountLinkStatusEnum("").Values()),
		"ModificationState":        values(wsapi.ModificationStateEnum("").Values()),
		"ModificationResource":     values(wsapi.ModificationResourceEnum("").Values()),
		"RunningMode":              values(wsapi.RunningMode("").Values()),
		"Compute":                  values(wsapi.Compute("").Values()),
		"Protocol":                 values(wsapi.Protocol("").Values()),
		"OperatingSystemName":      values(wsapi.OperatingSystemName("").Values()),
		"GroupType":                values(dsdataapi.GroupType("").Values()),
		"GroupScope":               values(dsdataapi.GroupScope("").Values()),
		"MemberType":               values(dsdataapi.MemberType("").Values()),
		"DataAccessStatus":         values(dsapi.DataAccessStatus("").Values()),
		"DSTrustState":             values(dsapi.TrustState("").Values()),
		"DSSnapshotStatus":         values(dsapi.SnapshotStatus("").Values()),
		"DSShareStatus":            values(dsapi.ShareStatus("").Values()),
		"DSUpdateStatus":           values(dsapi.UpdateStatus("").Values()),
		"DSLDAPSStatus":            values(dsapi.LDAPSStatus("").Values()),
		"DSDomainControllerStatus": values(dsapi.DomainControllerStatus("").Values()),
		"DSRadiusStatus":           values(dsapi.RadiusStatus("").Values()),
		"DSSchemaExtensionStatus":  values(dsapi.SchemaExtensionStatus("").Values()),
	}
}

// notModel lists the typed string types of the root package that are not
// model enums (deskplane's own vocabularies).
func notModel() []string {
	return []string{
		"Kind", "Transition", "Action", "ComputeFamily",
		"DesktopState", // a desktop provider's view of a desktop (desktop.go)
		"ImageOrigin",  // how an image was made (image.go)
		"DeviceType",   // a WorkspaceAccessProperties member name (access/access.go)
	}
}

func values[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// rootConstants returns the typed string constants declared in the root
// package's Go files (tests excluded), by type name.
func rootConstants(t *testing.T) map[string]map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	out := map[string]map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				typ, ok := vs.Type.(*ast.Ident)
				if !ok || len(vs.Values) != len(vs.Names) {
					continue
				}
				for i, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					if out[typ.Name] == nil {
						out[typ.Name] = map[string]string{}
					}
					out[typ.Name][vs.Names[i].Name] = s
				}
			}
		}
	}
	return out
}

func TestDomainEnumsAreModelValues(t *testing.T) {
	model := modelValues()
	consts := rootConstants(t)
	if len(consts["WorkspaceState"]) == 0 {
		t.Fatal("found no WorkspaceState constants: is the test reading the root package?")
	}
	for typ, cs := range consts {
		if slices.Contains(notModel(), typ) {
			continue
		}
		want, ok := model[typ]
		if !ok {
			t.Errorf("type %s has string constants but no model enum in modelValues (or notModel)", typ)
			continue
		}
		for name, v := range cs {
			if !slices.Contains(want, v) {
				t.Errorf("%s %s = %q is not a value of its model enum %v", typ, name, v, want)
			}
		}
	}
}

// TestTransitionTableStatesAreModelValues checks the states the tables
// use, literal or not.
func TestTransitionTableStatesAreModelValues(t *testing.T) {
	model := modelValues()
	check := func(typ string, states ...string) {
		for _, s := range states {
			if s != "" && !slices.Contains(model[typ], s) {
				t.Errorf("a %s table uses %q, which is not a model value", typ, s)
			}
		}
	}
	each := func(typ string, rows func(func(from []string, via, to string))) {
		rows(func(from []string, via, to string) { check(typ, append(from, via, to)...) })
	}
	each("WorkspaceState", rowsOf(deskplane.WorkspaceTable()))
	each("ImageState", rowsOf(deskplane.ImageTable()))
	each("BundleState", rowsOf(deskplane.BundleTable()))
	each("DirectoryState", rowsOf(deskplane.DirectoryTable()))
	each("DSDirectoryStage", rowsOf(deskplane.DSDirectoryTable()))
	each("DSDirectoryStage", rowsOf(directory.DSRegionTable()))
	each("DSTrustState", rowsOf(directory.DSTrustTable()))
	each("DSSnapshotStatus", rowsOf(directory.DSSnapshotTable()))
	each("DSSchemaExtensionStatus", rowsOf(directory.DSSchemaExtensionTable()))
	each("DSRadiusStatus", rowsOf(directory.DSRadiusTable()))
	each("DSLDAPSStatus", rowsOf(directory.DSLDAPSTable()))
	each("DSDomainControllerStatus", rowsOf(directory.DSDomainControllerTable()))
	each("DSUpdateStatus", rowsOf(directory.DSUpdateTable()))
	each("PoolState", rowsOf(deskplane.PoolTable()))
	each("ConnectionAliasState", rowsOf(deskplane.ConnectionAliasTable()))
	each("AppAssociationState", rowsOf(deskplane.AppAssociationTable()))
	each("AccountModificationState", rowsOf(deskplane.AccountModificationTable()))
}

func rowsOf[S ~string](tab deskplane.TransitionTable[S]) func(func(from []string, via, to string)) {
	return func(yield func(from []string, via, to string)) {
		for _, r := range tab.Rows {
			yield(values(r.From), string(r.Via), string(r.To))
		}
	}
}
