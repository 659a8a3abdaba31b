package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// .github/workflows/release.yml publishes the action itself: the image on
// ghcr.io, signed and attested, and the major tag v1 moved to a commit that
// runs it. A tag push bypasses branch protection, so the workflow has to
// prove, before anything is pushed, signed or moved, that the tagged commit
// is on main, that CI passed on it and that v1 only moves forward. These
// tests read the workflow as GitHub does: TestReleaseWorkflow checks its
// shape, TestReleaseGate runs the gate job's own scripts against real git
// histories and a fake gh, TestReleaseMovesV1 runs the job that moves v1
// against a bare repository standing in for GitHub.

const releaseWorkflowPath = ".github/workflows/release.yml"

type releaseWorkflow struct {
	Permissions yaml.Node         `yaml:"permissions"`
	Concurrency yaml.Node         `yaml:"concurrency"`
	Env         map[string]string `yaml:"env"`
	Defaults    struct {
		Run struct {
			Shell string `yaml:"shell"`
		} `yaml:"run"`
	} `yaml:"defaults"`
	Jobs map[string]*releaseJob `yaml:"jobs"`
}

type releaseJob struct {
	Needs           yaml.Node         `yaml:"needs"`
	If              string            `yaml:"if"`
	Permissions     yaml.Node         `yaml:"permissions"`
	ContinueOnError string            `yaml:"continue-on-error"`
	Outputs         map[string]string `yaml:"outputs"`
	Env             map[string]string `yaml:"env"`
	Uses            string            `yaml:"uses"`
	Steps           []releaseStep     `yaml:"steps"`
}

type releaseStep struct {
	ID              string            `yaml:"id"`
	Name            string            `yaml:"name"`
	Uses            string            `yaml:"uses"`
	Run             string            `yaml:"run"`
	If              string            `yaml:"if"`
	Shell           string            `yaml:"shell"`
	ContinueOnError string            `yaml:"continue-on-error"`
	Env             map[string]string `yaml:"env"`
	With            map[string]string `yaml:"with"`
}

func (s releaseStep) label() string {
	for _, l := range []string{s.Name, s.ID, s.Uses} {
		if l != "" {
			return l
		}
	}
	return strings.SplitN(strings.TrimSpace(s.Run), "\n", 2)[0]
}

func (s releaseStep) uses(action string) bool { return strings.HasPrefix(s.Uses, action+"@") }

func readReleaseWorkflow(t *testing.T) *releaseWorkflow {
	t.Helper()
	data, err := os.ReadFile(releaseWorkflowPath)
	require.NoError(t, err)
	var w releaseWorkflow
	require.NoError(t, yaml.Unmarshal(data, &w), releaseWorkflowPath)
	require.NotEmpty(t, w.Jobs, "%s has no jobs", releaseWorkflowPath)
	return &w
}

