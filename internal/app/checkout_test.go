package app

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/checkout"
	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/manifest"
)

// checkoutGraph is the graph Cargo sees in BTCDecoded's repositories,
// spelt out so that the tests do not depend on the default graph.
const checkoutGraph = `{
  "consensus": {"repository": "bllvm-consensus"},
  "protocol": {"repository": "bllvm-protocol", "depends-on": ["consensus"]},
  "node": {"repository": "bllvm-node", "depends-on": ["protocol"]},
  "sdk": {"repository": "bllvm-sdk", "depends-on": ["node"]},
  "governance": {"repository": "bllvm-commons", "depends-on": ["sdk"]},
  "bllvm": {"repository": "bllvm", "depends-on": ["node"]}
}`

// checkoutComponents are the graph's components and repositories, in order.
var checkoutComponents = []struct{ component, repository string }{
	{"consensus", "bllvm-consensus"},
	{"protocol", "bllvm-protocol"},
	{"node", "bllvm-node"},
	{"sdk", "bllvm-sdk"},
	{"governance", "bllvm-commons"},
	{"bllvm", "bllvm"},
}

// commitOf is a component's commit in snapshot n.
func commitOf(component string, n int) string {
	sum := fmt.Sprintf("%x", []byte(fmt.Sprintf("%s-%d", component, n)))
	return (sum + strings.Repeat("0", 40))[:40]
}

// filesOf are the files of a component's repository at commit.
func filesOf(component, commit string) map[string]string {
	return map[string]string{
		"Cargo.toml":  fmt.Sprintf("[package]\nname = %q\n", component),
		"src/lib.rs":  "// " + component + " at " + commit + "\n",
		"COMMIT":      commit + "\n",
		"docs/a/b.md": "nested\n",
	}
}

// checkoutWorld is the orchestrator's workspace with the six repositories,
// each at the commits of snapshots 1 and 2 planted with their files.
func checkoutWorld(t testing.TB) *world {
	t.Helper()
	var opts []githubtest.Option
	for _, c := range checkoutComponents {
		if c.repository != "bllvm" {
			opts = append(opts, githubtest.WithRepository("BTCDecoded/"+c.repository))
		}
	}
	w := newWorld(t, opts...).with(map[string]string{
		"GITHUB_EVENT_NAME": "workflow_dispatch",
		"GITHUB_EVENT_PATH": "",
		"GITHUB_REPOSITORY": orchestrator,
		"GITHUB_SHA":        pushSHA,
		"GITHUB_WORKSPACE":  t.TempDir(),
		"INPUT_MODE":        "checkout",
		"INPUT_GRAPH":       checkoutGraph,
		"INPUT_PATH":        "src",
	})
	for _, c := range checkoutComponents {
		for n := 1; n <= 2; n++ {
			sha := commitOf(c.component, n)
			w.srv.SetCommitFiles("BTCDecoded/"+c.repository, sha, filesOf(c.component, sha))
		}
	}
	return w
}

// snapshotOf is snapshot n as JSON, with moved components at snapshot 2.
func snapshotOf(n int, moved ...string) string {
	var m manifest.Manifest
	for _, c := range checkoutComponents {
		at := n
		for _, name := range moved {
			if name == c.component {
				at = 2
			}
		}
		m = append(m, manifest.Entry{Component: c.component, Repository: "BTCDecoded/" + c.repository, SHA: commitOf(c.component, at), Rebuilt: true})
	}
	return m.String()
}

// tarballRequests are the archives a run asked GitHub for, by repository.
func tarballRequests(o outcome) []string {
	var repos []string
	for _, r := range o.requests {
		if r.Host != storageHost && strings.Contains(r.Path, "/tarball/") {
			repos = append(repos, strings.Split(r.Path, "/")[3])
		}
	}
	return repos
}

