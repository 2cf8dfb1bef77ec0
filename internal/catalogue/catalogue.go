// Package catalogue is the AMAZON public catalogue as data: the public
// bundles and their images, the same for every account in every Region
// (behaviour doc §4.1; docs/decisions/0012-amazon-catalogue.md). It is
// built by functions on each use (no package-level state); it is small.
package catalogue

import (
	"strconv"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/wsapi"
)

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

// ComputeSpec is the hardware of a compute type (AWS WorkSpaces bundle
// table): vCPUs, memory, default root and user volumes.
type ComputeSpec struct {
	Compute deskplane.Compute
	Display string // as in bundle names
	VCPU    int
	MemGiB  int
	GPU     string // "" or a GPU description
	RootGB  int
	UserGB  int
}

// ComputeSpecs lists the compute types of the public bundles.
func ComputeSpecs() []ComputeSpec {
	return []ComputeSpec{
		{deskplane.ComputeValue, "Value", 1, 2, "", 80, 10},
		{deskplane.ComputeStandard, "Standard", 2, 4, "", 80, 50},
		{deskplane.ComputePerformance, "Performance", 2, 8, "", 80, 100},
		{deskplane.ComputePower, "Power", 4, 16, "", 175, 100},
		{deskplane.ComputePowerPro, "PowerPro", 8, 32, "", 175, 100},
		{deskplane.ComputeGraphics, "Graphics", 8, 15, "1 GPU with 4 GiB video memory", 100, 100},
		{deskplane.ComputeGraphicsPro, "GraphicsPro", 16, 122, "1 GPU with 8 GiB video memory", 100, 100},
		{deskplane.ComputeGraphicsG4dn, "Graphics.g4dn", 4, 16, "1 GPU with 16 GiB video memory", 100, 100},
		{deskplane.ComputeGraphicsProG4dn, "GraphicsPro.g4dn", 16, 64, "1 GPU with 16 GiB video memory", 100, 100},
		{deskplane.ComputeGeneral4XLarge, "GeneralPurpose.4xlarge", 16, 64, "", 175, 100},
		{deskplane.ComputeGeneral8XLarge, "GeneralPurpose.8xlarge", 32, 128, "", 175, 100},
	}
}

// Spec returns the hardware of a compute type.
func Spec(c deskplane.Compute) (ComputeSpec, bool) {
	for _, s := range ComputeSpecs() {
		if s.Compute == c {
			return s, true
		}
	}
	return ComputeSpec{}, false
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
		{"wsi-1d3cdq1c7", deskplane.OSWindows7, "Windows 7", deskplane.ProtocolPCoIP, false, false, catalogueDay(2016, 3, 1)},
		{"wsi-6wkl2xb3j", deskplane.OSWindowsServer2016, "Windows 10 (Server 2016 based)", deskplane.ProtocolPCoIP, false, false, catalogueDay(2018, 6, 12)},
		{"wsi-0v4zpw1b8", deskplane.OSWindowsServer2016, "Windows 10 and Office 2016", deskplane.ProtocolPCoIP, false, false, catalogueDay(2018, 6, 12)},
		// Windows Server 2019 based.
		{"wsi-9fw7m2kxq", deskplane.OSWindowsServer2019, "Windows 10 (Server 2019 based)", deskplane.ProtocolPCoIP, false, false, catalogueDay(2021, 9, 14)},
		{"wsi-3c8rj5nts", deskplane.OSWindowsServer2019, "Windows 10 (Server 2019 based)", deskplane.ProtocolWSP, false, true, catalogueDay(2021, 9, 14)},
		{"wsi-h2d6yq0pv", deskplane.OSWindowsServer2019, "Windows 10 (Server 2019 based)", deskplane.ProtocolPCoIP, true, false, catalogueDay(2021, 9, 14)},
		// Windows Server 2022 based.
		{"wsi-5kq1x9tgm", deskplane.OSWindowsServer2022, "Windows 10 (Server 2022 based)", deskplane.ProtocolPCoIP, false, false, catalogueDay(2023, 11, 7)},
		{"wsi-b7n4c2lzr", deskplane.OSWindowsServer2022, "Windows 10 (Server 2022 based)", deskplane.ProtocolWSP, false, true, catalogueDay(2023, 11, 7)},
		{"wsi-w0t8f3djs", deskplane.OSWindowsServer2022, "Windows 10 (Server 2022 based)", deskplane.ProtocolPCoIP, true, false, catalogueDay(2023, 11, 7)},
		{"wsi-q6v2h8mbk", deskplane.OSWindowsServer2022, "Windows 10 (Server 2022 based)", deskplane.ProtocolWSP, true, true, catalogueDay(2023, 11, 7)},
		// Linux.
		{"wsi-2xg9p4rwc", deskplane.OSAmazonLinux2, "Amazon Linux 2", deskplane.ProtocolPCoIP, false, false, catalogueDay(2022, 4, 19)},
		{"wsi-k8s3m6yvd", deskplane.OSUbuntu2204, "Ubuntu 22.04", deskplane.ProtocolWSP, false, false, catalogueDay(2023, 6, 27)},
		{"wsi-n5j0t7cqf", deskplane.OSUbuntu2204, "Ubuntu 22.04", deskplane.ProtocolWSP, true, false, catalogueDay(2023, 6, 27)},
		{"wsi-r4b1w8zhl", deskplane.OSRocky8, "Rocky Linux 8", deskplane.ProtocolWSP, false, false, catalogueDay(2023, 9, 19)},
	}
}

