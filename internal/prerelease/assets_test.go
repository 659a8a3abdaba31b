package prerelease

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/inputs"
)

// workspaceTree builds files (path → content) and symbolic links (path →
// target) under a new directory.
func workspaceTree(t *testing.T, files map[string]string, links map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	}
	for name, target := range links {
		require.NoError(t, os.Symlink(target, filepath.Join(root, filepath.FromSlash(name))))
	}
	return root
}

func TestResolveAssets(t *testing.T) {
	workspace := workspaceTree(t, map[string]string{
		"dist/bllvm-linux.tar.gz":     "linux",
		"dist/bllvm-mac.tar.gz":       "mac!",
		"dist/sub/deep/checksums.txt": "sums",
		"dist/sub/notes.md":           "notes",
		"docs/readme.md":              "readme",
		"my file (1).tar.gz":          "spaces",
		".config":                     "dotfile",
		"a/x.bin":                     "a",
		"b/x.bin":                     "b",
	}, map[string]string{
		"latest.tar.gz": "dist/bllvm-linux.tar.gz",
		"linkdir":       "dist",
		"dangling.bin":  "nowhere",
	})

	type want struct{ path, name string } // path relative to the workspace
	tests := []struct {
		name            string
		patterns        []string
		failOnUnmatched bool
		want            []want
		wantWarnings    []string
		wantErrs        []string // each must appear; every error is an inputs error
	}{
		{
			name:     "one file",
			patterns: []string{"dist/bllvm-linux.tar.gz"},
			want:     []want{{"dist/bllvm-linux.tar.gz", "bllvm-linux.tar.gz"}},
		},
		{
			name:     "star skips directories",
			patterns: []string{"dist/*"},
			want:     []want{{"dist/bllvm-linux.tar.gz", "bllvm-linux.tar.gz"}, {"dist/bllvm-mac.tar.gz", "bllvm-mac.tar.gz"}},
		},
		{
			name:     "doublestar reaches nested directories",
			patterns: []string{"dist/**/*.txt"},
			want:     []want{{"dist/sub/deep/checksums.txt", "checksums.txt"}},
		},
		{
			name:     "doublestar does not descend into linked directories",
			patterns: []string{"**/checksums.txt"},
			want:     []want{{"dist/sub/deep/checksums.txt", "checksums.txt"}},
		},
		{
			name:     "several patterns, as the caller split them, sorted by name",
			patterns: []string{"docs/*.md", "dist/*.tar.gz"},
			want: []want{
				{"dist/bllvm-linux.tar.gz", "bllvm-linux.tar.gz"}, {"dist/bllvm-mac.tar.gz", "bllvm-mac.tar.gz"},
				{"docs/readme.md", "readme.md"},
			},
		},
		{
			name:     "a file matched twice counts once",
			patterns: []string{"dist/*.tar.gz", "dist/bllvm-linux.*", "./dist/bllvm-linux.tar.gz"},
			want:     []want{{"dist/bllvm-linux.tar.gz", "bllvm-linux.tar.gz"}, {"dist/bllvm-mac.tar.gz", "bllvm-mac.tar.gz"}},
		},
		{
			name:     "absolute path inside the workspace",
			patterns: []string{filepath.Join(workspace, "docs", "readme.md")},
			want:     []want{{"docs/readme.md", "readme.md"}},
		},
		{
			name:     "link to a file is followed and keeps its own name",
			patterns: []string{"latest.tar.gz"},
			want:     []want{{"latest.tar.gz", "latest.tar.gz"}},
		},
		{
			name:     "names GitHub changes are warned about",
			patterns: []string{"my file (1).tar.gz", ".config"},
			want:     []want{{".config", "default.config"}, {"my file (1).tar.gz", "my.file.1.tar.gz"}},
			wantWarnings: []string{
				`asset ".config" will be named "default.config" by GitHub`,
				`asset "my file (1).tar.gz" will be named "my.file.1.tar.gz" by GitHub`,
			},
		},
		{
			name:         "unmatched pattern warns unless told to fail",
			patterns:     []string{"dist/*.zip", "docs/readme.md"},
			want:         []want{{"docs/readme.md", "readme.md"}},
			wantWarnings: []string{fmt.Sprintf(`pattern "dist/*.zip" matches no file in %s`, workspace)},
		},
		{
			name:            "unmatched pattern fails when told to",
			patterns:        []string{"dist/*.zip", "docs/readme.md"},
			failOnUnmatched: true,
			wantErrs:        []string{fmt.Sprintf(`input assets: pattern "dist/*.zip" matches no file in %s`, workspace)},
		},
		{
			name:            "a pattern matching only a directory is unmatched",
			patterns:        []string{"dist/sub"},
			failOnUnmatched: true,
			wantErrs:        []string{`pattern "dist/sub" matches no file`},
		},
		{
			name:     "invalid glob",
			patterns: []string{"dist/[.tar.gz"},
			wantErrs: []string{`input assets: pattern "dist/[.tar.gz" is not a valid glob`},
		},
		{
			name:     "dot-dot escapes the workspace",
			patterns: []string{"../secrets/*"},
			wantErrs: []string{`pattern "../secrets/*" must not contain ..`},
		},
		{
			name:     "dot-dot inside a pattern",
			patterns: []string{"dist/../../etc/passwd"},
			wantErrs: []string{`pattern "dist/../../etc/passwd" must not contain ..`},
		},
		{
			name:     "absolute path outside the workspace",
			patterns: []string{"/etc/passwd"},
			wantErrs: []string{`pattern "/etc/passwd" is outside the workspace ` + workspace},
		},
		{
			name:     "broken link found by a glob",
			patterns: []string{"dangling.*"},
			wantErrs: []string{`pattern "dangling.*" matches dangling.bin, which cannot be read: no such file or directory`},
		},
		{
			name:            "broken link named outright is unmatched",
			patterns:        []string{"dangling.bin"},
			failOnUnmatched: true,
			wantErrs:        []string{`pattern "dangling.bin" matches no file`},
		},
		{
			name:     "two files with one asset name",
			patterns: []string{"*/x.bin"},
			wantErrs: []string{`a/x.bin and b/x.bin would both be named "x.bin" on the release`},
		},
		{
			name:            "every problem at once",
			patterns:        []string{"../x", "nothing/*", "dist/[", "a/x.bin", "b/x.bin"},
			failOnUnmatched: true,
			wantErrs: []string{
				`pattern "../x" must not contain ..`,
				`pattern "nothing/*" matches no file`,
				`pattern "dist/[" is not a valid glob`,
				`a/x.bin and b/x.bin would both be named "x.bin"`,
			},
		},
		{name: "no patterns", patterns: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, warnings, err := ResolveAssets(workspace, tt.patterns, tt.failOnUnmatched)
			if len(tt.wantErrs) > 0 {
				require.Error(t, err)
				for _, want := range tt.wantErrs {
					assert.ErrorContains(t, err, want)
				}
				assertAllInputErrors(t, err)
				assert.Nil(t, files)
				return
			}
			require.NoError(t, err)
			var got []want
			for _, f := range files {
				rel, relErr := filepath.Rel(workspace, f.Path)
				require.NoError(t, relErr)
				assert.True(t, filepath.IsAbs(f.Path), f.Path)
				info, statErr := os.Stat(f.Path)
				require.NoError(t, statErr)
				assert.Equal(t, info.Size(), f.Size, f.Path)
				got = append(got, want{filepath.ToSlash(rel), f.Name})
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantWarnings, warnings)
		})
	}
}

