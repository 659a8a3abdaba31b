package event

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func eventsDir(name string) string { return filepath.Join("..", "..", "testdata", "events", name) }

// fakeGit answers the git commands Load may run, and counts them.
type fakeGit struct {
	answers map[string]string
	calls   int
}

func (g *fakeGit) run(_ context.Context, args ...string) (string, error) {
	g.calls++
	key := args[0]
	if out, ok := g.answers[key]; ok {
		return out, nil
	}
	return "", errors.New("not a git repository")
}

func TestLoadFromRealPayloads(t *testing.T) {
	const runnerSHA = "1111111111111111111111111111111111111111"
	tests := []struct {
		name      string
		eventName string
		file      string
		ref       string
		wantSHA   string
		wantRef   string
		shaSource string
	}{
		{"push to master", "push", "push.json", "refs/heads/master", runnerSHA, "refs/heads/master", "GITHUB_SHA"},
		{"push of a tag", "push", "push-tag.json", "refs/tags/simple-tag", runnerSHA, "refs/tags/simple-tag", "GITHUB_SHA"},
		{"workflow_run uses the head of the completed run", "workflow_run", "workflow_run.json", "refs/heads/orchestrator-default", "5779607b49aab1200488439f02372c57b4f75444", "refs/heads/main", "workflow_run.head_sha"},
		{"repository_dispatch", "repository_dispatch", "repository_dispatch.json", "refs/heads/main", runnerSHA, "refs/heads/main", "GITHUB_SHA"},
		{"workflow_dispatch", "workflow_dispatch", "workflow_dispatch.json", "refs/heads/main", runnerSHA, "refs/heads/main", "GITHUB_SHA"},
		{"schedule", "schedule", "schedule.json", "refs/heads/main", runnerSHA, "refs/heads/main", "GITHUB_SHA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{
				"GITHUB_ACTIONS":     "true",
				"GITHUB_EVENT_NAME":  tt.eventName,
				"GITHUB_EVENT_PATH":  eventsDir(tt.file),
				"GITHUB_REPOSITORY":  "BTCDecoded/bllvm-consensus",
				"GITHUB_SHA":         runnerSHA,
				"GITHUB_REF":         tt.ref,
				"GITHUB_RUN_ID":      "42",
				"GITHUB_RUN_ATTEMPT": "2",
			}
			git := &fakeGit{}
			c, err := Load(context.Background(), func(k string) string { return vars[k] }, git.run, Overrides{})
			require.NoError(t, err)
			assert.Equal(t, tt.wantSHA, c.SHA)
			assert.Equal(t, tt.wantRef, c.Ref)
			assert.Equal(t, tt.shaSource, c.Source["sha"])
			assert.Equal(t, "BTCDecoded/bllvm-consensus", c.Repository)
			assert.Equal(t, "BTCDecoded", c.Owner())
			assert.Equal(t, "bllvm-consensus", c.Name())
			assert.Equal(t, int64(42), c.RunID)
			assert.Equal(t, int64(2), c.RunAttempt)
			assert.True(t, c.InActions)
			assert.Zero(t, git.calls, "git is not asked when the runner says everything")
			assert.NoError(t, c.Require("repository", "sha", "ref"))
			if tt.eventName == "repository_dispatch" {
				assert.Equal(t, "on-demand-test", c.DispatchType, "the payload's action is the event type")
			} else {
				assert.Empty(t, c.DispatchType)
			}
		})
	}
}

