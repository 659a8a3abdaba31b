package event

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/BTCDecoded/release-action/internal/inputs"
)

// FuzzLoad loads a fuzzed event payload as a workflow_run or a
// repository_dispatch. A file that is not a JSON object (or null) is an
// error, never a crash. A workflow_run is refused unless its workflow_run
// is an object naming the event that started it, not a pull request's, and
// a head repository that is the run's own; then the commit and ref come
// from head_sha and head_branch when they are non-empty strings, else from
// GITHUB_SHA and GITHUB_REF, and Load fails exactly when the one taken is
// not a 40-hex commit or a valid ref. The dispatch type is the payload's
// action when a string, git is never asked, and every error line is short.
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
		`{"workflow_run": {"event": "push", "head_sha": "5779607b49aab1200488439f02372c57b4f75444", "head_branch": "main", "head_repository": {"full_name": "BTCDecoded/bllvm"}}}`,
		`{"workflow_run": {"event": "push", "head_sha": "5779607b49aab1200488439f02372c57b4f75444", "head_branch": "main", "head_repository": {"full_name": "o/r"}, "repository": {"full_name": "O/R"}}}`,
		`{"workflow_run": {"event": "pull_request", "head_sha": "5779607b49aab1200488439f02372c57b4f75444", "head_branch": "main", "head_repository": {"full_name": "attacker/bllvm"}}}`,
		`{"workflow_run": {"event": "pull_request_target", "head_repository": {"full_name": "BTCDecoded/bllvm"}}}`,
		`{"workflow_run": {"event": "push", "head_sha": "5779607b49aab1200488439f02372c57b4f75444\n", "head_branch": "main\n::error::x", "head_repository": {"full_name": "BTCDecoded/bllvm"}}}`,
		`{"workflow_run": {"event": "push", "head_sha": 5, "head_branch": ["main"], "head_repository": {"full_name": "BTCDecoded/bllvm"}}}`,
		`{"workflow_run": {"head_sha": "5779607b49aab1200488439f02372c57b4f75444", "head_branch": "main"}}`,
		`{"workflow_run": {"event": "push", "head_sha": "", "head_branch": "", "head_repository": null}}`,
		`{"workflow_run": null, "action": null}`,
		`{"workflow_run": "x", "action": {"a": 1}}`,
		`{"action": "build_consensus", "client_payload": {"dispatch_id": "42-1-abcdef01"}}`,
		`{"action": "build_node", "client_payload": {"triggered_by": "bllvm-node", "source_sha": "5779607b49aab1200488439f02372c57b4f75444", "source_ref": "refs/heads/main", "version": "main"}}`,
		`{"action": "build_node", "client_payload": {"repo": "bllvm-node", "triggered_by": "BTCDecoded/bllvm-node", "sha": "5779607b49aab1200488439f02372c57b4f75444", "source_sha": "ffff607b49aab1200488439f02372c57b4f75444"}}`,
		`null`, `[]`, `"x"`, `1`, ``, `{`, `{"a": 1} {"b": 2}`, " \n{}\n ",
	} {
		f.Add([]byte(seed), true)
		f.Add([]byte(seed), false)
	}
	const own, runnerSHA, runnerRef = "BTCDecoded/bllvm", "1111111111111111111111111111111111111111", "refs/heads/orchestrator-default"
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
			"GITHUB_REPOSITORY":  own,
			"GITHUB_SHA":         runnerSHA,
			"GITHUB_REF":         runnerRef,
			"GITHUB_RUN_ID":      "42",
			"GITHUB_RUN_ATTEMPT": "1",
		}
		git := &fakeGit{}
		c, err := Load(context.Background(), func(k string) string { return vars[k] }, git.run, Overrides{})
		if git.calls != 0 {
			t.Fatalf("git asked %d times although the runner says everything", git.calls)
		}
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if len(line) > 600 {
					t.Fatalf("error line of %d bytes: values are not bounded: %s", len(line), line)
				}
			}
		}

		trimmed := bytes.TrimSpace(payload)
		if !json.Valid(payload) || !bytes.HasPrefix(trimmed, []byte("{")) && string(trimmed) != "null" {
			if err == nil {
				t.Fatalf("payload %q is not a JSON object, yet Load accepts it", payload)
			}
			if !strings.HasPrefix(err.Error(), "read the run's context") {
				t.Fatalf("error does not say what failed: %v", err)
			}
			return
		}
		var event map[string]any
		if err := json.Unmarshal(payload, &event); err != nil {
			t.Fatalf("payload %q: %v", payload, err)
		}

		wantSHA, wantRef := runnerSHA, runnerRef
		wantSHASource, wantRefSource := "GITHUB_SHA", "GITHUB_REF"
		wantType := ""
		refusal := ""
		if workflowRun {
			run, isObject := event["workflow_run"].(map[string]any)
			trigger, _ := run["event"].(string)
			base, head := nameOf(run["repository"]), nameOf(run["head_repository"])
			if base == "" {
				base = own
			}
			switch {
			case !isObject:
				refusal = "read the workflow_run event: it carries no workflow_run object"
			case trigger == "" || strings.HasPrefix(trigger, "pull_request") || !strings.EqualFold(head, base):
				refusal = "refuse the workflow_run"
			}
			if sha, _ := run["head_sha"].(string); sha != "" {
				wantSHA, wantSHASource = sha, "workflow_run.head_sha"
			}
			if branch, _ := run["head_branch"].(string); branch != "" {
				wantRef, wantRefSource = "refs/heads/"+branch, "workflow_run.head_branch"
			}
		} else {
			wantType, _ = event["action"].(string)
		}
		if refusal != "" {
			if err == nil || !strings.HasPrefix(err.Error(), refusal) {
				t.Fatalf("payload %q: want an error starting %q, got %v", payload, refusal, err)
			}
			return
		}
		badSHA := !regexp.MustCompile(`^[0-9a-fA-F]{40}$`).MatchString(wantSHA)
		badRef := inputs.CheckTagName("ref", wantRef) != nil
		if badSHA || badRef {
			if err == nil {
				t.Fatalf("payload %q: sha %q from %s or ref %q from %s accepted", payload, wantSHA, wantSHASource, wantRef, wantRefSource)
			}
			if badSHA && !strings.Contains(err.Error(), "read the commit that triggered this run: "+wantSHASource+" is ") ||
				badRef && !strings.Contains(err.Error(), "read the ref that triggered this run: "+wantRefSource+" gives ") {
				t.Fatalf("error does not name where the bad value came from: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("payload %q is a trusted JSON object, yet Load fails: %v", payload, err)
		}
		if err := c.Require("repository", "sha", "ref"); err != nil || c.Repository != own || c.EventName != eventName || c.RunID != 42 {
			t.Fatalf("context %+v: %v", c, err)
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
		// Each value comes from one of its two keys, and a conflict is one
		// error naming both keys per line.
		d, err := c.Dispatched()
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "read the repository_dispatch: client_payload.") || !strings.Contains(line, " but client_payload.") || len(line) > 600 {
					t.Fatalf("conflict line %q", line)
				}
			}
			return
		}
		for value, key := range map[string]string{d.Repo: d.RepoKey, d.SHA: d.SHAKey, d.Ref: d.RefKey} {
			if (value == "") != (key == "") || key != "" && c.Sent[key] != value {
				t.Fatalf("value %q from key %q; sent %v", value, key, c.Sent)
			}
		}
	})
}

// nameOf is a repository object's full_name, written again here.
func nameOf(repository any) string {
	object, _ := repository.(map[string]any)
	name, _ := object["full_name"].(string)
	return name
}
