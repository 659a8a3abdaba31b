package app

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/rhysd/actionlint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
)

// runHeadSHA is the head of the run in testdata/events/workflow_run.json.
const runHeadSHA = "5779607b49aab1200488439f02372c57b4f75444"

// workflowRunPayload is the real workflow_run example as the orchestrator would
// receive it: a run of BTCDecoded/bllvm that completed, started by event on
// head_branch main, whose commit is in headRepository; change, if set,
// edits the workflow_run object further. It returns the event as a map and
// the path of its file.
func workflowRunPayload(t *testing.T, event, headRepository string, change func(run map[string]any)) (map[string]any, string) {
	t.Helper()
	data, err := os.ReadFile(payload("workflow_run.json"))
	require.NoError(t, err)
	var payload map[string]any
	require.NoError(t, json.Unmarshal(data, &payload))
	run := payload["workflow_run"].(map[string]any)
	run["event"] = event
	run["head_branch"] = "main"
	run["conclusion"] = "success"
	run["repository"].(map[string]any)["full_name"] = orchestrator
	run["head_repository"].(map[string]any)["full_name"] = headRepository
	if change != nil {
		change(run)
	}
	data, err = json.Marshal(payload)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "workflow_run.json")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	return payload, path
}

// orchestratorWorld is a step of the orchestrator run by a workflow_run in
// mode; the fork's commit is reachable in the orchestrator, as a pull
// request's head is on GitHub, so only the action can keep it from being
// tagged or released.
func orchestratorWorld(t *testing.T, mode, eventPath string) *world {
	t.Helper()
	w := releaseWorld(t, mode).with(map[string]string{
		"GITHUB_EVENT_NAME": "workflow_run",
		"GITHUB_EVENT_PATH": eventPath,
	})
	w.srv.AddCommit(orchestrator, runHeadSHA)
	return w
}

// The modes a fork's commit must never reach, each as the example
// workflows run it.
var trustModes = []struct {
	name  string
	vars  map[string]string
	setup func(w *world)
}{
	{"nightly-tag with push-tag", map[string]string{"INPUT_MODE": "nightly-tag", "INPUT_PUSH-TAG": "true"}, nil},
	{"trigger-orchestrator", map[string]string{"INPUT_MODE": "trigger-orchestrator"}, nil},
	{"create-prerelease", map[string]string{"INPUT_MODE": "create-prerelease", "INPUT_ASSETS": "dist/**"}, func(w *world) { w.assets() }},
	{"plan", map[string]string{"INPUT_MODE": "plan"}, nil},
}

// A workflow_run whose commit anyone could have chosen fails every mode
// before any request, saying why.
func TestUntrustedWorkflowRunIsRefusedInEveryMode(t *testing.T) {
	events := []struct {
		name, event, headRepository string
		want                        []string
	}{
		{"a fork's pull request from its branch main", "pull_request", "attacker/bllvm",
			[]string{`its commit is in "attacker/bllvm", not in this repository (BTCDecoded/bllvm)`, "head_repository.full_name == github.repository"}},
		{"a pull request from a branch of this repository", "pull_request", orchestrator,
			[]string{"started by pull_request", "workflow_run.event == 'push'"}},
		{"pull_request_target", "pull_request_target", orchestrator, []string{"started by pull_request_target"}},
		{"a push to a fork", "push", "attacker/bllvm", []string{`"attacker/bllvm"`}},
	}
	for _, ev := range events {
		for _, mode := range trustModes {
			t.Run(ev.name+"/"+mode.name, func(t *testing.T) {
				_, path := workflowRunPayload(t, ev.event, ev.headRepository, nil)
				w := orchestratorWorld(t, mode.vars["INPUT_MODE"], path).with(mode.vars)
				if mode.setup != nil {
					mode.setup(w)
				}
				o := w.run()
				assert.Equal(t, 1, o.code, o.stdout)
				assert.Empty(t, o.requests, "refused before any request")
				line := errorLine(t, o.stdout)
				assert.Contains(t, line, "::error::refuse the workflow_run of ")
				for _, want := range ev.want {
					assert.Contains(t, line, want)
				}
				assert.Empty(t, o.outputs)
				assert.Empty(t, w.srv.Dispatches())
			})
		}
	}
}

