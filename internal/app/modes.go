package app

import (
	"context"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/dispatch"
	"github.com/BTCDecoded/release-action/internal/event"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/nightly"
	"github.com/BTCDecoded/release-action/internal/report"
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
func prepare(values inputs.Values, ev event.Context, common inputs.Common, env Env) (prepared, error) {
	switch common.Mode {
	case inputs.ModeTriggerOrchestrator:
		return prepareDispatch(values, ev, common, env)
	case inputs.ModeNightlyTag:
		return prepareNightly(values, ev, common, env)
	}
	// values.Common already rejected the mode.
	return prepared{}, nil
}

func prepareDispatch(values inputs.Values, ev event.Context, common inputs.Common, env Env) (prepared, error) {
	in, err := values.Dispatch()
	if err != nil {
		return prepared{}, err
	}
	req, err := dispatch.Prepare(in, ev, env.Random)
	if err != nil {
		return prepared{}, err
	}
	return prepared{calls: req.Skip == "", run: func(ctx context.Context, client *gh.Client) (report.Result, error) {
		return dispatch.Run(ctx, client.Repositories, req, ev, common.DryRun)
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