func catalogueBundles() []catalogueBundle {
	return []catalogueBundle{
		// Windows 10 (Server 2019 based), PCoIP.
		{"wsb-fb2xfp6r8", "wsi-9fw7m2kxq", deskplane.ComputeValue},
		{"wsb-gk1wpk43z", "wsi-9fw7m2kxq", deskplane.ComputeStandard},
		{"wsb-fn373c5rw", "wsi-9fw7m2kxq", deskplane.ComputePerformance},
		{"wsb-v6727whq5", "wsi-9fw7m2kxq", deskplane.ComputePower},
		{"wsb-bf5th9f2y", "wsi-9fw7m2kxq", deskplane.ComputePowerPro},
		{"wsb-96qtqtx65", "wsi-h2d6yq0pv", deskplane.ComputeGraphicsG4dn},
		{"wsb-jgx0cjr8w", "wsi-h2d6yq0pv", deskplane.ComputeGraphicsProG4dn},
		// Windows 10 (Server 2019 based), WSP.
		{"wsb-dv5v4v37h", "wsi-3c8rj5nts", deskplane.ComputeValue},
		{"wsb-6cbvhvv9f", "wsi-3c8rj5nts", deskplane.ComputeStandard},
		{"wsb-55rrhyyg1", "wsi-3c8rj5nts", deskplane.ComputePerformance},
		{"wsb-g72p36ch9", "wsi-3c8rj5nts", deskplane.ComputePower},
		{"wsb-fx3bdyds8", "wsi-3c8rj5nts", deskplane.ComputePowerPro},
		// Windows 10 (Server 2022 based), PCoIP.
		{"wsb-5rldsz4nl", "wsi-5kq1x9tgm", deskplane.ComputeStandard},
		{"wsb-39nl99v7l", "wsi-5kq1x9tgm", deskplane.ComputePerformance},
		{"wsb-6gkrxc3bt", "wsi-5kq1x9tgm", deskplane.ComputePower},
		{"wsb-h5bkw8r9g", "wsi-5kq1x9tgm", deskplane.ComputePowerPro},
		{"wsb-g6cfwkdpz", "wsi-w0t8f3djs", deskplane.ComputeGraphicsG4dn},
		{"wsb-84jf7dff4", "wsi-w0t8f3djs", deskplane.ComputeGraphicsProG4dn},
		// Windows 10 (Server 2022 based), WSP.
		{"wsb-93xk71ss4", "wsi-b7n4c2lzr", deskplane.ComputeStandard},
		{"wsb-gqbt42cw7", "wsi-b7n4c2lzr", deskplane.ComputePerformance},
		{"wsb-1bpbv1wvn", "wsi-b7n4c2lzr", deskplane.ComputePower},
		{"wsb-b1gz69yyy", "wsi-b7n4c2lzr", deskplane.ComputePowerPro},
		{"wsb-09fdsggz9", "wsi-b7n4c2lzr", deskplane.ComputeGeneral4XLarge},
		{"wsb-c75338755", "wsi-b7n4c2lzr", deskplane.ComputeGeneral8XLarge},
		{"wsb-xyv83v8b5", "wsi-q6v2h8mbk", deskplane.ComputeGraphicsG4dn},
		{"wsb-7pjns70jq", "wsi-q6v2h8mbk", deskplane.ComputeGraphicsProG4dn},
		// Amazon Linux 2 (PCoIP).
		{"wsb-9jvhtb24f", "wsi-2xg9p4rwc", deskplane.ComputeValue}, // deskplane id
		{"wsb-clj85qzj1", "wsi-2xg9p4rwc", deskplane.ComputeStandard},
		{"wsb-3xdkm8q0r", "wsi-2xg9p4rwc", deskplane.ComputePerformance}, // deskplane id
		{"wsb-2bs6k5lgn", "wsi-2xg9p4rwc", deskplane.ComputePower},
		{"wsb-7ywz1c5hn", "wsi-2xg9p4rwc", deskplane.ComputePowerPro}, // deskplane id
		// Ubuntu 22.04 (WSP).
		{"wsb-xnp4cfzht", "wsi-k8s3m6yvd", deskplane.ComputeValue},
		{"wsb-g5rbnq51n", "wsi-k8s3m6yvd", deskplane.ComputeStandard},
		{"wsb-208l8k46h", "wsi-k8s3m6yvd", deskplane.ComputePerformance},
		{"wsb-397hxf1ww", "wsi-k8s3m6yvd", deskplane.ComputePower},
		{"wsb-8w32qplfk", "wsi-k8s3m6yvd", deskplane.ComputePowerPro},
		{"wsb-dxtj45vgn", "wsi-n5j0t7cqf", deskplane.ComputeGraphicsG4dn},
		{"wsb-c9zmpvd8q", "wsi-n5j0t7cqf", deskplane.ComputeGraphicsProG4dn},
		// Rocky Linux 8 (WSP).
		{"wsb-2144yld8f", "wsi-r4b1w8zhl", deskplane.ComputeValue},
		{"wsb-djp2k6jxl", "wsi-r4b1w8zhl", deskplane.ComputeStandard},
		{"wsb-b1rv0gp2f", "wsi-r4b1w8zhl", deskplane.ComputePerformance},
		{"wsb-jdk1hz784", "wsi-r4b1w8zhl", deskplane.ComputePower},
		{"wsb-3v313gvgc", "wsi-r4b1w8zhl", deskplane.ComputePowerPro},
		// Legacy, listed after the current bundles (docs/decisions/0012-amazon-catalogue.md).
		{"wsb-b0s22j3d7", "wsi-1d3cdq1c7", deskplane.ComputePerformance},
		{"wsb-1pzkp0bx4", "wsi-1d3cdq1c7", deskplane.ComputePowerPro},
		{"wsb-df76rqys9", "wsi-0v4zpw1b8", deskplane.ComputeValue},
		{"wsb-bh8rsxt14", "wsi-6wkl2xb3j", deskplane.ComputeValue},
		{"wsb-8vbljg4r6", "wsi-6wkl2xb3j", deskplane.ComputeStandard},
		{"wsb-gm4d5tx2v", "wsi-6wkl2xb3j", deskplane.ComputePerformance},
		{"wsb-03gyjnfyy", "wsi-h2d6yq0pv", deskplane.ComputeGraphics},
	}
}

