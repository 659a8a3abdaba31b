// Package event tells what triggered the run: the repository, the commit and
// ref a change was made at, and the run's identity. It reads the runner's
// environment and event payload, and falls back to the local git checkout
// when the program runs outside GitHub Actions.
package event

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/report"
)

// Context is what the modes need to know about the run.
type Context struct {
	InActions  bool   // GITHUB_ACTIONS=true
	EventName  string // push, workflow_run, schedule, ...
	Repository string // owner/name of the repository the workflow runs in
	SHA        string // commit the change was made at
	Ref        string // ref the change was made on, refs/heads/... or refs/tags/...
	RunID      int64
	RunAttempt int64
	Job        string // GITHUB_JOB
	Step       string // GITHUB_ACTION: the step's id, unique within a job
	ServerURL  string // https://github.com, or the GHES host
	APIURL     string // GITHUB_API_URL, or https://api.github.com
	Workflow   string
	Workspace  string
	// DispatchType is the event type of a repository_dispatch (the
	// payload's action), such as build_consensus; empty for other events.
	DispatchType string
	// Sent is what a dispatch said about the component that changed, by
	// the key as messages name it: a repository_dispatch's
	// client_payload.{repo,sha,ref} (the design note's) and
	// client_payload.{triggered_by,source_sha,source_ref} (what
	// BTCDecoded's components send), a workflow_dispatch's
	// inputs.{component,ref,set_ref}. Unchecked; a key absent or null is left
	// out, a value of another type than a string is kept as its JSON
	// (which no check passes). Read it with Dispatched.
	Sent       map[string]string
	OutputPath string // GITHUB_OUTPUT; empty outside Actions
	Summary    string // GITHUB_STEP_SUMMARY; empty outside Actions

	// Source says where each of Repository, SHA and Ref came from, for the log.
	Source map[string]string
}

// Git runs git with args in the working directory and returns its trimmed
// standard output.
type Git func(ctx context.Context, args ...string) (string, error)

// Overrides are values the user gave as inputs; they win over the event.
type Overrides struct {
	Repository string
	SHA        string
	Ref        string
}

// Load reads the run's context from the environment and event payload.
// Values that cannot be found are left empty; Require says which are needed.
func Load(ctx context.Context, getenv func(string) string, git Git, o Overrides) (Context, error) {
	gh, err := githubactions.New(githubactions.WithGetenv(getenv)).Context()
	if err != nil {
		return Context{}, fmt.Errorf("read the run's context (GITHUB_* variables and %s): %w", getenv("GITHUB_EVENT_PATH"), err)
	}
	c := Context{
		InActions:  gh.Actions,
		EventName:  gh.EventName,
		RunID:      gh.RunID,
		RunAttempt: gh.RunAttempt,
		Job:        gh.Job,
		Step:       gh.Action,
		ServerURL:  strings.TrimRight(gh.ServerURL, "/"),
		APIURL:     gh.APIURL,
		Workflow:   gh.Workflow,
		Workspace:  gh.Workspace,
		OutputPath: getenv("GITHUB_OUTPUT"),
		Summary:    gh.StepSummary,
		Source:     map[string]string{},
	}
	var head head
	if gh.EventName == "workflow_run" {
		if head, err = workflowRunHead(gh.Event, gh.Repository); err != nil {
			return Context{}, err
		}
	}
	if gh.EventName == "repository_dispatch" {
		c.DispatchType, _ = gh.Event["action"].(string)
		payload, _ := gh.Event["client_payload"].(map[string]any)
		c.Sent = sent("client_payload.", payload, payloadKeys)
	}
	if gh.EventName == "workflow_dispatch" {
		given, _ := gh.Event["inputs"].(map[string]any)
		c.Sent = sent("inputs.", given, dispatchInputs)
	}

	c.Repository, c.Source["repository"] = first(
		fixed(o.Repository, "input repository"),
		fixed(gh.Repository, "GITHUB_REPOSITORY"),
		lazy(ctx, git, "git remote origin", remoteRepository, "remote", "get-url", "origin"),
	)
	c.SHA, c.Source["sha"] = first(
		fixed(o.SHA, "input sha"),
		fixed(head.sha, "workflow_run.head_sha"),
		fixed(gh.SHA, "GITHUB_SHA"),
		lazy(ctx, git, "git HEAD", strings.ToLower, "rev-parse", "--verify", "HEAD"),
	)
	c.Ref, c.Source["ref"] = first(
		fixed(o.Ref, "input ref"),
		fixed(head.ref, "workflow_run.head_branch"),
		fixed(gh.Ref, "GITHUB_REF"),
		lazy(ctx, git, "git branch", nil, "symbolic-ref", "--quiet", "HEAD"),
	)
	if err := c.checkFound(); err != nil {
		return Context{}, err
	}
	return c, nil
}