// A run of this repository started by a push is what the orchestrator
// builds: its head is dispatched and tagged as before.
func TestWorkflowRunOfAPushStillWorks(t *testing.T) {
	t.Run("trigger-orchestrator", func(t *testing.T) {
		_, path := workflowRunPayload(t, "push", orchestrator, nil)
		w := orchestratorWorld(t, "trigger-orchestrator", path)
		o := w.run()
		require.Equal(t, 0, o.code, o.stdout)
		require.Len(t, w.srv.Dispatches(), 1)
		d := w.srv.Dispatches()[0]
		assert.Equal(t, "build_all", d.EventType)
		assert.Equal(t, runHeadSHA, d.ClientPayload["sha"])
		assert.Equal(t, "refs/heads/main", d.ClientPayload["ref"])
	})
	t.Run("nightly-tag with push-tag", func(t *testing.T) {
		_, path := workflowRunPayload(t, "push", "btcdecoded/BLLVM", nil) // GitHub's names ignore case
		w := orchestratorWorld(t, "nightly-tag", path).with(map[string]string{"INPUT_PUSH-TAG": "true"})
		o := w.run()
		require.Equal(t, 0, o.code, o.stdout)
		assert.Equal(t, "nightly-20251117-5779607", o.outputs["tag"])
		assert.Equal(t, "true", o.outputs["created"])
		assert.Equal(t, runHeadSHA, o.outputs["sha"])
	})
}

// A head_sha or head_branch that is not one is refused before anything is
// sent with it.
func TestWorkflowRunHeadIsChecked(t *testing.T) {
	tests := []struct {
		name   string
		change func(run map[string]any)
		want   string
	}{
		{"head_sha with a line break", func(run map[string]any) { run["head_sha"] = runHeadSHA + "\n::add-mask::x" },
			`read the commit that triggered this run: workflow_run.head_sha is "` + runHeadSHA + `\n::add-mask::x"`},
		{"head_sha short", func(run map[string]any) { run["head_sha"] = "5779607" }, `workflow_run.head_sha is "5779607"`},
		{"head_branch with a line break", func(run map[string]any) { run["head_branch"] = "main\nevil=1" },
			`read the ref that triggered this run: workflow_run.head_branch gives "refs/heads/main\nevil=1"`},
	}
	for _, tt := range tests {
		for _, mode := range trustModes {
			t.Run(tt.name+"/"+mode.name, func(t *testing.T) {
				_, path := workflowRunPayload(t, "push", orchestrator, tt.change)
				w := orchestratorWorld(t, mode.vars["INPUT_MODE"], path).with(mode.vars)
				if mode.setup != nil {
					mode.setup(w)
				}
				o := w.run()
				assert.Equal(t, 1, o.code, o.stdout)
				assert.Empty(t, o.requests)
				assert.Contains(t, errorLine(t, o.stdout), tt.want)
				assertNoForgedCommands(t, o.stdout)
			})
		}
	}
}

// A dispatch_id that would print workflow commands on lines of their own is
// refused before the dispatch goes out.
func TestDispatchIDWithLineBreaksSendsNothing(t *testing.T) {
	w := waitWorld(t, map[string]string{
		"INPUT_CLIENT-PAYLOAD": `{"dispatch_id": "7001-1-ab\n::add-mask::x\n::stop-commands::t0k3n"}`,
	})
	o := w.run()
	assert.Equal(t, 1, o.code)
	assert.Empty(t, o.requests)
	assert.Empty(t, w.srv.Dispatches())
	assert.Contains(t, errorLine(t, o.stdout), `input client-payload: dispatch_id must not contain line breaks or other control characters; got "7001-1-ab\n::add-mask::x\n::stop-commands::t0k3n"`)
	assertNoForgedCommands(t, o.stdout)
}

// A server that answers with a status made to print commands gets them
// printed as text, whether the run then completes or the wait times out.
func TestServerStatusCannotPrintCommands(t *testing.T) {
	crafted := githubtest.RunStep{Status: "in_progress\n::add-mask::x\n##[add-mask]y"}
	tests := []struct {
		name     string
		steps    []githubtest.RunStep
		timeout  string
		wantCode int
	}{
		{"then completes", []githubtest.RunStep{crafted, crafted, {Status: "completed", Conclusion: "success"}}, "", 0},
		{"until the wait times out", []githubtest.RunStep{crafted}, "90s", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := waitWorld(t, map[string]string{"INPUT_WAIT-TIMEOUT": tt.timeout})
			w.srv.ScriptNextRuns(tt.steps...)
			o := w.run()
			require.Equal(t, tt.wantCode, o.code, o.stdout)
			assert.Contains(t, o.stdout, `run 3 is "in_progress\n::add-mask::x\n##%5Badd-mask]y"; looking again in 5s`, "the status is shown, quoted")
			assertNoForgedCommands(t, o.stdout)
			if tt.wantCode != 0 {
				assert.Contains(t, errorLine(t, o.stdout), `is still "in_progress\n::add-mask::x\n##[add-mask]y" after 1m30s`)
			}
		})
	}
}