func assertAllInputErrors(t *testing.T, err error) {
	t.Helper()
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		var inputErr *inputs.Error
		assert.ErrorAs(t, err, &inputErr)
		return
	}
	for _, e := range joined.Unwrap() {
		var inputErr *inputs.Error
		if assert.ErrorAs(t, e, &inputErr) {
			assert.Equal(t, "assets", inputErr.Input)
		}
	}
}

// TestResolveAssetsSizeLimit uses sparse files, which take no disk.
func TestResolveAssetsSizeLimit(t *testing.T) {
	tests := []struct {
		name    string
		size    int64
		wantErr string
	}{
		{"just under 2 GiB", 2<<30 - 1, ""},
		{"2 GiB", 2 << 30, "input assets: big.iso is 2.0 GiB (2147483648 bytes); GitHub takes assets under 2 GiB"},
		{"over 2 GiB", 3 << 30, "big.iso is 3.0 GiB (3221225472 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			workspace := workspaceTree(t, map[string]string{"big.iso": ""}, nil)
			require.NoError(t, os.Truncate(filepath.Join(workspace, "big.iso"), tt.size))
			files, _, err := ResolveAssets(workspace, []string{"*.iso"}, true)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Len(t, files, 1)
			assert.Equal(t, tt.size, files[0].Size)
		})
	}
}