// checkFound refuses a commit or ref that the event, the runner or git
// gave and that is not one, before it can reach a request, a tag name, an
// output or the log. Inputs are checked, and named, by the inputs package.
func (c Context) checkFound() error {
	var errs []error
	if source := c.Source["sha"]; c.SHA != "" && !strings.HasPrefix(source, "input ") && inputs.CheckSHA("sha", c.SHA) != nil {
		errs = append(errs, fmt.Errorf("read the commit that triggered this run: %s is %s, not a full commit id of 40 hexadecimal characters", source, report.Quote(c.SHA)))
	}
	if source := c.Source["ref"]; c.Ref != "" && !strings.HasPrefix(source, "input ") && !validRef(c.Ref) {
		errs = append(errs, fmt.Errorf("read the ref that triggered this run: %s gives %s, not a valid git ref such as refs/heads/main", source, report.Quote(c.Ref)))
	}
	return errors.Join(errs...)
}

// validRef is a full ref name by git check-ref-format's rules.
func validRef(ref string) bool {
	return strings.HasPrefix(ref, "refs/") && inputs.CheckTagName("ref", ref) == nil
}

// Require fails with a message naming the flag to set for each of the
// named values (repository, sha, ref) that could not be found.
func (c Context) Require(names ...string) error {
	var errs []error
	for _, name := range names {
		var v string
		switch name {
		case "repository":
			v = c.Repository
		case "sha":
			v = c.SHA
		case "ref":
			v = c.Ref
		}
		if v == "" {
			errs = append(errs, fmt.Errorf("could not tell the %s that triggered this run: set the %s input (--%s=%s outside GitHub Actions)", describe[name], name, name, example[name]))
		}
	}
	return errors.Join(errs...)
}

var describe = map[string]string{"repository": "repository", "sha": "commit", "ref": "branch or tag"}
var example = map[string]string{"repository": "owner/name", "sha": "<40-hex commit>", "ref": "refs/heads/main"}

// WorkspaceDir is where workspace-relative paths (assets, body-file, an
// @graph file) are found: GITHUB_WORKSPACE, or the working directory
// outside Actions.
func (c Context) WorkspaceDir() string {
	if c.Workspace == "" {
		return "."
	}
	return c.Workspace
}

// Owner returns the owner part of Repository.
func (c Context) Owner() string { owner, _, _ := strings.Cut(c.Repository, "/"); return owner }

// Name returns the name part of Repository.
func (c Context) Name() string { _, name, _ := strings.Cut(c.Repository, "/"); return name }

type head struct{ sha, ref string }

// workflowRunHead is the commit a workflow_run event is about: the head of
// the run that completed, not the orchestrator's own GITHUB_SHA. It
// refuses a run whose commit anyone could have chosen: workflow_run also
// fires for pull requests, including a fork's from a branch named main, so
// head_branch alone says nothing about trust.
func workflowRunHead(payload map[string]any, repository string) (head, error) {
	run, ok := payload["workflow_run"].(map[string]any)
	if !ok {
		return head{}, errors.New("read the workflow_run event: it carries no workflow_run object, so the commit it is about cannot be told from a fork's; refusing to act on it")
	}
	name, _ := run["name"].(string)
	what := "the workflow_run of " + report.Value(name)
	if name == "" {
		what = "the workflow_run event"
	}
	// This repository is the one whose run completed: workflow_run only
	// starts workflows of the repository the run belongs to.
	own := fullName(run["repository"])
	if own == "" {
		own = repository
	}
	headRepository := fullName(run["head_repository"])
	switch {
	case headRepository == "":
		return head{}, fmt.Errorf("refuse %s: it does not say which repository its commit is in (head_repository), so the commit may be a fork's", what)
	case !strings.EqualFold(headRepository, own):
		return head{}, fmt.Errorf("refuse %s: its commit is in %s, not in this repository (%s): a fork's commit, even on a branch named main, must not be built, tagged or dispatched "+
			"(add `github.event.workflow_run.head_repository.full_name == github.repository` to the job's if:)", what, report.Quote(headRepository), report.Value(own))
	}
	trigger, _ := run["event"].(string)
	switch {
	case trigger == "":
		return head{}, fmt.Errorf("refuse %s: it does not say which event started the run that completed, so its commit cannot be trusted", what)
	case strings.HasPrefix(trigger, "pull_request"):
		return head{}, fmt.Errorf("refuse %s: the run that completed was started by %s, so its commit is a pull request's, which whoever opens one chooses; "+
			"only runs started by a push to this repository are built, tagged or dispatched (add `github.event.workflow_run.event == 'push'` to the job's if:)", what, report.Value(trigger))
	}
	sha, _ := run["head_sha"].(string)
	branch, _ := run["head_branch"].(string)
	h := head{sha: sha}
	if branch != "" {
		h.ref = "refs/heads/" + branch
	}
	return h, nil
}

// fullName is a repository object's full_name, or "" when it has none.
func fullName(repository any) string {
	object, _ := repository.(map[string]any)
	name, _ := object["full_name"].(string)
	return name
}

