package checkout

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// Limits bound what one repository's archive may lay out.
type Limits struct {
	MaxBytes   int64 // bytes of regular files, all entries together
	MaxEntries int   // entries of every kind, folders and links included
}

// RefusedError is an archive entry that is not laid out, and why: the
// repository's folder is then not laid out at all.
type RefusedError struct {
	Repository, Commit string
	Entry              string // as the archive names it, quoted when shown
	Rule               string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refuse the archive of %s at %s: entry %.200q %s", e.Repository, e.Commit, e.Entry, e.Rule)
}

// unpacker lays out one repository's gzip tarball, as GitHub serves it,
// into dir, a folder of its own: GitHub's single top-level folder is
// stripped, and nothing is ever written outside dir.
type unpacker struct {
	dir                *os.Root
	repository, commit string
	limits             Limits
	chown              func(root *os.Root, name string) // hands an entry to the workspace's owner

	top     string   // GitHub's top-level folder, from the first entry
	links   []string // the links laid out, checked once all are there
	bytes   int64
	entries int
}

func (u *unpacker) refuse(entry, format string, args ...any) error {
	return &RefusedError{Repository: u.repository, Commit: u.commit, Entry: entry, Rule: fmt.Sprintf(format, args...)}
}

// unpack reads the archive as it arrives: the stream is never held.
func (u *unpacker) unpack(body io.Reader) error {
	zr, err := gzip.NewReader(body)
	if err != nil {
		return fmt.Errorf("read the archive of %s at %s: %w", u.repository, u.commit, err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read the archive of %s at %s: %w", u.repository, u.commit, err)
		}
		if err := u.entry(hdr, tr); err != nil {
			return err
		}
	}
	if u.top == "" {
		return fmt.Errorf("read the archive of %s at %s: it holds no folder, where GitHub's archives hold one", u.repository, u.commit)
	}
	// A link is checked once every entry is there: a later link can change
	// where an earlier one leads.
	for _, name := range u.links {
		if err := resolvesInside(u.dir, name); err != nil {
			target, _ := u.dir.Readlink(name)
			return u.refuse(u.top+"/"+name, "is a link to %.200q, which %v", target, err)
		}
	}
	return nil
}

func (u *unpacker) entry(hdr *tar.Header, body io.Reader) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		// GitHub's archives start with one, holding the commit id.
		return nil
	}
	u.entries++
	if u.entries > u.limits.MaxEntries {
		return u.refuse(hdr.Name, "is one more than max-entries %d allows", u.limits.MaxEntries)
	}
	name, err := u.strip(hdr.Name)
	if err != nil || name == "" {
		return err
	}
	if name == Marker {
		return u.refuse(hdr.Name, "would stand for the action's own marker %s", Marker)
	}
	// Without set-uid, set-gid and sticky bits: a build runs what it
	// unpacks, never as someone else.
	perm := fs.FileMode(hdr.Mode).Perm()
	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := u.parent(name); err != nil {
			return u.writeError(hdr.Name, err)
		}
		// Writable by its owner, whatever the archive says, so that it
		// can be filled (and a rerun can replace it).
		err := u.dir.Mkdir(name, perm|0o700)
		if errors.Is(err, fs.ErrExist) {
			if info, lerr := u.dir.Lstat(name); lerr == nil && info.IsDir() {
				return nil
			}
		}
		if err != nil {
			return u.writeError(hdr.Name, err)
		}
		u.chown(u.dir, name)
		return nil
	case tar.TypeReg, tar.TypeRegA:
		if hdr.Size < 0 || hdr.Size > u.limits.MaxBytes-u.bytes {
			return u.refuse(hdr.Name, "holds %d bytes, more than the %d bytes left of max-bytes %d", hdr.Size, max(u.limits.MaxBytes-u.bytes, 0), u.limits.MaxBytes)
		}
		u.bytes += hdr.Size
		if err := u.parent(name); err != nil {
			return u.writeError(hdr.Name, err)
		}
		// O_EXCL: an entry never writes over another, nor through a link.
		f, err := u.dir.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if err != nil {
			return u.writeError(hdr.Name, err)
		}
		_, werr := io.Copy(f, body)
		cerr := f.Close()
		if werr != nil || cerr != nil {
			return fmt.Errorf("write %s of %s at %s: %w", name, u.repository, u.commit, errors.Join(werr, cerr))
		}
		// The mode as recorded, not as the umask left it.
		if err := u.dir.Chmod(name, perm); err != nil {
			return u.writeError(hdr.Name, err)
		}
		u.chown(u.dir, name)
		return nil
	case tar.TypeSymlink:
		target := hdr.Linkname
		if target == "" || path.IsAbs(target) {
			return u.refuse(hdr.Name, "is a link to %.200q, outside the repository's folder", target)
		}
		if !local(path.Join(path.Dir(name), target)) {
			return u.refuse(hdr.Name, "is a link to %.200q, which leads outside the repository's folder", target)
		}
		if err := u.parent(name); err != nil {
			return u.writeError(hdr.Name, err)
		}
		if err := u.dir.Symlink(target, name); err != nil {
			return u.writeError(hdr.Name, err)
		}
		u.chown(u.dir, name)
		u.links = append(u.links, name)
		return nil
	case tar.TypeLink:
		return u.refuse(hdr.Name, "is a hard link, which git archives never hold")
	case tar.TypeChar, tar.TypeBlock:
		return u.refuse(hdr.Name, "is a device file, which a source tree never holds")
	case tar.TypeFifo:
		return u.refuse(hdr.Name, "is a named pipe (FIFO), which a source tree never holds")
	}
	return u.refuse(hdr.Name, "is of tar type %q, which is not a file, a folder or a link", string(hdr.Typeflag))
}

