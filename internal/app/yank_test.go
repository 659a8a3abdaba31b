package app

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
)

const (
	yankedNightly = "nightly-20251116-6113728"
	yankReason    = "miscompiles script checks: use nightly-20251115-6113728"
)

// yankNotes are the notes of the nightly yank tests withdraw, as
// create-prerelease leaves them: the table, the complete marker and the
// manifest line.
var yankNotes = "### What this nightly holds\n\n| component | commit |\n|---|---|\n| consensus | 6113728 |\n\n" +
	nightly.CompleteMarker(strings.Repeat("a", 40)) + "\n" + nightly.ManifestMarker(mustManifest(wantManifest(heads, allComponents))) + "\n"

func mustManifest(text string) manifest.Manifest {
	m, err := manifest.Parse("manifest", text)
	if err != nil {
		panic(err)
	}
	return m
}

// yankWorld is a yank step in the orchestrator, which holds, oldest
// first: v0.1.0; v0.1.5, yanked already; v0.2.0, the latest release;
// v0.3.0-rc1, a prerelease; the nightly, with two assets; and a draft of
// v0.3.0. It returns the releases by tag.
func yankWorld(tb testing.TB) (*world, map[string]githubtest.Release) {
	tb.Helper()
	w := releaseWorld(tb, "yank").with(map[string]string{"INPUT_TAG": yankedNightly, "INPUT_REASON": yankReason})
	day := func(d string) time.Time {
		at, err := time.Parse(time.DateOnly, d)
		require.NoError(tb, err)
		return at
	}
	planted := map[string]githubtest.Release{}
	for _, r := range []githubtest.Release{
		{TagName: "v0.1.0", Name: "v0.1.0", Body: "The first release.", CreatedAt: day("2025-10-01")},
		{TagName: "v0.1.5", Name: "Yanked: v0.1.5", Body: nightly.YankedBody("Fixes.", "lost data"), CreatedAt: day("2025-10-15"), MakeLatest: "false"},
		{TagName: "v0.2.0", Name: "BTCDecoded 0.2", Body: "The second release.", CreatedAt: day("2025-11-01"), MakeLatest: "true"},
		{TagName: "v0.3.0-rc1", Name: "v0.3.0-rc1", Body: "A candidate.", CreatedAt: day("2025-11-10"), Prerelease: true},
		{TagName: yankedNightly, Name: yankedNightly, Body: yankNotes, CreatedAt: day("2025-11-16"), Prerelease: true, TargetCommitish: pushSHA, Assets: []githubtest.Asset{
			{Name: "bllvm-base-x86_64-unknown-linux-gnu.tar.gz", Size: 1 << 20, Digest: "sha256:" + strings.Repeat("1", 64)},
			{Name: "SHA256SUMS", Size: 120, Digest: "sha256:" + strings.Repeat("2", 64)},
		}},
		{TagName: "v0.3.0", Name: "v0.3.0", Body: "Not yet.", CreatedAt: day("2025-11-16"), Draft: true},
	} {
		if !r.Draft {
			w.srv.SetTag(orchestrator, r.TagName, pushSHA)
		}
		planted[r.TagName] = w.srv.AddRelease(orchestrator, r)
	}
	return w, planted
}

// releaseNow is the release of tag as the fake holds it now.
func releaseNow(t *testing.T, w *world, tag string) githubtest.Release {
	t.Helper()
	for _, r := range w.srv.Releases(orchestrator) {
		if r.TagName == tag {
			return r
		}
	}
	t.Fatalf("no release %s", tag)
	return githubtest.Release{}
}

