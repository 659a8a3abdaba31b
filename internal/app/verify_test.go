package app

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/verify"
)

// sigsRepo collects the builders' checksums, as bitcoin-core/guix.sigs.
const sigsRepo = "BTCDecoded/guix.sigs"

// published are the files of todayTag's nightly as its build jobs made
// them, and manifest.json; its SHA256SUMS lists them all.
var published = map[string]string{
	"bllvm-base-x86_64-pc-windows-gnu.zip":       "bllvm base for windows",
	"bllvm-base-x86_64-unknown-linux-gnu.tar.gz": "bllvm base for linux",
	"governance-image.tar.gz":                    "the governance image",
	"manifest.json":                              "{\"tag\": \"" + todayTag + "\"}\n",
	"sdk-base-x86_64-pc-windows-gnu.zip":         "sdk base for windows",
}

// The two builders: gha-ubuntu builds every binary as published; alice
// builds the binaries but not the image, and her sdk archive differs.
var (
	ubuntuFiles = without(published, "manifest.json")
	aliceFiles  = with(without(published, "manifest.json", "governance-image.tar.gz"), "sdk-base-x86_64-pc-windows-gnu.zip", "sdk base, built elsewhere")
)

func without(files map[string]string, names ...string) map[string]string {
	out := maps.Clone(files)
	for _, n := range names {
		delete(out, n)
	}
	return out
}

func with(files map[string]string, name, content string) map[string]string {
	out := maps.Clone(files)
	out[name] = content
	return out
}

// nightlyNotes is the body create-prerelease gave the nightly: its
// table, GitHub's notes, then the complete and manifest markers.
const (
	notesBefore  = "Nightly of BTCDecoded/bllvm at 6113728.\n\n| component | repository | commit | since nightly-20251116-fffffff |\n|---|---|---|---|\n| consensus | BTCDecoded/bllvm-consensus | 0102000 | unchanged |\n\n## What's Changed\n* node: faster sync by @dev\n"
	notesMarkers = "<!-- release-action: complete nightly, tag object 0123456789abcdef0123456789abcdef01234567 -->\n<!-- release-action: manifest {\"consensus\":{\"repository\":\"BTCDecoded/bllvm-consensus\",\"sha\":\"0102000000000000000000000000000000000000\",\"rebuilt\":false}} -->"
	nightlyNotes = notesBefore + "\n" + notesMarkers
)

// sumsOf is a SHA256SUMS of files, as create-prerelease writes it.
func sumsOf(files map[string]string) string {
	var entries []verify.Entry
	for name, content := range files {
		entries = append(entries, verify.Entry{Name: name, Digest: sha256Hex(content)})
	}
	return verify.Text(entries)
}

func sha256Hex(content string) string {
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:])
}

// verifyWorld is todayTag's nightly published by the orchestrator with
// published, notes and sums as its SHA256SUMS (none when empty), and the
// sigs repository; verify runs in the orchestrator's repository.
func verifyWorld(t testing.TB, notes, sums string) (*world, int64) {
	t.Helper()
	w := releaseWorld(t, "verify", githubtest.WithRepository(sigsRepo))
	w.srv.SetBranch(sigsRepo, "main", olderSHA)
	rel := w.srv.AddRelease(orchestrator, githubtest.Release{TagName: todayTag, Prerelease: true, TargetCommitish: pushSHA, Body: notes})
	for name, content := range published {
		w.srv.AddAssetContent(orchestrator, rel.ID, name, strings.NewReader(content))
	}
	if sums != "" {
		w.srv.AddAssetContent(orchestrator, rel.ID, "SHA256SUMS", strings.NewReader(sums))
	}
	w.with(map[string]string{"INPUT_TAG": todayTag, "INPUT_FILES": "dist/*"})
	return w, rel.ID
}

// builder makes the world builder's: a workspace of its own holding
// files in dist/.
func (w *world) builder(name string, files map[string]string) *world {
	w.t.Helper()
	w.vars["GITHUB_WORKSPACE"] = w.t.TempDir()
	w.vars["INPUT_BUILDER"] = name
	for file, content := range files {
		w.file(filepath.Join("dist", file), content)
	}
	return w
}