// strip takes GitHub's top-level folder off an entry's name; "" is that
// folder itself. Every entry must be under the one folder.
func (u *unpacker) strip(entry string) (string, error) {
	name := strings.TrimSuffix(entry, "/")
	// A backslash is an ordinary character of a name here, as in git.
	if strings.HasPrefix(entry, "/") || strings.ContainsRune(entry, 0) {
		return "", u.refuse(entry, "is not a relative path of the repository")
	}
	top, rest, _ := strings.Cut(name, "/")
	switch {
	case top == "" || top == "." || top == "..":
		return "", u.refuse(entry, "is not inside GitHub's one top-level folder")
	case u.top == "":
		u.top = top
	case top != u.top:
		return "", u.refuse(entry, "is not inside the archive's top-level folder %.100q", u.top)
	}
	if rest != "" && !local(rest) {
		return "", u.refuse(entry, "leads outside the repository's folder")
	}
	return rest, nil
}

// parent makes the folders above name, which an archive may leave out,
// each handed to the workspace's owner.
func (u *unpacker) parent(name string) error {
	dir := path.Dir(name)
	if dir == "." {
		return nil
	}
	current := ""
	for _, part := range strings.Split(dir, "/") {
		current = path.Join(current, part)
		if _, err := u.dir.Lstat(current); err == nil {
			continue
		}
		if err := u.dir.Mkdir(current, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		u.chown(u.dir, current)
	}
	return nil
}

// writeError is an entry os.Root would not write: one through a link that
// leads outside, or over another entry.
func (u *unpacker) writeError(entry string, err error) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		err = pathErr.Err
	}
	if errors.Is(err, fs.ErrExist) {
		return u.refuse(entry, "is in the archive twice, or under a link")
	}
	return u.refuse(entry, "cannot be laid out inside the repository's folder: %v", err)
}

// local tells whether a slash-separated path names something inside the
// folder it is relative to, without going through "..".
func local(name string) bool {
	if name == "" || path.IsAbs(name) {
		return false
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return false
		}
	}
	return true
}

// maxLinkHops is how many links a path may go through, as Linux allows.
const maxLinkHops = 40

// resolvesInside follows the link name, and every link on the way, as the
// kernel would, and refuses where that leaves root: a link whose target
// stays inside when read as text can still lead out through another link.
func resolvesInside(root *os.Root, name string) error {
	var done []string
	todo := strings.Split(name, "/")
	for hops := 0; len(todo) > 0; {
		part := todo[0]
		todo = todo[1:]
		switch part {
		case "", ".":
			continue
		case "..":
			if len(done) == 0 {
				return errors.New("leads outside the repository's folder")
			}
			done = done[:len(done)-1]
			continue
		}
		done = append(done, part)
		current := strings.Join(done, "/")
		info, err := root.Lstat(current)
		if err != nil {
			// Nothing there: the rest is read as text.
			continue
		}
		if info.Mode()&fs.ModeSymlink == 0 {
			continue
		}
		if hops++; hops > maxLinkHops {
			return fmt.Errorf("goes through more than %d links", maxLinkHops)
		}
		target, err := root.Readlink(current)
		if err != nil {
			return err
		}
		if path.IsAbs(target) {
			return errors.New("leads outside the repository's folder")
		}
		done = done[:len(done)-1]
		todo = append(strings.Split(target, "/"), todo...)
	}
	return nil
}
