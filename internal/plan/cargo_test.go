package plan

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// realCargo is BTCDecoded's layout as their Cargo.toml files have it
// (November 2025): each crate depends by path on the sibling folder of
// the repository it is built against.
var realCargo = map[string]string{
	"consensus": `[package]
name = "bllvm-consensus"
version = "0.1.0"
edition = "2021"

[dependencies]
secp256k1 = { version = "0.28", features = ["recovery"] }
sha2 = "0.10"

[dev-dependencies]
proptest = "1"
`,
	"protocol": `[package]
name = "bllvm-protocol"
version = "0.1.0"

[dependencies]
bllvm-consensus = { path = "../bllvm-consensus" }
serde = { version = "1", features = ["derive"] }
`,
	"node": `[package]
name = "bllvm-node"
version = "0.1.0"

[[bin]]
name = "convert-bitcoin-core-config"
path = "src/bin/convert.rs"

[dependencies]
bllvm-protocol = { path = "../bllvm-protocol", features = ["production"] }
tokio = { version = "1", features = ["full"] }
`,
	"sdk": `[package]
name = "bllvm-sdk"
version = "0.1.0"

[dependencies]
bllvm-node = { path = "../bllvm-node/" }
`,
	"governance": `[package]
name = "bllvm-commons"
version = "0.1.0"

[dependencies.bllvm-sdk]
path = "../bllvm-sdk"
`,
	"bllvm": `[package]
name = "bllvm"
version = "0.1.0"

[dependencies]
bllvm-node = { path = "../bllvm-node" }
clap = "4"
`,
}

// loadCargo is the graph of graph: cargo.
func loadCargo(tb testing.TB) *Graph {
	tb.Helper()
	g, err := Load(Cargo, nil)
	require.NoError(tb, err)
	return g
}

// cargoManifests are realCargo with the given components' files replaced.
func cargoManifests(changes map[string]string) []CargoManifest {
	var out []CargoManifest
	for _, c := range DefaultGraph().Components() {
		data, ok := changes[c.Name]
		if !ok {
			data = realCargo[c.Name]
		}
		out = append(out, CargoManifest{Component: c.Name, File: "BTCDecoded/" + c.Repository + "/Cargo.toml at 1a2b3c4", Data: []byte(data)})
	}
	return out
}

func dependsOn(t *testing.T, g *Graph) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, c := range g.Components() {
		out[c.Name] = c.DependsOn
	}
	return out
}

// The real layout gives exactly the default graph.
func TestCargoEdgesOfTheRealLayout(t *testing.T) {
	g, warnings, err := WithCargoEdges(loadCargo(t), cargoManifests(nil))
	require.NoError(t, err)
	assert.Empty(t, warnings)
	assert.Equal(t, DefaultGraph().Components(), g.Components())
	got, err := g.Plan([]string{"consensus"})
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"consensus"}, {"protocol"}, {"node"}, {"sdk", "bllvm"}, {"governance"}}, got.Waves)
}

