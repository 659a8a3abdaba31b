package app

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/nightly"
	"github.com/BTCDecoded/release-action/internal/prerelease"
)

// builds names each component's asset in a nightly, by the convention
// carry-over reads: <component>-* or <repository name>-* (protocol's and
// governance's by their repositories; bllvm's, the orchestrator's own
// crate, by both).
var builds = map[string]string{
	"consensus":  "consensus-linux-x64.tar.gz",
	"protocol":   "bllvm-protocol-linux-x64.tar.gz",
	"node":       "node-linux-x64.tar.gz",
	"sdk":        "sdk-linux-x64.tar.gz",
	"governance": "bllvm-commons-image.tar.gz",
	"bllvm":      "bllvm-linux-x64.tar.gz",
}

// Commits the component repositories move to tonight.
const (
	consensusNext = "c0ffee0100000000000000000000000000000002"
	sdkNext       = "5dc0ffee00000000000000000000000000000002"
)

// buildOf is the bytes of component's asset built at sha.
func buildOf(component, sha string) string {
	return fmt.Sprintf("%s built at %s\n", component, sha)
}

// night is prerelease.yml's publish step for tonight's nightly: the
// nightly before it, yesterday's, is annotated with its manifest (every
// component at its head) and published with an asset of every component,
// manifest.json and SHA256SUMS; tonight's tag records tonight's manifest;
// the workspace holds the builds of what tonight rebuilt, in dist/.
type night struct {
	*world
	previousID int64
	// yesterday is the bytes of yesterday's assets, by name.
	yesterday map[string]string
}

// How tonight's nightly is tagged when the step runs.
type tagging int

const (
	annotated   tagging = iota // recording tonight's manifest, as nightly-tag leaves it
	lightweight                // as before manifests
	untagged                   // not yet: the release makes the tag
)

// newNight plays yesterday and tonight's setup; tonight pins the
// components at pins, rebuilding those named. A component repository
// whose pin moved since yesterday knows both commits, in that order, so
// that the compare counts one commit.
func newNight(t testing.TB, pins map[string]string, rebuilt []string) *night {
	t.Helper()
	return newNightTagged(t, pins, rebuilt, annotated)
}

func newNightTagged(t testing.TB, pins map[string]string, rebuilt []string, tonight tagging) *night {
	t.Helper()
	w := releaseWorld(t, "create-prerelease").with(map[string]string{
		"INPUT_ASSETS":     "dist/*",
		"INPUT_CARRY-OVER": "true",
		"INPUT_CHECKSUMS":  "SHA256SUMS",
	})
	n := &night{world: w, yesterday: map[string]string{}}
	yesterday := wantManifest(heads, allComponents)
	object := w.srv.SetAnnotatedTag(orchestrator, yesterdayOfPush, pushSHA, tagMessage(yesterdayOfPush, yesterday))
	// Published complete, as create-prerelease leaves it: the base that
	// tonight carries over from.
	n.previousID = w.srv.AddRelease(orchestrator, githubtest.Release{TagName: yesterdayOfPush, Prerelease: true, TargetCommitish: pushSHA, Body: nightly.CompleteMarker(object)}).ID
	for _, c := range allComponents {
		n.yesterday[builds[c]] = buildOf(c, heads[c])
	}
	n.yesterday["manifest.json"] = `{"tag": "` + yesterdayOfPush + `"}` + "\n"
	n.yesterday["SHA256SUMS"] = "yesterday's sums\n"
	for _, name := range slices.Sorted(maps.Keys(n.yesterday)) {
		w.srv.AddAssetContent(orchestrator, n.previousID, name, strings.NewReader(n.yesterday[name]))
	}

	switch tonight {
	case annotated:
		w.srv.SetAnnotatedTag(orchestrator, todayTag, pushSHA, tagMessage(todayTag, wantManifest(pins, rebuilt)))
	case lightweight:
		w.srv.SetTag(orchestrator, todayTag, pushSHA)
	}
	for _, c := range componentRepos {
		if pins[c.component] != heads[c.component] {
			repo := "BTCDecoded/" + c.repository
			w.srv.AddRepository(repo)
			w.srv.AddCommit(repo, heads[c.component])
			w.srv.AddCommit(repo, pins[c.component])
		}
	}
	for _, c := range rebuilt {
		w.file("dist/"+builds[c], buildOf(c, pins[c]))
	}
	return n
}

