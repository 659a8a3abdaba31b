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
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/BTCDecoded/release-action/internal/githubtest"
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
	// A fixed day (SOURCE_DATE_EPOCH) so that the nightly's name is known.
	epoch = "1763344800" // 2025-11-17T02:00:00Z
	day   = "20251117"
)

var repositories = []string{"bllvm", "bllvm-consensus", "bllvm-protocol", "bllvm-node", "bllvm-sdk", "governance-app"}

// pipeline is one fake GitHub and the runs of workflows against it.
type pipeline struct {
	t      *testing.T
	srv    *githubtest.Server
	nextID int
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
	p := &pipeline{t: t, srv: githubtest.New(t, opts...), nextID: 1000}
	p.srv.SetBranch(owner+"/bllvm", "main", bllvmSHA)
	return p
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
		"SOURCE_DATE_EPOCH":  epoch,
	}}
}

// step runs the release-action step of job (by step id, or the only one)
// with the with: block of the example workflow, its expressions replaced
// from exprs, and returns the step's outputs.
func (r *run) step(job, id string, exprs map[string]string) map[string]string {
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
	require.NoError(r.p.t, err, "%s %s/%s:\n%s", r.workflow, job, id, out)
	assert.Equal(r.p.t, 1, strings.Count(string(out), token), "the token appears only in its ::add-mask:: line")
	outputs := githubtest.ReadOutputs(r.p.t, filepath.Join(dir, "output"))
	for name, value := range outputs {
		assert.NotContains(r.p.t, value, token, "output %s", name)
	}
	return outputs
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

// state is what a rerun must not change: tags, releases and their assets.
func (p *pipeline) state() string {
	var lines []string
	for _, r := range repositories {
		for tag, sha := range p.srv.Tags(owner + "/" + r) {
			lines = append(lines, fmt.Sprintf("tag %s/%s %s", r, tag, sha))
		}
		for _, rel := range p.srv.Releases(owner + "/" + r) {
			lines = append(lines, fmt.Sprintf("release %s/%s draft=%v prerelease=%v", r, rel.TagName, rel.Draft, rel.Prerelease))
			for _, a := range rel.Assets {
				lines = append(lines, fmt.Sprintf("asset %s/%s/%s %s %s", r, rel.TagName, a.Name, a.State, a.Digest))
			}
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// orchestrate plays release_orchestrator.yml for the dispatch it received
// and prerelease.yml, which it dispatches; it returns the plan's components
// and the published tag.
func (p *pipeline) orchestrate(dispatch githubtest.Dispatch) (components []string, tag string) {
	p.t.Helper()
	t := p.t
	orch := p.run("release_orchestrator.yml", "bllvm", "repository_dispatch",
		map[string]any{"action": dispatch.EventType, "client_payload": dispatch.ClientPayload, "branch": "main"},
		bllvmSHA, "refs/heads/main")

	plan := orch.step("plan", "plan", nil)
	require.NoError(t, json.Unmarshal([]byte(plan["components"]), &components))
	var matrix struct {
		Include []map[string]any `json:"include"`
	}
	require.NoError(t, json.Unmarshal([]byte(plan["matrix"]), &matrix))
	require.Len(t, matrix.Include, len(components), "strategy.matrix has one build per component")

	tagged := orch.step("trigger-prerelease", "tag", nil)
	tag = tagged["tag"]
	if tagged["changed"] != "true" {
		return components, tag
	}
	before := len(p.srv.WorkflowDispatches())
	published := orch.step("trigger-prerelease", "publish", map[string]string{
		"steps.tag.outputs.tag":          tagged["tag"],
		"steps.tag.outputs.previous-tag": tagged["previous-tag"],
	})
	assert.Equal(t, "success", published["conclusion"], "wait followed prerelease.yml's run")
	require.Len(t, p.srv.WorkflowDispatches(), before+1)
	wd := p.srv.WorkflowDispatches()[before]
	assert.Equal(t, "prerelease.yml", wd.Workflow)

	// prerelease.yml, dispatched with the tag: build, then publish.
	pre := p.run("prerelease.yml", "bllvm", "workflow_dispatch", map[string]any{"inputs": wd.Inputs, "ref": wd.Ref}, bllvmSHA, wd.Ref)
	pre.inputs = map[string]string{}
	for k, v := range wd.Inputs {
		pre.inputs[k] = fmt.Sprint(v)
	}
	pre.artifacts(pre.inputs["version"])
	release := pre.step("publish", "release", nil)
	assert.Equal(t, pre.inputs["version"], release["tag"])
	return components, tag
}

// artifacts writes what prerelease.yml's build step leaves in dist/.
func (r *run) artifacts(version string) {
	dist := filepath.Join(r.workspace, "dist")
	require.NoError(r.p.t, os.MkdirAll(dist, 0o755))
	archive := filepath.Join(dist, "bllvm-"+version+"-linux-x64.tar.gz")
	require.NoError(r.p.t, os.WriteFile(archive, []byte("build of "+version), 0o644))
	require.NoError(r.p.t, os.WriteFile(filepath.Join(dist, "SHA256SUMS"), []byte("sums of "+version), 0o644))
}

func (p *pipeline) assertPrerelease(tag string) {
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
			const commit = "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"
			ci := p.run("repo-ci.yml", tt.repository, "push", map[string]any{"ref": "refs/heads/main", "after": commit}, commit, "refs/heads/main")
			sent := ci.step("trigger-orchestrator", "", nil)
			assert.Equal(t, "true", sent["dispatched"])
			require.Len(t, p.srv.Dispatches(), 1)
			d := p.srv.Dispatches()[0]
			assert.Equal(t, owner+"/bllvm", d.Repository)
			assert.Equal(t, tt.eventType, d.EventType)
			assert.Equal(t, map[string]any{"ref": "refs/heads/main", "sha": commit, "repo": tt.repository, "dispatch_id": sent["dispatch-id"]}, d.ClientPayload)

			components, tag := p.orchestrate(d)
			assert.Equal(t, tt.wantComponents, components)
			assert.Equal(t, "nightly-"+day+"-"+bllvmSHA[:7], tag)
			p.assertPrerelease(tag)

			// Rerunning any step changes nothing.
			state := p.state()
			again := ci.step("trigger-orchestrator", "", nil)
			assert.Equal(t, sent["dispatch-id"], again["dispatch-id"], "a repeated delivery carries the same dispatch_id, which the orchestrator's concurrency group uses")
			p.orchestrate(p.srv.Dispatches()[1])
			assert.Equal(t, state, p.state(), "a rerun of the whole flow leaves tags, releases and assets as they were")
		})
	}
}

func TestNightlyFlow(t *testing.T) {
	p := newPipeline(t)
	// Yesterday's nightly, at an older commit.
	const older = "0ddc0ffee0ddc0ffee0ddc0ffee0ddc0ffee0dd0"
	p.srv.SetTag(owner+"/bllvm", "nightly-20251116-0ddc0ff", older)
	p.srv.AddRelease(owner+"/bllvm", githubtest.Release{TagName: "nightly-20251116-0ddc0ff", Prerelease: true})

	nightly := p.run("nightly-prerelease.yml", "bllvm", "schedule", map[string]any{"schedule": "0 2 * * *"}, bllvmSHA, "refs/heads/main")
	sent := nightly.step("trigger-orchestrator", "", nil)
	assert.Equal(t, "build_all", sent["event-type"])
	require.Len(t, p.srv.Dispatches(), 1)

	components, tag := p.orchestrate(p.srv.Dispatches()[0])
	assert.Len(t, components, 5, "build_all builds everything")
	p.assertPrerelease(tag)
	wd := p.srv.WorkflowDispatches()[0]
	assert.Equal(t, "nightly-20251116-0ddc0ff", wd.Inputs["previous"], "notes start at yesterday's nightly")

	state := p.state()
	// The same night again (a rerun): the tag is unchanged, nothing is published twice.
	nightly.step("trigger-orchestrator", "", nil)
	_, again := p.orchestrate(p.srv.Dispatches()[1])
	assert.Equal(t, tag, again)
	assert.Len(t, p.srv.WorkflowDispatches(), 1, "skip-unchanged: prerelease.yml is not dispatched again")
	assert.Equal(t, state, p.state())
}
