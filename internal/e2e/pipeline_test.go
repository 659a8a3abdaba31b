// Package e2e plays the pipeline of the example workflows end to end: the
// built binary, step after step, against one fake GitHub that keeps state,
// with each step's inputs taken from examples/workflows and its outputs
// passed on exactly as the workflows pass them.
package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/manifest"
)

// binary is the action, built once for the package's tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "release-action-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "release-action")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Dir = filepath.Join("..", "..")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build the action:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	token    = "ghs_e2eTokenThatMustNeverBePrinted000000000"
	owner    = "BTCDecoded"
	bllvmSHA = "b11b11b11b11b11b11b11b11b11b11b11b11b11b"
	// The first day (SOURCE_DATE_EPOCH) so that the nightly's name is known.
	epoch = 1763344800 // 2025-11-17T02:00:00Z
	day   = "20251117"
)

var repositories = []string{"bllvm", "bllvm-consensus", "bllvm-protocol", "bllvm-node", "bllvm-sdk", "governance-app"}

// components are the default graph's, with their repositories.
var components = map[string]string{
	"consensus": "bllvm-consensus", "protocol": "bllvm-protocol", "node": "bllvm-node",
	"sdk": "bllvm-sdk", "governance": "governance-app",
}

// pipeline is one fake GitHub and the runs of workflows against it.
type pipeline struct {
	t      *testing.T
	srv    *githubtest.Server
	nextID int
	day    int // days since the first, for SOURCE_DATE_EPOCH
	heads  map[string]string
	// afterPlan, when set, runs between the plan and the build jobs.
	afterPlan func()
	// failPublishDispatch makes the next dispatch of prerelease.yml fail.
	failPublishDispatch bool
}

func newPipeline(t *testing.T) *pipeline {
	opts := []githubtest.Option{
		githubtest.WithToken(token),
		// The orchestrator's workflow carries dispatch_id in its run-name.
		githubtest.WithDispatchRuns(func(_ string, payload map[string]any) string {
			return fmt.Sprintf("build %v", payload["dispatch_id"])
		}),
	}
	for _, r := range repositories {
		opts = append(opts, githubtest.WithRepository(owner+"/"+r))
	}
	p := &pipeline{t: t, srv: githubtest.New(t, opts...), nextID: 1000, heads: map[string]string{}}
	p.srv.SetBranch(owner+"/bllvm", "main", bllvmSHA)
	for i, r := range repositories[1:] {
		p.push(r, commitID(i+1, 1))
	}
	return p
}

// commitID makes a recognisable commit: repository index, then a counter.
func commitID(repo, n int) string {
	return fmt.Sprintf("%02x%038x", repo, n)
}

// push moves the main branch of a component repository to sha.
func (p *pipeline) push(repository, sha string) {
	p.srv.SetBranch(owner+"/"+repository, "main", sha)
	p.heads[repository] = sha
}

func (p *pipeline) date() string {
	return time.Unix(epoch, 0).UTC().AddDate(0, 0, p.day).Format("20060102")
}

// run is one workflow run: the runner's variables for its event.
type run struct {
	p         *pipeline
	workflow  string // file in examples/workflows
	vars      map[string]string
	workspace string
	inputs    map[string]string // workflow_dispatch inputs
}

func (p *pipeline) run(workflow, repository, event string, payload map[string]any, sha, ref string) *run {
	p.t.Helper()
	p.nextID++
	dir := p.t.TempDir()
	eventPath := filepath.Join(dir, "event.json")
	payload["repository"] = map[string]any{"full_name": owner + "/" + repository, "name": repository, "owner": map[string]any{"login": owner}}
	data, err := json.Marshal(payload)
	require.NoError(p.t, err)
	require.NoError(p.t, os.WriteFile(eventPath, data, 0o644))
	workspace := filepath.Join(dir, "workspace")
	require.NoError(p.t, os.MkdirAll(workspace, 0o755))
	return &run{p: p, workflow: workflow, workspace: workspace, vars: map[string]string{
		"GITHUB_ACTIONS":     "true",
		"GITHUB_API_URL":     p.srv.URL(),
		"GITHUB_SERVER_URL":  "https://github.com",
		"GITHUB_REPOSITORY":  owner + "/" + repository,
		"GITHUB_EVENT_NAME":  event,
		"GITHUB_EVENT_PATH":  eventPath,
		"GITHUB_SHA":         sha,
		"GITHUB_REF":         ref,
		"GITHUB_RUN_ID":      strconv.Itoa(p.nextID),
		"GITHUB_RUN_ATTEMPT": "1",
		"GITHUB_WORKSPACE":   workspace,
		"SOURCE_DATE_EPOCH":  strconv.FormatInt(epoch+int64(p.day)*86400, 10),
	}}
}

