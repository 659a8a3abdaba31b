package prerelease

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
	"github.com/BTCDecoded/release-action/internal/plan"
)

func sha(c byte) string { return strings.Repeat(string(c), 40) }

// chain is the default graph's snapshot, every component at sha(c).
func chain(shas map[string]byte, rebuilt ...string) manifest.Manifest {
	var m manifest.Manifest
	for _, c := range plan.DefaultGraph().Components() {
		m = append(m, manifest.Entry{Component: c.Name, Repository: "BTCDecoded/" + c.Repository, SHA: sha(shas[c.Name]), Rebuilt: contains(rebuilt, c.Name)})
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

func TestOwnerOf(t *testing.T) {
	m := chain(map[string]byte{"consensus": 'a', "protocol": 'a', "node": 'a', "sdk": 'a', "governance": 'a', "bllvm": 'a'})
	tests := []struct{ name, want string }{
		{"consensus-linux-x64.tar.gz", "consensus"},
		{"bllvm-consensus-linux-x64.tar.gz", "consensus"},
		{"governance-app-image.tar", "governance"},
		{"governance-linux.tar.gz", "governance"},
		{"node", ""},
		// bllvm, the orchestrator's own crate, owns the release's headline archives.
		{"bllvm-nightly-20251117-b11b11b-linux-x64.tar.gz", "bllvm"},
		{"bllvm-node-linux-x64.tar.gz", "node"},
		{"bllvm-commons-linux.tar.gz", "governance"},
		{"SHA256SUMS", ""},
		{"manifest.json", ""},
		{"bllvm-sdk-x", "sdk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ownerOf(tt.name, m))
		})
	}
	// The longest prefix wins: a component named after another's repository.
	odd := manifest.Manifest{{Component: "bllvm", Repository: "o/bllvm"}, {Component: "node", Repository: "o/bllvm-node"}}
	assert.Equal(t, "node", ownerOf("bllvm-node-x.tar.gz", odd))
	assert.Equal(t, "bllvm", ownerOf("bllvm-x.tar.gz", odd))
}

// TestOwnerOfDoesNotDependOnOrder: two components claiming a name equally
// make it no one's, whichever comes first, and checkOwners says so naming
// both.
func TestOwnerOfDoesNotDependOnOrder(t *testing.T) {
	governance := manifest.Entry{Component: "governance", Repository: "o/governance-app"}
	app := manifest.Entry{Component: "governance-app", Repository: "o/bllvm-governance-app"}
	for _, m := range []manifest.Manifest{{governance, app}, {app, governance}} {
		assert.Equal(t, "", ownerOf("governance-app-image.tar.gz", m))
		err := checkOwners([]string{"governance-linux.tar.gz", "governance-app-image.tar.gz"}, m)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "asset governance-app-image.tar.gz belongs to no one component:")
		assert.Contains(t, err.Error(), "governance and governance-app claim it equally")
		assert.Equal(t, "governance", ownerOf("governance-linux.tar.gz", m), "a name one component claims alone is still its")
		assert.Equal(t, "governance-app", ownerOf("bllvm-governance-app-x.zip", m))
	}
	assert.NoError(t, checkOwners([]string{"governance-linux.tar.gz", "other.txt"}, manifest.Manifest{governance, app}))
}

func TestUnchanged(t *testing.T) {
	before := chain(map[string]byte{"consensus": 'a', "protocol": 'a', "node": 'a', "sdk": 'a', "governance": 'a', "bllvm": 'a'})
	sdkMoved := chain(map[string]byte{"consensus": 'a', "protocol": 'a', "node": 'a', "sdk": 'b', "governance": 'a', "bllvm": 'a'}, "sdk", "governance")
	tests := []struct {
		name      string
		now       manifest.Manifest
		before    manifest.Manifest
		component string
		want      string
	}{
		{"upstream of the change", sdkMoved, before, "node", ""},
		{"the first component", sdkMoved, before, "consensus", ""},
		{"its own commit moved", sdkMoved, before, "sdk", "its commit moved (bbbbbbb, was aaaaaaa)"},
		{"what it depends on moved", sdkMoved, before, "governance", "sdk, which it depends on, moved (bbbbbbb, was aaaaaaa)"},
		{"no previous manifest", sdkMoved, nil, "node", "the previous nightly records no manifest"},
		{"not in the previous manifest", sdkMoved, before[:2], "node", "node is not in both manifests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, unchanged(plan.DefaultGraph(), tt.now, tt.before, tt.component))
		})
	}
	assert.Equal(t, "the graph has no component wallet", unchanged(plan.DefaultGraph(), manifest.Manifest{{Component: "wallet", Repository: "o/w", SHA: sha('a')}}, manifest.Manifest{{Component: "wallet", Repository: "o/w", SHA: sha('a')}}, "wallet"))
}

