package local

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
)

type snapMeta struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
}

// Snapshot copies both volumes, frozen while they are copied.
func (p *Provider) Snapshot(ctx context.Context, id, name string) (deskplane.DesktopSnapshot, error) {
	var snap deskplane.DesktopSnapshot
	err := p.withDesktop(id, func(*state) (err error) {
		snap, err = p.snapshot(ctx, id, name)
		return err
	}, [2]string{"snapshot", name})
	return snap, err
}

func (p *Provider) snapshot(ctx context.Context, id, name string) (deskplane.DesktopSnapshot, error) {
	dir := p.snapDir(id, name)
	if snap, err := p.readSnapshot(id, name); err == nil {
		return snap, nil
	}
	tmp := p.snapDir(id, "."+name)
	_ = removeTree(tmp)
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return deskplane.DesktopSnapshot{}, err
	}
	err := func() error {
		thaw, err := freeze(ctx, p.rootMount(id), p.homeMount(id))
		if err != nil {
			return err
		}
		defer thaw()
		if err := copyVolume(ctx, p.rootImg(id), filepath.Join(tmp, "root.img")); err != nil {
			return err
		}
		return copyVolume(ctx, p.homeImg(id), filepath.Join(tmp, "home.img"))
	}()
	if err == nil {
		b, _ := json.Marshal(snapMeta{Name: name, Created: time.Now().UTC()})
		err = writeAtomic(filepath.Join(tmp, "meta.json"), b)
	}
	if err == nil {
		err = os.Rename(tmp, dir)
	}
	if err != nil {
		_ = removeTree(tmp)
		return deskplane.DesktopSnapshot{}, fmt.Errorf("desktop %s: snapshot %s: %w", id, name, err)
	}
	return p.readSnapshot(id, name)
}

func (p *Provider) readSnapshot(id, name string) (deskplane.DesktopSnapshot, error) {
	dir := p.snapDir(id, name)
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return deskplane.DesktopSnapshot{}, fmt.Errorf("%w: %s of %s", deskplane.ErrSnapshotNotFound, name, id)
	}
	var sm snapMeta
	if err := json.Unmarshal(b, &sm); err != nil {
		return deskplane.DesktopSnapshot{}, err
	}
	return deskplane.DesktopSnapshot{Name: sm.Name, Created: sm.Created, Bytes: dirBytes(dir)}, nil
}

// Snapshots lists the desktop's snapshots, oldest first.
func (p *Provider) Snapshots(ctx context.Context, id string) ([]deskplane.DesktopSnapshot, error) {
	if err := checkName("desktop", id); err != nil {
		return nil, err
	}
	if _, err := p.load(id); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(filepath.Join(p.desktopDir(id), "snapshots"))
	if err != nil {
		return nil, err
	}
	var out []deskplane.DesktopSnapshot
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if s, err := p.readSnapshot(id, e.Name()); err == nil {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

// DeleteSnapshot removes a snapshot.
func (p *Provider) DeleteSnapshot(ctx context.Context, id, name string) error {
	return p.withLock(id, func() error { return removeTree(p.snapDir(id, name)) }, [2]string{"snapshot", name})
}

type imageMeta struct {
	ID      string    `json:"id"`
	Source  string    `json:"source"`
	Created time.Time `json:"created"`
}

// CaptureImage copies the root volume into the image store, its files
// given from the desktop's uid to root.
func (p *Provider) CaptureImage(ctx context.Context, id, imageID string) error {
	return p.withDesktop(id, func(s *state) error { return p.captureImage(ctx, s, imageID) }, [2]string{"image", imageID})
}

func (p *Provider) captureImage(ctx context.Context, s *state, imageID string) error {
	id := s.ID
	if _, err := os.Stat(filepath.Join(p.imageDir(imageID), "meta.json")); err == nil {
		return nil
	}
	tmp := p.imageDir("." + imageID)
	_ = removeTree(tmp)
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return err
	}
	err := func() error {
		thaw, err := freeze(ctx, p.rootMount(id))
		if err != nil {
			return err
		}
		defer thaw()
		return copyVolume(ctx, p.rootImg(id), filepath.Join(tmp, "root.img"))
	}()
	if err == nil {
		err = p.sealImage(ctx, tmp, s.UID)
	}
	if err == nil {
		b, _ := json.Marshal(imageMeta{ID: imageID, Source: id, Created: time.Now().UTC()})
		err = writeAtomic(filepath.Join(tmp, "meta.json"), b)
	}
	if err == nil {
		err = os.Rename(tmp, p.imageDir(imageID))
	}
	if err != nil {
		_ = removeTree(tmp)
		return fmt.Errorf("desktop %s: capture image %s: %w", id, imageID, err)
	}
	return nil
}

// sealImage checks the copied root volume and gives the files of the
// desktop's uid to root, so the image holds no trace of that uid.
func (p *Provider) sealImage(ctx context.Context, dir string, uid int) error {
	img := filepath.Join(dir, "root.img")
	if err := fsck(ctx, img); err != nil {
		return err
	}
	mnt := filepath.Join(dir, "mnt")
	if err := os.MkdirAll(mnt, 0o700); err != nil {
		return err
	}
	if err := mountImage(ctx, img, mnt); err != nil {
		return err
	}
	err := chownTree(filepath.Join(mnt, "upper"), uid)
	if uerr := unmountAll(mnt); err == nil {
		err = uerr
	}
	if err == nil {
		err = os.Remove(mnt)
	}
	return err
}

// CopyImage copies an image.
func (p *Provider) CopyImage(ctx context.Context, src, dst string) error {
	if err := checkName("image", src); err != nil {
		return err
	}
	if err := checkName("image", dst); err != nil {
		return err
	}
	m := p.lockOf("image:" + dst)
	m.Lock()
	defer m.Unlock()
	if _, err := os.Stat(filepath.Join(p.imageDir(dst), "meta.json")); err == nil {
		return nil
	}
	if _, err := os.Stat(filepath.Join(p.imageDir(src), "meta.json")); err != nil {
		return fmt.Errorf("%w: %s", deskplane.ErrImageNotFound, src)
	}
	tmp := p.imageDir("." + dst)
	_ = removeTree(tmp)
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return err
	}
	err := copyVolume(ctx, p.imageFile(src), filepath.Join(tmp, "root.img"))
	if err == nil {
		b, _ := json.Marshal(imageMeta{ID: dst, Source: src, Created: time.Now().UTC()})
		err = writeAtomic(filepath.Join(tmp, "meta.json"), b)
	}
	if err == nil {
		err = os.Rename(tmp, p.imageDir(dst))
	}
	if err != nil {
		_ = removeTree(tmp)
		return fmt.Errorf("copy image %s to %s: %w", src, dst, err)
	}
	return nil
}

// DeleteImage removes an image.
func (p *Provider) DeleteImage(ctx context.Context, imageID string) error {
	if err := checkName("image", imageID); err != nil {
		return err
	}
	m := p.lockOf("image:" + imageID)
	m.Lock()
	defer m.Unlock()
	return removeTree(p.imageDir(imageID))
}