// routes are the requests as "METHOD path".
func routes(requests []githubtest.Request) []string {
	var out []string
	for _, r := range requests {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func TestYank(t *testing.T) {
	releasePath := func(id int64) string { return "/repos/" + orchestrator + "/releases/" + strconv.FormatInt(id, 10) }
	tests := []struct {
		name   string
		vars   map[string]string
		before []map[string]string // earlier runs, each with these inputs over the row's
		// fault, when set, fails the first PATCH of the release of that tag.
		fault      string
		tag        string
		wantBody   func(notes string) string
		wantTitle  func(title string) string
		wantYanked string
		// wantRoutes are the requests of the (last) run; {id:tag} stands
		// for the id of tag's release.
		wantRoutes []string
		wantLatest string
		wantNotice string
	}{
		{
			name: "a nightly: the yank heads its notes and title, its assets stay",
			tag:  yankedNightly,
			wantBody: func(notes string) string {
				return "<!-- release-action: yanked {\"reason\":\"" + yankReason + "\"} -->\n**Yanked:** " + yankReason + "\n\n" + notes
			},
			wantTitle:  func(title string) string { return "Yanked: " + title },
			wantYanked: "true",
			wantRoutes: []string{"GET /repos/BTCDecoded/bllvm/releases/tags/" + yankedNightly, "PATCH {id:" + yankedNightly + "}"},
			wantLatest: "v0.2.0",
		},
		{
			name:       "yanked again for the same reason: nothing is written",
			tag:        yankedNightly,
			before:     []map[string]string{nil},
			wantBody:   func(notes string) string { return nightly.YankedBody(notes, yankReason) },
			wantTitle:  func(title string) string { return "Yanked: " + title },
			wantYanked: "true",
			wantRoutes: []string{"GET /repos/BTCDecoded/bllvm/releases/tags/" + yankedNightly},
			wantLatest: "v0.2.0",
		},
		{
			name:       "yanked again for another reason: the line is replaced",
			tag:        yankedNightly,
			vars:       map[string]string{"INPUT_REASON": "the tests were red"},
			before:     []map[string]string{{"INPUT_REASON": yankReason}},
			wantBody:   func(notes string) string { return nightly.YankedBody(notes, "the tests were red") },
			wantTitle:  func(title string) string { return "Yanked: " + title },
			wantYanked: "true",
			wantRoutes: []string{"GET /repos/BTCDecoded/bllvm/releases/tags/" + yankedNightly, "PATCH {id:" + yankedNightly + "}"},
			wantLatest: "v0.2.0",
		},
		{
			name:       "undo: notes and title as they were, byte for byte",
			tag:        yankedNightly,
			vars:       map[string]string{"INPUT_UNDO": "true", "INPUT_REASON": ""},
			before:     []map[string]string{{"INPUT_UNDO": "false", "INPUT_REASON": yankReason}, {"INPUT_UNDO": "false", "INPUT_REASON": "another"}},
			wantBody:   func(notes string) string { return notes },
			wantTitle:  func(title string) string { return title },
			wantYanked: "false",
			wantRoutes: []string{"GET /repos/BTCDecoded/bllvm/releases/tags/" + yankedNightly, "PATCH {id:" + yankedNightly + "}"},
			wantLatest: "v0.2.0",
		},
		{
			name:       "undo of a release not yanked: nothing is written",
			tag:        yankedNightly,
			vars:       map[string]string{"INPUT_UNDO": "true"},
			wantBody:   func(notes string) string { return notes },
			wantTitle:  func(title string) string { return title },
			wantYanked: "false",
			wantRoutes: []string{"GET /repos/BTCDecoded/bllvm/releases/tags/" + yankedNightly},
			wantLatest: "v0.2.0",
		},
		{
			name:       "the latest release: the latest moves to the newest other full release that is not yanked",
			tag:        "v0.2.0",
			vars:       map[string]string{"INPUT_TAG": "v0.2.0"},
			wantBody:   func(notes string) string { return nightly.YankedBody(notes, yankReason) },
			wantTitle:  func(title string) string { return "Yanked: " + title },
			wantYanked: "true",
			wantRoutes: []string{
				"GET /repos/BTCDecoded/bllvm/releases/tags/v0.2.0", "GET /repos/BTCDecoded/bllvm/releases/latest", "GET /repos/BTCDecoded/bllvm/releases",
				"PATCH {id:v0.2.0}", "PATCH {id:v0.1.0}",
			},
			wantLatest: "v0.1.0",
		},
		{
			name:       "the latest release, rerun after the latest could not be moved: only the move is sent",
			tag:        "v0.2.0",
			vars:       map[string]string{"INPUT_TAG": "v0.2.0"},
			before:     []map[string]string{nil},
			fault:      "v0.1.0",
			wantBody:   func(notes string) string { return nightly.YankedBody(notes, yankReason) },
			wantTitle:  func(title string) string { return "Yanked: " + title },
			wantYanked: "true",
			wantRoutes: []string{
				"GET /repos/BTCDecoded/bllvm/releases/tags/v0.2.0", "GET /repos/BTCDecoded/bllvm/releases/latest", "GET /repos/BTCDecoded/bllvm/releases",
				"PATCH {id:v0.1.0}",
			},
			wantLatest: "v0.1.0",
		},
		{
			name:       "a full release that is not the latest: the latest stays",
			tag:        "v0.1.0",
			vars:       map[string]string{"INPUT_TAG": "v0.1.0"},
			wantBody:   func(notes string) string { return nightly.YankedBody(notes, yankReason) },
			wantTitle:  func(title string) string { return "Yanked: " + title },
			wantYanked: "true",
			wantRoutes: []string{"GET /repos/BTCDecoded/bllvm/releases/tags/v0.1.0", "GET /repos/BTCDecoded/bllvm/releases/latest", "PATCH {id:v0.1.0}"},
			wantLatest: "v0.2.0",
		},
		{
			name:       "the last full release not yanked: it stays the latest, and a notice says so",
			tag:        "v0.2.0",
			vars:       map[string]string{"INPUT_TAG": "v0.2.0"},
			before:     []map[string]string{{"INPUT_TAG": "v0.1.0"}},
			wantBody:   func(notes string) string { return nightly.YankedBody(notes, yankReason) },
			wantTitle:  func(title string) string { return "Yanked: " + title },
			wantYanked: "true",
			wantRoutes: []string{
				"GET /repos/BTCDecoded/bllvm/releases/tags/v0.2.0", "GET /repos/BTCDecoded/bllvm/releases/latest", "GET /repos/BTCDecoded/bllvm/releases",
				"PATCH {id:v0.2.0}",
			},
			wantLatest: "v0.2.0",
			wantNotice: "v0.2.0 stays the repository's latest release: there is no other published full release that is not yanked",
		},
		{
			name:       "undo of a full release: the latest is not moved back",
			tag:        "v0.2.0",
			vars:       map[string]string{"INPUT_TAG": "v0.2.0", "INPUT_UNDO": "true"},
			before:     []map[string]string{{"INPUT_UNDO": "false"}},
			wantBody:   func(notes string) string { return notes },
			wantTitle:  func(title string) string { return title },
			wantYanked: "false",
			wantRoutes: []string{"GET /repos/BTCDecoded/bllvm/releases/tags/v0.2.0", "PATCH {id:v0.2.0}"},
			wantLatest: "v0.1.0",
			wantNotice: "v0.2.0 is not made the repository's latest release again by undo",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, planted := yankWorld(t)
			rows := map[string]string{}
			for k, v := range tt.vars {
				rows[k] = v
			}
			if tt.fault != "" {
				w.srv.Fail("PATCH", releasePath(planted[tt.fault].ID), githubtest.NotAccessible())
			}
			for _, vars := range tt.before {
				w.with(rows).with(vars)
				o := w.run()
				require.Equal(t, tt.fault == "", o.code == 0, "the run before:\n%s", o.stdout)
			}
			w.with(rows)
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)

			var want []string
			for _, route := range tt.wantRoutes {
				for tag, rel := range planted {
					route = strings.ReplaceAll(route, "PATCH {id:"+tag+"}", "PATCH "+releasePath(rel.ID))
				}
				want = append(want, route)
			}
			assert.Equal(t, want, routes(o.requests))

			before := planted[tt.tag]
			after := releaseNow(t, w, tt.tag)
			assert.Equal(t, tt.wantBody(before.Body), after.Body)
			assert.Equal(t, tt.wantTitle(before.Name), after.Name)
			assert.Equal(t, before.Assets, after.Assets, "the assets stay as they were")
			assert.False(t, after.Draft)
			assert.Equal(t, before.Prerelease, after.Prerelease)
			latest, ok := w.srv.LatestRelease(orchestrator)
			require.True(t, ok)
			assert.Equal(t, tt.wantLatest, latest.TagName)
			for tag, rel := range planted {
				if tag != tt.tag && tag != "v0.1.0" {
					assert.Equal(t, rel.Body, releaseNow(t, w, tag).Body, "%s is left as it was", tag)
				}
			}

			assert.Equal(t, map[string]string{
				"tag":         tt.tag,
				"release-url": "https://github.com/BTCDecoded/bllvm/releases/tag/" + tt.tag,
				"yanked":      tt.wantYanked,
			}, o.outputs)
			for _, r := range o.requests {
				if r.Method == "PATCH" && r.Path == releasePath(before.ID) && tt.wantYanked == "true" {
					assert.JSONEq(t, `"false"`, string(mustField(t, r.Body, "make_latest")), "a yanked release is never made the latest")
				}
			}
			if tt.wantNotice != "" {
				assert.Contains(t, o.stdout, "::notice::"+tt.wantNotice)
			}
			assert.NotContains(t, o.stdout, before.Body, "the notes are never logged")
			assert.Contains(t, o.stdout, "done: "+tt.tag+": ")
		})
	}
}

