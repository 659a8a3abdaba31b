// Package e2e plays the pipeline of the example workflows end to end: the
// built binary, step after step, against one fake GitHub that keeps state,
// with each step's inputs taken from examples/workflows and its outputs
// passed on exactly as the workflows pass them.
package e2e

import (
	"crypto/sha256"
	"encoding/hex"
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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/report"
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
	// lastChecksums and lastCarried are what the last publish wrote and
	// carried over.
	lastChecksums string
	lastCarried   []string
	lastPublish   *run
	// artifacts are what each orchestrator run's build jobs uploaded, by
	// run id: asset name to content.
	artifacts map[string]map[string]string
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
	p := &pipeline{t: t, srv: githubtest.New(t, opts...), nextID: 1000, heads: map[string]string{}, artifacts: map[string]map[string]string{}}
	p.srv.SetBranch(owner+"/bllvm", "main", bllvmSHA)
	for i, r := range repositories[1:] {
		p.push(r, commitID(i+1, 1))
	}
	return p
}

// commitID makes a recognisable commit whose short sha tells it apart:
// repository index, counter, then the counter again.
func commitID(repo, n int) string {
	return fmt.Sprintf("%02x%02x%036x", repo, n, n)
}

// push moves the main branch of a component repository to sha.
func (p *pipeline) push(repository, sha string) {
	p.srv.SetBranch(owner+"/"+repository, "main", sha)
	p.heads[repository] = sha
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
		if expr == "github.run_id" {
			return r.vars["GITHUB_RUN_ID"]
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
				lines = append(lines, fmt.Sprintf("asset %s/%s/%s %s %s uploaded %d times", r, rel.TagName, a.Name, a.State, a.Digest, a.Uploads))
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
	// The build jobs: each uploads what it built, named after its
	// component (and governance's image job its image).
	built := map[string]string{}
	for _, job := range o.matrix {
		component := job["component"].(string)
		built[component+"-linux-x64.tar.gz"] = fmt.Sprintf("%s built at %s", component, job["sha"])
		if component == "governance" {
			built["governance-app-image.tar.gz"] = fmt.Sprintf("governance image at %s", job["sha"])
		}
	}
	p.artifacts[orch.vars["GITHUB_RUN_ID"]] = built
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
	assert.Equal(t, orch.vars["GITHUB_RUN_ID"], pre.inputs["run-id"], "prerelease.yml publishes this run's artifacts")
	pre.download(p.artifacts[pre.inputs["run-id"]])
	release := pre.step("publish", "release", nil)
	p.lastPublish = pre
	assert.Equal(t, pre.inputs["version"], release["tag"])
	assert.Equal(t, ".release-action/SHA256SUMS", release["checksums-file"], "relative to the workspace, for attest-build-provenance")
	sums, err := os.ReadFile(filepath.Join(pre.workspace, release["checksums-file"]))
	require.NoError(t, err, "the checksums file is in the workspace, where the next step finds it")
	p.lastChecksums = string(sums)
	require.NoError(t, json.Unmarshal([]byte(release["carried"]), &p.lastCarried))
	return tagged, true
}

// download plays actions/download-artifact with merge-multiple: the run's
// artifacts land in dist/.
func (r *run) download(artifacts map[string]string) {
	dist := filepath.Join(r.workspace, "dist")
	require.NoError(r.p.t, os.MkdirAll(dist, 0o755))
	for name, content := range artifacts {
		require.NoError(r.p.t, os.WriteFile(filepath.Join(dist, name), []byte(content), 0o644))
	}
}

// assertNightly checks the nightly tag and its one published prerelease:
// the tag is annotated, at the orchestrator's commit, and records each
// component at the commit want gives (by repository); the prerelease holds
// an asset of every component built at exactly that commit (built now or
// carried over), manifest.json and SHA256SUMS, and its notes show every
// component's commit and, against before (the previous nightly's, nil for
// none), which changed.
func (p *pipeline) assertNightly(tag string, want, before map[string]string) {
	p.t.Helper()
	t := p.t
	var found []githubtest.Release
	for _, rel := range p.srv.Releases(owner + "/bllvm") {
		if rel.TagName == tag {
			found = append(found, rel)
		}
	}
	require.Len(t, found, 1, "one release for %s", tag)
	rel := found[0]
	assert.False(t, rel.Draft)
	assert.True(t, rel.Prerelease)
	assert.Equal(t, "false", rel.MakeLatest)
	assert.Equal(t, bllvmSHA, p.srv.Tags(owner + "/bllvm")[tag], "the nightly tag is at the orchestrator's commit")
	p.assertRecorded(tag, want)

	contents := map[string]string{}
	for _, a := range rel.Assets {
		assert.Equal(t, "uploaded", a.State)
		content, ok := p.srv.AssetContent(owner+"/bllvm", rel.ID, a.Name)
		require.True(t, ok, "asset %s has bytes", a.Name)
		contents[a.Name] = string(content)
	}
	wantAssets := map[string]string{"governance-app-image.tar.gz": fmt.Sprintf("governance image at %s", want["governance-app"])}
	for component, repository := range components {
		wantAssets[component+"-linux-x64.tar.gz"] = fmt.Sprintf("%s built at %s", component, want[repository])
	}
	for name, content := range wantAssets {
		assert.Equal(t, content, contents[name], "%s of %s is the build of the commit the manifest records", name, tag)
	}
	assert.Len(t, contents, len(wantAssets)+2, "every component's assets, manifest.json and SHA256SUMS")

	var document struct {
		Tag, Repository, Commit string
		Components              map[string]struct{ Repository, SHA string }
	}
	require.NoError(t, json.Unmarshal([]byte(contents["manifest.json"]), &document))
	assert.Equal(t, tag, document.Tag)
	assert.Equal(t, owner+"/bllvm", document.Repository)
	assert.Equal(t, bllvmSHA, document.Commit)
	require.Len(t, document.Components, len(components))
	for component, e := range document.Components {
		assert.Equal(t, want[components[component]], e.SHA, "manifest.json: %s", component)
	}

	var sums []string
	for name, content := range contents {
		if name != "SHA256SUMS" {
			digest := sha256.Sum256([]byte(content))
			sums = append(sums, hex.EncodeToString(digest[:])+"  "+name)
		}
	}
	sort.Slice(sums, func(i, j int) bool { return sums[i][66:] < sums[j][66:] })
	assert.Equal(t, strings.Join(sums, "\n")+"\n", contents["SHA256SUMS"], "sha256sum -c verifies every asset")
	assert.Equal(t, contents["SHA256SUMS"], p.lastChecksums, "the workspace copy is the asset")

	for component, repository := range components {
		sha := want[repository]
		row := fmt.Sprintf("| %s | [%s/%s](https://github.com/%s/%s) | [%s](https://github.com/%s/%s/commit/%s) | ", component, owner, report.Text(repository), owner, repository, sha[:7], owner, repository, sha)
		require.Contains(t, rel.Body, row, "the notes of %s list %s", tag, component)
		rest := strings.SplitN(rel.Body[strings.Index(rel.Body, row)+len(row):], " |", 2)[0]
		switch was := before[repository]; {
		case before == nil:
			assert.Equal(t, "new", rest)
		case was == sha:
			assert.Equal(t, "unchanged", rest, "%s of %s", component, tag)
		default:
			assert.Contains(t, rest, fmt.Sprintf("](https://github.com/%s/%s/compare/%s...%s)", owner, repository, was, sha), "%s of %s links the compare", component, tag)
			assert.Regexp(t, `^\[\d+ commits?\]`, rest)
		}
	}
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
			// Last night's nightly, which what is not rebuilt comes from.
			p.orchestrate(p.nightlySchedule())
			lastNight := p.snapshot()
			p.day = 1
			d := p.pushTo(tt.repository, 2)
			assert.Equal(t, tt.eventType, d.EventType)

			o := p.orchestrate(d)
			assert.Equal(t, tt.wantComponents, o.components)
			tag := "nightly-20251118-" + bllvmSHA[:7]
			assert.Equal(t, tag, o.tagged["tag"])
			assert.True(t, o.published)
			p.assertNightly(tag, p.snapshot(), lastNight)
			var notRebuilt []string
			for component := range components {
				if !slices.Contains(tt.wantComponents, component) {
					notRebuilt = append(notRebuilt, component+"-linux-x64.tar.gz")
				}
			}
			assert.ElementsMatch(t, notRebuilt, p.lastCarried, "what was not rebuilt is carried over")
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
	day1 := p.snapshot()
	p.assertNightly(tag1, day1, nil)

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
	at2 := p.snapshot()
	p.assertNightly(tag2, at2, day1)
	assert.NotEqual(t, day1["bllvm-consensus"], at2["bllvm-consensus"])
	assert.Empty(t, p.lastCarried, "a push to the first component rebuilds everything")

	// The same day, a push to bllvm-protocol: another snapshot, -2.
	protocolPush := p.pushTo("bllvm-protocol", 2)
	second := p.orchestrate(protocolPush)
	tag2b := tag2 + "-2"
	require.Equal(t, tag2b, second.tagged["tag"])
	assert.Equal(t, []string{"protocol", "node", "sdk", "governance"}, second.components)
	assert.Equal(t, `["protocol"]`, second.tagged["changed-components"])
	assert.Equal(t, tag2, second.tagged["previous-tag"], "-2 comes after the unsuffixed name")
	at2b := p.snapshot()
	p.assertNightly(tag2b, at2b, at2)
	assert.Equal(t, []string{"consensus-linux-x64.tar.gz"}, p.lastCarried)

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
	at2c := p.snapshot()
	p.assertNightly(tag2c, at2c, at2b)
	assert.ElementsMatch(t, []string{"consensus-linux-x64.tar.gz", "protocol-linux-x64.tar.gz"}, p.lastCarried)

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
	p.assertNightly(tag3, beforeSDK, at2c)
	assert.NotEqual(t, p.heads["bllvm-sdk"], beforeSDK["bllvm-sdk"], "sdk moved mid-run")
	assert.ElementsMatch(t, []string{"consensus-linux-x64.tar.gz", "protocol-linux-x64.tar.gz", "node-linux-x64.tar.gz", "sdk-linux-x64.tar.gz"}, p.lastCarried)

	// The push to bllvm-sdk that landed mid-run reaches the orchestrator:
	// sdk and governance are rebuilt, node, protocol and consensus carried
	// over from the nightly before with the same bytes.
	sdkPush := p.pushTo("bllvm-sdk", 9)
	sdk := p.orchestrate(sdkPush)
	tag3b := tag3 + "-2"
	require.Equal(t, tag3b, sdk.tagged["tag"])
	assert.Equal(t, []string{"sdk", "governance"}, sdk.components)
	at3b := p.snapshot()
	p.assertNightly(tag3b, at3b, beforeSDK)
	assert.ElementsMatch(t, []string{"consensus-linux-x64.tar.gz", "protocol-linux-x64.tar.gz", "node-linux-x64.tar.gz"}, p.lastCarried)
	for _, name := range p.lastCarried {
		assert.Equal(t, p.assetContent(tag3, name), p.assetContent(tag3b, name), "%s carried with the same bytes", name)
	}
	assert.NotEqual(t, p.assetContent(tag3, "sdk-linux-x64.tar.gz"), p.assetContent(tag3b, "sdk-linux-x64.tar.gz"), "sdk is the new build")

	// Every job of the week again, as GitHub reruns a job with the outputs
	// of the jobs it needs, on day 4: nothing changes.
	p.day = 3
	state := p.state()
	for _, o := range []orchestration{night1, pushed, second, nothing, failed, day3, sdk} {
		again, published := p.triggerPrerelease(o.orch, o.plan)
		assert.Equal(t, "false", again["created"], "a rerun creates no tag")
		assert.False(t, published, "a rerun publishes nothing new")
	}
	// A plan with nothing new since the last run: nothing to do.
	assert.Equal(t, "false", p.orchestrate(sdkPush).tagged["changed"])
	// And prerelease.yml's publish step again: it finds every asset there
	// with the same digest and uploads nothing.
	p.lastPublish.step("publish", "release", nil)
	assert.Equal(t, state, p.state())
}

// assetContent is the content of the named asset of tag's release.
func (p *pipeline) assetContent(tag, name string) string {
	p.t.Helper()
	for _, rel := range p.srv.Releases(owner + "/bllvm") {
		if rel.TagName == tag {
			content, ok := p.srv.AssetContent(owner+"/bllvm", rel.ID, name)
			require.True(p.t, ok, "%s has %s", tag, name)
			return string(content)
		}
	}
	p.t.Fatalf("no release %s", tag)
	return ""
}