func (w *world) body(id int64) string {
	w.t.Helper()
	for _, r := range w.srv.Releases(orchestrator) {
		if r.ID == id {
			return r.Body
		}
	}
	w.t.Fatalf("no release %d", id)
	return ""
}

func jsonList(t *testing.T, value string) []string {
	t.Helper()
	var list []string
	require.NoError(t, json.Unmarshal([]byte(value), &list), value)
	return list
}

// The grid both builders leave, whichever verifies first.
const bothGrid = verify.GridStart + "\n### Reproductions\n\n" +
	"Each builder built this release's files on its own from the same commits. ✅ its file has the SHA-256 that SHA256SUMS lists, ❌ another, — it did not build it.\n\n" +
	"| asset | alice | gha-ubuntu |\n|---|:-:|:-:|\n" +
	"| `bllvm-base-x86_64-pc-windows-gnu.zip` | ✅ | ✅ |\n" +
	"| `bllvm-base-x86_64-unknown-linux-gnu.tar.gz` | ✅ | ✅ |\n" +
	"| `governance-image.tar.gz` | — | ✅ |\n" +
	"| `manifest.json` | — | — |\n" +
	"| `sdk-base-x86_64-pc-windows-gnu.zip` | ❌ | ✅ |\n\n" + verify.GridEnd

func TestVerifyTwoBuildersInEitherOrder(t *testing.T) {
	type run struct {
		builder string
		files   map[string]string
	}
	ubuntu, alice := run{"gha-ubuntu", ubuntuFiles}, run{"alice", aliceFiles}
	tests := []struct {
		name  string
		order []run
		sigs  bool
	}{
		{"gha-ubuntu first", []run{ubuntu, alice}, false},
		{"alice first", []run{alice, ubuntu}, false},
		{"gha-ubuntu first, with sigs-repository", []run{ubuntu, alice}, true},
		{"alice first, with sigs-repository", []run{alice, ubuntu}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, id := verifyWorld(t, nightlyNotes, sumsOf(published))
			if tt.sigs {
				w.vars["INPUT_SIGS-REPOSITORY"] = sigsRepo
			}
			// Each builder's writes: the notes once, and its file in the
			// sigs repository once.
			wantWrites := 1
			if tt.sigs {
				wantWrites = 2
			}
			for _, r := range tt.order {
				o := w.builder(r.builder, r.files).run()
				assert.Equal(t, wantWrites, countMutating(o.requests), "%s: the notes, and its SHA256SUMS", r.builder)
				assert.LessOrEqual(t, len(o.requests), 4+2*wantWrites-2, "%s: requests", r.builder)
				if r.builder == "alice" {
					// Recorded, then failed: one line per difference.
					require.Equal(t, 1, o.code, o.stdout)
					assert.Equal(t, fmt.Sprintf("::error::verify %s: sdk-base-x86_64-pc-windows-gnu.zip differs: SHA256SUMS lists %s, alice built %s", todayTag, sha256Hex(published["sdk-base-x86_64-pc-windows-gnu.zip"]), sha256Hex(aliceFiles["sdk-base-x86_64-pc-windows-gnu.zip"])), errorLine(t, o.stdout))
					assert.Contains(t, o.stdout, "differs: sdk-base-x86_64-pc-windows-gnu.zip: SHA256SUMS lists "+sha256Hex(published["sdk-base-x86_64-pc-windows-gnu.zip"])+", alice built "+sha256Hex(aliceFiles["sdk-base-x86_64-pc-windows-gnu.zip"]), "the log names both digests")
					continue
				}
				require.Equal(t, 0, o.code, o.stdout)
				assert.Equal(t, "true", o.outputs["reproduced"])
				assert.Equal(t, []string{"bllvm-base-x86_64-pc-windows-gnu.zip", "bllvm-base-x86_64-unknown-linux-gnu.tar.gz", "governance-image.tar.gz", "sdk-base-x86_64-pc-windows-gnu.zip"}, jsonList(t, o.outputs["matched"]))
				assert.Equal(t, []string{}, jsonList(t, o.outputs["differed"]))
				assert.Equal(t, []string{"manifest.json"}, jsonList(t, o.outputs["missing"]))
				assert.Equal(t, "https://github.com/"+orchestrator+"/releases/tag/"+todayTag, o.outputs["release-url"])
				assert.Equal(t, ".release-action/SHA256SUMS-gha-ubuntu", o.outputs["checksums-file"], "relative to the workspace")
				assert.Contains(t, o.stdout, "done: reproduced 4 files of https://github.com/"+orchestrator+"/releases/tag/"+todayTag)
			}
			body := w.body(id)
			assert.Equal(t, notesBefore+"\n"+bothGrid+"\n\n"+notesMarkers, body, "the grid before the markers, everything else byte for byte")

			// A rerun of either changes nothing.
			for _, r := range tt.order {
				o := w.builder(r.builder, r.files).run()
				assert.Zero(t, countMutating(o.requests), "a rerun of %s writes nothing", r.builder)
				assert.Equal(t, body, w.body(id))
			}

			if !tt.sigs {
				_, ok := w.srv.File(sigsRepo, "main", todayTag+"/gha-ubuntu/SHA256SUMS")
				assert.False(t, ok, "nothing committed without sigs-repository")
				return
			}
			for _, r := range tt.order {
				got, ok := w.srv.File(sigsRepo, "main", todayTag+"/"+r.builder+"/SHA256SUMS")
				require.True(t, ok, "%s's file, in the guix.sigs layout", r.builder)
				assert.Equal(t, sumsOf(r.files), got, "%s's own SHA256SUMS", r.builder)
			}
		})
	}
}

