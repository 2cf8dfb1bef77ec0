package applications

import (
	"slices"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// The AMAZON application catalogue: the AWS-subscribed Microsoft
// application bundles of "Manage applications", as data
// (docs/decisions/0052-applications.md).

// appFamily groups the applications that cannot be installed side by side.
type appFamily string

const (
	familyOffice       appFamily = "office"
	familyVisio        appFamily = "visio"
	familyProject      appFamily = "project"
	familyVisualStudio appFamily = "visualstudio"
)

// catalogueApp is one application of the AMAZON catalogue.
type catalogueApp struct {
	id          string
	name        string
	description string
	family      appFamily
	version     string // 2016, 2019, 2021, 2022
	state       wsapi.WorkSpaceApplicationState
	license     wsapi.WorkSpaceApplicationLicenseType
	compute     []wsapi.Compute
	os          []wsapi.OperatingSystemName
	created     time.Time
	// byolName is the ImportWorkspaceImage Applications value that brings
	// the application onto a BYOL image ("" for none).
	byolName wsapi.Application
}

// officeSuite reports whether the application is part of the Office
// click-to-run suite (Office, Visio, Project), whose products of different
// versions cannot be installed together.
func (a catalogueApp) officeSuite() bool {
	return a.family == familyOffice || a.family == familyVisio || a.family == familyProject
}

// conflictsWith reports whether two different applications are editions of
// one product and version (Professional and Standard, Professional and
// Enterprise): they cannot be associated with one WorkSpace together
// (IncompatibleApplicationsException).
func (a catalogueApp) conflictsWith(b catalogueApp) bool {
	return a.id != b.id && a.family == b.family && a.version == b.version
}

// olderSuite reports whether b is an older version of the Office suite than
// a: installing a fails while b is on the WorkSpace
// (ValidationError.ApplicationOldVersionExists).
func (a catalogueApp) olderSuite(b catalogueApp) bool {
	return a.officeSuite() && b.officeSuite() && b.version < a.version
}

func (a catalogueApp) supportsCompute(c deskplane.Compute) bool {
	return slices.Contains(a.compute, wsapi.Compute(c))
}

func (a catalogueApp) supportsOS(os deskplane.OperatingSystemName) bool {
	return slices.Contains(a.os, wsapi.OperatingSystemName(os))
}

// applicationCatalogue is the AMAZON catalogue, in listing order: the
// AWS-subscribed Microsoft application bundles of "Manage applications".
// Office 2016 and 2019 can only be uninstalled (UNINSTALL_ONLY). The ids and
// creation dates are deskplane's; no public source lists the real ones.
func applicationCatalogue() []catalogueApp {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 17, 0, 0, 0, time.UTC) }
	const (
		value, standard, performance = wsapi.ComputeValue, wsapi.ComputeStandard, wsapi.ComputePerformance
		power, powerPro              = wsapi.ComputePower, wsapi.ComputePowerpro
		gp4, gp8                     = wsapi.ComputeGeneralpurpose4xlarge, wsapi.ComputeGeneralpurpose8xlarge
		g4dn, gpro4dn                = wsapi.ComputeGraphicsG4dn, wsapi.ComputeGraphicsproG4dn
		graphics, graphicsPro        = wsapi.ComputeGraphics, wsapi.ComputeGraphicspro
		win10, win11                 = wsapi.OperatingSystemNameWindows10, wsapi.OperatingSystemNameWindows11
		ws2016, ws2019, ws2022       = wsapi.OperatingSystemNameWindowsServer2016, wsapi.OperatingSystemNameWindowsServer2019, wsapi.OperatingSystemNameWindowsServer2022
		licensed                     = wsapi.WorkSpaceApplicationLicenseTypeLicensed
		available, uninstallOnly     = wsapi.WorkSpaceApplicationStateAvailable, wsapi.WorkSpaceApplicationStateUninstallOnly
	)
	// Office 2021 needs 4 GiB of memory: every current compute type but
	// Value. Visual Studio 2022 wants 8 GiB or more. The Office 2016 and
	// 2019 bundles ran on every compute type, Value included.
	modern := []wsapi.Compute{standard, performance, power, powerPro, gp4, gp8, g4dn, gpro4dn}
	developer := []wsapi.Compute{performance, power, powerPro, gp4, gp8, g4dn, gpro4dn}
	legacy := []wsapi.Compute{value, standard, performance, power, powerPro, graphics, graphicsPro, g4dn, gpro4dn, gp4, gp8}
	office2021OS := []wsapi.OperatingSystemName{win10, win11, ws2016, ws2019, ws2022}
	vsOS := []wsapi.OperatingSystemName{win10, win11, ws2019, ws2022}
	return []catalogueApp{
		{"wsa-2k7mqz1x9", "Microsoft Office 2016 Professional Plus", "Microsoft Office Professional Plus 2016: Word, Excel, PowerPoint, Outlook, OneNote, Access and Publisher (uninstall only)",
			familyOffice, "2016", uninstallOnly, licensed, legacy, []wsapi.OperatingSystemName{win10, ws2016, ws2019}, day(2023, 11, 16), wsapi.ApplicationMicrosoftOffice2016},
		{"wsa-5t8bnc3r0", "Microsoft Office 2019 Professional Plus", "Microsoft Office Professional Plus 2019: Word, Excel, PowerPoint, Outlook, OneNote, Access and Publisher (uninstall only)",
			familyOffice, "2019", uninstallOnly, licensed, legacy, office2021OS, day(2023, 11, 16), wsapi.ApplicationMicrosoftOffice2019},
		{"wsa-9d4vhw6l2", "Microsoft Office LTSC Professional Plus 2021", "Microsoft Office LTSC Professional Plus 2021: Word, Excel, PowerPoint, Outlook, OneNote, Access and Publisher",
			familyOffice, "2021", available, licensed, modern, office2021OS, day(2023, 11, 16), ""},
		{"wsa-1q6ejx8p5", "Microsoft Office LTSC Standard 2021", "Microsoft Office LTSC Standard 2021: Word, Excel, PowerPoint, Outlook, OneNote and Publisher",
			familyOffice, "2021", available, licensed, modern, office2021OS, day(2023, 11, 16), ""},
		{"wsa-7n2kgs4y8", "Microsoft Visio LTSC Professional 2021", "Microsoft Visio LTSC Professional 2021",
			familyVisio, "2021", available, licensed, modern, office2021OS, day(2023, 11, 16), ""},
		{"wsa-3w9fzt5m1", "Microsoft Visio LTSC Standard 2021", "Microsoft Visio LTSC Standard 2021",
			familyVisio, "2021", available, licensed, modern, office2021OS, day(2023, 11, 16), ""},
		{"wsa-8c1rdy7h4", "Microsoft Project Professional 2021", "Microsoft Project Professional 2021",
			familyProject, "2021", available, licensed, modern, office2021OS, day(2023, 11, 16), ""},
		{"wsa-4h5xlq2b6", "Microsoft Project Standard 2021", "Microsoft Project Standard 2021",
			familyProject, "2021", available, licensed, modern, office2021OS, day(2023, 11, 16), ""},
		{"wsa-6p3gm9v0t", "Microsoft Visual Studio Professional 2022", "Microsoft Visual Studio Professional 2022",
			familyVisualStudio, "2022", available, licensed, developer, vsOS, day(2024, 3, 12), ""},
		{"wsa-0z8wuk1n7", "Microsoft Visual Studio Enterprise 2022", "Microsoft Visual Studio Enterprise 2022",
			familyVisualStudio, "2022", available, licensed, developer, vsOS, day(2024, 3, 12), ""},
	}
}

// catalogueApplication returns the application with the id.
func catalogueApplication(id string) (catalogueApp, bool) {
	for _, a := range applicationCatalogue() {
		if a.id == id {
			return a, true
		}
	}
	return catalogueApp{}, false
}

// byolApplication returns the application an ImportWorkspaceImage
// Applications value (Microsoft_Office_2016, Microsoft_Office_2019) puts on
// the image.
func byolApplication(name string) (catalogueApp, bool) {
	for _, a := range applicationCatalogue() {
		if a.byolName != "" && string(a.byolName) == name {
			return a, true
		}
	}
	return catalogueApp{}, false
}