func TestLoadOutsideActions(t *testing.T) {
	tests := []struct {
		name     string
		git      map[string]string
		over     Overrides
		wantRepo string
		wantSHA  string
		wantRef  string
		missing  []string
	}{
		{
			name:     "everything from the local checkout",
			git:      map[string]string{"remote": "git@github.com:BTCDecoded/bllvm-sdk.git", "rev-parse": "ABCDEF0123456789ABCDEF0123456789ABCDEF01", "symbolic-ref": "refs/heads/main"},
			wantRepo: "BTCDecoded/bllvm-sdk", wantSHA: "abcdef0123456789abcdef0123456789abcdef01", wantRef: "refs/heads/main",
		},
		{
			name:     "https remote",
			git:      map[string]string{"remote": "https://github.com/BTCDecoded/governance-app.git\n"},
			wantRepo: "BTCDecoded/governance-app",
			missing:  []string{"--sha=", "--ref="},
		},
		{
			name:     "inputs win over git",
			git:      map[string]string{"remote": "git@github.com:a/b.git", "rev-parse": "ffffffffffffffffffffffffffffffffffffffff", "symbolic-ref": "refs/heads/x"},
			over:     Overrides{Repository: "BTCDecoded/bllvm", SHA: "0123456789012345678901234567890123456789", Ref: "refs/heads/main"},
			wantRepo: "BTCDecoded/bllvm", wantSHA: "0123456789012345678901234567890123456789", wantRef: "refs/heads/main",
		},
		{
			name:    "no git at all names every flag to set",
			missing: []string{"--repository=owner/name", "--sha=", "--ref=refs/heads/main"},
		},
		{
			name:     "detached head has no branch",
			git:      map[string]string{"remote": "ssh://git@github.com/BTCDecoded/bllvm-node", "rev-parse": "0123456789012345678901234567890123456789"},
			wantRepo: "BTCDecoded/bllvm-node", wantSHA: "0123456789012345678901234567890123456789",
			missing: []string{"set the ref input"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			git := &fakeGit{answers: tt.git}
			c, err := Load(context.Background(), func(string) string { return "" }, git.run, tt.over)
			require.NoError(t, err)
			assert.False(t, c.InActions)
			assert.Equal(t, tt.wantRepo, c.Repository)
			assert.Equal(t, tt.wantSHA, c.SHA)
			assert.Equal(t, tt.wantRef, c.Ref)
			assert.Equal(t, "https://github.com", c.ServerURL)
			err = c.Require("repository", "sha", "ref")
			if len(tt.missing) == 0 {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, m := range tt.missing {
				assert.Contains(t, err.Error(), m)
			}
		})
	}
}

func TestRemoteRepository(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"https://github.com/BTCDecoded/bllvm.git", "BTCDecoded/bllvm"},
		{"https://github.com/BTCDecoded/bllvm/", "BTCDecoded/bllvm"},
		{"git@github.com:BTCDecoded/bllvm.git", "BTCDecoded/bllvm"},
		{"ssh://git@ghes.example.com:2222/team/repo.git", "team/repo"},
		{"https://ghes.example.com", ""},
		{"/srv/git/repo", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, remoteRepository(tt.remote), tt.remote)
	}
}

func TestLoadBadEventFile(t *testing.T) {
	vars := map[string]string{"GITHUB_EVENT_PATH": filepath.Join("..", "..", "testdata", "events", "README.md")}
	_, err := Load(context.Background(), func(k string) string { return vars[k] }, nil, Overrides{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "read the run's context")
}

// loadDispatch writes the real example of event (repository_dispatch.json
// or workflow_dispatch.json) with key set to value and loads it.
func loadDispatch(t *testing.T, eventName, key string, value any) Context {
	t.Helper()
	real, err := os.ReadFile(eventsDir(eventName + ".json"))
	require.NoError(t, err)
	var event map[string]any
	require.NoError(t, json.Unmarshal(real, &event))
	if eventName == "repository_dispatch" {
		event["action"] = "build_consensus"
	}
	event[key] = value
	data, err := json.Marshal(event)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "event.json")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	vars := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": eventName, "GITHUB_EVENT_PATH": path}
	c, err := Load(context.Background(), func(k string) string { return vars[k] }, nil, Overrides{})
	require.NoError(t, err)
	return c
}

