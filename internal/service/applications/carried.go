package applications

import (
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/catalogue"
)

// What images and bundles bring: the applications on an image, followed
// through how the image was made (deskplane.ImageOrigin), and those of a
// bundle's image. Images and bundles are other families' records; they are
// read through the root package and internal/catalogue.

// maxImageChain is how many copies and updates imageApplications follows
// back to the image the applications were put on.
const maxImageChain = 4

// publicImageApplications lists the applications preinstalled on an AMAZON
// catalogue image, which names them ("… Windows 10 and Office 2016 …").
func publicImageApplications(img *deskplane.Image) []catalogueApp {
	var out []catalogueApp
	for _, a := range applicationCatalogue() {
		if a.byolName != "" && strings.Contains(img.Description, "Office "+a.version) {
			out = append(out, a)
		}
	}
	return out
}

// imageApplications lists the applications on an image the scope can see
// (its own, shared with it, or AMAZON's), in catalogue order: the Office
// of a BYOL import, what was installed on the WorkSpace an image was made
// from when it was made, what the source of a copy or update had.
func imageApplications(tx deskplane.Tx, sc deskplane.Scope, img *deskplane.Image, depth int) ([]catalogueApp, error) {
	if img.Owner == deskplane.AmazonOwner {
		return publicImageApplications(img), nil
	}
	ids := map[string]bool{}
	for _, name := range img.Applications {
		if a, ok := byolApplication(name); ok {
			ids[a.id] = true
		}
	}
	switch {
	case img.Origin == deskplane.OriginWorkspace && img.SourceWorkspaceID != "":
		owner := deskplane.Scope{Account: img.Owner, Region: sc.Region}
		ws, ok, err := deskplane.Workspaces().Get(tx, owner, img.SourceWorkspaceID)
		if err != nil {
			return nil, err
		}
		if ok {
			assocs, err := workspaceAssociations(tx, owner, ws)
			if err != nil {
				return nil, err
			}
			for _, as := range assocs {
				if installedAt(as, img.Created) {
					ids[as.ApplicationID] = true
				}
			}
		}
	case (img.Origin == deskplane.OriginCopy || img.Origin == deskplane.OriginUpdate) && img.SourceImageID != "" && depth < maxImageChain:
		src, ok, err := sourceImage(tx, img)
		if err != nil {
			return nil, err
		}
		if ok {
			apps, err := imageApplications(tx, sc, src, depth+1)
			if err != nil {
				return nil, err
			}
			for _, a := range apps {
				ids[a.id] = true
			}
		}
	}
	var out []catalogueApp
	for _, a := range applicationCatalogue() {
		if ids[a.id] {
			out = append(out, a)
		}
	}
	return out, nil
}

// sourceImage finds the image a copy or update was made from.
func sourceImage(tx deskplane.Tx, img *deskplane.Image) (*deskplane.Image, bool, error) {
	region := img.SourceRegion
	if region == "" {
		return nil, false, nil
	}
	if pub, ok := catalogue.Image(img.SourceImageID); ok {
		return pub, true, nil
	}
	account := img.SourceAccount
	if account == "" {
		account = img.Owner
	}
	return deskplane.Images().Get(tx, deskplane.Scope{Account: account, Region: region}, img.SourceImageID)
}

// installedAt reports whether the association had the application on the
// WorkSpace at t.
func installedAt(as deskplane.AppAssociation, t time.Time) bool {
	if as.InstalledAt.IsZero() || as.InstalledAt.After(t) {
		return false
	}
	return as.Installed || as.RemovedAt.After(t)
}

// bundleApplications lists the applications a bundle's image brings.
func bundleApplications(tx deskplane.Tx, sc deskplane.Scope, b *deskplane.Bundle) ([]catalogueApp, error) {
	if b.ImageID == "" {
		return nil, nil
	}
	img, ok := catalogue.Image(b.ImageID)
	if !ok {
		own, found, err := deskplane.Images().Get(tx, sc, b.ImageID)
		if err != nil || !found {
			return nil, err
		}
		img = own
	}
	return imageApplications(tx, sc, img, 0)
}

// workspaceBundleApplications lists the applications the bundle of a
// WorkSpace brings (none when the bundle is gone).
func workspaceBundleApplications(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace) ([]catalogueApp, error) {
	b, ok, err := catalogue.LookupBundle(tx, sc, ws.BundleID)
	if err != nil || !ok {
		return nil, err
	}
	return bundleApplications(tx, sc, b)
}
