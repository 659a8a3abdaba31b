package app

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
)

const (
	orchestrator = "BTCDecoded/bllvm"
	olderSHA     = "ffffffffffffffffffffffffffffffffffffffff"
	todayTag     = "nightly-20251117-6113728" // pushSHA on the test clock's day
)

// releaseWorld is the orchestrator's trigger-prerelease job: a schedule run
// in bllvm at pushSHA, with build outputs in the workspace.
func releaseWorld(t testing.TB, mode string, opts ...githubtest.Option) *world {
	t.Helper()
	w := newWorld(t, opts...).with(map[string]string{
		"GITHUB_EVENT_NAME": "schedule",
		"GITHUB_EVENT_PATH": payload("schedule.json"),
		"GITHUB_REPOSITORY": orchestrator,
		"GITHUB_WORKSPACE":  t.TempDir(),
		"INPUT_MODE":        mode,
	})
	w.srv.SetBranch(orchestrator, "main", pushSHA)
	return w
}

// file writes a workspace file and returns its SHA-256 digest as GitHub
// reports it.
func (w *world) file(name, content string) string {
	w.t.Helper()
	path := filepath.Join(w.vars["GITHUB_WORKSPACE"], name)
	require.NoError(w.t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(w.t, os.WriteFile(path, []byte(content), 0o644))
	sum := sha256.Sum256([]byte(content))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func (w *world) releaseOf(tag string) (githubtest.Release, int) {
	w.t.Helper()
	var found githubtest.Release
	n := 0
	for _, r := range w.srv.Releases(orchestrator) {
		if r.TagName == tag {
			found = r
			n++
		}
	}
	return found, n
}

func countMutating(requests []githubtest.Request) int {
	n := 0
	for _, r := range requests {
		if r.Method != "GET" && r.Method != "HEAD" {
			n++
		}
	}
	return n
}

func TestNightlyTag(t *testing.T) {
	tests := []struct {
		name         string
		vars         map[string]string
		tags         map[string]string
		want         map[string]string
		wantRequests int
		wantTag      string // sha refs/tags/todayTag points at afterwards
	}{
		{
			name:         "computes without any request",
			tags:         map[string]string{"nightly-20251110-fffffff": olderSHA},
			want:         map[string]string{"tag": todayTag, "version": "20251117-6113728", "date": "20251117", "sha": pushSHA, "short-sha": "6113728", "previous-tag": "", "changed": "true", "created": "false"},
			wantRequests: 0,
		},
		{
			name:         "push-tag creates it",
			vars:         map[string]string{"INPUT_PUSH-TAG": "true"},
			tags:         map[string]string{"nightly-20251110-fffffff": olderSHA, "nightly-20251001-eeeeeee": olderSHA},
			want:         map[string]string{"previous-tag": "nightly-20251110-fffffff", "changed": "true", "created": "true"},
			wantRequests: 2,
			wantTag:      pushSHA,
		},
		{
			name:         "push-tag again: already there, nothing sent but the listing",
			vars:         map[string]string{"INPUT_PUSH-TAG": "true"},
			tags:         map[string]string{todayTag: pushSHA},
			want:         map[string]string{"changed": "true", "created": "false"},
			wantRequests: 1,
			wantTag:      pushSHA,
		},
		{
			name:         "skip-unchanged: yesterday's nightly is this commit",
			vars:         map[string]string{"INPUT_PUSH-TAG": "true", "INPUT_SKIP-UNCHANGED": "true"},
			tags:         map[string]string{"nightly-20251116-6113728": pushSHA},
			want:         map[string]string{"previous-tag": "nightly-20251116-6113728", "changed": "false", "created": "false"},
			wantRequests: 1,
		},
		{
			name:         "prefix, date and length",
			vars:         map[string]string{"INPUT_PREFIX": "build", "INPUT_DATE": "2024-02-29", "INPUT_SHA-LENGTH": "10"},
			want:         map[string]string{"tag": "build-20240229-6113728f27", "short-sha": "6113728f27"},
			wantRequests: 0,
		},
		{
			name:         "SOURCE_DATE_EPOCH",
			vars:         map[string]string{"SOURCE_DATE_EPOCH": "1700000000"},
			want:         map[string]string{"tag": "nightly-20231114-6113728"},
			wantRequests: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := releaseWorld(t, "nightly-tag").with(tt.vars)
			for tag, sha := range tt.tags {
				w.srv.SetTag(orchestrator, tag, sha)
			}
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)
			for k, v := range tt.want {
				assert.Equal(t, v, o.outputs[k], k)
			}
			assert.Len(t, o.requests, tt.wantRequests)
			assert.Equal(t, tt.wantTag, w.srv.Tags(orchestrator)[todayTag])
		})
	}
}