func TestCargoEdges(t *testing.T) {
	tests := []struct {
		name         string
		component    string
		cargo        string
		wantDeps     []string
		wantWarnings []string
	}{
		{"moved to crates.io, patched back to the sibling: the edge stays", "sdk", `[package]
name = "bllvm-sdk"
[dependencies]
bllvm-node = "0.1.1"
[patch.crates-io]
bllvm-node = { path = "../bllvm-node" }
`, []string{"node"}, nil},
		{"moved to crates.io without a patch: the edge goes", "sdk", `[package]
name = "bllvm-sdk"
[dependencies]
bllvm-node = "0.1.1"
`, nil, nil},
		{"a dev-dependency takes no part in a release build", "sdk", `[dependencies]
[dev-dependencies]
bllvm-node = { path = "../bllvm-node" }
`, nil, nil},
		{"a build-dependency does", "sdk", `[build-dependencies]
bllvm-node = { path = "../bllvm-node" }
`, []string{"node"}, nil},
		{"a target's dependencies do", "bllvm", `[target.'cfg(unix)'.dependencies]
bllvm-protocol = { path = "../bllvm-protocol" }
[target.x86_64-pc-windows-gnu.dependencies]
bllvm-node = { path = "../bllvm-node" }
`, []string{"protocol", "node"}, nil},
		{"a crate inside a sibling repository is that repository", "bllvm", `[dependencies]
node-rpc = { path = "../bllvm-node/crates/rpc" }
`, []string{"node"}, nil},
		{"a crate of its own repository draws no edge", "bllvm", `[dependencies]
bllvm-node = { path = "../bllvm-node" }
bllvm-cli = { path = "crates/cli" }
self-again = { path = "../bllvm/crates/x" }
`, []string{"node"}, nil},
		{"a repeated dependency is one edge, in the graph's order", "governance", `[dependencies]
bllvm-sdk = { path = "../bllvm-sdk" }
bllvm-protocol = { path = "../bllvm-protocol" }
[patch.crates-io]
bllvm-sdk = { path = "../bllvm-sdk" }
`, []string{"protocol", "sdk"}, nil},
		{"a path naming no known repository warns, naming the file and the key", "sdk", `[dependencies]
bllvm-node = { path = "../bllvm-node" }
wallet = { path = "../bllvm-wallet" }
[patch.crates-io]
old = { path = "../../elsewhere/old" }
`, []string{"node"}, []string{
			"BTCDecoded/bllvm-sdk/Cargo.toml at 1a2b3c4: [dependencies] wallet has path ../bllvm-wallet, which names no repository of the graph (known: bllvm-consensus, bllvm-protocol, bllvm-node, bllvm-sdk, bllvm-commons, bllvm); no edge is drawn for it",
			"BTCDecoded/bllvm-sdk/Cargo.toml at 1a2b3c4: [patch.crates-io] old has path ../../elsewhere/old, which names no repository",
		}},
		{"a crafted key or path is quoted, never a command", "sdk", "[dependencies]\n\"x\\n::error::y\" = { path = \"../\\n::warning::z\" }\n", nil, []string{
			`[dependencies] "x\n::error::y" has path "../\n::warning::z", which names no repository`,
		}},
		{"brackets in strings and comments are not nesting", "sdk", "description = \"" + strings.Repeat("[", 100) + "\"\nnotes = '''\n" + strings.Repeat("{", 100) + "\n'''\n# " + strings.Repeat("[", 100) + "\n[dependencies]\nbllvm-node = { path = \"../bllvm-node\" }\n", []string{"node"}, nil},
		{"an absolute path names no repository", "sdk", `[dependencies]
bllvm-node = { path = "/home/ci/bllvm-node" }
`, nil, []string{"[dependencies] bllvm-node has path /home/ci/bllvm-node, which names no repository"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, warnings, err := WithCargoEdges(loadCargo(t), cargoManifests(map[string]string{tt.component: tt.cargo}))
			require.NoError(t, err)
			assert.Equal(t, tt.wantDeps, dependsOn(t, g)[tt.component])
			require.Len(t, warnings, len(tt.wantWarnings), "%q", warnings)
			for i, want := range tt.wantWarnings {
				assert.Contains(t, warnings[i], want)
				assert.NotContains(t, warnings[i], "\n", "a warning is one line")
			}
			// The other components keep the real layout's edges.
			for name, deps := range dependsOn(t, DefaultGraph()) {
				if name != tt.component {
					assert.Equal(t, deps, dependsOn(t, g)[name], "%s", name)
				}
			}
		})
	}
}

// Dropping sdk's dependency on node takes sdk and governance out of a
// node change's plan.
func TestCargoEdgesDecideThePlan(t *testing.T) {
	g, _, err := WithCargoEdges(loadCargo(t), cargoManifests(map[string]string{"sdk": "[dependencies]\nbllvm-node = \"0.1.1\"\n"}))
	require.NoError(t, err)
	got, err := g.Plan([]string{"node"})
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"node"}, {"bllvm"}}, got.Waves)
}

