package app

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
)

const (
	yesterdayOfPush = "nightly-20251116-6113728" // pushSHA, the day before the test clock's
	olderNightly    = "nightly-20251110-fffffff" // a week ago, made before manifests
)

var (
	// snapshotA is what plan pinned for tonight: every head.
	snapshotA = wantManifest(heads, allComponents)
	// snapshotB is another snapshot of the same orchestrator commit: node
	// moved on (a dispatch from bllvm-node re-ran the pipeline).
	snapshotB = wantManifest(moved(heads, map[string]string{"node": releaseHead}), []string{"node", "sdk", "governance", "bllvm"})
)

// snapshotWorld is the orchestrator's nightly-tag step with the manifest
// from plan, as the trigger-prerelease job runs it, and a week-old nightly
// made before manifests were recorded.
func snapshotWorld(t testing.TB, snapshot string) *world {
	t.Helper()
	w := releaseWorld(t, "nightly-tag").with(map[string]string{
		"INPUT_PUSH-TAG":       "true",
		"INPUT_SKIP-UNCHANGED": "true",
		"INPUT_MANIFEST":       snapshot,
	})
	w.srv.SetTag(orchestrator, olderNightly, olderSHA)
	// Published: a nightly without a release is never the previous one.
	publishNightly(w, olderNightly)
	return w
}

// step runs the program as a new step of the job: with its own output
// file, so that an output the step does not set is not read from an
// earlier one.
func (w *world) step() outcome {
	w.t.Helper()
	w.vars["GITHUB_OUTPUT"] = filepath.Join(w.t.TempDir(), "output")
	return w.run()
}

// tagMessage is the message of an annotated nightly holding snapshot,
// written by hand as an earlier version of the action or a person with git
// would: the manifest on its trailer line is what counts.
func tagMessage(tag, snapshot string) string {
	return tag + ": " + orchestrator + " at " + pushSHA + "\n\nRelease-Action-Manifest: " + snapshot + "\n"
}

// publishNightly plants the published prerelease of a nightly, as
// create-prerelease leaves it.
func publishNightly(w *world, tag string) {
	w.srv.AddRelease(orchestrator, githubtest.Release{TagName: tag, Prerelease: true, TargetCommitish: pushSHA})
}

func changedComponents(t *testing.T, o outcome) []string {
	t.Helper()
	var names []string
	require.NoError(t, json.Unmarshal([]byte(o.outputs["changed-components"]), &names), o.outputs["changed-components"])
	return names
}

