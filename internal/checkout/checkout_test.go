package checkout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
)

const (
	shaA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	shaB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	shaC = "cccccccccccccccccccccccccccccccccccccccc"
)

// archives is a Source of archives made as they are read, so that a
// million entries or a 10 GiB file cost only what the unpacking reads.
type archives struct {
	mu      sync.Mutex
	entries map[string]func() iter.Seq[githubtest.TarEntry] // by owner/repo@sha
	asked   []string
}

func newArchives() *archives {
	return &archives{entries: map[string]func() iter.Seq[githubtest.TarEntry]{}}
}

func (a *archives) files(repo, sha string, files map[string]string) {
	a.entries[repo+"@"+sha] = func() iter.Seq[githubtest.TarEntry] {
		var entries []githubtest.TarEntry
		for _, name := range slices.Sorted(maps.Keys(files)) {
			entries = append(entries, githubtest.TarEntry{Name: name, Body: files[name]})
		}
		return slices.Values(entries)
	}
}

func (a *archives) Tarball(_ context.Context, owner, repo, sha string) (io.ReadCloser, error) {
	key := owner + "/" + repo + "@" + sha
	a.mu.Lock()
	a.asked = append(a.asked, key)
	entries, ok := a.entries[key]
	a.mu.Unlock()
	if !ok {
		return nil, errors.New("404 Not Found")
	}
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(githubtest.WriteTarball(pw, owner+"-"+repo+"-"+sha[:7], sha, entries()))
	}()
	return pr, nil
}

func (a *archives) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.asked)
}

var defaultLimits = Limits{MaxBytes: 2 << 30, MaxEntries: 200_000}

// tree lists every path under dir with what it is: file content, "->
// target" for a link, "/" for a folder.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[rel] = "-> " + target
		case d.IsDir():
			out[rel] = "/"
		default:
			data, err := os.ReadFile(p)
			require.NoError(t, err)
			out[rel] = string(data)
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

func TestLayOutSideBySide(t *testing.T) {
	src := newArchives()
	src.files("BTCDecoded/bllvm-consensus", shaA, map[string]string{"Cargo.toml": "[package]\nname = \"consensus\"\n", "src/lib.rs": "// consensus\n"})
	src.files("BTCDecoded/bllvm-protocol", shaB, map[string]string{"Cargo.toml": "[dependencies]\nconsensus = { path = \"../bllvm-consensus\" }\n"})
	workspace := t.TempDir()
	laid, err := Run(context.Background(), src, Options{
		Workspace: workspace, Path: "src", Limits: defaultLimits,
		Repositories: []Repository{
			{Component: "consensus", Repository: "BTCDecoded/bllvm-consensus", SHA: shaA},
			{Component: "protocol", Repository: "BTCDecoded/bllvm-protocol", SHA: shaB},
		},
	})
	require.NoError(t, err)
	assert.Equal(t, []Laid{
		{Component: "consensus", Repository: "BTCDecoded/bllvm-consensus", Commit: shaA, Path: "src/bllvm-consensus"},
		{Component: "protocol", Repository: "BTCDecoded/bllvm-protocol", Commit: shaB, Path: "src/bllvm-protocol"},
	}, laid)
	assert.Equal(t, map[string]string{
		"bllvm-consensus":            "/",
		"bllvm-consensus/Cargo.toml": "[package]\nname = \"consensus\"\n",
		"bllvm-consensus/src":        "/",
		"bllvm-consensus/src/lib.rs": "// consensus\n",
		"bllvm-consensus/" + Marker:  `{"repository":"BTCDecoded/bllvm-consensus","commit":"` + shaA + `"}` + "\n",
		"bllvm-protocol":             "/",
		"bllvm-protocol/Cargo.toml":  "[dependencies]\nconsensus = { path = \"../bllvm-consensus\" }\n",
		"bllvm-protocol/" + Marker:   `{"repository":"BTCDecoded/bllvm-protocol","commit":"` + shaB + `"}` + "\n",
	}, tree(t, filepath.Join(workspace, "src")), "only the repositories, no temporary folder left")

	data, err := os.ReadFile(filepath.Join(workspace, Dir, SnapshotFile))
	require.NoError(t, err)
	var snapshot []map[string]string
	require.NoError(t, json.Unmarshal(data, &snapshot))
	assert.Equal(t, []map[string]string{
		{"component": "consensus", "repository": "BTCDecoded/bllvm-consensus", "commit": shaA, "path": "src/bllvm-consensus"},
		{"component": "protocol", "repository": "BTCDecoded/bllvm-protocol", "commit": shaB, "path": "src/bllvm-protocol"},
	}, snapshot)
}

