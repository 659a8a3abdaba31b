package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/event"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
	"github.com/BTCDecoded/release-action/internal/pin"
	"github.com/BTCDecoded/release-action/internal/plan"
	"github.com/BTCDecoded/release-action/internal/report"
)

// snapshotPlan is plan with resolve-commits: it plans against the newest
// complete, published nightly (the base), not against the event. The event
// says which commit of the dispatched component to take; what is rebuilt
// is every component whose pinned commit differs from the base's, and
// everything downstream of it.
type snapshotPlan struct {
	graph   *plan.Graph
	date    string
	prefix  string
	ev      event.Context
	forced  []string // the changed input: rebuilt whatever the base holds
	request pin.Request
}

// run is the plan's steps: find the base, pin every component against it,
// decide what is rebuilt, and say so.
func (p snapshotPlan) run(ctx context.Context, client *gh.Client, summary report.Summary) (report.Result, error) {
	base, found, notes, err := p.findBase(ctx, client)
	if err != nil {
		return report.Result{}, err
	}
	if found {
		p.request.Base, p.request.BaseTag = base.Manifest, base.Tag
	}
	pinned, err := pin.Resolve(ctx, pin.Client{Commits: client.Repositories, Compare: client.Repositories, Runs: client.Actions, Repositories: client.Repositories}, p.request)
	if err != nil {
		return report.Result{}, err
	}
	result, differing, err := p.rebuild(pinned.Manifest, base, found)
	if err != nil {
		return report.Result{}, err
	}
	summary.Rows = slices.DeleteFunc(summary.Rows, func(r report.Row) bool { return r.Key == "Changed" || strings.HasPrefix(r.Key, "Wave ") })
	p.describe(&summary, base, found, differing, result, pinned)
	res, err := planResult(p.graph, result, pinned.Manifest, p.date, summary)
	if err != nil {
		return report.Result{}, err
	}
	res.Set("base", base.Tag)
	res.Set("changed", strconv.FormatBool(len(result.Components) > 0))
	res.Notices = append(append(res.Notices, notes...), pinned.Notices...)
	res.Warnings = append(res.Warnings, pinned.Warnings...)
	if len(result.Components) == 0 {
		res.Notices = append(res.Notices, fmt.Sprintf("every component is at the commit %s holds: nothing to build", base.Tag))
	}
	return res, nil
}

// findBase reads the newest complete, published nightly of the
// orchestrator: one page of releases and one tag object.
func (p snapshotPlan) findBase(ctx context.Context, client *gh.Client) (nightly.Base, bool, []string, error) {
	return nightly.FindBase(ctx, client.Repositories, client.Git, p.ev.Owner(), p.ev.Name(), p.prefix)
}

// rebuild marks rebuilt every component whose commit differs from the
// base's, what the changed input forces, and everything downstream of
// them; without a base, everything (nothing could be carried).
func (p snapshotPlan) rebuild(m manifest.Manifest, base nightly.Base, found bool) (plan.Result, []string, error) {
	changed := []string{plan.All}
	var differing []string
	if found {
		differing = pin.Differing(m, base.Manifest)
		changed = append(slices.Clone(differing), p.forced...)
	}
	result, err := p.graph.Plan(changed)
	if err != nil {
		return plan.Result{}, nil, err
	}
	for i := range m {
		m[i].Rebuilt = slices.Contains(result.Components, m[i].Component)
	}
	return result, differing, nil
}

// describe writes the plan's summary: the base, what differs, the waves
// and where each commit came from.
func (p snapshotPlan) describe(s *report.Summary, base nightly.Base, found bool, differing []string, result plan.Result, pinned pin.Result) {
	server := orDefault(p.ev.ServerURL, "https://github.com")
	if found {
		s.Add("Base", report.Link(base.Tag, server+"/"+p.ev.Repository+"/releases/tag/"+base.Tag)+" "+report.Text("(the newest complete nightly)"))
		s.Add("Changed since", report.Text(orDefault(strings.Join(differing, ", "), "nothing")))
	} else {
		s.Add("Base", report.Text("none: no complete, published nightly yet, so everything is built"))
	}
	if len(p.forced) > 0 {
		s.Add("Forced", report.Text(strings.Join(p.forced, ", ")+" (the changed input)"))
	}
	for i, wave := range result.Waves {
		s.Add(fmt.Sprintf("Wave %d", i+1), report.Text(strings.Join(wave, ", ")))
	}
	for i, e := range pinned.Manifest {
		how := pinned.Sources[i].How
		if !e.Rebuilt {
			how += ", carried over"
		}
		s.Add(e.Component, report.Link(e.SHA[:7], server+"/"+e.Repository+"/commit/"+e.SHA)+" "+report.Text("("+how+")"))
	}
}

// trigger is what the dispatch that started the plan says changed: its
// event type (for a workflow_dispatch, build_ and its component input),
// the component whose commit it carries, and that commit with the key it
// came as.
type trigger struct {
	eventType  string
	dispatched string
	sha        string // lower case; "" pins the component's branch head
	shaKey     string
}

// readTrigger checks what the event sent before any request: the two
// payload forms (client_payload.{repo,sha,ref} and
// {triggered_by,source_sha,source_ref}) the same way, and a
// workflow_dispatch's component and set_ref inputs.
func readTrigger(graph *plan.Graph, ev event.Context) (trigger, error) {
	sent, err := ev.Dispatched()
	if err != nil {
		return trigger{}, err
	}
	t := trigger{eventType: ev.DispatchType, shaKey: sent.SHAKey}
	if ev.EventName == "workflow_dispatch" {
		t.eventType = ""
		switch _, known := graph.Component(sent.Component); {
		case sent.Component == "" || sent.Component == plan.All:
			if sent.SHA != "" {
				return trigger{}, fmt.Errorf("read the workflow_dispatch: %s is a commit of one component; set inputs.component to the component it is a commit of", sent.SHAKey)
			}
		case !known:
			return trigger{}, fmt.Errorf("read the workflow_dispatch: %s names unknown component %.60q; known components: %s (or all)", sent.ComponentKey, sent.Component, strings.Join(graph.Names(), ", "))
		default:
			t.eventType = "build_" + sent.Component
		}
	}
	if t.dispatched, err = graph.Dispatched(ev.EventName, t.eventType, sent.Repo, sent.RepoKey); err != nil {
		return trigger{}, err
	}
	if t.dispatched != "" && sent.SHA != "" {
		if inputs.CheckSHA(sent.SHAKey, sent.SHA) != nil {
			return trigger{}, fmt.Errorf("read the %s: %s must be a full commit id of 40 hexadecimal characters; got %.60q", ev.EventName, sent.SHAKey, sent.SHA)
		}
		t.sha = strings.ToLower(sent.SHA)
	}
	return t, nil
}