// One night of the pipeline, step after step in one repository: each row
// runs nightly-tag once more, after its setup.
func TestNightlySnapshotLifecycle(t *testing.T) {
	steps := []struct {
		name        string
		setup       func(w *world)
		snapshot    string
		want        map[string]string
		wantChanged []string
		wantWrites  int
	}{
		{
			name:        "first nightly: the annotated tag is created",
			snapshot:    snapshotA,
			want:        map[string]string{"tag": todayTag, "created": "true", "changed": "true", "previous-tag": olderNightly, "manifest": snapshotA},
			wantChanged: allComponents,
			wantWrites:  2, // the tag object, then its ref
		},
		{
			name:        "rerun before publishing: the same tag, still to publish",
			snapshot:    snapshotA,
			want:        map[string]string{"tag": todayTag, "created": "false", "changed": "true", "previous-tag": olderNightly, "manifest": snapshotA},
			wantChanged: allComponents,
		},
		{
			name: "rerun once published: nothing to do",
			setup: func(w *world) {
				publishNightly(w, todayTag)
			},
			snapshot:    snapshotA,
			want:        map[string]string{"tag": todayTag, "created": "false", "changed": "false", "manifest": snapshotA},
			wantChanged: []string{},
		},
		{
			name:        "another snapshot of the same day and commit takes -2",
			snapshot:    snapshotB,
			want:        map[string]string{"tag": todayTag + "-2", "version": "20251117-6113728-2", "created": "true", "changed": "true", "previous-tag": todayTag, "manifest": snapshotB},
			wantChanged: []string{"node"},
			wantWrites:  2,
		},
		{
			// Not the newest nightly (-2 is), but its own tag is published.
			name:        "rerun of the first snapshot finds the name without suffix",
			snapshot:    snapshotA,
			want:        map[string]string{"tag": todayTag, "created": "false", "changed": "false", "previous-tag": olderNightly, "manifest": snapshotA},
			wantChanged: []string{},
		},
		{
			name: "the second snapshot published: nothing to do",
			setup: func(w *world) {
				publishNightly(w, todayTag+"-2")
			},
			snapshot:    snapshotB,
			want:        map[string]string{"tag": todayTag + "-2", "created": "false", "changed": "false", "previous-tag": todayTag, "manifest": snapshotB},
			wantChanged: []string{},
		},
	}
	w := snapshotWorld(t, snapshotA)
	for _, s := range steps {
		if s.setup != nil {
			s.setup(w)
		}
		w.vars["INPUT_MANIFEST"] = s.snapshot
		o := w.step()
		require.Equal(t, 0, o.code, "%s:\n%s", s.name, o.stdout)
		for k, v := range s.want {
			assert.Equal(t, v, o.outputs[k], "%s: output %s", s.name, k)
		}
		assert.Equal(t, s.wantChanged, changedComponents(t, o), s.name)
		assert.Equal(t, s.wantWrites, countMutating(o.requests), "%s: writes", s.name)
	}

	tags := w.srv.Tags(orchestrator)
	assert.Len(t, tags, 3, "yesterday's, tonight's and its -2; no other name was taken")
	for tag, snapshot := range map[string]string{todayTag: snapshotA, todayTag + "-2": snapshotB} {
		assert.Equal(t, pushSHA, tags[tag], "%s peels to the orchestrator's commit", tag)
		object, ok := w.srv.TagObject(orchestrator, tag)
		require.True(t, ok, "%s is annotated", tag)
		assert.Equal(t, pushSHA, object.Commit)
		assert.Contains(t, object.Message, snapshot, "%s records its manifest whole", tag)
		for _, c := range componentRepos {
			var m map[string]struct{ SHA string }
			require.NoError(t, json.Unmarshal([]byte(snapshot), &m))
			assert.Regexp(t, `(?m)^`+c.component+` +BTCDecoded/`+c.repository+` +`+m[c.component].SHA+` `, object.Message, "%s names %s's commit in its table", tag, c.component)
		}
	}
}