func TestModesLinksAndFolders(t *testing.T) {
	src := newArchives()
	src.entries["o/r@"+shaA] = func() iter.Seq[githubtest.TarEntry] {
		return slices.Values([]githubtest.TarEntry{
			{Name: "bin", Type: '5', Mode: 0o755},
			{Name: "bin/run", Body: "#!/bin/sh\n", Mode: 0o755},
			{Name: "bin/suid", Body: "#!/bin/sh\n", Mode: 0o6755},
			{Name: "docs/guide.md", Body: "guide\n", Mode: 0o600},
			{Name: "README", Type: '2', Linkname: "docs/guide.md"},
			{Name: "docs/up", Type: '2', Linkname: "../bin"},
		})
	}
	workspace := t.TempDir()
	_, err := Run(context.Background(), src, Options{Workspace: workspace, Limits: defaultLimits, Repositories: []Repository{{Component: "r", Repository: "o/r", SHA: shaA}}})
	require.NoError(t, err)
	modes := map[string]fs.FileMode{"bin/run": 0o755, "bin/suid": 0o755, "docs/guide.md": 0o600}
	for name, want := range modes {
		info, err := os.Lstat(filepath.Join(workspace, "r", name))
		require.NoError(t, err)
		assert.Equal(t, want, info.Mode(), "%s: its mode, without set-uid, set-gid or sticky", name)
	}
	got := tree(t, filepath.Join(workspace, "r"))
	assert.Equal(t, "-> docs/guide.md", got["README"])
	assert.Equal(t, "-> ../bin", got["docs/up"])
}

// outsideUntouched lists what is beside the workspace, where nothing may
// ever be written.
func outsideUntouched(t *testing.T, outside string, before map[string]string) {
	t.Helper()
	assert.Equal(t, before, tree(t, outside), "nothing written outside the repository's folder")
}

