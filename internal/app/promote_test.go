package app

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
)

const (
	releaseTag  = "v0.2.0"
	lastRelease = "v0.1.0"
)

var (
	// promotedPins is what tonight's nightly holds: sdk moved since
	// v0.1.0, and bllvm, the orchestrator's own crate, at the
	// orchestrator's commit, so that one tag names both.
	promotedPins = moved(heads, map[string]string{"sdk": sdkNext, "bllvm": pushSHA})
	// releasedPins is what v0.1.0 holds.
	releasedPins = moved(heads, map[string]string{"bllvm": pushSHA})
)

// promoteNight is the orchestrator when a nightly is promoted: v0.1.0
// released earlier, then tonight's nightly published complete, as
// create-prerelease leaves it: its annotated tag records its manifest, its
// body the markers, and it holds an asset of every component,
// manifest.json and SHA256SUMS. The component repositories know the
// commits the nightly pins (and sdk's earlier one, for the notes).
type promoteNight struct {
	*world
	nightlyID int64
	// contents are the bytes of the nightly's assets, by name.
	contents map[string]string
}

func newPromoteNight(t testing.TB, opts ...githubtest.Option) *promoteNight {
	t.Helper()
	return newPromoteNightWith(t, nil, opts...)
}

// newPromoteNightWith is newPromoteNight with tonight's assets changed by
// alter once its SHA256SUMS is written.
func newPromoteNightWith(t testing.TB, alter func(contents map[string]string), opts ...githubtest.Option) *promoteNight {
	t.Helper()
	w := releaseWorld(t, "promote", opts...).with(map[string]string{"INPUT_TAG": releaseTag})
	for _, c := range componentRepos {
		repo := "BTCDecoded/" + c.repository
		w.srv.AddRepository(repo)
		w.srv.AddCommit(repo, releasedPins[c.component])
		w.srv.AddCommit(repo, promotedPins[c.component])
	}
	start := w.clock.Now()
	previous := w.srv.AddRelease(orchestrator, githubtest.Release{TagName: lastRelease, TargetCommitish: pushSHA, CreatedAt: start.Add(-72 * time.Hour),
		Body: "The first release.\n\n" + nightly.ManifestMarker(parsedManifest(t, wantManifest(releasedPins, allComponents)))})
	w.srv.SetTag(orchestrator, lastRelease, pushSHA)
	w.srv.AddAssetContent(orchestrator, previous.ID, "bllvm-linux-x64.tar.gz", strings.NewReader("the first release"))
	n := &promoteNight{world: w}
	n.nightlyID, n.contents = n.publishNightly(todayTag, promotedPins, start.Add(-time.Hour), "", alter)
	return n
}

func parsedManifest(t testing.TB, s string) manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse("manifest", s)
	require.NoError(t, err)
	return m
}

// publishNightly plants a published, complete nightly of pins, as
// create-prerelease leaves it, made at when, with extra at the top of its
// body and its assets changed by alter (when not nil) once SHA256SUMS is
// written; it returns its release and the bytes of its assets.
func (n *promoteNight) publishNightly(tag string, pins map[string]string, when time.Time, extra string, alter func(contents map[string]string)) (int64, map[string]string) {
	n.t.Helper()
	m := wantManifest(pins, allComponents)
	object := n.srv.SetAnnotatedTag(orchestrator, tag, pushSHA, tagMessage(tag, m))
	rel := n.srv.AddRelease(orchestrator, githubtest.Release{TagName: tag, Prerelease: true, TargetCommitish: pushSHA, CreatedAt: when,
		Body: extra + "### What this nightly holds\n\n" + nightly.CompleteMarker(object) + "\n" + nightly.ManifestMarker(parsedManifest(n.t, m)) + "\n"})
	contents := map[string]string{}
	for _, c := range allComponents {
		contents[builds[c]] = buildOf(c, pins[c])
	}
	contents["manifest.json"] = `{"tag": "` + tag + `", "components": ` + m + "}\n"
	contents["SHA256SUMS"] = nightlySums(contents)
	if alter != nil {
		alter(contents)
	}
	for _, name := range slices.Sorted(maps.Keys(contents)) {
		n.srv.AddAssetContent(orchestrator, rel.ID, name, strings.NewReader(contents[name]))
	}
	return rel.ID, contents
}

// nightlySums is SHA256SUMS as sha256sum writes it for every asset but itself.
func nightlySums(contents map[string]string) string {
	var lines []string
	for name, content := range contents {
		if name != "SHA256SUMS" {
			lines = append(lines, strings.TrimPrefix(digest(content), "sha256:")+"  "+name+"\n")
		}
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i][66:] < lines[j][66:] })
	return strings.Join(lines, "")
}

// promoteWithAssets is the promote step of a nightly with n assets: the
// six components' and filler, then manifest.json and SHA256SUMS.
func promoteWithAssets(n int, vars map[string]string) func(testing.TB) *world {
	return func(tb testing.TB) *world {
		night := newPromoteNightWith(tb, func(contents map[string]string) {
			for i := len(contents); i < n; i++ {
				contents[fmt.Sprintf("bllvm-extra-%d.tar.gz", i)] = fmt.Sprintf("extra build %d", i)
			}
			contents["SHA256SUMS"] = nightlySums(contents)
		})
		return night.with(vars)
	}
}