// What the newest existing nightly holds decides between a new tag, the
// existing one, and nothing to do.
func TestNightlySnapshotAgainstTheNewestNightly(t *testing.T) {
	published := githubtest.Release{TagName: yesterdayOfPush, Prerelease: true, TargetCommitish: pushSHA}
	tests := []struct {
		name        string
		setup       func(w *world)
		want        map[string]string
		wantChanged []string
	}{
		{
			name: "a lightweight nightly of this commit, made before manifests, is another snapshot",
			setup: func(w *world) {
				w.srv.SetTag(orchestrator, yesterdayOfPush, pushSHA)
				w.srv.AddRelease(orchestrator, published)
			},
			want:        map[string]string{"tag": todayTag, "created": "true", "changed": "true", "previous-tag": yesterdayOfPush},
			wantChanged: allComponents,
		},
		{
			name:        "a lightweight tag holding tonight's name: the snapshot takes -2",
			setup:       func(w *world) { w.srv.SetTag(orchestrator, todayTag, pushSHA) },
			want:        map[string]string{"tag": todayTag + "-2", "created": "true", "changed": "true", "previous-tag": olderNightly},
			wantChanged: allComponents,
		},
		{
			name: "yesterday's nightly holds this snapshot, published: nothing to do, under its name",
			setup: func(w *world) {
				w.srv.SetAnnotatedTag(orchestrator, yesterdayOfPush, pushSHA, tagMessage(yesterdayOfPush, snapshotA))
				w.srv.AddRelease(orchestrator, published)
			},
			want:        map[string]string{"tag": yesterdayOfPush, "date": "20251116", "created": "false", "changed": "false", "previous-tag": olderNightly},
			wantChanged: []string{},
		},
		{
			name: "yesterday's nightly holds this snapshot, its release a draft: publish it",
			setup: func(w *world) {
				w.srv.SetAnnotatedTag(orchestrator, yesterdayOfPush, pushSHA, tagMessage(yesterdayOfPush, snapshotA))
				w.srv.AddRelease(orchestrator, githubtest.Release{TagName: yesterdayOfPush, Draft: true, Prerelease: true})
			},
			want:        map[string]string{"tag": yesterdayOfPush, "created": "false", "changed": "true"},
			wantChanged: allComponents,
		},
		{
			name: "yesterday's nightly holds this snapshot, left without a release by a failed run",
			setup: func(w *world) {
				w.srv.SetAnnotatedTag(orchestrator, yesterdayOfPush, pushSHA, tagMessage(yesterdayOfPush, snapshotA))
			},
			want:        map[string]string{"tag": yesterdayOfPush, "created": "false", "changed": "true"},
			wantChanged: allComponents,
		},
		{
			name: "yesterday's nightly holds another snapshot: only what moved changed",
			setup: func(w *world) {
				w.srv.SetAnnotatedTag(orchestrator, yesterdayOfPush, pushSHA, tagMessage(yesterdayOfPush, snapshotB))
				w.srv.AddRelease(orchestrator, published)
			},
			want:        map[string]string{"tag": todayTag, "created": "true", "changed": "true", "previous-tag": yesterdayOfPush},
			wantChanged: []string{"node"},
		},
		{
			name: "an annotated nightly without a manifest is another snapshot",
			setup: func(w *world) {
				w.srv.SetAnnotatedTag(orchestrator, yesterdayOfPush, pushSHA, "Nightly, tagged by hand.\n")
				w.srv.AddRelease(orchestrator, published)
			},
			want:        map[string]string{"tag": todayTag, "created": "true", "changed": "true", "previous-tag": yesterdayOfPush},
			wantChanged: allComponents,
		},
		{
			name: "an annotated nightly whose manifest does not parse is another snapshot",
			setup: func(w *world) {
				w.srv.SetAnnotatedTag(orchestrator, yesterdayOfPush, pushSHA, tagMessage(yesterdayOfPush, `{"consensus":`))
				w.srv.AddRelease(orchestrator, published)
			},
			want:        map[string]string{"tag": todayTag, "created": "true", "changed": "true", "previous-tag": yesterdayOfPush},
			wantChanged: allComponents,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := snapshotWorld(t, snapshotA)
			tt.setup(w)
			o := w.step()
			require.Equal(t, 0, o.code, o.stdout)
			for k, v := range tt.want {
				assert.Equal(t, v, o.outputs[k], "output %s", k)
			}
			assert.Equal(t, snapshotA, o.outputs["manifest"])
			assert.Equal(t, tt.wantChanged, changedComponents(t, o))
			if o.outputs["created"] == "true" {
				object, ok := w.srv.TagObject(orchestrator, o.outputs["tag"])
				require.True(t, ok, "the snapshot's tag is annotated")
				assert.Contains(t, object.Message, snapshotA)
			} else {
				assert.Equal(t, 0, countMutating(o.requests), "an existing snapshot is never tagged again")
			}
		})
	}
}