func TestHostileArchivesAreRefused(t *testing.T) {
	tests := []struct {
		kind      string
		limits    Limits
		wantEntry string // the entry the error names
		wantRule  string
	}{
		{githubtest.HostileDotDot, defaultLimits, "o-r-aaaaaaa/../../escaped.txt", "leads outside the repository's folder"},
		{githubtest.HostileAbsolute, defaultLimits, "", "is not a relative path of the repository"},
		{githubtest.HostileLinkOut, defaultLimits, "o-r-aaaaaaa/etc", `is a link to "/etc", outside the repository's folder`},
		{githubtest.HostileLinkChain, defaultLimits, "o-r-aaaaaaa/out", "leads outside the repository's folder"},
		{githubtest.HostileHugeEntry, defaultLimits, "o-r-aaaaaaa/huge.bin", "holds 10737418240 bytes, more than the 2147483642 bytes left of max-bytes 2147483648"},
		{githubtest.HostileHugeEntry, Limits{MaxBytes: 1 << 20, MaxEntries: 10}, "o-r-aaaaaaa/huge.bin", "max-bytes 1048576"},
		{githubtest.HostileManyEntries, defaultLimits, "o-r-aaaaaaa/d998", "is one more than max-entries 200000 allows"},
		{githubtest.HostileFIFO, defaultLimits, "o-r-aaaaaaa/pipe", "is a named pipe (FIFO)"},
		{githubtest.HostileDevice, defaultLimits, "o-r-aaaaaaa/null", "is a device file"},
		{githubtest.HostileMarker, defaultLimits, "o-r-aaaaaaa/" + Marker, "would stand for the action's own marker"},
		{githubtest.HostileOutsideTop, defaultLimits, "beside.txt", "is not inside the archive's top-level folder"},
		{githubtest.HostileHardLink, defaultLimits, "o-r-aaaaaaa/passwd", "is a hard link"},
		{githubtest.HostileDuplicate, defaultLimits, "o-r-aaaaaaa/README.md", "is in the archive twice"},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			workspace, outside := filepath.Join(base, "workspace"), filepath.Join(base, "outside")
			require.NoError(t, os.MkdirAll(workspace, 0o755))
			require.NoError(t, os.MkdirAll(outside, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(outside, "shadow"), []byte("secret\n"), 0o644))
			before := tree(t, outside)
			src := newArchives()
			target := filepath.Join(outside, "shadow")
			src.entries["o/r@"+shaA] = func() iter.Seq[githubtest.TarEntry] { return githubtest.HostileArchive(tt.kind, target) }
			// A well-made neighbour is laid out all the same.
			src.files("o/good", shaB, map[string]string{"ok.txt": "ok\n"})

			_, err := Run(context.Background(), src, Options{Workspace: workspace, Path: "src", Limits: tt.limits, Repositories: []Repository{
				{Component: "r", Repository: "o/r", SHA: shaA},
				{Component: "good", Repository: "o/good", SHA: shaB},
			}})
			var refused *RefusedError
			require.ErrorAs(t, err, &refused)
			assert.Equal(t, "o/r", refused.Repository)
			assert.Equal(t, shaA, refused.Commit)
			if tt.wantEntry != "" {
				assert.Equal(t, tt.wantEntry, refused.Entry)
			} else {
				assert.Equal(t, target, refused.Entry)
			}
			assert.Contains(t, refused.Rule, tt.wantRule)
			assert.Contains(t, err.Error(), "o/r at "+shaA)

			outsideUntouched(t, outside, before)
			got := tree(t, filepath.Join(workspace, "src"))
			assert.Equal(t, map[string]string{"good": "/", "good/ok.txt": "ok\n", "good/" + Marker: `{"repository":"o/good","commit":"` + shaB + `"}` + "\n"}, got, "the refused repository is not there at all, not half-made")
			_, err = os.Stat(filepath.Join(workspace, "etc"))
			assert.ErrorIs(t, err, fs.ErrNotExist)
		})
	}
}

func TestSetuidIsLaidOutWithoutTheBits(t *testing.T) {
	src := newArchives()
	src.entries["o/r@"+shaA] = func() iter.Seq[githubtest.TarEntry] { return githubtest.HostileArchive(githubtest.HostileSetuid, "") }
	workspace := t.TempDir()
	_, err := Run(context.Background(), src, Options{Workspace: workspace, Limits: defaultLimits, Repositories: []Repository{{Component: "r", Repository: "o/r", SHA: shaA}}})
	require.NoError(t, err)
	info, err := os.Stat(filepath.Join(workspace, "r", "bin", "run"))
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o755), info.Mode(), "no set-uid, set-gid")
}

// layOut runs one repository o/r at sha into workspace.
func layOut(t *testing.T, src Source, workspace, sha string) error {
	t.Helper()
	_, err := Run(context.Background(), src, Options{Workspace: workspace, Limits: defaultLimits, Repositories: []Repository{{Component: "r", Repository: "o/r", SHA: sha}}})
	return err
}