// assertPromoted checks the release of releaseTag: published once, no
// draft left, every asset the nightly's with the nightly's digest and
// bytes, and nothing else.
func (n *promoteNight) assertPromoted(t *testing.T, o outcome) githubtest.Release {
	t.Helper()
	rel, count := n.releaseOf(releaseTag)
	require.Equal(t, 1, count, "one release of %s", releaseTag)
	assert.False(t, rel.Draft, "published")
	got := map[string]string{}
	for _, a := range rel.Assets {
		require.Equal(t, "uploaded", a.State, a.Name)
		content, ok := n.srv.AssetContent(orchestrator, rel.ID, a.Name)
		require.True(t, ok, "%s has bytes", a.Name)
		got[a.Name] = string(content)
		assert.Equal(t, digest(n.contents[a.Name]), a.Digest, "%s: the nightly's digest", a.Name)
	}
	assert.Equal(t, n.contents, got, "the nightly's bytes, every asset, nothing else")
	var names []string
	for _, a := range assetsOutput(t, o) {
		names = append(names, a.Name)
		assert.Equal(t, "https://github.com/BTCDecoded/bllvm/releases/download/"+releaseTag+"/"+a.Name, a.URL, "a link of the published release")
		assert.Equal(t, int64(len(n.contents[a.Name])), a.Size)
	}
	assert.ElementsMatch(t, slices.Collect(maps.Keys(n.contents)), names)
	return rel
}

// assertTagged checks the release's tag in the orchestrator: annotated, at
// the nightly's commit, recording its manifest.
func (n *promoteNight) assertTagged(t *testing.T, pins map[string]string) {
	t.Helper()
	obj, ok := n.srv.TagObject(orchestrator, releaseTag)
	require.True(t, ok, "%s is an annotated tag", releaseTag)
	assert.Equal(t, pushSHA, obj.Commit, "at the nightly's orchestrator commit")
	recorded, found, err := manifest.FromMessage(obj.Message)
	require.NoError(t, err)
	require.True(t, found, "the message records the manifest:\n%s", obj.Message)
	assert.Equal(t, wantManifest(pins, allComponents), recorded.String())
}

// A nightly promoted, with the same bytes, the tag at its commit with its
// manifest, the release marked latest (or a prerelease) as asked, and
// with tag-components a tag in every component repository.
func TestPromote(t *testing.T) {
	tests := []struct {
		name           string
		vars           map[string]string
		opts           []githubtest.Option
		wantPrerelease bool
		wantLatest     string
		wantComponents bool
	}{
		{"the newest nightly, tag-components", map[string]string{"INPUT_TAG-COMPONENTS": "true"}, nil, false, "true", true},
		{"by name, a release candidate not marked latest", map[string]string{"INPUT_FROM": todayTag, "INPUT_TAG": releaseTag, "INPUT_PRERELEASE": "true", "INPUT_MAKE-LATEST": "false"}, nil, true, "false", false},
		{"immutable releases: draft, upload, publish", map[string]string{"INPUT_TAG-COMPONENTS": "true"}, []githubtest.Option{githubtest.WithImmutableReleases()}, false, "true", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newPromoteNight(t, tt.opts...)
			n.with(tt.vars)
			n.file("notes.md", "Read the upgrade notes.\n")
			n.vars["INPUT_BODY-FILE"] = "notes.md"
			o := n.run()
			require.Equal(t, 0, o.code, o.stdout)

			rel := n.assertPromoted(t, o)
			assert.Equal(t, tt.wantPrerelease, rel.Prerelease)
			assert.Equal(t, tt.wantLatest, rel.MakeLatest)
			latest, _, err := n.otherRun().Repositories.GetLatestRelease(t.Context(), "BTCDecoded", "bllvm")
			require.NoError(t, err)
			if tt.wantLatest == "true" {
				assert.Equal(t, releaseTag, latest.GetTagName(), "the repository's latest release")
			} else {
				assert.Equal(t, lastRelease, latest.GetTagName(), "the latest release stays where it was")
			}
			assert.Equal(t, releaseTag, rel.Name)
			n.assertTagged(t, promotedPins)
			assert.Equal(t, releaseTag, o.outputs["tag"])
			assert.Equal(t, todayTag, o.outputs["from"])
			assert.Equal(t, wantManifest(promotedPins, allComponents), o.outputs["manifest"])
			assert.Equal(t, "https://github.com/BTCDecoded/bllvm/releases/tag/"+releaseTag, o.outputs["release-url"])
			assert.True(t, strings.HasSuffix(o.stdout, "\ndone: promoted "+todayTag+" to "+releaseTag+" at https://github.com/BTCDecoded/bllvm/releases/tag/"+releaseTag+" (8 assets)\n"), "the last line:\n%s", o.stdout)

			// The notes: the nightly, the table since v0.1.0, the user's text.
			assert.Contains(t, rel.Body, "Promoted from ["+todayTag+"](https://github.com/BTCDecoded/bllvm/releases/tag/"+todayTag+") with the same bytes")
			assert.Contains(t, rel.Body, "### What this release holds\n\n")
			assert.Contains(t, rel.Body, "| component | repository | commit | since "+lastRelease+" |")
			assert.Contains(t, rel.Body, tableRow("sdk", sdkNext)+"[1 commit](https://github.com/BTCDecoded/bllvm-sdk/compare/"+heads["sdk"]+"..."+sdkNext+") |")
			assert.Contains(t, rel.Body, tableRow("node", heads["node"])+"unchanged |")
			assert.Less(t, strings.Index(rel.Body, "| bllvm |"), strings.Index(rel.Body, "Read the upgrade notes."), "the user's text after the table")
			marked, ok := nightly.MarkedManifest(rel.Body)
			require.True(t, ok, "the body records the manifest, for the next release's notes")
			assert.Equal(t, wantManifest(promotedPins, allComponents), marked.String())

			for _, c := range componentRepos {
				repo := "BTCDecoded/" + c.repository
				obj, ok := n.srv.TagObject(repo, releaseTag)
				if c.repository == "bllvm" || !tt.wantComponents {
					if c.repository != "bllvm" {
						assert.False(t, ok, "%s is not tagged without tag-components", repo)
					}
					continue
				}
				require.True(t, ok, "%s is tagged %s, annotated", repo, releaseTag)
				assert.Equal(t, promotedPins[c.component], obj.Commit, "%s at the commit the nightly pins", repo)
				assert.Contains(t, obj.Message, "Part of release "+releaseTag+" of "+orchestrator+", promoted from "+todayTag)
			}
			for _, r := range sentTo(o.requests, storageHost) {
				assert.Empty(t, r.Header.Get("Authorization"), "the token never reaches storage")
			}
		})
	}
}