// step runs the release-action step of job (by step id, or the only one)
// with the with: block of the example workflow, its expressions replaced
// from exprs, and returns the step's outputs.
func (r *run) step(job, id string, exprs map[string]string) map[string]string {
	r.p.t.Helper()
	outputs, out, err := r.try(job, id, exprs)
	require.NoError(r.p.t, err, "%s %s/%s:\n%s", r.workflow, job, id, out)
	return outputs
}

// try runs the step as step does, and returns its log and its failure
// instead of failing the test.
func (r *run) try(job, id string, exprs map[string]string) (map[string]string, string, error) {
	r.p.t.Helper()
	with := exampleStep(r.p.t, r.workflow, job, id)
	dir := r.p.t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	for k, v := range r.vars {
		env = append(env, k+"="+v)
	}
	env = append(env,
		"GITHUB_JOB="+job,
		"GITHUB_ACTION=__BTCDecoded_release-action_"+id,
		"GITHUB_OUTPUT="+filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY="+filepath.Join(dir, "summary"),
		// action.yml's default, ${{ github.token }}.
		"INPUT_TOKEN="+token,
	)
	for key, value := range with {
		env = append(env, "INPUT_"+strings.ToUpper(key)+"="+r.expand(value, exprs))
	}
	cmd := exec.Command(binary)
	cmd.Dir = r.workspace
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	assert.Equal(r.p.t, 1, strings.Count(string(out), token), "the token appears only in its ::add-mask:: line")
	if err != nil {
		return nil, string(out), err
	}
	outputs := githubtest.ReadOutputs(r.p.t, filepath.Join(dir, "output"))
	for name, value := range outputs {
		assert.NotContains(r.p.t, value, token, "output %s", name)
	}
	return outputs, string(out), nil
}

var expression = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// expand replaces ${{ … }} the way the runner would, from the workflow's
// own context: an expression the test does not know fails it.
func (r *run) expand(value string, exprs map[string]string) string {
	return expression.ReplaceAllStringFunc(value, func(m string) string {
		expr := expression.FindStringSubmatch(m)[1]
		if v, ok := exprs[expr]; ok {
			return v
		}
		if name, ok := strings.CutPrefix(expr, "inputs."); ok {
			return r.inputs[name]
		}
		if strings.HasPrefix(expr, "secrets.") {
			return token
		}
		r.p.t.Fatalf("%s: unknown expression %q", r.workflow, expr)
		return ""
	})
}