// Without sigs-repository, a first run sends 4 requests: the release,
// SHA256SUMS through the API's redirect and storage, the notes.
func TestVerifyRequests(t *testing.T) {
	w, _ := verifyWorld(t, nightlyNotes, sumsOf(published))
	o := w.builder("gha-ubuntu", ubuntuFiles).run()
	require.Equal(t, 0, o.code, o.stdout)
	var sent []string
	for _, r := range o.requests {
		sent = append(sent, r.Method+" "+r.Host+" "+strings.Split(r.Path, "/")[len(strings.Split(r.Path, "/"))-2])
	}
	require.Len(t, o.requests, 4, "%v", sent)
	assert.Equal(t, "GET", o.requests[0].Method)
	assert.Equal(t, "/repos/"+orchestrator+"/releases/tags/"+todayTag, o.requests[0].Path)
	assert.Equal(t, storageHost, o.requests[2].Host, "SHA256SUMS comes from storage")
	assert.Empty(t, o.requests[2].Header.Get("Authorization"), "without the token")
	assert.Equal(t, "PATCH", o.requests[3].Method)
	var patch map[string]any
	require.NoError(t, json.Unmarshal(o.requests[3].Body, &patch))
	assert.Equal(t, []string{"body"}, slicesOfKeys(patch), "the body and nothing else")
}

func slicesOfKeys(m map[string]any) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// record: false compares and writes nothing; an immutable release's notes
// are edited like any other's.
func TestVerifyRecord(t *testing.T) {
	tests := []struct {
		name       string
		vars       map[string]string
		opts       []githubtest.Option
		wantWrites int
		wantGrid   bool
	}{
		{"record: false", map[string]string{"INPUT_RECORD": "false"}, nil, 0, false},
		{"an immutable release", nil, []githubtest.Option{githubtest.WithImmutableReleases()}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, id := verifyWorld(t, nightlyNotes, sumsOf(published))
			o := w.with(tt.vars).builder("gha-ubuntu", ubuntuFiles).run()
			require.Equal(t, 0, o.code, o.stdout)
			assert.Equal(t, "true", o.outputs["reproduced"])
			assert.Equal(t, tt.wantWrites, countMutating(o.requests))
			assert.Equal(t, tt.wantGrid, strings.Contains(w.body(id), verify.GridStart))
		})
	}
}