// sortedJobs returns the job ids in a stable order, for stable messages.
func (w *releaseWorkflow) sortedJobs() []string {
	ids := make([]string, 0, len(w.Jobs))
	for id := range w.Jobs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func (j *releaseJob) needs() []string {
	switch j.Needs.Kind {
	case yaml.ScalarNode:
		return []string{j.Needs.Value}
	case yaml.SequenceNode:
		var out []string
		for _, n := range j.Needs.Content {
			out = append(out, n.Value)
		}
		return out
	}
	return nil
}

// permissions returns the job's permissions; a scalar (read-all, write-all)
// is returned under "*". nil means the job inherits the workflow's.
func permissionsOf(n yaml.Node) map[string]string {
	switch n.Kind {
	case yaml.MappingNode:
		out := map[string]string{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			out[n.Content[i].Value] = n.Content[i+1].Value
		}
		return out
	case yaml.ScalarNode:
		return map[string]string{"*": n.Value}
	}
	return nil
}

// writes lists the scopes the job can write, "*" for write-all.
func (j *releaseJob) writes() []string {
	var out []string
	for scope, level := range permissionsOf(j.Permissions) {
		if level == "write" || level == "write-all" {
			out = append(out, scope)
		}
	}
	sort.Strings(out)
	return out
}

// joinedRun is the step's script with backslash continuations joined, so
// that one command is one line.
func (s releaseStep) joinedRun() string {
	return regexp.MustCompile(`\\\n\s*`).ReplaceAllString(s.Run, " ")
}

var (
	reachabilityCheck = regexp.MustCompile(`git merge-base --is-ancestor\b[^\n]*\borigin/main\b|/compare/`)
	ciCheck           = regexp.MustCompile(`actions/workflows/ci\.yml/runs|/check-runs`)
	pushesOrTags      = regexp.MustCompile(`\bgit push\b|\bgit tag\b|\bcosign sign\b|\bimagetools create\b|\bdocker push\b|\bcrane (copy|tag|push)\b|\boras (push|tag|attach)\b`)
	statusOverride    = regexp.MustCompile(`always\(\)|failure\(\)|cancelled\(\)|!\s*success\(\)`)
	anyExpression     = regexp.MustCompile(`\$\{\{[^}]*\}\}`)
	pinnedAction      = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[A-Za-z0-9_./-]+)?@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$`)
	wholeExpression   = regexp.MustCompile(`^\$\{\{\s*(.*?)\s*\}\}$`)
)

// checkSteps returns the gate's steps: the ones that check reachability
// from main and CI on the commit.
func (j *releaseJob) checkSteps() (reach, ci []releaseStep) {
	for _, s := range j.Steps {
		if reachabilityCheck.MatchString(s.joinedRun()) {
			reach = append(reach, s)
		}
		if ciCheck.MatchString(s.Run) && strings.Contains(s.Run, "success") {
			ci = append(ci, s)
		}
	}
	return reach, ci
}

// gate returns the id of the job that checks both, "" when there is none.
func (w *releaseWorkflow) gate() string {
	for _, id := range w.sortedJobs() {
		if reach, ci := w.Jobs[id].checkSteps(); len(reach) > 0 && len(ci) > 0 {
			return id
		}
	}
	return ""
}

// signs reports whether the job signs or attests something.
func (j *releaseJob) signs() bool {
	for _, s := range j.Steps {
		if strings.Contains(s.Run, "cosign sign") || s.uses("actions/attest-build-provenance") {
			return true
		}
	}
	return false
}

// privileged reports why the job pushes, signs or moves something, or "".
func (j *releaseJob) privileged() string {
	if w := j.writes(); len(w) > 0 {
		return "it can write " + strings.Join(w, ", ")
	}
	for _, s := range j.Steps {
		switch {
		case s.uses("docker/build-push-action") && s.With["push"] == "true":
			return "step " + s.label() + " pushes an image"
		case s.uses("actions/attest-build-provenance"):
			return "step " + s.label() + " attests"
		case s.uses("docker/login-action"):
			return "step " + s.label() + " logs in to a registry"
		case pushesOrTags.MatchString(s.Run):
			return "step " + s.label() + " runs " + pushesOrTags.FindString(s.Run)
		}
	}
	return ""
}

// fromBuild reports whether value (an env or with value) is the digest
// that a docker/build-push-action step with push: true output, in this job
// or, through needs and job outputs, in another.
func (w *releaseWorkflow) fromBuild(jobID, value string) bool {
	m := wholeExpression.FindStringSubmatch(strings.TrimSpace(value))
	if m == nil {
		return false
	}
	parts := strings.Split(m[1], ".")
	job := w.Jobs[jobID]
	switch {
	case len(parts) == 4 && parts[0] == "steps" && parts[2] == "outputs" && parts[3] == "digest":
		for _, s := range job.Steps {
			if s.ID == parts[1] {
				return s.uses("docker/build-push-action") && s.With["push"] == "true"
			}
		}
	case len(parts) == 4 && parts[0] == "needs" && parts[2] == "outputs":
		producer, ok := w.Jobs[parts[1]]
		if !ok || !contains(job.needs(), parts[1]) {
			return false
		}
		return w.fromBuild(parts[1], producer.Outputs[parts[3]])
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestReleaseWorkflow(t *testing.T) {
	w := readReleaseWorkflow(t)
	gate := w.gate()

	t.Run("permissions are empty at the top", func(t *testing.T) {
		assert.Equal(t, yaml.MappingNode, w.Permissions.Kind, "top-level permissions must be {} (each job asks for what it needs)")
		assert.Empty(t, w.Permissions.Content, "top-level permissions must be {}")
		for _, id := range w.sortedJobs() {
			p := w.Jobs[id].Permissions
			assert.Equal(t, yaml.MappingNode, p.Kind, "job %s must list its permissions, scope by scope", id)
			assert.NotContains(t, permissionsOf(p), "*", "job %s: read-all/write-all", id)
		}
	})

	t.Run("a gate checks main and CI, and everything that pushes, signs or moves needs it", func(t *testing.T) {
		require.NotEmpty(t, gate, "no job checks both that the tagged commit is reachable from origin/main (git merge-base --is-ancestor ... origin/main, or the compare API) and that ci.yml succeeded on it (workflow runs or check runs with success)")
		g := w.Jobs[gate]
		assert.Empty(t, g.writes(), "the gate job %s must write nothing", gate)
		assert.Empty(t, g.If, "the gate job %s must always run", gate)
		assert.Empty(t, g.ContinueOnError, "the gate job %s must fail the run when it fails", gate)
		reach, ci := g.checkSteps()
		for _, s := range append(reach, ci...) {
			assert.Empty(t, s.If, "gate step %q must not be conditional", s.label())
			assert.Empty(t, s.ContinueOnError, "gate step %q must not continue on error", s.label())
		}
		var privileged int
		for _, id := range w.sortedJobs() {
			j := w.Jobs[id]
			why := j.privileged()
			if id == gate || why == "" {
				continue
			}
			privileged++
			assert.Contains(t, j.needs(), gate, "job %s must need the gate job %s: %s", id, gate, why)
			assert.NotRegexp(t, statusOverride, j.If, "job %s must not run when the gate failed", id)
		}
		assert.NotZero(t, privileged, "no job publishes anything")
	})

	t.Run("no expression is interpolated into a run script", func(t *testing.T) {
		// The tag name is chosen by whoever pushes the tag, and a ref name
		// may hold $( ) and backticks; every value reaches a script as an
		// environment variable.
		for _, id := range w.sortedJobs() {
			for _, s := range w.Jobs[id].Steps {
				for _, e := range anyExpression.FindAllString(s.Run, -1) {
					assert.Fail(t, "expression in run:", "job %s, step %q interpolates %s into its script; pass it through env:", id, s.label(), e)
				}
			}
		}
	})

	t.Run("id-token: write only where the image is signed or attested", func(t *testing.T) {
		var signers int
		for _, id := range w.sortedJobs() {
			j := w.Jobs[id]
			idToken := permissionsOf(j.Permissions)["id-token"] == "write"
			if j.signs() {
				signers++
				assert.True(t, idToken, "job %s signs or attests without id-token: write (keyless signing needs it)", id)
			} else {
				assert.False(t, idToken, "job %s has id-token: write but signs and attests nothing", id)
			}
		}
		assert.NotZero(t, signers, "no job signs or attests the image")
	})

	t.Run("the attestation names the image by digest and is pushed to the registry", func(t *testing.T) {
		var attests int
		for _, id := range w.sortedJobs() {
			for _, s := range w.Jobs[id].Steps {
				if !s.uses("actions/attest-build-provenance") {
					continue
				}
				attests++
				name := s.With["subject-name"]
				if m := regexp.MustCompile(`^\$\{\{\s*env\.(\w+)\s*\}\}$`).FindStringSubmatch(name); m != nil {
					name = w.Env[m[1]]
				}
				assert.Regexp(t, `^ghcr\.io/btcdecoded/release-action$`, name, "subject-name must be the image's full name, without a tag")
				assert.True(t, w.fromBuild(id, s.With["subject-digest"]), "subject-digest %q must be the digest the build pushed", s.With["subject-digest"])
				assert.Equal(t, "true", s.With["push-to-registry"], "push-to-registry: true")
				assert.Empty(t, s.With["subject-path"], "the image is named by digest, not by a path")
			}
		}
		assert.NotZero(t, attests, "no actions/attest-build-provenance step")
	})

	t.Run("cosign signs the digest the build pushed, never a tag", func(t *testing.T) {
		var signs int
		digestArg := regexp.MustCompile(`@"?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"?$`)
		for _, id := range w.sortedJobs() {
			for _, s := range w.Jobs[id].Steps {
				for _, line := range strings.Split(s.joinedRun(), "\n") {
					i := strings.Index(line, "cosign sign")
					if i < 0 || strings.Contains(line, "cosign sign-blob") {
						continue
					}
					signs++
					var images []string
					for _, f := range strings.Fields(line[i+len("cosign sign"):]) {
						if !strings.HasPrefix(f, "-") {
							images = append(images, f)
						}
					}
					assert.Contains(t, line, "--yes", "cosign sign --yes: no prompt in CI")
					if !assert.Len(t, images, 1, "cosign sign takes one image: %s", line) {
						continue
					}
					m := digestArg.FindStringSubmatch(images[0])
					if !assert.NotNil(t, m, "cosign signs %s: not <image>@$DIGEST", images[0]) {
						continue
					}
					assert.True(t, w.fromBuild(id, s.Env[m[1]]), "cosign's %s is %q, not the digest the build pushed", m[1], s.Env[m[1]])
				}
			}
		}
		assert.NotZero(t, signs, "no step runs cosign sign")
	})

	t.Run("one release at a time, queued not cancelled", func(t *testing.T) {
		var group, cancel string
		switch w.Concurrency.Kind {
		case yaml.ScalarNode:
			group = w.Concurrency.Value
		case yaml.MappingNode:
			c := permissionsOf(w.Concurrency)
			group, cancel = c["group"], c["cancel-in-progress"]
		}
		require.NotEmpty(t, group, "the workflow needs a concurrency group, so that two tag pushes cannot move v1 at once")
		assert.NotRegexp(t, `github\.(ref|ref_name|sha|run_id|run_number|run_attempt)\b`, group, "a group per tag or per run serializes nothing")
		assert.Contains(t, []string{"", "false"}, cancel, "a release in progress is never cancelled")
	})

	t.Run("the image is pushed and v1 is moved with a lease", func(t *testing.T) {
		require.NotEmpty(t, gate)
		lease := regexp.MustCompile(`--force-with-lease=["']?refs/tags/v1:\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?["']?(\s|$)`)
		var builds, moves int
		for _, id := range w.sortedJobs() {
			for _, s := range w.Jobs[id].Steps {
				if s.uses("docker/build-push-action") && s.With["push"] == "true" {
					builds++
				}
				for _, line := range strings.Split(s.joinedRun(), "\n") {
					if !strings.Contains(line, "git push") {
						continue
					}
					for _, f := range strings.Fields(line) {
						forced := f == "-f" || f == "--force" || strings.HasPrefix(f, "+")
						assert.False(t, forced, "a forced push (%s) overwrites whatever v1 is by then: %s", f, line)
					}
					if strings.Contains(line, "v1") {
						moves++
						m := lease.FindStringSubmatch(line)
						if !assert.NotNil(t, m, "v1 moves only from where the gate saw it (--force-with-lease=refs/tags/v1:$V1): %s", line) {
							continue
						}
						assert.Regexp(t, `^\$\{\{\s*needs\.`+regexp.QuoteMeta(gate)+`\.outputs\.\w+\s*\}\}$`, s.Env[m[1]], "the lease's %s must be where the gate saw v1", m[1])
					}
				}
			}
		}
		assert.NotZero(t, builds, "no step builds and pushes the image")
		assert.NotZero(t, moves, "no step pushes v1")
	})

	t.Run("every job works on the commit the gate checked", func(t *testing.T) {
		require.NotEmpty(t, gate)
		for _, id := range w.sortedJobs() {
			j := w.Jobs[id]
			for _, s := range j.Steps {
				if !s.uses("actions/checkout") {
					continue
				}
				if id == gate {
					assert.Equal(t, "0", s.With["fetch-depth"], "the gate needs main's history and the tags")
				} else {
					assert.Regexp(t, `^\$\{\{\s*needs\.`+regexp.QuoteMeta(gate)+`\.outputs\.commit\s*\}\}$`, s.With["ref"], "job %s must check out the commit the gate checked", id)
				}
				if !contains(j.writes(), "contents") {
					assert.Equal(t, "false", s.With["persist-credentials"], "job %s pushes nothing with git: persist-credentials: false", id)
				}
			}
		}
		assert.NotEmpty(t, w.Jobs[gate].Outputs["commit"], "the gate outputs the commit it checked")
	})

	t.Run("actions are pinned by version", func(t *testing.T) {
		for _, id := range w.sortedJobs() {
			for _, s := range w.Jobs[id].Steps {
				if s.Uses != "" {
					assert.Regexp(t, pinnedAction, s.Uses, "job %s", id)
				}
			}
		}
	})
}