// mustField returns the raw JSON of field in a request body.
func mustField(t *testing.T, body []byte, field string) json.RawMessage {
	t.Helper()
	var fields map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &fields))
	value, ok := fields[field]
	require.True(t, ok, "the body has %s: %s", field, body)
	return value
}

func TestYankBadInputsSendNothing(t *testing.T) {
	tests := []struct {
		name  string
		vars  map[string]string
		input string
	}{
		{"no tag", map[string]string{"INPUT_TAG": ""}, "input tag: is empty"},
		{"a tag no ref can have", map[string]string{"INPUT_TAG": "v1 beta"}, "input tag: must be a valid tag name"},
		{"no reason", map[string]string{"INPUT_REASON": ""}, "input reason: is empty"},
		{"a reason of two lines", map[string]string{"INPUT_REASON": "broken\n::error::injected"}, "input reason: must be one line"},
		{"a reason of 201 characters", map[string]string{"INPUT_REASON": strings.Repeat("x", 201)}, "input reason: is 201 characters; at most 200"},
		{"a reason with a control character", map[string]string{"INPUT_REASON": "broken \x1b]8;;https://evil\x07"}, "input reason: must not contain a control character"},
		{"undo not a boolean", map[string]string{"INPUT_UNDO": "perhaps"}, "input undo: must be true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := yankWorld(t)
			o := w.with(tt.vars).run()
			assert.Equal(t, 1, o.code)
			assert.Empty(t, o.requests, "bad input is caught before any request")
			assert.Contains(t, errorLine(t, o.stdout), tt.input)
			assert.NotContains(t, o.stdout, "::error::injected")
			assert.Empty(t, o.outputs)
		})
	}
}