// Bundles returns the public bundles, in listing order.
func Bundles() []deskplane.Bundle {
	imgs := catalogueImages()
	out := make([]deskplane.Bundle, 0, len(imgs)*4)
	for _, cb := range catalogueBundles() {
		out = append(out, catalogueBundleFor(cb, imgs))
	}
	return out
}

// Images returns the images of the public bundles, in listing order.
func Images() []deskplane.Image {
	imgs := catalogueImages()
	out := make([]deskplane.Image, 0, len(imgs))
	for _, ci := range imgs {
		out = append(out, catalogueImageRecord(ci))
	}
	return out
}

func catalogueBundleFor(cb catalogueBundle, imgs []catalogueImage) deskplane.Bundle {
	var ci catalogueImage
	for _, x := range imgs {
		if x.id == cb.image {
			ci = x
			break
		}
	}
	spec, _ := Spec(cb.compute)
	return catalogueBundleRecord(cb, ci, spec)
}

func catalogueImageRecord(ci catalogueImage) deskplane.Image {
	proto := "PCoIP"
	if ci.protocol == deskplane.ProtocolWSP {
		proto = "DCV"
	}
	name := ci.display + " " + proto
	if ci.gpu {
		name += " GPU"
	}
	osType := wsapi.OperatingSystemTypeWindows
	if !ci.os.Windows() {
		osType = wsapi.OperatingSystemTypeLinux
	}
	return deskplane.Image{
		ID:              ci.id,
		Name:            sanitizeImageName(name),
		Description:     "Amazon WorkSpaces public image of " + ci.display + " with the " + proto + " protocol",
		OperatingSystem: ci.os,
		OSType:          string(osType),
		State:           deskplane.ImageAvailable,
		RequiredTenancy: deskplane.ImageTenancyDefault,
		Owner:           deskplane.AmazonOwner,
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

func catalogueBundleRecord(cb catalogueBundle, ci catalogueImage, spec ComputeSpec) deskplane.Bundle {
	name := spec.Display + " with " + ci.display
	if ci.wspName {
		name += " (WSP)"
	}
	desc := name + " " + strconv.Itoa(spec.VCPU) + " vCPU " + strconv.Itoa(spec.MemGiB) + " GiB memory"
	if spec.GPU != "" {
		desc += " " + spec.GPU
	}
	desc += " " + strconv.Itoa(spec.RootGB) + " GB root and " + strconv.Itoa(spec.UserGB) + " GB user storage"
	return deskplane.Bundle{
		ID:              cb.id,
		Name:            name,
		Owner:           deskplane.AmazonOwner,
		Description:     desc,
		ImageID:         ci.id,
		RootStorageGB:   spec.RootGB,
		UserStorageGB:   spec.UserGB,
		ComputeType:     spec.Compute,
		State:           deskplane.BundleAvailable,
		BundleType:      string(wsapi.BundleTypeRegular),
		OperatingSystem: ci.os,
		Protocols:       []deskplane.Protocol{ci.protocol},
		Created:         ci.created,
		LastUpdated:     ci.created,
	}
}

// Bundle returns the public bundle with the id. Only the bundle asked for
// is built: WorkSpaces look their bundle up on every request.
func Bundle(id string) (*deskplane.Bundle, bool) {
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

// Image returns the public (AMAZON-owned) image with the id: an image of
// the public bundles, describable by id.
func Image(id string) (*deskplane.Image, bool) {
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

// LookupBundle returns a bundle the scope may use: one of the AMAZON
// catalogue, or the scope's own custom bundle; found is false for any
// other id. Every family that follows a WorkSpace, pool or image to its
// bundle uses it.
func LookupBundle(tx deskplane.Tx, sc deskplane.Scope, id string) (b *deskplane.Bundle, found bool, err error) {
	if b, ok := Bundle(id); ok {
		return b, true, nil
	}
	return deskplane.Bundles().Get(tx, sc, id)
}

// LookupImage returns an image the scope may see: its own, one shared with
// it, or one of the AMAZON catalogue; found is false for any other id.
func LookupImage(tx deskplane.Tx, sc deskplane.Scope, id string) (img *deskplane.Image, found bool, err error) {
	img, _, found, err = deskplane.VisibleImage(tx, sc, id)
	if err != nil || found {
		return img, found, err
	}
	img, found = Image(id)
	return img, found, nil
}