type candidate struct {
	value  string
	source string
}

// lazy asks git only when every earlier candidate was empty.
func lazy(ctx context.Context, git Git, source string, conv func(string) string, args ...string) func() candidate {
	return func() candidate {
		if git == nil {
			return candidate{}
		}
		out, err := git(ctx, args...)
		if err != nil {
			return candidate{}
		}
		if conv != nil {
			out = conv(out)
		}
		return candidate{strings.TrimSpace(out), source}
	}
}

// fixed is a candidate already known.
func fixed(value, source string) func() candidate {
	return func() candidate { return candidate{value, source} }
}

// first returns the first non-empty candidate and where it came from.
func first(candidates ...func() candidate) (string, string) {
	for _, next := range candidates {
		if c := next(); c.value != "" {
			return c.value, c.source
		}
	}
	return "", ""
}

// remoteRepository turns a GitHub remote URL into owner/name:
// https://github.com/o/n.git, git@github.com:o/n.git, ssh://git@host/o/n.
func remoteRepository(remote string) string {
	s := strings.TrimSpace(remote)
	s = strings.TrimSuffix(strings.TrimSuffix(s, "/"), ".git")
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
		if _, path, ok := strings.Cut(s, "/"); ok {
			s = path
		} else {
			return ""
		}
	} else if _, path, ok := strings.Cut(s, ":"); ok {
		s = path
	} else {
		return ""
	}
	parts := strings.Split(s, "/")
	if len(parts) < 2 {
		return ""
	}
	return parts[len(parts)-2] + "/" + parts[len(parts)-1]
}

// payloadKeys are the client_payload keys a plan reads: the design
// note's and those BTCDecoded's components send.
var payloadKeys = []string{"repo", "sha", "ref", "triggered_by", "source_sha", "source_ref"}

// dispatchInputs are the workflow_dispatch inputs a plan reads, named as
// BTCDecoded's orchestrator names its ref input.
var dispatchInputs = []string{"component", "ref", "set_ref"}

// sent keeps the given keys of object, each under prefix+key.
func sent(prefix string, object map[string]any, keys []string) map[string]string {
	out := map[string]string{}
	for _, key := range keys {
		if text := payloadText(object[key]); text != "" {
			out[prefix+key] = text
		}
	}
	return out
}

// Dispatch is what the dispatch that started the run says changed, each
// value with the key it came as, for messages. Values are as sent:
// unchecked.
type Dispatch struct {
	Repo, RepoKey string // the component's repository: a name or owner/name
	SHA, SHAKey   string // its commit
	Ref, RefKey   string // the ref the commit was pushed to
	// Component is a workflow_dispatch's component input: a component
	// name, or all.
	Component, ComponentKey string
}

// Dispatched reads Sent. Each value may come under either of two keys, the
// design note's or the one BTCDecoded's components send (repo or
// triggered_by, sha or source_sha, ref or source_ref); both sent and
// different is an error naming both keys.
func (c Context) Dispatched() (Dispatch, error) {
	var d Dispatch
	var errs []error
	pick := func(value, key *string, same func(a, b string) bool, keys ...string) {
		for _, k := range keys {
			v, ok := c.Sent[k]
			switch {
			case !ok:
			case *key == "":
				*value, *key = v, k
			case !same(*value, v):
				errs = append(errs, fmt.Errorf("read the %s: %s is %s but %s is %s; send one of them, or the same value in both", c.EventName, *key, report.Quote(*value), k, report.Quote(v)))
			}
		}
	}
	pick(&d.Repo, &d.RepoKey, sameRepository, "client_payload.repo", "client_payload.triggered_by")
	pick(&d.SHA, &d.SHAKey, strings.EqualFold, "client_payload.sha", "client_payload.source_sha", "inputs.set_ref", "inputs.ref")
	pick(&d.Ref, &d.RefKey, func(a, b string) bool { return a == b }, "client_payload.ref", "client_payload.source_ref")
	pick(&d.Component, &d.ComponentKey, func(a, b string) bool { return a == b }, "inputs.component")
	return d, errors.Join(errs...)
}

// sameRepository says whether two repositories, each a name or
// owner/name, are the same: a name alone matches any owner's.
func sameRepository(a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	_, nameA, hasA := strings.Cut(a, "/")
	_, nameB, hasB := strings.Cut(b, "/")
	switch {
	case hasA && hasB:
		return false
	case !hasA:
		nameA = a
	case !hasB:
		nameB = b
	}
	return strings.EqualFold(nameA, nameB)
}

// payloadText is a client_payload value as text: a string as it is, null
// or absent as "", anything else as its JSON, so that a number sent as a
// sha is refused where it is checked rather than taken for no sha at all.
func payloadText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	data, err := json.Marshal(v)
	if err != nil || len(data) == 0 {
		return "(not text)"
	}
	return string(data)
}