// gateRun is one run of ci.yml that the fake API answers with.
type gateRun struct {
	commit, event, branch, conclusion string
}

type gateCase struct {
	name string
	tag  string // the pushed tag
	at   string // the commit it names (GITHUB_SHA)
	// tagNow, when set, is where the tag points by the time the gate runs.
	tagNow string
	// v1From and v1Version: v1 is a release commit made on top of v1From,
	// which carries the tag v1Version. v1Bare: v1 points at this commit.
	v1From, v1Version, v1Bare string
	runs                      []gateRun // nil: one green push run on main at `at`
	wantErr                   string    // in an ::error:: line; "" means the gate passes
}

// TestReleaseGate runs the gate job's scripts as a runner would (bash, with
// the step's env and GITHUB_OUTPUT), after a checkout emulated in a real
// repository: main is A-B-C, X is a commit on A that never reached main.
// gh is a fake that answers ci.yml's runs.
func TestReleaseGate(t *testing.T) {
	for _, tool := range []string{"git", "bash", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found", tool)
		}
	}
	w := readReleaseWorkflow(t)
	gate := w.gate()
	require.NotEmpty(t, gate, "no job checks reachability from main and CI; nothing to run")

	green := func(commit string) []gateRun { return []gateRun{{commit, "push", "main", "success"}} }
	cases := []gateCase{
		{name: "first release", tag: "v1.0.0", at: "C"},
		{name: "a minor release", tag: "v1.3.0", at: "C", v1From: "B", v1Version: "v1.2.0"},
		{name: "a patch release", tag: "v1.2.1", at: "C", v1From: "B", v1Version: "v1.2.0"},
		{name: "a double-digit minor after a single-digit one", tag: "v1.10.0", at: "C", v1From: "B", v1Version: "v1.9.3"},
		{name: "green after a failed attempt", tag: "v1.3.0", at: "C", v1From: "B", v1Version: "v1.2.0",
			runs: []gateRun{{"C", "push", "main", "failure"}, {"C", "push", "main", "success"}}},

		{name: "a commit that is not on main", tag: "v1.3.0", at: "X", v1From: "B", v1Version: "v1.2.0", runs: green("X"), wantErr: "not on main"},
		{name: "a first release not on main", tag: "v1.0.0", at: "X", runs: green("X"), wantErr: "not on main"},
		{name: "CI failed", tag: "v1.3.0", at: "C", runs: []gateRun{{"C", "push", "main", "failure"}}, wantErr: "CI"},
		{name: "CI still running", tag: "v1.3.0", at: "C", runs: []gateRun{{"C", "push", "main", ""}}, wantErr: "CI"},
		{name: "no CI run at all", tag: "v1.3.0", at: "C", runs: []gateRun{}, wantErr: "CI"},
		{name: "CI green only on a pull request", tag: "v1.3.0", at: "C", runs: []gateRun{{"C", "pull_request", "feature", "success"}}, wantErr: "CI"},
		{name: "CI green only on another branch", tag: "v1.3.0", at: "C", runs: []gateRun{{"C", "push", "feature", "success"}}, wantErr: "CI"},
		{name: "CI green only on the parent", tag: "v1.3.0", at: "C", runs: green("B"), wantErr: "CI"},
		{name: "an older version than v1's", tag: "v1.1.9", at: "C", v1From: "B", v1Version: "v1.2.0", wantErr: "not newer"},
		{name: "v1's own version again", tag: "v1.2.0", at: "B", v1From: "B", v1Version: "v1.2.0", runs: green("B"), wantErr: "not newer"},
		{name: "a newer version on an older commit", tag: "v1.3.0", at: "B", v1From: "C", v1Version: "v1.2.0", runs: green("B"), wantErr: "back"},
		{name: "v1 not made by a release", tag: "v1.3.0", at: "C", v1Bare: "B", wantErr: "v1"},
		{name: "the tag moved after the push", tag: "v1.3.0", at: "C", tagNow: "B", wantErr: "moved"},
		{name: "a leading zero", tag: "v1.02.0", at: "C", wantErr: "v1.MINOR.PATCH"},
		{name: "a prerelease suffix", tag: "v1.2.3-rc.1", at: "C", wantErr: "v1.MINOR.PATCH"},
		{name: "a shell command in the tag name", tag: "v1.$(touch${IFS}pwned).0", at: "C", wantErr: "v1.MINOR.PATCH"},
		{name: "a backtick in the tag name", tag: "v1.`touch${IFS}pwned`.0", at: "C", wantErr: "v1.MINOR.PATCH"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.runs == nil {
				tc.runs = green(tc.at)
			}
			runGateCase(t, w, gate, tc)
		})
	}
}