// Every bad input is reported before any request, naming the input.
func TestVerifyBadInputsSendNothing(t *testing.T) {
	tests := []struct {
		name      string
		vars      map[string]string
		files     map[string]string
		wantInput string
		wantRule  string
	}{
		{"no tag", map[string]string{"INPUT_TAG": ""}, nil, "tag", "is empty"},
		{"a tag git refuses", map[string]string{"INPUT_TAG": "nightly..x"}, nil, "tag", "must be a valid tag name"},
		{"no files", map[string]string{"INPUT_FILES": ""}, nil, "files", "is empty"},
		{"a pattern matching nothing", map[string]string{"INPUT_FILES": "out/*"}, nil, "files", `pattern "out/*" matches no file`},
		{"an empty file", nil, map[string]string{"dist/empty.zip": ""}, "files", "dist/empty.zip is empty"},
		{"two files of one name", map[string]string{"INPUT_FILES": "dist/**"}, map[string]string{"dist/a/x.zip": "1", "dist/b/x.zip": "2"}, "files", `would both be named "x.zip"`},
		{"no builder", map[string]string{"INPUT_BUILDER": ""}, nil, "builder", "must be 1 to 39 characters of a-z, 0-9 and -"},
		{"a builder in capitals", map[string]string{"INPUT_BUILDER": "Alice"}, nil, "builder", `got "Alice"`},
		{"a builder with a slash", map[string]string{"INPUT_BUILDER": "../alice"}, nil, "builder", "must be 1 to 39"},
		{"a builder of 40 characters", map[string]string{"INPUT_BUILDER": strings.Repeat("a", 40)}, nil, "builder", "must be 1 to 39"},
		{"a builder closing the grid", map[string]string{"INPUT_BUILDER": "a | b"}, nil, "builder", "must be 1 to 39"},
		{"sigs-repository not owner/name", map[string]string{"INPUT_SIGS-REPOSITORY": "guix.sigs"}, nil, "sigs-repository", "must be a repository as owner/name"},
		{"a tag of folders with sigs-repository", map[string]string{"INPUT_TAG": "release/v0.2.0", "INPUT_SIGS-REPOSITORY": sigsRepo}, nil, "tag", "holds a /, which sigs-repository cannot file"},
		{"record not a boolean", map[string]string{"INPUT_RECORD": "maybe"}, nil, "record", "must be true or false"},
		{"fail-on-mismatch not a boolean", map[string]string{"INPUT_FAIL-ON-MISMATCH": "sometimes"}, nil, "fail-on-mismatch", "must be true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := verifyWorld(t, nightlyNotes, sumsOf(published))
			w.builder("gha-ubuntu", ubuntuFiles)
			for name, content := range tt.files {
				w.file(name, content)
			}
			o := w.with(tt.vars).run()
			assert.Equal(t, 1, o.code)
			assert.Empty(t, o.requests, "nothing is sent")
			line := errorLine(t, o.stdout)
			assert.Contains(t, line, "::error::input "+tt.wantInput+": ")
			assert.Contains(t, line, tt.wantRule)
		})
	}
}

// A file reached through a link out of the workspace is refused as an
// asset would be, and what it holds is shown nowhere.
func TestVerifyFilesUnderTheRuleOfAssets(t *testing.T) {
	w, _ := verifyWorld(t, nightlyNotes, sumsOf(published))
	w.builder("gha-ubuntu", ubuntuFiles)
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "shadow"), []byte(secretText), 0o600))
	w.link("dist/shadow.zip", filepath.Join(outside, "shadow"))
	o := w.run()
	assertRefused(t, o, "files", "is a symbolic link to")
}