// versions-toml is the manifest as BTCDecoded's versions.toml records a
// release: it parses as TOML, and names every repository's git_tag and
// git_commit; git_tag only where the release's tag is.
func TestPromoteVersionsTOML(t *testing.T) {
	for _, tagComponents := range []bool{true, false} {
		t.Run(fmt.Sprintf("tag-components %t", tagComponents), func(t *testing.T) {
			n := newPromoteNight(t)
			n.vars["INPUT_TAG-COMPONENTS"] = fmt.Sprint(tagComponents)
			o := n.run()
			require.Equal(t, 0, o.code, o.stdout)
			var file struct {
				Versions map[string]struct {
					Version   string `toml:"version"`
					GitTag    string `toml:"git_tag"`
					GitCommit string `toml:"git_commit"`
				} `toml:"versions"`
			}
			written, err := os.ReadFile(filepath.Join(n.workspace(), ".release-action", "versions.toml"))
			require.NoError(t, err, "written to the workspace too")
			assert.Equal(t, o.outputs["versions-toml"], string(written))
			meta, err := toml.Decode(o.outputs["versions-toml"], &file)
			require.NoError(t, err, o.outputs["versions-toml"])
			assert.Empty(t, meta.Undecoded(), "nothing but version, git_tag and git_commit")
			require.Len(t, file.Versions, len(componentRepos), o.outputs["versions-toml"])
			for _, c := range componentRepos {
				entry, ok := file.Versions[c.repository]
				require.True(t, ok, "%s is in [versions]", c.repository)
				assert.Equal(t, "0.2.0", entry.Version)
				assert.Equal(t, promotedPins[c.component], entry.GitCommit, c.repository)
				if tagComponents || c.repository == "bllvm" {
					assert.Equal(t, releaseTag, entry.GitTag, c.repository)
				} else {
					assert.Empty(t, entry.GitTag, "%s holds no tag %s", c.repository, releaseTag)
				}
			}
		})
	}
}

// A rerun once the release is out writes nothing, uploads and downloads
// nothing, and reads at most 4 times (the releases, the nightly's tag
// object, the release's tag and its object), one ref and one tag object
// more per component repository with tag-components. With from: newest it
// promotes the nightly it promoted, whatever was published since.
func TestPromoteRerunWritesNothing(t *testing.T) {
	tests := []struct {
		name         string
		vars         map[string]string
		mostRequests int
	}{
		{"the orchestrator's tag", nil, 4},
		{"tag-components", map[string]string{"INPUT_TAG-COMPONENTS": "true"}, 4 + 2*5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newPromoteNight(t)
			n.with(tt.vars)
			first := n.run()
			require.Equal(t, 0, first.code, first.stdout)
			// A newer nightly since: newest is now that one.
			n.publishNightly("nightly-20251117-6113728-2", moved(promotedPins, map[string]string{"node": nodeOnMain}), n.clock.Now(), "", nil)

			rerun := n.run()
			require.Equal(t, 0, rerun.code, rerun.stdout)
			assert.Equal(t, 0, countMutating(rerun.requests), "nothing written")
			assert.Empty(t, sentTo(rerun.requests, "uploads.github.com"), "nothing uploaded")
			assert.Empty(t, sentTo(rerun.requests, storageHost), "nothing downloaded")
			assert.LessOrEqual(t, len(rerun.requests), tt.mostRequests)
			assert.Equal(t, todayTag, rerun.outputs["from"], "the nightly it promoted")
			assert.Equal(t, first.outputs["assets"], rerun.outputs["assets"])
			assert.Equal(t, first.outputs["versions-toml"], rerun.outputs["versions-toml"])
			rel := n.assertPromoted(t, rerun)
			for _, a := range rel.Assets {
				assert.Equal(t, 1, a.Uploads, "%s was sent once, by the first run", a.Name)
			}
		})
	}
}