func TestCargoEdgesRefuse(t *testing.T) {
	tests := []struct {
		name      string
		component string
		cargo     string
		want      string
	}{
		{"not TOML: where, never what", "node", "[dependencies]\nbllvm-protocol = { path = \"../bllvm-protocol\" \nsecret = \"hunter2\"\n",
			"read BTCDecoded/bllvm-node/Cargo.toml at 1a2b3c4: not valid TOML at line 3, column "},
		{"too large", "node", "# " + strings.Repeat("x", MaxCargoManifest) + "\n",
			"read BTCDecoded/bllvm-node/Cargo.toml at 1a2b3c4: it is 1048579 bytes; at most 1048576 (1 MiB) are read"},
		{"a nesting bomb is refused before it is parsed", "node", "a = " + strings.Repeat("{b=", 300000),
			"read BTCDecoded/bllvm-node/Cargo.toml at 1a2b3c4: line 1 nests arrays or inline tables more than 32 deep"},
		{"a cycle", "consensus", "[dependencies]\nbllvm-node = { path = \"../bllvm-node\" }\n",
			"derive the graph from the Cargo.toml files' path dependencies: components depend on each other in a cycle: consensus → node → protocol → consensus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := WithCargoEdges(loadCargo(t), cargoManifests(map[string]string{tt.component: tt.cargo}))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "hunter2")
		})
	}
}

func TestLoadCargo(t *testing.T) {
	g, err := Load(" cargo\n", nil)
	require.NoError(t, err)
	assert.True(t, g.FromCargo())
	want := DefaultGraph().Components()
	for i := range want {
		want[i].DependsOn, want[i].CargoEdges = nil, true
	}
	assert.Equal(t, want, g.Components(), "the default graph's components, without edges until the files are read")
	assert.False(t, DefaultGraph().FromCargo())
	cargo, _, err := WithCargoEdges(g, cargoManifests(nil))
	require.NoError(t, err)
	assert.False(t, cargo.FromCargo(), "the edges are read")

	// A file for a component whose edges the graph gives, or none for one
	// whose edges Cargo.toml gives, is the caller's mistake.
	_, _, err = WithCargoEdges(DefaultGraph(), cargoManifests(nil))
	assert.ErrorContains(t, err, "component consensus is not one of the graph whose edges Cargo.toml gives")
	_, _, err = WithCargoEdges(g, cargoManifests(nil)[1:])
	assert.ErrorContains(t, err, "component consensus has no Cargo.toml read")
}

// depends-on: cargo reads one component's edges from its Cargo.toml, in a
// graph of one's own: renamed repositories are one line each.
func TestDependsOnCargo(t *testing.T) {
	g, err := Parse([]byte("consensus: {repository: blvm-consensus}\n" +
		"protocol: {repository: blvm-protocol, depends-on: cargo}\n" +
		"node: {repository: blvm-node, depends-on: [protocol]}\n"))
	require.NoError(t, err)
	assert.True(t, g.FromCargo())
	c, _ := g.Component("protocol")
	assert.True(t, c.CargoEdges)
	cargo, warnings, err := WithCargoEdges(g, []CargoManifest{{Component: "protocol", File: "o/blvm-protocol/Cargo.toml at 1a2b3c4",
		Data: []byte("[dependencies]\nblvm-consensus = { path = \"../blvm-consensus\" }\n")}})
	require.NoError(t, err)
	assert.Empty(t, warnings)
	assert.Equal(t, map[string][]string{"consensus": nil, "protocol": {"consensus"}, "node": {"protocol"}}, dependsOn(t, cargo))

	for _, bad := range []string{"a: {depends-on: carg}\n", "a: {depends-on: 3}\n"} {
		_, err := Parse([]byte(bad))
		assert.ErrorContains(t, err, "depends-on of component a must be a list of component names, such as [consensus], or cargo (read from its Cargo.toml)")
	}
}

func TestSiblingOf(t *testing.T) {
	tests := []struct {
		path       string
		repository string
		inside     bool
	}{
		{"../bllvm-node", "bllvm-node", false},
		{"../bllvm-node/", "bllvm-node", false},
		{"./../bllvm-node", "bllvm-node", false},
		{"../bllvm-node/crates/rpc", "bllvm-node", false},
		{"crates/rpc", "", true},
		{".", "", true},
		{"crates/../../bllvm-node", "bllvm-node", false},
		{"..", "", false},
		{"../..", "", false},
		{"../../x", "", false},
		{"/abs/bllvm-node", "", false},
		{"..\\bllvm-node", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			repository, inside := siblingOf(tt.path)
			assert.Equal(t, tt.repository, repository)
			assert.Equal(t, tt.inside, inside)
		})
	}
}