func TestResolveAssetsCountLimit(t *testing.T) {
	tests := []struct {
		name    string
		count   int
		wantErr string
	}{
		{"1000 assets fit a release", 1000, ""},
		{"1001 do not", 1001, "input assets: the patterns match 1001 files; a GitHub release holds at most 1000 assets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			for i := range tt.count {
				files[fmt.Sprintf("out/part-%04d.bin", i)] = ""
			}
			workspace := workspaceTree(t, files, nil)
			got, _, err := ResolveAssets(workspace, []string{"out/*.bin"}, true)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Len(t, got, tt.count)
		})
	}
}

func TestGitHubAssetName(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"plain name kept", "bllvm-0.1.0_linux-x86_64.tar.gz", "bllvm-0.1.0_linux-x86_64.tar.gz"},
		{"plus and at kept", "pkg+build@2.tgz", "pkg+build@2.tgz"},
		{"case kept", "README.TXT", "README.TXT"},
		{"space", "my file.tar.gz", "my.file.tar.gz"},
		{"tilde (actions-gh-release#159)", "tobwen-1.1.0-1~buster_amd64.deb", "tobwen-1.1.0-1.buster_amd64.deb"},
		{"colon", "pkg-1:2.0.tar.zst", "pkg-1.2.0.tar.zst"},
		{"parentheses (upload-release-asset#57)", "app-(15-5)-release.apk", "app-.15-5.-release.apk"},
		{"run of specials is one period", "erick%%%%%!!!zhao.txt", "erick.zhao.txt"},
		{"period next to specials merges", "fake.      file.txt", "fake.file.txt"},
		{"doubled periods merge", "a..b", "a.b"},
		{"specials before the extension", "name{}~.txt", "name.txt"},
		{"leading period gets a default base (#741)", ".config", "default.config"},
		{"leading periods", "..hidden.tar", "hidden.tar"},
		{"trailing period dropped", "archive.", "archive"},
		{"trailing specials dropped", "archive.zip~", "archive.zip"},
		{"no extension", "Makefile", "Makefile"},
		{"non-ASCII becomes a period", "résumé.pdf", "r.sum.pdf"},
		{"nothing left", "~~~", "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, githubAssetName(tt.file))
			// SyncAssets sends the predicted name, which GitHub must keep.
			assert.Equal(t, tt.want, githubAssetName(tt.want), "renaming twice changes nothing more")
		})
	}
}

func TestHumanSize(t *testing.T) {
	tests := []struct {
		bytes int64
		want  string
	}{
		{0, "0 B"},
		{1023, "1023 B"},
		{1024, "1.0 KiB"},
		{12_897_484, "12.3 MiB"},
		{2 << 30, "2.0 GiB"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, humanSize(tt.bytes))
		})
	}
}

func TestResolveAssetsErrorsAreJoined(t *testing.T) {
	_, _, err := ResolveAssets(t.TempDir(), []string{"a/*", "b/*"}, true)
	var joined interface{ Unwrap() []error }
	require.True(t, errors.As(err, &joined))
	assert.Len(t, joined.Unwrap(), 2)
}
