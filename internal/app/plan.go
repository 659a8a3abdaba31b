package app

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/cascade"
	"github.com/BTCDecoded/release-action/internal/event"
	"github.com/BTCDecoded/release-action/internal/github"
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
	cargo   bool // the graph's edges were read from Cargo.toml (graph: cargo)
}

// run is the plan's steps: find the base, pin every component against it,
// decide what is rebuilt, and say so.
func (p snapshotPlan) run(ctx context.Context, client *gh.Client, summary report.Summary) (report.Result, error) {
	search, err := p.findBase(ctx, client)
	if err != nil {
		return report.Result{}, err
	}
	base, found, notes := search.Base, search.Found, search.Notes
	if found {
		p.request.Base, p.request.BaseTag = base.Manifest, base.Tag
	}
	pinned, err := pin.Resolve(ctx, pin.Client{Commits: client.Repositories, Compare: client.Repositories, Runs: client.Actions, Repositories: client.Repositories}, p.request)
	if err != nil {
		return report.Result{}, err
	}
	// The edges of graph: cargo are what each pinned commit's Cargo.toml
	// says: read once the pins are known, before anything is decided.
	var cargoWarnings []string
	if p.graph.FromCargo() {
		p.cargo = true
		if p.graph, cargoWarnings, err = p.cargoGraph(ctx, client.Repositories, pinned.Manifest); err != nil {
			return report.Result{}, err
		}
	}
	// A snapshot a yanked nightly holds is never built and published
	// again, whatever differs from the base or is forced.
	withdrawn, isWithdrawn := search.Holding(pinned.Manifest)
	result, differing, err := p.rebuild(pinned.Manifest, base, found, isWithdrawn)
	if err != nil {
		return report.Result{}, err
	}
	summary.Rows = slices.DeleteFunc(summary.Rows, func(r report.Row) bool { return r.Key == "Changed" || strings.HasPrefix(r.Key, "Wave ") })
	p.describe(&summary, base, found, differing, result, pinned)
	if isWithdrawn {
		// Under the base's row.
		summary.Rows = slices.Insert(summary.Rows, 1, report.Row{Key: "Yanked", Value: report.Text(withdrawn.Tag + " holds this snapshot and was withdrawn: nothing is built or published")})
	}
	res, err := planResult(p.graph, result, pinned.Manifest, p.date, summary)
	if err != nil {
		return report.Result{}, err
	}
	res.Set("base", base.Tag)
	res.Set("changed", strconv.FormatBool(len(result.Components) > 0))
	res.Notices = append(append(res.Notices, notes...), pinned.Notices...)
	res.Warnings = append(append(res.Warnings, pinned.Warnings...), cargoWarnings...)
	switch {
	case isWithdrawn:
		res.Notices = append(res.Notices, fmt.Sprintf("every component is at the commit %s holds, a nightly yanked (%s): nothing is built, and it is not published again; take the yank back (mode yank, undo: true) to make it a base again", withdrawn.Tag, report.Quote(withdrawn.Reason)))
	case len(result.Components) == 0:
		res.Notices = append(res.Notices, fmt.Sprintf("every component is at the commit %s holds: nothing to build", base.Tag))
	}
	return res, nil
}

// findBase reads the newest complete, published nightly of the
// orchestrator, and the yanked nightlies newer than it: one page of
// releases and one tag object.
func (p snapshotPlan) findBase(ctx context.Context, client *gh.Client) (nightly.BaseSearch, error) {
	return nightly.SearchBase(ctx, client.Repositories, client.Git, p.ev.Owner(), p.ev.Name(), p.prefix)
}

// rebuild marks rebuilt every component whose commit differs from the
// base's, what the changed input forces, and everything downstream of
// them; without a base, everything (nothing could be carried); nothing
// when a yanked nightly holds the snapshot (withdrawn).
func (p snapshotPlan) rebuild(m manifest.Manifest, base nightly.Base, found, withdrawn bool) (plan.Result, []string, error) {
	changed := []string{plan.All}
	var differing []string
	if found {
		differing = pin.Differing(m, base.Manifest)
		changed = append(slices.Clone(differing), p.forced...)
	}
	if withdrawn {
		changed = nil
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
	if p.cargo {
		s.Add("Graph", report.Text("edges from Cargo.toml at the pinned commits: "+edgesText(p.graph)))
	}
	if len(p.forced) > 0 {
		s.Add("Forced", report.Text(strings.Join(p.forced, ", ")+" (the changed input)"))
	}
	for i, wave := range result.Waves {
		s.Add(fmt.Sprintf("Wave %d", i+1), report.Text(strings.Join(wave, ", ")))
	}
	changed := append(slices.Clone(differing), p.forced...)
	switch {
	case len(result.Components) == 0:
		changed = nil // a snapshot a yanked nightly holds: nothing is built
	case !found:
		changed = p.graph.Names()
	}
	nodes := cascade.Of(p.graph, pinned.Manifest, changed)
	s.Extra = "#### The cascade\n\n" + cascade.Mermaid(nodes) + "\n" + cascade.Table(nodes, func(n cascade.Node) string {
		e, _ := pinned.Manifest.Lookup(n.Component)
		return report.Link(n.SHA[:7], server+"/"+e.Repository+"/commit/"+n.SHA)
	})
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
	sha        string // lower case; "" pins the component's branch head; from inputs.ref, a ref to resolve
	shaKey     string
}

// readTrigger checks what the event sent before any request: the two
// payload forms (client_payload.{repo,sha,ref} and
// {triggered_by,source_sha,source_ref}) the same way, and a
// workflow_dispatch's component and ref (or set_ref, as BTCDecoded's
// orchestrator names it) inputs.
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
	if t.dispatched != "" && sent.SHAKey == "inputs.ref" && !inputs.IsSHA(sent.SHA) {
		// A workflow_dispatch's ref: a branch, tag or commit of the
		// component's repository, which the pin resolves.
		if inputs.CheckTagName(sent.SHAKey, sent.SHA) != nil {
			return trigger{}, fmt.Errorf("read the workflow_dispatch: inputs.ref must be a branch, tag or commit of the component's repository; got %.60q", sent.SHA)
		}
		t.sha = sent.SHA
		return t, nil
	}
	if t.dispatched != "" && sent.SHA != "" {
		if inputs.CheckSHA(sent.SHAKey, sent.SHA) != nil {
			return trigger{}, fmt.Errorf("read the %s: %s must be a full commit id of 40 hexadecimal characters; got %.60q", ev.EventName, sent.SHAKey, sent.SHA)
		}
		t.sha = strings.ToLower(sent.SHA)
	}
	return t, nil
}

