// Package checkout lays out the repositories of a snapshot side by side,
// each at its pinned commit, from the archives GitHub serves: what a build
// of crates that depend on each other by path needs, without git.
//
// Archives are untrusted: nothing of one is written outside its
// repository's folder (every write goes through an os.Root of it), and a
// folder the action did not lay out is never touched.
package checkout

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
)

// Marker is the file the action writes into every repository folder it
// lays out, holding the repository and commit: a rerun keeps a folder
// whose marker names the same, replaces one naming another commit, and
// never touches a folder without one.
const Marker = ".release-action-checkout"

// Dir is the action's own folder in the workspace, where snapshot.json goes.
const Dir = ".release-action"

// SnapshotFile is what was laid out where, in Dir.
const SnapshotFile = "snapshot.json"

// DefaultConcurrency is how many archives are fetched and unpacked at once.
const DefaultConcurrency = 8

// Source opens the gzip tarball of a repository at a commit.
type Source interface {
	Tarball(ctx context.Context, owner, repo, sha string) (io.ReadCloser, error)
}

// Repository is one component's repository at its commit.
type Repository struct {
	Component  string
	Repository string // owner/name
	SHA        string
}

// Options say what to lay out and where.
type Options struct {
	Workspace string // absolute
	// Path is the folder under Workspace (slash-separated, relative) that
	// receives the repositories; "" or "." is the workspace itself.
	Path         string
	Repositories []Repository
	Limits       Limits
	Concurrency  int // 0: DefaultConcurrency
	Logf         func(format string, args ...any)
}

// Laid is where one component's repository is.
type Laid struct {
	Component  string `json:"component"`
	Repository string `json:"repository"`
	Commit     string `json:"commit"`
	// Path is the repository's folder relative to the workspace.
	Path string `json:"path"`
	// Kept says the folder was already at the commit: nothing was fetched.
	Kept bool `json:"-"`
	// Replaced says the folder was the action's at another commit.
	Replaced bool `json:"-"`
}

// state is what a repository's folder holds before the run.
type state int

const (
	absent  state = iota // nothing there
	current              // laid out by the action at this commit
	stale                // laid out by the action at another commit
)

type marker struct {
	Repository string `json:"repository"`
	Commit     string `json:"commit"`
	// Partial marks a folder still being laid out.
	Partial bool `json:"partial,omitempty"`
}

