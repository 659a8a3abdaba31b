// Package plan decides which components a change must rebuild, in which
// order, and renders the build matrix of the orchestrator's workflow.
//
// The package is pure: it reads no file and no variable. The caller passes
// the graph's text (Parse) and the event that triggered the run.
package plan

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/BTCDecoded/release-action/internal/inputs"
)

// Component is one repository of the build chain.
type Component struct {
	Name       string
	Repository string   // repository name without owner; default "bllvm-<name>"
	Branch     string   // branch whose head a snapshot pins; "" for the default branch
	DependsOn  []string // names of the components it is built against
	// CargoEdges says DependsOn is to be read from the component's
	// Cargo.toml at its pinned commit (depends-on: cargo, or graph:
	// cargo); until then it is what the graph says, or nothing.
	CargoEdges bool
	// CI is the workflow file whose successful push runs mark a commit as
	// good, for pin: green; "" is DefaultCI.
	CI string
	// Assets are the name patterns (path.Match) of the assets the component
	// ships: each must match an asset of a nightly before it is published.
	// nil leaves the rule to the base nightly; empty means it ships none.
	Assets []string
}

// DefaultCI is the workflow of a component's CI when the graph names none.
const DefaultCI = "ci.yml"

// Workflow is the component's CI workflow file.
func (c Component) Workflow() string {
	if c.CI == "" {
		return DefaultCI
	}
	return c.CI
}

// Graph is a validated, acyclic set of components. It keeps the components
// in the order they were declared, which breaks ties in every plan.
type Graph struct {
	components []Component
	index      map[string]int
	deps       [][]int // deps[i]: indices of what component i depends on
	dependents [][]int // dependents[i]: indices of what depends on component i
}

// FromCargo says whether some of the graph's edges are to be read from
// the components' Cargo.toml files, at their pinned commits (graph:
// cargo, or depends-on: cargo).
func (g *Graph) FromCargo() bool {
	return slices.ContainsFunc(g.components, func(c Component) bool { return c.CargoEdges })
}

// All is the word that means every component, in the changed input and in
// event types (build_all); no component may take it as its name.
const All = "all"

// NamePattern is the rule every component name follows: it becomes part of
// event types (build_<name>), job names and the default repository name.
const NamePattern = `^[a-z0-9][a-z0-9_-]*$`