// exampleStep returns the with: block of the release-action step of job
// in examples/workflows/<file>, the one with the given id, or the only one.
func exampleStep(t *testing.T, file, job, id string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "workflows", file))
	require.NoError(t, err)
	var workflow struct {
		Jobs map[string]struct {
			Steps []struct {
				ID   string            `yaml:"id"`
				Uses string            `yaml:"uses"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	require.NoError(t, yaml.Unmarshal(data, &workflow))
	var found []map[string]string
	for _, s := range workflow.Jobs[job].Steps {
		if s.Uses == "BTCDecoded/release-action@v1" && (id == "" || s.ID == id) {
			found = append(found, s.With)
		}
	}
	require.Len(t, found, 1, "%s: job %s, step %q", file, job, id)
	return found[0]
}

// state is what a rerun must not change: tags (and their tag objects),
// releases and their assets, dispatches of prerelease.yml.
func (p *pipeline) state() string {
	var lines []string
	for _, r := range repositories {
		for tag, sha := range p.srv.Tags(owner + "/" + r) {
			obj, _ := p.srv.TagObject(owner+"/"+r, tag)
			lines = append(lines, fmt.Sprintf("tag %s/%s %s %s", r, tag, sha, obj.SHA))
		}
		for _, rel := range p.srv.Releases(owner + "/" + r) {
			lines = append(lines, fmt.Sprintf("release %s/%s draft=%v prerelease=%v", r, rel.TagName, rel.Draft, rel.Prerelease))
			for _, a := range rel.Assets {
				lines = append(lines, fmt.Sprintf("asset %s/%s/%s %s %s", r, rel.TagName, a.Name, a.State, a.Digest))
			}
		}
	}
	sort.Strings(lines)
	lines = append(lines, fmt.Sprintf("prerelease.yml dispatched %d times", len(p.srv.WorkflowDispatches())))
	return strings.Join(lines, "\n")
}

// orchestration is what one run of release_orchestrator.yml did.
type orchestration struct {
	components []string          // the plan's
	matrix     []map[string]any  // the build jobs, as strategy.matrix expands them
	manifest   manifest.Manifest // the plan's
	plan       map[string]string // the plan step's outputs
	tagged     map[string]string // the nightly-tag step's outputs
	published  bool              // prerelease.yml ran and published
	orch       *run
}

// orchestrate plays release_orchestrator.yml for the dispatch it received
// and prerelease.yml, which it dispatches.
func (p *pipeline) orchestrate(dispatch githubtest.Dispatch) orchestration {
	p.t.Helper()
	orch := p.run("release_orchestrator.yml", "bllvm", "repository_dispatch",
		map[string]any{"action": dispatch.EventType, "client_payload": dispatch.ClientPayload, "branch": "main"},
		bllvmSHA, "refs/heads/main")
	return p.orchestrateRun(orch)
}

func (p *pipeline) orchestrateRun(orch *run) orchestration {
	p.t.Helper()
	t := p.t
	o := orchestration{orch: orch}
	plan := orch.step("plan", "plan", nil)
	require.NoError(t, json.Unmarshal([]byte(plan["components"]), &o.components))
	var matrix struct {
		Include []map[string]any `json:"include"`
	}
	require.NoError(t, json.Unmarshal([]byte(plan["matrix"]), &matrix))
	require.Len(t, matrix.Include, len(o.components), "strategy.matrix has one build per component")
	o.matrix = matrix.Include
	var err error
	o.manifest, err = manifest.Parse("manifest", plan["manifest"])
	require.NoError(t, err, "plan's manifest output")
	require.Len(t, o.manifest, len(components), "the manifest holds every component, rebuilt or not")
	for _, job := range o.matrix {
		entry, ok := o.manifest.Lookup(job["component"].(string))
		require.True(t, ok)
		assert.Equal(t, entry.SHA, job["sha"], "the build job checks out (ref: matrix.sha) the pinned commit of %s", entry.Component)
		assert.True(t, entry.Rebuilt)
	}
	if p.afterPlan != nil {
		p.afterPlan()
		p.afterPlan = nil
	}
	o.plan = plan
	o.tagged, o.published = p.triggerPrerelease(orch, plan)
	return o
}

// triggerPrerelease plays the trigger-prerelease job with the outputs of
// the plan job: tag the snapshot, and publish it through prerelease.yml
// when it changed.
func (p *pipeline) triggerPrerelease(orch *run, plan map[string]string) (map[string]string, bool) {
	p.t.Helper()
	t := p.t
	tagged := orch.step("trigger-prerelease", "tag", map[string]string{
		"needs.plan.outputs.manifest": plan["manifest"],
		"needs.plan.outputs.date":     plan["date"],
	})
	if tagged["changed"] != "true" {
		return tagged, false
	}
	before := len(p.srv.WorkflowDispatches())
	quoted, err := json.Marshal(tagged["manifest"])
	require.NoError(t, err)
	exprs := map[string]string{
		"steps.tag.outputs.tag":              tagged["tag"],
		"steps.tag.outputs.previous-tag":     tagged["previous-tag"],
		"toJSON(steps.tag.outputs.manifest)": string(quoted),
	}
	if p.failPublishDispatch {
		p.failPublishDispatch = false
		p.srv.Fail("POST", "/repos/BTCDecoded/bllvm/actions/workflows/prerelease.yml/dispatches",
			githubtest.NotAccessible())
		_, out, err := orch.try("trigger-prerelease", "publish", exprs)
		require.Error(t, err, "the publish step fails:\n%s", out)
		require.Len(t, p.srv.WorkflowDispatches(), before, "nothing was dispatched")
		return tagged, false
	}
	published := orch.step("trigger-prerelease", "publish", exprs)
	assert.Equal(t, "success", published["conclusion"], "wait followed prerelease.yml's run")
	require.Len(t, p.srv.WorkflowDispatches(), before+1)
	wd := p.srv.WorkflowDispatches()[before]
	assert.Equal(t, "prerelease.yml", wd.Workflow)
	assert.Equal(t, tagged["manifest"], wd.Inputs["manifest"], "prerelease.yml gets the recorded manifest")

	// prerelease.yml, dispatched with the tag: build, then publish.
	pre := p.run("prerelease.yml", "bllvm", "workflow_dispatch", map[string]any{"inputs": wd.Inputs, "ref": wd.Ref}, bllvmSHA, wd.Ref)
	pre.inputs = map[string]string{}
	for k, v := range wd.Inputs {
		pre.inputs[k] = fmt.Sprint(v)
	}
	pre.artifacts(pre.inputs["version"])
	release := pre.step("publish", "release", nil)
	assert.Equal(t, pre.inputs["version"], release["tag"])
	return tagged, true
}

// artifacts writes what prerelease.yml's build step leaves in dist/.
func (r *run) artifacts(version string) {
	dist := filepath.Join(r.workspace, "dist")
	require.NoError(r.p.t, os.MkdirAll(dist, 0o755))
	archive := filepath.Join(dist, "bllvm-"+version+"-linux-x64.tar.gz")
	require.NoError(r.p.t, os.WriteFile(archive, []byte("build of "+version), 0o644))
	require.NoError(r.p.t, os.WriteFile(filepath.Join(dist, "SHA256SUMS"), []byte("sums of "+version), 0o644))
}

// assertNightly checks the nightly tag and its one published prerelease:
// the tag is annotated, at the orchestrator's commit, and its message
// records every component at the commit want gives.
func (p *pipeline) assertNightly(tag string, want map[string]string) {
	p.t.Helper()
	var found []githubtest.Release
	for _, rel := range p.srv.Releases(owner + "/bllvm") {
		if rel.TagName == tag {
			found = append(found, rel)
		}
	}
	require.Len(p.t, found, 1, "one release for %s", tag)
	rel := found[0]
	assert.False(p.t, rel.Draft)
	assert.True(p.t, rel.Prerelease)
	assert.Equal(p.t, "false", rel.MakeLatest)
	var names []string
	for _, a := range rel.Assets {
		assert.Equal(p.t, "uploaded", a.State)
		names = append(names, a.Name)
	}
	assert.ElementsMatch(p.t, []string{"bllvm-" + tag + "-linux-x64.tar.gz", "SHA256SUMS"}, names)
	assert.Equal(p.t, bllvmSHA, p.srv.Tags(owner + "/bllvm")[tag], "the nightly tag is at the orchestrator's commit")
	p.assertRecorded(tag, want)
}

// assertRecorded checks that tag is an annotated tag whose message
// records each component at the commit of want (by repository).
func (p *pipeline) assertRecorded(tag string, want map[string]string) {
	p.t.Helper()
	obj, ok := p.srv.TagObject(owner+"/bllvm", tag)
	require.True(p.t, ok, "%s is an annotated tag", tag)
	assert.Equal(p.t, bllvmSHA, obj.Commit)
	recorded, found, err := manifest.FromMessage(obj.Message)
	require.NoError(p.t, err)
	require.True(p.t, found, "the message of %s records the manifest:\n%s", tag, obj.Message)
	got := map[string]string{}
	for _, e := range recorded {
		assert.Equal(p.t, owner+"/"+components[e.Component], e.Repository)
		got[components[e.Component]] = e.SHA
		assert.Contains(p.t, obj.Message, e.SHA, "git show %s lists %s's commit", tag, e.Component)
	}
	assert.Equal(p.t, want, got, "the commits %s records", tag)
}

// snapshot is the heads of the component repositories now.
func (p *pipeline) snapshot() map[string]string {
	heads := map[string]string{}
	for r, sha := range p.heads {
		heads[r] = sha
	}
	return heads
}

// pushTo plays a push of a new commit to a component repository and its
// CI's trigger-orchestrator job; it returns the dispatch it sent.
func (p *pipeline) pushTo(repository string, n int) githubtest.Dispatch {
	p.t.Helper()
	sha := commitID(slices.Index(repositories, repository), n)
	p.push(repository, sha)
	before := len(p.srv.Dispatches())
	ci := p.run("repo-ci.yml", repository, "push", map[string]any{"ref": "refs/heads/main", "after": sha}, sha, "refs/heads/main")
	sent := ci.step("trigger-orchestrator", "", nil)
	require.Equal(p.t, "true", sent["dispatched"])
	require.Len(p.t, p.srv.Dispatches(), before+1)
	d := p.srv.Dispatches()[before]
	assert.Equal(p.t, owner+"/bllvm", d.Repository)
	assert.Equal(p.t, map[string]any{"ref": "refs/heads/main", "sha": sha, "repo": repository, "dispatch_id": sent["dispatch-id"]}, d.ClientPayload)
	return d
}

// nightlySchedule plays nightly-prerelease.yml's run; it returns the
// build_all dispatch it sent.
func (p *pipeline) nightlySchedule() githubtest.Dispatch {
	p.t.Helper()
	before := len(p.srv.Dispatches())
	nightly := p.run("nightly-prerelease.yml", "bllvm", "schedule", map[string]any{"schedule": "0 2 * * *"}, bllvmSHA, "refs/heads/main")
	sent := nightly.step("trigger-orchestrator", "", nil)
	assert.Equal(p.t, "build_all", sent["event-type"])
	require.Len(p.t, p.srv.Dispatches(), before+1)
	return p.srv.Dispatches()[before]
}

func TestCrossRepoFlow(t *testing.T) {
	tests := []struct {
		repository     string
		eventType      string
		wantComponents []string
	}{
		{"bllvm-consensus", "build_consensus", []string{"consensus", "protocol", "node", "sdk", "governance"}},
		{"bllvm-node", "build_node", []string{"node", "sdk", "governance"}},
		{"governance-app", "build_governance", []string{"governance"}},
	}
	for _, tt := range tests {
		t.Run(tt.repository, func(t *testing.T) {
			p := newPipeline(t)
			d := p.pushTo(tt.repository, 2)
			assert.Equal(t, tt.eventType, d.EventType)

			o := p.orchestrate(d)
			assert.Equal(t, tt.wantComponents, o.components)
			tag := "nightly-" + day + "-" + bllvmSHA[:7]
			assert.Equal(t, tag, o.tagged["tag"])
			assert.True(t, o.published)
			p.assertNightly(tag, p.snapshot())
			for _, e := range o.manifest {
				assert.Equal(t, slices.Contains(tt.wantComponents, e.Component), e.Rebuilt, "rebuilt says whether %s is in the plan", e.Component)
			}

			// Rerunning any step changes nothing.
			state := p.state()
			again := p.orchestrate(d)
			assert.Equal(t, "false", again.tagged["changed"], "the snapshot is published already")
			assert.Equal(t, state, p.state(), "a rerun of the whole flow leaves tags, releases and assets as they were")
		})
	}
}

// TestPipelineWeek plays a week of the pipeline through the examples: the
// nightly of day 1; on day 2 a push to bllvm-consensus and one to
// bllvm-protocol (bllvm unchanged: two distinct nightlies, the second
// -2), the scheduled nightly with nothing new (skipped), a push to
// bllvm-node whose publishing fails after tagging, then its rerun; on day
// 3 a governance-app push with a push to bllvm-sdk landing mid-run; then
// every run again, which changes nothing.
func TestPipelineWeek(t *testing.T) {
	p := newPipeline(t)
	base := "nightly-%s-" + bllvmSHA[:7]

	// Day 1: the nightly schedule builds everything at the heads.
	night1 := p.orchestrate(p.nightlySchedule())
	tag1 := fmt.Sprintf(base, "20251117")
	require.Equal(t, tag1, night1.tagged["tag"])
	assert.Len(t, night1.components, 5)
	assert.Equal(t, `["consensus","protocol","node","sdk","governance"]`, night1.tagged["changed-components"], "the first snapshot: everything is new")
	p.assertNightly(tag1, p.snapshot())
	day1 := p.snapshot()

	// Day 2, a push to bllvm-consensus: bllvm did not change, the nightly does.
	p.day = 1
	consensusPush := p.pushTo("bllvm-consensus", 2)
	pushed := p.orchestrate(consensusPush)
	tag2 := fmt.Sprintf(base, "20251118")
	require.Equal(t, tag2, pushed.tagged["tag"])
	assert.Equal(t, "true", pushed.tagged["created"])
	assert.Equal(t, `["consensus"]`, pushed.tagged["changed-components"])
	assert.Equal(t, tag1, pushed.tagged["previous-tag"])
	assert.True(t, pushed.published, "prerelease.yml is dispatched for it")
	p.assertNightly(tag2, p.snapshot())
	assert.NotEqual(t, day1["bllvm-consensus"], p.snapshot()["bllvm-consensus"])

	// The same day, a push to bllvm-protocol: another snapshot, -2.
	protocolPush := p.pushTo("bllvm-protocol", 2)
	second := p.orchestrate(protocolPush)
	tag2b := tag2 + "-2"
	require.Equal(t, tag2b, second.tagged["tag"])
	assert.Equal(t, []string{"protocol", "node", "sdk", "governance"}, second.components)
	assert.Equal(t, `["protocol"]`, second.tagged["changed-components"])
	assert.Equal(t, tag2, second.tagged["previous-tag"], "-2 comes after the unsuffixed name")
	p.assertNightly(tag2b, p.snapshot())

	// Day 2's scheduled nightly: nothing new since -2.
	dispatches := len(p.srv.WorkflowDispatches())
	nothing := p.orchestrate(p.nightlySchedule())
	assert.Equal(t, "false", nothing.tagged["changed"])
	assert.Equal(t, tag2b, nothing.tagged["tag"], "the nightly holding this snapshot")
	assert.False(t, nothing.published)
	assert.Len(t, p.srv.WorkflowDispatches(), dispatches, "prerelease.yml is not dispatched")

	// A push to bllvm-node: tagged, then dispatching prerelease.yml fails.
	nodePush := p.pushTo("bllvm-node", 2)
	p.failPublishDispatch = true
	failed := p.orchestrate(nodePush)
	tag2c := tag2 + "-3"
	require.Equal(t, tag2c, failed.tagged["tag"])
	assert.False(t, failed.published)
	p.assertRecorded(tag2c, p.snapshot())
	// The rerun of the failed job finds its tag unpublished and publishes.
	tagged, published := p.triggerPrerelease(failed.orch, failed.plan)
	assert.Equal(t, tag2c, tagged["tag"])
	assert.Equal(t, "true", tagged["changed"], "a tagged snapshot is done only once published")
	assert.Equal(t, "false", tagged["created"])
	assert.True(t, published)
	p.assertNightly(tag2c, p.snapshot())

	// Day 3: a governance-app push; a push to bllvm-sdk lands between plan
	// and build, and is not what this run pins.
	p.day = 2
	beforeSDK := p.snapshot()
	governancePush := p.pushTo("governance-app", 2)
	beforeSDK["governance-app"] = p.heads["governance-app"]
	p.afterPlan = func() { p.push("bllvm-sdk", commitID(slices.Index(repositories, "bllvm-sdk"), 9)) }
	day3 := p.orchestrate(governancePush)
	tag3 := fmt.Sprintf(base, "20251119")
	require.Equal(t, tag3, day3.tagged["tag"])
	assert.Equal(t, []string{"governance"}, day3.components)
	assert.Equal(t, `["governance"]`, day3.tagged["changed-components"])
	p.assertNightly(tag3, beforeSDK)
	assert.NotEqual(t, p.heads["bllvm-sdk"], beforeSDK["bllvm-sdk"], "sdk moved mid-run")

	// Every job of the week again, as GitHub reruns a job with the outputs
	// of the jobs it needs, on day 4: nothing changes.
	p.day = 3
	state := p.state()
	for _, o := range []orchestration{night1, pushed, second, nothing, failed, day3} {
		again, published := p.triggerPrerelease(o.orch, o.plan)
		assert.Equal(t, "false", again["created"], "a rerun creates no tag")
		assert.False(t, published, "a rerun publishes nothing new")
	}
	// And a plan with nothing new since the last run: nothing to do.
	p.push("bllvm-sdk", beforeSDK["bllvm-sdk"])
	assert.Equal(t, "false", p.orchestrate(governancePush).tagged["changed"])
	assert.Equal(t, state, p.state())
}