// assertLaidOut checks that each component's folder holds its commit's
// files and the action's marker, and nothing else.
func assertLaidOut(t *testing.T, w *world, pins map[string]string) {
	t.Helper()
	for _, c := range checkoutComponents {
		sha, ok := pins[c.component]
		dir := filepath.Join(w.workspace(), "src", c.repository)
		if !ok {
			assert.NoDirExists(t, dir, "%s is not laid out", c.component)
			continue
		}
		want := filesOf(c.component, sha)
		want[checkout.Marker] = fmt.Sprintf(`{"repository":"BTCDecoded/%s","commit":"%s"}`+"\n", c.repository, sha)
		got := map[string]string{}
		require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			require.NoError(t, err)
			if !d.IsDir() {
				data, err := os.ReadFile(p)
				require.NoError(t, err)
				rel, _ := filepath.Rel(dir, p)
				got[filepath.ToSlash(rel)] = string(data)
			}
			return nil
		}))
		assert.Equal(t, want, got, "%s at its commit", c.repository)
	}
}

func pinsOf(n int, components ...string) map[string]string {
	pins := map[string]string{}
	for _, c := range checkoutComponents {
		if len(components) == 0 || contains(components, c.component) {
			pins[c.component] = commitOf(c.component, n)
		}
	}
	return pins
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}

func TestCheckoutLaysOutTheSnapshotSideBySide(t *testing.T) {
	w := checkoutWorld(t).with(map[string]string{"INPUT_MANIFEST": snapshotOf(1)})
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	assertLaidOut(t, w, pinsOf(1))
	assert.ElementsMatch(t, []string{"bllvm-consensus", "bllvm-protocol", "bllvm-node", "bllvm-sdk", "bllvm-commons", "bllvm"}, tarballRequests(o))
	storage := 0
	for _, r := range o.requests {
		if r.Host == storageHost {
			storage++
		}
	}
	assert.Equal(t, 6, storage, "one download from storage each (world.run checks none carries the token)")
	assert.Len(t, o.requests, 12, "nothing else")

	assert.Equal(t, `{"consensus":"src/bllvm-consensus","protocol":"src/bllvm-protocol","node":"src/bllvm-node","sdk":"src/bllvm-sdk","governance":"src/bllvm-commons","bllvm":"src/bllvm"}`, o.outputs["paths"])
	assert.Equal(t, snapshotOf(1), o.outputs["manifest"])
	data, err := os.ReadFile(filepath.Join(w.workspace(), ".release-action", "snapshot.json"))
	require.NoError(t, err)
	var laid []map[string]string
	require.NoError(t, json.Unmarshal(data, &laid))
	require.Len(t, laid, 6)
	assert.Equal(t, map[string]string{"component": "governance", "repository": "BTCDecoded/bllvm-commons", "commit": commitOf("governance", 1), "path": "src/bllvm-commons"}, laid[4])
	assert.Contains(t, o.stdout, "done: laid out 6 components under src")
	assert.Contains(t, o.summary, "src/bllvm-commons")
}

func TestCheckoutRerun(t *testing.T) {
	tests := []struct {
		name string
		// second is the snapshot of the rerun, after snapshot 1 was laid out.
		second       string
		wantTarballs []string
		wantPins     map[string]string
	}{
		{"the same snapshot: kept, no request", snapshotOf(1), nil, pinsOf(1)},
		{"node moved: node alone replaced", snapshotOf(1, "node"), []string{"bllvm-node"}, func() map[string]string {
			pins := pinsOf(1)
			pins["node"] = commitOf("node", 2)
			return pins
		}()},
		{"everything moved: all replaced", snapshotOf(2), []string{"bllvm-consensus", "bllvm-protocol", "bllvm-node", "bllvm-sdk", "bllvm-commons", "bllvm"}, pinsOf(2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := checkoutWorld(t).with(map[string]string{"INPUT_MANIFEST": snapshotOf(1)})
			require.Equal(t, 0, w.run().code)
			w.vars["INPUT_MANIFEST"] = tt.second
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)
			assert.ElementsMatch(t, tt.wantTarballs, tarballRequests(o))
			if tt.wantTarballs == nil {
				assert.Empty(t, o.requests, "a rerun of the same snapshot sends no request")
			}
			assertLaidOut(t, w, tt.wantPins)
			replaced := len(tt.wantTarballs)
			assert.Contains(t, o.summary, fmt.Sprintf("%s kept at the snapshot's commit, %s replaced from another commit", count(6-replaced, "folder"), count(replaced, "folder")))
			entries, err := os.ReadDir(filepath.Join(w.workspace(), "src"))
			require.NoError(t, err)
			assert.Len(t, entries, 6, "no old or temporary folder left beside them")
		})
	}
}