// Two runs tag snapshots of the same day and commit at once: this run's
// listing was taken before the other run's tag appeared, so its create is
// refused, and the name is read to tell which snapshot took it.
func TestNightlySnapshotRace(t *testing.T) {
	const listing = "/repos/BTCDecoded/bllvm/git/matching-refs/tags/nightly-"
	older, err := json.Marshal([]map[string]any{{
		"ref": "refs/tags/" + olderNightly, "node_id": "REF_older", "url": "https://api.github.com/repos/BTCDecoded/bllvm/git/refs/tags/" + olderNightly,
		"object": map[string]string{"type": "commit", "sha": olderSHA, "url": "https://api.github.com/repos/BTCDecoded/bllvm/git/commits/" + olderSHA},
	}})
	require.NoError(t, err)
	olderListing := string(older)
	tests := []struct {
		name        string
		other       string // the snapshot the other run tagged under tonight's name
		wantTag     string
		wantCreated string
		// The create, refused, costs a read of the ref and of its tag
		// object beyond the budget of a run without a race.
		maxRequests int
	}{
		{"the other run tagged another snapshot: this one takes -2", snapshotB, todayTag + "-2", "true", 8},
		{"the other run tagged this snapshot: its tag is this run's", snapshotA, todayTag, "false", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := snapshotWorld(t, snapshotA)
			otherObject := w.srv.SetAnnotatedTag(orchestrator, todayTag, pushSHA, tagMessage(todayTag, tt.other))
			// The listing shows the older nightly, not tonight's name.
			w.srv.Fail("GET", listing, githubtest.Response{Status: 200, Body: olderListing})
			o := w.step()
			require.Equal(t, 0, o.code, o.stdout)
			assert.Equal(t, tt.wantTag, o.outputs["tag"])
			assert.Equal(t, tt.wantCreated, o.outputs["created"])
			assert.Equal(t, "true", o.outputs["changed"])
			assert.LessOrEqual(t, len(o.requests), tt.maxRequests)

			object, ok := w.srv.TagObject(orchestrator, todayTag)
			require.True(t, ok)
			assert.Equal(t, otherObject, object.SHA, "the other run's tag is never moved")
			object, ok = w.srv.TagObject(orchestrator, tt.wantTag)
			require.True(t, ok)
			assert.Contains(t, object.Message, snapshotA)
		})
	}
}

func TestNightlySnapshotBadManifestSendsNothing(t *testing.T) {
	tests := []struct {
		name     string
		snapshot string
		want     string
	}{
		{"not JSON", `{"consensus": {"repository": "BTCDecoded/bllvm-consensus",`, "input manifest: must be a JSON object; the text ends too early"},
		{"an array", `[]`, "input manifest: must be a JSON object mapping each component"},
		{"empty object", `{}`, "input manifest: must name at least one component"},
		{"short sha", `{"consensus": {"repository": "BTCDecoded/bllvm-consensus", "sha": "a1a1a1a", "rebuilt": true}}`, "input manifest: sha of component consensus must be a full commit id"},
		{"unknown key", `{"consensus": {"repository": "BTCDecoded/bllvm-consensus", "sha": "` + heads["consensus"] + `", "branch": "main"}}`, `input manifest: component consensus has unknown key "branch"`},
		{"no repository", `{"consensus": {"sha": "` + heads["consensus"] + `"}}`, "input manifest: component consensus has no repository"},
		{"component name carrying a workflow command", `{"x\n::warning::pwned": {}}`, `input manifest: component name "x\n::warning::pwned" must match`},
		{"two objects", snapshotA + snapshotA, "input manifest: must hold one JSON object and nothing after it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := snapshotWorld(t, tt.snapshot)
			o := w.step()
			assert.Equal(t, 1, o.code)
			assert.Zero(t, len(o.requests), "the manifest is checked before any request")
			assert.Empty(t, o.outputs)
			line := errorLine(t, o.stdout)
			assert.Contains(t, line, tt.want)
			for _, command := range commandLines(o.stdout) {
				ok := strings.HasPrefix(command, "::add-mask::") || command == line
				assert.True(t, ok, "only the mask and the one error are commands; got %q", command)
			}
		})
	}
}