// published returns tonight's release and the bytes of each of its
// assets, checking that it is published and every asset whole.
func (n *night) published(t *testing.T) (githubtest.Release, map[string]string) {
	t.Helper()
	rel := n.assertOne(t)
	contents := map[string]string{}
	for _, a := range rel.Assets {
		require.Equal(t, "uploaded", a.State, "%s is whole", a.Name)
		content, ok := n.srv.AssetContent(orchestrator, rel.ID, a.Name)
		require.True(t, ok, "%s has bytes", a.Name)
		contents[a.Name] = string(content)
		assert.Equal(t, digest(string(content)), a.Digest, "%s: GitHub's digest is of its bytes", a.Name)
	}
	return rel, contents
}

func (n *night) assertOne(t *testing.T) githubtest.Release {
	t.Helper()
	rel, count := n.releaseOf(todayTag)
	require.Equal(t, 1, count, "one release for %s", todayTag)
	assert.False(t, rel.Draft, "published")
	return rel
}

// wantContents is what tonight's release must hold besides manifest.json
// and SHA256SUMS: the builds of what was rebuilt, as built tonight, and
// the builds carried from yesterday with yesterday's bytes.
func (n *night) wantContents(pins map[string]string, rebuilt, carried []string) map[string]string {
	want := map[string]string{}
	for _, c := range rebuilt {
		want[builds[c]] = buildOf(c, pins[c])
	}
	for _, c := range carried {
		want[builds[c]] = n.yesterday[builds[c]]
	}
	return want
}

func digest(content string) string {
	sum := sha256.Sum256([]byte(content))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// assertChecksums checks that SHA256SUMS lists every other asset's SHA-256
// as sha256sum prints it, sorted by name, and that the workspace copy the
// checksums-file output names is the asset.
func assertChecksums(t *testing.T, w *world, o outcome, contents map[string]string) {
	t.Helper()
	var lines []string
	for name, content := range contents {
		if name != "SHA256SUMS" {
			lines = append(lines, strings.TrimPrefix(digest(content), "sha256:")+"  "+name+"\n")
		}
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i][66:] < lines[j][66:] })
	assert.Equal(t, strings.Join(lines, ""), contents["SHA256SUMS"], "sha256sum -c verifies every other asset")
	require.Equal(t, ".release-action/SHA256SUMS", o.outputs["checksums-file"])
	local, err := os.ReadFile(filepath.Join(w.vars["GITHUB_WORKSPACE"], o.outputs["checksums-file"]))
	require.NoError(t, err, "the workspace copy is where the output says")
	assert.Equal(t, contents["SHA256SUMS"], string(local), "the workspace copy is the asset")
}

func carriedOutput(t *testing.T, o outcome) []string {
	t.Helper()
	var names []string
	require.NoError(t, json.Unmarshal([]byte(o.outputs["carried"]), &names), o.outputs["carried"])
	return names
}

// sentTo returns the requests to host.
func sentTo(requests []githubtest.Request, host string) []githubtest.Request {
	var out []githubtest.Request
	for _, r := range requests {
		if r.Host == host {
			out = append(out, r)
		}
	}
	return out
}

// tableRow is the line of the release body for component at sha,
// without its last cell.
func tableRow(component, sha string) string {
	var repository string
	for _, c := range componentRepos {
		if c.component == component {
			repository = "BTCDecoded/" + c.repository
		}
	}
	return fmt.Sprintf("| %s | [%s](https://github.com/%s) | [%s](https://github.com/%s/commit/%s) | ", component, repository, repository, sha[:7], repository, sha)
}

