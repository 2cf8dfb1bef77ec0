package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
)

// The AMAZON public catalogue (behaviour doc §4.1; docs/decisions/0012-amazon-catalogue.md).
//
// Public bundles and their images are built in: every account in every
// Region sees the same catalogue, so it is code, not records. It is built by
// a function on each use (no package-level state); it is small.
//
// Bundle ids are the real public ids where public sources show them
// (describe-workspace-bundles --owner AMAZON output quoted in AWS CLI
// examples, Terraform acceptance tests, infrastructure code listing the
// us-west-2 catalogue); the few marked "deskplane id" are plausible fixed
// ids for bundles whose real id no public source shows. Image ids are
// deskplane ids: real public images are not listed anywhere public.
//
// Windows 10 and Windows 11 desktop editions are BYOL-only: the public
// "Windows 10" bundles run Windows Server with the Windows 10 desktop
// experience, named "(Server 2019 based)" / "(Server 2022 based)", and their
// OperatingSystemName is WINDOWS_SERVER_2019 / WINDOWS_SERVER_2022.

// amazonOwner is the Owner of catalogue bundles and images in the domain.
// DescribeWorkspaceBundles shows it as "Amazon" (see wireBundle).
const amazonOwner = "AMAZON"

// computeSpec is the hardware of a compute type (AWS WorkSpaces bundle
// table): vCPUs, memory, default root and user volumes.
type computeSpec struct {
	name    deskplane.Compute
	display string // as in bundle names
	vcpu    int
	memGiB  int
	gpu     string // "" or a GPU description
	rootGB  int
	userGB  int
}

func computeSpecs() []computeSpec {
	return []computeSpec{
		{"VALUE", "Value", 1, 2, "", 80, 10},
		{"STANDARD", "Standard", 2, 4, "", 80, 50},
		{"PERFORMANCE", "Performance", 2, 8, "", 80, 100},
		{"POWER", "Power", 4, 16, "", 175, 100},
		{"POWERPRO", "PowerPro", 8, 32, "", 175, 100},
		{"GRAPHICS", "Graphics", 8, 15, "1 GPU with 4 GiB video memory", 100, 100},
		{"GRAPHICSPRO", "GraphicsPro", 16, 122, "1 GPU with 8 GiB video memory", 100, 100},
		{"GRAPHICS_G4DN", "Graphics.g4dn", 4, 16, "1 GPU with 16 GiB video memory", 100, 100},
		{"GRAPHICSPRO_G4DN", "GraphicsPro.g4dn", 16, 64, "1 GPU with 16 GiB video memory", 100, 100},
		{"GENERALPURPOSE_4XLARGE", "GeneralPurpose.4xlarge", 16, 64, "", 175, 100},
		{"GENERALPURPOSE_8XLARGE", "GeneralPurpose.8xlarge", 32, 128, "", 175, 100},
	}
}

// computeSpecOf returns the hardware of a compute type.
func computeSpecOf(name deskplane.Compute) (computeSpec, bool) {
	for _, s := range computeSpecs() {
		if s.name == name {
			return s, true
		}
	}
	return computeSpec{}, false
}

// catalogueImage is one AMAZON image: an operating system, a protocol and
// whether it carries GPU drivers.
type catalogueImage struct {
	id       string
	os       deskplane.OperatingSystemName
	display  string // as in bundle names: "Windows 10 (Server 2022 based)"
	protocol deskplane.Protocol
	gpu      bool
	wspName  bool // the bundle name carries " (WSP)"
	created  time.Time
}

// catalogueBundle is one public bundle: an image and a compute type.
type catalogueBundle struct {
	id      string
	image   string // catalogueImage id
	compute deskplane.Compute
}