const fakeGH = `#!/usr/bin/env bash
# A fake gh that answers "gh api" for a workflow's runs from $FAKE_GH_RUNS,
# filtered by the query as GitHub filters it (head_sha, event, branch,
# status, which also matches a conclusion), with --jq applied by jq.
set -euo pipefail
[ "${1:-}" = api ] || { echo "fake gh: only gh api is answered" >&2; exit 2; }
shift
[ -n "${GH_TOKEN:-}${GITHUB_TOKEN:-}" ] || { echo "fake gh: no GH_TOKEN" >&2; exit 4; }
route= jqexpr= method=GET
declare -A q=()
while [ $# -gt 0 ]; do
  case "$1" in
    -X|--method) method=$2; shift 2 ;;
    --method=*) method=${1#--method=}; shift ;;
    -f|-F|--raw-field|--field) q[${2%%=*}]=${2#*=}; shift 2 ;;
    -q|--jq) jqexpr=$2; shift 2 ;;
    --jq=*) jqexpr=${1#--jq=}; shift ;;
    -H|--header|-t|--template|--hostname|--cache|--input) shift 2 ;;
    -*) shift ;;
    *) route=$1; shift ;;
  esac
done
if [[ "$route" == *\?* ]]; then
  IFS='&' read -ra pairs <<<"${route#*\?}"
  for p in "${pairs[@]}"; do q[${p%%=*}]=${p#*=}; done
  route=${route%%\?*}
fi
printf '%s %s head_sha=%s\n' "$method" "$route" "${q[head_sha]:-}" >>"$FAKE_GH_LOG"
[ "$method" = GET ] || { echo "fake gh: $method not answered" >&2; exit 2; }
[[ "$route" =~ ^/?repos/[^/]+/[^/]+/actions/workflows/[^/]+/runs$ ]] || { echo "fake gh: no route $route" >&2; exit 1; }
answer=$(jq --arg sha "${q[head_sha]:-}" --arg event "${q[event]:-}" --arg branch "${q[branch]:-}" --arg status "${q[status]:-}" --arg route "${route#/}" '
  [.workflow_runs[] | select(("repos/" + .repository.full_name + "/actions/workflows/" + (.path | ltrimstr(".github/workflows/")) + "/runs") == $route)
   | select($sha == "" or .head_sha == $sha) | select($event == "" or .event == $event)
   | select($branch == "" or .head_branch == $branch)
   | select($status == "" or .status == $status or .conclusion == $status)]
  | {total_count: length, workflow_runs: .}' "$FAKE_GH_RUNS")
if [ -n "$jqexpr" ]; then jq -r "$jqexpr" <<<"$answer"; else printf '%s\n' "$answer"; fi
`

