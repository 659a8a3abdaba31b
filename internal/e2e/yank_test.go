package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
)

// yank runs the action's yank mode in the orchestrator, as a maintainer
// would from a workflow_dispatch, and returns its outputs.
func (p *pipeline) yank(tag, reason string, undo bool) map[string]string {
	p.t.Helper()
	r := p.run("yank", "bllvm", "workflow_dispatch", map[string]any{"inputs": map[string]any{"tag": tag, "reason": reason, "undo": undo}}, bllvmSHA, "refs/heads/main")
	out, log, err := r.action(map[string]string{"mode": "yank", "tag": tag, "reason": reason, "undo": strconv.FormatBool(undo), "token": token})
	require.NoError(p.t, err, "yank %s:\n%s", tag, log)
	return out
}

// releaseOf is the orchestrator's published release of tag.
func (p *pipeline) releaseOf(tag string) githubtest.Release {
	p.t.Helper()
	for _, rel := range p.srv.Releases(owner + "/bllvm") {
		if rel.TagName == tag && !rel.Draft {
			return rel
		}
	}
	p.t.Fatalf("no published release of %s", tag)
	return githubtest.Release{}
}

// A nightly yanked after it was published: the scheduled nightly that
// finds its snapshot again builds, tags and publishes nothing; plan
// takes the nightly before it as its base; undo makes it a base again;
// and the next real change, with it yanked again, publishes normally on
// the nightly before it, its notes and carried assets from there.
func TestYankWeek(t *testing.T) {
	p := newPipeline(t)
	const reason = "governance crashes on start: use nightly-20251117-b11b11b"

	// Day 1: the nightly builds everything.
	night1 := p.orchestrate(p.nightlySchedule())
	require.True(t, night1.published)
	tag1 := night1.tagged["tag"]
	day1 := p.snapshot()

	// Day 2: a governance push, published as the day's nightly.
	p.day = 1
	gov := p.orchestrate(p.pushTo("bllvm-commons", 2))
	require.True(t, gov.published)
	tag2 := gov.tagged["tag"]
	assert.Equal(t, tag1, gov.plan["base"])
	at2 := p.snapshot()
	p.assertNightly(tag2, at2, day1)
	published := p.releaseOf(tag2)

	// A maintainer yanks it.
	out := p.yank(tag2, reason, false)
	assert.Equal(t, map[string]string{"tag": tag2, "yanked": "true", "release-url": "https://github.com/BTCDecoded/bllvm/releases/tag/" + tag2}, out)
	withdrawn := p.releaseOf(tag2)
	assert.Equal(t, "Yanked: "+published.Name, withdrawn.Name)
	assert.True(t, strings.HasPrefix(withdrawn.Body, `<!-- release-action: yanked {"reason":"`+reason+`"} -->`+"\n**Yanked:** "+reason+"\n\n"), withdrawn.Body)
	assert.True(t, strings.HasSuffix(withdrawn.Body, published.Body), "the notes stay under it")
	assert.Equal(t, published.Assets, withdrawn.Assets, "its assets stay, links and all")
	assert.True(t, withdrawn.Prerelease)

	// The scheduled nightly finds the yanked snapshot again: nothing is
	// built, tagged or published, and the yanked release is left as it is.
	state := p.state()
	quiet := p.orchestrate(p.nightlySchedule())
	assert.Equal(t, "false", quiet.plan["changed"], "the yanked snapshot is not planned again")
	assert.Equal(t, tag1, quiet.plan["base"], "the base is the nightly before the yanked one")
	assert.Empty(t, quiet.components, "no build job runs")
	_, built := p.artifacts[quiet.orch.vars["GITHUB_RUN_ID"]]
	assert.False(t, built, "nothing was built")
	assert.Nil(t, quiet.tagged, "the publish job does not run")
	// Should the publish job run anyway, its tag step refuses the snapshot,
	// saying why.
	tagged, log, err := quiet.orch.try("publish", "tag", map[string]string{"needs.plan.outputs.manifest": quiet.plan["manifest"], "needs.plan.outputs.date": quiet.plan["date"]})
	require.NoError(t, err, log)
	quiet.tagged = tagged
	assert.Contains(t, log, "::notice::"+tag2+" holds this snapshot and is yanked")
	assert.Equal(t, "false", quiet.tagged["changed"], "nightly-tag does not publish a yanked snapshot again")
	assert.Equal(t, "false", quiet.tagged["created"])
	assert.Equal(t, tag2, quiet.tagged["tag"])
	assert.Equal(t, state, p.state(), "no tag, no release, no asset")
	assert.Equal(t, withdrawn, p.releaseOf(tag2), "the yanked release is unchanged")

	// Day 3: the yank is taken back: the notes and title as they were, and
	// the next plan takes it as its base again.
	p.day = 2
	out = p.yank(tag2, "", true)
	assert.Equal(t, "false", out["yanked"])
	restored := p.releaseOf(tag2)
	assert.Equal(t, published.Body, restored.Body)
	assert.Equal(t, published.Name, restored.Name)
	again := p.orchestrate(p.nightlySchedule())
	assert.Equal(t, tag2, again.plan["base"])
	assert.Equal(t, "false", again.plan["changed"])

	// Yanked again; the next real change, an sdk push, is built against
	// the nightly before it: sdk and, again, governance are rebuilt; bllvm's
	// assets are carried from day 1's nightly; the notes say what changed
	// since it.
	p.yank(tag2, reason, false)
	sdk := p.orchestrate(p.pushTo("bllvm-sdk", 3))
	require.True(t, sdk.published)
	assert.Equal(t, tag1, sdk.plan["base"])
	assert.Equal(t, []string{"sdk", "governance"}, sdk.components)
	tag3 := sdk.tagged["tag"]
	assert.NotEqual(t, tag2, tag3)
	assert.Equal(t, tag1, sdk.tagged["previous-tag"], "a yanked nightly is never the previous one")
	assert.ElementsMatch(t, assetNamesOf("bllvm"), p.lastCarried)
	for _, name := range p.lastCarried {
		assert.Equal(t, p.assetContent(tag1, name), p.assetContent(tag3, name))
	}
	p.assertNightly(tag3, p.snapshot(), day1)
	assert.True(t, strings.HasPrefix(p.releaseOf(tag2).Body, "<!-- release-action: yanked "), "still yanked")

	// Every job again changes nothing, the yanked nightly included.
	state = p.state()
	rerun := p.orchestrate(p.nightlySchedule())
	assert.Equal(t, tag3, rerun.plan["base"])
	assert.Equal(t, "false", rerun.plan["changed"])
	p.publish(sdk)
	assert.Equal(t, "false", sdk.tagged["changed"])
	p.publish(gov)
	assert.Equal(t, "false", gov.tagged["changed"], "the yanked snapshot's own publish job, rerun, publishes nothing")
	assert.Equal(t, state, p.state())
}
