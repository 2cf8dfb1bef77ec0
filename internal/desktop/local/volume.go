package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/deskplane/deskplane"
)

// Volumes are ext4 file systems in sparse image files, loop-mounted while
// the desktop runs: the file system's size is the volume's size, so a full
// volume answers ENOSPC inside the desktop
// (docs/decisions/0182-local-desktops.md). Copies (snapshots, images) are
// sparse copies of the image file, reflinks where the host file system
// offers them.

const gib = int64(1) << 30

// createVolume makes an empty ext4 file system of sizeGiB in the image file
// path, its root directory owned by uid and filled from the directory
// skel when skel is not "".
func createVolume(ctx context.Context, path string, sizeGiB int, uid int, skel string) error {
	if sizeGiB <= 0 {
		return fmt.Errorf("volume size %d GiB", sizeGiB)
	}
	_ = os.Remove(path)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	err = f.Truncate(int64(sizeGiB) * gib)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	args := []string{"-q", "-F", "-t", "ext4", "-m", "0",
		"-E", fmt.Sprintf("lazy_itable_init=1,lazy_journal_init=1,root_owner=%d:%d", uid, uid)}
	if skel != "" {
		args = append(args, "-d", skel)
	}
	return run(ctx, "mkfs.ext4", append(args, path)...)
}

// copyVolume copies the image file src to dst, sparse (holes stay holes)
// and as a reflink where the file system supports it.
func copyVolume(ctx context.Context, src, dst string) error {
	_ = os.Remove(dst)
	return run(ctx, "cp", "--sparse=always", "--reflink=auto", src, dst)
}

// volumeSize returns the size of the image file.
func volumeSize(path string) (int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// growVolume grows the unmounted image file path and its file system to
// sizeGiB; a volume at least that big is left alone. With checkFS, a file
// grown earlier whose file system was not (a crash in between, or a
// failed resize) is finished too; that reads the superblock, so Start,
// which runs often, skips it and Modify, which a reconciler repeats until
// it succeeds, does it.
func growVolume(ctx context.Context, path string, sizeGiB int, checkFS bool) error {
	cur, err := volumeSize(path)
	if err != nil {
		return err
	}
	want := int64(sizeGiB) * gib
	if want > cur {
		if err := os.Truncate(path, want); err != nil {
			return err
		}
		cur = want
	} else if !checkFS {
		return nil
	} else if fs, err := fsSize(ctx, path); err != nil || fs >= cur {
		return err
	}
	// resize2fs insists on a freshly checked file system when offline.
	if err := fsck(ctx, path); err != nil {
		return err
	}
	return run(ctx, "resize2fs", path)
}

// fsSize is the size of the file system in the image file, from its
// superblock.
func fsSize(ctx context.Context, path string) (int64, error) {
	sb, err := superblock(ctx, path)
	if err != nil {
		return 0, err
	}
	return sb["Block count"] * sb["Block size"], nil
}

// superblock reads the numeric fields of an ext4 superblock.
func superblock(ctx context.Context, path string) (map[string]int64, error) {
	out, err := output(ctx, "dumpe2fs", "-h", path)
	if err != nil {
		return nil, err
	}
	m := map[string]int64{}
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			m[strings.TrimSpace(k)] = n
		}
	}
	return m, nil
}

// growMounted grows the image file path, mounted at point, online.
func growMounted(ctx context.Context, path, point string, sizeGiB int) error {
	cur, err := volumeSize(path)
	if err != nil {
		return err
	}
	want := int64(sizeGiB) * gib
	if want <= cur {
		return nil
	}
	m, ok := mountAt(point)
	if !ok || !strings.HasPrefix(m.Source, "/dev/loop") {
		return fmt.Errorf("%s is not loop-mounted at %s", path, point)
	}
	if err := os.Truncate(path, want); err != nil {
		return err
	}
	if err := run(ctx, "losetup", "-c", m.Source); err != nil {
		return err
	}
	return run(ctx, "resize2fs", m.Source)
}

// fsck checks and repairs the unmounted file system in path; exit status 1
// (errors corrected) is success.
func fsck(ctx context.Context, path string) error {
	err := run(ctx, "e2fsck", "-f", "-y", path)
	if err == nil {
		return nil
	}
	if ee, ok := asExit(err); ok && ee == 1 {
		return nil
	}
	return err
}

// usage reports a volume's size and use: from the mounted file system when
// mounted, from the superblock otherwise.
func usage(ctx context.Context, path, point string) deskplane.VolumeUsage {
	size, _ := volumeSize(path)
	u := deskplane.VolumeUsage{SizeBytes: size}
	if _, ok := mountAt(point); ok {
		var st syscall.Statfs_t
		if syscall.Statfs(point, &st) == nil {
			u.UsedBytes = int64(st.Blocks-st.Bfree) * st.Bsize
		}
		return u
	}
	sb, err := superblock(ctx, path)
	if err == nil {
		u.UsedBytes = (sb["Block count"] - sb["Free blocks"]) * sb["Block size"]
	}
	return u
}

// freeze blocks writes to the file systems mounted at points (FIFREEZE via
// fsfreeze) and returns the function that thaws them. Points that are not
// mounted are skipped.
func freeze(ctx context.Context, points ...string) (func(), error) {
	var frozen []string
	thaw := func() {
		for _, p := range frozen {
			_ = run(context.WithoutCancel(ctx), "fsfreeze", "-u", p)
		}
	}
	for _, p := range points {
		if _, ok := mountAt(p); !ok {
			continue
		}
		if err := run(ctx, "fsfreeze", "-f", p); err != nil {
			thaw()
			return nil, err
		}
		frozen = append(frozen, p)
	}
	return thaw, nil
}

// chownTree gives every file below dir owned by uid to root: an image
// captured from a desktop must not keep that desktop's uid.
func chownTree(dir string, uid int) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) == uid {
			return os.Lchown(p, 0, 0)
		}
		return nil
	})
}

func dirBytes(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				if st, ok := info.Sys().(*syscall.Stat_t); ok {
					n += st.Blocks * 512
				}
			}
		}
		return nil
	})
	return n
}