func TestLoadDispatchPayload(t *testing.T) {
	const sha = "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"
	tests := []struct {
		name    string
		payload any
		want    Dispatch
		wantErr string
	}{
		{"the design note's repo, sha and ref", map[string]any{"repo": "bllvm-consensus", "sha": sha, "ref": "refs/heads/main"},
			Dispatch{Repo: "bllvm-consensus", RepoKey: "client_payload.repo", SHA: sha, SHAKey: "client_payload.sha", Ref: "refs/heads/main", RefKey: "client_payload.ref"}, ""},
		{"the components' triggered_by, source_sha and source_ref; version is not read",
			map[string]any{"triggered_by": "bllvm-consensus", "source_sha": sha, "source_ref": "refs/heads/main", "version": "main"},
			Dispatch{Repo: "bllvm-consensus", RepoKey: "client_payload.triggered_by", SHA: sha, SHAKey: "client_payload.source_sha", Ref: "refs/heads/main", RefKey: "client_payload.source_ref"}, ""},
		{"both forms, the same values: the design note's keys are named",
			map[string]any{"repo": "BTCDecoded/bllvm-consensus", "triggered_by": "bllvm-consensus", "sha": sha, "source_sha": strings.ToUpper(sha)},
			Dispatch{Repo: "BTCDecoded/bllvm-consensus", RepoKey: "client_payload.repo", SHA: sha, SHAKey: "client_payload.sha"}, ""},
		{"both shas, different", map[string]any{"sha": sha, "source_sha": strings.Repeat("d", 40)}, Dispatch{},
			`read the repository_dispatch: client_payload.sha is "` + sha + `" but client_payload.source_sha is "` + strings.Repeat("d", 40) + `"; send one of them, or the same value in both`},
		{"both repos, different", map[string]any{"repo": "bllvm-node", "triggered_by": "bllvm-consensus"}, Dispatch{},
			`client_payload.repo is "bllvm-node" but client_payload.triggered_by is "bllvm-consensus"`},
		{"both repos, other owners", map[string]any{"repo": "BTCDecoded/bllvm-node", "triggered_by": "attacker/bllvm-node"}, Dispatch{},
			`client_payload.repo is "BTCDecoded/bllvm-node" but client_payload.triggered_by is "attacker/bllvm-node"`},
		{"both refs, different", map[string]any{"ref": "refs/heads/main", "source_ref": "refs/heads/dev"}, Dispatch{},
			`client_payload.ref is "refs/heads/main" but client_payload.source_ref is "refs/heads/dev"`},
		{"a crafted conflict is quoted", map[string]any{"sha": sha, "source_sha": "x\n::error::y"}, Dispatch{}, `client_payload.source_sha is "x\n::error::y"`},
		{"kept as sent, checked later", map[string]any{"repo": "x\n::error::y", "sha": "nope"},
			Dispatch{Repo: "x\n::error::y", RepoKey: "client_payload.repo", SHA: "nope", SHAKey: "client_payload.sha"}, ""},
		{"not strings: kept as JSON, so that no check passes them", map[string]any{"repo": 12, "source_sha": []string{"a"}},
			Dispatch{Repo: "12", RepoKey: "client_payload.repo", SHA: `["a"]`, SHAKey: "client_payload.source_sha"}, ""},
		{"null is absent", map[string]any{"repo": nil, "sha": nil}, Dispatch{}, ""},
		{"empty client_payload (the real example)", map[string]any{}, Dispatch{}, ""},
		{"client_payload not an object", "text", Dispatch{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := loadDispatch(t, "repository_dispatch", "client_payload", tt.payload)
			assert.Equal(t, "build_consensus", c.DispatchType)
			got, err := c.Dispatched()
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestLoadWorkflowDispatchInputs(t *testing.T) {
	const sha = "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"
	c := loadDispatch(t, "workflow_dispatch", "inputs", map[string]any{"component": "node", "set_ref": sha, "other": "x"})
	got, err := c.Dispatched()
	require.NoError(t, err)
	assert.Equal(t, Dispatch{Component: "node", ComponentKey: "inputs.component", SHA: sha, SHAKey: "inputs.set_ref"}, got)

	none := loadDispatch(t, "workflow_dispatch", "inputs", map[string]any{})
	got, err = none.Dispatched()
	require.NoError(t, err)
	assert.Equal(t, Dispatch{}, got)

	// A client_payload in a workflow_dispatch's event is nobody's.
	stray := loadDispatch(t, "workflow_dispatch", "client_payload", map[string]any{"sha": sha})
	got, err = stray.Dispatched()
	require.NoError(t, err)
	assert.Equal(t, Dispatch{}, got)
}

// workflowRunEvent writes the real workflow_run example with change applied
// to its workflow_run object, and returns its path. The example's run
// belongs to BTCDecoded/bllvm and was started by a push to main of it.
func workflowRunEvent(t *testing.T, change func(run map[string]any)) string {
	t.Helper()
	data, err := os.ReadFile(eventsDir("workflow_run.json"))
	require.NoError(t, err)
	var event map[string]any
	require.NoError(t, json.Unmarshal(data, &event))
	run := event["workflow_run"].(map[string]any)
	run["event"] = "push"
	run["repository"].(map[string]any)["full_name"] = "BTCDecoded/bllvm"
	run["head_repository"].(map[string]any)["full_name"] = "BTCDecoded/bllvm"
	if change != nil {
		change(run)
	}
	data, err = json.Marshal(event)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "event.json")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	return path
}

func headRepository(name any) func(map[string]any) {
	return func(run map[string]any) { run["head_repository"] = map[string]any{"full_name": name} }
}

func loadWorkflowRun(path string, over Overrides) (Context, error) {
	vars := map[string]string{
		"GITHUB_ACTIONS":    "true",
		"GITHUB_EVENT_NAME": "workflow_run",
		"GITHUB_EVENT_PATH": path,
		"GITHUB_REPOSITORY": "BTCDecoded/bllvm",
		"GITHUB_SHA":        "1111111111111111111111111111111111111111",
		"GITHUB_REF":        "refs/heads/main",
	}
	return Load(context.Background(), func(k string) string { return vars[k] }, nil, over)
}

// A workflow_run whose commit anyone could have chosen is refused, whatever
// the branch is called, and an input cannot talk Load out of it.
func TestLoadRefusesUntrustedWorkflowRun(t *testing.T) {
	fork := func(run map[string]any) {
		run["event"] = "pull_request"
		headRepository("attacker/bllvm")(run)
	}
	tests := []struct {
		name   string
		change func(run map[string]any)
		over   Overrides
		want   []string
	}{
		{"a fork's pull request from a branch named main", fork, Overrides{}, []string{`"attacker/bllvm"`, "not in this repository (BTCDecoded/bllvm)", "head_repository.full_name == github.repository"}},
		{"even with sha and ref inputs", fork, Overrides{SHA: "0123456789012345678901234567890123456789", Ref: "refs/heads/main"}, []string{`"attacker/bllvm"`}},
		{"a pull request from a branch of this repository", func(run map[string]any) { run["event"] = "pull_request" }, Overrides{}, []string{"started by pull_request", "workflow_run.event == 'push'"}},
		{"pull_request_target", func(run map[string]any) { run["event"] = "pull_request_target" }, Overrides{}, []string{"started by pull_request_target"}},
		{"a fork's push", headRepository("attacker/bllvm"), Overrides{}, []string{`"attacker/bllvm"`}},
		{"a fork named like this repository by another owner", headRepository("BTCDecoded-fork/bllvm"), Overrides{}, []string{`"BTCDecoded-fork/bllvm"`}},
		{"no head repository (a deleted fork)", func(run map[string]any) { run["head_repository"] = nil }, Overrides{}, []string{"does not say which repository its commit is in"}},
		{"head repository name not a string", headRepository(7), Overrides{}, []string{"does not say which repository its commit is in"}},
		{"a head repository name crafted to forge a line", headRepository("x\n::add-mask::y"), Overrides{}, []string{`"x\n::add-mask::y"`}},
		{"no triggering event", func(run map[string]any) { delete(run, "event") }, Overrides{}, []string{"does not say which event started"}},
		{"an empty workflow_run object", func(run map[string]any) {
			for k := range run {
				delete(run, k)
			}
		}, Overrides{}, []string{"refuse the workflow_run event: ", "does not say which repository"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadWorkflowRun(workflowRunEvent(t, tt.change), tt.over)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "refuse the workflow_run")
			for _, want := range tt.want {
				assert.Contains(t, err.Error(), want)
			}
			assert.NotContains(t, err.Error(), "\n", "one line, every value quoted")
		})
	}
}

func TestLoadRefusesWorkflowRunWithoutRun(t *testing.T) {
	for _, payload := range []string{`{}`, `{"workflow_run": null}`, `{"workflow_run": "x"}`} {
		path := filepath.Join(t.TempDir(), "event.json")
		require.NoError(t, os.WriteFile(path, []byte(payload), 0o644))
		_, err := loadWorkflowRun(path, Overrides{})
		require.Error(t, err, payload)
		assert.Contains(t, err.Error(), "carries no workflow_run object", payload)
	}
}

// Runs of this repository started by anything but a pull request are its
// own commits: the head of the run is taken.
func TestLoadTrustsWorkflowRunOfThisRepository(t *testing.T) {
	tests := []struct {
		name   string
		change func(run map[string]any)
	}{
		{"a push to main", nil},
		{"workflow_dispatch", func(run map[string]any) { run["event"] = "workflow_dispatch" }},
		{"schedule", func(run map[string]any) { run["event"] = "schedule" }},
		{"names compare without case, as GitHub's do", headRepository("btcdecoded/BLLVM")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadWorkflowRun(workflowRunEvent(t, tt.change), Overrides{})
			require.NoError(t, err)
			assert.Equal(t, "5779607b49aab1200488439f02372c57b4f75444", c.SHA)
			assert.Equal(t, "workflow_run.head_sha", c.Source["sha"])
			assert.Equal(t, "refs/heads/main", c.Ref)
		})
	}
}

// A commit or ref from the event, the runner or git is checked as strictly
// as the inputs, and the error names where it came from, quoted and short.
func TestLoadChecksCommitAndRef(t *testing.T) {
	const good = "0123456789abcdef0123456789abcdef01234567"
	long := strings.Repeat("f", 5000)
	tests := []struct {
		name  string
		vars  map[string]string
		run   func(map[string]any) // set: a workflow_run event
		git   map[string]string
		over  Overrides
		wants []string // empty: no error
	}{
		{"GITHUB_SHA with a line break", map[string]string{"GITHUB_SHA": good + "\n::add-mask::x"}, nil, nil, Overrides{}, []string{"GITHUB_SHA is ", `\n::add-mask::x"`, "40 hexadecimal"}},
		{"GITHUB_SHA short", map[string]string{"GITHUB_SHA": "abc1234"}, nil, nil, Overrides{}, []string{`GITHUB_SHA is "abc1234"`}},
		{"GITHUB_SHA very long", map[string]string{"GITHUB_SHA": long}, nil, nil, Overrides{}, []string{"GITHUB_SHA is ", "…"}},
		{"head_sha with a line break", nil, func(run map[string]any) { run["head_sha"] = good + "\nx" }, nil, Overrides{}, []string{`workflow_run.head_sha is "` + good + `\nx"`}},
		{"head_branch with a line break", nil, func(run map[string]any) { run["head_branch"] = "main\n::error::x" }, nil, Overrides{}, []string{`workflow_run.head_branch gives "refs/heads/main\n::error::x"`, "valid git ref"}},
		{"head_branch with ..", nil, func(run map[string]any) { run["head_branch"] = "a..b" }, nil, Overrides{}, []string{"workflow_run.head_branch gives"}},
		{"GITHUB_REF with a space", map[string]string{"GITHUB_REF": "refs/heads/a b"}, nil, nil, Overrides{}, []string{`GITHUB_REF gives "refs/heads/a b"`}},
		{"GITHUB_REF not a full ref", map[string]string{"GITHUB_REF": "main"}, nil, nil, Overrides{}, []string{`GITHUB_REF gives "main"`}},
		{"both at once", map[string]string{"GITHUB_SHA": "HEAD", "GITHUB_REF": "refs/heads/x\r"}, nil, nil, Overrides{}, []string{"GITHUB_SHA is", "GITHUB_REF gives"}},
		{"git's answer", map[string]string{"GITHUB_SHA": "", "GITHUB_REF": ""}, nil, map[string]string{"rev-parse": "not-a-commit", "symbolic-ref": "refs/heads/main"}, Overrides{}, []string{`git HEAD is "not-a-commit"`}},
		{"inputs win over a bad GITHUB_SHA and GITHUB_REF", map[string]string{"GITHUB_SHA": "x\ny", "GITHUB_REF": "y\nz"}, nil, nil, Overrides{SHA: good, Ref: "refs/heads/main"}, nil},
		{"a pull request ref is a ref", map[string]string{"GITHUB_REF": "refs/pull/7/merge"}, nil, nil, Overrides{}, nil},
		{"a tag is a ref", map[string]string{"GITHUB_REF": "refs/tags/v1.0.0"}, nil, nil, Overrides{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{
				"GITHUB_ACTIONS":    "true",
				"GITHUB_EVENT_NAME": "push",
				"GITHUB_EVENT_PATH": eventsDir("push.json"),
				"GITHUB_REPOSITORY": "BTCDecoded/bllvm",
				"GITHUB_SHA":        good,
				"GITHUB_REF":        "refs/heads/main",
			}
			if tt.run != nil {
				vars["GITHUB_EVENT_NAME"], vars["GITHUB_EVENT_PATH"] = "workflow_run", workflowRunEvent(t, tt.run)
			}
			for k, v := range tt.vars {
				vars[k] = v
			}
			git := &fakeGit{answers: tt.git}
			c, err := Load(context.Background(), func(k string) string { return vars[k] }, git.run, tt.over)
			if len(tt.wants) == 0 {
				require.NoError(t, err)
				assert.NoError(t, c.Require("sha", "ref"))
				return
			}
			require.Error(t, err)
			for _, want := range tt.wants {
				assert.Contains(t, err.Error(), want)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				assert.Less(t, len(line), 400, "bounded: %s", line)
			}
		})
	}
}
