package deskplane

import "strings"

// The record kinds. Each resource kind keeps one record per resource in its
// owner's scope.
const (
	KindWorkspace    Kind = "workspace"    // ws-
	KindImage        Kind = "image"        // wsi-
	KindImageShare   Kind = "imageshare"   // in the recipient's scope: an image shared with it (id = image id)
	KindBundle       Kind = "bundle"       // wsb- (custom bundles; the AMAZON catalogue is built in)
	KindDirectory    Kind = "directory"    // a WorkSpaces registration of a directory (d-/wsd-)
	KindDSDirectory  Kind = "dsdirectory"  // a Directory Service directory (d-)
	KindUser         Kind = "user"         // a directory user (id = directory id + "/" + lower-cased name)
	KindIPGroup      Kind = "ipgroup"      // wsipg-
	KindAlias        Kind = "alias"        // wsca-
	KindAliasShare   Kind = "aliasshare"   // in the recipient's scope
	KindPool         Kind = "pool"         // wspool-
	KindTags         Kind = "tags"         // the tags of a resource (id = resource id)
	KindAccount      Kind = "account"      // account settings (id "account")
	KindAccountMod   Kind = "accountmod"   // account modification history
	KindBranding     Kind = "branding"     // client branding per directory
	KindAddIn        Kind = "addin"        // Amazon Connect client add-ins
	KindAppAssoc     Kind = "appassoc"     // application associations
	KindAccountLink  Kind = "accountlink"  // account link invitations
	KindImageImport  Kind = "imageimport"  // custom image imports
	KindEC2Image     Kind = "ec2image"     // the control API's facts about an EC2 AMI (id = AMI id)
	KindOrganization Kind = "organization" // an account's AWS Organizations membership, in Scope{Account: a} (id "organization")
	KindCounter      Kind = "counter"      // internal counters

	// KindTransitionFault is an injected transition fault (faults.go), in
	// GlobalScope(): id = fault id.
	KindTransitionFault Kind = "transitionfault"

	// Indexes kept by the WorkSpaces area so that CreateWorkspaces checks
	// need no scan: each record's body names the WorkSpace holding it.
	KindWorkspaceUser Kind = "workspaceuser" // one WorkSpace per user per directory: id = directory id + "/" + lower-cased user name, or directory id + "#" + WorkspaceName (user-decoupled)
	KindWorkspaceIP   Kind = "workspaceip"   // private IP addresses in use: id = IPv4 address
	KindWorkspaceGPU  Kind = "workspacegpu"  // graphics WorkSpaces, for their own quota: id = WorkSpace id

	// KindAliasReservation reserves a connection string for the account
	// that first created it, in every Region and after its aliases are
	// deleted: id = lower-cased connection string, in GlobalScope().
	KindAliasReservation Kind = "aliasreservation"

	// KindEndpointEncryption keeps a registered directory's endpoint
	// encryption mode (ModifyEndpointEncryptionMode): id = directory id.
	KindEndpointEncryption Kind = "endpointencryption"
)

// KindOfID returns the kind of resource an identifier names, from its
// prefix, and false for an identifier of no known kind.
func KindOfID(id string) (Kind, bool) {
	switch {
	case strings.HasPrefix(id, "ws-"):
		return KindWorkspace, true
	case strings.HasPrefix(id, "wsi-"):
		return KindImage, true
	case strings.HasPrefix(id, "wsb-"):
		return KindBundle, true
	case strings.HasPrefix(id, "d-"), strings.HasPrefix(id, "wsd-"):
		return KindDirectory, true
	case strings.HasPrefix(id, "wsipg-"):
		return KindIPGroup, true
	case strings.HasPrefix(id, "wsca-"):
		return KindAlias, true
	case strings.HasPrefix(id, "wspool-"):
		return KindPool, true
	}
	return "", false
}
