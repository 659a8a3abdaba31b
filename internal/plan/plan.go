package plan

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/BTCDecoded/release-action/internal/inputs"
)

// Changed parses the changed input: component names separated by commas or
// newlines, or "all" for every component. It returns the names in the
// graph's order, each once.
func Changed(g *Graph, s string) ([]string, error) {
	items := inputs.SplitList(s)
	if len(items) == 0 {
		return nil, inputs.Errorf("changed", "must name at least one component, or all; known components: %s", listNames(g.Names()))
	}
	picked := make([]bool, len(g.components))
	var unknown []string
	for _, item := range items {
		if item == All {
			return g.Names(), nil
		}
		i, ok := g.index[item]
		if !ok {
			unknown = append(unknown, strconv.Quote(item))
			continue
		}
		picked[i] = true
	}
	if len(unknown) > 0 {
		return nil, inputs.Errorf("changed", "names unknown component %s; known components: %s (or all)", strings.Join(unknown, ", "), listNames(g.Names()))
	}
	var names []string
	for i, c := range g.components {
		if picked[i] {
			names = append(names, c.Name)
		}
	}
	return names, nil
}

// ChangedFromEvent derives the changed components from the event that
// triggered the orchestrator. Only a repository_dispatch of
// build_<component>, or a workflow_dispatch whose component input names
// one (passed as build_<component>), narrows the plan; anything else,
// including a component the graph does not know, rebuilds everything:
// building too much is slow, too little is wrong.
func ChangedFromEvent(g *Graph, eventName, dispatchEventType string) []string {
	if isDispatch(eventName) {
		if name, ok := strings.CutPrefix(dispatchEventType, "build_"); ok {
			if _, known := g.index[name]; known {
				return []string{name}
			}
		}
	}
	return g.Names()
}

// isDispatch is an event that names the component that changed.
func isDispatch(eventName string) bool {
	return eventName == "repository_dispatch" || eventName == "workflow_dispatch"
}

// Dispatched returns the component a dispatch names, whose commit the
// dispatch carries: the one whose repository is repo (sent as repoKey,
// such as client_payload.repo or client_payload.triggered_by; a name or
// owner/name), else the one of the build_<component> event type (for a
// workflow_dispatch, build_ and its component input). It is "" for any
// other event, for build_all and for a type no component has; a repo
// that names no component, or another one than the type, is an error.
func (g *Graph) Dispatched(eventName, eventType, repo, repoKey string) (string, error) {
	if !isDispatch(eventName) {
		return "", nil
	}
	byType := ""
	if name, ok := strings.CutPrefix(eventType, "build_"); ok {
		if _, known := g.index[name]; known {
			byType = name
		}
	}
	if repo == "" {
		return byType, nil
	}
	repoName := repo
	if i := strings.LastIndex(repo, "/"); i >= 0 {
		repoName = repo[i+1:]
	}
	byRepo := ""
	for _, c := range g.components {
		if strings.EqualFold(c.Repository, repoName) {
			byRepo = c.Name
			break
		}
	}
	switch {
	case byRepo == "" && byType == "":
		// build_all from the orchestrator itself, or a dispatch of no component.
		return "", nil
	case byRepo == "":
		return "", fmt.Errorf("read the %s: %s %q is not the repository of component %s (%s)", eventName, repoKey, repo, byType, g.components[g.index[byType]].Repository)
	case byType != "" && byType != byRepo:
		return "", fmt.Errorf("read the %s: %s %q is component %s, but the event type %s names component %s", eventName, repoKey, repo, byRepo, eventType, byType)
	}
	return byRepo, nil
}

// Result is what a change must rebuild.
type Result struct {
	// Components holds every changed component and everything downstream of
	// it, wave after wave, each wave in the graph's declared order.
	Components []string
	// Waves groups Components: a component's wave is one more than the
	// latest wave of its dependencies in the plan (dependencies outside it
	// are already built), so each wave can build in parallel once the
	// earlier ones are done.
	Waves [][]string
	// BuildAll is true when the plan holds every component of the graph.
	BuildAll bool
}