func TestRerun(t *testing.T) {
	src := newArchives()
	src.files("o/r", shaA, map[string]string{"v": "a\n"})
	src.files("o/r", shaB, map[string]string{"v": "b\n", "new": "only in b\n"})
	src.entries["o/r@"+shaC] = func() iter.Seq[githubtest.TarEntry] { return githubtest.HostileArchive(githubtest.HostileDotDot, "") }

	t.Run("same commit is kept without a request", func(t *testing.T) {
		workspace := t.TempDir()
		require.NoError(t, layOut(t, src, workspace, shaA))
		before := len(src.requests())
		require.NoError(t, os.WriteFile(filepath.Join(workspace, "r", "built"), []byte("target\n"), 0o644))
		require.NoError(t, layOut(t, src, workspace, shaA))
		assert.Len(t, src.requests(), before, "no archive asked for")
		assert.FileExists(t, filepath.Join(workspace, "r", "built"), "kept as it is")
	})
	t.Run("another commit is replaced", func(t *testing.T) {
		workspace := t.TempDir()
		require.NoError(t, layOut(t, src, workspace, shaA))
		require.NoError(t, layOut(t, src, workspace, shaB))
		assert.Equal(t, map[string]string{"v": "b\n", "new": "only in b\n", Marker: `{"repository":"o/r","commit":"` + shaB + `"}` + "\n"}, tree(t, filepath.Join(workspace, "r")))
		entries, err := os.ReadDir(workspace)
		require.NoError(t, err)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		assert.Equal(t, []string{Dir, "r"}, names, "no old or temporary folder left")
	})
	t.Run("a failed replacement keeps the old folder", func(t *testing.T) {
		workspace := t.TempDir()
		require.NoError(t, layOut(t, src, workspace, shaA))
		var refused *RefusedError
		require.ErrorAs(t, layOut(t, src, workspace, shaC), &refused)
		assert.Equal(t, map[string]string{"v": "a\n", Marker: `{"repository":"o/r","commit":"` + shaA + `"}` + "\n"}, tree(t, filepath.Join(workspace, "r")))
	})

	foreign := []struct {
		name    string
		prepare func(t *testing.T, folder string)
		want    string
	}{
		{"a folder without the marker", func(t *testing.T, folder string) {
			require.NoError(t, os.MkdirAll(folder, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(folder, "mine.txt"), []byte("mine\n"), 0o644))
		}, "r holds no readable " + Marker},
		{"a folder of another repository", func(t *testing.T, folder string) {
			require.NoError(t, os.MkdirAll(folder, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(folder, Marker), []byte(`{"repository":"other/r","commit":"`+shaA+`"}`), 0o644))
		}, "r holds other/r, another repository"},
		{"a marker that is a link", func(t *testing.T, folder string) {
			require.NoError(t, os.MkdirAll(folder, 0o755))
			require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(folder, Marker)))
		}, "r holds no readable " + Marker},
		{"a link", func(t *testing.T, folder string) {
			require.NoError(t, os.Symlink(t.TempDir(), folder))
		}, "r is a symbolic link"},
		{"a file", func(t *testing.T, folder string) {
			require.NoError(t, os.WriteFile(folder, []byte("file\n"), 0o644))
		}, "r is a file"},
	}
	for _, tt := range foreign {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			workspace := t.TempDir()
			folder := filepath.Join(workspace, "r")
			tt.prepare(t, folder)
			before := tree(t, workspace)
			asked := len(src.requests())
			err := layOut(t, src, workspace, shaB)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "which the action did not lay out, so it is left as it is")
			assert.Equal(t, before, tree(t, workspace), "untouched")
			assert.Len(t, src.requests(), asked, "refused before any request")
		})
	}
}

func TestPathIsAFolderOfTheWorkspace(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		prepare func(t *testing.T, workspace string)
		want    string
	}{
		{"outside", "../elsewhere", nil, "path ../elsewhere is outside the workspace"},
		{"through a link", "deps/src", func(t *testing.T, workspace string) {
			require.NoError(t, os.Symlink(t.TempDir(), filepath.Join(workspace, "deps")))
		}, "path deps/src goes through deps, a symbolic link; the action lays out only into real folders of the workspace"},
		{"through a file", "f/src", func(t *testing.T, workspace string) {
			require.NoError(t, os.WriteFile(filepath.Join(workspace, "f"), nil, 0o644))
		}, "path f/src goes through f, which is not a folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			workspace := t.TempDir()
			if tt.prepare != nil {
				tt.prepare(t, workspace)
			}
			src := newArchives()
			src.files("o/r", shaA, map[string]string{"v": "a\n"})
			_, err := Run(context.Background(), src, Options{Workspace: workspace, Path: tt.path, Limits: defaultLimits, Repositories: []Repository{{Component: "r", Repository: "o/r", SHA: shaA}}})
			var pathErr *PathError
			require.ErrorAs(t, err, &pathErr)
			assert.EqualError(t, err, tt.want)
			assert.Empty(t, src.requests())
		})
	}
}