// Bad inputs of the snapshot's features are reported before any request.
func TestCreatePrereleaseSnapshotBadInputsSendNothing(t *testing.T) {
	tests := []struct {
		name  string
		vars  map[string]string
		files []string
		want  string
	}{
		{"checksums named like an asset", map[string]string{"INPUT_CHECKSUMS": "SHA256SUMS"}, []string{"dist/SHA256SUMS"}, "input checksums: names SHA256SUMS, which is also the name of the asset"},
		{"checksums named manifest.json", map[string]string{"INPUT_CHECKSUMS": "manifest.json"}, nil, "input checksums: must not be manifest.json"},
		{"checksums with a slash", map[string]string{"INPUT_CHECKSUMS": "sums/SHA256SUMS"}, nil, "input checksums: must be a file name"},
		{"checksums climbing out", map[string]string{"INPUT_CHECKSUMS": "../SHA256SUMS"}, nil, "input checksums: must be a file name"},
		{"checksums with ..", map[string]string{"INPUT_CHECKSUMS": "SHA256..SUMS"}, nil, "input checksums: must be a file name"},
		{"checksums with a leading dot", map[string]string{"INPUT_CHECKSUMS": ".SHA256SUMS"}, nil, "input checksums: must be a file name"},
		{"checksums ending in a dot", map[string]string{"INPUT_CHECKSUMS": "SHA256SUMS."}, nil, "input checksums: must be a file name"},
		{"manifest not JSON", map[string]string{"INPUT_MANIFEST": `{"node":`}, nil, "input manifest: must be a JSON object"},
		{"manifest with a short sha", map[string]string{"INPUT_MANIFEST": `{"node": {"repository": "BTCDecoded/bllvm-node", "sha": "c3c3c3c", "rebuilt": true}}`}, nil, "input manifest: sha of component node must be a full commit id"},
		{"carry-over not a boolean", map[string]string{"INPUT_CARRY-OVER": "sometimes"}, nil, "input carry-over: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := releaseWorld(t, "create-prerelease").with(map[string]string{"INPUT_ASSETS": "dist/*"}).with(tt.vars)
			w.file("dist/node-linux-x64.tar.gz", "node build")
			for _, f := range tt.files {
				w.file(f, "a file")
			}
			o := w.run()
			assert.Equal(t, 1, o.code, o.stdout)
			assert.Empty(t, o.requests, "bad input is caught before any request")
			assert.Contains(t, errorLine(t, o.stdout), "::error::"+tt.want)
			_, err := os.Stat(filepath.Join(w.vars["GITHUB_WORKSPACE"], ".release-action"))
			assert.ErrorIs(t, err, os.ErrNotExist, "nothing written to the workspace either")
		})
	}
}

// A manifest input that holds other commits than tonight's tag records is
// refused after reading, before any write: the release would describe a
// snapshot its tag does not.
func TestCreatePrereleaseManifestDiffersFromTag(t *testing.T) {
	tonight := moved(heads, map[string]string{"sdk": sdkNext})
	rebuilt := []string{"sdk", "governance"}
	withoutGovernance := strings.Replace(wantManifest(tonight, rebuilt), `,"governance":{"repository":"BTCDecoded/bllvm-commons","sha":"`+heads["governance"]+`","rebuilt":true}`, "", 1)
	tests := []struct {
		name      string
		given     string
		wantNamed string
	}{
		{"another commit of sdk", wantManifest(moved(tonight, map[string]string{"sdk": releaseHead}), rebuilt), "sdk is 5dc0ffe in the tag, 1e1ea5e here"},
		{"yesterday's snapshot", wantManifest(heads, rebuilt), "sdk is 5dc0ffe in the tag, d4d4d4d here"},
		{"a component left out", withoutGovernance, "governance is missing here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NotEqual(t, wantManifest(tonight, rebuilt), tt.given)
			n := newNight(t, tonight, rebuilt)
			n.vars["INPUT_MANIFEST"] = tt.given
			o := n.run()
			require.Equal(t, 1, o.code, o.stdout)
			line := errorLine(t, o.stdout)
			assert.Contains(t, line, "input manifest: ")
			assert.Contains(t, line, todayTag)
			assert.Contains(t, line, tt.wantNamed)
			assert.Equal(t, 0, countMutating(o.requests), "nothing written")
			var sent []string
			for _, r := range o.requests {
				sent = append(sent, r.Method+" "+r.Path)
			}
			objectSHA, ok := n.srv.TagObject(orchestrator, todayTag)
			require.True(t, ok)
			assert.ElementsMatch(t, []string{
				"GET /repos/BTCDecoded/bllvm/releases",
				"GET /repos/BTCDecoded/bllvm/git/matching-refs/tags/nightly-",
				"GET /repos/BTCDecoded/bllvm/git/tags/" + objectSHA.SHA,
			}, sent, "only the release listing, the tag listing and tonight's tag object are read")
			assert.NotContains(t, o.outputs, "tag", "no output is set")
			_, count := n.releaseOf(todayTag)
			assert.Zero(t, count, "no release")
			_, err := os.Stat(filepath.Join(n.vars["GITHUB_WORKSPACE"], ".release-action"))
			assert.ErrorIs(t, err, os.ErrNotExist, "nothing written to the workspace")
		})
	}
}

// Where the snapshot comes from: the manifest input, else the annotated
// tag; a lightweight tag and no input publish as before manifests.
func TestCreatePrereleaseSnapshotSource(t *testing.T) {
	tonight := moved(heads, map[string]string{"sdk": sdkNext})
	rebuilt := []string{"sdk", "governance"}
	recorded := wantManifest(tonight, rebuilt)
	tests := []struct {
		name    string
		tonight tagging
		input   string
		// wantSnapshot is the manifest the release describes; "" for none.
		wantSnapshot string
		wantCarried  []string
	}{
		{"no input: the annotated tag's", annotated, "", recorded, []string{"consensus", "protocol", "node", "bllvm"}},
		{"the input, the same as the tag's", annotated, recorded, recorded, []string{"consensus", "protocol", "node", "bllvm"}},
		{"the input, tonight's tag not made yet", untagged, recorded, recorded, []string{"consensus", "protocol", "node", "bllvm"}},
		{"the input, a lightweight tag", lightweight, recorded, recorded, []string{"consensus", "protocol", "node", "bllvm"}},
		{"no input, a lightweight tag: no snapshot, as before", lightweight, "", "", nil},
		{"no input, no tag yet: no snapshot, as before", untagged, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNightTagged(t, tonight, rebuilt, tt.tonight)
			n.vars["INPUT_MANIFEST"] = tt.input
			o := n.run()
			require.Equal(t, 0, o.code, o.stdout)
			rel, contents := n.published(t)
			assertChecksums(t, n.world, o, contents)
			var wantCarried []string
			for _, c := range tt.wantCarried {
				wantCarried = append(wantCarried, builds[c])
			}
			assert.ElementsMatch(t, wantCarried, carriedOutput(t, o))
			if tt.wantSnapshot == "" {
				assert.NotContains(t, rel.Body, "### What this nightly holds")
				assert.NotContains(t, contents, "manifest.json")
				assert.NotContains(t, o.outputs, "manifest")
				assert.Len(t, contents, len(rebuilt)+1, "the builds and SHA256SUMS")
				return
			}
			assert.Equal(t, tt.wantSnapshot, o.outputs["manifest"])
			assert.Contains(t, rel.Body, "### What this nightly holds\n\n")
			assert.Contains(t, rel.Body, "| component | repository | commit | since "+yesterdayOfPush+" |")
			for _, c := range allComponents {
				change := "unchanged |"
				if c == "sdk" {
					change = "[1 commit](https://github.com/BTCDecoded/bllvm-sdk/compare/" + heads["sdk"] + "..." + sdkNext + ") |"
				}
				assert.Contains(t, rel.Body, tableRow(c, tonight[c])+change, "the row of %s", c)
			}
			var document struct {
				Tag, Repository, Commit string
				Components              map[string]struct {
					Repository, SHA string
					Rebuilt         bool
				}
			}
			require.NoError(t, json.Unmarshal([]byte(contents["manifest.json"]), &document), contents["manifest.json"])
			assert.Equal(t, todayTag, document.Tag)
			assert.Equal(t, orchestrator, document.Repository)
			assert.Equal(t, pushSHA, document.Commit)
			require.Len(t, document.Components, len(allComponents))
			for c, e := range document.Components {
				assert.Equal(t, tonight[c], e.SHA, "manifest.json: %s", c)
				assert.Equal(t, strings.Contains(tt.wantSnapshot, fmt.Sprintf(`%q:{"repository":%q,"sha":%q,"rebuilt":true}`, c, e.Repository, e.SHA)), e.Rebuilt, "manifest.json: %s", c)
			}
			local, err := os.ReadFile(filepath.Join(n.vars["GITHUB_WORKSPACE"], ".release-action", "manifest.json"))
			require.NoError(t, err)
			assert.Equal(t, contents["manifest.json"], string(local), "the workspace copy is the asset")
		})
	}
}

// What is carried over from yesterday's nightly, and what is not.
func TestCreatePrereleaseCarryOver(t *testing.T) {
	tests := []struct {
		name    string
		pins    map[string]string
		rebuilt []string
		vars    map[string]string
		// setup runs after the night is set up.
		setup       func(n *night)
		wantCarried []string
		// wantBuilt is what the workspace holds for each name, when it is
		// not a build of a rebuilt component.
		wantBuilt   map[string]string
		wantNotices []string
		// wantCompares is the repositories compared, one request each.
		wantCompares []string
	}{
		{
			name:         "sdk moved: what it depends on is carried",
			pins:         moved(heads, map[string]string{"sdk": sdkNext}),
			rebuilt:      []string{"sdk", "governance"},
			wantCarried:  []string{"consensus", "protocol", "node", "bllvm"},
			wantCompares: []string{"bllvm-sdk"},
		},
		{
			name:         "nothing rebuilt, nothing moved: everything is carried",
			pins:         heads,
			vars:         map[string]string{"INPUT_FAIL-ON-UNMATCHED-ASSETS": "false"}, // dist/ is empty
			wantCarried:  allComponents,
			wantCompares: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNight(t, tt.pins, tt.rebuilt)
			n.with(tt.vars)
			if tt.setup != nil {
				tt.setup(n)
			}
			o := n.run()
			require.Equal(t, 0, o.code, o.stdout)
			_, contents := n.published(t)

			want := n.wantContents(tt.pins, tt.rebuilt, tt.wantCarried)
			maps.Copy(want, tt.wantBuilt)
			got := maps.Clone(contents)
			delete(got, "manifest.json")
			delete(got, "SHA256SUMS")
			assert.Equal(t, want, got, "tonight's builds, and yesterday's bytes of what is carried")
			assertChecksums(t, n.world, o, contents)

			var wantNames []string
			for _, c := range tt.wantCarried {
				wantNames = append(wantNames, builds[c])
			}
			assert.ElementsMatch(t, wantNames, carriedOutput(t, o))

			// Each carried asset costs a download (API, then storage) and
			// an upload; nothing else reaches storage.
			storage := sentTo(o.requests, storageHost)
			assert.Len(t, storage, len(tt.wantCarried), "one storage download per carried asset")
			for _, r := range storage {
				assert.Empty(t, r.Header.Get("Authorization"), "the token never reaches storage")
			}
			var compared []string
			for _, r := range o.requests {
				if strings.Contains(r.Path, "/compare/") {
					compared = append(compared, strings.Split(r.Path, "/")[3])
				}
			}
			assert.ElementsMatch(t, tt.wantCompares, compared, "one compare per changed component")

			for _, notice := range tt.wantNotices {
				assert.Contains(t, o.stdout, "::notice::"+notice+"\n")
			}
			if len(tt.wantNotices) == 0 {
				assert.NotContains(t, o.stdout, "not carried over")
			}
		})
	}
}

// A rerun once everything is there sends no byte: no upload, no copy, no
// download; the carried output still names what was carried. The rerun
// runs in the same workspace, which holds what the first run wrote to
// .release-action/ (a self-hosted runner keeps it, and so does a job that
// runs the step twice): those are the action's files, not assets to match.
func TestCreatePrereleaseCarryOverRerunUploadsNothing(t *testing.T) {
	tests := []struct {
		name   string
		assets string
	}{
		{"the builds matched in dist", "dist/*"},
		{"every file of the workspace matched", "**"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pins := moved(heads, map[string]string{"sdk": sdkNext})
			n := newNight(t, pins, []string{"sdk", "governance"})
			n.vars["INPUT_ASSETS"] = tt.assets
			first := n.step()
			require.Equal(t, 0, first.code, first.stdout)
			_, before := n.published(t)

			rerun := n.step()
			require.Equal(t, 0, rerun.code, rerun.stdout)
			assert.Equal(t, 0, countMutating(rerun.requests), "nothing written")
			assert.Empty(t, sentTo(rerun.requests, "uploads.github.com"), "nothing uploaded")
			assert.Empty(t, sentTo(rerun.requests, storageHost), "nothing downloaded")
			for _, r := range rerun.requests {
				assert.NotContains(t, r.Path, "/releases/assets/", "no asset is read to be copied")
			}
			assert.ElementsMatch(t, carriedOutput(t, first), carriedOutput(t, rerun))
			assert.ElementsMatch(t, []string{builds["consensus"], builds["protocol"], builds["node"], builds["bllvm"]}, carriedOutput(t, rerun))
			assert.Equal(t, first.outputs["checksums-file"], rerun.outputs["checksums-file"])
			rel, after := n.published(t)
			assert.Equal(t, before, after, "the release holds the same bytes")
			assertChecksums(t, n.world, rerun, after)
			for _, a := range rel.Assets {
				assert.Equal(t, 1, a.Uploads, "%s was sent once, by the first run", a.Name)
			}
		})
	}
}

// A carried download that breaks off is retried, or fails the run with a
// clear error and leaves what a rerun completes: never half an asset.
func TestCreatePrereleaseCarryOverInterruptedDownload(t *testing.T) {
	tests := []struct {
		name    string
		maxWait string
	}{
		{"retried in the run", "5m"},
		{"no retry: a rerun completes", "0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pins := moved(heads, map[string]string{"sdk": sdkNext})
			rebuilt := []string{"sdk", "governance"}
			n := newNight(t, pins, rebuilt)
			n.vars["INPUT_MAX-WAIT"] = tt.maxWait
			n.srv.FailDownloadAfter(builds["node"], 5)
			o := n.step()
			if o.code != 0 {
				line := errorLine(t, o.stdout)
				assert.Contains(t, line, builds["node"], "the error names the asset")
				assert.NotContains(t, line, "X-Amz-Signature", "the storage URL is not quoted")
				// The download from storage broke off; the uploads host
				// was reached all along, so the hint must not send the
				// reader to check api-url and the network to it.
				assert.Contains(t, line, "download", "the error says the download broke off")
				assert.NotContains(t, line, "could not reach uploads.github.com", "the uploads host was reachable")
				rel, count := n.releaseOf(todayTag)
				require.Equal(t, 1, count)
				assert.True(t, rel.Draft, "nothing published with an asset missing")
				n.vars["INPUT_MAX-WAIT"] = "5m"
				o = n.step()
				require.Equal(t, 0, o.code, "the rerun completes:\n%s", o.stdout)
			}
			_, contents := n.published(t)
			want := n.wantContents(pins, rebuilt, []string{"consensus", "protocol", "node", "bllvm"})
			got := maps.Clone(contents)
			delete(got, "manifest.json")
			delete(got, "SHA256SUMS")
			assert.Equal(t, want, got, "every asset whole, the carried one with yesterday's bytes")
			assertChecksums(t, n.world, o, contents)
		})
	}
}

// The checksums name cannot take the name of an asset carried over: the
// checksums would replace the carried asset, and list for that name a
// digest its asset does not have. Either the input is refused before any
// write, or the release stays true to its checksums and carried output.
func TestCreatePrereleaseChecksumsNamedLikeACarriedAsset(t *testing.T) {
	n := newNight(t, moved(heads, map[string]string{"sdk": sdkNext}), []string{"sdk", "governance"})
	n.vars["INPUT_CHECKSUMS"] = builds["node"]
	o := n.run()
	if o.code != 0 {
		assert.Contains(t, errorLine(t, o.stdout), "input checksums: ")
		assert.Equal(t, 0, countMutating(o.requests), "refused before any write")
		return
	}
	rel := n.assertOne(t)
	sums, ok := n.srv.AssetContent(orchestrator, rel.ID, builds["node"])
	require.True(t, ok)
	if slices.Contains(carriedOutput(t, o), builds["node"]) {
		assert.Equal(t, n.yesterday[builds["node"]], string(sums), "what the carried output names holds yesterday's build")
	}
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		sum, name, found := strings.Cut(line, "  ")
		if !found {
			// The asset is not a checksums listing: it is node's build.
			assert.Equal(t, n.yesterday[builds["node"]], string(sums))
			break
		}
		content, ok := n.srv.AssetContent(orchestrator, rel.ID, name)
		require.True(t, ok, "%s is listed and on the release", name)
		assert.Equal(t, "sha256:"+sum, digest(string(content)), "the listed digest of %s is its asset's", name)
	}
}

// A nightly that lacks something is not published, and a file of a
// component this nightly did not rebuild is not published as a fresh
// build: both fail before anything is written, naming what is wrong, and
// the rerun with the right files publishes.
func TestCreatePrereleaseRefusesIncompleteOrStale(t *testing.T) {
	tests := []struct {
		name    string
		pins    map[string]string
		rebuilt []string
		setup   func(n *night)
		fix     func(n *night)
		want    string
	}{
		{
			name: "a component not rebuilt whose commit moved cannot be carried, so the nightly lacks it",
			pins: moved(heads, map[string]string{"sdk": sdkNext}), rebuilt: []string{"governance"},
			want: "nightly " + todayTag + " is not complete, so it is not published: component sdk, not rebuilt, lacks sdk-linux-x64.tar.gz, which " + yesterdayOfPush + " has",
		},
		{
			name: "a component whose dependency moved cannot be carried",
			pins: moved(heads, map[string]string{"consensus": consensusNext}), rebuilt: []string{"consensus", "protocol", "sdk", "governance"},
			want: "component node, not rebuilt, lacks node-linux-x64.tar.gz, which " + yesterdayOfPush + " has",
		},
		{
			name: "a rebuilt component that ships nothing",
			pins: moved(heads, map[string]string{"sdk": sdkNext}), rebuilt: []string{"sdk", "governance"},
			setup: func(n *night) {
				require.NoError(t, os.Remove(filepath.Join(n.vars["GITHUB_WORKSPACE"], "dist", builds["sdk"])))
			},
			fix:  func(n *night) { n.file("dist/"+builds["sdk"], buildOf("sdk", sdkNext)) },
			want: "component sdk was rebuilt but ships no asset, and " + yesterdayOfPush + " has 1 (sdk-linux-x64.tar.gz)",
		},
		{
			name: "the graph's assets key: every pattern must match",
			pins: moved(heads, map[string]string{"sdk": sdkNext}), rebuilt: []string{"sdk", "governance"},
			setup: func(n *night) {
				n.vars["INPUT_GRAPH"] = "consensus: {}\nprotocol: {depends-on: [consensus]}\nnode: {depends-on: [protocol]}\nsdk: {depends-on: [node], assets: [sdk-*.tar.gz, sdk-*.zip]}\ngovernance: {repository: bllvm-commons, depends-on: [sdk]}\nbllvm: {repository: bllvm, depends-on: [node]}\n"
			},
			fix:  func(n *night) { n.file("dist/sdk-windows-x64.zip", buildOf("sdk", sdkNext)) },
			want: "component sdk has no asset matching sdk-*.zip (the graph's assets key)",
		},
		{
			name: "last night's file of a component not rebuilt, left in dist/",
			pins: moved(heads, map[string]string{"sdk": sdkNext}), rebuilt: []string{"sdk", "governance"},
			setup: func(n *night) { n.file("dist/"+builds["node"], buildOf("node", "an earlier commit")) },
			fix: func(n *night) {
				require.NoError(t, os.Remove(filepath.Join(n.vars["GITHUB_WORKSPACE"], "dist", builds["node"])))
			},
			want: "dist/node-linux-x64.tar.gz as a fresh build: it belongs to component node, which this nightly did not rebuild (the manifest pins it at " + heads["node"] + ", rebuilt: false)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNight(t, tt.pins, tt.rebuilt)
			if tt.setup != nil {
				tt.setup(n)
			}
			o := n.run()
			require.Equal(t, 1, o.code, o.stdout)
			assert.Contains(t, errorLine(t, o.stdout), tt.want)
			assert.Equal(t, 0, countMutating(o.requests), "nothing is written: no draft, no upload")
			for _, rel := range n.srv.Releases(orchestrator) {
				assert.NotEqual(t, todayTag, rel.TagName, "no release of tonight's nightly")
			}
			if tt.fix == nil {
				return
			}
			tt.fix(n)
			again := n.run()
			require.Equal(t, 0, again.code, again.stdout)
			rel, _ := n.published(t)
			object, ok := n.srv.TagObject(orchestrator, todayTag)
			require.True(t, ok)
			assert.Contains(t, rel.Body, nightly.CompleteMarker(object.SHA), "published complete: a base for the next plan")
			marked, ok := nightly.MarkedManifest(rel.Body)
			require.True(t, ok, "beside it, the manifest marker:\n%s", rel.Body)
			assert.Equal(t, wantManifest(tt.pins, tt.rebuilt), marked.String(), "the manifest the tag records")
		})
	}
}

// A compare that fails, whatever the reason (a diff too large for GitHub,
// a 502 that outlasts max-wait), never blocks the publish: its row says
// "not counted", one notice says why, and the hint is printed once.
func TestCreatePrereleaseCompareNeverBlocks(t *testing.T) {
	tests := []struct {
		name    string
		answers []githubtest.Response
		vars    map[string]string
		want    string
		hint    string
	}{
		{"422 diff is taking too long", []githubtest.Response{githubtest.Unprocessable("Server Error: Sorry, this diff is taking too long to generate.", map[string]string{"resource": "Commit", "field": "diff", "code": "not_available"})}, nil, "diff is taking too long", "GitHub rejected the request as invalid"},
		{"502 past max-wait", []githubtest.Response{githubtest.BadGateway(), githubtest.BadGateway(), githubtest.BadGateway(), githubtest.BadGateway(), githubtest.BadGateway(), githubtest.BadGateway()}, map[string]string{"INPUT_MAX-WAIT": "0s"}, "502", "GitHub kept answering 502 Bad Gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNight(t, moved(heads, map[string]string{"sdk": sdkNext}), []string{"sdk", "governance"})
			n.with(tt.vars)
			n.srv.Fail("GET", "/repos/BTCDecoded/bllvm-sdk/compare/"+heads["sdk"]+"..."+sdkNext, tt.answers...)
			o := n.run()
			require.Equal(t, 0, o.code, o.stdout)
			rel, _ := n.published(t)
			assert.Contains(t, rel.Body, "(not counted: GitHub could not compare them) |")
			var notices []string
			for _, line := range strings.Split(o.stdout, "\n") {
				if strings.HasPrefix(line, "::notice::") && strings.Contains(line, "do not count the commits of sdk") {
					notices = append(notices, line)
				}
			}
			require.Len(t, notices, 1, o.stdout)
			assert.Contains(t, notices[0], tt.want)
			assert.Equal(t, 1, strings.Count(o.stdout, tt.hint), "the hint once:\n%s", o.stdout)
		})
	}
}

// The body sent is what is held to GitHub's 125,000 characters, not body
// and body-file alone: generated notes that would pass the limit are
// shortened with a line that says so, never the user's text; a body-file
// that the table alone pushes over is an error before anything is written.
func TestCreatePrereleaseBodyWithinGitHubsLimit(t *testing.T) {
	tonight := moved(heads, map[string]string{"sdk": sdkNext})
	rebuilt := []string{"sdk", "governance"}
	// What the action adds to an empty body: the table, the notes, the
	// marker, as this fake generates the notes.
	probe := newNight(t, tonight, rebuilt)
	require.Equal(t, 0, probe.run().code)
	probeRel, _ := probe.published(t)
	added := utf8.RuneCountInString(probeRel.Body)
	notes := strings.Index(probeRel.Body, "## What's Changed")
	require.Positive(t, notes, "the fake's generated notes are in the body:\n%s", probeRel.Body)

	text := func(n int) string { return strings.Repeat("é", n-1) + "\n" }
	t.Run("the notes shortened", func(t *testing.T) {
		n := newNight(t, tonight, rebuilt)
		// Room for the table and the marker, not for all of the notes.
		user := text(prerelease.MaxBodyChars - added + 40)
		n.file("notes.md", user)
		n.vars["INPUT_BODY-FILE"] = "notes.md"
		o := n.run()
		require.Equal(t, 0, o.code, o.stdout)
		rel, _ := n.published(t)
		assert.LessOrEqual(t, utf8.RuneCountInString(rel.Body), prerelease.MaxBodyChars)
		assert.True(t, strings.HasPrefix(rel.Body, strings.TrimRight(user, "\n")), "the user's text whole, first")
		assert.Contains(t, rel.Body, "### What this nightly holds", "the table whole")
		assert.Contains(t, rel.Body, "GitHub's generated notes are shortened here")
		assert.Contains(t, rel.Body, "](https://github.com/BTCDecoded/bllvm/compare/"+yesterdayOfPush+"..."+todayTag+")", "the line links the full comparison")
	})
	t.Run("the user's text and the table over the limit", func(t *testing.T) {
		n := newNight(t, tonight, rebuilt)
		n.file("notes.md", text(prerelease.MaxBodyChars-10))
		n.vars["INPUT_BODY-FILE"] = "notes.md"
		o := n.run()
		require.Equal(t, 1, o.code, o.stdout)
		assert.Contains(t, errorLine(t, o.stdout), "the body of release "+todayTag+" would be")
		assert.Contains(t, errorLine(t, o.stdout), "GitHub takes at most 125000: shorten body or body-file")
		assert.Equal(t, 0, countMutating(o.requests), "nothing is written")
	})
}

// A tag whose manifest cannot be read cannot vouch for the manifest input:
// create-prerelease refuses, naming the tag, before anything is written.
// Without an input there is nothing to trust, and the release is made
// without a snapshot, as for a tag that records none.
func TestCreatePrereleaseUnreadableTagManifest(t *testing.T) {
	tonight := moved(heads, map[string]string{"sdk": sdkNext})
	rebuilt := []string{"sdk", "governance"}
	n := newNightTagged(t, tonight, rebuilt, untagged)
	n.srv.SetAnnotatedTag(orchestrator, todayTag, pushSHA, todayTag+": broken\n\nRelease-Action-Manifest: {\"consensus\": {\"sha\": \"zz\"\n")
	n.vars["INPUT_MANIFEST"] = wantManifest(tonight, rebuilt)
	o := n.run()
	require.Equal(t, 1, o.code, o.stdout)
	assert.Contains(t, errorLine(t, o.stdout), "tag "+todayTag+" records a manifest that cannot be read, so the manifest input cannot be checked against it")
	assert.Equal(t, 0, countMutating(o.requests), "nothing is written")
}

// A base asset whose name GitHub would never give is refused as soon as
// the base's assets are read, before its name reaches a message, the
// checksums or the log.
func TestCreatePrereleaseRefusesACraftedBaseAssetName(t *testing.T) {
	n := newNight(t, moved(heads, map[string]string{"sdk": sdkNext}), []string{"sdk", "governance"})
	n.srv.AddAssetContent(orchestrator, n.previousID, "node-x\n::warning::forged", strings.NewReader("x"))
	// Without carry-over nothing copies it, yet its name would reach the
	// completeness check's message.
	n.vars["INPUT_CARRY-OVER"] = "false"
	o := n.run()
	require.Equal(t, 1, o.code, o.stdout)
	assert.Contains(t, errorLine(t, o.stdout), `list the assets of `+yesterdayOfPush+`: GitHub answered the name "node-x\n::warning::forged", which is not a name GitHub gives assets`)
	assert.NotContains(t, o.stdout, "\n::warning::forged")
	assert.Equal(t, 0, countMutating(o.requests), "nothing is written")
}