func TestChecksumsText(t *testing.T) {
	got := checksumsText([]string{"b.tar.gz", "manifest.json", "a.tar.gz"},
		[]string{"sha256:" + strings.Repeat("b", 64), "sha256:" + strings.Repeat("c", 64), "sha256:" + strings.Repeat("a", 64)})
	assert.Equal(t, strings.Repeat("a", 64)+"  a.tar.gz\n"+strings.Repeat("b", 64)+"  b.tar.gz\n"+strings.Repeat("c", 64)+"  manifest.json\n", got,
		"sha256sum's format, sorted by name")
}

func TestWriteManifestIsStable(t *testing.T) {
	workspace := t.TempDir()
	o := Options{Owner: "BTCDecoded", Repo: "bllvm", Tag: "nightly-20251118-b11b11b", Workspace: workspace}
	s := snapshot{commit: sha('b'), manifest: chain(map[string]byte{"consensus": 'a', "protocol": 'a', "node": 'a', "sdk": 'a', "governance": 'a', "bllvm": 'a'}, "consensus")}
	first, err := writeManifest(o, s)
	require.NoError(t, err)
	data, err := os.ReadFile(first.Path)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(workspace, Dir, ManifestAsset), first.Path)
	assert.Equal(t, int64(len(data)), first.Size)
	assert.Contains(t, string(data), `"tag": "nightly-20251118-b11b11b"`)
	assert.Contains(t, string(data), `"repository": "BTCDecoded/bllvm"`)
	assert.Contains(t, string(data), `"commit": "`+sha('b')+`"`)
	back, err := manifest.Parse("manifest.json", extractComponents(t, data))
	require.NoError(t, err)
	assert.Equal(t, s.manifest, back)

	again, err := writeManifest(o, s)
	require.NoError(t, err)
	data2, err := os.ReadFile(again.Path)
	require.NoError(t, err)
	assert.Equal(t, data, data2, "a rerun writes the same bytes, so the asset's digest does not change")
}

// extractComponents returns the components object of manifest.json.
func extractComponents(t *testing.T, data []byte) string {
	t.Helper()
	i := strings.Index(string(data), `"components": `)
	require.GreaterOrEqual(t, i, 0)
	rest := strings.TrimSpace(string(data[i+len(`"components": `):]))
	return strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(rest, "}")), "\n")
}

func TestSyncAssetsCarriesOver(t *testing.T) {
	from := github.Asset{ID: 7, Name: "node-linux.tar.gz", State: stateUploaded, Size: 3, Digest: digestOf("old")}
	files := []File{{Name: from.Name, Size: from.Size, From: &from}}

	store := &fakeStore{}
	got, err := SyncAssets(context.Background(), store, 1, nil, files, 2, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"copy node-linux.tar.gz as node-linux.tar.gz"}, store.seen())
	assert.Equal(t, []string{from.Digest}, got.Digests, "the original's digest, nothing read")

	// A rerun: the copy is there with the same digest, nothing is sent.
	again := &fakeStore{assets: store.list()}
	got, err = SyncAssets(context.Background(), again, 1, again.list(), files, 2, nil)
	require.NoError(t, err)
	assert.Empty(t, again.seen())
	assert.Equal(t, []string{from.Name}, got.Skipped)
	assert.Equal(t, []string{from.Digest}, got.Digests)
}