func TestYankRefused(t *testing.T) {
	tests := []struct {
		name      string
		tag       string
		setup     func(w *world, planted map[string]githubtest.Release)
		wantError string
		wantGETs  int
	}{
		{"a tag without a release", "nightly-20251101-6113728", nil, "find the release of nightly-20251101-6113728 in BTCDecoded/bllvm: none is published (a draft cannot be yanked", 1},
		{"a draft", "v0.3.0", nil, "none is published (a draft cannot be yanked", 1},
		{
			name: "notes the yank would take past GitHub's limit",
			tag:  "v0.1.0",
			setup: func(w *world, planted map[string]githubtest.Release) {
				w.srv.AddRelease(orchestrator, githubtest.Release{TagName: "v0.0.9", Body: strings.Repeat("é", 124_950)})
				w.srv.SetTag(orchestrator, "v0.0.9", pushSHA)
			},
			wantError: "yank v0.0.9: its notes would be 125",
			wantGETs:  1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, planted := yankWorld(t)
			if tt.setup != nil {
				tt.setup(w, planted)
				tt.tag = "v0.0.9"
			}
			o := w.with(map[string]string{"INPUT_TAG": tt.tag}).run()
			assert.Equal(t, 1, o.code)
			assert.Contains(t, errorLine(t, o.stdout), tt.wantError)
			assert.Len(t, o.requests, tt.wantGETs)
			assert.Zero(t, countMutating(o.requests), "nothing is written")
		})
	}
}