func TestNightlyTagAtAnotherCommit(t *testing.T) {
	w := releaseWorld(t, "nightly-tag").with(map[string]string{"INPUT_PUSH-TAG": "true"})
	w.srv.SetTag(orchestrator, todayTag, olderSHA)
	o := w.run()
	assert.Equal(t, 1, o.code)
	line := errorLine(t, o.stdout)
	assert.Contains(t, line, "tag "+todayTag+" already exists at commit "+olderSHA+", not at "+pushSHA)
	assert.Equal(t, 0, countMutating(o.requests))
	assert.Equal(t, olderSHA, w.srv.Tags(orchestrator)[todayTag], "never moved")
}

func TestNightlyTagWithoutTokenSendsNothing(t *testing.T) {
	w := releaseWorld(t, "nightly-tag")
	delete(w.vars, "INPUT_TOKEN")
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Equal(t, todayTag, o.outputs["tag"])
	assert.Empty(t, o.requests)
}

// assets writes three build outputs and returns their digests by name.
func (w *world) assets() map[string]string {
	return map[string]string{
		"bllvm-linux-x64.tar.gz":  w.file("dist/bllvm-linux-x64.tar.gz", "linux build"),
		"bllvm-darwin-arm.tar.gz": w.file("dist/bllvm-darwin-arm.tar.gz", "darwin build"),
		"SHA256SUMS":              w.file("dist/sums/SHA256SUMS", "sums"),
	}
}

func (w *world) assertPublished(tag string, digests map[string]string) githubtest.Release {
	w.t.Helper()
	rel, n := w.releaseOf(tag)
	require.Equal(w.t, 1, n, "exactly one release for %s", tag)
	assert.False(w.t, rel.Draft, "published")
	assert.True(w.t, rel.Prerelease)
	assert.Equal(w.t, "false", rel.MakeLatest)
	got := map[string]string{}
	for _, a := range rel.Assets {
		assert.Equal(w.t, "uploaded", a.State, a.Name)
		got[a.Name] = a.Digest
	}
	assert.Equal(w.t, digests, got, "every asset intact")
	return rel
}