func TestCheckoutNeverTouchesAFolderItDidNotLayOut(t *testing.T) {
	w := checkoutWorld(t).with(map[string]string{"INPUT_MANIFEST": snapshotOf(1)})
	mine := filepath.Join(w.workspace(), "src", "bllvm-node")
	require.NoError(t, os.MkdirAll(mine, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(mine, "work-in-progress.rs"), []byte("mine\n"), 0o644))
	o := w.run()
	require.Equal(t, 1, o.code)
	assert.Contains(t, errorLine(t, o.stdout), "src/bllvm-node holds no readable .release-action-checkout")
	assert.Contains(t, errorLine(t, o.stdout), "which the action did not lay out, so it is left as it is")
	assert.Empty(t, o.requests, "refused before any archive is asked for")
	data, err := os.ReadFile(filepath.Join(mine, "work-in-progress.rs"))
	require.NoError(t, err)
	assert.Equal(t, "mine\n", string(data))
	entries, err := os.ReadDir(mine)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "untouched")
}

func TestCheckoutRefusesHostileArchives(t *testing.T) {
	const hostileSHA = "badbadbadbadbadbadbadbadbadbadbadbadbad0"
	tests := []struct {
		kind  string
		vars  map[string]string
		entry string // what the error names
	}{
		{githubtest.HostileDotDot, nil, `"BTCDecoded-bllvm-node-badbadb/../../escaped.txt" leads outside the repository's folder`},
		{githubtest.HostileAbsolute, nil, "is not a relative path of the repository"},
		{githubtest.HostileLinkOut, nil, `"BTCDecoded-bllvm-node-badbadb/etc" is a link to "/etc", outside the repository's folder`},
		{githubtest.HostileLinkChain, nil, `"BTCDecoded-bllvm-node-badbadb/out" is a link to "sub/up/..", which leads outside the repository's folder`},
		{githubtest.HostileHugeEntry, nil, `"BTCDecoded-bllvm-node-badbadb/huge.bin" holds 10737418240 bytes, more than the 2147483642 bytes left of max-bytes 2147483648`},
		{githubtest.HostileManyEntries, map[string]string{"INPUT_MAX-ENTRIES": "1000"}, "is one more than max-entries 1000 allows"},
		{githubtest.HostileFIFO, nil, `"BTCDecoded-bllvm-node-badbadb/pipe" is a named pipe (FIFO)`},
		{githubtest.HostileDevice, nil, `"BTCDecoded-bllvm-node-badbadb/null" is a device file`},
		{githubtest.HostileMarker, nil, "would stand for the action's own marker"},
		{githubtest.HostileHardLink, nil, "is a hard link"},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			if tt.kind == githubtest.HostileManyEntries && testing.Short() {
				t.Skip("writes an archive of a million entries")
			}
			w := checkoutWorld(t).with(tt.vars)
			outside := t.TempDir()
			shadow := filepath.Join(outside, "shadow")
			require.NoError(t, os.WriteFile(shadow, []byte(secretText), 0o644))
			w.srv.SetCommitArchive("BTCDecoded/bllvm-node", hostileSHA, githubtest.HostileArchive(tt.kind, shadow))
			var m manifest.Manifest
			for _, c := range checkoutComponents[:3] {
				sha := commitOf(c.component, 1)
				if c.component == "node" {
					sha = hostileSHA
				}
				m = append(m, manifest.Entry{Component: c.component, Repository: "BTCDecoded/" + c.repository, SHA: sha})
			}
			w.vars["INPUT_MANIFEST"] = m.String()
			o := w.run()
			require.Equal(t, 1, o.code)
			line := errorLine(t, o.stdout)
			assert.Contains(t, line, "refuse the archive of BTCDecoded/bllvm-node at "+hostileSHA+": entry ")
			assert.Contains(t, line, tt.entry)
			assert.NotContains(t, o.stdout, "secret")

			data, err := os.ReadFile(shadow)
			require.NoError(t, err)
			assert.Equal(t, secretText, string(data), "the file outside is untouched")
			entries, err := os.ReadDir(outside)
			require.NoError(t, err)
			assert.Len(t, entries, 1, "nothing written beside it")
			_, err = os.Lstat(filepath.Join(w.workspace(), "src", "escaped.txt"))
			assert.ErrorIs(t, err, fs.ErrNotExist)
			_, err = os.Lstat(filepath.Join(w.workspace(), "escaped.txt"))
			assert.ErrorIs(t, err, fs.ErrNotExist)
			names, err := os.ReadDir(filepath.Join(w.workspace(), "src"))
			require.NoError(t, err)
			var laid []string
			for _, e := range names {
				laid = append(laid, e.Name())
			}
			assert.ElementsMatch(t, []string{"bllvm-consensus", "bllvm-protocol"}, laid, "the refused repository is not there at all, its neighbours are")
			_, err = os.Stat(filepath.Join(w.workspace(), ".release-action", "snapshot.json"))
			assert.ErrorIs(t, err, fs.ErrNotExist, "no snapshot.json for a snapshot not laid out")
		})
	}
}