// A reason is the run's own input, but it lands in notes people read and
// in the log: it stays text in both.
func TestYankHostileReason(t *testing.T) {
	const hostile = "--> <script>alert(1)</script> @everyone ##[group]x %0A::warning::y [z](javascript:q) | `c`"
	w, planted := yankWorld(t)
	o := w.with(map[string]string{"INPUT_REASON": hostile}).run()
	require.Equal(t, 0, o.code, o.stdout)
	body := releaseNow(t, w, yankedNightly).Body
	marker, rest, _ := strings.Cut(body, "\n")
	line, notes, _ := strings.Cut(rest, "\n\n")
	assert.Equal(t, nightly.YankMarker(hostile), marker)
	assert.NotContains(t, marker[4:len(marker)-3], "-->", "the reason cannot end the hidden comment")
	assert.Equal(t, "**Yanked:** --&gt; &lt;script&gt;alert(1)&lt;/script&gt; ＠everyone ##\\[group\\]x %0A::warning::y \\[z\\](javascript:q) \\| \\`c\\`", line)
	assert.NotContains(t, line, "@", "nobody is mentioned")
	assert.Equal(t, planted[yankedNightly].Body, notes)
	reason, yanked := nightly.Yanked(body)
	assert.True(t, yanked)
	assert.Equal(t, hostile, reason, "read back as given")

	for _, l := range strings.Split(o.stdout, "\n") {
		assert.False(t, strings.HasPrefix(l, "::warning::"), "a line the reason made a command: %q", l)
		assert.False(t, strings.HasPrefix(l, "##[group]"), "a line the reason made a command: %q", l)
	}
	assert.Contains(t, o.stdout, `the reason: "--> <script>alert(1)</script> @everyone ##%5Bgroup]x %250A::warning::y`, "logged quoted, and escaped as every line")
	assert.NotContains(t, o.stdout, planted[yankedNightly].Body)
	assert.Contains(t, o.summary, "＠everyone", "the summary escapes it too")
	assert.NotContains(t, o.summary, "<script>")
}

// A dry run reads, lists the edit it would send, and writes nothing.
func TestYankDryRun(t *testing.T) {
	w, planted := yankWorld(t)
	o := w.with(map[string]string{"INPUT_TAG": "v0.2.0", "INPUT_DRY-RUN": "true"}).run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Zero(t, countMutating(o.requests))
	assert.Equal(t, []string{"GET /repos/BTCDecoded/bllvm/releases/tags/v0.2.0", "GET /repos/BTCDecoded/bllvm/releases/latest", "GET /repos/BTCDecoded/bllvm/releases"}, routes(o.requests))
	assert.Contains(t, o.stdout, "Dry run: 2 requests that would change something, not sent")
	assert.Contains(t, o.stdout, fmt.Sprintf("PATCH https://api.github.com/repos/%s/releases/%d\n", orchestrator, planted["v0.2.0"].ID))
	assert.Contains(t, o.stdout, fmt.Sprintf("PATCH https://api.github.com/repos/%s/releases/%d\n{\n  \"make_latest\": \"true\"\n}", orchestrator, planted["v0.1.0"].ID))
	assert.Contains(t, o.stdout, "done: dry run: v0.2.0 would be yanked; v0.1.0 is the latest release")
	assert.Equal(t, planted["v0.2.0"].Body, releaseNow(t, w, "v0.2.0").Body)
	latest, _ := w.srv.LatestRelease(orchestrator)
	assert.Equal(t, "v0.2.0", latest.TagName)
}

