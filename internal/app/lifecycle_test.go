package app

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
)

// tonight is what the build jobs leave in dist/, by asset name: the same
// bytes from every run, as reproducible builds make them.
var tonight = map[string]string{
	"bllvm-linux-x64.tar.gz":  "linux build",
	"bllvm-darwin-arm.tar.gz": "darwin build",
}

// build writes outputs into the workspace's dist/ and returns their
// digests by name.
func (w *world) build(outputs map[string]string) map[string]string {
	w.t.Helper()
	digests := map[string]string{}
	for name, content := range outputs {
		digests[name] = w.file(filepath.Join("dist", name), content)
	}
	return digests
}

// prereleaseWorld is the trigger-prerelease job with tonight's build in
// the workspace.
func prereleaseWorld(t *testing.T, opts ...githubtest.Option) (*world, map[string]string) {
	t.Helper()
	w := releaseWorld(t, "create-prerelease", opts...).with(map[string]string{"INPUT_ASSETS": "dist/*"})
	return w, w.build(tonight)
}

// sibling is another run of the same job at the same time: the same
// repository, workspace and clock, its own output files.
func (w *world) sibling(runID string) *world {
	w.t.Helper()
	other := &world{t: w.t, srv: w.srv, clock: w.clock, vars: maps.Clone(w.vars)}
	dir := w.t.TempDir()
	other.vars["GITHUB_OUTPUT"] = filepath.Join(dir, "output")
	other.vars["GITHUB_STEP_SUMMARY"] = filepath.Join(dir, "summary")
	other.vars["GITHUB_RUN_ID"] = runID
	return other
}

// otherRun is a client for what another run does through the API.
func (w *world) otherRun() *gh.Client {
	return gh.NewClient(w.srv.Client()).WithAuthToken(token)
}

type outputAsset struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	URL  string `json:"url"`
}

func assetsOutput(t *testing.T, o outcome) []outputAsset {
	t.Helper()
	var assets []outputAsset
	require.NoError(t, json.Unmarshal([]byte(o.outputs["assets"]), &assets), o.outputs["assets"])
	return assets
}

// assertOnePublished checks that the tag has exactly one release, published
// with digests, and that no draft is left in the repository.
func (w *world) assertOnePublished(digests map[string]string) githubtest.Release {
	w.t.Helper()
	for _, r := range w.srv.Releases(orchestrator) {
		assert.False(w.t, r.Draft, "no draft left: release %d of %s", r.ID, r.TagName)
	}
	return w.assertPublished(todayTag, digests)
}

// The assets output names links that work once the release is published:
// under the tag, as GitHub lists the published release's assets, not under
// the draft's placeholder tag they were uploaded under.
func TestPrereleaseAssetsLinkUnderTheTag(t *testing.T) {
	tests := []struct {
		name  string
		setup func(w *world)
		runs  int
	}{
		{"a new release", nil, 1},
		{"an earlier run's draft, finished", func(w *world) {
			draft := w.srv.AddRelease(orchestrator, githubtest.Release{TagName: todayTag, Draft: true, Prerelease: true, MakeLatest: "false", TargetCommitish: pushSHA})
			w.srv.AddAssetContent(orchestrator, draft.ID, "bllvm-linux-x64.tar.gz", strings.NewReader(tonight["bllvm-linux-x64.tar.gz"]))
		}, 1},
		{"a rerun once published", nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, digests := prereleaseWorld(t)
			if tt.setup != nil {
				tt.setup(w)
			}
			var o outcome
			for range tt.runs {
				o = w.step()
				require.Equal(t, 0, o.code, o.stdout)
			}
			w.assertOnePublished(digests)

			published, _, err := w.otherRun().Repositories.GetReleaseByTag(t.Context(), "BTCDecoded", "bllvm", todayTag)
			require.NoError(t, err)
			links := map[string]string{}
			for _, a := range published.Assets {
				links[a.GetName()] = a.GetBrowserDownloadURL()
			}
			got := map[string]string{}
			for _, a := range assetsOutput(t, o) {
				got[a.Name] = a.URL
				assert.Equal(t, "https://github.com/BTCDecoded/bllvm/releases/download/"+todayTag+"/"+a.Name, a.URL)
			}
			assert.Equal(t, links, got, "the links GitHub gives the published release's assets")
		})
	}
}