// Contents reads a file of a repository at a commit: one request.
type Contents interface {
	GetContents(ctx context.Context, owner, repo, path string, opts *gh.RepositoryContentGetOptions) (*gh.RepositoryContent, []*gh.RepositoryContent, *gh.Response, error)
}

// cargoConcurrency bounds the Cargo.toml reads in flight, as pin bounds
// its reads.
const cargoConcurrency = 8

// cargoGraph reads the Cargo.toml of every component whose edges it gives
// (all of them with graph: cargo) at its pinned commit, all
// at once (one request each, cargoConcurrency in flight), and returns the
// graph whose edges are their path dependencies, with a warning for each
// path that names no repository of the graph. The first failure, in the
// graph's order, is returned once every read has finished.
func (p snapshotPlan) cargoGraph(ctx context.Context, contents Contents, m manifest.Manifest) (*plan.Graph, []string, error) {
	var wanted manifest.Manifest
	for _, e := range m {
		if c, ok := p.graph.Component(e.Component); ok && c.CargoEdges {
			wanted = append(wanted, e)
		}
	}
	manifests := make([]plan.CargoManifest, len(wanted))
	errs := make([]error, len(wanted))
	slots := make(chan struct{}, cargoConcurrency)
	var wg sync.WaitGroup
	for i, e := range wanted {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			manifests[i], errs[i] = p.readCargo(ctx, contents, e)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	g, warnings, err := plan.WithCargoEdges(p.graph, manifests)
	if err != nil {
		return nil, nil, fmt.Errorf("read the graph (graph: cargo): %w", err)
	}
	return g, warnings, nil
}

// readCargo reads the Cargo.toml at the root of e's repository at e's
// commit, at most plan.MaxCargoManifest bytes of it.
func (p snapshotPlan) readCargo(ctx context.Context, contents Contents, e manifest.Entry) (plan.CargoManifest, error) {
	owner, name, _ := strings.Cut(e.Repository, "/")
	file := fmt.Sprintf("%s/Cargo.toml at %s", e.Repository, e.SHA[:7])
	access := github.Access{Repository: e.Repository, Own: p.ev.Repository, Permission: "contents: read"}
	got, _, _, err := contents.GetContents(ctx, owner, name, "Cargo.toml", &gh.RepositoryContentGetOptions{Ref: e.SHA})
	switch {
	case github.IsStatus(err, http.StatusNotFound):
		return plan.CargoManifest{}, fmt.Errorf("read the graph of component %s (graph: cargo): %s has no Cargo.toml at %s, the commit pinned, or the token cannot read it (%v): its edges can be read only from a Cargo.toml at the root of its repository; give its depends-on in the graph input instead", e.Component, e.Repository, e.SHA, github.Explain(err, access))
	case err != nil:
		return plan.CargoManifest{}, fmt.Errorf("read the graph of component %s (graph: cargo): read %s: %w", e.Component, file, github.Explain(err, access))
	case got == nil:
		return plan.CargoManifest{}, fmt.Errorf("read the graph of component %s (graph: cargo): %s is a folder, not a file", e.Component, file)
	case got.GetType() != "file":
		return plan.CargoManifest{}, fmt.Errorf("read the graph of component %s (graph: cargo): GitHub answers %s as a %s, not a file", e.Component, file, report.Quote(got.GetType()))
	case got.GetSize() > plan.MaxCargoManifest || got.GetEncoding() == "none":
		return plan.CargoManifest{}, fmt.Errorf("read the graph of component %s (graph: cargo): %s is %d bytes; at most 1 MiB is read", e.Component, file, got.GetSize())
	}
	text, err := got.GetContent()
	if err != nil {
		return plan.CargoManifest{}, fmt.Errorf("read the graph of component %s (graph: cargo): GitHub answered the content of %s in no encoding it documents", e.Component, file)
	}
	return plan.CargoManifest{Component: e.Component, File: file, Data: []byte(text)}, nil
}

// edgesText lists what each component depends on, for the summary.
func edgesText(g *plan.Graph) string {
	var parts []string
	for _, c := range g.Components() {
		deps := "nothing"
		if len(c.DependsOn) > 0 {
			deps = strings.Join(c.DependsOn, ", ")
		}
		parts = append(parts, c.Name+" on "+deps)
	}
	return strings.Join(parts, "; ")
}
