package deskplane

// Quotas are the per-account, per-Region limits (behaviour doc §6.1).
type Quotas struct {
	Workspaces         int // real default 1, adjustable; deskplane default 1000
	GraphicsWorkspaces int // Graphics, GraphicsPro and their g4dn types: 0 as on AWS (decision 0322)
	Images             int // 40
	Bundles            int // 50, not adjustable
	Directories        int // registered directories: 50
	DSSimpleAD         int // Simple AD directories: 10 (GetDirectoryLimits CloudOnlyDirectories)
	DSMicrosoftAD      int // AWS Managed Microsoft AD directories: 20 (CloudOnlyMicrosoftAD)
	DSConnectors       int // AD Connectors: 10 (ConnectedDirectories)
	DSManualSnapshots  int // manual snapshots per directory: 5
	ConnectionAliases  int // 20
	IPGroups           int // 100
	IPGroupsPerDir     int // 25
	RulesPerIPGroup    int // 10
	Pools              int // 10
}

// DefaultQuotas are deskplane's defaults: the real ones, except WorkSpaces
// (see docs/decisions/0005-quotas.md).
func DefaultQuotas() Quotas {
	return Quotas{
		Workspaces:        1000,
		Images:            40,
		Bundles:           50,
		Directories:       50,
		DSSimpleAD:        10,
		DSMicrosoftAD:     20,
		DSConnectors:      10,
		DSManualSnapshots: 5,
		ConnectionAliases: 20,
		IPGroups:          100,
		IPGroupsPerDir:    25,
		RulesPerIPGroup:   10,
		Pools:             10,
	}
}