// Plan returns what changed and everything downstream of it, in waves.
// changed holds component names, as Changed and ChangedFromEvent return
// them; "all" among them means every component. An empty changed gives an
// empty plan.
func (g *Graph) Plan(changed []string) (Result, error) {
	if slices.Contains(changed, All) {
		changed = g.Names()
	}
	n := len(g.components)
	inPlan := make([]bool, n)
	queue := make([]int, 0, n)
	for _, name := range changed {
		i, ok := g.index[name]
		if !ok {
			return Result{}, inputs.Errorf("changed", "names unknown component %q; known components: %s (or all)", name, listNames(g.Names()))
		}
		if !inPlan[i] {
			inPlan[i] = true
			queue = append(queue, i)
		}
	}
	for k := 0; k < len(queue); k++ {
		for _, d := range g.dependents[queue[k]] {
			if !inPlan[d] {
				inPlan[d] = true
				queue = append(queue, d)
			}
		}
	}

	// Kahn's algorithm one wave at a time, counting only dependencies that
	// are themselves rebuilt.
	pending := make([]int, n)
	var wave []int
	for _, i := range queue {
		for _, dep := range g.deps[i] {
			if inPlan[dep] {
				pending[i]++
			}
		}
		if pending[i] == 0 {
			wave = append(wave, i)
		}
	}
	r := Result{Components: make([]string, 0, len(queue)), Waves: [][]string{}, BuildAll: len(queue) == n}
	for len(wave) > 0 {
		slices.Sort(wave)
		names := make([]string, len(wave))
		var next []int
		for k, i := range wave {
			names[k] = g.components[i].Name
			for _, d := range g.dependents[i] {
				if pending[d]--; pending[d] == 0 {
					next = append(next, d)
				}
			}
		}
		r.Components = append(r.Components, names...)
		r.Waves = append(r.Waves, names)
		wave = next
	}
	if len(r.Components) != len(queue) {
		// New rejects cycles, so only a Graph built some other way gets here.
		return Result{}, fmt.Errorf("plan %d components: %d are left in a dependency cycle", len(queue), len(queue)-len(r.Components))
	}
	return r, nil
}

// MatrixEntry is one job of the build matrix.
type MatrixEntry struct {
	Component  string `json:"component"`
	Repository string `json:"repository"`
	Wave       int    `json:"wave"`
	SHA        string `json:"sha,omitempty"` // the pinned commit, when resolved
}

// Matrix renders the plan as a GitHub Actions matrix,
// {"include":[{"component":…,"repository":…,"wave":N,"sha":…}]}, in
// Components order with waves numbered from 1; sha is the component's
// commit in pins, left out when pins has none. An empty plan gives an
// empty include, which GitHub rejects: skip the build job when components
// is [].
func (r Result) Matrix(g *Graph, pins map[string]string) ([]byte, error) {
	include := make([]MatrixEntry, 0, len(r.Components))
	for w, wave := range r.Waves {
		for _, name := range wave {
			i, ok := g.index[name]
			if !ok {
				return nil, fmt.Errorf("render matrix: component %s is not in the graph", name)
			}
			include = append(include, MatrixEntry{Component: name, Repository: g.components[i].Repository, Wave: w + 1, SHA: pins[name]})
		}
	}
	return json.Marshal(struct {
		Include []MatrixEntry `json:"include"`
	}{include})
}

// Outputs are the step outputs of a plan, each ready to write.
type Outputs struct {
	Components string // JSON array of names
	Waves      string // JSON array of arrays of names
	BuildAll   string // true or false
	Matrix     string // JSON object for strategy.matrix
}

// Outputs renders the plan's four outputs; pins as for Matrix.
func (r Result) Outputs(g *Graph, pins map[string]string) (Outputs, error) {
	matrix, err := r.Matrix(g, pins)
	if err != nil {
		return Outputs{}, err
	}
	components, err := json.Marshal(nonNil(r.Components))
	if err != nil {
		return Outputs{}, fmt.Errorf("render components: %w", err)
	}
	waves := make([][]string, len(r.Waves))
	for k, w := range r.Waves {
		waves[k] = nonNil(w)
	}
	wavesJSON, err := json.Marshal(waves)
	if err != nil {
		return Outputs{}, fmt.Errorf("render waves: %w", err)
	}
	return Outputs{
		Components: string(components),
		Waves:      string(wavesJSON),
		BuildAll:   strconv.FormatBool(r.BuildAll),
		Matrix:     string(matrix),
	}, nil
}

// nonNil makes an empty list render as [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
