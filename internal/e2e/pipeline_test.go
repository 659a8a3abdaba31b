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
	"maps"
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

var repositories = []string{"bllvm", "bllvm-consensus", "bllvm-protocol", "bllvm-node", "bllvm-sdk", "bllvm-commons"}

// components are the default graph's, with their repositories: bllvm,
// the orchestrator's own crate, is one of them, pinned like any other.
var components = map[string]string{
	"consensus": "bllvm-consensus", "protocol": "bllvm-protocol", "node": "bllvm-node",
	"sdk": "bllvm-sdk", "governance": "bllvm-commons", "bllvm": "bllvm",
}

// pipeline is one fake GitHub and the runs of workflows against it.
type pipeline struct {
	t      *testing.T
	srv    *githubtest.Server
	nextID int
	day    int // days since the first, for SOURCE_DATE_EPOCH
	heads  map[string]string
	// runner is the workspace of the orchestrator's self-hosted runner,
	// which persists from run to run, as a self-hosted runner's does.
	runner string
	// afterPlan, when set, runs between the plan and the build jobs.
	afterPlan func()
	// lastChecksums and lastCarried are what the last publish wrote and
	// carried over.
	lastChecksums string
	lastCarried   []string
	// artifacts are what each orchestrator run's build jobs uploaded, by
	// run id: asset name to content.
	artifacts map[string]map[string]string
	// published are the nightlies published so far, in order, each with
	// the commits it holds (by repository).
	published []publishedNightly
	// graph, when set, is the graph input of every orchestrator run's
	// steps (plan's and create-prerelease's).
	graph string
}

