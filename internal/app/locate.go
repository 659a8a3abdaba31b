package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/event"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/locate"
	"github.com/BTCDecoded/release-action/internal/report"
)

// prepareLocate checks what to look for against the graph, before any
// request: the component must be one of the graph's, and the orchestrator
// known. The search needs Contents: read on the orchestrator (its
// releases and tags) and on the component's repository (compares).
func prepareLocate(values inputs.Values, ev event.Context, common inputs.Common, env Env, log *report.Log) (prepared, error) {
	in, err := values.Locate()
	if err != nil {
		return prepared{}, err
	}
	graph, err := loadGraph(in.Graph, ev.WorkspaceDir())
	if err != nil {
		return prepared{}, err
	}
	component, ok := graph.Component(in.Component)
	if !ok {
		return prepared{}, inputs.Errorf("component", "names %s, which the graph does not know; its components: %s", report.Quote(in.Component), strings.Join(graph.Names(), ", "))
	}
	if err := ev.Require("repository"); err != nil {
		return prepared{}, err
	}
	request := locate.Request{
		Owner: ev.Owner(), Repo: ev.Name(), Prefix: in.Prefix,
		Component: component, SHA: in.SHA, Ref: in.Ref, Logf: log.Infof,
	}
	repositories := []string{ev.Name()}
	if component.Repository != ev.Name() {
		repositories = append(repositories, component.Repository)
	}
	// The commit the search found, by its full id, for the last line.
	var commit string
	return prepared{
		calls: true, target: ev.Repository, repositories: repositories,
		permissions: map[string]string{"contents": "read"},
		done:        func(res report.Result) string { return locateDone(res, in.Component, commit) },
		run: func(ctx context.Context, client *gh.Client) (report.Result, error) {
			found, err := locate.Locate(ctx, locate.Client{Compare: client.Repositories, Releases: client.Repositories, Tags: client.Git, Repositories: client.Repositories}, request)
			if err != nil {
				return report.Result{}, err
			}
			commit = found.Commit
			return locateResult(found, in.Component, ev.Repository, serverURL(env.Getenv("GITHUB_SERVER_URL"), ev, client)), nil
		},
	}, nil
}

// serverURL is GitHub's web address: the runner's (GITHUB_SERVER_URL),
// else the one of the API the client calls (github.com for
// api.github.com, HOST for HOST/api/v3), as on a laptop pointed at GitHub
// Enterprise Server; the run's context says github.com for an unset
// variable.
func serverURL(runner string, ev event.Context, client *gh.Client) string {
	if runner != "" || client.BaseURL == nil {
		return orDefault(ev.ServerURL, "https://github.com")
	}
	host := client.BaseURL.Host
	if rest, ok := strings.CutPrefix(strings.ToLower(host), "api."); ok {
		host = rest
	}
	return client.BaseURL.Scheme + "://" + host
}

// locateResult sets locate's outputs and summary. Every value in them was
// checked: the tag is a nightly's name, the commit 40 hex, the URL on the
// server's host or built here.
func locateResult(found locate.Result, component, orchestrator, server string) report.Result {
	var res report.Result
	address := found.URL(server, orchestrator)
	res.Set("found", strconv.FormatBool(found.Found))
	res.Set("tag", found.Tag)
	res.Set("url", address)
	res.Set("nightlies", strconv.Itoa(found.Newer))
	res.Warnings = found.Warnings

	s := report.Summary{Title: "Locate " + component + " " + short(found.Commit)}
	s.Add("Commit", report.Link(found.Commit, server+"/"+found.Repository+"/commit/"+found.Commit)+" "+report.Text("("+branchText(found.Branch)+" of "+found.Repository+")"))
	if found.Found {
		s.Add("First in", report.Link(found.Tag, address))
		s.Add("Also in", report.Text(report.Count(found.Newer, "newer nightly", "newer nightlies")))
	} else {
		s.Add("First in", report.Text("no published nightly yet"))
	}
	s.Add("Searched", report.Text(fmt.Sprintf("%s of %s, in %s", report.Count(found.Nightlies, "nightly", "nightlies"), orchestrator, report.Count(found.Requests, "request"))))
	res.Summary = s
	return res
}

func branchText(ref string) string {
	if ref == "HEAD" {
		return "on the default branch"
	}
	return "on branch " + ref
}

func short(sha string) string { return sha[:min(7, len(sha))] }

// locateDone says where the commit first is, or that no nightly holds
// it yet.
func locateDone(res report.Result, component, commit string) string {
	what := component + " " + short(commit)
	if output(res, "found") != "true" {
		return "no published nightly holds " + what + " yet"
	}
	also := ""
	switch n := output(res, "nightlies"); n {
	case "0":
	case "1":
		also = " (and in the newer one)"
	default:
		also = " (and in the " + n + " newer ones)"
	}
	return fmt.Sprintf("%s is first in %s: %s%s", what, output(res, "tag"), report.Value(output(res, "url")), also)
}
