package app

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/event"
	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/nightly"
	"github.com/BTCDecoded/release-action/internal/plan"
	"github.com/BTCDecoded/release-action/internal/prerelease"
	"github.com/BTCDecoded/release-action/internal/report"
)

// preparePromote checks promote's inputs before any request: the tag, the
// nightly (newest, or a nightly tag of prefix), and body-file, read now.
func preparePromote(values inputs.Values, ev event.Context, common inputs.Common, env Env, log *report.Log) (prepared, error) {
	in, err := values.Promote()
	if err != nil {
		return prepared{}, err
	}
	if in.From != "" {
		if _, ok := nightly.ParseTag(in.Prefix, in.From); !ok {
			return prepared{}, inputs.Errorf("from", "must be newest or a nightly of prefix %s, such as %s-20251117-6113728; got %s", in.Prefix, in.Prefix, report.Quote(in.From))
		}
	}
	if _, ok := nightly.ParseTag(in.Prefix, in.Tag); ok {
		return prepared{}, inputs.Errorf("tag", "names a nightly of prefix %s (%s): a release takes a tag of its own, such as v0.2.0", in.Prefix, in.Tag)
	}
	if err := ev.Require("repository"); err != nil {
		return prepared{}, err
	}
	workspace, err := filepath.Abs(ev.WorkspaceDir())
	if err != nil {
		return prepared{}, fmt.Errorf("find the workspace %s: %w", ev.WorkspaceDir(), err)
	}
	body, err := readBody(workspace, in.Body, in.BodyFile)
	if err != nil {
		return prepared{}, err
	}
	name := in.Name
	if name == "" {
		name = in.Tag
	}
	opts := prerelease.PromoteOptions{
		Owner: ev.Owner(), Repo: ev.Name(), Own: ev.Repository,
		Prefix: in.Prefix, From: in.From, Tag: in.Tag, Name: name, Body: body,
		MakeLatest: in.MakeLatest, Prerelease: in.Prerelease, TagComponents: in.TagComponents,
		Workspace: workspace, ServerURL: ev.ServerURL, DryRun: common.DryRun,
		Now: env.Now, Logf: log.Infof,
		Group: func(title string) func() {
			log.Group(title)
			return log.EndGroup
		},
	}
	// An App token reaches the orchestrator, and with tag-components the
	// repositories of the default graph: promote has no graph input, and
	// the nightly's manifest is read only once the token is minted.
	var repositories []string
	if in.TagComponents {
		repositories = []string{ev.Name()}
		for _, c := range plan.DefaultGraph().Components() {
			if !slices.Contains(repositories, c.Repository) {
				repositories = append(repositories, c.Repository)
			}
		}
	}
	done := func(res report.Result) string { return promoteDone(res, common.DryRun) }
	return prepared{calls: true, target: ev.Repository, repositories: repositories, permissions: map[string]string{"contents": "write"}, done: done,
		run: func(ctx context.Context, client *gh.Client) (report.Result, error) {
			repo := github.Repo{Client: client, Owner: ev.Owner(), Name: ev.Name()}
			res, err := prerelease.Promote(ctx, prerelease.Client{
				Releases: github.NewReleases(client),
				Refs:     client.Git,
				Tags:     client.Git,
				Compare:  client.Repositories,
				Assets:   repo,
				Read:     repo,
			}, opts)
			if err == nil && ev.OutputPath == "" {
				res = withoutLines(res, "versions-toml", filepath.Join(prerelease.Dir, prerelease.VersionsFile))
			}
			return res, err
		},
	}, nil
}

// promoteDone is promote's last line: which nightly became which release,
// and where.
func promoteDone(res report.Result, dryRun bool) string {
	tag, from := output(res, "tag"), output(res, "from")
	var assets []json.RawMessage
	_ = json.Unmarshal([]byte(output(res, "assets")), &assets) // this run's own JSON
	if dryRun {
		return fmt.Sprintf("dry run: would promote %s to %s with %s", from, tag, count(len(assets), "asset"))
	}
	return fmt.Sprintf("promoted %s to %s at %s (%s)", from, tag, report.Value(output(res, "release-url")), count(len(assets), "asset"))
}

// withoutLines drops the output name outside Actions, where outputs are
// name=value lines that cannot hold its line breaks, and says which file
// of the workspace holds it instead.
func withoutLines(res report.Result, name, file string) report.Result {
	kept := res.Outputs[:0:0]
	for _, f := range res.Outputs {
		if f.Name != name {
			kept = append(kept, f)
		}
	}
	res.Outputs = kept
	res.Notices = append(res.Notices, fmt.Sprintf("%s is in %s: a name=value line cannot hold its lines", name, filepath.ToSlash(file)))
	return res
}