// Outside Actions the outputs are name=value lines on stdout: a commit
// from the runner's variables crafted to add one is refused, and stdout
// gets no line at all.
func TestOutputsOutsideActionsCannotBeAdded(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"GITHUB_SHA with a line break", map[string]string{"GITHUB_SHA": pushSHA + "\nevil=1"}, `GITHUB_SHA is "` + pushSHA + `\nevil=1"`},
		{"GITHUB_REF with a line break", map[string]string{"GITHUB_REF": "refs/heads/main\nevil=1"}, `GITHUB_REF gives "refs/heads/main\nevil=1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			for k := range w.vars {
				if strings.HasPrefix(k, "GITHUB_") {
					delete(w.vars, k)
				}
			}
			w.with(map[string]string{"GITHUB_REPOSITORY": orchestrator, "GITHUB_SHA": pushSHA, "GITHUB_REF": "refs/heads/main", "INPUT_MODE": "nightly-tag"}).with(tt.vars)
			o := w.run()
			assert.Equal(t, 1, o.code, o.stdout)
			assert.Empty(t, o.stdout, "no name=value line at all")
			assert.Contains(t, o.stderr, "error: ")
			assert.Contains(t, o.stderr, tt.want)
			assert.Empty(t, o.requests)
		})
	}
}

// assertNoForgedCommands fails when a line of out is a command the runner
// would obey other than those the action itself writes: the token's mask,
// annotations and groups. The runner trims white space (.NET's, which
// counts U+001C to U+001F) before looking for "::", and, in a line that is
// not such a command, obeys "##[" anywhere.
func assertNoForgedCommands(t *testing.T, out string) {
	t.Helper()
	own := []string{"::notice::", "::warning::", "::error::", "::group::", "::endgroup::"}
	for _, line := range strings.Split(out, "\n") {
		assert.NotContains(t, line, "\r", "a carriage return ends a line for the runner")
		if line == "::add-mask::"+token {
			continue
		}
		rest := strings.TrimLeftFunc(line, func(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f })
		if !strings.HasPrefix(rest, "::") {
			assert.NotContains(t, line, "##[", "the runner obeys ##[ anywhere in a plain line")
			continue
		}
		ours := false
		for _, prefix := range own {
			ours = ours || strings.HasPrefix(line, prefix)
		}
		assert.True(t, ours, "a forged command: %q", line)
	}
}

// The orchestrator example starts no job for a workflow_run whose commit
// anyone could have chosen: its jobs' conditions are played as GitHub plays
// them, over the same events the action refuses.
func TestOrchestratorExampleStartsNoJobForUntrustedRuns(t *testing.T) {
	workflow, err := os.ReadFile(filepath.Join("..", "..", "examples", "workflows", "release_orchestrator.yml"))
	require.NoError(t, err)
	// Every job, in the order the player starts them (by id, each after
	// what it needs), as when the plan rebuilds every component.
	all := []string{"plan", "verify-consensus", "build-bllvm", "build-governance", "build-node", "build-protocol", "build-sdk", "publish", "deploy"}
	tests := []struct {
		name      string
		eventName string
		event     func(t *testing.T) map[string]any
		want      []string
	}{
		{"a fork's pull request from its branch main", "workflow_run", func(t *testing.T) map[string]any {
			e, _ := workflowRunPayload(t, "pull_request", "attacker/bllvm", nil)
			return e
		}, nil},
		{"a pull request from a branch of this repository", "workflow_run", func(t *testing.T) map[string]any {
			e, _ := workflowRunPayload(t, "pull_request", orchestrator, nil)
			return e
		}, nil},
		{"pull_request_target", "workflow_run", func(t *testing.T) map[string]any {
			e, _ := workflowRunPayload(t, "pull_request_target", orchestrator, nil)
			return e
		}, nil},
		{"a push to a fork", "workflow_run", func(t *testing.T) map[string]any {
			e, _ := workflowRunPayload(t, "push", "attacker/bllvm", nil)
			return e
		}, nil},
		{"a push that failed its CI", "workflow_run", func(t *testing.T) map[string]any {
			e, _ := workflowRunPayload(t, "push", orchestrator, func(run map[string]any) { run["conclusion"] = "failure" })
			return e
		}, nil},
		{"a push to main of this repository", "workflow_run", func(t *testing.T) map[string]any {
			e, _ := workflowRunPayload(t, "push", orchestrator, nil)
			return e
		}, all},
		{"a dispatch", "repository_dispatch", func(*testing.T) map[string]any {
			return map[string]any{"action": "build_node", "client_payload": map[string]any{}}
		}, all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			github := map[string]any{"event_name": tt.eventName, "repository": orchestrator, "event": tt.event(t)}
			assert.Equal(t, tt.want, jobsThatStart(t, workflow, github))
		})
	}
}

// The orchestrator example builds what the plan names, each build after
// the consensus proofs or without them when consensus is not rebuilt,
// publishes and deploys only when no job before failed, and triages only
// when one did.
func TestOrchestratorExampleBuildsWhatThePlanNames(t *testing.T) {
	workflow, err := os.ReadFile(filepath.Join("..", "..", "examples", "workflows", "release_orchestrator.yml"))
	require.NoError(t, err)
	github := map[string]any{"event_name": "repository_dispatch", "repository": orchestrator, "event": map[string]any{"action": "build_commons", "client_payload": map[string]any{}}}
	tests := []struct {
		name       string
		components string
		changed    string
		failing    []string
		want       []string
	}{
		{"governance only", `["governance"]`, "true", nil, []string{"plan", "build-governance", "publish", "deploy"}},
		{"node down", `["node","sdk","bllvm","governance"]`, "true", nil, []string{"plan", "build-bllvm", "build-governance", "build-node", "build-sdk", "publish", "deploy"}},
		{"a failing proof", `["consensus","protocol","node","sdk","bllvm","governance"]`, "true", []string{"verify-consensus"}, []string{"plan", "verify-consensus", "triage"}},
		{"a failing build", `["node","sdk","bllvm","governance"]`, "true", []string{"build-sdk"}, []string{"plan", "build-bllvm", "build-governance", "build-node", "build-sdk", "triage"}},
		{"a failing publish", `["governance"]`, "true", []string{"publish"}, []string{"plan", "build-governance", "publish", "triage"}},
		{"a failing deploy", `["governance"]`, "true", []string{"deploy"}, []string{"plan", "build-governance", "publish", "deploy", "triage"}},
		{"nothing new", `[]`, "false", nil, []string{"plan"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outputs := map[string]any{"components": tt.components, "changed": tt.changed, "published": "nightly-20251117-b11b11b"}
			assert.Equal(t, tt.want, jobsThatStartWith(t, workflow, github, outputs, tt.failing))
		})
	}
}

// jobsThatStart plays a workflow's job conditions as GitHub does: in the
// order of needs, a job's if: (with success() && in front when it calls no
// status function) over github and needs; a job that starts is taken to
// succeed, with outputs it sets as the example's plan would, and one that
// does not is skipped. Anything the player does not know fails the test.
func jobsThatStart(t *testing.T, workflow []byte, github map[string]any) []string {
	t.Helper()
	outputs := map[string]any{"components": `["consensus","protocol","node","sdk","bllvm","governance"]`, "changed": "true", "published": "nightly-20251117-b11b11b"}
	return jobsThatStartWith(t, workflow, github, outputs, nil)
}

// jobsThatStartWith plays the conditions as jobsThatStart does, with the
// outputs every job that succeeds sets, and the jobs of failing failing
// once started.
func jobsThatStartWith(t *testing.T, workflow []byte, github map[string]any, outputs map[string]any, failing []string) []string {
	t.Helper()
	parsed, errs := actionlint.Parse(workflow)
	require.Empty(t, errs)
	results := map[string]string{}
	failed := map[string]bool{}         // a job that failed, or one after it
	chainSucceeded := map[string]bool{} // a job and every job before it succeeded
	var started []string
	var play func(id string) string
	play = func(id string) string {
		if r, ok := results[id]; ok {
			return r
		}
		job := parsed.Jobs[id]
		require.NotNil(t, job, "job %s", id)
		needs := map[string]any{}
		var needed []string
		ancestorFailed, ancestorsSucceeded := false, true
		for _, n := range job.Needs {
			needed = append(needed, n.Value)
			need := map[string]any{"result": play(n.Value), "outputs": map[string]any{}}
			ancestorFailed = ancestorFailed || failed[n.Value]
			ancestorsSucceeded = ancestorsSucceeded && chainSucceeded[n.Value]
			if need["result"] == "success" {
				need["outputs"] = outputs
			}
			needs[n.Value] = need
		}
		condition := "success()"
		if job.If != nil {
			condition = strings.TrimSpace(job.If.Value)
			condition = strings.TrimSuffix(strings.TrimPrefix(condition, "${{"), "}}")
		}
		expr, err := actionlint.NewExprParser().Parse(actionlint.NewExprLexer(condition + "}}"))
		require.Nil(t, err, "job %s: if: %s", id, condition)
		p := &conditionPlayer{t: t, github: github, needs: needs, needed: needed, failed: ancestorFailed, succeeded: ancestorsSucceeded}
		// Without a status function, success() && goes in front, and
		// short-circuits as && does.
		start := (callsStatus(expr) || p.success()) && exprTruthy(p.eval(expr))
		results[id] = "skipped"
		failed[id] = ancestorFailed
		if start {
			results[id] = "success"
			started = append(started, id)
			if slices.Contains(failing, id) {
				results[id] = "failure"
				failed[id] = true
			}
		}
		chainSucceeded[id] = ancestorsSucceeded && results[id] == "success"
		return results[id]
	}
	for _, id := range slices.Sorted(maps.Keys(parsed.Jobs)) {
		play(id)
	}
	return started
}

type conditionPlayer struct {
	t      *testing.T
	github map[string]any
	needs  map[string]any
	needed []string
	failed bool // a job before this one failed
	// succeeded: every job before this one, needed directly or not,
	// succeeded. GitHub's success() asks that: one skipped anywhere before
	// (actions/runner#2205) makes it false, even when every job needed
	// directly succeeded.
	succeeded bool
}

func (p *conditionPlayer) success() bool {
	return p.succeeded
}

func (p *conditionPlayer) eval(node actionlint.ExprNode) any {
	switch n := node.(type) {
	case *actionlint.VariableNode:
		switch strings.ToLower(n.Name) {
		case "github":
			return p.github
		case "needs":
			return p.needs
		}
	case *actionlint.ObjectDerefNode:
		object, _ := p.eval(n.Receiver).(map[string]any)
		for k, v := range object {
			if strings.EqualFold(k, n.Property) {
				return v
			}
		}
		return nil
	case *actionlint.StringNode:
		return n.Value
	case *actionlint.BoolNode:
		return n.Value
	case *actionlint.NullNode:
		return nil
	case *actionlint.NotOpNode:
		return !exprTruthy(p.eval(n.Operand))
	case *actionlint.CompareOpNode:
		left, right := p.eval(n.Left), p.eval(n.Right)
		l, lok := left.(string)
		r, rok := right.(string)
		equal := left == right || lok && rok && strings.EqualFold(l, r) // GitHub ignores case
		switch n.Kind {
		case actionlint.CompareOpNodeKindEq:
			return equal
		case actionlint.CompareOpNodeKindNotEq:
			return !equal
		}
	case *actionlint.LogicalOpNode:
		left := p.eval(n.Left)
		switch n.Kind {
		case actionlint.LogicalOpNodeKindAnd:
			if !exprTruthy(left) {
				return left
			}
			return p.eval(n.Right)
		case actionlint.LogicalOpNodeKindOr:
			if exprTruthy(left) {
				return left
			}
			return p.eval(n.Right)
		}
	case *actionlint.FuncCallNode:
		var args []any
		for _, a := range n.Args {
			args = append(args, p.eval(a))
		}
		switch strings.ToLower(n.Callee) {
		case "always":
			return true
		case "success":
			return p.success()
		case "failure":
			return p.failed
		case "cancelled":
			return false
		case "fromjson":
			var v any
			require.NoError(p.t, json.Unmarshal([]byte(args[0].(string)), &v), "fromJSON(%q)", args[0])
			return v
		case "contains":
			switch haystack := args[0].(type) {
			case []any:
				for _, item := range haystack {
					if s, ok := item.(string); ok && strings.EqualFold(s, args[1].(string)) {
						return true
					}
				}
				return false
			case string:
				return strings.Contains(strings.ToLower(haystack), strings.ToLower(args[1].(string)))
			}
		}
	}
	p.t.Fatalf("the player cannot evaluate %T in the example's conditions", node)
	return nil
}

// callsStatus tells whether an if: calls a status function; without one
// GitHub puts success() && in front of it.
func callsStatus(node actionlint.ExprNode) bool {
	found := false
	actionlint.VisitExprNode(node, func(n, _ actionlint.ExprNode, entering bool) {
		if call, ok := n.(*actionlint.FuncCallNode); ok && entering {
			switch strings.ToLower(call.Callee) {
			case "success", "always", "failure", "cancelled":
				found = true
			}
		}
	})
	return found
}

func exprTruthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case float64:
		return v != 0
	}
	return true
}