// gitEnv makes git in the tests independent of the machine's configuration
// and clock.
func gitEnv(home string) []string {
	return []string{
		"HOME=" + home, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_AUTHOR_DATE=2025-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2025-01-01T00:00:00Z", "LC_ALL=C",
	}
}

func gitIn(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %s: %s", strings.Join(args, " "), out)
	return strings.TrimSpace(string(out))
}

// jobRunner runs one job's run: steps as a runner does: every ${{ }}
// replaced before the shell sees the text, the env of the workflow, the job
// and the step, GITHUB_OUTPUT read after each step, the first failure ends
// the job. Steps that use an action are left to the test to emulate.
type jobRunner struct {
	t        *testing.T
	w        *releaseWorkflow
	job      *releaseJob
	dir      string // RUNNER_TEMP, and HOME
	repoDir  string // GITHUB_WORKSPACE
	env      []string
	contexts map[string]string // github.*, secrets.*, needs.<job>.outputs.*
	outputs  map[string]map[string]string

	log       strings.Builder
	failed    bool
	failedOut string
}

func (r *jobRunner) resolve(expr string) string {
	r.t.Helper()
	if v, ok := r.contexts[expr]; ok {
		return v
	}
	parts := strings.Split(expr, ".")
	switch {
	case len(parts) == 2 && parts[0] == "env":
		if v, ok := r.job.Env[parts[1]]; ok {
			return v
		}
		return r.w.Env[parts[1]]
	case len(parts) == 4 && parts[0] == "steps" && parts[2] == "outputs":
		return r.outputs[parts[1]][parts[3]]
	}
	r.t.Fatalf("the test does not know ${{ %s }}", expr)
	return ""
}

func (r *jobRunner) interpolate(s string) string {
	return anyExpression.ReplaceAllStringFunc(s, func(e string) string {
		return r.resolve(strings.TrimSpace(e[3 : len(e)-2]))
	})
}

