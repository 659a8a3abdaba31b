package plan

import (
	"encoding/json"
	"errors"
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