// A draft an earlier run left is found on whatever page of releases it
// is, and finished: never a second release of the tag. Every page is read,
// one request per 100 releases, and pruning needs no listing of its own.
func TestPrereleaseFindsAnEarlierDraftOnAnyPage(t *testing.T) {
	tests := []struct {
		name      string
		newer     int // releases made since the draft
		keep      string
		wantPages int
	}{
		{"first page", 10, "0", 1},
		{"second page", 150, "0", 2},
		{"third page", 250, "0", 3},
		{"second page, pruning", 150, "3", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, digests := prereleaseWorld(t)
			w.vars["INPUT_KEEP"] = tt.keep
			start := w.clock.Now()
			draft := w.srv.AddRelease(orchestrator, githubtest.Release{
				TagName: todayTag, Draft: true, Prerelease: true, MakeLatest: "false", TargetCommitish: pushSHA,
				CreatedAt: start.Add(-48 * time.Hour),
			})
			for i := range tt.newer {
				tag := fmt.Sprintf("v0.%d.0", i)
				w.srv.SetTag(orchestrator, tag, olderSHA)
				w.srv.AddRelease(orchestrator, githubtest.Release{TagName: tag, CreatedAt: start.Add(-24 * time.Hour).Add(time.Duration(i) * time.Minute)})
			}

			o := w.run()

			require.Equal(t, 0, o.code, o.stdout)
			rel := w.assertOnePublished(digests)
			assert.Equal(t, draft.ID, rel.ID, "the earlier run's draft, finished")
			assert.Equal(t, fmt.Sprint(draft.ID), o.outputs["release-id"])
			assert.Equal(t, "false", o.outputs["created"])
			listings := 0
			for _, r := range o.requests {
				if r.Method == "GET" && r.Path == "/repos/BTCDecoded/bllvm/releases" {
					listings++
				}
			}
			assert.Equal(t, tt.wantPages, listings, "one listing per page of 100 releases")
		})
	}
}

// Two runs race for one tag with GitHub's behaviour: both make a draft
// (GitHub keeps several of one tag), and GitHub publishes only one release
// of a tag. Whichever publishes first wins; the other adopts its release
// and deletes its own draft.
func TestPrereleaseRaceWithAnotherRun(t *testing.T) {
	tests := []struct {
		name string
		opts []githubtest.Option
	}{
		{"mutable releases", nil},
		{"immutable releases, the same bytes", []githubtest.Option{githubtest.WithImmutableReleases()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, digests := prereleaseWorld(t, tt.opts...)
			other := w.otherRun()
			var theirs *gh.RepositoryRelease
			// The other run lists no release either, then makes its draft
			// just before this run makes its own...
			w.srv.BeforeNext("POST", "/repos/BTCDecoded/bllvm/releases", func() {
				var err error
				theirs, _, err = other.Repositories.CreateRelease(t.Context(), "BTCDecoded", "bllvm", &gh.RepositoryRelease{
					TagName: gh.String(todayTag), TargetCommitish: gh.String(pushSHA), Draft: gh.Bool(true), Prerelease: gh.Bool(true), MakeLatest: gh.String("false"),
				})
				assert.NoError(t, err, "GitHub takes a second draft of a tag")
			})
			// ...and publishes it, its assets attached, just before this
			// run publishes.
			w.srv.BeforeNext("PATCH", "/repos/BTCDecoded/bllvm/releases/*", func() {
				for name, content := range tonight {
					w.srv.AddAssetContent(orchestrator, theirs.GetID(), name, strings.NewReader(content))
				}
				_, _, err := other.Repositories.EditRelease(t.Context(), "BTCDecoded", "bllvm", theirs.GetID(), &gh.RepositoryRelease{Draft: gh.Bool(false)})
				assert.NoError(t, err)
			})

			o := w.run()

			require.Equal(t, 0, o.code, o.stdout)
			rel := w.assertOnePublished(digests)
			assert.Equal(t, theirs.GetID(), rel.ID, "the release published first")
			assert.Equal(t, fmt.Sprint(theirs.GetID()), o.outputs["release-id"])
			assert.Equal(t, "false", o.outputs["created"])
			assert.Contains(t, o.stdout, "published first")
			for _, a := range rel.Assets {
				assert.Equal(t, 1, a.Uploads, "the same bytes are not sent again: %s", a.Name)
			}
			for _, a := range assetsOutput(t, o) {
				assert.Equal(t, "https://github.com/BTCDecoded/bllvm/releases/download/"+todayTag+"/"+a.Name, a.URL)
			}
		})
	}
}

