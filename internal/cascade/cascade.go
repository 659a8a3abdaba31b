// Package cascade pictures what one run did to every component of a
// snapshot: which changed, which were rebuilt because something they
// depend on changed, and which were carried over or left alone. plan's
// step summary and triage's tracking issue show it, as a Mermaid graph and
// as the same facts in a table for readers that do not render Mermaid.
package cascade

import (
	"fmt"
	"slices"
	"strings"

	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/plan"
)

// State is what the run did to one component.
type State string

// The states, from the most to the least work.
const (
	// Changed: its commit moved since the base, so it was rebuilt.
	Changed State = "changed"
	// Rebuilt: its commit did not move, something it depends on did.
	Rebuilt State = "rebuilt"
	// CarriedOver: not rebuilt; what it ships comes from the base.
	CarriedOver State = "carried over"
	// Unchanged: not rebuilt, and it ships nothing (the graph's assets
	// key is empty), so nothing was carried either.
	Unchanged State = "unchanged"
)

// Node is one component of the picture.
type Node struct {
	Component string
	SHA       string // 40 hex, from a checked manifest
	State     State
	DependsOn []string
}

// Of reads the picture from a run's manifest: changed names the
// components whose commit moved since the base. Components of m that the
// graph does not know keep no edges.
func Of(g *plan.Graph, m manifest.Manifest, changed []string) []Node {
	nodes := make([]Node, 0, len(m))
	for _, e := range m {
		n := Node{Component: e.Component, SHA: e.SHA}
		c, known := g.Component(e.Component)
		if known {
			n.DependsOn = c.DependsOn
		}
		switch {
		case slices.Contains(changed, e.Component):
			n.State = Changed
		case e.Rebuilt:
			n.State = Rebuilt
		case known && c.Assets != nil && len(c.Assets) == 0:
			n.State = Unchanged
		default:
			n.State = CarriedOver
		}
		nodes = append(nodes, n)
	}
	return nodes
}

// classes are the Mermaid styles of the states: red for what changed,
// amber for what was rebuilt, grey for the rest.
var classes = []struct {
	state State
	name  string
	style string
}{
	{Changed, "changed", "fill:#f8d7da,stroke:#b02a37,color:#000"},
	{Rebuilt, "rebuilt", "fill:#fff3cd,stroke:#997404,color:#000"},
	{CarriedOver, "carried", "fill:#e2e3e5,stroke:#41464b,color:#000"},
	{Unchanged, "unchanged", "fill:#ffffff,stroke:#adb5bd,color:#000"},
}

// Mermaid renders the picture as a fenced Mermaid flowchart, an arrow
// from each dependency to what is built against it. Every label is built
// from checked values only (component names follow plan.NamePattern,
// shas are hex), and nodes are named by their place, never by a value.
func Mermaid(nodes []Node) string {
	var b strings.Builder
	b.WriteString("```mermaid\nflowchart LR\n")
	index := map[string]int{}
	for i, n := range nodes {
		index[n.Component] = i
	}
	for i, n := range nodes {
		fmt.Fprintf(&b, "  c%d[\"%s<br/>%s · %s\"]:::%s\n", i, n.Component, short(n.SHA), n.State, className(n.State))
	}
	for i, n := range nodes {
		for _, dep := range n.DependsOn {
			if j, ok := index[dep]; ok {
				fmt.Fprintf(&b, "  c%d --> c%d\n", j, i)
			}
		}
	}
	for _, c := range classes {
		fmt.Fprintf(&b, "  classDef %s %s\n", c.name, c.style)
	}
	b.WriteString("```\n")
	return b.String()
}

func className(s State) string {
	for _, c := range classes {
		if c.state == s {
			return c.name
		}
	}
	return "carried"
}

// Table renders the same facts as a Markdown table; commitURL, when not
// nil, links each commit (its result is escaped by the caller's rules).
func Table(nodes []Node, commitLink func(Node) string) string {
	var b strings.Builder
	b.WriteString("| component | commit | this run | built against |\n|---|---|---|---|\n")
	for _, n := range nodes {
		commit := "`" + short(n.SHA) + "`"
		if commitLink != nil {
			commit = commitLink(n)
		}
		deps := "—"
		if len(n.DependsOn) > 0 {
			deps = strings.Join(n.DependsOn, ", ")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", n.Component, commit, n.State, deps)
	}
	return b.String()
}

func short(sha string) string { return sha[:min(len(sha), 7)] }
