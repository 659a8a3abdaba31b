package plan

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/inputs"
)

// readTestdata reads a file of testdata/plan at the repository's root.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "plan", name))
	require.NoError(t, err)
	return data
}

func TestDefaultGraph(t *testing.T) {
	want := []Component{
		{Name: "consensus", Repository: "bllvm-consensus", DependsOn: nil},
		{Name: "protocol", Repository: "bllvm-protocol", DependsOn: []string{"consensus"}},
		{Name: "node", Repository: "bllvm-node", DependsOn: []string{"protocol"}},
		{Name: "sdk", Repository: "bllvm-sdk", DependsOn: []string{"node"}},
		{Name: "governance", Repository: "bllvm-commons", DependsOn: []string{"sdk"}},
		{Name: "bllvm", Repository: "bllvm", DependsOn: []string{"node"}},
	}
	assert.Equal(t, want, DefaultGraph().Components())

	// The documented default.yaml must stay the same graph.
	parsed, err := Parse(readTestdata(t, "default.yaml"))
	require.NoError(t, err)
	assert.Equal(t, want, parsed.Components())
}

func TestPlanDefaultGraph(t *testing.T) {
	tests := []struct {
		name      string
		changed   []string
		wantWaves [][]string
	}{
		{"consensus rebuilds everything", []string{"consensus"},
			[][]string{{"consensus"}, {"protocol"}, {"node"}, {"sdk", "bllvm"}, {"governance"}}},
		{"protocol skips consensus", []string{"protocol"},
			[][]string{{"protocol"}, {"node"}, {"sdk", "bllvm"}, {"governance"}}},
		{"node rebuilds both of its dependents", []string{"node"}, [][]string{{"node"}, {"sdk", "bllvm"}, {"governance"}}},
		{"sdk rebuilds governance, not bllvm", []string{"sdk"}, [][]string{{"sdk"}, {"governance"}}},
		{"bllvm alone: nothing depends on it", []string{"bllvm"}, [][]string{{"bllvm"}}},
		{"governance alone", []string{"governance"}, [][]string{{"governance"}}},
		{"the two leaves build in one wave", []string{"governance", "bllvm"}, [][]string{{"governance", "bllvm"}}},
		{"bllvm waits for sdk only when sdk is rebuilt too", []string{"sdk", "bllvm"}, [][]string{{"sdk", "bllvm"}, {"governance"}}},
		{"two changes merge into one plan", []string{"sdk", "protocol"},
			[][]string{{"protocol"}, {"node"}, {"sdk", "bllvm"}, {"governance"}}},
		{"every component", DefaultGraph().Names(),
			[][]string{{"consensus"}, {"protocol"}, {"node"}, {"sdk", "bllvm"}, {"governance"}}},
		{"nothing changed", nil, [][]string{}},
		{"all", []string{"sdk", "all"},
			[][]string{{"consensus"}, {"protocol"}, {"node"}, {"sdk", "bllvm"}, {"governance"}}},
		{"repeated change counted once", []string{"sdk", "sdk"}, [][]string{{"sdk"}, {"governance"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := DefaultGraph()
			got, err := g.Plan(tt.changed)
			require.NoError(t, err)
			assert.Equal(t, tt.wantWaves, got.Waves)
			assert.Equal(t, flatten(tt.wantWaves), got.Components)
			assert.Equal(t, len(got.Components) == 6, got.BuildAll)
			assertTopological(t, g, got)
		})
	}
}

func TestPlanCustomGraphs(t *testing.T) {
	yamlDiamond := readTestdata(t, "diamond.yaml")
	jsonDiamond := readTestdata(t, "diamond.json")
	tests := []struct {
		name      string
		graph     []byte
		changed   []string
		wantWaves [][]string
		buildAll  bool
	}{
		{"yaml diamond from the root", yamlDiamond, []string{"consensus"},
			[][]string{{"consensus"}, {"protocol"}, {"wallet", "node"}, {"app"}}, true},
		{"yaml diamond from one side", yamlDiamond, []string{"node"},
			[][]string{{"node"}, {"app"}}, false},
		{"yaml diamond from both sides", yamlDiamond, []string{"node", "wallet"},
			[][]string{{"wallet", "node"}, {"app"}}, false},
		// JSON keeps its key order: node before wallet this time.
		{"json diamond from the root", jsonDiamond, []string{"consensus"},
			[][]string{{"consensus"}, {"protocol"}, {"node", "wallet"}, {"app"}}, true},
		{"json diamond from protocol", jsonDiamond, []string{"protocol"},
			[][]string{{"protocol"}, {"node", "wallet"}, {"app"}}, false},
		{"independent roots share wave 1", []byte("a: {}\nb: {}\nc: {depends-on: [a, b]}\n"), []string{"b", "a"},
			[][]string{{"a", "b"}, {"c"}}, true},
		{"a dependency outside the plan is already built", []byte("a: {}\nb: {}\nc: {depends-on: [a, b]}\n"), []string{"b"},
			[][]string{{"b"}, {"c"}}, false},
		{"uneven paths wait for the longest", []byte("a: {}\nb: {depends-on: [a]}\nc: {depends-on: [b]}\nd: {depends-on: [a, c]}\n"), []string{"a"},
			[][]string{{"a"}, {"b"}, {"c"}, {"d"}}, true},
		{"null entry and null depends-on", []byte("a:\nb: {depends-on: }\n"), []string{"a", "b"},
			[][]string{{"a", "b"}}, true},
		{"flow-mapping YAML that starts like JSON", []byte("{a: {}, b: {depends-on: [a]}}"), []string{"a"},
			[][]string{{"a"}, {"b"}}, true},
		{"JSON with tabs", []byte("{\n\t\"a\": {},\n\t\"b\": {\"depends-on\": [\"a\"]}\n}\n"), []string{"a"},
			[][]string{{"a"}, {"b"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Parse(tt.graph)
			require.NoError(t, err)
			got, err := g.Plan(tt.changed)
			require.NoError(t, err)
			assert.Equal(t, tt.wantWaves, got.Waves)
			assert.Equal(t, flatten(tt.wantWaves), got.Components)
			assert.Equal(t, tt.buildAll, got.BuildAll)
			assertTopological(t, g, got)
		})
	}
}

func TestPlanUnknownComponent(t *testing.T) {
	_, err := DefaultGraph().Plan([]string{"wallet"})
	assert.EqualError(t, err, `input changed: names unknown component "wallet"; known components: consensus, protocol, node, sdk, governance, bllvm (or all)`)
}

func TestChanged(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    []string
		wantErr string
	}{
		{"one name", "sdk", []string{"sdk"}, ""},
		{"comma separated, in graph order", "sdk, consensus", []string{"consensus", "sdk"}, ""},
		{"newline separated", "node\nsdk\n", []string{"node", "sdk"}, ""},
		{"repeats dropped", "node,node", []string{"node"}, ""},
		{"all", "all", DefaultGraph().Names(), ""},
		{"all among names", "sdk, all", DefaultGraph().Names(), ""},
		{"unknown name", "consensus, wallet",
			nil, `input changed: names unknown component "wallet"; known components: consensus, protocol, node, sdk, governance, bllvm (or all)`},
		{"every unknown name", "wallet, Node",
			nil, `input changed: names unknown component "wallet", "Node"; known components: consensus, protocol, node, sdk, governance, bllvm (or all)`},
		{"empty", " \n, ",
			nil, "input changed: must name at least one component, or all; known components: consensus, protocol, node, sdk, governance, bllvm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Changed(DefaultGraph(), tt.input)
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestChangedListsAtMostTwentyNames(t *testing.T) {
	g, err := New(randomDAG(100, 0, 1))
	require.NoError(t, err)
	_, err = Changed(g, "nope")
	assert.Contains(t, err.Error(), "and 80 more (or all)")
}

func TestChangedFromEvent(t *testing.T) {
	all := DefaultGraph().Names()
	tests := []struct {
		name      string
		eventName string
		eventType string
		want      []string
	}{
		{"build_consensus", "repository_dispatch", "build_consensus", []string{"consensus"}},
		{"build_protocol", "repository_dispatch", "build_protocol", []string{"protocol"}},
		{"build_node", "repository_dispatch", "build_node", []string{"node"}},
		{"build_sdk", "repository_dispatch", "build_sdk", []string{"sdk"}},
		{"build_governance", "repository_dispatch", "build_governance", []string{"governance"}},
		{"build_bllvm: the orchestrator's own crate", "repository_dispatch", "build_bllvm", []string{"bllvm"}},
		{"build_all", "repository_dispatch", "build_all", all},
		{"unknown component builds all", "repository_dispatch", "build_unknown", all},
		{"other dispatch type builds all", "repository_dispatch", "deploy", all},
		{"empty dispatch type builds all", "repository_dispatch", "", all},
		{"schedule", "schedule", "", all},
		{"workflow_dispatch", "workflow_dispatch", "", all},
		{"workflow_dispatch of one component", "workflow_dispatch", "build_sdk", []string{"sdk"}},
		{"workflow_dispatch of all", "workflow_dispatch", "build_all", all},
		{"workflow_run", "workflow_run", "", all},
		{"push", "push", "", all},
		{"type ignored outside repository_dispatch", "push", "build_sdk", all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ChangedFromEvent(DefaultGraph(), tt.eventName, tt.eventType))
		})
	}
}

func TestMatrix(t *testing.T) {
	g, err := Parse(readTestdata(t, "diamond.yaml"))
	require.NoError(t, err)
	r, err := g.Plan([]string{"protocol"})
	require.NoError(t, err)
	got, err := r.Matrix(g, nil)
	require.NoError(t, err)
	assert.JSONEq(t, `{"include":[
		{"component":"protocol","repository":"bllvm-protocol","wave":1},
		{"component":"wallet","repository":"bllvm-wallet-rs","wave":2},
		{"component":"node","repository":"bllvm-node","wave":2},
		{"component":"app","repository":"governance-app","wave":3}]}`, string(got))

	_, err = r.Matrix(DefaultGraph(), nil)
	assert.EqualError(t, err, "render matrix: component wallet is not in the graph")

	// Pinned commits go into each job; a component without one has no sha.
	pins := map[string]string{"protocol": "1111111111111111111111111111111111111111", "node": "2222222222222222222222222222222222222222"}
	got, err = r.Matrix(g, pins)
	require.NoError(t, err)
	assert.JSONEq(t, `{"include":[
		{"component":"protocol","repository":"bllvm-protocol","wave":1,"sha":"1111111111111111111111111111111111111111"},
		{"component":"wallet","repository":"bllvm-wallet-rs","wave":2},
		{"component":"node","repository":"bllvm-node","wave":2,"sha":"2222222222222222222222222222222222222222"},
		{"component":"app","repository":"governance-app","wave":3}]}`, string(got))
}

func TestDispatched(t *testing.T) {
	tests := []struct {
		name                 string
		eventName, eventType string
		repo                 string
		want                 string
		wantErr              string
	}{
		{"repo and type agree", "repository_dispatch", "build_consensus", "bllvm-consensus", "consensus", ""},
		{"owner/name repo", "repository_dispatch", "build_governance", "BTCDecoded/bllvm-commons", "governance", ""},
		{"the orchestrator's own crate", "repository_dispatch", "build_bllvm", "BTCDecoded/bllvm", "bllvm", ""},
		{"repo alone", "repository_dispatch", "custom", "bllvm-node", "node", ""},
		{"type alone", "repository_dispatch", "build_sdk", "", "sdk", ""},
		{"build_all from the orchestrator pins its own crate", "repository_dispatch", "build_all", "bllvm", "bllvm", ""},
		{"build_all without a repo", "repository_dispatch", "build_all", "", "", ""},
		{"unknown type, unknown repo", "repository_dispatch", "build_wallet", "bllvm-wallet", "", ""},
		{"not a dispatch", "push", "build_consensus", "bllvm-consensus", "", ""},
		{"a workflow_dispatch's component", "workflow_dispatch", "build_node", "", "node", ""},
		{"a workflow_dispatch of all", "workflow_dispatch", "build_all", "", "", ""},
		{"repo of no component", "repository_dispatch", "build_consensus", "governance-app", "",
			`read the repository_dispatch: client_payload.repo "governance-app" is not the repository of component consensus (bllvm-consensus)`},
		{"repo and type disagree", "repository_dispatch", "build_consensus", "bllvm-node", "",
			`read the repository_dispatch: client_payload.repo "bllvm-node" is component node, but the event type build_consensus names component consensus`},
		{"a crafted repo is quoted", "repository_dispatch", "build_consensus", "x\n::error::y", "",
			`read the repository_dispatch: client_payload.repo "x\n::error::y" is not the repository of component consensus (bllvm-consensus)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DefaultGraph().Dispatched(tt.eventName, tt.eventType, tt.repo, "client_payload.repo")
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestOutputsOfEmptyPlan(t *testing.T) {
	r, err := DefaultGraph().Plan(nil)
	require.NoError(t, err)
	got, err := r.Outputs(DefaultGraph(), nil)
	require.NoError(t, err)
	assert.Equal(t, Outputs{Components: "[]", Waves: "[]", BuildAll: "false", Matrix: `{"include":[]}`}, got)
}

func TestLoad(t *testing.T) {
	files := map[string][]byte{
		"graph.yml": []byte("a: {}\nb: {depends-on: [a]}\n"),
		"bad.yml":   []byte("a: {}\nb: {depends_on: [a]}\n"),
	}
	readFile := func(path string) ([]byte, error) {
		if data, ok := files[path]; ok {
			return data, nil
		}
		if path == "outside.yml" {
			return nil, inputs.Errorf("graph", "outside.yml is outside the workspace")
		}
		return nil, os.ErrNotExist
	}
	tests := []struct {
		name      string
		input     string
		wantNames []string
		wantErr   string
	}{
		{"empty is the default graph", " ", DefaultGraph().Names(), ""},
		{"inline text", "x: {}\ny: {depends-on: [x]}", []string{"x", "y"}, ""},
		{"file", "@graph.yml", []string{"a", "b"}, ""},
		{"file with spaces", " @ graph.yml\n", []string{"a", "b"}, ""},
		{"missing file", "@nope.yml", nil, "input graph: read nope.yml: file does not exist"},
		{"no path", "@", nil, "input graph: must name a file after @, such as @.github/build-graph.yml"},
		// A file's errors say where, not what: @path may name any file.
		{"bad file names itself and the line", "@bad.yml",
			nil, `input graph: bad.yml: line 2: this component has an unknown key (did you mean depends-on?); the allowed keys are repository, branch, depends-on, ci and assets`},
		{"reader's own rule passes as it is", "@outside.yml", nil, "input graph: outside.yml is outside the workspace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Load(tt.input, readFile)
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantNames, g.Names())
		})
	}
}

// flatten lists the components of waves in order, [] for none.
func flatten(waves [][]string) []string {
	return append([]string{}, slices.Concat(waves...)...)
}

// assertTopological checks that a plan lists every component after its
// dependencies, in a later wave, and each component once.
func assertTopological(t testing.TB, g *Graph, r Result) {
	t.Helper()
	position := make(map[string]int, len(r.Components))
	for i, name := range r.Components {
		if _, dup := position[name]; dup {
			t.Fatalf("component %s planned twice", name)
		}
		position[name] = i
	}
	waveOf := make(map[string]int, len(r.Components))
	var flat []string
	for w, wave := range r.Waves {
		for _, name := range wave {
			waveOf[name] = w
			flat = append(flat, name)
		}
	}
	if !slices.Equal(flat, r.Components) {
		t.Fatalf("waves %v do not flatten to components %v", r.Waves, r.Components)
	}
	for _, name := range r.Components {
		c, ok := g.Component(name)
		if !ok {
			t.Fatalf("planned component %s is not in the graph", name)
		}
		for _, dep := range c.DependsOn {
			if p, in := position[dep]; in {
				if p > position[name] || waveOf[dep] >= waveOf[name] {
					t.Fatalf("%s is planned before its dependency %s", name, dep)
				}
			}
		}
	}
	// Everything downstream of a planned component is planned too.
	for _, c := range g.Components() {
		if _, in := position[c.Name]; in {
			continue
		}
		for _, dep := range c.DependsOn {
			if _, in := position[dep]; in {
				t.Fatalf("%s depends on planned %s but is left out", c.Name, dep)
			}
		}
	}
}

func TestUpstream(t *testing.T) {
	g, err := Parse(readTestdata(t, "diamond.yaml"))
	require.NoError(t, err)
	tests := []struct {
		component string
		want      []string
	}{
		{"app", []string{"consensus", "protocol", "wallet", "node"}},
		{"protocol", []string{"consensus"}},
		{"consensus", nil},
		{"unknown", nil},
	}
	for _, tt := range tests {
		t.Run(tt.component, func(t *testing.T) {
			assert.Equal(t, tt.want, g.Upstream(tt.component))
		})
	}
	assert.Equal(t, []string{"consensus", "protocol", "node", "sdk"}, DefaultGraph().Upstream("governance"))
}