func catalogueDay(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func catalogueImages() []catalogueImage {
	return []catalogueImage{
		// Legacy images still describable (Terraform's acceptance tests
		// read wsb-b0s22j3d7 "Performance with Windows 7" and
		// wsb-df76rqys9 "Value with Windows 10 and Office 2016").
		{"wsi-1d3cdq1c7", "WINDOWS_7", "Windows 7", "PCOIP", false, false, catalogueDay(2016, 3, 1)},
		{"wsi-6wkl2xb3j", "WINDOWS_SERVER_2016", "Windows 10 (Server 2016 based)", "PCOIP", false, false, catalogueDay(2018, 6, 12)},
		{"wsi-0v4zpw1b8", "WINDOWS_SERVER_2016", "Windows 10 and Office 2016", "PCOIP", false, false, catalogueDay(2018, 6, 12)},
		// Windows Server 2019 based.
		{"wsi-9fw7m2kxq", "WINDOWS_SERVER_2019", "Windows 10 (Server 2019 based)", "PCOIP", false, false, catalogueDay(2021, 9, 14)},
		{"wsi-3c8rj5nts", "WINDOWS_SERVER_2019", "Windows 10 (Server 2019 based)", "WSP", false, true, catalogueDay(2021, 9, 14)},
		{"wsi-h2d6yq0pv", "WINDOWS_SERVER_2019", "Windows 10 (Server 2019 based)", "PCOIP", true, false, catalogueDay(2021, 9, 14)},
		// Windows Server 2022 based.
		{"wsi-5kq1x9tgm", "WINDOWS_SERVER_2022", "Windows 10 (Server 2022 based)", "PCOIP", false, false, catalogueDay(2023, 11, 7)},
		{"wsi-b7n4c2lzr", "WINDOWS_SERVER_2022", "Windows 10 (Server 2022 based)", "WSP", false, true, catalogueDay(2023, 11, 7)},
		{"wsi-w0t8f3djs", "WINDOWS_SERVER_2022", "Windows 10 (Server 2022 based)", "PCOIP", true, false, catalogueDay(2023, 11, 7)},
		{"wsi-q6v2h8mbk", "WINDOWS_SERVER_2022", "Windows 10 (Server 2022 based)", "WSP", true, true, catalogueDay(2023, 11, 7)},
		// Linux.
		{"wsi-2xg9p4rwc", "AMAZON_LINUX_2", "Amazon Linux 2", "PCOIP", false, false, catalogueDay(2022, 4, 19)},
		{"wsi-k8s3m6yvd", "UBUNTU_22_04", "Ubuntu 22.04", "WSP", false, false, catalogueDay(2023, 6, 27)},
		{"wsi-n5j0t7cqf", "UBUNTU_22_04", "Ubuntu 22.04", "WSP", true, false, catalogueDay(2023, 6, 27)},
		{"wsi-r4b1w8zhl", "ROCKY_8", "Rocky Linux 8", "WSP", false, false, catalogueDay(2023, 9, 19)},
	}
}

func catalogueBundles() []catalogueBundle {
	return []catalogueBundle{
		// Legacy.
		{"wsb-b0s22j3d7", "wsi-1d3cdq1c7", "PERFORMANCE"},
		{"wsb-1pzkp0bx4", "wsi-1d3cdq1c7", "POWERPRO"},
		{"wsb-df76rqys9", "wsi-0v4zpw1b8", "VALUE"},
		{"wsb-bh8rsxt14", "wsi-6wkl2xb3j", "VALUE"},
		{"wsb-8vbljg4r6", "wsi-6wkl2xb3j", "STANDARD"},
		{"wsb-gm4d5tx2v", "wsi-6wkl2xb3j", "PERFORMANCE"},
		{"wsb-03gyjnfyy", "wsi-h2d6yq0pv", "GRAPHICS"},
		// Windows 10 (Server 2019 based), PCoIP.
		{"wsb-fb2xfp6r8", "wsi-9fw7m2kxq", "VALUE"},
		{"wsb-gk1wpk43z", "wsi-9fw7m2kxq", "STANDARD"},
		{"wsb-fn373c5rw", "wsi-9fw7m2kxq", "PERFORMANCE"},
		{"wsb-v6727whq5", "wsi-9fw7m2kxq", "POWER"},
		{"wsb-bf5th9f2y", "wsi-9fw7m2kxq", "POWERPRO"},
		{"wsb-96qtqtx65", "wsi-h2d6yq0pv", "GRAPHICS_G4DN"},
		{"wsb-jgx0cjr8w", "wsi-h2d6yq0pv", "GRAPHICSPRO_G4DN"},
		// Windows 10 (Server 2019 based), WSP.
		{"wsb-dv5v4v37h", "wsi-3c8rj5nts", "VALUE"},
		{"wsb-6cbvhvv9f", "wsi-3c8rj5nts", "STANDARD"},
		{"wsb-55rrhyyg1", "wsi-3c8rj5nts", "PERFORMANCE"},
		{"wsb-g72p36ch9", "wsi-3c8rj5nts", "POWER"},
		{"wsb-fx3bdyds8", "wsi-3c8rj5nts", "POWERPRO"},
		// Windows 10 (Server 2022 based), PCoIP.
		{"wsb-5rldsz4nl", "wsi-5kq1x9tgm", "STANDARD"},
		{"wsb-39nl99v7l", "wsi-5kq1x9tgm", "PERFORMANCE"},
		{"wsb-6gkrxc3bt", "wsi-5kq1x9tgm", "POWER"},
		{"wsb-h5bkw8r9g", "wsi-5kq1x9tgm", "POWERPRO"},
		{"wsb-g6cfwkdpz", "wsi-w0t8f3djs", "GRAPHICS_G4DN"},
		{"wsb-84jf7dff4", "wsi-w0t8f3djs", "GRAPHICSPRO_G4DN"},
		// Windows 10 (Server 2022 based), WSP.
		{"wsb-93xk71ss4", "wsi-b7n4c2lzr", "STANDARD"},
		{"wsb-gqbt42cw7", "wsi-b7n4c2lzr", "PERFORMANCE"},
		{"wsb-1bpbv1wvn", "wsi-b7n4c2lzr", "POWER"},
		{"wsb-b1gz69yyy", "wsi-b7n4c2lzr", "POWERPRO"},
		{"wsb-09fdsggz9", "wsi-b7n4c2lzr", "GENERALPURPOSE_4XLARGE"},
		{"wsb-c75338755", "wsi-b7n4c2lzr", "GENERALPURPOSE_8XLARGE"},
		{"wsb-xyv83v8b5", "wsi-q6v2h8mbk", "GRAPHICS_G4DN"},
		{"wsb-7pjns70jq", "wsi-q6v2h8mbk", "GRAPHICSPRO_G4DN"},
		// Amazon Linux 2 (PCoIP).
		{"wsb-9jvhtb24f", "wsi-2xg9p4rwc", "VALUE"}, // deskplane id
		{"wsb-clj85qzj1", "wsi-2xg9p4rwc", "STANDARD"},
		{"wsb-3xdkm8q0r", "wsi-2xg9p4rwc", "PERFORMANCE"}, // deskplane id
		{"wsb-2bs6k5lgn", "wsi-2xg9p4rwc", "POWER"},
		{"wsb-7ywz1c5hn", "wsi-2xg9p4rwc", "POWERPRO"}, // deskplane id
		// Ubuntu 22.04 (WSP).
		{"wsb-xnp4cfzht", "wsi-k8s3m6yvd", "VALUE"},
		{"wsb-g5rbnq51n", "wsi-k8s3m6yvd", "STANDARD"},
		{"wsb-208l8k46h", "wsi-k8s3m6yvd", "PERFORMANCE"},
		{"wsb-397hxf1ww", "wsi-k8s3m6yvd", "POWER"},
		{"wsb-8w32qplfk", "wsi-k8s3m6yvd", "POWERPRO"},
		{"wsb-dxtj45vgn", "wsi-n5j0t7cqf", "GRAPHICS_G4DN"},
		{"wsb-c9zmpvd8q", "wsi-n5j0t7cqf", "GRAPHICSPRO_G4DN"},
		// Rocky Linux 8 (WSP).
		{"wsb-2144yld8f", "wsi-r4b1w8zhl", "VALUE"},
		{"wsb-djp2k6jxl", "wsi-r4b1w8zhl", "STANDARD"},
		{"wsb-b1rv0gp2f", "wsi-r4b1w8zhl", "PERFORMANCE"},
		{"wsb-jdk1hz784", "wsi-r4b1w8zhl", "POWER"},
		{"wsb-3v313gvgc", "wsi-r4b1w8zhl", "POWERPRO"},
	}
}

// catalogue is the built AMAZON catalogue, in listing order.
type catalogue struct {
	bundles []deskplane.Bundle
	images  []deskplane.Image
}

// amazonCatalogue builds the public catalogue.
func amazonCatalogue() catalogue {
	imgs := catalogueImages()
	var c catalogue
	for _, ci := range imgs {
		c.images = append(c.images, catalogueImageRecord(ci))
	}
	for _, cb := range catalogueBundles() {
		c.bundles = append(c.bundles, catalogueBundleFor(cb, imgs))
	}
	return c
}

func catalogueBundleFor(cb catalogueBundle, imgs []catalogueImage) deskplane.Bundle {
	var ci catalogueImage
	for _, x := range imgs {
		if x.id == cb.image {
			ci = x
			break
		}
	}
	spec, _ := computeSpecOf(cb.compute)
	return catalogueBundleRecord(cb, ci, spec)
}

func catalogueImageRecord(ci catalogueImage) deskplane.Image {
	proto := "PCoIP"
	if ci.protocol == "WSP" {
		proto = "DCV"
	}
	name := ci.display + " " + proto
	if ci.gpu {
		name += " GPU"
	}
	osType := "WINDOWS"
	if !ci.os.Windows() {
		osType = "LINUX"
	}
	return deskplane.Image{
		ID:              ci.id,
		Name:            sanitizeImageName(name),
		Description:     "Amazon WorkSpaces public image of " + ci.display + " with the " + proto + " protocol",
		OperatingSystem: ci.os,
		OSType:          osType,
		State:           "AVAILABLE",
		RequiredTenancy: "DEFAULT",
		Owner:           amazonOwner,
		Created:         ci.created,
		Protocols:       []deskplane.Protocol{ci.protocol},
		RootGB:          80,
		UserGB:          10,
	}
}

// sanitizeImageName keeps image names within the model's pattern
// ^[a-zA-Z0-9_./()\\-]+$ (no spaces).
func sanitizeImageName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == ' ' {
			b[i] = '_'
		}
	}
	return string(b)
}