// plantNightly publishes, in the orchestrator, a complete nightly of tag
// holding pins, as create-prerelease leaves it (its tag records the
// manifest, its notes the complete marker and the manifest line), and
// yanked for yankedFor unless that is empty.
func plantNightly(tb testing.TB, w *world, tag string, pins map[string]string, yankedFor string) {
	tb.Helper()
	m := mustManifest(wantManifest(pins, allComponents))
	w.srv.AddCommit(orchestrator, pushSHA)
	object := w.srv.SetAnnotatedTag(orchestrator, tag, pushSHA, manifest.Message(tag, orchestrator, pushSHA, m))
	body := "### What this nightly holds\n\n" + nightly.CompleteMarker(object) + "\n" + nightly.ManifestMarker(m) + "\n"
	name := tag
	if yankedFor != "" {
		body, name = nightly.YankedBody(body, yankedFor), nightly.YankedTitle(tag, tag)
	}
	w.srv.AddRelease(orchestrator, githubtest.Release{TagName: tag, Name: name, Body: body, Prerelease: true, TargetCommitish: pushSHA})
}

// A yanked nightly is never a plan's base, and the snapshot it holds is
// never planned again: the plan says changed=false, naming it, at no
// request more than a plan against its base.
func TestPlanPassesOverAYankedNightly(t *testing.T) {
	nodeMoved := moved(heads, map[string]string{"node": nodeOnMain})
	tests := []struct {
		name        string
		base        map[string]string // nil: no base
		yanked      map[string]string // what the yanked nightly, todayTag, holds
		yankedFor   string            // "": not yanked
		vars        map[string]string
		wantBase    string
		wantRebuilt []string
		wantNotice  string
	}{
		{
			name: "the scheduled nightly after a yank: its snapshot is the yanked one's; nothing is built",
			base: nodeMoved, yanked: heads, yankedFor: yankReason,
			wantBase:   baseTag,
			wantNotice: "every component is at the commit " + todayTag + " holds, a nightly yanked (" + fmt.Sprintf("%q", yankReason) + "): nothing is built, and it is not published again",
		},
		{
			name: "the same, with a forced rebuild: still nothing",
			base: nodeMoved, yanked: heads, yankedFor: yankReason, vars: map[string]string{"INPUT_CHANGED": "sdk"},
			wantBase:   baseTag,
			wantNotice: "every component is at the commit " + todayTag + " holds, a nightly yanked (" + fmt.Sprintf("%q", yankReason) + "): nothing is built, and it is not published again",
		},
		{
			name:   "the only nightly, yanked: no base, and nothing is built",
			yanked: heads, yankedFor: yankReason,
			wantBase:   "",
			wantNotice: "every component is at the commit " + todayTag + " holds, a nightly yanked (" + fmt.Sprintf("%q", yankReason) + "): nothing is built, and it is not published again",
		},
		{
			name: "a real change after the yank: planned against the nightly before the yanked one",
			base: nodeMoved, yanked: moved(heads, map[string]string{"sdk": nodeOnMain}), yankedFor: yankReason,
			wantBase: baseTag, wantRebuilt: []string{"node", "sdk", "bllvm", "governance"},
		},
		{
			name: "not yanked (or yanked and taken back): the newest nightly is the base",
			base: nodeMoved, yanked: heads,
			wantBase:   todayTag,
			wantNotice: "every component is at the commit " + todayTag + " holds: nothing to build",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := planWorld(t)
			if tt.base != nil {
				planBase(t, w, tt.base, true, false)
			}
			plantNightly(t, w, todayTag, tt.yanked, tt.yankedFor)
			o := w.with(tt.vars).run()
			require.Equal(t, 0, o.code, o.stdout)
			assert.Equal(t, tt.wantBase, o.outputs["base"])
			assert.Equal(t, strconv.FormatBool(len(tt.wantRebuilt) > 0), o.outputs["changed"])
			assert.Equal(t, wantManifest(heads, tt.wantRebuilt), o.outputs["manifest"])
			var components []string
			require.NoError(t, json.Unmarshal([]byte(o.outputs["components"]), &components))
			assert.ElementsMatch(t, tt.wantRebuilt, components)
			if tt.wantRebuilt == nil {
				assert.JSONEq(t, `{"include":[]}`, o.outputs["matrix"], "no build job")
			}
			if tt.wantNotice != "" {
				assert.Contains(t, o.stdout, "::notice::"+tt.wantNotice)
			}
			if tt.yankedFor != "" && tt.wantRebuilt == nil {
				assert.Contains(t, o.summary, "| Yanked | "+todayTag+" holds this snapshot")
			}
			// The releases page, the base's tag object (if any), the heads,
			// and a compare for each pin that differs from the base's.
			reads := 1 + len(componentRepos)
			if tt.wantBase != "" {
				reads++
			}
			if tt.wantBase == baseTag {
				reads++ // node differs from the base's
			}
			assert.Len(t, o.requests, reads, "%v", routes(o.requests))
		})
	}
}