func TestTwoComponentsOfOneFolder(t *testing.T) {
	src := newArchives()
	src.files("o/r", shaA, map[string]string{"v": "a\n"})
	workspace := t.TempDir()
	// One repository at one commit for two components: laid out once.
	laid, err := Run(context.Background(), src, Options{Workspace: workspace, Limits: defaultLimits, Repositories: []Repository{
		{Component: "lib", Repository: "o/r", SHA: shaA}, {Component: "tool", Repository: "o/r", SHA: shaA},
	}})
	require.NoError(t, err)
	assert.Equal(t, []string{"o/r@" + shaA}, src.requests())
	assert.Equal(t, "r", laid[1].Path)
	// Two repositories of one name, or one at two commits, cannot share.
	for _, other := range []Repository{{Component: "b", Repository: "p/r", SHA: shaA}, {Component: "b", Repository: "o/r", SHA: shaB}} {
		_, err := Run(context.Background(), src, Options{Workspace: t.TempDir(), Limits: defaultLimits, Repositories: []Repository{{Component: "a", Repository: "o/r", SHA: shaA}, other}})
		assert.ErrorContains(t, err, "both go to r; a folder holds one repository at one commit")
	}
}

func TestOwnedByTheWorkspaceOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("handing files to another user needs root")
	}
	workspace := t.TempDir()
	const uid, gid = 4321, 4322
	require.NoError(t, os.Chown(workspace, uid, gid))
	src := newArchives()
	src.entries["o/r@"+shaA] = func() iter.Seq[githubtest.TarEntry] {
		return slices.Values([]githubtest.TarEntry{{Name: "src/lib.rs", Body: "x"}, {Name: "link", Type: '2', Linkname: "src"}})
	}
	_, err := Run(context.Background(), src, Options{Workspace: workspace, Path: "deps/src", Limits: defaultLimits, Repositories: []Repository{{Component: "r", Repository: "o/r", SHA: shaA}}})
	require.NoError(t, err)
	var wrong []string
	require.NoError(t, filepath.WalkDir(workspace, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		info, err := os.Lstat(p)
		require.NoError(t, err)
		st := info.Sys().(*syscall.Stat_t)
		if st.Uid != uid || st.Gid != gid {
			wrong = append(wrong, fmt.Sprintf("%s %d:%d", p, st.Uid, st.Gid))
		}
		return nil
	}))
	sort.Strings(wrong)
	assert.Empty(t, wrong, "everything belongs to the workspace's owner")
}

func TestConcurrencyIsBounded(t *testing.T) {
	src := &gate{archives: newArchives(), release: make(chan struct{})}
	var repos []Repository
	for i := range 6 {
		name := fmt.Sprintf("o/r%d", i)
		src.files(name, shaA, map[string]string{"v": name})
		repos = append(repos, Repository{Component: fmt.Sprintf("c%d", i), Repository: name, SHA: shaA})
	}
	done := make(chan error)
	go func() {
		_, err := Run(context.Background(), src, Options{Workspace: t.TempDir(), Limits: defaultLimits, Concurrency: 2, Repositories: repos})
		done <- err
	}()
	for range 6 {
		src.release <- struct{}{}
	}
	require.NoError(t, <-done)
	assert.Equal(t, 2, src.most, "at most 2 archives at once")
}

// gate lets each download start only when the test says so, counting how
// many run at once.
type gate struct {
	*archives
	release chan struct{}
	mu      sync.Mutex
	now     int
	most    int
}

func (g *gate) Tarball(ctx context.Context, owner, repo, sha string) (io.ReadCloser, error) {
	g.mu.Lock()
	g.now++
	g.most = max(g.most, g.now)
	g.mu.Unlock()
	<-g.release
	body, err := g.archives.Tarball(ctx, owner, repo, sha)
	return &closer{ReadCloser: body, done: func() { g.mu.Lock(); g.now--; g.mu.Unlock() }}, err
}

type closer struct {
	io.ReadCloser
	done func()
}

func (c *closer) Close() error {
	c.done()
	return c.ReadCloser.Close()
}