type publishedNightly struct {
	tag     string
	commits map[string]string
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
	p := &pipeline{t: t, srv: githubtest.New(t, opts...), nextID: 1000, heads: map[string]string{}, runner: t.TempDir(), artifacts: map[string]map[string]string{}}
	// The orchestrator's commit is bllvm's: its CI passed on it too.
	p.push("bllvm", bllvmSHA)
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

// push moves the main branch of a component repository to sha, and its
// CI (ci.yml) passes on that push.
func (p *pipeline) push(repository, sha string) {
	p.srv.SetBranch(owner+"/"+repository, "main", sha)
	p.srv.AddRun(owner+"/"+repository, githubtest.Run{WorkflowID: "ci.yml", Name: "CI", Event: "push", HeadBranch: "main", HeadSHA: sha})
	p.srv.SetCommitFiles(owner+"/"+repository, sha, sourcesOf(repository, sha))
	p.heads[repository] = sha
}

// sourcesOf are the files of a commit of a repository, as its archive
// holds them: each says which commit it is.
func sourcesOf(repository, sha string) map[string]string {
	return map[string]string{
		"Cargo.toml": "[package]\nname = \"" + repository + "\"\n",
		"src/COMMIT": sha + "\n",
		"README.md":  repository + "\n",
	}
}

// pushFailing moves the main branch to a commit whose CI fails: its
// trigger-orchestrator job never runs, and it is not a good commit.
func (p *pipeline) pushFailing(repository string, n int) string {
	sha := commitID(slices.Index(repositories, repository), n)
	p.srv.SetBranch(owner+"/"+repository, "main", sha)
	p.srv.AddRun(owner+"/"+repository, githubtest.Run{WorkflowID: "ci.yml", Name: "CI", Event: "push", HeadBranch: "main", HeadSHA: sha, Status: "completed", Conclusion: "failure"})
	return sha
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
	if repository == "bllvm" {
		workspace = p.runner
	}
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
	with := map[string]string{}
	for key, value := range exampleStep(r.p.t, r.workflow, job, id) {
		with[key] = r.expand(value, exprs)
	}
	r.vars["GITHUB_JOB"], r.vars["GITHUB_ACTION"] = job, "__BTCDecoded_release-action_"+id
	return r.action(with)
}

// action runs the built action as a step whose with: block is with, its
// values as the runner passes them (expressions replaced), and returns
// its outputs and its log.
func (r *run) action(with map[string]string) (map[string]string, string, error) {
	r.p.t.Helper()
	dir := r.p.t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	for k, v := range r.vars {
		env = append(env, k+"="+v)
	}
	env = append(env,
		"GITHUB_OUTPUT="+filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY="+filepath.Join(dir, "summary"),
		// action.yml's default, ${{ github.token }}.
		"INPUT_TOKEN="+token,
	)
	for key, value := range with {
		env = append(env, "INPUT_"+strings.ToUpper(key)+"="+value)
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
	tagged     map[string]string // the nightly-tag step's outputs; nil when the publish job did not run
	published  bool              // the publish job published
	release    map[string]string // the create-prerelease step's outputs
	closed     map[string]string // the closing triage step's outputs
	orch       *run
}

// orchestrate plays release_orchestrator.yml for the dispatch it received,
// every job of it.
func (p *pipeline) orchestrate(dispatch githubtest.Dispatch) *orchestration {
	p.t.Helper()
	o := p.planRun(dispatch)
	if o.plan["changed"] == "true" {
		p.publish(o)
	}
	return o
}

// dispatchRun is the orchestrator's run for a repository_dispatch.
func (p *pipeline) dispatchRun(dispatch githubtest.Dispatch) *run {
	r := p.run("release_orchestrator.yml", "bllvm", "repository_dispatch",
		map[string]any{"action": dispatch.EventType, "client_payload": dispatch.ClientPayload, "branch": "main"},
		bllvmSHA, "refs/heads/main")
	if p.graph != "" {
		r.vars["INPUT_GRAPH"] = p.graph
	}
	return r
}

// planRun plays the plan job and, when it says something changed, the
// build jobs: each uploads what it built, named after its component (and
// governance's image job its image).
func (p *pipeline) planRun(dispatch githubtest.Dispatch) *orchestration {
	p.t.Helper()
	t := p.t
	orch := p.dispatchRun(dispatch)
	o := &orchestration{orch: orch}
	plan := orch.step("plan", "plan", nil)
	o.plan = plan
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
	assert.Equal(t, strconv.FormatBool(len(o.components) > 0), plan["changed"], "changed says whether anything is built")
	for _, job := range o.matrix {
		entry, ok := o.manifest.Lookup(job["component"].(string))
		require.True(t, ok)
		assert.Equal(t, entry.SHA, job["sha"], "the build job checks out (ref: matrix.sha) the pinned commit of %s", entry.Component)
		assert.True(t, entry.Rebuilt)
	}
	if plan["changed"] != "true" {
		// The build and publish jobs' if: needs.plan.outputs.changed == 'true'.
		return o
	}
	// Each build job first lays out the sources of its component and of
	// everything it depends on, side by side, at the pinned commits.
	for _, component := range o.components {
		orch.layOut(o, component)
	}
	built := map[string]string{}
	for _, job := range o.matrix {
		maps.Copy(built, assetsOf(job["component"].(string), job["sha"].(string)))
	}
	p.artifacts[orch.vars["GITHUB_RUN_ID"]] = built
	if p.afterPlan != nil {
		p.afterPlan()
		p.afterPlan = nil
	}
	return o
}

// assetsOf is what the build jobs of examples/workflows upload for a
// component built at sha, by asset name: the libraries (consensus,
// protocol, node) ship nothing; bllvm and the sdk tools an archive per
// variant and platform; governance its binaries and its image.
func assetsOf(component, sha string) map[string]string {
	out := map[string]string{}
	switch component {
	case "bllvm", "sdk":
		for _, variant := range []string{"base", "experimental"} {
			for platform, ext := range map[string]string{"x86_64-unknown-linux-gnu": "tar.gz", "x86_64-pc-windows-gnu": "zip"} {
				out[fmt.Sprintf("%s-%s-%s.%s", component, variant, platform, ext)] = fmt.Sprintf("%s %s %s built at %s", component, variant, platform, sha)
			}
		}
	case "governance":
		out["governance-x86_64-unknown-linux-gnu.tar.gz"] = "governance built at " + sha
		out["governance-image.tar.gz"] = "governance image at " + sha
	}
	return out
}

// assetNamesOf are the names of assetsOf for each of components.
func assetNamesOf(components ...string) []string {
	var names []string
	for _, c := range components {
		for name := range assetsOf(c, "") {
			names = append(names, name)
		}
	}
	return names
}

// layOut plays the checkout step (id src) of component's build job (the
// consensus proofs' job for consensus) in the runner's workspace, which
// keeps the folders of earlier runs, and checks that every repository the
// component needs is there at the commit the manifest pins.
func (r *run) layOut(o *orchestration, component string) {
	r.p.t.Helper()
	t := r.p.t
	job := "build-" + component
	if component == "consensus" {
		job = "verify-consensus"
	}
	out := r.step(job, "src", map[string]string{"needs.plan.outputs.manifest": o.plan["manifest"]})
	var paths map[string]string
	require.NoError(t, json.Unmarshal([]byte(out["paths"]), &paths), "%s: paths", job)
	require.Contains(t, paths, component, "%s lays out its own component", job)
	for name, path := range paths {
		entry, ok := o.manifest.Lookup(name)
		require.True(t, ok, "%s: %s is in the manifest", job, name)
		_, repo, _ := strings.Cut(entry.Repository, "/")
		assert.Equal(t, "sources/"+repo, filepath.ToSlash(path), "%s: side by side, under the repository's name", job)
		got, err := os.ReadFile(filepath.Join(r.workspace, path, "src", "COMMIT"))
		require.NoError(t, err, "%s: %s laid out", job, name)
		assert.Equal(t, entry.SHA+"\n", string(got), "%s: %s at the commit the manifest pins", job, name)
	}
}

// publish plays the publish job with the outputs of the plan job: empty
// the download folder, download this run's artifacts, tag the snapshot,
// and publish it when the tag step says it changed.
func (p *pipeline) publish(o *orchestration) {
	p.t.Helper()
	o.orch.emptyDownloadFolder()
	o.orch.download(p.artifacts[o.orch.vars["GITHUB_RUN_ID"]])
	if p.tag(o); o.tagged["changed"] != "true" {
		return
	}
	p.release(o)
}

// tag plays the publish job's nightly-tag step.
func (p *pipeline) tag(o *orchestration) {
	p.t.Helper()
	o.tagged = o.orch.step("publish", "tag", map[string]string{
		"needs.plan.outputs.manifest": o.plan["manifest"],
		"needs.plan.outputs.date":     o.plan["date"],
	})
}

// releaseExprs are the create-prerelease step's expressions.
func releaseExprs(o *orchestration) map[string]string {
	return map[string]string{
		"steps.tag.outputs.tag":          o.tagged["tag"],
		"steps.tag.outputs.previous-tag": o.tagged["previous-tag"],
		"steps.tag.outputs.manifest":     o.tagged["manifest"],
	}
}

// release plays the publish job's create-prerelease step.
func (p *pipeline) release(o *orchestration) {
	p.t.Helper()
	t := p.t
	release := o.orch.step("publish", "release", releaseExprs(o))
	o.release, o.published = release, true
	assert.Equal(t, o.tagged["tag"], release["tag"])
	assert.Equal(t, ".release-action/SHA256SUMS", release["checksums-file"], "relative to the workspace, for attest-build-provenance")
	sums, err := os.ReadFile(filepath.Join(o.orch.workspace, release["checksums-file"]))
	require.NoError(t, err, "the checksums file is in the workspace, where the next step finds it")
	_, err = os.Stat(filepath.Join(o.orch.workspace, ".release-action", "manifest.json"))
	require.NoError(t, err, "manifest.json is in the workspace, for the attest step")
	p.lastChecksums = string(sums)
	require.NoError(t, json.Unmarshal([]byte(release["carried"]), &p.lastCarried))
	commits := map[string]string{}
	for _, e := range o.manifest {
		commits[components[e.Component]] = e.SHA
	}
	if n := len(p.published); n == 0 || p.published[n-1].tag != release["tag"] {
		p.published = append(p.published, publishedNightly{tag: release["tag"], commits: commits})
	}
	// The nightly works again: the tracking issue, if one is open, closes.
	o.closed = o.orch.step("publish", "close-issue", map[string]string{"steps.release.outputs.tag": release["tag"]})
}

// emptyDownloadFolder plays the publish job's first step, which the
// example must have: rm -rf dist && mkdir dist.
func (r *run) emptyDownloadFolder() {
	r.p.t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "workflows", r.workflow))
	require.NoError(r.p.t, err)
	require.Contains(r.p.t, string(data), "run: rm -rf dist && mkdir dist", "the publish job empties the download folder first")
	dist := filepath.Join(r.workspace, "dist")
	require.NoError(r.p.t, os.RemoveAll(dist))
	require.NoError(r.p.t, os.MkdirAll(dist, 0o755))
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
	wantAssets := map[string]string{}
	for component, repository := range components {
		maps.Copy(wantAssets, assetsOf(component, want[repository]))
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
	// A schedule has no inputs: the whole nightly.
	sent := nightly.step("trigger-orchestrator", "", map[string]string{
		"inputs.component || 'all'": "all",
		`(inputs.component || 'all') == 'all' && '{"nightly": true}' || '{"nightly": true, "repo": null, "sha": null, "ref": null}'`: `{"nightly": true}`,
	})
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
		{"bllvm-consensus", "build_consensus", []string{"consensus", "protocol", "node", "sdk", "bllvm", "governance"}},
		{"bllvm-node", "build_node", []string{"node", "sdk", "bllvm", "governance"}},
		{"bllvm-sdk", "build_sdk", []string{"sdk", "governance"}},
		// repo-ci.yml lets trigger-orchestrator derive the type from the
		// repository's name: bllvm-commons is the default graph's
		// repository of governance.
		{"bllvm-commons", "build_governance", []string{"governance"}},
	}
	for _, tt := range tests {
		t.Run(tt.repository, func(t *testing.T) {
			p := newPipeline(t)
			// Last night's nightly, which what is not rebuilt comes from.
			first := p.orchestrate(p.nightlySchedule())
			require.True(t, first.published)
			lastNight := p.snapshot()
			p.day = 1
			d := p.pushTo(tt.repository, 2)
			assert.Equal(t, tt.eventType, d.EventType)

			o := p.orchestrate(d)
			assert.Equal(t, first.tagged["tag"], o.plan["base"], "planned against last night's nightly")
			assert.Equal(t, tt.wantComponents, o.components)
			tag := "nightly-20251118-" + bllvmSHA[:7]
			assert.Equal(t, tag, o.tagged["tag"])
			assert.True(t, o.published)
			p.assertNightly(tag, p.snapshot(), lastNight)
			var notRebuilt []string
			for component := range components {
				if !slices.Contains(tt.wantComponents, component) {
					notRebuilt = append(notRebuilt, assetNamesOf(component)...)
				}
			}
			assert.ElementsMatch(t, notRebuilt, p.lastCarried, "what was not rebuilt is carried over")
			for _, e := range o.manifest {
				assert.Equal(t, slices.Contains(tt.wantComponents, e.Component), e.Rebuilt, "rebuilt says whether %s is in the plan", e.Component)
			}

			// Rerunning changes nothing: the dispatch again plans nothing,
			// and the publish job again publishes nothing.
			state := p.state()
			again := p.orchestrate(d)
			assert.Equal(t, "false", again.plan["changed"], "the newest nightly holds this snapshot")
			assert.Nil(t, again.tagged, "nothing to tag")
			p.publish(o)
			assert.Equal(t, "false", o.tagged["changed"], "the snapshot is published already")
			assert.Equal(t, state, p.state(), "a rerun of the whole flow leaves tags, releases and assets as they were")
		})
	}
}

