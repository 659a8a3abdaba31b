package plan

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// randomDAG returns n components with edges dependencies, declared in a
// shuffled order so that the file order is no topological order. Edges only
// run from a later rank to an earlier one, so the graph is acyclic.
func randomDAG(n, edges int, seed uint64) []Component {
	rng := rand.New(rand.NewPCG(seed, seed))
	rank := rng.Perm(n) // rank[k]: the position of component k in a topological order
	byRank := make([]int, n)
	for k, r := range rank {
		byRank[r] = k
	}
	components := make([]Component, n)
	for k := range components {
		components[k].Name = fmt.Sprintf("c%d", k)
	}
	type edge struct{ from, to int }
	seen := make(map[edge]bool, edges)
	for len(seen) < edges {
		a, b := rng.IntN(n), rng.IntN(n)
		if a == b {
			continue
		}
		if a < b {
			a, b = b, a
		}
		// The component of rank a depends on the one of rank b.
		e := edge{byRank[a], byRank[b]}
		if seen[e] {
			continue
		}
		seen[e] = true
		components[e.from].DependsOn = append(components[e.from].DependsOn, components[e.to].Name)
	}
	return components
}

// A graph far larger than any real one, which must plan well under a second.
const (
	largeComponents = 10_000
	largeEdges      = 50_000
)

func largeGraph(tb testing.TB) (*Graph, []Component) {
	tb.Helper()
	components := randomDAG(largeComponents, largeEdges, 42)
	g, err := New(components)
	require.NoError(tb, err)
	return g, components
}

// root returns the first-declared component without dependencies.
func root(g *Graph) string {
	for _, c := range g.Components() {
		if len(c.DependsOn) == 0 {
			return c.Name
		}
	}
	return ""
}

func TestLargeGraph(t *testing.T) {
	g, _ := largeGraph(t)
	for _, changed := range [][]string{g.Names(), {root(g)}} {
		r, err := g.Plan(changed)
		require.NoError(t, err)
		assertTopological(t, g, r)
	}
}

func BenchmarkPlan(b *testing.B) {
	g, _ := largeGraph(b)
	for _, bc := range []struct {
		name    string
		changed []string
	}{
		{"all", g.Names()},
		{"one-root", []string{root(g)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var r Result
			for b.Loop() {
				var err error
				if r, err = g.Plan(bc.changed); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(r.Components)), "components")
			b.ReportMetric(float64(len(r.Waves)), "waves")
		})
	}
}

func BenchmarkMatrix(b *testing.B) {
	g, _ := largeGraph(b)
	r, err := g.Plan(g.Names())
	require.NoError(b, err)
	for b.Loop() {
		if _, err := r.Outputs(g, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	_, components := largeGraph(b)
	for b.Loop() {
		if _, err := New(components); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	_, components := largeGraph(b)
	type entry struct {
		DependsOn []string `json:"depends-on" yaml:"depends-on"`
	}
	// Map keys marshal sorted, which is as good an order as any here.
	doc := make(map[string]entry, len(components))
	for _, c := range components {
		doc[c.Name] = entry{c.DependsOn}
	}
	yamlText, err := yaml.Marshal(doc)
	require.NoError(b, err)
	jsonText, err := json.Marshal(doc)
	require.NoError(b, err)
	for _, bc := range []struct {
		name string
		text []byte
	}{{"yaml", yamlText}, {"json", jsonText}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.text)))
			for b.Loop() {
				if _, err := Parse(bc.text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
