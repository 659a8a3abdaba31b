package app

import (
	"context"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/event"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/report"
	"github.com/BTCDecoded/release-action/internal/yank"
)

// prepareYank checks yank's inputs (the tag, a reason of one line) and
// the repository before any request. It needs Contents: write on the
// repository: the release's notes and title, and which release is the
// latest.
func prepareYank(values inputs.Values, ev event.Context, common inputs.Common, env Env, log *report.Log) (prepared, error) {
	in, err := values.Yank()
	if err != nil {
		return prepared{}, err
	}
	if err := ev.Require("repository"); err != nil {
		return prepared{}, err
	}
	request := yank.Request{
		Owner: ev.Owner(), Repo: ev.Name(), Own: ev.Repository,
		Tag: in.Tag, Reason: in.Reason, Undo: in.Undo,
		DryRun: common.DryRun, Logf: log.Infof,
	}
	// The step's last line, which the run's outcome says.
	var done string
	return prepared{
		calls: true, target: ev.Repository,
		permissions: map[string]string{"contents": "write"},
		done:        func(report.Result) string { return done },
		run: func(ctx context.Context, client *gh.Client) (report.Result, error) {
			request.ServerURL = serverURL(env.Getenv("GITHUB_SERVER_URL"), ev, client)
			out, err := yank.Run(ctx, client.Repositories, request)
			done = out.Done
			return out.Result, err
		},
	}, nil
}