func TestCreatePrerelease(t *testing.T) {
	w := releaseWorld(t, "create-prerelease").with(map[string]string{
		"INPUT_ASSETS": "dist/*.tar.gz\ndist/**/SHA256SUMS",
		"INPUT_BODY":   "Nightly build.",
	})
	w.srv.SetTag(orchestrator, "nightly-20251116-fffffff", olderSHA)
	// Published: the previous nightly is the newest with a release.
	w.srv.AddRelease(orchestrator, githubtest.Release{TagName: "nightly-20251116-fffffff", Prerelease: true})
	digests := w.assets()

	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	rel := w.assertPublished(todayTag, digests)
	assert.Equal(t, pushSHA, rel.TargetCommitish)
	assert.True(t, strings.HasPrefix(rel.Body, "Nightly build.\n\n"), rel.Body)
	assert.Contains(t, rel.Body, "nightly-20251116-fffffff..."+todayTag, "notes from the previous nightly")
	assert.Equal(t, pushSHA, w.srv.Tags(orchestrator)[todayTag], "publishing made the tag")
	assert.LessOrEqual(t, len(o.requests), len(digests)+5, "a new release with N assets costs at most N+5 requests")

	assert.Equal(t, todayTag, o.outputs["tag"])
	assert.Equal(t, fmt.Sprint(rel.ID), o.outputs["release-id"])
	assert.Equal(t, "true", o.outputs["created"])
	assert.Equal(t, "[]", o.outputs["pruned"])
	assert.Contains(t, o.outputs["release-url"], "/releases/tag/"+todayTag)
	var assets []struct {
		Name string `json:"name"`
		Size int64  `json:"size"`
		URL  string `json:"url"`
	}
	require.NoError(t, json.Unmarshal([]byte(o.outputs["assets"]), &assets))
	require.Len(t, assets, 3)
	for _, a := range assets {
		assert.Contains(t, digests, a.Name)
		assert.NotEmpty(t, a.URL)
		assert.Positive(t, a.Size)
	}

	// A rerun with nothing changed: at most 3 requests, no bytes uploaded.
	rerun := w.run()
	require.Equal(t, 0, rerun.code, rerun.stdout)
	assert.LessOrEqual(t, len(rerun.requests), 3)
	assert.Equal(t, 0, countMutating(rerun.requests), "nothing uploaded, nothing changed")
	assert.Equal(t, "false", rerun.outputs["created"])
	w.assertPublished(todayTag, digests)

	// A changed file is replaced, the others left alone.
	digests["SHA256SUMS"] = w.file("dist/sums/SHA256SUMS", "new sums")
	changed := w.run()
	require.Equal(t, 0, changed.code, changed.stdout)
	w.assertPublished(todayTag, digests)
	uploads := map[string]int{}
	for _, a := range mustRelease(t, w, todayTag).Assets {
		uploads[a.Name] = a.Uploads
	}
	assert.Equal(t, map[string]int{"bllvm-linux-x64.tar.gz": 1, "bllvm-darwin-arm.tar.gz": 1, "SHA256SUMS": 2}, uploads, "only the changed file was sent again")
}

func mustRelease(t *testing.T, w *world, tag string) githubtest.Release {
	t.Helper()
	rel, n := w.releaseOf(tag)
	require.Equal(t, 1, n)
	return rel
}

// A run that fails at any step leaves what the next run completes.
func TestCreatePrereleaseRerunAfterFailure(t *testing.T) {
	const releases = "/repos/BTCDecoded/bllvm/releases"
	tests := []struct {
		name   string
		inject func(w *world)
	}{
		{"after the draft is created", func(w *world) {
			w.srv.Fail("POST", "/repos/BTCDecoded/bllvm/releases/*/assets", githubtest.Unprocessable("Validation Failed"))
		}},
		{"mid-upload, connection reset", func(w *world) {
			w.vars["INPUT_MAX-WAIT"] = "0s" // no retry in this run: the rerun must clean up the starter
			w.srv.FailUploadAfter("bllvm-linux-x64.tar.gz", 4)
		}},
		{"before publish", func(w *world) {
			w.vars["INPUT_MAX-WAIT"] = "0s"
			w.srv.Fail("PATCH", releases+"/*", githubtest.BadGateway())
		}},
		{"listing releases", func(w *world) {
			w.vars["INPUT_MAX-WAIT"] = "0s"
			w.srv.Fail("GET", releases, githubtest.BadGateway())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := releaseWorld(t, "create-prerelease").with(map[string]string{"INPUT_ASSETS": "dist/**"})
			digests := w.assets()
			tt.inject(w)
			failed := w.run()
			require.Equal(t, 1, failed.code, "the injected fault fails the run")
			errorLine(t, failed.stdout)

			delete(w.vars, "INPUT_MAX-WAIT")
			w.vars["INPUT_MAX-WAIT"] = "5m"
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)
			w.assertPublished(todayTag, digests)
		})
	}
}