// What cannot be promoted is refused before any write, naming why: a
// nightly not published, not complete, yanked, or whose assets do not
// match its own SHA256SUMS; a tag of the release's name elsewhere; a
// release of it with other bytes.
func TestPromoteRefusesBeforeAnyWrite(t *testing.T) {
	tests := []struct {
		name  string
		vars  map[string]string
		alter func(contents map[string]string) // tonight's assets, once summed
		setup func(n *promoteNight)
		want  string
	}{
		{
			name: "a nightly with a draft only",
			vars: map[string]string{"INPUT_FROM": "nightly-20251117-6113728-2"},
			setup: func(n *promoteNight) {
				n.srv.AddRelease(orchestrator, githubtest.Release{TagName: "nightly-20251117-6113728-2", Draft: true})
			},
			want: "nightly nightly-20251117-6113728-2 is not published (it has no published release), so it is not promoted",
		},
		{
			name: "a nightly without the complete marker",
			vars: map[string]string{"INPUT_FROM": "nightly-20251118-6113728"},
			setup: func(n *promoteNight) {
				n.srv.SetAnnotatedTag(orchestrator, "nightly-20251118-6113728", pushSHA, tagMessage("nightly-20251118-6113728", wantManifest(promotedPins, nil)))
				n.srv.AddRelease(orchestrator, githubtest.Release{TagName: "nightly-20251118-6113728", Prerelease: true, Body: "published by hand"})
			},
			want: "nightly nightly-20251118-6113728 is not complete (its release has no complete marker",
		},
		{
			name: "the newest nightly is yanked, and named",
			vars: map[string]string{"INPUT_FROM": "nightly-20251118-6113728"},
			setup: func(n *promoteNight) {
				n.publishNightly("nightly-20251118-6113728", promotedPins, n.clock.Now(), nightly.YankMarker("breaks the p2p handshake")+"\n", nil)
			},
			want: `nightly nightly-20251118-6113728 is yanked ("breaks the p2p handshake"), so it is not promoted`,
		},
		{
			name: "an asset that SHA256SUMS lists with another digest",
			alter: func(contents map[string]string) {
				contents["SHA256SUMS"] += strings.TrimPrefix(digest("what was summed"), "sha256:") + "  sdk-windows-x64.zip\n"
				contents["sdk-windows-x64.zip"] = "not what was summed"
			},
			want: "nightly " + todayTag + " does not match its own SHA256SUMS, so it is not promoted: asset sdk-windows-x64.zip has " + digest("not what was summed") + ", SHA256SUMS lists " + digest("what was summed"),
		},
		{
			name:  "an asset SHA256SUMS does not list",
			alter: func(contents map[string]string) { contents["sdk-windows-x64.zip"] = "unlisted" },
			want:  "SHA256SUMS does not list sdk-windows-x64.zip",
		},
		{
			name: "SHA256SUMS lists what is not there",
			alter: func(contents map[string]string) {
				contents["SHA256SUMS"] += strings.TrimPrefix(digest("gone"), "sha256:") + "  node-windows-x64.zip\n"
			},
			want: `SHA256SUMS lists node-windows-x64.zip, which is not an asset of it`,
		},
		{
			name: "a component's tag elsewhere",
			vars: map[string]string{"INPUT_TAG-COMPONENTS": "true"},
			setup: func(n *promoteNight) {
				n.srv.SetAnnotatedTag("BTCDecoded/bllvm-node", releaseTag, nodeOnMain, "an old release\n")
			},
			want: "BTCDecoded/bllvm-node has tag " + releaseTag + " already, at " + nodeOnMain + ", not at " + heads["node"],
		},
		{
			name:  "the release's tag elsewhere",
			setup: func(n *promoteNight) { n.srv.SetTag(orchestrator, releaseTag, olderSHA) },
			want:  "BTCDecoded/bllvm has tag " + releaseTag + " already, at " + olderSHA + ", not at " + pushSHA,
		},
		{
			name: "the release's tag with another manifest",
			setup: func(n *promoteNight) {
				n.srv.SetAnnotatedTag(orchestrator, releaseTag, pushSHA, tagMessage(releaseTag, wantManifest(releasedPins, nil)))
			},
			want: "recording another manifest than " + todayTag + " (sdk is d4d4d4d in the tag, 5dc0ffe here)",
		},
		{
			name: "the orchestrator's crate pinned elsewhere, with tag-components",
			vars: map[string]string{"INPUT_TAG-COMPONENTS": "true", "INPUT_FROM": "nightly-20251118-6113728"},
			setup: func(n *promoteNight) {
				n.publishNightly("nightly-20251118-6113728", moved(promotedPins, map[string]string{"bllvm": heads["bllvm"]}), n.clock.Now(), "", nil)
			},
			want: "component bllvm of BTCDecoded/bllvm is pinned at " + heads["bllvm"] + ", but nightly-20251118-6113728 was made at " + pushSHA,
		},
		{
			name: "a release of the tag with other bytes",
			// Its components not tagged yet: nothing is tagged either.
			vars: map[string]string{"INPUT_TAG-COMPONENTS": "true"},
			setup: func(n *promoteNight) {
				n.srv.SetAnnotatedTag(orchestrator, releaseTag, pushSHA, tagMessage(releaseTag, wantManifest(promotedPins, allComponents)))
				other := n.srv.AddRelease(orchestrator, githubtest.Release{TagName: releaseTag})
				for name, content := range n.contents {
					if name == builds["node"] {
						content = "node built elsewhere"
					}
					n.srv.AddAssetContent(orchestrator, other.ID, name, strings.NewReader(content))
				}
			},
			want: "release " + releaseTag + " exists with other bytes than " + todayTag + ", and a published release's assets are not changed: its asset " + builds["node"] + " has " + digest("node built elsewhere") + ", " + todayTag + "'s has " + digest(buildOf("node", heads["node"])),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newPromoteNightWith(t, tt.alter)
			n.with(tt.vars)
			if tt.setup != nil {
				tt.setup(n)
			}
			before := len(n.srv.Releases(orchestrator))
			o := n.run()
			require.Equal(t, 1, o.code, o.stdout)
			assert.Contains(t, errorLine(t, o.stdout), tt.want)
			var written []string
			for _, r := range o.requests {
				if r.Method != "GET" && r.Method != "HEAD" {
					written = append(written, r.Method+" "+r.Path)
				}
			}
			assert.Empty(t, written, "no POST, PATCH, PUT or DELETE")
			assert.Len(t, n.srv.Releases(orchestrator), before, "no release made")
			assert.NotContains(t, o.outputs, "tag", "no output is set")
		})
	}
}

