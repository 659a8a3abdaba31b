package event

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
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

func TestLoadDispatchPayload(t *testing.T) {
	real, err := os.ReadFile(eventsDir("repository_dispatch.json"))
	require.NoError(t, err)
	tests := []struct {
		name              string
		payload           any
		wantRepo, wantSHA string
	}{
		{"repo and sha", map[string]any{"repo": "bllvm-consensus", "sha": "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0", "ref": "refs/heads/main"},
			"bllvm-consensus", "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"},
		{"kept as sent, checked later", map[string]any{"repo": "x\n::error::y", "sha": "nope"}, "x\n::error::y", "nope"},
		{"not strings: kept as JSON, so that no check passes them", map[string]any{"repo": 12, "sha": []string{"a"}}, "12", `["a"]`},
		{"null is absent", map[string]any{"repo": nil, "sha": nil}, "", ""},
		{"empty client_payload (the real example)", map[string]any{}, "", ""},
		{"client_payload not an object", "text", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var event map[string]any
			require.NoError(t, json.Unmarshal(real, &event))
			event["action"] = "build_consensus"
			event["client_payload"] = tt.payload
			data, err := json.Marshal(event)
			require.NoError(t, err)
			path := filepath.Join(t.TempDir(), "event.json")
			require.NoError(t, os.WriteFile(path, data, 0o644))
			vars := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "repository_dispatch", "GITHUB_EVENT_PATH": path}
			c, err := Load(context.Background(), func(k string) string { return vars[k] }, nil, Overrides{})
			require.NoError(t, err)
			assert.Equal(t, "build_consensus", c.DispatchType)
			assert.Equal(t, tt.wantRepo, c.DispatchRepo)
			assert.Equal(t, tt.wantSHA, c.DispatchSHA)
		})
	}
}