// Two runs of the job at once, however their requests interleave, end
// with one published release of the tag, every asset intact, no draft
// left, both steps green and naming the same release.
func TestPrereleaseTwoRunsAtOnce(t *testing.T) {
	for round := range 8 {
		t.Run(fmt.Sprint("round ", round), func(t *testing.T) {
			w, digests := prereleaseWorld(t)
			runs := []*world{w, w.sibling("7002")}
			outcomes := make([]outcome, len(runs))
			var wg sync.WaitGroup
			for i, r := range runs {
				wg.Go(func() { outcomes[i] = r.run() })
			}
			wg.Wait()

			created := 0
			for i, o := range outcomes {
				require.Equal(t, 0, o.code, "run %d:\n%s", i, o.stdout)
				if o.outputs["created"] == "true" {
					created++
				}
			}
			rel := w.assertOnePublished(digests)
			assert.Equal(t, 1, created, "one run made the release")
			for _, o := range outcomes {
				assert.Equal(t, fmt.Sprint(rel.ID), o.outputs["release-id"])
				for _, a := range assetsOutput(t, o) {
					assert.Equal(t, "https://github.com/BTCDecoded/bllvm/releases/download/"+todayTag+"/"+a.Name, a.URL)
				}
			}
		})
	}
}

// A rerun whose files differ from a published immutable release says what
// is true: the release is published, its assets cannot change, and what
// would help; never that nothing is published or that a rerun finishes it.
func TestPrereleaseImmutableReleaseThatDiffers(t *testing.T) {
	tests := []struct {
		name   string
		change map[string]string
		want   string
	}{
		{"a file rebuilt with other bytes", map[string]string{"bllvm-linux-x64.tar.gz": "linux build, again"}, "its asset bllvm-linux-x64.tar.gz differs from the file here (content changed: sha256:"},
		{"a new file", map[string]string{"bllvm-windows.zip": "windows build"}, "bllvm-windows.zip is not among its assets, and none can be added"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, digests := prereleaseWorld(t, githubtest.WithImmutableReleases())
			first := w.step()
			require.Equal(t, 0, first.code, first.stdout)
			w.build(tt.change)

			o := w.step()

			require.Equal(t, 1, o.code, o.stdout)
			line := errorLine(t, o.stdout)
			assert.Contains(t, line, "release "+todayTag+" is published and immutable, so its assets cannot change: ")
			assert.Contains(t, line, tt.want)
			assert.Contains(t, line, "build the assets reproducibly, so that a rerun makes the same files, or publish them under a new tag")
			assert.NotContains(t, line, "nothing is published")
			assert.NotContains(t, line, "rerun to finish")
			w.assertOnePublished(digests)
		})
	}
}

// created is true when the tag did not exist before this run's first
// attempt, also when the answer to the create was lost and its retry was
// refused because the tag was there: this run made it.
func TestNightlyTagCreatedDespiteALostAnswer(t *testing.T) {
	const refs = "/repos/BTCDecoded/bllvm/git/refs"
	tests := []struct {
		name        string
		vars        map[string]string
		inject      func(w *world)
		wantCreated string
	}{
		{"lightweight, answer lost", map[string]string{"INPUT_PUSH-TAG": "true"}, func(w *world) {
			w.srv.LoseAnswers("POST", refs, 1)
		}, "true"},
		{"annotated, answer lost", map[string]string{"INPUT_PUSH-TAG": "true", "INPUT_MANIFEST": snapshotA}, func(w *world) {
			w.srv.LoseAnswers("POST", refs, 1)
		}, "true"},
		// A lightweight tag at the same commit made by a racing run cannot
		// be told from this run's own: it was not there when this run began.
		{"lightweight, a racing run at the same commit", map[string]string{"INPUT_PUSH-TAG": "true"}, func(w *world) {
			w.srv.BeforeNext("POST", refs, func() { w.srv.SetTag(orchestrator, todayTag, pushSHA) })
		}, "true"},
		// Another run's tag object differs from this run's: not created here.
		{"annotated, a racing run's tag of the same snapshot", map[string]string{"INPUT_PUSH-TAG": "true", "INPUT_MANIFEST": snapshotA}, func(w *world) {
			w.srv.BeforeNext("POST", refs, func() {
				w.srv.SetAnnotatedTag(orchestrator, todayTag, pushSHA, tagMessage(todayTag, snapshotA))
			})
		}, "false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := releaseWorld(t, "nightly-tag").with(tt.vars)
			tt.inject(w)

			o := w.run()

			require.Equal(t, 0, o.code, o.stdout)
			assert.Equal(t, todayTag, o.outputs["tag"])
			assert.Equal(t, tt.wantCreated, o.outputs["created"])
			assert.Equal(t, pushSHA, w.srv.Tags(orchestrator)[todayTag])
		})
	}
}