// The components' own CI step sent build_<component> with
// {triggered_by, source_ref, source_sha, version}, as their orchestrator
// read it: the orchestrator's plan takes it as it takes the design note's
// {ref, sha, repo}, pins the commit it carries, and the nightly holds it.
// A commit of theirs that main does not hold is refused alike.
func TestComponentsPayloadForm(t *testing.T) {
	p := newPipeline(t)
	first := p.orchestrate(p.nightlySchedule())
	require.True(t, first.published)
	lastNight := p.snapshot()
	p.day = 1

	sha := commitID(slices.Index(repositories, "bllvm-node"), 2)
	p.push("bllvm-node", sha)
	// A later push, which the dispatch of the earlier one must not take.
	p.push("bllvm-node", commitID(slices.Index(repositories, "bllvm-node"), 3))
	d := githubtest.Dispatch{EventType: "build_node", ClientPayload: map[string]any{
		"triggered_by": "bllvm-node", "source_ref": "refs/heads/main", "source_sha": sha, "version": "main",
	}}
	o := p.planRun(d)
	node, ok := o.manifest.Lookup("node")
	require.True(t, ok)
	assert.Equal(t, sha, node.SHA, "the dispatched commit, not the branch's head")
	assert.Equal(t, []string{"node", "sdk", "bllvm", "governance"}, o.components)
	p.publish(o)
	require.True(t, o.published)
	want := p.snapshot()
	want["bllvm-node"] = sha
	p.assertNightly("nightly-20251118-"+bllvmSHA[:7], want, lastNight)

	offMain := "0ff0000000000000000000000000000000000abc"
	p.srv.AddCommitOn(owner+"/bllvm-node", sha, offMain)
	state := p.state()
	_, out, err := p.dispatchRun(githubtest.Dispatch{EventType: "build_node", ClientPayload: map[string]any{
		"triggered_by": "bllvm-node", "source_ref": "refs/heads/main", "source_sha": offMain, "version": "main",
	}}).try("plan", "plan", nil)
	require.Error(t, err, "a commit not on main is refused:\n%s", out)
	assert.Contains(t, out, "commit "+offMain+", sent by the repository_dispatch as client_payload.source_sha, is not on the default branch of BTCDecoded/bllvm-node")
	assert.Equal(t, state, p.state(), "nothing was built, tagged or published")
}