// nightly-tag never tags or publishes again the snapshot a yanked
// nightly holds, whatever skip-unchanged says; and a yanked nightly is
// never the previous one of a new snapshot.
func TestNightlyTagPassesOverAYankedNightly(t *testing.T) {
	yanked := func(w *world) {
		object := w.srv.SetAnnotatedTag(orchestrator, yesterdayOfPush, pushSHA, tagMessage(yesterdayOfPush, snapshotA))
		w.srv.AddRelease(orchestrator, githubtest.Release{TagName: yesterdayOfPush, Name: "Yanked: " + yesterdayOfPush, Prerelease: true, TargetCommitish: pushSHA,
			Body: nightly.YankedBody(nightly.CompleteMarker(object)+"\n"+nightly.ManifestMarker(mustManifest(snapshotA)), yankReason)})
	}
	tests := []struct {
		name       string
		snapshot   string
		vars       map[string]string
		want       map[string]string
		wantWrites int
		wantNotice string
	}{
		{
			name: "the yanked nightly's snapshot: not tagged again", snapshot: snapshotA,
			want:       map[string]string{"tag": yesterdayOfPush, "changed": "false", "created": "false", "changed-components": "[]"},
			wantNotice: yesterdayOfPush + " holds this snapshot and is yanked (" + fmt.Sprintf("%q", yankReason) + "): it is not tagged or published again",
		},
		{
			name: "the same without skip-unchanged: not published again either", snapshot: snapshotA, vars: map[string]string{"INPUT_SKIP-UNCHANGED": "false"},
			want:       map[string]string{"tag": yesterdayOfPush, "changed": "false", "created": "false"},
			wantNotice: yesterdayOfPush + " holds this snapshot and is yanked (" + fmt.Sprintf("%q", yankReason) + "): it is not tagged or published again",
		},
		{
			name: "another snapshot: tagged, with the nightly before the yanked one as its previous", snapshot: snapshotB,
			want:       map[string]string{"tag": todayTag, "changed": "true", "created": "true", "previous-tag": olderNightly},
			wantWrites: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := snapshotWorld(t, tt.snapshot).with(tt.vars)
			yanked(w)
			tags := len(w.srv.Tags(orchestrator))
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)
			for k, v := range tt.want {
				assert.Equal(t, v, o.outputs[k], "output %s", k)
			}
			assert.Equal(t, tt.wantWrites, countMutating(o.requests))
			assert.Len(t, w.srv.Tags(orchestrator), tags+tt.wantWrites/2)
			if tt.wantNotice != "" {
				assert.Contains(t, o.stdout, "::notice::"+tt.wantNotice)
				assert.Contains(t, o.summary, "yanked: "+yesterdayOfPush+" holds this snapshot")
			}
		})
	}
}