func catalogueBundleRecord(cb catalogueBundle, ci catalogueImage, spec computeSpec) deskplane.Bundle {
	name := spec.display + " with " + ci.display
	if ci.wspName {
		name += " (WSP)"
	}
	desc := name + " " + strconv.Itoa(spec.vcpu) + " vCPU " + strconv.Itoa(spec.memGiB) + " GiB memory"
	if spec.gpu != "" {
		desc += " " + spec.gpu
	}
	desc += " " + strconv.Itoa(spec.rootGB) + " GB root and " + strconv.Itoa(spec.userGB) + " GB user storage"
	return deskplane.Bundle{
		ID:              cb.id,
		Name:            name,
		Owner:           amazonOwner,
		Description:     desc,
		ImageID:         ci.id,
		RootStorageGB:   spec.rootGB,
		UserStorageGB:   spec.userGB,
		ComputeType:     spec.name,
		State:           "AVAILABLE",
		BundleType:      "REGULAR",
		OperatingSystem: ci.os,
		Protocols:       []deskplane.Protocol{ci.protocol},
		Created:         ci.created,
		LastUpdated:     ci.created,
	}
}

// amazonBundle returns the public bundle with the id. Only the bundle
// asked for is built: WorkSpaces look their bundle up on every request.
func (s *Server) amazonBundle(id string) (*deskplane.Bundle, bool) {
	if !strings.HasPrefix(id, "wsb-") {
		return nil, false
	}
	for _, cb := range catalogueBundles() {
		if cb.id == id {
			b := catalogueBundleFor(cb, catalogueImages())
			return &b, true
		}
	}
	return nil, false
}

// amazonImage returns the public (AMAZON-owned) image with the id: the
// image of the public bundles, describable by id.
func (s *Server) amazonImage(id string) (*deskplane.Image, bool) {
	if !strings.HasPrefix(id, "wsi-") {
		return nil, false
	}
	for _, ci := range catalogueImages() {
		if ci.id == id {
			img := catalogueImageRecord(ci)
			return &img, true
		}
	}
	return nil, false
}