// graph: cargo through the example orchestrator: the edges are what the
// pinned commits' Cargo.toml files say. bllvm-sdk moves to crates.io and
// drops its patch back to ../bllvm-node; a node push after that rebuilds
// node and bllvm only, and the nightly, published complete, carries sdk
// and governance over: create-prerelease, given the same graph input,
// goes by the plan's rebuilt.
func TestGraphCargoThroughTheOrchestrator(t *testing.T) {
	p := newPipeline(t)
	p.graph = "cargo"
	cargo := map[string]string{
		"bllvm":           "[package]\nname = \"bllvm\"\n[dependencies]\nbllvm-node = { path = \"../bllvm-node\" }\n",
		"bllvm-consensus": "[package]\nname = \"bllvm-consensus\"\n",
		"bllvm-protocol":  "[package]\nname = \"bllvm-protocol\"\n[dependencies]\nbllvm-consensus = { path = \"../bllvm-consensus\" }\n",
		"bllvm-node":      "[package]\nname = \"bllvm-node\"\n[dependencies]\nbllvm-protocol = { path = \"../bllvm-protocol\" }\n",
		"bllvm-sdk":       "[package]\nname = \"bllvm-sdk\"\n[dependencies]\nbllvm-node = \"0.1.1\"\n[patch.crates-io]\nbllvm-node = { path = \"../bllvm-node\" }\n",
		"bllvm-commons":   "[package]\nname = \"bllvm-commons\"\n[dependencies.bllvm-sdk]\npath = \"../bllvm-sdk\"\n",
	}
	plant := func(repository string) {
		p.srv.SetFile(owner+"/"+repository, p.heads[repository], "Cargo.toml", cargo[repository])
	}
	for _, r := range repositories {
		plant(r)
	}
	first := p.orchestrate(p.nightlySchedule())
	require.True(t, first.published)
	assert.Equal(t, []string{"consensus", "protocol", "node", "sdk", "bllvm", "governance"}, first.components, "the patch keeps sdk on node")
	p.assertNightly(first.tagged["tag"], p.snapshot(), nil)

	// sdk drops the patch: its own push rebuilds sdk and governance.
	p.day = 1
	cargo["bllvm-sdk"] = "[package]\nname = \"bllvm-sdk\"\n[dependencies]\nbllvm-node = \"0.1.1\"\n"
	d := p.pushTo("bllvm-sdk", 2)
	plant("bllvm-sdk")
	before := p.snapshot()
	sdk := p.orchestrate(d)
	require.True(t, sdk.published)
	assert.Equal(t, []string{"sdk", "governance"}, sdk.components)
	p.assertNightly(sdk.tagged["tag"], p.snapshot(), p.published[0].commits)

	// A node push: node and bllvm are rebuilt; sdk, which no longer
	// depends on node, and governance are carried over.
	d = p.pushTo("bllvm-node", 3)
	plant("bllvm-node")
	node := p.orchestrate(d)
	require.True(t, node.published, "the nightly is complete")
	assert.Equal(t, []string{"node", "bllvm"}, node.components)
	assert.ElementsMatch(t, assetNamesOf("sdk", "governance"), p.lastCarried, "consensus and protocol, libraries, ship nothing to carry")
	p.assertNightly(node.tagged["tag"], p.snapshot(), p.published[1].commits)
	assert.NotEqual(t, before["bllvm-node"], p.snapshot()["bllvm-node"])

	var reads []string
	for _, r := range p.srv.Requests() {
		if strings.HasSuffix(r.Path, "/contents/Cargo.toml") {
			reads = append(reads, strings.TrimPrefix(r.Path, "/repos/"+owner+"/")+"@"+r.Query.Get("ref"))
		}
	}
	assert.Len(t, reads, 3*len(repositories), "each plan reads every Cargo.toml once")
	assert.Contains(t, reads, "bllvm-node/contents/Cargo.toml@"+p.snapshot()["bllvm-node"], "at the commit pinned")
}