// A dropped upload is retried in the same run: the starter asset it leaves
// is replaced.
func TestCreatePrereleaseSurvivesAResetUpload(t *testing.T) {
	w := releaseWorld(t, "create-prerelease").with(map[string]string{"INPUT_ASSETS": "dist/**"})
	digests := w.assets()
	w.srv.FailUploadAfter("SHA256SUMS", 2)
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	w.assertPublished(todayTag, digests)
}

// Two runs race for the tag: the second finds no release when it looks,
// then GitHub refuses to publish its draft, as the first run's release is
// published; it adopts that release.
// Another run publishes the tag's release between this run's listing and
// its create: GitHub either refuses the draft (422 already_exists), or
// makes it and refuses to publish it. Either way this run syncs its assets
// into the release that won, and leaves no draft.
func TestCreatePrereleaseRace(t *testing.T) {
	tests := []struct {
		name string
		opts []githubtest.Option
		want string
	}{
		{"the draft refused", nil, "was published by another run meanwhile: bringing its assets up to date"},
		{"the draft made, its publish refused", []githubtest.Option{githubtest.WithDraftsOfPublishedTags()}, "created by another run meanwhile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := releaseWorld(t, "create-prerelease", tt.opts...).with(map[string]string{"INPUT_ASSETS": "dist/**"})
			digests := w.assets()
			w.srv.AddRelease(orchestrator, githubtest.Release{TagName: todayTag, Draft: false, Prerelease: true, MakeLatest: "false", TargetCommitish: pushSHA})
			w.srv.Fail("GET", "/repos/BTCDecoded/bllvm/releases", githubtest.Response{Status: 200, Body: "[]"})
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)
			assert.Contains(t, o.stdout, tt.want)
			assert.Equal(t, "false", o.outputs["created"])
			w.assertPublished(todayTag, digests)
		})
	}
}

func TestCreatePrereleaseImmutableReleases(t *testing.T) {
	w := releaseWorld(t, "create-prerelease", githubtest.WithImmutableReleases()).with(map[string]string{"INPUT_ASSETS": "dist/**"})
	digests := w.assets()
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	rel := w.assertPublished(todayTag, digests)
	assert.True(t, rel.Immutable)
	rerun := w.run()
	require.Equal(t, 0, rerun.code, rerun.stdout)
}

func TestCreatePrereleasePrunes(t *testing.T) {
	w := releaseWorld(t, "create-prerelease").with(map[string]string{"INPUT_KEEP": "3", "INPUT_GENERATE-NOTES": "false"})
	day := time.Date(2025, 11, 16, 0, 0, 0, 0, time.UTC)
	var want []string
	// 150 older nightlies, across two pages of releases, plus a full release
	// with a nightly's name and another project's prerelease.
	for i := range 150 {
		tag := fmt.Sprintf("nightly-%s-%07x", day.AddDate(0, 0, -i).Format("20060102"), i+1)
		w.srv.SetTag(orchestrator, tag, olderSHA)
		w.srv.AddRelease(orchestrator, githubtest.Release{TagName: tag, Prerelease: true})
		if i >= 2 {
			want = append(want, tag)
		}
	}
	w.srv.AddRelease(orchestrator, githubtest.Release{TagName: "nightly-20200101-aaaaaaa", Prerelease: false})
	w.srv.AddRelease(orchestrator, githubtest.Release{TagName: "v1.0.0-rc1", Prerelease: true})

	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	var pruned []string
	require.NoError(t, json.Unmarshal([]byte(o.outputs["pruned"]), &pruned))
	assert.ElementsMatch(t, want, pruned, "all but the newest 3 nightlies (this one and two older)")

	var left []string
	for _, r := range w.srv.Releases(orchestrator) {
		left = append(left, r.TagName)
	}
	assert.ElementsMatch(t, []string{todayTag, "nightly-20251116-0000001", "nightly-20251115-0000002", "nightly-20200101-aaaaaaa", "v1.0.0-rc1"}, left)
	for _, tag := range want {
		assert.NotContains(t, w.srv.Tags(orchestrator), tag, "pruned with its tag")
	}
}

// keep also deletes the nightly tags older than the one just published
// that have no release, as a cancelled run leaves them; a tag with a
// draft (a run still publishing) and a newer tag stay.
func TestCreatePrereleasePrunesOrphanTags(t *testing.T) {
	w := releaseWorld(t, "create-prerelease").with(map[string]string{"INPUT_KEEP": "5", "INPUT_GENERATE-NOTES": "false"})
	w.srv.SetTag(orchestrator, "nightly-20251116-0000001", olderSHA) // published
	w.srv.AddRelease(orchestrator, githubtest.Release{TagName: "nightly-20251116-0000001", Prerelease: true})
	w.srv.SetTag(orchestrator, "nightly-20251115-0000002", olderSHA) // orphan
	w.srv.SetTag(orchestrator, "nightly-20251114-0000003", olderSHA) // a draft's
	w.srv.AddRelease(orchestrator, githubtest.Release{TagName: "nightly-20251114-0000003", Prerelease: true, Draft: true})
	w.srv.SetTag(orchestrator, "nightly-20251118-0000004", olderSHA) // newer, orphan: a run after this one
	w.srv.SetTag(orchestrator, "v1.0.0", olderSHA)

	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	var pruned []string
	require.NoError(t, json.Unmarshal([]byte(o.outputs["pruned"]), &pruned))
	assert.Equal(t, []string{"nightly-20251115-0000002"}, pruned)
	tags := w.srv.Tags(orchestrator)
	assert.NotContains(t, tags, "nightly-20251115-0000002")
	for _, kept := range []string{todayTag, "nightly-20251116-0000001", "nightly-20251114-0000003", "nightly-20251118-0000004", "v1.0.0"} {
		assert.Contains(t, tags, kept)
	}
}

func TestCreatePrereleaseDryRun(t *testing.T) {
	w := releaseWorld(t, "create-prerelease").with(map[string]string{"INPUT_ASSETS": "dist/**", "INPUT_DRY-RUN": "true"})
	w.assets()
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Equal(t, 0, countMutating(o.requests), "a dry run only reads")
	assert.Empty(t, w.srv.Releases(orchestrator))
	assert.Contains(t, o.stdout, "POST https://api.github.com/repos/BTCDecoded/bllvm/releases\n")
	assert.Contains(t, o.stdout, "(11 bytes of application/gzip)")
	assert.Equal(t, todayTag, o.outputs["tag"])

	// Every request the real run would send, in order: the draft, the
	// uploads to it, then the one that publishes it, with a placeholder
	// for the id GitHub would give.
	var listed []string
	for _, line := range strings.Split(o.stdout, "\n") {
		for _, method := range []string{"POST ", "PATCH ", "DELETE "} {
			if strings.HasPrefix(line, method+"https://") {
				listed = append(listed, line)
			}
		}
	}
	require.Len(t, listed, 6, o.stdout)
	assert.Equal(t, "POST https://api.github.com/repos/BTCDecoded/bllvm/releases/generate-notes", listed[0])
	assert.Equal(t, "POST https://api.github.com/repos/BTCDecoded/bllvm/releases", listed[1])
	for _, upload := range listed[2:5] {
		assert.True(t, strings.HasPrefix(upload, "POST https://uploads.github.com/repos/BTCDecoded/bllvm/releases/{id of the new release}/assets?name="), upload)
	}
	assert.Equal(t, "PATCH https://api.github.com/repos/BTCDecoded/bllvm/releases/{id of the new release}", listed[5], "the publish is listed")
	assert.NotContains(t, o.stdout, "releases/0/")
}

func TestCreatePrereleaseBadInputsSendNothing(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"unmatched pattern", map[string]string{"INPUT_ASSETS": "dist/*.zip"}, "input assets: "},
		{"missing body file", map[string]string{"INPUT_BODY-FILE": "NOTES.md"}, "input body-file: cannot be read"},
		{"tag not a tag name", map[string]string{"INPUT_TAG": "nightly 1"}, "input tag: must be a valid tag name"},
		{"keep negative", map[string]string{"INPUT_KEEP": "-1"}, "input keep: must be from 0 to 1000"},
		{"concurrency zero", map[string]string{"INPUT_UPLOAD-CONCURRENCY": "0"}, "input upload-concurrency: must be from 1 to 16"},
		{"workflow not a file", map[string]string{"INPUT_WORKFLOW": "../x.sh"}, "input workflow: must be a workflow file name"},
		{"workflow inputs not strings", map[string]string{"INPUT_WORKFLOW": "prerelease.yml", "INPUT_WORKFLOW-INPUTS": `{"n": 1}`}, `input workflow-inputs: value of "n" must be a string`},
		{"workflow inputs too many", map[string]string{"INPUT_WORKFLOW": "prerelease.yml", "INPUT_WORKFLOW-INPUTS": manyInputs(25)}, "input workflow-inputs: has 26 inputs with the tag's; GitHub allows at most 25"},
		{"wait without workflow", map[string]string{"INPUT_WAIT": "true"}, "input wait: needs workflow"},
		{"date not a date", map[string]string{"INPUT_DATE": "2025-02-30"}, "input date: must be a date"},
		{"sha-length out of range", map[string]string{"INPUT_SHA-LENGTH": "3"}, "input sha-length: must be from 4 to 40"},
		{"prefix not a tag", map[string]string{"INPUT_PREFIX": "night ly"}, "input prefix: must make a valid tag name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := releaseWorld(t, "create-prerelease").with(map[string]string{"INPUT_ASSETS": "dist/**"}).with(tt.vars)
			w.assets()
			o := w.run()
			assert.Equal(t, 1, o.code)
			assert.Empty(t, o.requests, "bad input is caught before any request")
			assert.Contains(t, o.stdout, "::error::"+tt.want)
		})
	}
}

func manyInputs(n int) string {
	inputs := map[string]string{}
	for i := range n {
		inputs[fmt.Sprintf("in%d", i)] = "x"
	}
	b, _ := json.Marshal(inputs)
	return string(b)
}

// Two nightlies of the same day: the one at the later commit is the newest,
// whatever the API order.
func TestNightlyTagSameDayOrderedByCommit(t *testing.T) {
	const early, late = "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222"
	w := releaseWorld(t, "nightly-tag").with(map[string]string{"INPUT_SKIP-UNCHANGED": "true", "INPUT_SHA": late})
	w.srv.SetTag(orchestrator, "nightly-20251116-2222222", late)
	w.srv.SetTag(orchestrator, "nightly-20251116-1111111", early)
	w.srv.SetCommitDate(orchestrator, early, time.Date(2025, 11, 16, 20, 0, 0, 0, time.UTC))
	w.srv.SetCommitDate(orchestrator, late, time.Date(2025, 11, 16, 21, 0, 0, 0, time.UTC))
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Equal(t, "false", o.outputs["changed"], "the later commit's nightly is the newest, and it is this commit")
	assert.Equal(t, "nightly-20251116-2222222", o.outputs["previous-tag"])
}

func workflowWorld(t *testing.T, vars map[string]string, opts ...githubtest.Option) *world {
	t.Helper()
	w := releaseWorld(t, "create-prerelease", opts...).with(map[string]string{
		"INPUT_WORKFLOW":        "prerelease.yml",
		"INPUT_WORKFLOW-INPUTS": `{"channel": "nightly"}`,
	}).with(vars)
	w.srv.SetTag(orchestrator, todayTag, pushSHA)
	return w
}

func TestCreatePrereleaseViaWorkflow(t *testing.T) {
	w := workflowWorld(t, nil)
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	require.Len(t, w.srv.WorkflowDispatches(), 1)
	d := w.srv.WorkflowDispatches()[0]
	assert.Equal(t, "prerelease.yml", d.Workflow)
	assert.Equal(t, "refs/heads/main", d.Ref, "the triggering branch")
	assert.Equal(t, map[string]any{"version": todayTag, "channel": "nightly"}, d.Inputs)
	assert.True(t, d.ReturnRunDetails)
	require.Len(t, o.requests, 1, "one request")
	runs := w.srv.Runs(orchestrator)
	require.Len(t, runs, 1)
	assert.Equal(t, fmt.Sprint(runs[0].ID), o.outputs["run-id"])
	assert.Contains(t, o.outputs["run-url"], fmt.Sprintf("/actions/runs/%d", runs[0].ID))
	assert.Empty(t, w.srv.Releases(orchestrator), "the workflow makes the release, not this step")
}

func TestCreatePrereleaseViaWorkflowOnOldGHES(t *testing.T) {
	for _, status := range []int{400, 422} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			w := workflowWorld(t, map[string]string{"INPUT_API-URL": "https://ghes.example.com/api/v3", "INPUT_TAG-INPUT": "tag"}, githubtest.WithoutRunDetails(status))
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)
			require.Len(t, o.requests, 2, "once with return_run_details, once without")
			assert.Contains(t, string(o.requests[0].Body), "return_run_details")
			assert.NotContains(t, string(o.requests[1].Body), "return_run_details")
			require.Len(t, w.srv.WorkflowDispatches(), 1)
			assert.Equal(t, todayTag, w.srv.WorkflowDispatches()[0].Inputs["tag"])
			assert.NotContains(t, o.outputs, "run-id", "the server did not say")
		})
	}
}

func TestCreatePrereleaseWaits(t *testing.T) {
	queued := githubtest.RunStep{Status: "queued"}
	running := githubtest.RunStep{Status: "in_progress"}
	tests := []struct {
		name           string
		steps          []githubtest.RunStep
		timeout        string
		wantCode       int
		wantConclusion string
		wantError      string
	}{
		{"success", []githubtest.RunStep{queued, queued, running, running, {Status: "completed", Conclusion: "success"}}, "30m", 0, "success", ""},
		{"failure fails the step", []githubtest.RunStep{running, {Status: "completed", Conclusion: "failure"}}, "30m", 1, "", "concluded failure: see https://github.com/BTCDecoded/bllvm/actions/runs/"},
		{"timeout names the run", []githubtest.RunStep{running}, "2m", 1, "", "is still in_progress after 2m0s: see https://github.com/BTCDecoded/bllvm/actions/runs/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := workflowWorld(t, map[string]string{"INPUT_WAIT": "true", "INPUT_WAIT-TIMEOUT": tt.timeout})
			w.srv.ScriptNextRuns(tt.steps...)
			o := w.run()
			require.Equal(t, tt.wantCode, o.code, o.stdout)
			if tt.wantError != "" {
				assert.Contains(t, errorLine(t, o.stdout), tt.wantError)
				return
			}
			assert.Equal(t, tt.wantConclusion, o.outputs["conclusion"])
			assert.Positive(t, w.srv.NotModified(), "unchanged polls are 304s")
			for i := 1; i < len(o.sleeps); i++ {
				assert.GreaterOrEqual(t, o.sleeps[i], o.sleeps[i-1], "intervals grow")
			}
		})
	}
}

// TestCreatePrereleasePrunesSuffixesInOrder: nightlies of one day and
// commit made in the same second are ordered by suffix, -10 after -9 after
// -2 after the unsuffixed name, whatever their ids.
func TestCreatePrereleasePrunesSuffixesInOrder(t *testing.T) {
	w := releaseWorld(t, "create-prerelease").with(map[string]string{"INPUT_KEEP": "2", "INPUT_GENERATE-NOTES": "false"})
	// Added newest first, so that their ids run the other way.
	for _, tag := range []string{"nightly-20251116-aaaaaaa-10", "nightly-20251116-aaaaaaa-9", "nightly-20251116-aaaaaaa-2", "nightly-20251116-aaaaaaa"} {
		w.srv.SetTag(orchestrator, tag, olderSHA)
		w.srv.AddRelease(orchestrator, githubtest.Release{TagName: tag, Prerelease: true})
	}
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	var pruned []string
	require.NoError(t, json.Unmarshal([]byte(o.outputs["pruned"]), &pruned))
	assert.ElementsMatch(t, []string{"nightly-20251116-aaaaaaa-9", "nightly-20251116-aaaaaaa-2", "nightly-20251116-aaaaaaa"}, pruned, "kept: this one and -10")
}

// An asset the release already holds that this run does not attach (a
// draft an earlier attempt left with one more file) is published listed:
// in SHA256SUMS with GitHub's digest and in the assets output. One whose
// digest GitHub does not give cannot be listed, and is an error naming it.
func TestCreatePrereleaseListsAssetsAlreadyThere(t *testing.T) {
	w := releaseWorld(t, "create-prerelease").with(map[string]string{"INPUT_ASSETS": "dist/*.tar.gz", "INPUT_CHECKSUMS": "SHA256SUMS"})
	digests := w.assets()
	delete(digests, "SHA256SUMS")
	draft := w.srv.AddRelease(orchestrator, githubtest.Release{TagName: todayTag, Draft: true, Prerelease: true, MakeLatest: "false", TargetCommitish: pushSHA})
	extra := w.srv.AddAssetContent(orchestrator, draft.ID, "bllvm-notes.txt", strings.NewReader("left by an earlier attempt\n"))

	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	rel, _ := w.releaseOf(todayTag)
	sums, ok := w.srv.AssetContent(orchestrator, rel.ID, "SHA256SUMS")
	require.True(t, ok)
	assert.Contains(t, string(sums), strings.TrimPrefix(extra.Digest, "sha256:")+"  bllvm-notes.txt\n", "sha256sum -c checks it too")
	for name, d := range digests {
		assert.Contains(t, string(sums), strings.TrimPrefix(d, "sha256:")+"  "+name+"\n")
	}
	var assets []struct{ Name string }
	require.NoError(t, json.Unmarshal([]byte(o.outputs["assets"]), &assets))
	var names []string
	for _, a := range assets {
		names = append(names, a.Name)
	}
	assert.ElementsMatch(t, []string{"bllvm-linux-x64.tar.gz", "bllvm-darwin-arm.tar.gz", "bllvm-notes.txt", "SHA256SUMS"}, names)

	t.Run("without a digest", func(t *testing.T) {
		w := releaseWorld(t, "create-prerelease").with(map[string]string{"INPUT_ASSETS": "dist/*.tar.gz", "INPUT_CHECKSUMS": "SHA256SUMS"})
		w.assets()
		draft := w.srv.AddRelease(orchestrator, githubtest.Release{TagName: todayTag, Draft: true, Prerelease: true, MakeLatest: "false", TargetCommitish: pushSHA})
		w.srv.AddAsset(orchestrator, draft.ID, githubtest.Asset{Name: "old.bin", State: "uploaded", Size: 3, ContentType: "application/octet-stream"})
		o := w.run()
		require.Equal(t, 1, o.code, o.stdout)
		assert.Contains(t, errorLine(t, o.stdout), "it holds old.bin, which this run does not attach, and GitHub gives no SHA-256 of it")
		rel, _ := w.releaseOf(todayTag)
		assert.True(t, rel.Draft, "nothing published unlisted")
	})
}
