package plan

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestOutputsGolden renders the four step outputs of a few plans into
// testdata/plan/<name>.golden; refresh with go test ./internal/plan -update.
func TestOutputsGolden(t *testing.T) {
	tests := []struct {
		name    string
		graph   string // file under testdata/plan; empty: the default graph
		changed string
	}{
		{"default-consensus", "", "consensus"},
		{"default-sdk", "", "sdk"},
		{"default-node", "", "node"},
		{"diamond-yaml-protocol", "diamond.yaml", "protocol"},
		{"diamond-json-node-wallet", "diamond.json", "wallet\nnode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := DefaultGraph()
			if tt.graph != "" {
				var err error
				g, err = Parse(readTestdata(t, tt.graph))
				require.NoError(t, err)
			}
			changed, err := Changed(g, tt.changed)
			require.NoError(t, err)
			r, err := g.Plan(changed)
			require.NoError(t, err)
			out, err := r.Outputs(g, nil)
			require.NoError(t, err)
			got := fmt.Sprintf("components=%s\nwaves=%s\nbuild-all=%s\nmatrix=%s\n", out.Components, out.Waves, out.BuildAll, out.Matrix)
			assertGolden(t, tt.name+".golden", got)
		})
	}
}

func assertGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "plan", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./internal/plan -update to create %s", path)
	assert.Equal(t, string(want), got)
}