func TestCheckoutSetuidLosesItsBits(t *testing.T) {
	const sha = "5e705e705e705e705e705e705e705e705e705e70"
	w := checkoutWorld(t)
	w.srv.SetCommitArchive("BTCDecoded/bllvm-node", sha, githubtest.HostileArchive(githubtest.HostileSetuid, ""))
	w.vars["INPUT_MANIFEST"] = manifest.Manifest{{Component: "node", Repository: "BTCDecoded/bllvm-node", SHA: sha}}.String()
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	info, err := os.Stat(filepath.Join(w.workspace(), "src", "bllvm-node", "bin", "run"))
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o755), info.Mode(), "laid out without set-uid and set-gid")
}

func TestCheckoutComponentsWithWhatTheyDependOn(t *testing.T) {
	tests := []struct {
		components string
		want       []string
	}{
		{"sdk", []string{"consensus", "protocol", "node", "sdk"}},
		{"bllvm", []string{"consensus", "protocol", "node", "bllvm"}},
		{"governance, consensus", []string{"consensus", "protocol", "node", "sdk", "governance"}},
		{"consensus", []string{"consensus"}},
	}
	for _, tt := range tests {
		t.Run(tt.components, func(t *testing.T) {
			w := checkoutWorld(t).with(map[string]string{"INPUT_MANIFEST": snapshotOf(1), "INPUT_COMPONENTS": tt.components})
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)
			assertLaidOut(t, w, pinsOf(1, tt.want...))
			assert.Len(t, tarballRequests(o), len(tt.want))
			var paths map[string]string
			require.NoError(t, json.Unmarshal([]byte(o.outputs["paths"]), &paths))
			assert.Len(t, paths, len(tt.want))
			assert.Equal(t, snapshotOf(1), o.outputs["manifest"], "the whole snapshot")
		})
	}
}

func TestCheckoutBadInputsSendNothing(t *testing.T) {
	partial := manifest.Manifest{{Component: "sdk", Repository: "BTCDecoded/bllvm-sdk", SHA: commitOf("sdk", 1)}}.String()
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"an unknown component", map[string]string{"INPUT_MANIFEST": snapshotOf(1), "INPUT_COMPONENTS": "sdk, wallet"}, `input components: names "wallet", which the graph does not know`},
		{"a dependency the snapshot lacks", map[string]string{"INPUT_MANIFEST": partial, "INPUT_COMPONENTS": "sdk"}, "it holds no commit of consensus (which sdk depends on), protocol (which sdk depends on), node (which sdk depends on)"},
		{"a path outside", map[string]string{"INPUT_MANIFEST": snapshotOf(1), "INPUT_PATH": "../up"}, "input path: must be a folder inside the workspace"},
		{"neither manifest nor tag", map[string]string{}, "input manifest: is empty, and so is tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := checkoutWorld(t).with(tt.vars).run()
			require.Equal(t, 1, o.code)
			assert.Contains(t, errorLine(t, o.stdout), tt.want)
			assert.Empty(t, o.requests)
		})
	}
	t.Run("a path through a link", func(t *testing.T) {
		w := checkoutWorld(t).with(map[string]string{"INPUT_MANIFEST": snapshotOf(1), "INPUT_PATH": "deps/src"})
		elsewhere := t.TempDir()
		w.link("deps", elsewhere)
		o := w.run()
		require.Equal(t, 1, o.code)
		assert.Contains(t, errorLine(t, o.stdout), "input path: deps/src goes through deps, a symbolic link")
		assert.Empty(t, o.requests)
		entries, err := os.ReadDir(elsewhere)
		require.NoError(t, err)
		assert.Empty(t, entries, "nothing written where the link leads")
	})
}