// run runs the job's run: steps, skipping those skip names.
func (r *jobRunner) run(skip func(releaseStep) bool) {
	t := r.t
	if r.outputs == nil {
		r.outputs = map[string]map[string]string{}
	}
	for i, s := range r.job.Steps {
		if s.Run == "" || (skip != nil && skip(s)) {
			continue
		}
		shell := s.Shell
		if shell == "" {
			shell = r.w.Defaults.Run.Shell
		}
		args := []string{"-e"} // GitHub's default without shell:
		if shell == "bash" {
			args = []string{"--noprofile", "--norc", "-eo", "pipefail"}
		} else if shell != "" {
			t.Fatalf("step %q: shell %q", s.label(), shell)
		}
		script := filepath.Join(r.dir, fmt.Sprintf("step%d.sh", i))
		require.NoError(t, os.WriteFile(script, []byte(r.interpolate(s.Run)), 0o644))
		outFile := filepath.Join(r.dir, fmt.Sprintf("output%d", i))
		require.NoError(t, os.WriteFile(outFile, nil, 0o644))
		env := append(os.Environ(), gitEnv(r.dir)...)
		env = append(env, r.env...)
		env = append(env,
			"GITHUB_ACTIONS=true", "CI=true", "GITHUB_WORKSPACE="+r.repoDir, "RUNNER_TEMP="+r.dir,
			"GITHUB_SHA="+r.contexts["github.sha"], "GITHUB_REF="+r.contexts["github.ref"],
			"GITHUB_REF_NAME="+r.contexts["github.ref_name"], "GITHUB_REF_TYPE=tag",
			"GITHUB_REPOSITORY=BTCDecoded/release-action", "GITHUB_OUTPUT="+outFile,
			"GITHUB_STEP_SUMMARY="+filepath.Join(r.dir, "summary"))
		for _, m := range []map[string]string{r.w.Env, r.job.Env, s.Env} {
			for k, v := range m {
				env = append(env, k+"="+r.interpolate(v))
			}
		}
		cmd := exec.Command("bash", append(args, script)...)
		cmd.Dir, cmd.Env = r.repoDir, env
		out, err := cmd.CombinedOutput()
		fmt.Fprintf(&r.log, "--- %s\n%s", s.label(), out)
		if err != nil {
			r.failed, r.failedOut = true, string(out)
			return
		}
		if s.ID != "" {
			r.outputs[s.ID] = readGitHubOutput(t, outFile)
		}
	}
}

func (r *jobRunner) jobOutputs() map[string]string {
	out := map[string]string{}
	for k, v := range r.job.Outputs {
		out[k] = r.interpolate(v)
	}
	return out
}

// refused asserts that the job failed, and that the step that failed said
// why in an ::error:: line (an annotation on the run's page).
func (r *jobRunner) refused(want string) {
	t := r.t
	t.Helper()
	require.True(t, r.failed, "the job let it through (want %q)\n%s", want, r.log.String())
	for _, line := range strings.Split(r.failedOut, "\n") {
		if strings.HasPrefix(line, "::error") && strings.Contains(line, want) {
			return
		}
	}
	assert.Fail(t, "no annotation", "the step that failed printed no ::error:: line that says %q\n%s", want, r.log.String())
}

