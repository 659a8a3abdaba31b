package prerelease

import (
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
)

// versions-toml is valid TOML whatever a tag git takes holds, keys every
// repository once (by owner/name when two owners have one of that name),
// and says version, git_tag (where the tag is) and git_commit of each.
func TestVersionsTOML(t *testing.T) {
	const orchestrator = "BTCDecoded/bllvm"
	m := manifest.Manifest{
		{Component: "consensus", Repository: "BTCDecoded/bllvm-consensus", SHA: sha('a')},
		{Component: "node", Repository: "BTCDecoded/bllvm-node", SHA: sha('c')},
		{Component: "node-tools", Repository: "BTCDecoded/bllvm-node", SHA: sha('c')},
		{Component: "fork", Repository: "someone/bllvm-node", SHA: sha('d')},
	}
	type entry struct {
		Version   string `toml:"version"`
		GitTag    string `toml:"git_tag"`
		GitCommit string `toml:"git_commit"`
	}
	tests := []struct {
		name        string
		tag         string
		wantVersion string
	}{
		{"a version tag", "v0.2.0", "0.2.0"},
		{"no leading v", "2025.11", "2025.11"},
		{"a v that is not a version's", "very-good", "very-good"},
		{"quotes, a hash, braces and a letter of another alphabet", `v1"#{x}'é`, `1"#{x}'é`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := nightly.Base{Tag: "nightly-20251117-6113728", Commit: sha('f'), Manifest: m}
			tagged := func(repository, commit string) bool { return repository == "BTCDecoded/bllvm-node" }
			text := versionsTOML(tt.tag, orchestrator, from, tagged)
			var file struct {
				Versions map[string]entry `toml:"versions"`
			}
			meta, err := toml.Decode(text, &file)
			require.NoError(t, err, text)
			assert.Empty(t, meta.Undecoded())
			want := map[string]entry{
				"bllvm-consensus":       {tt.wantVersion, "", sha('a')},
				"BTCDecoded/bllvm-node": {tt.wantVersion, tt.tag, sha('c')},
				"someone/bllvm-node":    {tt.wantVersion, "", sha('d')},
				"bllvm":                 {tt.wantVersion, "", sha('f')},
			}
			assert.Equal(t, want, file.Versions, text)
			assert.True(t, strings.HasPrefix(text, "# Release "+tt.tag+" of "+orchestrator+", promoted from nightly-20251117-6113728"), text)
		})
	}
}