// Bad inputs are reported before any request.
func TestPromoteBadInputsSendNothing(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"no tag", map[string]string{"INPUT_TAG": ""}, "input tag: is empty: name the release's tag, such as v0.2.0"},
		{"a tag git refuses", map[string]string{"INPUT_TAG": "v0.2.0..1"}, "input tag: must be a valid tag name"},
		{"a nightly's tag", map[string]string{"INPUT_TAG": "nightly-20251117-6113728-2"}, "input tag: names a nightly of prefix nightly"},
		{"from, not a nightly", map[string]string{"INPUT_FROM": "v0.1.0"}, `input from: must be newest or a nightly of prefix nightly, such as nightly-20251117-6113728; got "v0.1.0"`},
		{"from, the tag itself", map[string]string{"INPUT_FROM": releaseTag}, "input tag: names the nightly to promote"},
		{"make-latest not a boolean", map[string]string{"INPUT_MAKE-LATEST": "maybe"}, "input make-latest: "},
		{"tag-components not a boolean", map[string]string{"INPUT_TAG-COMPONENTS": "all"}, "input tag-components: "},
		{"a body-file that is not there", map[string]string{"INPUT_BODY-FILE": "missing.md"}, "input body-file: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := releaseWorld(t, "promote").with(map[string]string{"INPUT_TAG": releaseTag}).with(tt.vars)
			o := w.run()
			require.Equal(t, 1, o.code, o.stdout)
			assert.Empty(t, o.requests, "bad input is caught before any request")
			assert.Contains(t, errorLine(t, o.stdout), "::error::"+tt.want)
		})
	}
}

// A dry run reads what the real run reads, SHA256SUMS included, and lists
// what it would write, in order: the tag object and its ref, the draft,
// the copies, the request that publishes.
func TestPromoteDryRun(t *testing.T) {
	n := newPromoteNight(t)
	n.vars["INPUT_DRY-RUN"] = "true"
	o := n.run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Equal(t, 0, countMutating(o.requests), "a dry run only reads")
	_, count := n.releaseOf(releaseTag)
	assert.Zero(t, count, "no release")
	assert.NotContains(t, n.srv.Tags(orchestrator), releaseTag, "no tag")
	var listed []string
	for _, line := range strings.Split(o.stdout, "\n") {
		for _, method := range []string{"POST ", "PATCH ", "DELETE "} {
			if strings.HasPrefix(line, method+"https://") {
				listed = append(listed, line)
			}
		}
	}
	require.Len(t, listed, 4+len(n.contents), o.stdout)
	assert.Equal(t, "POST https://api.github.com/repos/BTCDecoded/bllvm/git/tags", listed[0])
	assert.Equal(t, "POST https://api.github.com/repos/BTCDecoded/bllvm/git/refs", listed[1])
	assert.Equal(t, "POST https://api.github.com/repos/BTCDecoded/bllvm/releases", listed[2])
	for _, upload := range listed[3 : len(listed)-1] {
		assert.True(t, strings.HasPrefix(upload, "POST https://uploads.github.com/repos/BTCDecoded/bllvm/releases/{id of the new release}/assets?name="), upload)
	}
	assert.Equal(t, "PATCH https://api.github.com/repos/BTCDecoded/bllvm/releases/{id of the new release}", listed[len(listed)-1])
	assert.Equal(t, releaseTag, o.outputs["tag"])
	assert.Equal(t, todayTag, o.outputs["from"])
	assert.Contains(t, o.stdout, "\ndone: dry run: would promote "+todayTag+" to "+releaseTag+" with 8 assets\n")
}