// The request budget the README quotes: at most 6 + D requests when the
// tag is created (list, the newest's tag object, a compare for each of the
// D components whose commit differs from the newest's, the tag object, the
// ref, the releases page that tells the previous published nightly, and a
// read when one day holds nightlies of two orchestrator commits), at most
// 4 when the snapshot is skipped (list, the tag object, the release, the
// releases page). Here D is 1.
func TestNightlySnapshotRequestBudget(t *testing.T) {
	const early, late = "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222"
	snapshotC := wantManifest(moved(heads, map[string]string{"sdk": releaseHead}), []string{"sdk", "governance"})
	// twoCommitsYesterday leaves nightlies of two orchestrator commits on
	// the newest day, the tie that costs commit reads.
	twoCommitsYesterday := func(w *world, atPush string) {
		w.srv.SetCommitDate(orchestrator, early, mustTime(t, "2025-11-16T20:00:00Z"))
		w.srv.SetCommitDate(orchestrator, pushSHA, mustTime(t, "2025-11-16T21:00:00Z"))
		w.srv.SetAnnotatedTag(orchestrator, "nightly-20251116-1111111", early, tagMessage("nightly-20251116-1111111", snapshotC))
		w.srv.SetAnnotatedTag(orchestrator, yesterdayOfPush, pushSHA, tagMessage(yesterdayOfPush, atPush))
		publishNightly(w, yesterdayOfPush)
	}
	tests := []struct {
		name        string
		setup       func(w *world)
		wantCreated bool // else skipped
		budget      int
	}{
		{"create: the first nightly with a manifest", func(*world) {}, true, 6},
		{"create: the newest nightly records another snapshot", func(w *world) {
			w.srv.SetAnnotatedTag(orchestrator, yesterdayOfPush, pushSHA, tagMessage(yesterdayOfPush, snapshotB))
		}, true, 7},
		{"create: -2", func(w *world) {
			w.srv.SetAnnotatedTag(orchestrator, todayTag, pushSHA, tagMessage(todayTag, snapshotB))
		}, true, 7},
		{"create: -3", func(w *world) {
			w.srv.SetAnnotatedTag(orchestrator, todayTag, pushSHA, tagMessage(todayTag, snapshotB))
			w.srv.SetAnnotatedTag(orchestrator, todayTag+"-2", pushSHA, tagMessage(todayTag+"-2", snapshotC))
		}, true, 7},
		{"create: the newest day holds nightlies of two orchestrator commits", func(w *world) {
			twoCommitsYesterday(w, snapshotB)
		}, true, 7},
		{"skip: the newest nightly holds the snapshot, published", func(w *world) {
			w.srv.SetAnnotatedTag(orchestrator, yesterdayOfPush, pushSHA, tagMessage(yesterdayOfPush, snapshotA))
			publishNightly(w, yesterdayOfPush)
		}, false, 4},
		// A rerun of an older snapshot also reads the newest nightly's tag
		// object before its own: one more.
		{"skip: its own tag is published, a -2 of another snapshot is newer", func(w *world) {
			w.srv.SetAnnotatedTag(orchestrator, todayTag, pushSHA, tagMessage(todayTag, snapshotA))
			w.srv.SetAnnotatedTag(orchestrator, todayTag+"-2", pushSHA, tagMessage(todayTag+"-2", snapshotB))
			publishNightly(w, todayTag)
		}, false, 5},
		// Telling which of two orchestrator commits' nightlies is newest
		// reads both tag objects (their tagger dates): one more.
		{"skip: the newest day holds nightlies of two orchestrator commits", func(w *world) {
			twoCommitsYesterday(w, snapshotA)
		}, false, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := snapshotWorld(t, snapshotA)
			tt.setup(w)
			o := w.step()
			require.Equal(t, 0, o.code, o.stdout)
			if tt.wantCreated {
				require.Equal(t, "true", o.outputs["created"])
				assert.Equal(t, 2, countMutating(o.requests), "the tag object and its ref")
			} else {
				require.Equal(t, "false", o.outputs["changed"])
				assert.Equal(t, 0, countMutating(o.requests))
			}
			var sent []string
			for _, r := range o.requests {
				sent = append(sent, r.Method+" "+r.Path)
			}
			assert.LessOrEqual(t, len(o.requests), tt.budget, "requests sent:\n%s", strings.Join(sent, "\n"))
		})
	}
}

// TestNightlySnapshotOrdersADayByTaggingTime: the nightlies of one day at
// two orchestrator commits are ordered by when they were tagged (the tag
// objects read for their manifests anyway), not by name.
func TestNightlySnapshotOrdersADayByTaggingTime(t *testing.T) {
	const laterTagged = "nightly-20251116-1111111"
	w := snapshotWorld(t, snapshotA)
	w.srv.SetCommitDate(orchestrator, "1111111111111111111111111111111111111111", mustTime(t, "2025-11-16T20:00:00Z"))
	w.srv.SetAnnotatedTag(orchestrator, yesterdayOfPush, pushSHA, tagMessage(yesterdayOfPush, snapshotB))
	w.clock.Advance(time.Hour)
	w.srv.SetAnnotatedTag(orchestrator, laterTagged, "1111111111111111111111111111111111111111", tagMessage(laterTagged, snapshotB))
	publishNightly(w, yesterdayOfPush)
	publishNightly(w, laterTagged)
	o := w.step()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Equal(t, laterTagged, o.outputs["previous-tag"], "tagged an hour later, though its name sorts first")
	for _, r := range o.requests {
		assert.NotContains(t, r.Path, "/commits/", "no commit is read: the tag objects tell")
	}
}

