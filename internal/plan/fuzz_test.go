package plan

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/BTCDecoded/release-action/internal/inputs"
)

// FuzzParse checks that Parse never panics, fails only with an input error,
// and that whatever it accepts plans: for all, and for the first component.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		string(readTestdata(f, "default.yaml")),
		string(readTestdata(f, "diamond.yaml")),
		string(readTestdata(f, "diamond.json")),
		"consensus: {depends-on: [protocol]}\nprotocol: {depends-on: [consensus]}\n",
		"a: {}\nb: {depends-on: [a, d]}\nc: {depends-on: [b]}\nd: {depends-on: [c]}\n",
		"consensus: {depends-on: [consensus]}\n",
		`{"a": {}, "b": {"depends-on": ["a"], "repository": "bllvm\/b"}}`,
		"a: &x {}\nb: {depends-on: &l [a]}\nc: {depends-on: *l}\n",
		"{a: {}, b: {depends-on: [a]}}",
		"protocol: {depends_on: [consensus]}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Parse(data)
		if err != nil {
			var inputErr *inputs.Error
			if !errors.As(err, &inputErr) || inputErr.Input != "graph" {
				t.Fatalf("error is not an input error of graph: %v", err)
			}
			return
		}
		all, err := Changed(g, All)
		if err != nil {
			t.Fatalf("changed all: %v", err)
		}
		for _, changed := range [][]string{all, all[:1]} {
			r, err := g.Plan(changed)
			if err != nil {
				t.Fatalf("plan %v: %v", changed, err)
			}
			assertTopological(t, g, r)
			if len(changed) == len(all) && (!r.BuildAll || len(r.Components) != len(all)) {
				t.Fatalf("plan of all has %d of %d components", len(r.Components), len(all))
			}
			out, err := r.Outputs(g, nil)
			if err != nil {
				t.Fatalf("outputs: %v", err)
			}
			if !json.Valid([]byte(out.Matrix)) || !json.Valid([]byte(out.Components)) || !json.Valid([]byte(out.Waves)) {
				t.Fatalf("outputs are not JSON: %+v", out)
			}
		}
	})
}

// FuzzCargoEdges checks that a component's Cargo.toml, whatever it holds,
// never panics the reader, and that what it accepts is a graph of the
// same components whose new edges name only known components, and whose
// warnings and errors are single lines (a file cannot start a line of the
// log).
func FuzzCargoEdges(f *testing.F) {
	for _, seed := range []string{
		realCargo["sdk"],
		"[dependencies]\nbllvm-node = \"0.1\"\n[patch.crates-io]\nbllvm-node = { path = \"../bllvm-node\" }\n",
		"[target.'cfg(unix)'.dependencies]\nx = { path = \"../bllvm-protocol/crates/x\" }\n",
		"[dependencies]\n\"a\\nb\" = { path = \"../\\n::error::x\" }\n",
		"[dependencies]\nbllvm-consensus = { path = \"../bllvm-consensus\" }\n[build-dependencies]\ny = { path = \"../../y\" }\n",
		"a = [[[[{b = '''[[['''}]]]]\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, warnings, err := WithCargoEdges(loadCargo(t), cargoManifests(map[string]string{"sdk": string(data)}))
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("error of more than one line: %q", err)
			}
			return
		}
		for _, w := range warnings {
			if strings.ContainsAny(w, "\r\n") {
				t.Fatalf("warning of more than one line: %q", w)
			}
		}
		if got, want := g.Names(), DefaultGraph().Names(); !slices.Equal(got, want) {
			t.Fatalf("components %v, want %v", got, want)
		}
		sdk, _ := g.Component("sdk")
		for _, dep := range sdk.DependsOn {
			if _, ok := g.Component(dep); !ok || dep == "sdk" {
				t.Fatalf("sdk depends on %q", dep)
			}
		}
		if _, err := g.Plan([]string{All}); err != nil {
			t.Fatalf("plan: %v", err)
		}
	})
}