func runGateCase(t *testing.T, w *releaseWorkflow, gate string, tc gateCase) {
	dir := t.TempDir()
	repoDir := filepath.Join(dir, "repo")
	require.NoError(t, os.Mkdir(repoDir, 0o755))
	git := func(args ...string) string { t.Helper(); return gitIn(t, repoDir, gitEnv(dir), args...) }
	git("init", "-q")
	tree := git("hash-object", "-t", "tree", "-w", "/dev/null")
	commit := func(msg string, parents ...string) string {
		args := []string{"commit-tree", tree, "-m", msg}
		for _, p := range parents {
			args = append(args, "-p", p)
		}
		return git(args...)
	}
	sha := map[string]string{}
	sha["A"] = commit("A")
	sha["B"] = commit("B", sha["A"])
	sha["C"] = commit("C", sha["B"])
	sha["X"] = commit("X", sha["A"])
	// What actions/checkout leaves with fetch-depth: 0: every branch as
	// origin/*, every tag, HEAD detached at the pushed commit.
	git("update-ref", "refs/remotes/origin/main", sha["C"])
	git("update-ref", "refs/remotes/origin/feature", sha["X"])
	var v1Before string
	if tc.v1From != "" {
		git("tag", tc.v1Version, sha[tc.v1From])
		v1Before = commit("release "+tc.v1Version+": run the published image", sha[tc.v1From])
		git("tag", "v1", v1Before)
	}
	if tc.v1Bare != "" {
		v1Before = sha[tc.v1Bare]
		git("tag", "v1", v1Before)
	}
	tagAt := sha[tc.at]
	if tc.tagNow != "" {
		tagAt = sha[tc.tagNow]
	}
	if tc.tag != tc.v1Version {
		git("tag", tc.tag, tagAt)
	}
	git("update-ref", "--no-deref", "HEAD", sha[tc.at])

	// The fake API's answer: ci.yml's runs.
	type run struct {
		ID         int    `json:"id"`
		HeadSHA    string `json:"head_sha"`
		HeadBranch string `json:"head_branch"`
		Event      string `json:"event"`
		Status     string `json:"status"`
		Conclusion any    `json:"conclusion"`
		Path       string `json:"path"`
		Repository struct {
			FullName string `json:"full_name"`
		} `json:"repository"`
	}
	runs := []run{}
	for i, r := range tc.runs {
		x := run{ID: i + 1, HeadSHA: sha[r.commit], HeadBranch: r.branch, Event: r.event, Status: "completed", Conclusion: r.conclusion, Path: ".github/workflows/ci.yml"}
		if r.conclusion == "" {
			x.Status, x.Conclusion = "in_progress", nil
		}
		x.Repository.FullName = "BTCDecoded/release-action"
		runs = append(runs, x)
	}
	answer, err := json.Marshal(map[string]any{"total_count": len(runs), "workflow_runs": runs})
	require.NoError(t, err)
	binDir := filepath.Join(dir, "bin")
	require.NoError(t, os.Mkdir(binDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(binDir, "gh"), []byte(fakeGH), 0o755))
	runsFile, ghLog := filepath.Join(dir, "runs.json"), filepath.Join(dir, "gh.log")
	require.NoError(t, os.WriteFile(runsFile, answer, 0o644))

	r := &jobRunner{
		t: t, w: w, job: w.Jobs[gate], dir: dir, repoDir: repoDir,
		env: []string{
			"PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
			"FAKE_GH_RUNS=" + runsFile, "FAKE_GH_LOG=" + ghLog,
		},
		contexts: map[string]string{
			"github.ref_name":      tc.tag,
			"github.ref":           "refs/tags/" + tc.tag,
			"github.sha":           sha[tc.at],
			"github.repository":    "BTCDecoded/release-action",
			"github.token":         "fake-token",
			"secrets.GITHUB_TOKEN": "fake-token",
		},
	}
	r.run(nil)
	t.Log("the gate's log:\n" + r.log.String())

	_, statErr := os.Stat(filepath.Join(repoDir, "pwned"))
	assert.True(t, os.IsNotExist(statErr), "the tag name ran as a command\n%s", r.log.String())
	if tc.wantErr != "" {
		r.refused(tc.wantErr)
		return
	}
	require.False(t, r.failed, "the gate refused a good release\n%s", r.log.String())
	out := r.jobOutputs()
	assert.Equal(t, sha[tc.at], out["commit"], "the commit checked")
	assert.Equal(t, tc.tag, out["version"], "the version released")
	assert.Equal(t, v1Before, out["v1"], "where v1 was, for the lease; empty when it does not exist")
	calls, err := os.ReadFile(ghLog)
	require.NoError(t, err, "the gate never asked GitHub about CI")
	assert.Contains(t, string(calls), "repos/BTCDecoded/release-action/actions/workflows/ci.yml/runs head_sha="+sha[tc.at])
}