// A SHA256SUMS that is malformed or hostile fails the step naming the tag,
// before anything is written; none of it reaches the grid.
func TestVerifyRefusesABadSHA256SUMS(t *testing.T) {
	good := sumsOf(published)
	digest := sha256Hex("x")
	tests := []struct {
		name     string
		sums     string
		wantRule string
	}{
		{"a table's pipe in a name", good + digest + "  a|b.zip\n", "not a name GitHub gives an asset"},
		{"HTML in a name", good + digest + "  <script>alert(1)</script>\n", "not a name GitHub gives an asset"},
		{"a workflow command in a name", good + digest + "  ::warning::x\n", "not a name GitHub gives an asset"},
		{"a name of 300 characters", good + digest + "  " + strings.Repeat("a", 300) + "\n", "not a name GitHub gives an asset"},
		{"binary mode", strings.Replace(good, "  ", " *", 1), "two spaces"},
		{"not a checksum", "hello\n", "line 1 is not <64 lower-case hex>  <name>"},
		{"empty", "\n", "line 1 is not"},
		{"larger than a release's SHA256SUMS can be", strings.Repeat(good, (verify.MaxSumsBytes/len(good))+1), "at most 1048576 are read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, id := verifyWorld(t, nightlyNotes, tt.sums)
			o := w.builder("gha-ubuntu", ubuntuFiles).run()
			assert.Equal(t, 1, o.code)
			line := errorLine(t, o.stdout)
			assert.Contains(t, line, "::error::read the SHA256SUMS of "+todayTag+": ")
			assert.Contains(t, line, tt.wantRule)
			assert.LessOrEqual(t, len(line), 400, "the error quotes a few characters at most")
			assert.Zero(t, countMutating(o.requests), "nothing is written")
			assert.Equal(t, nightlyNotes, w.body(id))
		})
	}
}

func TestVerifyWithoutARelease(t *testing.T) {
	tests := []struct {
		name  string
		setup func(w *world)
		want  string
	}{
		{"no release of the tag", func(w *world) { w.vars["INPUT_TAG"] = "nightly-20251118-6113728" }, "there is no published release of that tag"},
		{"a release without SHA256SUMS", nil, "the release has no asset SHA256SUMS to compare with"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := verifyWorld(t, nightlyNotes, "")
			if tt.setup != nil {
				tt.setup(w)
			}
			o := w.builder("gha-ubuntu", ubuntuFiles).run()
			assert.Equal(t, 1, o.code)
			assert.Contains(t, errorLine(t, o.stdout), tt.want)
			assert.Zero(t, countMutating(o.requests))
		})
	}
}

// A grid people edited so that it no longer reads is replaced with this
// builder's column, with a warning; the step does not fail.
func TestVerifyReplacesAMangledGrid(t *testing.T) {
	mangled := notesBefore + "\n" + strings.Replace(bothGrid, "| ❌ |", "| ❌ (rebuilt twice, still differs) |", 1) + "\n\n" + notesMarkers
	w, id := verifyWorld(t, mangled, sumsOf(published))
	o := w.builder("gha-ubuntu", ubuntuFiles).run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Contains(t, o.stdout, "::warning::the reproduction grid in the notes of "+todayTag+" did not read")
	body := w.body(id)
	assert.True(t, strings.HasPrefix(body, notesBefore+"\n"+verify.GridStart), body)
	assert.True(t, strings.HasSuffix(body, verify.GridEnd+"\n\n"+notesMarkers), body)
	assert.Contains(t, body, "| asset | gha-ubuntu |\n")
	assert.NotContains(t, body, "alice")

	// Replaced once, it reads: a rerun writes nothing.
	o = w.run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Zero(t, countMutating(o.requests))
	assert.NotContains(t, o.stdout, "::warning::")
}

