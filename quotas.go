package deskplane

// Quotas are the per-account, per-Region limits (behaviour doc §6.1).
type Quotas struct {
	Workspaces         int // real default 1, adjustable; deskplane default 1000
	GraphicsWorkspaces int // Graphics/GraphicsPro; real default 0, deskplane follows Workspaces
	Images             int // 40
	Bundles            int // 50, not adjustable
	Directories        int // registered directories: 50
	DSDirectories      int // Directory Service directories (Simple AD 10 per region)
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
		DSDirectories:     50,
		ConnectionAliases: 20,
		IPGroups:          100,
		IPGroupsPerDir:    25,
		RulesPerIPGroup:   10,
		Pools:             10,
	}
}
