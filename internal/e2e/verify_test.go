package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/verify"
)

// reproduce is a run of reproduce.yml for the nightly tag, on a
// GitHub-hosted runner: every job in a fresh workspace, none of the
// self-hosted runner's.
func (p *pipeline) reproduce(tag string) *run {
	p.t.Helper()
	r := p.run("reproduce.yml", "bllvm", "release",
		map[string]any{"action": "published", "release": map[string]any{"tag_name": tag, "prerelease": true}},
		bllvmSHA, "refs/tags/"+tag)
	r.workspace = p.t.TempDir()
	r.vars["GITHUB_WORKSPACE"] = r.workspace
	return r
}

// nightlyFiles are the files of a published nightly, by name, as its
// assets hold them: what the pipeline built (that night, or carried over
// from the night before), manifest.json and SHA256SUMS.
func (p *pipeline) nightlyFiles(tag string) (githubtest.Release, map[string]string) {
	p.t.Helper()
	for _, rel := range p.srv.Releases(owner + "/bllvm") {
		if rel.TagName != tag {
			continue
		}
		files := map[string]string{}
		for _, a := range rel.Assets {
			content, ok := p.srv.AssetContent(owner+"/bllvm", rel.ID, a.Name)
			require.True(p.t, ok, "asset %s has bytes", a.Name)
			files[a.Name] = string(content)
		}
		return rel, files
	}
	p.t.Fatalf("no release %s", tag)
	return githubtest.Release{}, nil
}

// onALaptop runs the action as a person runs it on their own machine, in
// workspace: flags, the token from GH_TOKEN, outputs as name=value lines
// on stdout.
func (p *pipeline) onALaptop(workspace string, args ...string) (map[string]string, string, error) {
	p.t.Helper()
	cmd := exec.Command(binary, append([]string{"--api-url=" + p.srv.URL(), "--repository=" + owner + "/bllvm"}, args...)...)
	cmd.Dir = workspace
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + p.t.TempDir(), "GH_TOKEN=" + token}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	assert.NotContains(p.t, stdout.String()+stderr.String(), token, "the token is printed nowhere")
	outputs := map[string]string{}
	for line := range strings.Lines(stdout.String()) {
		if name, value, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "="); ok {
			outputs[name] = value
		}
	}
	return outputs, stderr.String(), err
}

// writes counts the requests since before that change something.
func (p *pipeline) writes(before int) int {
	n := 0
	for _, r := range p.srv.Requests()[before:] {
		if r.Method != "GET" && r.Method != "HEAD" {
			n++
		}
	}
	return n
}

