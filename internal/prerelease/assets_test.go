package prerelease

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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
				files[fmt.Sprintf("out/part-%04d.bin", i)] = "x" // an empty file is an error of its own
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

// outsideTree builds a workspace and, beside it, a directory outside it
// holding a secret; links (workspace path → target, where "OUT" stands for
// the outside directory) are made in the workspace.
func outsideTree(t *testing.T, files, links map[string]string) (workspace, outside string) {
	t.Helper()
	root := t.TempDir()
	workspace, outside = filepath.Join(root, "workspace"), filepath.Join(root, "outside")
	require.NoError(t, os.MkdirAll(filepath.Join(outside, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "shadow"), []byte("root:x:0:0:secret\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "sub", "deep.txt"), []byte("secret too"), 0o600))
	require.NoError(t, os.MkdirAll(workspace, 0o755))
	for name, content := range files {
		path := filepath.Join(workspace, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	}
	for name, target := range links {
		path := filepath.Join(workspace, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.Symlink(strings.Replace(target, "OUT", outside, 1), path))
	}
	return workspace, outside
}

func TestResolveAssetsLinksStayInTheWorkspace(t *testing.T) {
	workspace, outside := outsideTree(t, map[string]string{
		"dist/app.tar.gz": "app",
		"docs/readme.md":  "readme",
		"docs/guide.md":   "guide",
	}, map[string]string{
		"dist/etc-link":  "OUT",
		"dist/passwd":    "OUT/shadow",
		"dist/relative":  "../../outside/shadow",
		"latest.tar.gz":  "dist/app.tar.gz",
		"dist/readme.md": "../docs/readme.md",
		"docs-link":      "docs",
		"docs/out":       "OUT/sub",
		"chain/first":    "../dist/passwd",
	})
	tests := []struct {
		name     string
		patterns []string
		want     []string // paths relative to the workspace
		wantErrs []string
	}{
		{
			name:     "linked directory pointing outside, named outright",
			patterns: []string{"dist/etc-link/shadow"},
			wantErrs: []string{`input assets: dist/etc-link/shadow (matched by pattern "dist/etc-link/shadow") is reached through the symbolic link dist/etc-link, which points to ` + outside + `, outside the workspace ` + workspace + `; assets must be files in the workspace`},
		},
		{
			name:     "linked file pointing outside, matched by a glob",
			patterns: []string{"dist/*"},
			wantErrs: []string{
				`input assets: dist/passwd (matched by pattern "dist/*") is a symbolic link to ` + filepath.Join(outside, "shadow") + `, outside the workspace ` + workspace,
				`dist/relative (matched by pattern "dist/*") is a symbolic link to ` + filepath.Join(outside, "shadow") + `, outside`,
			},
		},
		{
			name:     "a link inside to a link outside",
			patterns: []string{"chain/first"},
			wantErrs: []string{`chain/first (matched by pattern "chain/first") is a symbolic link to ` + filepath.Join(outside, "shadow") + `, outside the workspace`},
		},
		{
			name:     "outside link under a linked directory inside",
			patterns: []string{"docs-link/out/*"},
			wantErrs: []string{`docs-link/out/deep.txt (matched by pattern "docs-link/out/*") is reached through the symbolic link docs-link/out, which points to ` + filepath.Join(outside, "sub") + `, outside the workspace`},
		},
		{
			name:     "links inside the workspace to files inside are followed",
			patterns: []string{"latest.tar.gz", "dist/readme.md", "docs-link/guide.md"},
			want:     []string{"latest.tar.gz", "dist/readme.md", "docs-link/guide.md"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, _, err := ResolveAssets(workspace, tt.patterns, true)
			if len(tt.wantErrs) > 0 {
				require.Error(t, err)
				for _, want := range tt.wantErrs {
					assert.ErrorContains(t, err, want)
				}
				assert.NotContains(t, err.Error(), "secret")
				assertAllInputErrors(t, err)
				assert.Nil(t, files)
				return
			}
			require.NoError(t, err)
			var got []string
			for _, f := range files {
				rel, relErr := filepath.Rel(workspace, f.Path)
				require.NoError(t, relErr)
				got = append(got, filepath.ToSlash(rel))
			}
			assert.ElementsMatch(t, tt.want, got)
		})
	}
}

// TestResolveAssetsWorkspaceThroughALink: the workspace itself may be a
// link (/tmp on macOS, a runner's work directory); what is inside it stays
// inside once both are resolved.
func TestResolveAssetsWorkspaceThroughALink(t *testing.T) {
	real := workspaceTree(t, map[string]string{"dist/app.tar.gz": "app"}, map[string]string{"latest.tar.gz": "dist/app.tar.gz"})
	workspace := filepath.Join(t.TempDir(), "workspace")
	require.NoError(t, os.Symlink(real, workspace))
	tests := []struct {
		name    string
		pattern string
	}{
		{"relative pattern", "dist/*"},
		{"absolute pattern through the link", filepath.Join(workspace, "dist", "app.tar.gz")},
		{"link inside to a file inside", "latest.tar.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, _, err := ResolveAssets(workspace, []string{tt.pattern}, true)
			require.NoError(t, err)
			require.Len(t, files, 1)
		})
	}
}

func TestResolveAssetsEmptyOrUnreadable(t *testing.T) {
	tests := []struct {
		name     string
		prepare  func(t *testing.T, workspace string)
		wantErrs []string
	}{
		{
			name:     "empty file",
			prepare:  func(t *testing.T, workspace string) { writeFile(t, workspace, "dist/empty.bin", "", 0o644) },
			wantErrs: []string{"input assets: dist/empty.bin is empty; GitHub refuses an asset of 0 bytes"},
		},
		{
			name: "link to an empty file",
			prepare: func(t *testing.T, workspace string) {
				writeFile(t, workspace, "build/empty.bin", "", 0o644)
				require.NoError(t, os.Symlink("../build/empty.bin", filepath.Join(workspace, "dist", "latest.bin")))
			},
			wantErrs: []string{"input assets: dist/latest.bin is empty"},
		},
		{
			name: "file no one may read",
			prepare: func(t *testing.T, workspace string) {
				if os.Geteuid() == 0 {
					t.Skip("root reads a file of mode 000 anyway; run the tests as another user to check this row")
				}
				writeFile(t, workspace, "dist/locked.bin", "locked", 0o000)
			},
			wantErrs: []string{"input assets: dist/locked.bin cannot be opened for reading: permission denied"},
		},
		{
			name: "every problem at once",
			prepare: func(t *testing.T, workspace string) {
				writeFile(t, workspace, "dist/a.bin", "", 0o644)
				writeFile(t, workspace, "dist/b.bin", "", 0o644)
			},
			wantErrs: []string{"dist/a.bin is empty", "dist/b.bin is empty"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			workspace := workspaceTree(t, map[string]string{"dist/ok.bin": "ok"}, nil)
			tt.prepare(t, workspace)
			files, _, err := ResolveAssets(workspace, []string{"dist/*"}, true)
			require.Error(t, err)
			for _, want := range tt.wantErrs {
				assert.ErrorContains(t, err, want)
			}
			assert.NotContains(t, err.Error(), "ok.bin", "only the bad files are named")
			assertAllInputErrors(t, err)
			assert.Nil(t, files)
		})
	}
}

func writeFile(t *testing.T, workspace, name, content string, mode os.FileMode) {
	t.Helper()
	path := filepath.Join(workspace, filepath.FromSlash(name))
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), mode))
	require.NoError(t, os.Chmod(path, mode)) // WriteFile's mode is masked by the umask
}