func TestCheckoutByTag(t *testing.T) {
	const tag = "nightly-20251118-6113728"
	m, err := manifest.Parse("manifest", snapshotOf(1, "sdk"))
	require.NoError(t, err)
	tests := []struct {
		name    string
		prepare func(w *world)
		code    int
		want    string // in the error line, when code is 1
	}{
		{"an annotated nightly recording its manifest", func(w *world) {
			w.srv.SetAnnotatedTag(orchestrator, tag, pushSHA, manifest.Message(tag, orchestrator, pushSHA, m))
		}, 0, ""},
		{"a lightweight tag", func(w *world) { w.srv.SetTag(orchestrator, tag, pushSHA) }, 1, "input tag: " + tag + " records no manifest"},
		{"no such tag", func(*world) {}, 1, "input tag: " + tag + " is not a tag of BTCDecoded/bllvm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := checkoutWorld(t).with(map[string]string{"INPUT_TAG": tag})
			w.srv.AddCommit(orchestrator, pushSHA)
			tt.prepare(w)
			o := w.run()
			require.Equal(t, tt.code, o.code, o.stdout)
			if tt.code != 0 {
				assert.Contains(t, errorLine(t, o.stdout), tt.want)
				assert.Empty(t, tarballRequests(o))
				return
			}
			pins := pinsOf(1)
			pins["sdk"] = commitOf("sdk", 2)
			assertLaidOut(t, w, pins)
			assert.Equal(t, m.String(), o.outputs["manifest"])
		})
	}
}

func TestCheckoutOnALaptop(t *testing.T) {
	const tag = "nightly-20251118-6113728"
	w := checkoutWorld(t)
	for k := range w.vars {
		if strings.HasPrefix(k, "GITHUB_") || strings.HasPrefix(k, "INPUT_") {
			delete(w.vars, k)
		}
	}
	w.vars["GITHUB_TOKEN"] = token
	m, err := manifest.Parse("manifest", snapshotOf(1))
	require.NoError(t, err)
	w.srv.AddCommit(orchestrator, pushSHA)
	w.srv.SetAnnotatedTag(orchestrator, tag, pushSHA, manifest.Message(tag, orchestrator, pushSHA, m))
	dir := t.TempDir()
	t.Chdir(dir)
	o := w.run("--mode=checkout", "--repository="+orchestrator, "--tag="+tag, "--path=./src")
	require.Equal(t, 0, o.code, o.stderr)
	for _, c := range checkoutComponents {
		assert.FileExists(t, filepath.Join(dir, "src", c.repository, "Cargo.toml"))
	}
	assert.Contains(t, o.stdout, `paths={"consensus":"src/bllvm-consensus",`, "stdout holds the outputs")
}

func TestCheckoutStorageRedirectToTheAPIIsNotFollowed(t *testing.T) {
	w := checkoutWorld(t).with(map[string]string{"INPUT_MANIFEST": snapshotOf(1), "INPUT_COMPONENTS": "consensus"})
	w.srv.RedirectDownloads("BTCDecoded-bllvm-consensus-"+commitOf("consensus", 1)[:7]+".tar.gz", "https://api.github.com/user", 1)
	o := w.run()
	require.Equal(t, 1, o.code)
	assert.Contains(t, errorLine(t, o.stdout), "GitHub's storage redirected to https://api.github.com/user, which would receive the token; such a redirect is never followed")
	for _, r := range o.requests {
		assert.NotEqual(t, "/user", r.Path, "never asked for with the token")
	}
	assert.NoDirExists(t, filepath.Join(w.workspace(), "src", "bllvm-consensus"))
}