// After a week's second nightly is published (sdk and governance rebuilt,
// the rest carried over), two builders reproduce it: reproduce.yml on a
// GitHub-hosted runner (gha-ubuntu) lays out its sources from the tag and
// verifies what it built, which is what the pipeline published; a person
// on their own machine (alice) runs the same verify step with their name,
// and one of their files differs. The grid in the nightly's notes shows
// both columns, the person's step fails naming the file and both digests,
// and a rerun of either writes nothing.
func TestReproduceANightly(t *testing.T) {
	p := newPipeline(t)
	require.True(t, p.orchestrate(p.nightlySchedule()).published)
	p.day = 1
	o := p.orchestrate(p.pushTo("bllvm-sdk", 2))
	require.True(t, o.published)
	require.NotEmpty(t, p.lastCarried, "the nightly holds files carried from the night before")
	tag := o.release["tag"]
	rel, files := p.nightlyFiles(tag)
	sums, err := verify.Parse([]byte(files["SHA256SUMS"]))
	require.NoError(t, err)
	built := without(files, "manifest.json", "SHA256SUMS")
	exprs := map[string]string{"env.TAG": tag}

	// gha-ubuntu: build-sdk lays out the sources the tag records.
	ubuntu := p.reproduce(tag)
	src := ubuntu.step("build-sdk", "src", exprs)
	var paths map[string]string
	require.NoError(t, json.Unmarshal([]byte(src["paths"]), &paths))
	for component, path := range paths {
		entry, ok := o.manifest.Lookup(component)
		require.True(t, ok)
		got, err := os.ReadFile(filepath.Join(ubuntu.workspace, path, "src", "COMMIT"))
		require.NoError(t, err)
		assert.Equal(t, entry.SHA+"\n", string(got), "%s at the commit %s records", component, tag)
	}
	// The verify job downloads what the build jobs built, then verifies.
	verifyJob := p.reproduce(tag)
	verifyJob.download(built)
	before := len(p.srv.Requests())
	out := verifyJob.step("verify", "verify", exprs)
	assert.Equal(t, "true", out["reproduced"])
	var matched, missing []string
	require.NoError(t, json.Unmarshal([]byte(out["matched"]), &matched))
	require.NoError(t, json.Unmarshal([]byte(out["missing"]), &missing))
	assert.Equal(t, slices.Sorted(maps.Keys(built)), matched)
	assert.Equal(t, []string{"manifest.json"}, missing)
	assert.Equal(t, "[]", out["differed"])
	assert.Equal(t, ".release-action/SHA256SUMS-gha-ubuntu", out["checksums-file"])
	own, err := os.ReadFile(filepath.Join(verifyJob.workspace, out["checksums-file"]))
	require.NoError(t, err, "the builder's own SHA256SUMS is in the workspace")
	back, err := verify.Parse(own)
	require.NoError(t, err)
	assert.Len(t, back, len(built))
	assert.Equal(t, 1, p.writes(before), "the notes, once")
	assert.LessOrEqual(t, len(p.srv.Requests())-before, 4)

	// alice, on her own machine, with the inputs of the same step.
	altered := "sdk-base-x86_64-pc-windows-gnu.zip"
	require.Contains(t, built, altered)
	laptop := t.TempDir()
	aliceFiles := maps.Clone(built)
	aliceFiles[altered] += ", built with another toolchain"
	args := []string{"--builder=alice"}
	for key, value := range exampleStep(t, "reproduce.yml", "verify", "verify") {
		if key != "builder" {
			args = append(args, "--"+key+"="+verifyJob.expand(value, exprs))
		}
	}
	(&run{p: p, workspace: laptop}).download(aliceFiles)
	before = len(p.srv.Requests())
	_, log, err := p.onALaptop(laptop, args...)
	require.Error(t, err, log)
	var published string
	for _, e := range sums {
		if e.Name == altered {
			published = e.Digest
		}
	}
	assert.Contains(t, log, "error: verify "+tag+": "+altered+" differs: SHA256SUMS lists "+published+", alice built "+sha256Of(aliceFiles[altered]))
	assert.Equal(t, 1, p.writes(before), "recorded before failing")

	// The grid: a row per asset of SHA256SUMS, a column per builder.
	var rows []string
	for _, e := range sums {
		alice, ubuntu := "✅", "✅"
		switch e.Name {
		case "manifest.json":
			alice, ubuntu = "—", "—"
		case altered:
			alice = "❌"
		}
		rows = append(rows, "| `"+e.Name+"` | "+alice+" | "+ubuntu+" |")
	}
	body := p.releaseBody(rel.ID)
	assert.Contains(t, body, "| asset | alice | gha-ubuntu |\n|---|:-:|:-:|\n"+strings.Join(rows, "\n")+"\n")
	assert.True(t, strings.HasPrefix(body, rel.Body[:strings.Index(rel.Body, "<!-- release-action: complete nightly")]), "the notes before the grid are as create-prerelease wrote them")
	assert.True(t, strings.HasSuffix(body, verify.GridEnd+"\n\n"+rel.Body[strings.Index(rel.Body, "<!-- release-action: complete nightly"):]), "the markers end the body")

	// A rerun of either writes nothing.
	before = len(p.srv.Requests())
	verifyJob.step("verify", "verify", exprs)
	_, _, err = p.onALaptop(laptop, args...)
	require.Error(t, err)
	assert.Zero(t, p.writes(before))
	assert.Equal(t, body, p.releaseBody(rel.ID))
}

func without(files map[string]string, names ...string) map[string]string {
	out := maps.Clone(files)
	for _, n := range names {
		delete(out, n)
	}
	return out
}

func (p *pipeline) releaseBody(id int64) string {
	p.t.Helper()
	for _, rel := range p.srv.Releases(owner + "/bllvm") {
		if rel.ID == id {
			return rel.Body
		}
	}
	p.t.Fatalf("no release %d", id)
	return ""
}

func sha256Of(content string) string {
	digest := sha256.Sum256([]byte(content))
	return hex.EncodeToString(digest[:])
}
