package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/dispatch"
	"github.com/BTCDecoded/release-action/internal/event"
	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
	"github.com/BTCDecoded/release-action/internal/pin"
	"github.com/BTCDecoded/release-action/internal/plan"
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
	// target (owner/name) and permissions are what a GitHub App token
	// minted for this run is limited to.
	target      string
	permissions map[string]string
	// repositories, when set, are the names (of target's owner) the token
	// must reach instead of target alone.
	repositories []string
	// done says, from its result, what the mode did and where: the step's
	// last line.
	done func(report.Result) string
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
	case inputs.ModePlan:
		in, err := values.Plan()
		if err != nil {
			return prepared{}, err
		}
		return preparePlan(in, ev, env)
	case inputs.ModeCheckout:
		return prepareCheckout(values, ev, log)
	case inputs.ModeTriage:
		return prepareTriage(values, ev, common, env, log)
	case inputs.ModeLocate:
		return prepareLocate(values, ev, common, env, log)
	case inputs.ModePromote:
		return preparePromote(values, ev, common, env, log)
	case inputs.ModeYank:
		return prepareYank(values, ev, common, env, log)
	case inputs.ModeVerify:
		return prepareVerify(values, ev, common, env, log)
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
	permissions := map[string]string{"contents": "write"}
	if in.Wait {
		permissions["actions"] = "read"
	}
	done := func(res report.Result) string { return dispatchDone(res, req.Skip, ev.ServerURL, common.DryRun) }
	return prepared{calls: req.Skip == "", target: req.Orchestrator, permissions: permissions, done: done, run: func(ctx context.Context, client *gh.Client) (report.Result, error) {
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
	var snapshot manifest.Manifest
	if in.Manifest != "" {
		if snapshot, err = manifest.Parse("manifest", in.Manifest); err != nil {
			return prepared{}, err
		}
	}
	opts := nightly.Options{
		Owner:         ev.Owner(),
		Repo:          ev.Name(),
		Own:           ev.Repository,
		Name:          name,
		PushTag:       in.PushTag,
		SkipUnchanged: in.SkipUnchanged,
		Manifest:      snapshot,
		ServerURL:     ev.ServerURL,
		DryRun:        common.DryRun,
	}
	contents := "read"
	if in.PushTag {
		contents = "write"
	}
	done := func(res report.Result) string {
		return nightlyDone(res, in.PushTag, ev.Repository, ev.ServerURL, common.DryRun)
	}
	// Comparing a snapshot with the newest nightly's reads the component
	// repositories too.
	var repositories []string
	if snapshot != nil {
		repositories = sameOwnerRepositories(ev, snapshot)
	}
	return prepared{calls: in.PushTag || in.SkipUnchanged, target: ev.Repository, repositories: repositories, permissions: map[string]string{"contents": contents}, done: done, run: func(ctx context.Context, client *gh.Client) (report.Result, error) {
		return nightly.Run(ctx, nightly.Client{Git: client.Git, Commits: client.Repositories, Tags: client.Git, Releases: client.Repositories, Compare: client.Repositories}, opts)
	}}, nil
}

// sameOwnerRepositories names the orchestrator and the repositories of m
// that share its owner: what a GitHub App token minted for the run must
// reach (an App's installation is one owner's).
func sameOwnerRepositories(ev event.Context, m manifest.Manifest) []string {
	names := []string{ev.Name()}
	for _, e := range m {
		owner, name, _ := strings.Cut(e.Repository, "/")
		if strings.EqualFold(owner, ev.Owner()) && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names
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
	workspace := ev.WorkspaceDir()
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
	var snapshot manifest.Manifest
	if in.Nightly.Manifest != "" {
		if snapshot, err = manifest.Parse("manifest", in.Nightly.Manifest); err != nil {
			return prepared{}, err
		}
	}
	var graph *plan.Graph
	if in.CarryOver {
		if graph, err = loadGraph(in.Graph, workspace); err != nil {
			return prepared{}, err
		}
	}
	if in.Checksums != "" {
		for _, f := range files {
			if f.Name == in.Checksums {
				return prepared{}, inputs.Errorf("checksums", "names %s, which is also the name of the asset %s: choose another name", in.Checksums, f.Path)
			}
		}
		if in.Checksums == prerelease.ManifestAsset {
			return prepared{}, inputs.Errorf("checksums", "must not be %s, the asset that describes the snapshot", prerelease.ManifestAsset)
		}
	}
	absWorkspace, err := filepath.Abs(workspace)
	if err != nil {
		return prepared{}, fmt.Errorf("find the workspace %s: %w", workspace, err)
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
		Manifest: snapshot, Graph: graph, CarryOver: in.CarryOver, Checksums: in.Checksums, Workspace: absWorkspace,
		Workflow: in.Workflow, WorkflowRef: workflowRef, WorkflowInputs: in.WorkflowInputs, TagInput: in.TagInput,
		Wait: in.Wait, WaitTimeout: in.WaitTimeout,
		ServerURL: ev.ServerURL, DryRun: common.DryRun,
		Now: env.Now, Sleep: env.Sleep, Logf: log.Infof,
		Group: func(title string) func() {
			log.Group(title)
			return log.EndGroup
		},
	}
	permissions := map[string]string{"contents": "write"}
	if in.Workflow != "" {
		permissions = map[string]string{"actions": "write"}
	}
	done := func(res report.Result) string {
		return prereleaseDone(res, in.Workflow, ev.Repository, ev.ServerURL, common.DryRun)
	}
	return prepared{calls: true, target: ev.Repository, permissions: permissions, done: done, run: func(ctx context.Context, client *gh.Client) (report.Result, error) {
		owner, repo := ev.Owner(), ev.Name()
		return prerelease.Run(ctx, prerelease.Client{
			Releases: github.NewReleases(client),
			Refs:     client.Git,
			Commits:  client.Repositories,
			Tags:     client.Git,
			Compare:  client.Repositories,
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
// now, so a missing one is reported before any request. It is read under
// the rule of assets (in the workspace once links are resolved, a regular
// file) and within GitHub's limit on a release body.
func readBody(workspace, body, bodyFile string) (string, error) {
	if bodyFile == "" {
		return body, nil
	}
	const maxChars = prerelease.MaxBodyChars
	tooLarge := fmt.Sprintf("a GitHub release body holds at most %d characters", maxChars)
	// A character takes at most 4 bytes in UTF-8: a file of more bytes
	// than that is too long uncounted.
	text, err := prerelease.ReadWorkspaceFile(workspace, "body-file", bodyFile, 4*maxChars, tooLarge)
	if inputErr := (*inputs.Error)(nil); errors.As(err, &inputErr) {
		return "", err
	}
	if err != nil {
		return "", inputs.Errorf("body-file", "cannot be read: %s: %v", bodyFile, err)
	}
	if utf8.RuneCount(text) > maxChars {
		return "", inputs.Errorf("body-file", "%s is too large: %s", bodyFile, tooLarge)
	}
	if body == "" {
		return string(text), nil
	}
	joined := strings.TrimRight(body, "\n") + "\n\n" + string(text)
	if n := utf8.RuneCountInString(joined); n > maxChars {
		return "", inputs.Errorf("body-file", "%s makes the release body %d characters with the body input; a GitHub release body holds at most %d", bodyFile, n, maxChars)
	}
	return joined, nil
}

// preparePlan plans the build before anything else happens; with
// resolve-commits the run then pins every component's commit, one request
// each, and the plan's outputs wait for it.
func preparePlan(in inputs.Plan, ev event.Context, env Env) (prepared, error) {
	// The day the snapshot is taken names its nightly: a rerun of a later
	// job, on a later day, still finds the nightly of this snapshot.
	day, err := nightly.Day(time.Time{}, env.Getenv, env.Now)
	if err != nil {
		return prepared{}, err
	}
	workspace := ev.WorkspaceDir()
	graph, err := loadGraph(in.Graph, workspace)
	if err != nil {
		return prepared{}, err
	}
	if graph.FromCargo() && !in.ResolveCommits {
		return prepared{}, inputs.Errorf("graph", "cargo reads each component's Cargo.toml at its pinned commit, so it needs resolve-commits: true (the default)")
	}
	// Everything from the event is checked before the first request.
	trig, err := readTrigger(graph, ev)
	if err != nil {
		return prepared{}, err
	}
	// The component the dispatch names, by its repository or its type.
	changedBy := trig.eventType
	if trig.dispatched != "" {
		changedBy = "build_" + trig.dispatched
	}
	changed := plan.ChangedFromEvent(graph, ev.EventName, changedBy)
	source := "the " + orDefault(ev.EventName, "local") + " event"
	if in.Changed != "" {
		if changed, err = plan.Changed(graph, in.Changed); err != nil {
			return prepared{}, err
		}
		source = "the changed input"
	}
	result, err := graph.Plan(changed)
	if err != nil {
		return prepared{}, err
	}
	summary := report.Summary{Title: "Build plan"}
	summary.Add("Changed", report.Text(strings.Join(changed, ", ")+" (from "+source+")"))
	for i, wave := range result.Waves {
		summary.Add(fmt.Sprintf("Wave %d", i+1), report.Text(strings.Join(wave, ", ")))
	}
	date := day.Format("20060102")
	if !in.ResolveCommits {
		res, err := planResult(graph, result, nil, date, summary)
		return prepared{done: planDone, run: func(context.Context, *gh.Client) (report.Result, error) { return res, err }}, err
	}

	if err := ev.Require("repository"); err != nil {
		return prepared{}, err
	}
	components := graph.Components()
	names := []string{ev.Name()}
	for _, c := range components {
		if c.Repository != ev.Name() {
			names = append(names, c.Repository)
		}
	}
	var forced []string
	if in.Changed != "" {
		forced = changed
	}
	p := snapshotPlan{
		graph: graph, date: date, prefix: in.Prefix, ev: ev, forced: forced,
		request: pin.Request{
			Owner: ev.Owner(), Own: ev.Repository, Components: components,
			Dispatched: trig.dispatched, DispatchedSHA: trig.sha, Pin: in.Pin,
			DispatchedEvent: ev.EventName, DispatchedKey: trig.shaKey,
		},
	}
	permissions := map[string]string{"contents": "read"}
	if in.Pin == inputs.PinGreen {
		permissions["actions"] = "read"
	}
	return prepared{
		calls: true, target: ev.Repository, repositories: names,
		permissions: permissions, done: planDone,
		run: func(ctx context.Context, client *gh.Client) (report.Result, error) {
			return p.run(ctx, client, summary)
		},
	}, nil
}

// loadGraph reads the graph input: the default graph, the text, or @path
// in the workspace, read under the rule of assets and at most 16 MiB (a
// graph of a thousand components takes a few hundred KiB).
func loadGraph(input, workspace string) (*plan.Graph, error) {
	return plan.Load(input, func(path string) ([]byte, error) {
		return prerelease.ReadWorkspaceFile(workspace, "graph", path, 16<<20, "a graph file may be at most 16 MiB")
	})
}

// planResult sets the plan's outputs: with a snapshot, each matrix entry
// carries its component's commit and the manifest is set.
func planResult(graph *plan.Graph, result plan.Result, snapshot manifest.Manifest, date string, summary report.Summary) (report.Result, error) {
	pins := make(map[string]string, len(snapshot))
	for _, e := range snapshot {
		pins[e.Component] = e.SHA
	}
	outputs, err := result.Outputs(graph, pins)
	if err != nil {
		return report.Result{}, fmt.Errorf("write the plan: %w", err)
	}
	var res report.Result
	res.Set("components", outputs.Components)
	res.Set("matrix", outputs.Matrix)
	res.Set("waves", outputs.Waves)
	res.Set("build-all", outputs.BuildAll)
	res.Set("date", date)
	if snapshot != nil {
		res.Set("manifest", snapshot.String())
	}
	res.Summary = summary
	return res, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