// TestCarryOverRefusesCraftedAnswers: the name and digest of a carried
// asset come from GitHub's answer and go into SHA256SUMS and the log as
// they are; one GitHub would never give is refused, not listed.
func TestCarryOverRefusesCraftedAnswers(t *testing.T) {
	heads := map[string]byte{"consensus": 'a', "protocol": 'a', "node": 'a', "sdk": 'a', "governance": 'a', "bllvm": 'a'}
	now := chain(heads, "sdk", "governance")
	before := chain(heads)
	good := digestOf("node build")
	tests := []struct {
		name    string
		asset   github.Asset
		wantErr string
	}{
		{"a plain asset is carried", github.Asset{ID: 1, Name: "node-linux.tar.gz", State: stateUploaded, Size: 10, Digest: good}, ""},
		{"a name with a line break", github.Asset{ID: 2, Name: "node-x\nffff  evil", State: stateUploaded, Size: 10, Digest: good}, "not a name GitHub gives assets"},
		{"a digest that is not SHA-256", github.Asset{ID: 3, Name: "node-linux.tar.gz", State: stateUploaded, Size: 10, Digest: "sha256:zz\n"}, "not sha256:<64 hex>"},
		{"no digest", github.Asset{ID: 4, Name: "node-linux.tar.gz", State: stateUploaded, Size: 10}, "reports no digest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := sources{base: nightly.Tag{Name: "nightly-20251117-b11b11b"}, baseManifest: before, baseAssets: []github.Asset{tt.asset}}
			carried, _, err := carryOver(Options{Graph: plan.DefaultGraph()}, snapshot{manifest: now}, src, nil)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				assert.Empty(t, carried)
				return
			}
			require.NoError(t, err)
			require.Len(t, carried, 1)
			assert.Equal(t, tt.asset.Name, carried[0].Name)
		})
	}
}

// compareAnswer plays GET compare/{base}...{head} with one answer.
type compareAnswer struct {
	ahead, behind int
	err           error
}

func (a compareAnswer) CompareCommits(context.Context, string, string, string, string, *gh.ListOptions) (*gh.CommitsComparison, *gh.Response, error) {
	if a.err != nil {
		return nil, nil, a.err
	}
	return &gh.CommitsComparison{AheadBy: gh.Int(a.ahead), BehindBy: gh.Int(a.behind)}, nil, nil
}

func TestChangeSince(t *testing.T) {
	before := chain(map[string]byte{"consensus": 'a', "protocol": 'a', "node": 'a', "sdk": 'a', "governance": 'a', "bllvm": 'a'})
	now := chain(map[string]byte{"consensus": 'a', "protocol": 'a', "node": 'b', "sdk": 'a', "governance": 'a', "bllvm": 'a'})
	node, _ := now.Lookup("node")
	link := "](https://github.com/BTCDecoded/bllvm-node/compare/" + sha('a') + "..." + sha('b') + ")"
	status := func(code int) error {
		return &gh.ErrorResponse{Response: &http.Response{StatusCode: code, Request: &http.Request{Method: "GET", URL: &url.URL{}}}}
	}
	tests := []struct {
		name     string
		answer   compareAnswer
		want     string
		wantNote string
	}{
		{"counted", compareAnswer{ahead: 3}, "[3 commits" + link, ""},
		{"one", compareAnswer{ahead: 1}, "[1 commit" + link, ""},
		{"one back: singular too", compareAnswer{behind: 1}, "[1 commit back" + link, ""},
		{"one ahead of a divergence", compareAnswer{ahead: 1, behind: 1}, "[1 commit, 1 dropped (diverged)" + link, ""},
		{"diverged", compareAnswer{ahead: 2, behind: 1}, "[2 commits, 1 dropped (diverged)" + link, ""},
		{"a component the token cannot read: linked, not counted", compareAnswer{err: status(http.StatusNotFound)}, "[changed" + link + " (not counted: the token cannot read BTCDecoded/bllvm-node)", "the token cannot read BTCDecoded/bllvm-node"},
		{"forbidden alike", compareAnswer{err: status(http.StatusForbidden)}, "[changed" + link + " (not counted: the token cannot read BTCDecoded/bllvm-node)", "the token cannot read"},
		{"GitHub failing: not counted either, never a failed publish", compareAnswer{err: status(http.StatusBadGateway)}, "[changed" + link + " (not counted: GitHub could not compare them)", "GitHub could not compare them"},
		{"a diff too large for GitHub (422)", compareAnswer{err: status(http.StatusUnprocessableEntity)}, "[changed" + link + " (not counted: GitHub could not compare them)", "the notes do not count the commits of node since aaaaaaa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, note := changeSince(context.Background(), Client{Compare: tt.answer}, "https://github.com", node, before)
			assert.Equal(t, tt.want, got)
			if tt.wantNote == "" {
				assert.Empty(t, note)
			} else {
				assert.Contains(t, note, tt.wantNote)
			}
		})
	}
}
