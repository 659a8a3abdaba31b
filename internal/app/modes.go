package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/dispatch"
	"github.com/BTCDecoded/release-action/internal/event"
	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/nightly"
	"github.com/BTCDecoded/release-action/internal/prerelease"
	"github.com/BTCDecoded/release-action/internal/report"
	"github.com/BTCDecoded/release-action/internal/runs"
)

// modeFunc runs a mode whose inputs are already checked.
type modeFunc = func(ctx context.Context, client *gh.Client) (report.Result, error)

// prepared is a mode ready to run, and whether it will call GitHub at all
// (only then is a token needed).
type prepared struct {
	run   modeFunc
	calls bool
}

// prepare checks the selected mode's inputs against the run's context and
// returns the mode ready to run: nothing is sent before this succeeds.
func prepare(values inputs.Values, ev event.Context, common inputs.Common, env Env, log *report.Log) (prepared, error) {
	switch common.Mode {
	case inputs.ModeCreatePrerelease:
		return preparePrerelease(values, ev, common, env, log)
	case inputs.ModeTriggerOrchestrator:
		return prepareDispatch(values, ev, common, env, log)
	case inputs.ModeNightlyTag:
		return prepareNightly(values, ev, common, env)
	}
	// values.Common already rejected the mode.
	return prepared{}, nil
}

func prepareDispatch(values inputs.Values, ev event.Context, common inputs.Common, env Env, log *report.Log) (prepared, error) {
	in, err := values.Dispatch()
	if err != nil {
		return prepared{}, err
	}
	req, err := dispatch.Prepare(in, ev, env.Random)
	if err != nil {
		return prepared{}, err
	}
	return prepared{calls: req.Skip == "", run: func(ctx context.Context, client *gh.Client) (report.Result, error) {
		var follower *dispatch.Follower
		if in.Wait {
			owner, repo, _ := strings.Cut(req.Orchestrator, "/")
			follower = &dispatch.Follower{
				Runs: client.Actions,
				GetRun: func(ctx context.Context, id int64, etag string) (*gh.WorkflowRun, string, bool, error) {
					return github.GetRun(ctx, client, owner, repo, id, etag)
				},
				Timeout: in.WaitTimeout, Poll: runs.DefaultPoll,
				Now: env.Now, Sleep: env.Sleep, Logf: log.Infof,
			}
		}
		return dispatch.Run(ctx, client.Repositories, req, ev, common.DryRun, follower)
	}}, nil
}

func prepareNightly(values inputs.Values, ev event.Context, common inputs.Common, env Env) (prepared, error) {
	in, err := values.Nightly()
	if err != nil {
		return prepared{}, err
	}
	name, err := nightlyName(in, ev, env)
	if err != nil {
		return prepared{}, err
	}
	opts := nightly.Options{
		Owner:         ev.Owner(),
		Repo:          ev.Name(),
		Own:           ev.Repository,
		Name:          name,
		PushTag:       in.PushTag,
		SkipUnchanged: in.SkipUnchanged,
		ServerURL:     ev.ServerURL,
		DryRun:        common.DryRun,
	}
	return prepared{calls: in.PushTag || in.SkipUnchanged, run: func(ctx context.Context, client *gh.Client) (report.Result, error) {
		return nightly.Run(ctx, nightly.Client{Git: client.Git, Commits: client.Repositories}, opts)
	}}, nil
}

// nightlyName names the nightly of the triggering commit.
func nightlyName(in inputs.Nightly, ev event.Context, env Env) (nightly.Name, error) {
	if err := ev.Require("repository", "sha"); err != nil {
		return nightly.Name{}, err
	}
	day, err := nightly.Day(in.Date, env.Getenv, env.Now)
	if err != nil {
		return nightly.Name{}, err
	}
	return nightly.NewName(in.Prefix, day, ev.SHA, in.ShaLength), nil
}

func preparePrerelease(values inputs.Values, ev event.Context, common inputs.Common, env Env, log *report.Log) (prepared, error) {
	in, err := values.Prerelease()
	if err != nil {
		return prepared{}, err
	}
	if err := ev.Require("repository"); err != nil {
		return prepared{}, err
	}
	tag := in.Tag
	if tag == "" {
		name, err := nightlyName(in.Nightly, ev, env)
		if err != nil {
			return prepared{}, err
		}
		tag = name.Tag
	}
	workspace := ev.Workspace
	if workspace == "" {
		workspace = "."
	}
	body, err := readBody(workspace, in.Body, in.BodyFile)
	if err != nil {
		return prepared{}, err
	}
	var files []prerelease.File
	if in.Workflow == "" {
		var warnings []string
		if files, warnings, err = prerelease.ResolveAssets(workspace, in.Assets, in.FailOnUnmatched); err != nil {
			return prepared{}, err
		}
		for _, w := range warnings {
			log.Warningf("%s", w)
		}
	}
	workflowRef := in.WorkflowRef
	if in.Workflow != "" && workflowRef == "" {
		if err := ev.Require("ref"); err != nil {
			return prepared{}, err
		}
		workflowRef = ev.Ref
	}
	target := in.Target
	if target == "" {
		target = ev.SHA
	}
	name := in.Name
	if name == "" {
		name = tag
	}
	opts := prerelease.Options{
		Owner: ev.Owner(), Repo: ev.Name(), Own: ev.Repository,
		Tag: tag, Prefix: in.Nightly.Prefix, Target: target, Name: name, Body: body,
		GenerateNotes: in.GenerateNotes, PreviousTag: in.PreviousTag,
		Files: files, Concurrency: in.Concurrency, Keep: in.Keep,
		Workflow: in.Workflow, WorkflowRef: workflowRef, WorkflowInputs: in.WorkflowInputs, TagInput: in.TagInput,
		Wait: in.Wait, WaitTimeout: in.WaitTimeout,
		ServerURL: ev.ServerURL, DryRun: common.DryRun,
		Now: env.Now, Sleep: env.Sleep, Logf: log.Infof,
	}
	return prepared{calls: true, run: func(ctx context.Context, client *gh.Client) (report.Result, error) {
		owner, repo := ev.Owner(), ev.Name()
		return prerelease.Run(ctx, prerelease.Client{
			Releases: client.Repositories,
			Refs:     client.Git,
			Commits:  client.Repositories,
			Assets:   github.Repo{Client: client, Owner: owner, Name: repo},
			Dispatch: func(ctx context.Context, workflow, ref string, inputs map[string]string) (github.RunDetails, error) {
				return github.DispatchWorkflow(ctx, client, owner, repo, workflow, ref, inputs)
			},
			GetRun: func(ctx context.Context, id int64, etag string) (*gh.WorkflowRun, string, bool, error) {
				return github.GetRun(ctx, client, owner, repo, id, etag)
			},
		}, opts)
	}}, nil
}

// readBody joins the body input and the body-file's text; the file is read
// now, so a missing one is reported before any request.
func readBody(workspace, body, bodyFile string) (string, error) {
	if bodyFile == "" {
		return body, nil
	}
	path := bodyFile
	if !filepath.IsAbs(path) {
		path = filepath.Join(workspace, path)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return "", inputs.Errorf("body-file", "cannot be read: %v", err)
	}
	if body == "" {
		return string(text), nil
	}
	return strings.TrimRight(body, "\n") + "\n\n" + string(text), nil
}