// Tag only forward: a snapshot that the newest nightly holds, or holds
// something newer of, is superseded and not tagged; one that is behind in
// one component and ahead in another is refused. One compare per
// component whose commit differs from the newest nightly's.
func TestNightlyTagOnlyForward(t *testing.T) {
	const newer = "f00d000000000000000000000000000000000001"
	tests := []struct {
		name           string
		snapshot       map[string]string
		wantSuperseded bool
		wantErr        string
		maxRequests    int
	}{
		{"behind in node, equal elsewhere: superseded", moved(heads, map[string]string{"node": nodeOnMain}), true, "", 3 + 1},
		{"behind in node, ahead in consensus: refused", moved(heads, map[string]string{"node": nodeOnMain, "consensus": newer}), false,
			"this snapshot is behind " + yesterdayOfPush + " in node and ahead of it in consensus: it can be tagged neither as the newest nightly nor as superseded; nothing is tagged, and the next run, planned against " + yesterdayOfPush + ", takes both", 3 + 2},
		{"ahead in consensus: tagged", moved(heads, map[string]string{"consensus": newer}), false, "", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := planWorld(t)
			w.srv.SetBranch(consensus, "main", newer)
			w.srv.AddCommit(orchestrator, pushSHA)
			w.srv.SetAnnotatedTag(orchestrator, yesterdayOfPush, pushSHA, tagMessage(yesterdayOfPush, wantManifest(heads, allComponents)))
			publishNightly(w, yesterdayOfPush)
			w.with(map[string]string{
				"INPUT_MODE": "nightly-tag", "INPUT_PUSH-TAG": "true", "INPUT_SKIP-UNCHANGED": "true",
				"INPUT_MANIFEST":    wantManifest(tt.snapshot, allComponents),
				"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": payload("push.json"),
			})
			o := w.step()
			assert.LessOrEqual(t, len(o.requests), tt.maxRequests)
			switch {
			case tt.wantErr != "":
				require.Equal(t, 1, o.code, o.stdout)
				assert.Contains(t, errorLine(t, o.stdout), tt.wantErr)
				assert.Equal(t, 0, countMutating(o.requests), "nothing is tagged")
			case tt.wantSuperseded:
				require.Equal(t, 0, o.code, o.stdout)
				assert.Equal(t, yesterdayOfPush, o.outputs["superseded-by"])
				assert.Equal(t, "false", o.outputs["created"])
				assert.Equal(t, "false", o.outputs["changed"])
				assert.Equal(t, 0, countMutating(o.requests), "nothing is tagged")
				assert.Contains(t, o.stdout, "::notice::"+yesterdayOfPush+" holds every component of this snapshot at the same commit or a newer one")
			default:
				require.Equal(t, 0, o.code, o.stdout)
				assert.Equal(t, "true", o.outputs["created"])
				assert.Equal(t, "", o.outputs["superseded-by"])
				assert.Equal(t, yesterdayOfPush, o.outputs["previous-tag"])
			}
		})
	}
}

// supersededWorld is nightly-tag with a snapshot behind the newest
// nightly in node alone: superseded after one compare.
func supersededWorld(tb testing.TB) *world {
	tb.Helper()
	w := planWorld(tb)
	w.srv.AddCommit(orchestrator, pushSHA)
	w.srv.SetAnnotatedTag(orchestrator, yesterdayOfPush, pushSHA, tagMessage(yesterdayOfPush, wantManifest(heads, allComponents)))
	publishNightly(w, yesterdayOfPush)
	return w.with(map[string]string{
		"INPUT_MODE": "nightly-tag", "INPUT_PUSH-TAG": "true", "INPUT_SKIP-UNCHANGED": "true",
		"INPUT_MANIFEST":    wantManifest(moved(heads, map[string]string{"node": nodeOnMain}), allComponents),
		"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": payload("push.json"),
	})
}