// TestPipelineWeek plays a week of the pipeline through the examples, on
// one self-hosted runner whose workspace persists:
//   - day 1: the nightly builds everything;
//   - day 2: pushes to consensus and protocol (two nightlies, the second
//     -2), a quiet scheduled nightly (no build, no tag), a push to node
//     whose publishing fails after tagging, then the rerun of that job;
//   - day 3: two orchestrator runs interleaved (A plans, B plans, B tags
//     and publishes, A tags: A is superseded); a pending run dropped (its
//     push is in the next nightly); a run cancelled after tagging (the
//     next nightly starts from the last published one, complete); a
//     governance push with an sdk push landing mid-run;
//   - day 4: last night's file left in dist/ (refused unless the folder is
//     emptied first, as the example does); dispatches of a fork's commit
//     and of an unmerged pull request's head (refused before any build);
//     a consensus push whose CI fails (pin: green keeps the good commit);
//     every job again, which changes nothing.
//
// Every build job lays out its component's sources and those of
// everything it depends on with mode: checkout, side by side in the
// runner's persistent workspace, each at the commit the plan pinned (an
// earlier run's folders at other commits replaced). Every published
// nightly is complete, its manifest.json, notes and SHA256SUMS agree with
// it, and no nightly holds an older commit of any component than the one
// before it.
func TestPipelineWeek(t *testing.T) {
	p := newPipeline(t)
	base := "nightly-%s-" + bllvmSHA[:7]

	// Day 1: the nightly schedule builds everything at the heads.
	night1 := p.orchestrate(p.nightlySchedule())
	tag1 := fmt.Sprintf(base, "20251117")
	require.Equal(t, tag1, night1.tagged["tag"])
	assert.Equal(t, "", night1.plan["base"], "no nightly yet")
	assert.Len(t, night1.components, 6)
	assert.Equal(t, `["consensus","protocol","node","sdk","governance","bllvm"]`, night1.tagged["changed-components"], "the first snapshot: everything is new")
	day1 := p.snapshot()
	p.assertNightly(tag1, day1, nil)

	// Day 2, a push to bllvm-consensus: bllvm did not change, the nightly does.
	p.day = 1
	pushed := p.orchestrate(p.pushTo("bllvm-consensus", 2))
	tag2 := fmt.Sprintf(base, "20251118")
	require.Equal(t, tag2, pushed.tagged["tag"])
	assert.Equal(t, tag1, pushed.plan["base"])
	assert.Equal(t, "true", pushed.tagged["created"])
	assert.Equal(t, `["consensus"]`, pushed.tagged["changed-components"])
	assert.Equal(t, tag1, pushed.tagged["previous-tag"])
	at2 := p.snapshot()
	p.assertNightly(tag2, at2, day1)
	assert.Empty(t, p.lastCarried, "a push to the first component rebuilds everything")

	// The same day, a push to bllvm-protocol: another snapshot, -2.
	second := p.orchestrate(p.pushTo("bllvm-protocol", 2))
	tag2b := tag2 + "-2"
	require.Equal(t, tag2b, second.tagged["tag"])
	assert.Equal(t, []string{"protocol", "node", "sdk", "bllvm", "governance"}, second.components)
	assert.Equal(t, tag2, second.tagged["previous-tag"], "-2 comes after the unsuffixed name")
	at2b := p.snapshot()
	p.assertNightly(tag2b, at2b, at2)
	assert.Empty(t, p.lastCarried, "consensus, the one component not rebuilt, is a library: it ships nothing to carry")

	// Day 2's scheduled nightly: nothing new since -2, nothing built or tagged.
	state := p.state()
	nothing := p.orchestrate(p.nightlySchedule())
	assert.Equal(t, "false", nothing.plan["changed"])
	assert.Equal(t, tag2b, nothing.plan["base"])
	assert.Empty(t, nothing.components, "no build job runs")
	assert.Nil(t, nothing.tagged, "the publish job does not run")
	assert.Equal(t, state, p.state())

	// A push to bllvm-node: tagged, then publishing fails; the rerun of the
	// publish job finds its tag unpublished and publishes it.
	failed := p.planRun(p.pushTo("bllvm-node", 2))
	failed.orch.emptyDownloadFolder()
	failed.orch.download(p.artifacts[failed.orch.vars["GITHUB_RUN_ID"]])
	p.tag(failed)
	tag2c := tag2 + "-3"
	require.Equal(t, tag2c, failed.tagged["tag"])
	p.srv.Fail("POST", "/repos/BTCDecoded/bllvm/releases", githubtest.NotAccessible())
	_, out, err := failed.orch.try("publish", "release", releaseExprs(failed))
	require.Error(t, err, "the publish step fails:\n%s", out)
	p.assertRecorded(tag2c, p.snapshot())
	p.publish(failed)
	assert.Equal(t, tag2c, failed.tagged["tag"])
	assert.Equal(t, "true", failed.tagged["changed"], "a tagged snapshot is done only once published")
	assert.Equal(t, "false", failed.tagged["created"])
	require.True(t, failed.published)
	at2c := p.snapshot()
	p.assertNightly(tag2c, at2c, at2b)
	assert.Empty(t, p.lastCarried, "consensus and protocol ship nothing")

	// Day 3: two runs at once, as a per-dispatch concurrency group let
	// them: A (a consensus push) plans, B (a protocol push) plans, B tags
	// and publishes, then A tags: A's protocol is behind B's, so A is
	// superseded and tags nothing.
	p.day = 2
	runA := p.planRun(p.pushTo("bllvm-consensus", 3))
	runB := p.planRun(p.pushTo("bllvm-protocol", 3))
	tag3 := fmt.Sprintf(base, "20251119")
	p.publish(runB)
	require.True(t, runB.published)
	require.Equal(t, tag3, runB.tagged["tag"])
	at3 := p.snapshot()
	p.assertNightly(tag3, at3, at2c)
	p.publish(runA)
	assert.Equal(t, tag3, runA.tagged["superseded-by"], "A's snapshot is older than B's in protocol")
	assert.Equal(t, "false", runA.tagged["changed"])
	assert.Equal(t, "false", runA.tagged["created"])
	assert.False(t, runA.published)

	// A pending run dropped: GitHub cancels the older of two pending runs
	// of the group. The node push's run never starts; the sdk push's run
	// plans against the newest nightly and builds node's push too.
	_ = p.pushTo("bllvm-node", 3) // its run is dropped
	sdkRun := p.orchestrate(p.pushTo("bllvm-sdk", 3))
	tag3b := tag3 + "-2"
	require.Equal(t, tag3b, sdkRun.tagged["tag"])
	assert.Equal(t, []string{"node", "sdk", "bllvm", "governance"}, sdkRun.components, "the dropped run's node push is rebuilt too")
	at3b := p.snapshot()
	p.assertNightly(tag3b, at3b, at3)

	// A run cancelled after tagging: its tag has no release.
	cancelled := p.planRun(p.pushTo("bllvm-commons", 3))
	cancelled.orch.emptyDownloadFolder()
	cancelled.orch.download(p.artifacts[cancelled.orch.vars["GITHUB_RUN_ID"]])
	p.tag(cancelled)
	orphan := cancelled.tagged["tag"]
	require.Equal(t, tag3+"-3", orphan)
	// The next run (a governance push landing between its plan and its
	// builds comes later) starts from the last published nightly: the
	// snapshot is the cancelled run's, so it publishes under that name,
	// with the last published nightly as its previous one.
	p.afterPlan = func() { p.push("bllvm-sdk", commitID(slices.Index(repositories, "bllvm-sdk"), 9)) }
	next := p.orchestrate(p.nightlySchedule())
	assert.Equal(t, tag3b, next.plan["base"], "the base is the last published nightly, not the orphan tag")
	assert.Equal(t, []string{"governance"}, next.components)
	require.True(t, next.published)
	assert.Equal(t, orphan, next.tagged["tag"], "the orphan tag holds this snapshot: it is published now")
	assert.Equal(t, tag3b, next.tagged["previous-tag"])
	atOrphan := p.snapshot()
	atOrphan["bllvm-sdk"] = at3b["bllvm-sdk"] // sdk moved after the plan
	p.assertNightly(orphan, atOrphan, at3b)

	// The sdk push that landed mid-run reaches the orchestrator.
	sdk := p.orchestrate(p.pushTo("bllvm-sdk", 9))
	tag3d := tag3 + "-4"
	require.Equal(t, tag3d, sdk.tagged["tag"])
	assert.Equal(t, []string{"sdk", "governance"}, sdk.components)
	at3d := p.snapshot()
	p.assertNightly(tag3d, at3d, atOrphan)
	for _, name := range p.lastCarried {
		assert.Equal(t, p.assetContent(orphan, name), p.assetContent(tag3d, name), "%s carried with the same bytes", name)
	}

	// Day 4: a governance push; earlier runs' sdk and bllvm archives are
	// still in dist/ of the runner's workspace. Published without emptying the folder, it
	// is refused; the example's job empties it first and publishes.
	p.day = 3
	gov := p.planRun(p.pushTo("bllvm-commons", 4))
	require.Equal(t, []string{"governance"}, gov.components)
	p.tag(gov)
	tag4 := fmt.Sprintf(base, "20251120")
	require.Equal(t, tag4, gov.tagged["tag"])
	gov.orch.download(map[string]string{"sdk-base-x86_64-unknown-linux-gnu.tar.gz": "sdk built at an earlier commit"})
	gov.orch.download(p.artifacts[gov.orch.vars["GITHUB_RUN_ID"]])
	_, out, err = gov.orch.try("publish", "release", releaseExprs(gov))
	require.Error(t, err, "a leftover of a component not rebuilt is refused:\n%s", out)
	// The runner's dist/ holds earlier runs' builds too (this run did not
	// empty it): whichever is met first is refused.
	assert.Regexp(t, `(sdk|bllvm)-[a-z]+-x86_64-[a-z-]+\.(tar\.gz|zip) as a fresh build: it belongs to component (sdk|bllvm), which this nightly did not rebuild`, out)
	for _, rel := range p.srv.Releases(owner + "/bllvm") {
		assert.NotEqual(t, tag4, rel.TagName, "nothing is published with it")
	}
	p.publish(gov)
	require.True(t, gov.published)
	at4 := p.snapshot()
	p.assertNightly(tag4, at4, at3d)

	// Dispatches of commits nobody merged: a fork's, and an unmerged pull
	// request's head. Refused by the plan, before any build.
	consensusRepo := owner + "/bllvm-consensus"
	fork := "attacker/bllvm-consensus"
	p.srv.AddFork(consensusRepo, fork)
	forkSHA := "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"
	p.srv.AddCommitOn(fork, p.heads["bllvm-consensus"], forkSHA)
	prSHA := "9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e"
	p.srv.AddCommitOn(consensusRepo, p.heads["bllvm-consensus"], prSHA)
	state = p.state()
	for _, sha := range []string{forkSHA, prSHA} {
		d := githubtest.Dispatch{EventType: "build_consensus", ClientPayload: map[string]any{"ref": "refs/heads/main", "sha": sha, "repo": "bllvm-consensus", "dispatch_id": "x"}}
		_, out, err := p.dispatchRun(d).try("plan", "plan", nil)
		require.Error(t, err, "a commit not on main is refused:\n%s", out)
		assert.Contains(t, out, "commit "+sha+", sent by the repository_dispatch as client_payload.sha, is not on the default branch of BTCDecoded/bllvm-consensus")
	}
	assert.Equal(t, state, p.state(), "nothing was built, tagged or published")

	// pin: green: a consensus push whose CI fails is never built; the next
	// nightly keeps the last good commit, and has nothing new.
	p.pushFailing("bllvm-consensus", 5)
	quiet := p.orchestrate(p.nightlySchedule())
	good, _ := quiet.manifest.Lookup("consensus")
	assert.Equal(t, at4["bllvm-consensus"], good.SHA, "the previous good commit is pinned")
	assert.Equal(t, "false", quiet.plan["changed"])

	// Every job of the week again, as GitHub reruns a job with the outputs
	// of the jobs it needs, on day 5: nothing changes.
	p.day = 4
	state = p.state()
	for _, o := range []*orchestration{night1, pushed, second, failed, runB, sdkRun, next, sdk, gov} {
		tagged, release := o.tagged, o.release
		p.publish(o)
		assert.Equal(t, "false", o.tagged["created"], "a rerun creates no tag")
		assert.NotEqual(t, "true", o.tagged["changed"], "a rerun publishes nothing new: %s", tagged["tag"])
		o.release = release
	}
	p.publish(runA)
	assert.Equal(t, "false", runA.tagged["changed"], "still superseded")
	assert.Equal(t, state, p.state())

	// No nightly ever holds an older commit of a component than the one
	// published before it; the counter in each commit id orders them.
	require.Len(t, p.published, 9)
	for i := 1; i < len(p.published); i++ {
		for repo, sha := range p.published[i].commits {
			was := p.published[i-1].commits[repo]
			assert.GreaterOrEqual(t, sha[2:4], was[2:4], "%s holds %s of %s, older than %s's %s", p.published[i].tag, sha[:7], repo, p.published[i-1].tag, was[:7])
		}
	}
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