func TestLinkResolution(t *testing.T) {
	tests := []struct {
		name  string
		links map[string]string
		check string
		want  string // "" means inside
	}{
		{"a sibling", map[string]string{"a": "b"}, "a", ""},
		{"up and down", map[string]string{"d/a": "../b"}, "d/a", ""},
		{"absolute", map[string]string{"a": "/etc"}, "a", "leads outside"},
		{"up out of the folder", map[string]string{"a": ".."}, "a", "leads outside"},
		{"through a link to the top", map[string]string{"d/up": "..", "a": "d/up/.."}, "a", "leads outside"},
		{"a loop", map[string]string{"a": "b", "b": "a"}, "a", "more than 40 links"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, target := range tt.links {
				require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755))
				require.NoError(t, os.Symlink(target, filepath.Join(dir, name)))
			}
			root, err := os.OpenRoot(dir)
			require.NoError(t, err)
			defer root.Close()
			err = resolvesInside(root, tt.check)
			if tt.want == "" {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, tt.want)
			}
		})
	}
}

func TestMarkerNamesInTheErrorAreShort(t *testing.T) {
	// A folder's error never prints more of a hostile entry than 200 characters.
	e := &RefusedError{Repository: "o/r", Commit: shaA, Entry: strings.Repeat("x", 5000), Rule: "is bad"}
	assert.Less(t, len(e.Error()), 400)
}

func TestLeftoversOfAKilledRunAreRemoved(t *testing.T) {
	workspace := t.TempDir()
	plant := func(name, markerJSON string) {
		dir := filepath.Join(workspace, name)
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "half"), 0o755))
		if markerJSON != "" {
			require.NoError(t, os.WriteFile(filepath.Join(dir, Marker), []byte(markerJSON), 0o644))
		}
	}
	plant(".r.new-0123456789ab", `{"repository":"o/r","commit":"`+shaA+`","partial":true}`)
	plant(".r.old-0123456789ab", `{"repository":"o/r","commit":"`+shaB+`"}`)
	plant(".r.new-aaaaaaaaaaaa", `{"repository":"someone/else","commit":"`+shaA+`"}`)
	plant(".r.new-bbbbbbbbbbbb", "")
	plant(".r.new-mine", `{"repository":"o/r","commit":"`+shaA+`"}`)
	plant(".q.new-0123456789ab", `{"repository":"o/q","commit":"`+shaA+`","partial":true}`)
	src := newArchives()
	src.files("o/r", shaA, map[string]string{"v": "a\n"})
	require.NoError(t, layOut(t, src, workspace, shaA))
	entries, err := os.ReadDir(workspace)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{".q.new-0123456789ab", ".r.new-aaaaaaaaaaaa", ".r.new-bbbbbbbbbbbb", ".r.new-mine", Dir, "r"}, names,
		"only the action's own half-made folders of o/r are removed")
}

func TestAPartialMarkerIsNeverCurrent(t *testing.T) {
	workspace := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(workspace, "r"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(workspace, "r", Marker), []byte(`{"repository":"o/r","commit":"`+shaA+`","partial":true}`), 0o644))
	src := newArchives()
	src.files("o/r", shaA, map[string]string{"v": "a\n"})
	require.NoError(t, layOut(t, src, workspace, shaA))
	assert.Equal(t, []string{"o/r@" + shaA}, src.requests(), "laid out again")
	assert.Equal(t, map[string]string{"v": "a\n", Marker: `{"repository":"o/r","commit":"` + shaA + `"}` + "\n"}, tree(t, filepath.Join(workspace, "r")))
}

func TestNamesGitAllows(t *testing.T) {
	src := newArchives()
	src.entries["o/r@"+shaA] = func() iter.Seq[githubtest.TarEntry] {
		return slices.Values([]githubtest.TarEntry{
			{Name: `docs\windows-path.md`, Body: "backslash\n"},
			{Name: "a b/ü.txt", Body: "space and umlaut\n"},
			{Name: "..hidden", Body: "two dots, not a parent\n"},
			{Name: "x/..y/z", Body: "deep\n"},
		})
	}
	workspace := t.TempDir()
	require.NoError(t, layOut(t, src, workspace, shaA))
	got := tree(t, filepath.Join(workspace, "r"))
	assert.Equal(t, "backslash\n", got[`docs\windows-path.md`])
	assert.Equal(t, "space and umlaut\n", got["a b/ü.txt"])
	assert.Equal(t, "two dots, not a parent\n", got["..hidden"])
	assert.Equal(t, "deep\n", got["x/..y/z"])
}
