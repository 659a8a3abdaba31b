package cascade

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/plan"
)

func snapshot(t *testing.T, rebuilt ...string) manifest.Manifest {
	t.Helper()
	var m manifest.Manifest
	for i, c := range plan.DefaultGraph().Components() {
		m = append(m, manifest.Entry{Component: c.Name, Repository: "BTCDecoded/" + c.Repository, SHA: strings.Repeat(string("abcdef"[i]), 40), Rebuilt: contains(rebuilt, c.Name)})
	}
	return m
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestOf(t *testing.T) {
	withAssets, err := plan.New([]plan.Component{{Name: "lib", Assets: []string{}}, {Name: "app", DependsOn: []string{"lib"}, Assets: []string{"app-*"}}})
	require.NoError(t, err)
	tests := []struct {
		name    string
		graph   *plan.Graph
		m       manifest.Manifest
		changed []string
		want    map[string]State
	}{
		{"a node change rebuilds what is built against node", plan.DefaultGraph(), snapshot(t, "node", "sdk", "governance", "bllvm"), []string{"node"},
			map[string]State{"consensus": CarriedOver, "protocol": CarriedOver, "node": Changed, "sdk": Rebuilt, "governance": Rebuilt, "bllvm": Rebuilt}},
		{"a library that ships nothing is unchanged", withAssets,
			manifest.Manifest{{Component: "lib", Repository: "o/lib", SHA: strings.Repeat("a", 40)}, {Component: "app", Repository: "o/app", SHA: strings.Repeat("b", 40)}}, nil,
			map[string]State{"lib": Unchanged, "app": CarriedOver}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]State{}
			for _, n := range Of(tt.graph, tt.m, tt.changed) {
				got[n.Component] = n.State
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestMermaidDrawsEveryEdgeAndState(t *testing.T) {
	md := Mermaid(Of(plan.DefaultGraph(), snapshot(t, "sdk", "governance"), []string{"sdk"}))
	assert.True(t, strings.HasPrefix(md, "```mermaid\nflowchart LR\n"))
	assert.True(t, strings.HasSuffix(md, "```\n"))
	for _, edge := range []string{"c0 --> c1", "c1 --> c2", "c2 --> c3", "c3 --> c4", "c2 --> c5"} {
		assert.Contains(t, md, "  "+edge+"\n")
	}
	assert.Contains(t, md, `c3["sdk<br/>ddddddd · changed"]:::changed`)
	assert.Contains(t, md, `c4["governance<br/>eeeeeee · rebuilt"]:::rebuilt`)
	assert.Contains(t, md, `c0["consensus<br/>aaaaaaa · carried over"]:::carried`)
}

func TestTable(t *testing.T) {
	table := Table(Of(plan.DefaultGraph(), snapshot(t, "bllvm"), []string{"bllvm"}), nil)
	assert.Contains(t, table, "| bllvm | `fffffff` | changed | node |\n")
	assert.Contains(t, table, "| consensus | `aaaaaaa` | carried over | — |\n")
	assert.Equal(t, 8, strings.Count(table, "\n"))
}
