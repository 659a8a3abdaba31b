package e2e

import (
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/manifest"
)

// After a week of nightlies, release.yml's promote step releases the
// newest as v0.2.0: the release holds the nightly's files byte for byte,
// its tag records the nightly's manifest, every component repository is
// tagged at the commit the nightly pins, and versions-toml says so. Run
// again, it changes nothing.
func TestPromoteThroughTheExample(t *testing.T) {
	p := newPipeline(t)
	require.True(t, p.orchestrate(p.nightlySchedule()).published)
	p.day = 1
	require.True(t, p.orchestrate(p.pushTo("bllvm-consensus", 2)).published)
	require.True(t, p.orchestrate(p.pushTo("bllvm-sdk", 2)).published, "sdk and governance rebuilt, the rest carried over")
	p.day = 2
	require.True(t, p.orchestrate(p.pushTo("bllvm-node", 3)).published)
	newest := p.published[len(p.published)-1]

	release := p.run("release.yml", "bllvm", "workflow_dispatch", map[string]any{"inputs": map[string]any{"from": "newest", "version": "v0.2.0"}}, bllvmSHA, "refs/heads/main")
	release.inputs = map[string]string{"from": "newest", "version": "v0.2.0"}
	out := release.step("promote", "promote", nil)
	assert.Equal(t, "v0.2.0", out["tag"])
	assert.Equal(t, newest.tag, out["from"], "newest is the last nightly published")

	var rel githubtest.Release
	for _, r := range p.srv.Releases(owner + "/bllvm") {
		if r.TagName == "v0.2.0" {
			rel = r
		}
	}
	require.NotZero(t, rel.ID, "v0.2.0 is released")
	assert.False(t, rel.Draft)
	assert.False(t, rel.Prerelease)
	assert.Equal(t, "true", rel.MakeLatest, "the latest release")
	got := map[string]string{}
	for _, a := range rel.Assets {
		got[a.Name] = p.assetContent("v0.2.0", a.Name)
	}
	want := map[string]string{}
	for _, r := range p.srv.Releases(owner + "/bllvm") {
		if r.TagName == newest.tag {
			for _, a := range r.Assets {
				want[a.Name] = p.assetContent(newest.tag, a.Name)
			}
		}
	}
	require.NotEmpty(t, want)
	assert.Equal(t, want, got, "the nightly's files, byte for byte, SHA256SUMS and manifest.json too")

	obj, ok := p.srv.TagObject(owner+"/bllvm", "v0.2.0")
	require.True(t, ok, "v0.2.0 is an annotated tag")
	assert.Equal(t, bllvmSHA, obj.Commit, "at the orchestrator's commit of the nightly")
	recorded, found, err := manifest.FromMessage(obj.Message)
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, out["manifest"], recorded.String())
	p.assertRecorded(newest.tag, newest.commits)

	var versions struct {
		Versions map[string]struct {
			Version   string `toml:"version"`
			GitTag    string `toml:"git_tag"`
			GitCommit string `toml:"git_commit"`
		} `toml:"versions"`
	}
	_, err = toml.Decode(out["versions-toml"], &versions)
	require.NoError(t, err, out["versions-toml"])
	require.Len(t, versions.Versions, len(repositories))
	for _, repository := range repositories {
		entry := versions.Versions[repository]
		assert.Equal(t, newest.commits[repository], entry.GitCommit, repository)
		assert.Equal(t, "v0.2.0", entry.GitTag, repository)
		assert.Equal(t, "0.2.0", entry.Version, repository)
		assert.Equal(t, newest.commits[repository], p.srv.Tags(owner + "/" + repository)["v0.2.0"], "%s is tagged at the commit the nightly pins", repository)
	}

	state := p.state()
	again := release.step("promote", "promote", nil)
	assert.Equal(t, out, again, "the same outputs")
	assert.Equal(t, state, p.state(), "a rerun changes nothing")
}