// What an earlier run left is finished, never duplicated: its draft
// (an asset it holds that the nightly has not is deleted, one of other
// bytes replaced), or the release published without an asset, which is
// attached; an immutable release cannot take it, and says so.
func TestPromoteFinishesWhatARunLeft(t *testing.T) {
	tests := []struct {
		name    string
		opts    []githubtest.Option
		setup   func(n *promoteNight)
		wantErr string
	}{
		{"a draft with a stray asset and a stale one", nil, func(n *promoteNight) {
			draft := n.srv.AddRelease(orchestrator, githubtest.Release{TagName: releaseTag, Draft: true, TargetCommitish: pushSHA})
			n.srv.AddAssetContent(orchestrator, draft.ID, "notes.txt", strings.NewReader("left by hand"))
			n.srv.AddAssetContent(orchestrator, draft.ID, builds["node"], strings.NewReader("half a build"))
			n.srv.AddAssetContent(orchestrator, draft.ID, builds["sdk"], strings.NewReader(n.contents[builds["sdk"]]))
		}, ""},
		{"published, tagged, an asset missing", nil, func(n *promoteNight) {
			n.srv.SetAnnotatedTag(orchestrator, releaseTag, pushSHA, tagMessage(releaseTag, wantManifest(promotedPins, allComponents)))
			rel := n.srv.AddRelease(orchestrator, githubtest.Release{TagName: releaseTag})
			for name, content := range n.contents {
				if name != builds["governance"] {
					n.srv.AddAssetContent(orchestrator, rel.ID, name, strings.NewReader(content))
				}
			}
		}, ""},
		{"immutable, published without an asset", []githubtest.Option{githubtest.WithImmutableReleases()}, func(n *promoteNight) {
			n.srv.SetAnnotatedTag(orchestrator, releaseTag, pushSHA, tagMessage(releaseTag, wantManifest(promotedPins, allComponents)))
			rel := n.srv.AddRelease(orchestrator, githubtest.Release{TagName: releaseTag})
			for name, content := range n.contents {
				if name != builds["governance"] {
					n.srv.AddAssetContent(orchestrator, rel.ID, name, strings.NewReader(content))
				}
			}
		}, "release " + releaseTag + " is published and immutable, so its assets cannot change: " + builds["governance"] + " is not among its assets, and none can be added"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newPromoteNight(t, tt.opts...)
			tt.setup(n)
			o := n.run()
			if tt.wantErr != "" {
				require.Equal(t, 1, o.code, o.stdout)
				assert.Contains(t, errorLine(t, o.stdout), tt.wantErr)
				return
			}
			require.Equal(t, 0, o.code, o.stdout)
			n.assertPromoted(t, o)
			n.assertTagged(t, promotedPins)
		})
	}
}

// Two runs promoting the same nightly at once, however their requests
// interleave, end with one release, one tag, every asset the nightly's,
// no draft left, and both steps green.
func TestPromoteTwoRunsAtOnce(t *testing.T) {
	for round := range 6 {
		t.Run(fmt.Sprint("round ", round), func(t *testing.T) {
			n := newPromoteNight(t)
			n.vars["INPUT_TAG-COMPONENTS"] = "true"
			runs := []*world{n.world, n.sibling("7002")}
			outcomes := make([]outcome, len(runs))
			var wg sync.WaitGroup
			for i, r := range runs {
				wg.Go(func() { outcomes[i] = r.run() })
			}
			wg.Wait()
			for i, o := range outcomes {
				require.Equal(t, 0, o.code, "run %d:\n%s", i, o.stdout)
				assert.Equal(t, todayTag, o.outputs["from"])
			}
			for _, r := range n.srv.Releases(orchestrator) {
				assert.False(t, r.Draft, "no draft left: release %d of %s", r.ID, r.TagName)
			}
			n.assertPromoted(t, outcomes[0])
			n.assertTagged(t, promotedPins)
		})
	}
}