// A builder that built nothing the release lists reproduced nothing: the
// step fails (unless fail-on-mismatch: false) and records nothing.
func TestVerifyNothingInCommon(t *testing.T) {
	tests := []struct {
		name     string
		vars     map[string]string
		wantCode int
	}{
		{"fails", nil, 1},
		{"fail-on-mismatch: false", map[string]string{"INPUT_FAIL-ON-MISMATCH": "false"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, id := verifyWorld(t, nightlyNotes, sumsOf(published))
			o := w.with(map[string]string{"INPUT_SIGS-REPOSITORY": sigsRepo}).with(tt.vars).builder("gha-ubuntu", map[string]string{"other-thing.zip": "x"}).run()
			assert.Equal(t, tt.wantCode, o.code, o.stdout)
			assert.Contains(t, o.stdout, "::warning::none of the files gha-ubuntu built (1) is named in the SHA256SUMS of "+todayTag+": nothing is recorded")
			assert.Zero(t, countMutating(o.requests), "nothing recorded")
			assert.Equal(t, nightlyNotes, w.body(id))
			if tt.wantCode == 0 {
				assert.Equal(t, "false", o.outputs["reproduced"])
				assert.Equal(t, []string{}, jsonList(t, o.outputs["matched"]))
				assert.Len(t, jsonList(t, o.outputs["missing"]), len(published))
			} else {
				assert.Contains(t, errorLine(t, o.stdout), "none of the files gha-ubuntu built (1) is named in its SHA256SUMS")
			}
		})
	}
}

// With fail-on-mismatch: false a difference is recorded and said, and the
// step succeeds with its outputs.
func TestVerifyMismatchWithoutFailing(t *testing.T) {
	w, id := verifyWorld(t, nightlyNotes, sumsOf(published))
	o := w.with(map[string]string{"INPUT_FAIL-ON-MISMATCH": "false"}).builder("alice", aliceFiles).run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Equal(t, "false", o.outputs["reproduced"])
	assert.Equal(t, []string{"sdk-base-x86_64-pc-windows-gnu.zip"}, jsonList(t, o.outputs["differed"]))
	assert.Equal(t, []string{"governance-image.tar.gz", "manifest.json"}, jsonList(t, o.outputs["missing"]))
	assert.Contains(t, o.stdout, "::warning::alice's build differs from "+todayTag+" in 1 file (the step does not fail: fail-on-mismatch is false)")
	assert.Contains(t, o.summary, "| `sdk-base-x86_64-pc-windows-gnu.zip` | `"+sha256Hex(published["sdk-base-x86_64-pc-windows-gnu.zip"])+"` | `"+sha256Hex(aliceFiles["sdk-base-x86_64-pc-windows-gnu.zip"])+"` |", "the summary lists the difference with both digests")
	assert.Contains(t, w.body(id), "| `sdk-base-x86_64-pc-windows-gnu.zip` | ❌ |")
}

// A grid that would take the notes past GitHub's 125,000 characters is
// an error before anything is written, sigs-repository included.
func TestVerifyNotesWithinGitHubsLimit(t *testing.T) {
	long := strings.Repeat("x", 125_000-len(nightlyNotes)-100) + "\n" + nightlyNotes
	w, id := verifyWorld(t, long, sumsOf(published))
	o := w.with(map[string]string{"INPUT_SIGS-REPOSITORY": sigsRepo}).builder("gha-ubuntu", ubuntuFiles).run()
	assert.Equal(t, 1, o.code)
	assert.Contains(t, errorLine(t, o.stdout), "GitHub takes at most 125000 (verify with record: false)")
	assert.Zero(t, countMutating(o.requests))
	assert.Equal(t, long, w.body(id))
}

// A tag with folders is verified without sigs-repository.
func TestVerifyATagOfFolders(t *testing.T) {
	w, _ := verifyWorld(t, nightlyNotes, sumsOf(published))
	const tag = "release/v0.2.0"
	rel := w.srv.AddRelease(orchestrator, githubtest.Release{TagName: tag, TargetCommitish: pushSHA})
	w.srv.AddAssetContent(orchestrator, rel.ID, "SHA256SUMS", strings.NewReader(sumsOf(published)))
	o := w.with(map[string]string{"INPUT_TAG": tag}).builder("gha-ubuntu", ubuntuFiles).run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Equal(t, "true", o.outputs["reproduced"])
	assert.Equal(t, "/repos/"+orchestrator+"/releases/tags/release%2Fv0.2.0", o.requests[0].EscapedPath)
}

