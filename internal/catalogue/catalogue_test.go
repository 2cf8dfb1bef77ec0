package catalogue

import (
	"regexp"
	"testing"

	"github.com/deskplane/deskplane"
)

// TestCatalogueIntegrity pins the catalogue's invariants: unique ids and
// names in the real formats, every bundle's image present, volumes that
// follow the bundle rules, Windows desktop editions absent (BYOL only).
func TestCatalogueIntegrity(t *testing.T) {
	bundleID := regexp.MustCompile(`^wsb-[0-9a-z]{9}$`)
	imageID := regexp.MustCompile(`^wsi-[0-9a-z]{9}$`)
	imageName := regexp.MustCompile(`^[a-zA-Z0-9_./()\\-]+$`)
	images := map[string]deskplane.Image{}
	for _, img := range Images() {
		if _, dup := images[img.ID]; dup || !imageID.MatchString(img.ID) || !imageName.MatchString(img.Name) || img.Owner != deskplane.AmazonOwner || img.State != deskplane.ImageAvailable {
			t.Errorf("image %+v", img)
		}
		if img.OperatingSystem == deskplane.OSWindows10 || img.OperatingSystem == deskplane.OSWindows11 {
			t.Errorf("image %s: Windows desktop editions are BYOL-only", img.ID)
		}
		images[img.ID] = img
		if got, ok := Image(img.ID); !ok || got.ID != img.ID {
			t.Errorf("Image(%s) = %+v %v", img.ID, got, ok)
		}
	}
	ids, names := map[string]bool{}, map[string]bool{}
	for _, b := range Bundles() {
		img, ok := images[b.ImageID]
		if ids[b.ID] || names[b.Name] || !bundleID.MatchString(b.ID) || !ok || b.Owner != deskplane.AmazonOwner || b.OperatingSystem != img.OperatingSystem {
			t.Errorf("bundle %+v", b)
		}
		ids[b.ID], names[b.Name] = true, true
		if err := deskplane.CheckVolumes(b.ComputeType, b.RootStorageGB, b.UserStorageGB); err != nil {
			t.Errorf("bundle %s: %v", b.ID, err)
		}
		if _, ok := Spec(b.ComputeType); !ok {
			t.Errorf("bundle %s: compute %s", b.ID, b.ComputeType)
		}
		if got, ok := Bundle(b.ID); !ok || got.Name != b.Name {
			t.Errorf("Bundle(%s) = %+v %v", b.ID, got, ok)
		}
	}
	if _, ok := Bundle("wsb-000000000"); ok {
		t.Error("Bundle found an unknown id")
	}
	if _, ok := Image("wsi-000000000"); ok {
		t.Error("Image found an unknown id")
	}
}