func TestCheckoutDownloadsABrokenArchiveAgain(t *testing.T) {
	tests := []struct {
		name     string
		cuts     int
		wantCode int
		want     string // in the log: the retry's line, or the error
	}{
		{"cut once: downloaded again", 1, 0, "the archive of BTCDecoded/bllvm-consensus at 636f6e7 broke off"},
		{"cut on every attempt: fails after 3", 3, 1, "read the archive of BTCDecoded/bllvm-consensus at " + commitOf("consensus", 1) + " from GitHub's storage: unexpected EOF (it broke off on all 3 attempts)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := checkoutWorld(t).with(map[string]string{"INPUT_MANIFEST": snapshotOf(1), "INPUT_COMPONENTS": "consensus"})
			for range tt.cuts {
				w.srv.FailDownloadAfter("BTCDecoded-bllvm-consensus-"+commitOf("consensus", 1)[:7]+".tar.gz", 100)
			}
			o := w.run()
			require.Equal(t, tt.wantCode, o.code, o.stdout)
			assert.Contains(t, o.stdout, tt.want)
			assert.Len(t, tarballRequests(o), min(tt.cuts+1, 3), "one request per attempt")
			if tt.wantCode == 0 {
				assertLaidOut(t, w, pinsOf(1, "consensus"))
			} else {
				assert.NoDirExists(t, filepath.Join(w.workspace(), "src", "bllvm-consensus"))
				entries, err := os.ReadDir(filepath.Join(w.workspace(), "src"))
				require.NoError(t, err)
				assert.Empty(t, entries, "no attempt left behind")
			}
		})
	}
}

func TestCheckoutRerunNeedsNoToken(t *testing.T) {
	w := checkoutWorld(t).with(map[string]string{"INPUT_MANIFEST": snapshotOf(1)})
	require.Equal(t, 0, w.run().code)
	delete(w.vars, "INPUT_TOKEN")
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Empty(t, o.requests)
	assert.Contains(t, o.stdout, "done: laid out 6 components under src")

	// Once a folder is at another commit, the token is needed again.
	w.vars["INPUT_MANIFEST"] = snapshotOf(1, "node")
	o = w.run()
	require.Equal(t, 1, o.code)
	assert.Contains(t, errorLine(t, o.stdout), "input token: is empty")
	assert.Empty(t, o.requests)
}

func TestCheckoutExplainsAnArchiveItCannotRead(t *testing.T) {
	const unknown = "1234567890123456789012345678901234567890"
	w := checkoutWorld(t)
	w.vars["INPUT_MANIFEST"] = manifest.Manifest{{Component: "node", Repository: "BTCDecoded/bllvm-node", SHA: unknown}}.String()
	o := w.run()
	require.Equal(t, 1, o.code)
	line := errorLine(t, o.stdout)
	assert.Contains(t, line, "download the archive of BTCDecoded/bllvm-node at "+unknown+": GET https://api.github.com/repos/BTCDecoded/bllvm-node/tarball/"+unknown+" answered 404 Not Found")
	assert.Contains(t, line, "contents: read on BTCDecoded/bllvm-node")
	assert.NoDirExists(t, filepath.Join(w.workspace(), "src", "bllvm-node"))
}

func TestCheckoutHandsEverythingToTheWorkspaceOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("handing files to another user needs root, as the action's container runs")
	}
	const uid, gid = 4321, 4322
	w := checkoutWorld(t).with(map[string]string{"INPUT_MANIFEST": snapshotOf(1), "INPUT_COMPONENTS": "node", "INPUT_PATH": "deps/src"})
	require.NoError(t, os.Chown(w.workspace(), uid, gid))
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	var wrong []string
	require.NoError(t, filepath.WalkDir(w.workspace(), func(p string, _ fs.DirEntry, err error) error {
		require.NoError(t, err)
		info, err := os.Lstat(p)
		require.NoError(t, err)
		if st := info.Sys().(*syscall.Stat_t); st.Uid != uid || st.Gid != gid {
			wrong = append(wrong, p)
		}
		return nil
	}))
	assert.Empty(t, wrong, "the runner's user can build in and clean up everything laid out, snapshot.json too")
	assert.FileExists(t, filepath.Join(w.workspace(), ".release-action", "snapshot.json"))
}