func TestReadWorkspaceFile(t *testing.T) {
	workspace, outside := outsideTree(t, map[string]string{
		"NOTES.md":       "notes",
		"docs/notes.md":  "docs notes",
		"ten.txt":        "0123456789",
		"eleven.txt":     "0123456789a",
		"docs/empty.txt": "",
	}, map[string]string{
		"latest.md":   "docs/notes.md",
		"docs-link":   "docs",
		"leak.md":     "OUT/shadow",
		"etc-link":    "OUT",
		"zero":        "/dev/zero",
		"docs/escape": "../../outside/shadow",
	})
	require.NoError(t, syscall.Mkfifo(filepath.Join(workspace, "pipe"), 0o644))
	linked := filepath.Join(t.TempDir(), "linked-workspace")
	require.NoError(t, os.Symlink(workspace, linked))
	const limit = "a test file holds at most 10 bytes"

	tests := []struct {
		name      string
		workspace string
		file      string
		want      string
		wantErr   string // an input error of body-file, naming the file and the rule
		wantIOErr string // not an input error: the caller says what could not be read
	}{
		{name: "relative path", file: "NOTES.md", want: "notes"},
		{name: "nested path", file: "docs/notes.md", want: "docs notes"},
		{name: "dot-dot that stays inside", file: "docs/../NOTES.md", want: "notes"},
		{name: "absolute path inside", file: filepath.Join(workspace, "NOTES.md"), want: "notes"},
		{name: "link inside to a file inside", file: "latest.md", want: "docs notes"},
		{name: "linked directory inside", file: "docs-link/notes.md", want: "docs notes"},
		{name: "workspace reached through a link", workspace: linked, file: "latest.md", want: "docs notes"},
		{name: "absolute path through the workspace's link", workspace: linked, file: filepath.Join(linked, "NOTES.md"), want: "notes"},
		{name: "empty file", file: "docs/empty.txt", want: ""},
		{name: "exactly the limit", file: "ten.txt", want: "0123456789"},

		{name: "over the limit", file: "eleven.txt",
			wantErr: "input body-file: eleven.txt is too large: " + limit},
		{name: "dot-dot outside", file: "../outside/shadow",
			wantErr: "input body-file: ../outside/shadow is outside the workspace " + workspace + "; name a file in the workspace"},
		{name: "far outside", file: "../../../../../../../../etc/passwd",
			wantErr: "input body-file: ../../../../../../../../etc/passwd is outside the workspace"},
		{name: "absolute path outside", file: filepath.Join(outside, "shadow"),
			wantErr: "input body-file: " + filepath.Join(outside, "shadow") + " is outside the workspace"},
		{name: "device outside", file: "/dev/zero",
			wantErr: "input body-file: /dev/zero is outside the workspace"},
		{name: "linked file pointing outside", file: "leak.md",
			wantErr: "input body-file: leak.md is a symbolic link to " + filepath.Join(outside, "shadow") + ", outside the workspace " + workspace},
		{name: "linked directory pointing outside", file: "etc-link/shadow",
			wantErr: "input body-file: etc-link/shadow is reached through the symbolic link etc-link, which points to " + outside + ", outside the workspace " + workspace},
		{name: "relative link pointing outside", file: "docs-link/escape",
			wantErr: "input body-file: docs-link/escape is a symbolic link to " + filepath.Join(outside, "shadow")},
		{name: "link to a device", file: "zero",
			wantErr: "input body-file: zero is a symbolic link to /dev/zero, outside the workspace"},
		{name: "named pipe", file: "pipe",
			wantErr: "input body-file: pipe is a named pipe, not a regular file"},
		{name: "directory", file: "docs",
			wantErr: "input body-file: docs is a directory, not a regular file"},
		{name: "the workspace itself", file: ".",
			wantErr: "input body-file: . is a directory, not a regular file"},

		{name: "missing file", file: "nope.md", wantIOErr: "no such file or directory"},
		{name: "missing directory", file: "nope/x.md", wantIOErr: "no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := workspace
			if tt.workspace != "" {
				ws = tt.workspace
			}
			data, err := ReadWorkspaceFile(ws, "body-file", tt.file, 10, limit)
			switch {
			case tt.wantErr != "":
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				var inputErr *inputs.Error
				require.ErrorAs(t, err, &inputErr)
				assert.Equal(t, "body-file", inputErr.Input)
				assert.NotContains(t, err.Error(), "secret")
				assert.Nil(t, data)
			case tt.wantIOErr != "":
				assert.EqualError(t, err, tt.wantIOErr)
				var inputErr *inputs.Error
				assert.False(t, errors.As(err, &inputErr), "the caller names the input")
			default:
				require.NoError(t, err)
				assert.Equal(t, tt.want, string(data))
			}
		})
	}
}
