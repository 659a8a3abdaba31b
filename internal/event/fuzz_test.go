package event

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad loads a fuzzed event payload as a workflow_run or a
// repository_dispatch. A file that is not a JSON object (or null) is an
// error, never a crash; otherwise the commit and ref come from
// workflow_run.head_sha and head_branch when they are non-empty strings,
// else from GITHUB_SHA and GITHUB_REF, the dispatch type is the payload's
// action when a string, and git is never asked.
func FuzzLoad(f *testing.F) {
	for _, file := range []string{"workflow_run.json", "repository_dispatch.json", "push.json", "schedule.json"} {
		data, err := os.ReadFile(eventsDir(file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, true)
		f.Add(data, false)
	}
	for _, seed := range []string{
		`{"workflow_run": {"head_sha": "5779607b49aab1200488439f02372c57b4f75444", "head_branch": "main"}}`,
		`{"workflow_run": {"head_sha": 5, "head_branch": ["main"]}}`,
		`{"workflow_run": {"head_sha": "", "head_branch": ""}}`,
		`{"workflow_run": null, "action": null}`,
		`{"workflow_run": "x", "action": {"a": 1}}`,
		`{"action": "build_consensus", "client_payload": {"dispatch_id": "42-1-abcdef01"}}`,
		`null`, `[]`, `"x"`, `1`, ``, `{`, `{"a": 1} {"b": 2}`, " \n{}\n ",
	} {
		f.Add([]byte(seed), true)
		f.Add([]byte(seed), false)
	}
	const runnerSHA, runnerRef = "1111111111111111111111111111111111111111", "refs/heads/orchestrator-default"
	eventPath := filepath.Join(f.TempDir(), "event.json")
	f.Fuzz(func(t *testing.T, payload []byte, workflowRun bool) {
		if err := os.WriteFile(eventPath, payload, 0o600); err != nil {
			t.Fatal(err)
		}
		eventName := "repository_dispatch"
		if workflowRun {
			eventName = "workflow_run"
		}
		vars := map[string]string{
			"GITHUB_ACTIONS":     "true",
			"GITHUB_EVENT_NAME":  eventName,
			"GITHUB_EVENT_PATH":  eventPath,
			"GITHUB_REPOSITORY":  "BTCDecoded/bllvm",
			"GITHUB_SHA":         runnerSHA,
			"GITHUB_REF":         runnerRef,
			"GITHUB_RUN_ID":      "42",
			"GITHUB_RUN_ATTEMPT": "1",
		}
		git := &fakeGit{}
		c, err := Load(context.Background(), func(k string) string { return vars[k] }, git.run, Overrides{})

		trimmed := bytes.TrimSpace(payload)
		wantOK := json.Valid(payload) && (bytes.HasPrefix(trimmed, []byte("{")) || string(trimmed) == "null")
		if err != nil {
			if wantOK {
				t.Fatalf("payload %q is a JSON object, yet Load fails: %v", payload, err)
			}
			if !strings.HasPrefix(err.Error(), "read the run's context") {
				t.Fatalf("error does not say what failed: %v", err)
			}
			return
		}
		if !wantOK {
			t.Fatalf("payload %q is not a JSON object, yet Load accepts it", payload)
		}
		if git.calls != 0 {
			t.Fatalf("git asked %d times although the runner says everything", git.calls)
		}
		if err := c.Require("repository", "sha", "ref"); err != nil || c.Repository != "BTCDecoded/bllvm" || c.EventName != eventName || c.RunID != 42 {
			t.Fatalf("context %+v: %v", c, err)
		}

		var event map[string]any
		if err := json.Unmarshal(payload, &event); err != nil {
			t.Fatalf("payload %q: %v", payload, err)
		}
		wantSHA, wantRef := runnerSHA, runnerRef
		wantSHASource, wantRefSource := "GITHUB_SHA", "GITHUB_REF"
		wantType := ""
		if workflowRun {
			run, _ := event["workflow_run"].(map[string]any)
			if sha, _ := run["head_sha"].(string); sha != "" {
				wantSHA, wantSHASource = sha, "workflow_run.head_sha"
			}
			if branch, _ := run["head_branch"].(string); branch != "" {
				wantRef, wantRefSource = "refs/heads/"+branch, "workflow_run.head_branch"
			}
		} else {
			wantType, _ = event["action"].(string)
		}
		if c.SHA != wantSHA || c.Source["sha"] != wantSHASource {
			t.Fatalf("sha %q from %s, want %q from %s", c.SHA, c.Source["sha"], wantSHA, wantSHASource)
		}
		if c.Ref != wantRef || c.Source["ref"] != wantRefSource {
			t.Fatalf("ref %q from %s, want %q from %s", c.Ref, c.Source["ref"], wantRef, wantRefSource)
		}
		if c.DispatchType != wantType {
			t.Fatalf("dispatch type %q, want %q", c.DispatchType, wantType)
		}
	})
}