var (
	nameRE = regexp.MustCompile(NamePattern)
	// GitHub's rule for a repository name, as in inputs.CheckRepository.
	repositoryRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// DefaultGraph is BTCDecoded's graph as Cargo sees it, each edge a path
// dependency on a sibling repository: consensus → protocol → node →
// {sdk → governance, bllvm}. bllvm is the orchestrator's own crate, whose
// binary is the headline asset of every release; governance is the
// governance app, in repository bllvm-commons.
func DefaultGraph() *Graph {
	g, err := New(DefaultComponents())
	if err != nil {
		panic("plan: default graph is invalid: " + err.Error())
	}
	return g
}

// DefaultComponents are the components of DefaultGraph, in its order.
func DefaultComponents() []Component {
	return []Component{
		{Name: "consensus"},
		{Name: "protocol", DependsOn: []string{"consensus"}},
		{Name: "node", DependsOn: []string{"protocol"}},
		{Name: "sdk", DependsOn: []string{"node"}},
		{Name: "governance", Repository: "bllvm-commons", DependsOn: []string{"sdk"}},
		{Name: "bllvm", Repository: "bllvm", DependsOn: []string{"node"}},
	}
}

// New validates components and builds a graph of them in the given order. An
// empty Repository becomes bllvm-<name>. Every error is an *inputs.Error of
// the graph input.
func New(components []Component) (*Graph, error) {
	if len(components) == 0 {
		return nil, inputs.Errorf("graph", "must define at least one component, such as consensus: {}")
	}
	g := &Graph{
		components: make([]Component, len(components)),
		index:      make(map[string]int, len(components)),
		deps:       make([][]int, len(components)),
		dependents: make([][]int, len(components)),
	}
	for i, c := range components {
		if rule := nameRule(c.Name); rule != "" {
			return nil, inputs.Errorf("graph", "%s", rule)
		}
		if _, dup := g.index[c.Name]; dup {
			return nil, inputs.Errorf("graph", "component %s is defined twice", c.Name)
		}
		g.index[c.Name] = i
		if c.Repository == "" {
			c.Repository = "bllvm-" + c.Name
		} else if !repositoryRE.MatchString(c.Repository) || c.Repository == "." || c.Repository == ".." {
			return nil, inputs.Errorf("graph", "repository of component %s must be a repository name without owner, such as bllvm-%s (letters, digits, ., _ and -); got %q", c.Name, c.Name, c.Repository)
		}
		if c.Branch != "" && !validBranch(c.Branch) {
			return nil, inputs.Errorf("graph", "branch of component %s must be a branch name such as main or release/1.0 (no refs/ prefix); got %q", c.Name, c.Branch)
		}
		if c.CI != "" {
			if rule := ciRule(c.CI); rule != "" {
				return nil, inputs.Errorf("graph", "ci of component %s %s; got %q", c.Name, rule, c.CI)
			}
		}
		for _, pattern := range c.Assets {
			if rule := assetPatternRule(pattern); rule != "" {
				return nil, inputs.Errorf("graph", "assets of component %s: %s; got %q", c.Name, rule, pattern)
			}
		}
		if len(c.Assets) > maxAssetPatterns {
			return nil, inputs.Errorf("graph", "assets of component %s lists %d patterns; at most %d", c.Name, len(c.Assets), maxAssetPatterns)
		}
		c.DependsOn = slices.Clone(c.DependsOn)
		if c.Assets != nil {
			c.Assets = slices.Clone(c.Assets)
		}
		g.components[i] = c
	}
	// listedBy[j] is 1 + the last component found to list j, so a repeated
	// dependency shows without a scan of the list.
	listedBy := make([]int, len(components))
	for i, c := range g.components {
		g.deps[i] = make([]int, 0, len(c.DependsOn))
		for _, dep := range c.DependsOn {
			j, ok := g.index[dep]
			switch {
			case !ok:
				return nil, inputs.Errorf("graph", "component %s depends on unknown component %q (known: %s)", c.Name, dep, listNames(g.Names()))
			case j == i:
				return nil, inputs.Errorf("graph", "component %s depends on itself, a cycle: %s → %s", c.Name, c.Name, c.Name)
			case listedBy[j] == i+1:
				return nil, inputs.Errorf("graph", "component %s lists dependency %s twice", c.Name, dep)
			}
			listedBy[j] = i + 1
			g.deps[i] = append(g.deps[i], j)
			g.dependents[j] = append(g.dependents[j], i)
		}
	}
	if cycle := g.findCycle(); cycle != nil {
		names := make([]string, len(cycle))
		for k, i := range cycle {
			names[k] = g.components[i].Name
		}
		return nil, inputs.Errorf("graph", "components depend on each other in a cycle: %s (each depends on the next)", strings.Join(names, " → "))
	}
	return g, nil
}

// validBranch applies git's rules for a ref name to a branch, and refuses
// what would name something else than a branch in a commits/{ref} request.
func validBranch(branch string) bool {
	return inputs.CheckTagName("graph", "refs/heads/"+branch) == nil &&
		!strings.HasPrefix(branch, "refs/") && !strings.HasPrefix(branch, "-") && branch != "HEAD"
}

// ciRE is a workflow file of .github/workflows: GitHub's API names a
// workflow by its file name.
var ciRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}\.ya?ml$`)

// ciRule returns the rule a ci value breaks, or "".
func ciRule(ci string) string {
	if !ciRE.MatchString(ci) || strings.HasPrefix(ci, ".") {
		return "must be a workflow file name such as " + DefaultCI + " (letters, digits, ., _ and -, ending in .yml or .yaml)"
	}
	return ""
}

// maxAssetPatterns bounds a component's assets list.
const maxAssetPatterns = 100

// assetPatternRule returns the rule an asset name pattern breaks, or "".
func assetPatternRule(pattern string) string {
	if pattern == "" || len(pattern) > 255 || strings.ContainsAny(pattern, "/\\\x00") {
		return "must be a pattern of an asset name (*, ? and [...] of one file name, no /, at most 255 characters)"
	}
	for _, r := range pattern {
		if r < 0x20 || r == 0x7f {
			return "must be a pattern of an asset name without control characters"
		}
	}
	if _, err := path.Match(pattern, ""); err != nil {
		return "must be a valid pattern (*, ? and [...]): " + err.Error()
	}
	return ""
}

// nameRule returns the rule name breaks, or "" when it is a valid name.
func nameRule(name string) string {
	if !nameRE.MatchString(name) {
		return fmt.Sprintf("component name %q must match %s: lowercase letters, digits, _ and -, starting with a letter or digit", name, NamePattern)
	}
	if name == All {
		return fmt.Sprintf("component name %q is reserved: it means every component", All)
	}
	return ""
}

// findCycle returns the indices of a dependency cycle, first one repeated at
// the end and starting at its earliest-declared member, or nil when the graph
// is acyclic.
func (g *Graph) findCycle() []int {
	// Kahn's algorithm: whatever is never freed of its dependencies lies on,
	// or depends on, a cycle.
	pending := make([]int, len(g.components))
	ready := make([]int, 0, len(g.components))
	for i := range g.components {
		pending[i] = len(g.deps[i])
		if pending[i] == 0 {
			ready = append(ready, i)
		}
	}
	for k := 0; k < len(ready); k++ {
		for _, d := range g.dependents[ready[k]] {
			if pending[d]--; pending[d] == 0 {
				ready = append(ready, d)
			}
		}
	}
	if len(ready) == len(g.components) {
		return nil
	}
	// Every component left has a dependency that is also left, so following
	// those from any of them must come back to a component already seen.
	start := slices.IndexFunc(pending, func(p int) bool { return p > 0 })
	onPath := make(map[int]int) // component index → position in path
	var path []int
	for i := start; ; {
		if at, seen := onPath[i]; seen {
			cycle := path[at:]
			low := 0
			for k, c := range cycle {
				if c < cycle[low] {
					low = k
				}
			}
			cycle = append(slices.Clone(cycle[low:]), cycle[:low]...)
			return append(cycle, cycle[0])
		}
		onPath[i] = len(path)
		path = append(path, i)
		next := slices.IndexFunc(g.deps[i], func(d int) bool { return pending[d] > 0 })
		i = g.deps[i][next]
	}
}

// Names returns the component names in declared order.
func (g *Graph) Names() []string {
	names := make([]string, len(g.components))
	for i, c := range g.components {
		names[i] = c.Name
	}
	return names
}

// Components returns a copy of the components in declared order, with their
// repositories filled in.
func (g *Graph) Components() []Component {
	out := make([]Component, len(g.components))
	for i, c := range g.components {
		c.DependsOn = slices.Clone(c.DependsOn)
		if c.Assets != nil {
			c.Assets = slices.Clone(c.Assets)
		}
		out[i] = c
	}
	return out
}

// Component returns the named component.
func (g *Graph) Component(name string) (Component, bool) {
	i, ok := g.index[name]
	if !ok {
		return Component{}, false
	}
	c := g.components[i]
	c.DependsOn = slices.Clone(c.DependsOn)
	return c, true
}

// maxListed keeps messages readable when a large graph lists its names.
const maxListed = 20

func listNames(names []string) string {
	if len(names) > maxListed {
		return fmt.Sprintf("%s and %d more", strings.Join(names[:maxListed], ", "), len(names)-maxListed)
	}
	return strings.Join(names, ", ")
}

// Upstream returns everything the named component depends on, directly or
// not, in declared order; nil for an unknown component.
func (g *Graph) Upstream(name string) []string {
	i, ok := g.index[name]
	if !ok {
		return nil
	}
	seen := make([]bool, len(g.components))
	stack := slices.Clone(g.deps[i])
	for len(stack) > 0 {
		j := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !seen[j] {
			seen[j] = true
			stack = append(stack, g.deps[j]...)
		}
	}
	var names []string
	for j, c := range g.components {
		if seen[j] {
			names = append(names, c.Name)
		}
	}
	return names
}