// A run that loses the race to publish checks the winner's release before
// it attaches anything to it: the same bytes are adopted as they are;
// other bytes, published meanwhile, are an error naming the asset, and
// are left as they are.
func TestPromoteLosesTheRace(t *testing.T) {
	// Published just before this run makes its draft (GitHub refuses the
	// draft), or just before it publishes its own.
	const beforeDraft, beforePublish = "POST /repos/BTCDecoded/bllvm/releases", "PATCH /repos/BTCDecoded/bllvm/releases/*"
	tests := []struct {
		name    string
		when    string
		node    string // the bytes of node's asset in the release published meanwhile
		wantErr string
	}{
		{"before the publish, the same bytes", beforePublish, buildOf("node", heads["node"]), ""},
		{"before the publish, other bytes", beforePublish, "node built elsewhere", "its asset " + builds["node"] + " has " + digest("node built elsewhere")},
		{"before the draft, the same bytes", beforeDraft, buildOf("node", heads["node"]), ""},
		{"before the draft, other bytes", beforeDraft, "node built elsewhere", "its asset " + builds["node"] + " has " + digest("node built elsewhere")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newPromoteNight(t)
			other := n.otherRun()
			var theirs int64
			// Another run publishes its release of the tag, its assets
			// attached.
			method, path, _ := strings.Cut(tt.when, " ")
			n.srv.BeforeNext(method, path, func() {
				rel, _, err := other.Repositories.CreateRelease(t.Context(), "BTCDecoded", "bllvm", &gh.RepositoryRelease{TagName: gh.String(releaseTag), Draft: gh.Bool(true)})
				require.NoError(t, err)
				theirs = rel.GetID()
				for name, content := range n.contents {
					if name == builds["node"] {
						content = tt.node
					}
					n.srv.AddAssetContent(orchestrator, theirs, name, strings.NewReader(content))
				}
				_, _, err = other.Repositories.EditRelease(t.Context(), "BTCDecoded", "bllvm", theirs, &gh.RepositoryRelease{Draft: gh.Bool(false)})
				require.NoError(t, err)
			})
			o := n.run()
			rel, count := n.releaseOf(releaseTag)
			require.Equal(t, 1, count, "one release: this run's draft is deleted")
			assert.Equal(t, theirs, rel.ID, "the release published first")
			for _, a := range rel.Assets {
				assert.Equal(t, 1, a.Uploads, "nothing attached to it again: %s", a.Name)
			}
			if tt.wantErr != "" {
				require.Equal(t, 1, o.code, o.stdout)
				assert.Contains(t, errorLine(t, o.stdout), tt.wantErr)
				return
			}
			require.Equal(t, 0, o.code, o.stdout)
			assert.Contains(t, o.stdout, "by another run meanwhile")
			n.assertPromoted(t, o)
		})
	}
}

// What a server answers reaches no log line, output or link as it is: a
// crafted asset name, a yank's reason, another release's tag.
func TestPromoteServerValuesStayInert(t *testing.T) {
	const forged = "\n::warning::forged"
	tests := []struct {
		name  string
		setup func(n *promoteNight)
		check func(t *testing.T, n *promoteNight, o outcome)
	}{
		{"an asset name GitHub would never give", func(n *promoteNight) {
			n.srv.AddAssetContent(orchestrator, n.nightlyID, "node-x"+forged, strings.NewReader("x"))
		}, func(t *testing.T, n *promoteNight, o outcome) {
			require.Equal(t, 1, o.code, o.stdout)
			assert.Contains(t, errorLine(t, o.stdout), `GitHub answered the name "node-x\n::warning::forged", which is not a name GitHub gives assets`)
		}},
		{"a yank's reason", func(n *promoteNight) {
			n.vars["INPUT_FROM"] = "nightly-20251118-6113728"
			n.publishNightly("nightly-20251118-6113728", promotedPins, n.clock.Now(), nightly.YankMarker("broken"+forged)+"\n", nil)
		}, func(t *testing.T, n *promoteNight, o outcome) {
			require.Equal(t, 1, o.code, o.stdout)
			assert.Contains(t, errorLine(t, o.stdout), `is yanked ("broken\n::warning::forged")`)
		}},
		{"the previous release's tag", func(n *promoteNight) {
			n.srv.AddRelease(orchestrator, githubtest.Release{TagName: "v0.1.1](evil.example)", CreatedAt: n.clock.Now().Add(-2 * time.Hour)})
		}, func(t *testing.T, n *promoteNight, o outcome) {
			require.Equal(t, 0, o.code, o.stdout)
			rel, _ := n.releaseOf(releaseTag)
			assert.Contains(t, rel.Body, `| since v0.1.1\](evil.example) |`, "named as text")
			assert.NotRegexp(t, `[^\\]\]\(evil`, rel.Body, "never a link")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newPromoteNight(t)
			tt.setup(n)
			o := n.run()
			tt.check(t, n, o)
			assert.NotContains(t, o.stdout, forged, "no line of the log starts with a command a server wrote")
			for name, value := range o.outputs {
				assert.NotContains(t, value, forged, "output %s", name)
			}
		})
	}
}