// TestReleaseMovesV1 runs the job that moves v1 (its git steps; the image
// tag needs a registry) against a bare repository standing in for GitHub:
// v1 is created, or moved from where the gate saw it, and never from
// anywhere else; a rerun after the move changes nothing.
func TestReleaseMovesV1(t *testing.T) {
	for _, tool := range []string{"git", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found", tool)
		}
	}
	w := readReleaseWorkflow(t)
	gate := w.gate()
	require.NotEmpty(t, gate, "no gate job")
	var moverID string
	for _, id := range w.sortedJobs() {
		for _, s := range w.Jobs[id].Steps {
			if strings.Contains(s.Run, "git push") && strings.Contains(s.Run, "v1") {
				moverID = id
			}
		}
	}
	require.NotEmpty(t, moverID, "no job pushes v1")
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	image := "  image: 'docker://" + w.Env["IMAGE"] + "@" + digest + "'"

	// origin: main is B-C, with v1.2.0 at B released as v1 (R0); a stray
	// commit S stands for a v1 moved by someone else meanwhile.
	setup := func(t *testing.T) (dir, origin string, sha map[string]string) {
		dir = t.TempDir()
		seed := filepath.Join(dir, "seed")
		origin = filepath.Join(dir, "origin.git")
		env := gitEnv(dir)
		gitIn(t, dir, env, "init", "-q", "--bare", origin)
		gitIn(t, dir, env, "init", "-q", seed)
		git := func(args ...string) string { t.Helper(); return gitIn(t, seed, env, args...) }
		action, err := os.ReadFile("action.yml")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(seed, "action.yml"), action, 0o644))
		sha = map[string]string{}
		git("add", "action.yml")
		git("commit", "-qm", "B")
		sha["B"] = git("rev-parse", "HEAD")
		git("commit", "-q", "--allow-empty", "-m", "C")
		sha["C"] = git("rev-parse", "HEAD")
		git("tag", "v1.2.0", sha["B"])
		git("tag", "v1.3.0", sha["C"])
		tree := git("rev-parse", sha["B"]+"^{tree}")
		sha["R0"] = git("commit-tree", tree, "-p", sha["B"], "-m", "release v1.2.0")
		sha["S"] = git("commit-tree", tree, "-p", sha["C"], "-m", "someone else's v1")
		git("tag", "v1", sha["R0"])
		git("push", "-q", origin, "HEAD:refs/heads/main", "refs/tags/*:refs/tags/*", sha["S"]+":refs/heads/stray")
		return dir, origin, sha
	}
	// move runs the job on a fresh checkout of C, as actions/checkout
	// leaves it (credentials kept: here, a local remote).
	move := func(t *testing.T, dir, origin string, sha map[string]string, v1Seen string, env ...string) *jobRunner {
		work, err := os.MkdirTemp(dir, "work")
		require.NoError(t, err)
		gitIn(t, dir, gitEnv(dir), "clone", "-q", "--branch", "v1.3.0", origin, work)
		// actions/checkout of a tag fetches that tag alone.
		for _, tag := range strings.Fields(gitIn(t, work, gitEnv(dir), "tag", "--list")) {
			if tag != "v1.3.0" {
				gitIn(t, work, gitEnv(dir), "tag", "-d", tag)
			}
		}
		r := &jobRunner{
			t: t, w: w, job: w.Jobs[moverID], dir: work + ".tmp", repoDir: work, env: env,
			contexts: map[string]string{
				"github.ref_name": "v1.3.0", "github.ref": "refs/tags/v1.3.0", "github.sha": sha["C"],
				"github.repository": "BTCDecoded/release-action", "github.token": "fake-token",
				"github.actor": "someone", "secrets.GITHUB_TOKEN": "fake-token",
				"needs." + gate + ".outputs.version": "v1.3.0",
				"needs." + gate + ".outputs.commit":  sha["C"],
				"needs." + gate + ".outputs.v1":      v1Seen,
			},
		}
		require.NoError(t, os.Mkdir(r.dir, 0o755))
		for _, needed := range r.job.needs() {
			if needed != gate {
				r.contexts["needs."+needed+".outputs.digest"] = digest
			}
		}
		r.run(func(s releaseStep) bool { return strings.Contains(s.Run, "docker ") })
		t.Log("the job's log:\n" + r.log.String())
		return r
	}
	remoteV1 := func(t *testing.T, origin string) string {
		out := gitIn(t, origin, gitEnv(origin), "for-each-ref", "--format=%(objectname)", "refs/tags/v1")
		return out
	}
	isRelease := func(t *testing.T, origin, v1, from string) {
		env := gitEnv(origin)
		assert.Equal(t, from, gitIn(t, origin, env, "rev-parse", v1+"^"), "v1 is a commit on top of the released one")
		assert.Contains(t, strings.Split(gitIn(t, origin, env, "show", v1+":action.yml"), "\n"), image, "v1's action.yml runs the image by digest")
		assert.Equal(t, []string{"action.yml"}, strings.Fields(gitIn(t, origin, env, "diff", "--name-only", from, v1)), "v1 changes only action.yml")
	}

	t.Run("moves from where the gate saw it", func(t *testing.T) {
		dir, origin, sha := setup(t)
		r := move(t, dir, origin, sha, sha["R0"])
		require.False(t, r.failed, r.log.String())
		isRelease(t, origin, remoteV1(t, origin), sha["C"])
	})
	t.Run("creates v1 on the first release", func(t *testing.T) {
		dir, origin, sha := setup(t)
		gitIn(t, origin, gitEnv(dir), "update-ref", "-d", "refs/tags/v1")
		r := move(t, dir, origin, sha, "")
		require.False(t, r.failed, r.log.String())
		isRelease(t, origin, remoteV1(t, origin), sha["C"])
	})
	t.Run("refuses when v1 moved after the gate", func(t *testing.T) {
		dir, origin, sha := setup(t)
		gitIn(t, origin, gitEnv(dir), "update-ref", "refs/tags/v1", sha["S"])
		r := move(t, dir, origin, sha, sha["R0"])
		r.refused("v1 moved")
		assert.Equal(t, sha["S"], remoteV1(t, origin), "v1 stays where the other move put it")
	})
	t.Run("refuses when v1 appeared after the gate saw none", func(t *testing.T) {
		dir, origin, sha := setup(t)
		r := move(t, dir, origin, sha, "")
		r.refused("v1 moved")
		assert.Equal(t, sha["R0"], remoteV1(t, origin))
	})
	t.Run("a rerun after the move changes nothing", func(t *testing.T) {
		dir, origin, sha := setup(t)
		first := move(t, dir, origin, sha, sha["R0"])
		require.False(t, first.failed, first.log.String())
		moved := remoteV1(t, origin)
		// A rerun commits at another time: another release commit, which
		// the lease refuses; the job finds v1 already is this release.
		again := move(t, dir, origin, sha, sha["R0"], "GIT_COMMITTER_DATE=2025-01-02T00:00:00Z", "GIT_AUTHOR_DATE=2025-01-02T00:00:00Z")
		require.False(t, again.failed, again.log.String())
		assert.Contains(t, again.log.String(), "already", "the rerun found its own release")
		assert.Equal(t, moved, remoteV1(t, origin), "the rerun leaves v1 alone")
	})
}

// readGitHubOutput reads name=value lines and name<<DELIMITER blocks.
func readGitHubOutput(t *testing.T, path string) map[string]string {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var value []string
			for sc.Scan() && sc.Text() != delim {
				value = append(value, sc.Text())
			}
			out[name] = strings.Join(value, "\n")
			continue
		}
		if name, value, ok := strings.Cut(line, "="); ok {
			out[name] = value
		}
	}
	require.NoError(t, sc.Err())
	return out
}