// Run lays out every repository of o under o.Path. Everything that would
// refuse the run (a path through a link, a foreign folder, two repositories
// of one name) is found before the first archive is asked for.
func Run(ctx context.Context, src Source, o Options) ([]Laid, error) {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	workspace, err := os.OpenRoot(o.Workspace)
	if err != nil {
		return nil, fmt.Errorf("open the workspace %s: %w", o.Workspace, err)
	}
	defer workspace.Close()
	owner := ownerOf(o.Workspace)
	rel := path.Clean(filepath.ToSlash(o.Path))
	dest, err := openPath(workspace, rel, owner)
	if err != nil {
		return nil, err
	}
	defer dest.Close()

	// One folder per repository name: two components of one repository at
	// one commit share it.
	var laid []Laid
	var folders []folder
	byName := map[string]int{}
	for _, r := range o.Repositories {
		_, name, _ := strings.Cut(r.Repository, "/")
		where := path.Join(rel, name)
		laid = append(laid, Laid{Component: r.Component, Repository: r.Repository, Commit: r.SHA, Path: where})
		if i, ok := byName[name]; ok {
			f := folders[i]
			if !strings.EqualFold(f.repo.Repository, r.Repository) || f.repo.SHA != r.SHA {
				return nil, fmt.Errorf("lay out %s: components %s (%s at %s) and %s (%s at %s) both go to %s; a folder holds one repository at one commit", where, f.repo.Component, f.repo.Repository, short(f.repo.SHA), r.Component, r.Repository, short(r.SHA), where)
			}
			continue
		}
		st, err := inspect(dest, name, where, r)
		if err != nil {
			return nil, err
		}
		byName[name] = len(folders)
		folders = append(folders, folder{name: name, where: where, repo: r, state: st})
	}

	for _, f := range folders {
		if err := removeLeftovers(dest, f, o.Logf); err != nil {
			return nil, err
		}
	}

	sem := make(chan struct{}, o.Concurrency)
	var wg sync.WaitGroup
	errs := make([]error, len(folders))
	for i, f := range folders {
		if f.state == current {
			o.Logf("%s: %s already at %s, kept", f.where, f.repo.Repository, short(f.repo.SHA))
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			errs[i] = f.layOut(ctx, src, dest, o.Limits, owner, o.Logf)
			if errs[i] == nil {
				verb := "laid out"
				if f.state == stale {
					verb = "replaced"
				}
				o.Logf("%s: %s at %s %s", f.where, f.repo.Repository, short(f.repo.SHA), verb)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for i := range laid {
		_, name, _ := strings.Cut(laid[i].Repository, "/")
		laid[i].Kept = folders[byName[name]].state == current
		laid[i].Replaced = folders[byName[name]].state == stale
	}
	if err := writeSnapshot(workspace, laid, owner); err != nil {
		return nil, err
	}
	return laid, nil
}

type folder struct {
	name  string // in dest
	where string // relative to the workspace, for messages
	repo  Repository
	state state
}

// inspect says what the folder of r holds, refusing one the action did not
// lay out.
func inspect(dest *os.Root, name, where string, r Repository) (state, error) {
	info, err := dest.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return absent, nil
	}
	foreign := func(what string) error {
		return fmt.Errorf("lay out %s at %s: %s %s, which the action did not lay out, so it is left as it is: remove it, or choose another path", r.Repository, short(r.SHA), where, what)
	}
	switch {
	case err != nil:
		return 0, fmt.Errorf("lay out %s: %w", where, err)
	case info.Mode()&fs.ModeSymlink != 0:
		return 0, foreign("is a symbolic link")
	case !info.IsDir():
		return 0, foreign("is a file")
	}
	m, err := readMarker(dest, name)
	if err != nil {
		return 0, foreign(fmt.Sprintf("holds no readable %s (%v)", Marker, err))
	}
	if !strings.EqualFold(m.Repository, r.Repository) {
		return 0, foreign(fmt.Sprintf("holds %s, another repository", m.Repository))
	}
	if m.Commit == r.SHA && !m.Partial {
		return current, nil
	}
	return stale, nil
}

func readMarker(dest *os.Root, name string) (marker, error) {
	repo, err := dest.OpenRoot(name)
	if err != nil {
		return marker{}, err
	}
	defer repo.Close()
	info, err := repo.Lstat(Marker)
	if err != nil {
		return marker{}, errors.Unwrap(err)
	}
	if !info.Mode().IsRegular() || info.Size() > 4096 {
		return marker{}, errors.New("not a small regular file")
	}
	data, err := repo.ReadFile(Marker)
	if err != nil {
		return marker{}, err
	}
	var m marker
	if err := json.Unmarshal(data, &m); err != nil || m.Repository == "" || m.Commit == "" {
		return marker{}, errors.New("not the action's marker")
	}
	return m, nil
}

// layOut unpacks the archive into a fresh sibling folder (downloading it
// again, up to maxAttempts times, when the download breaks off), then puts
// it in place: a failure leaves the old folder, or nothing, never half of
// one.
func (f folder) layOut(ctx context.Context, src Source, dest *os.Root, limits Limits, owner *ownerID, logf func(string, ...any)) error {
	var tmp string
	for attempt := 1; ; attempt++ {
		var err error
		tmp, err = f.unpackFresh(ctx, src, dest, limits, owner)
		var broken *brokenError
		if err == nil {
			break
		}
		if !errors.As(err, &broken) || ctx.Err() != nil {
			return err
		}
		if attempt == maxAttempts {
			return fmt.Errorf("%w (it broke off on all %d attempts)", err, maxAttempts)
		}
		logf("%s: the archive of %s at %s broke off (%v); downloading it again (attempt %d of %d)", f.where, f.repo.Repository, short(f.repo.SHA), broken.err, attempt+1, maxAttempts)
	}
	done := false
	defer func() {
		if !done {
			_ = dest.RemoveAll(tmp)
		}
	}()

	if f.state == stale {
		// The old folder steps aside first, and comes back if the new one
		// cannot take its place.
		old, err := freshName(dest, "."+f.name+".old")
		if err != nil {
			return fmt.Errorf("replace %s: %w", f.where, err)
		}
		if err := dest.Remove(old); err != nil {
			return fmt.Errorf("replace %s: %w", f.where, err)
		}
		if err := dest.Rename(f.name, old); err != nil {
			return fmt.Errorf("replace %s: %w", f.where, err)
		}
		if err := dest.Rename(tmp, f.name); err != nil {
			_ = dest.Rename(old, f.name)
			return fmt.Errorf("replace %s: %w", f.where, err)
		}
		done = true
		if err := dest.RemoveAll(old); err != nil {
			return fmt.Errorf("remove the previous %s (now %s): %w", f.where, old, err)
		}
		return nil
	}
	if err := dest.Rename(tmp, f.name); err != nil {
		return fmt.Errorf("lay out %s: %w", f.where, err)
	}
	done = true
	return nil
}

// maxAttempts is how many times an archive whose download breaks off is
// downloaded: GitHub's storage drops a long download now and then.
const maxAttempts = 3

// brokenError is a download that broke off while it was unpacked.
type brokenError struct {
	err      error // the read's
	unpacked error // what the unpacking made of it
}

func (e *brokenError) Error() string { return e.unpacked.Error() }
func (e *brokenError) Unwrap() error { return e.unpacked }

// unpackFresh unpacks the archive into a fresh sibling folder, marked as
// the action's, and returns its name; on failure nothing of it is left.
func (f folder) unpackFresh(ctx context.Context, src Source, dest *os.Root, limits Limits, owner *ownerID) (string, error) {
	tmp, err := freshName(dest, "."+f.name+".new")
	if err != nil {
		return "", fmt.Errorf("lay out %s: %w", f.where, err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = dest.RemoveAll(tmp)
		}
	}()
	dir, err := dest.OpenRoot(tmp)
	if err != nil {
		return "", fmt.Errorf("lay out %s: %w", f.where, err)
	}
	defer dir.Close()
	// Marked from the start, so that a rerun after a process killed
	// mid-archive knows the half-made folder for the action's, and removes
	// it; the marker is written again once the folder is whole.
	data, _ := json.Marshal(marker{Repository: f.repo.Repository, Commit: f.repo.SHA, Partial: true})
	if err := dir.WriteFile(Marker, data, 0o644); err != nil {
		return "", fmt.Errorf("lay out %s: %w", f.where, err)
	}
	ownerName, repoName, _ := strings.Cut(f.repo.Repository, "/")
	// The source's errors name the archive.
	body, err := src.Tarball(ctx, ownerName, repoName, f.repo.SHA)
	if err != nil {
		return "", err
	}
	defer body.Close()
	read := &recordedReader{r: body}
	u := &unpacker{dir: dir, repository: f.repo.Repository, commit: f.repo.SHA, limits: limits, chown: owner.chown}
	if err := u.unpack(read); err != nil {
		var refused *RefusedError
		if read.err != nil && !errors.As(err, &refused) {
			// The source's error names the archive.
			return "", &brokenError{err: read.err, unpacked: read.err}
		}
		return "", err
	}
	data, _ = json.Marshal(marker{Repository: f.repo.Repository, Commit: f.repo.SHA})
	if err := dir.WriteFile(Marker, append(data, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("lay out %s: %w", f.where, err)
	}
	owner.chown(dir, Marker)
	owner.chown(dest, tmp)
	ok = true
	return tmp, nil
}

// recordedReader keeps the first read error that is not the end.
type recordedReader struct {
	r   io.Reader
	err error
}

func (r *recordedReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// leftoverRE names the sibling folders layOut makes: .<name>.new-<hex>
// while unpacking, .<name>.old-<hex> while replacing.
var leftoverRE = regexp.MustCompile(`^\.(.+)\.(new|old)-[0-9a-f]{12}$`)

// removeLeftovers removes what a process killed while laying out f left
// beside it: a sibling of layOut's naming whose marker names f's
// repository. Anything else is left alone.
func removeLeftovers(dest *os.Root, f folder, logf func(string, ...any)) error {
	dir, err := dest.Open(".")
	if err != nil {
		return fmt.Errorf("list %s: %w", path.Dir(f.where), err)
	}
	names, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		return fmt.Errorf("list %s: %w", path.Dir(f.where), err)
	}
	for _, name := range names {
		if m := leftoverRE.FindStringSubmatch(name); m == nil || m[1] != f.name {
			continue
		}
		if info, err := dest.Lstat(name); err != nil || !info.IsDir() {
			continue
		}
		if mk, err := readMarker(dest, name); err != nil || !strings.EqualFold(mk.Repository, f.repo.Repository) {
			continue
		}
		if err := dest.RemoveAll(name); err != nil {
			return fmt.Errorf("remove %s, left by an earlier run: %w", path.Join(path.Dir(f.where), name), err)
		}
		logf("%s: removed %s, left half-made by an earlier run", f.where, name)
	}
	return nil
}

// freshName makes an empty folder of a name nothing else has in dest.
func freshName(dest *os.Root, prefix string) (string, error) {
	var b [6]byte
	for range 10 {
		rand.Read(b[:]) // Never fails: it panics rather than return an error.
		name := fmt.Sprintf("%s-%x", prefix, b)
		err := dest.Mkdir(name, 0o755)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", errors.New("no free temporary name")
}

// CheckPath refuses a path that openPath would refuse, making nothing:
// the mode checks it before its first request.
func CheckPath(workspace, rel string) error {
	root, err := os.OpenRoot(workspace)
	if err != nil {
		return fmt.Errorf("open the workspace %s: %w", workspace, err)
	}
	defer root.Close()
	dest, err := walkPath(root, path.Clean(rel), nil, false)
	if dest != nil {
		dest.Close()
	}
	return err
}

// Current tells whether every repository is already laid out at its
// commit under rel: then Run sends nothing, and needs no token.
func Current(workspace, rel string, repos []Repository) bool {
	root, err := os.OpenRoot(workspace)
	if err != nil {
		return false
	}
	defer root.Close()
	rel = path.Clean(rel)
	dest, err := walkPath(root, rel, nil, false)
	if err != nil || dest == nil {
		return false
	}
	defer dest.Close()
	for _, r := range repos {
		_, name, _ := strings.Cut(r.Repository, "/")
		if st, err := inspect(dest, name, path.Join(rel, name), r); err != nil || st != current {
			return false
		}
	}
	return true
}

// openPath opens rel inside the workspace, making the folders that are not
// there yet; a part of it that is a link, or not a folder, is refused.
func openPath(workspace *os.Root, rel string, owner *ownerID) (*os.Root, error) {
	return walkPath(workspace, rel, owner, true)
}

func walkPath(workspace *os.Root, rel string, owner *ownerID, create bool) (*os.Root, error) {
	if rel == "." {
		return workspace.OpenRoot(".")
	}
	if !local(rel) {
		return nil, pathError(rel, "is outside the workspace")
	}
	current := ""
	for _, part := range strings.Split(rel, "/") {
		current = path.Join(current, part)
		info, err := workspace.Lstat(current)
		if errors.Is(err, fs.ErrNotExist) && !create {
			return nil, nil
		}
		if errors.Is(err, fs.ErrNotExist) {
			if err := workspace.Mkdir(current, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
				return nil, fmt.Errorf("make %s: %w", current, err)
			}
			owner.chown(workspace, current)
			info, err = workspace.Lstat(current)
		}
		switch {
		case err != nil:
			return nil, fmt.Errorf("open %s: %w", current, err)
		case info.Mode()&fs.ModeSymlink != 0:
			return nil, pathError(rel, fmt.Sprintf("goes through %s, a symbolic link; the action lays out only into real folders of the workspace", current))
		case !info.IsDir():
			return nil, pathError(rel, fmt.Sprintf("goes through %s, which is not a folder", current))
		}
	}
	return workspace.OpenRoot(rel)
}

// PathError is a path input the action refuses.
type PathError struct {
	Path, Rule string
}

func (e *PathError) Error() string { return fmt.Sprintf("path %s %s", e.Path, e.Rule) }

func pathError(rel, rule string) error { return &PathError{Path: rel, Rule: rule} }

// ownerID is the workspace's owner, when the action runs as someone else
// (root in a container action): everything it lays out is handed over, so
// that the runner's user can build in it and clean it up.
type ownerID struct{ uid, gid int }

func ownerOf(workspace string) *ownerID {
	info, err := os.Stat(workspace)
	if err != nil {
		return nil
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) == os.Geteuid() {
		return nil
	}
	return &ownerID{uid: int(st.Uid), gid: int(st.Gid)}
}

func (o *ownerID) chown(root *os.Root, name string) {
	if o != nil {
		_ = root.Lchown(name, o.uid, o.gid)
	}
}

// writeSnapshot writes Dir/SnapshotFile, through no link, in one rename.
func writeSnapshot(workspace *os.Root, laid []Laid, owner *ownerID) error {
	fail := func(err error) error { return fmt.Errorf("write %s/%s: %w", Dir, SnapshotFile, err) }
	info, err := workspace.Lstat(Dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := workspace.Mkdir(Dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return fail(err)
		}
		owner.chown(workspace, Dir)
		info, err = workspace.Lstat(Dir)
	}
	switch {
	case err != nil:
		return fail(err)
	case info.Mode()&fs.ModeSymlink != 0:
		return fail(fmt.Errorf("%s is a symbolic link, and the action writes only into a real folder of the workspace (remove the link)", Dir))
	case !info.IsDir():
		return fail(fmt.Errorf("%s is not a folder (remove it)", Dir))
	}
	dir, err := workspace.OpenRoot(Dir)
	if err != nil {
		return fail(err)
	}
	defer dir.Close()
	if info, err := dir.Lstat(SnapshotFile); err == nil && !info.Mode().IsRegular() {
		return fail(fmt.Errorf("%s/%s is not a regular file (remove it)", Dir, SnapshotFile))
	}
	data, err := json.MarshalIndent(laid, "", "  ")
	if err != nil {
		return fail(err)
	}
	var b [6]byte
	rand.Read(b[:]) // Never fails: it panics rather than return an error.
	tmp := fmt.Sprintf(".%s.%x.tmp", SnapshotFile, b)
	if err := dir.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		_ = dir.Remove(tmp)
		return fail(err)
	}
	if err := dir.Rename(tmp, SnapshotFile); err != nil {
		_ = dir.Remove(tmp)
		return fail(err)
	}
	owner.chown(dir, SnapshotFile)
	return nil
}

func short(sha string) string { return sha[:min(7, len(sha))] }