// A nightly of N assets is promoted in at most 2N + 8 requests to the API
// and N downloads from storage (each asset's once; SHA256SUMS, read to be
// checked, is attached from what was read).
func TestPromoteRequestBudget(t *testing.T) {
	for _, assets := range []int{8, 32} {
		t.Run(fmt.Sprintf("%d assets", assets), func(t *testing.T) {
			w := promoteWithAssets(assets, nil)(t)
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)
			storage := len(sentTo(o.requests, storageHost))
			assert.LessOrEqual(t, len(o.requests)-storage, 2*assets+8)
			assert.Equal(t, assets, storage, "each asset downloaded once")
		})
	}
}

// Outside Actions, outputs are name=value lines, which cannot hold
// versions-toml's: it is left out, and a notice names the file of the
// workspace that holds it.
func TestPromoteOutsideActions(t *testing.T) {
	n := newPromoteNight(t)
	n.with(map[string]string{"GITHUB_ACTIONS": "", "GITHUB_OUTPUT": "", "GITHUB_STEP_SUMMARY": ""})
	o := n.run()
	require.Equal(t, 0, o.code, o.stderr)
	outputs := githubtest.ParseOutputs(t, o.stdout)
	assert.Equal(t, releaseTag, outputs["tag"])
	assert.NotContains(t, outputs, "versions-toml")
	assert.Contains(t, o.stderr, "versions-toml is in .release-action/versions.toml: a name=value line cannot hold its lines")
	written, err := os.ReadFile(filepath.Join(n.workspace(), ".release-action", "versions.toml"))
	require.NoError(t, err)
	assert.Contains(t, string(written), "[versions]\nbllvm-consensus = { version = \"0.2.0\", git_tag = \"\", git_commit = \""+heads["consensus"]+"\" }\n")
}

// With a GitHub App, the token is minted for contents: write on the
// orchestrator and, with tag-components, on the default graph's component
// repositories, which it tags.
func TestPromoteAppToken(t *testing.T) {
	tests := []struct {
		name          string
		tagComponents bool
		want          []string
	}{
		{"the orchestrator alone", false, []string{"bllvm"}},
		{"tag-components", true, []string{"bllvm", "bllvm-consensus", "bllvm-protocol", "bllvm-node", "bllvm-sdk", "bllvm-commons"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := rsa.GenerateKey(rand.Reader, 2048)
			require.NoError(t, err)
			n := newPromoteNight(t, githubtest.WithApp(appID, &key.PublicKey, map[string]int64{"BTCDecoded": 4242}))
			n.with(map[string]string{
				"INPUT_APP-ID":          appID,
				"INPUT_APP-PRIVATE-KEY": string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
				"INPUT_TAG-COMPONENTS":  fmt.Sprint(tt.tagComponents),
			})
			delete(n.vars, "INPUT_TOKEN")
			o := n.run()
			require.Equal(t, 0, o.code, o.stdout)
			minted := n.srv.MintedTokens()
			require.Len(t, minted, 1)
			assert.ElementsMatch(t, tt.want, minted[0].Repositories)
			assert.Equal(t, map[string]string{"contents": "write"}, minted[0].Permissions)
			n.assertPromoted(t, o)
		})
	}
}

// The notes start from the previous release: the manifest its body
// records (promote writes it there), else the one its annotated tag
// records; a release made by hand records none, and every row says new.
func TestPromoteNotesSinceTheLastRelease(t *testing.T) {
	const previous = "v0.1.1"
	released := wantManifest(releasedPins, allComponents)
	sdkRow := tableRow("sdk", sdkNext)
	tests := []struct {
		name    string
		body    string
		tag     func(n *promoteNight)
		wantSDK string
	}{
		{"the manifest its body records", nightly.ManifestMarker(parsedManifest(t, released)), func(n *promoteNight) { n.srv.SetTag(orchestrator, previous, pushSHA) },
			sdkRow + "[1 commit](https://github.com/BTCDecoded/bllvm-sdk/compare/" + heads["sdk"] + "..." + sdkNext + ") |"},
		{"the manifest its annotated tag records", "Made by hand.", func(n *promoteNight) {
			n.srv.SetAnnotatedTag(orchestrator, previous, pushSHA, tagMessage(previous, released))
		}, sdkRow + "[1 commit](https://github.com/BTCDecoded/bllvm-sdk/compare/" + heads["sdk"] + "..." + sdkNext + ") |"},
		{"none: a release made by hand", "Made by hand.", func(n *promoteNight) { n.srv.SetTag(orchestrator, previous, pushSHA) }, sdkRow + "new |"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newPromoteNight(t)
			n.srv.AddRelease(orchestrator, githubtest.Release{TagName: previous, Body: tt.body, CreatedAt: n.clock.Now().Add(-2 * time.Hour)})
			tt.tag(n)
			o := n.run()
			require.Equal(t, 0, o.code, o.stdout)
			rel, _ := n.releaseOf(releaseTag)
			assert.Contains(t, rel.Body, "| component | repository | commit | since "+previous+" |")
			assert.Contains(t, rel.Body, tt.wantSDK)
		})
	}
}