// A GitHub App token for verify reaches the release's repository and the
// sigs repository, with contents: write.
func TestVerifyAppToken(t *testing.T) {
	tests := []struct {
		name      string
		sigs      string
		record    string
		wantRepos []string
		wantPerm  string
		wantErr   string
	}{
		{"record, no sigs", "", "true", []string{"bllvm"}, "write", ""},
		{"compare only", "", "false", []string{"bllvm"}, "read", ""},
		{"sigs of the same owner", sigsRepo, "false", []string{"bllvm", "guix.sigs"}, "write", ""},
		{"sigs of another owner", "someone/guix.sigs", "true", nil, "", "input sigs-repository: someone/guix.sigs is not of BTCDecoded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := appWorld(t, map[string]int64{"BTCDecoded": 4242})
			w.srv.AddRepository(sigsRepo)
			w.with(map[string]string{
				"INPUT_MODE": "verify", "GITHUB_REPOSITORY": orchestrator, "INPUT_TAG": todayTag, "INPUT_FILES": "dist/*",
				"INPUT_SIGS-REPOSITORY": tt.sigs, "INPUT_RECORD": tt.record, "INPUT_FAIL-ON-MISMATCH": "false",
			}).builder("gha-ubuntu", ubuntuFiles)
			o := w.run()
			if tt.wantErr != "" {
				assert.Equal(t, 1, o.code)
				assert.Empty(t, o.requests)
				assert.Contains(t, errorLine(t, o.stdout), tt.wantErr)
				return
			}
			minted := w.srv.MintedTokens()
			require.Len(t, minted, 1, o.stdout)
			assert.Equal(t, tt.wantRepos, minted[0].Repositories)
			assert.Equal(t, map[string]string{"contents": tt.wantPerm}, minted[0].Permissions)
		})
	}
}

// A dry run reads, compares and says what it would record; it writes
// nothing.
func TestVerifyDryRun(t *testing.T) {
	w, id := verifyWorld(t, nightlyNotes, sumsOf(published))
	o := w.with(map[string]string{"INPUT_DRY-RUN": "true", "INPUT_SIGS-REPOSITORY": sigsRepo}).builder("gha-ubuntu", ubuntuFiles).run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Zero(t, countMutating(o.requests))
	assert.Contains(t, o.stdout, "would record gha-ubuntu's column in the reproduction grid of "+todayTag)
	assert.Contains(t, o.stdout, "would commit "+todayTag+"/gha-ubuntu/SHA256SUMS to "+sigsRepo)
	assert.Contains(t, o.stdout, "Dry run: 2 requests that would change something, not sent")
	assert.Equal(t, nightlyNotes, w.body(id))
	assert.Equal(t, "true", o.outputs["reproduced"])
}

// The builder's own SHA256SUMS is in the workspace before any request,
// also when its build differs and the step fails, and through no link.
func TestVerifyWritesTheBuildersChecksums(t *testing.T) {
	tests := []struct {
		name     string
		builder  string
		files    map[string]string
		setup    func(w *world)
		wantCode int
		wantErr  string
	}{
		{"reproduced", "gha-ubuntu", ubuntuFiles, nil, 0, ""},
		{"differs: written all the same", "alice", aliceFiles, nil, 1, ""},
		{"a link in its place: refused, nothing sent", "gha-ubuntu", ubuntuFiles, func(w *world) {
			w.link(".release-action/SHA256SUMS-gha-ubuntu", filepath.Join(t.TempDir(), "elsewhere"))
		}, 1, "it is a symbolic link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := verifyWorld(t, nightlyNotes, sumsOf(published))
			w.builder(tt.builder, tt.files)
			if tt.setup != nil {
				tt.setup(w)
			}
			o := w.run()
			assert.Equal(t, tt.wantCode, o.code, o.stdout)
			if tt.wantErr != "" {
				assert.Contains(t, errorLine(t, o.stdout), tt.wantErr)
				assert.Empty(t, o.requests)
				return
			}
			data, err := os.ReadFile(filepath.Join(w.workspace(), ".release-action", "SHA256SUMS-"+tt.builder))
			require.NoError(t, err)
			assert.Equal(t, sumsOf(tt.files), string(data), "sha256sum -c verifies the builder's files with it")
		})
	}
}
