package app

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The inputs that name files (assets, body-file, graph) read them under one
// rule: inside the workspace once links are resolved, a regular file, of a
// bounded size; assets also not empty and readable. A file that breaks it
// fails the run before any request, with an error naming the input and the
// rule, and what the file holds is shown nowhere.

// secretText is what a file outside the workspace holds; no output may
// ever show "secret".
const secretText = "root:x:0:0:secret:/root:/bin/bash\n"

// fileWorld is a world in mode whose workspace has a directory beside it,
// outside, holding shadow (secretText) and sub/deep.txt.
func fileWorld(t *testing.T, mode string) (w *world, outside string) {
	t.Helper()
	if mode == "plan" {
		w = newWorld(t).with(map[string]string{"INPUT_MODE": "plan", "GITHUB_WORKSPACE": t.TempDir(), "INPUT_RESOLVE-COMMITS": "false"})
	} else {
		w = releaseWorld(t, mode)
	}
	outside = t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(outside, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "shadow"), []byte(secretText), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "sub", "deep.txt"), []byte(secretText), 0o600))
	return w, outside
}

func (w *world) workspace() string { return w.vars["GITHUB_WORKSPACE"] }

// link makes name, in the workspace, a symbolic link to target.
func (w *world) link(name, target string) {
	w.t.Helper()
	path := filepath.Join(w.workspace(), name)
	require.NoError(w.t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(w.t, os.Symlink(target, path))
}

// fifo makes name, in the workspace, a named pipe. Whoever opens it to read
// is given secretText, so that a program that reads it shows that it did
// (instead of blocking the test for ever).
func (w *world) fifo(t *testing.T, name string) {
	t.Helper()
	path := filepath.Join(w.workspace(), name)
	require.NoError(t, syscall.Mkfifo(path, 0o644))
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
			// Opening for writing without blocking succeeds only while a
			// reader has the pipe open.
			f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
			if err != nil {
				continue
			}
			_, _ = f.WriteString(secretText)
			_ = f.Close()
		}
	}()
}

// sparse writes a file of size bytes that takes no disk.
func (w *world) sparse(name string, size int64) {
	w.t.Helper()
	w.file(name, "")
	require.NoError(w.t, os.Truncate(filepath.Join(w.workspace(), name), size))
}

// assertRefused checks a run that refused a file: exit 1, no request, one
// error naming the input and the rule, and nothing of what the file holds.
func assertRefused(t *testing.T, o outcome, input, rule string) {
	t.Helper()
	assert.Equal(t, 1, o.code)
	assert.Empty(t, o.requests, "a refused file is found before any request")
	line := errorLine(t, o.stdout)
	assert.Contains(t, line, "::error::input "+input+": ")
	assert.Contains(t, line, rule)
	assertNothingShown(t, o)
}

// assertNothingShown checks that no output shows secretText or part of it.
func assertNothingShown(t *testing.T, o outcome) {
	t.Helper()
	for where, text := range map[string]string{"stdout": o.stdout, "stderr": o.stderr, "summary": o.summary} {
		assert.NotContains(t, text, "secret", "file content in %s", where)
		assert.NotContains(t, text, "/bin/bash", "file content in %s", where)
	}
	for name, value := range o.outputs {
		assert.NotContains(t, value, "secret", "file content in output %s", name)
	}
}

func TestFilesRefusedBeforeAnyRequest(t *testing.T) {
	tooLongBody := strings.Repeat("secret ", 125_001/7+1)
	tests := []struct {
		name  string
		mode  string
		setup func(t *testing.T, w *world, outside string) map[string]string
		input string
		rule  func(w *world, outside string) string
	}{
		// Assets.
		{
			name: "asset through a linked directory pointing outside",
			mode: "create-prerelease",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				w.link("dist/etc-link", outside)
				return map[string]string{"INPUT_ASSETS": "dist/*.tar.gz\ndist/etc-link/shadow"}
			},
			input: "assets",
			rule: func(w *world, outside string) string {
				return `dist/etc-link/shadow (matched by pattern "dist/etc-link/shadow") is reached through the symbolic link dist/etc-link, which points to ` +
					outside + ", outside the workspace " + w.workspace() + "; assets must be files in the workspace"
			},
		},
		{
			name: "asset that is a link to a file outside, matched by a glob",
			mode: "create-prerelease",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				w.link("dist/passwd", filepath.Join(outside, "shadow"))
				return map[string]string{"INPUT_ASSETS": "dist/*"}
			},
			input: "assets",
			rule: func(w *world, outside string) string {
				return `dist/passwd (matched by pattern "dist/*") is a symbolic link to ` + filepath.Join(outside, "shadow") + ", outside the workspace"
			},
		},
		{
			name: "asset under a directory linked outside, found by **",
			mode: "create-prerelease",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				w.link("dist/ext", outside)
				return map[string]string{"INPUT_ASSETS": "dist/ext/sub/**"}
			},
			input: "assets",
			rule: func(w *world, outside string) string {
				return "dist/ext/sub/deep.txt (matched by pattern \"dist/ext/sub/**\") is reached through the symbolic link dist/ext, which points to " + outside
			},
		},
		{
			name: "empty asset",
			mode: "create-prerelease",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				w.file("dist/empty.tar.gz", "")
				return map[string]string{"INPUT_ASSETS": "dist/*.tar.gz"}
			},
			input: "assets",
			rule:  func(*world, string) string { return "dist/empty.tar.gz is empty; GitHub refuses an asset of 0 bytes" },
		},
		{
			name: "asset no one may read",
			mode: "create-prerelease",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				if os.Geteuid() == 0 {
					t.Skip("root reads a file of mode 000 anyway; run the tests as another user to check this row")
				}
				w.file("dist/locked.tar.gz", "locked")
				require.NoError(t, os.Chmod(filepath.Join(w.workspace(), "dist", "locked.tar.gz"), 0o000))
				return map[string]string{"INPUT_ASSETS": "dist/*.tar.gz"}
			},
			input: "assets",
			rule: func(*world, string) string {
				return "dist/locked.tar.gz cannot be opened for reading: permission denied"
			},
		},

		// body-file.
		{
			name: "body-file outside through ..",
			mode: "create-prerelease",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				rel, err := filepath.Rel(w.workspace(), filepath.Join(outside, "shadow"))
				require.NoError(t, err)
				return map[string]string{"INPUT_BODY-FILE": rel}
			},
			input: "body-file",
			rule: func(w *world, _ string) string {
				return "is outside the workspace " + w.workspace() + "; name a file in the workspace"
			},
		},
		{
			name: "body-file outside, absolute, in a dry run",
			mode: "create-prerelease",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				return map[string]string{"INPUT_BODY-FILE": filepath.Join(outside, "shadow"), "INPUT_DRY-RUN": "true"}
			},
			input: "body-file",
			rule: func(w *world, outside string) string {
				return filepath.Join(outside, "shadow") + " is outside the workspace " + w.workspace()
			},
		},
		{
			name: "body-file through a link pointing outside",
			mode: "create-prerelease",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				w.link("NOTES.md", filepath.Join(outside, "shadow"))
				return map[string]string{"INPUT_BODY-FILE": "NOTES.md"}
			},
			input: "body-file",
			rule: func(w *world, outside string) string {
				return "NOTES.md is a symbolic link to " + filepath.Join(outside, "shadow") + ", outside the workspace " + w.workspace()
			},
		},
		{
			name: "body-file through a linked directory pointing outside",
			mode: "create-prerelease",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				w.link("notes", outside)
				return map[string]string{"INPUT_BODY-FILE": "notes/shadow"}
			},
			input: "body-file",
			rule: func(w *world, outside string) string {
				return "notes/shadow is reached through the symbolic link notes, which points to " + outside + ", outside the workspace"
			},
		},
		{
			name: "body-file longer than a release body",
			mode: "create-prerelease",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				w.file("NOTES.md", tooLongBody)
				return map[string]string{"INPUT_BODY-FILE": "NOTES.md"}
			},
			input: "body-file",
			rule: func(*world, string) string {
				return "NOTES.md is too large: a GitHub release body holds at most 125000 characters"
			},
		},
		{
			name: "body-file of more characters than a release body, in fewer bytes than four a character",
			mode: "create-prerelease",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				w.file("NOTES.md", strings.Repeat("é", 125_001))
				return map[string]string{"INPUT_BODY-FILE": "NOTES.md"}
			},
			input: "body-file",
			rule: func(*world, string) string {
				return "NOTES.md is too large: a GitHub release body holds at most 125000 characters"
			},
		},
		{
			name: "body-file of many bytes, never read",
			mode: "create-prerelease",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				w.sparse("NOTES.md", 1<<40)
				return map[string]string{"INPUT_BODY-FILE": "NOTES.md"}
			},
			input: "body-file",
			rule: func(*world, string) string {
				return "NOTES.md is too large: a GitHub release body holds at most 125000 characters"
			},
		},
		{
			name: "body and body-file together longer than a release body",
			mode: "create-prerelease",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				w.file("NOTES.md", strings.Repeat("n", 100_000))
				return map[string]string{"INPUT_BODY-FILE": "NOTES.md", "INPUT_BODY": strings.Repeat("b", 30_000)}
			},
			input: "body-file",
			rule: func(*world, string) string {
				return "NOTES.md makes the release body 130002 characters with the body input; a GitHub release body holds at most 125000"
			},
		},
		{
			name: "body-file /dev/zero",
			mode: "create-prerelease",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				return map[string]string{"INPUT_BODY-FILE": "/dev/zero"}
			},
			input: "body-file",
			rule:  func(w *world, _ string) string { return "/dev/zero is outside the workspace " + w.workspace() },
		},
		{
			name: "body-file a link to /dev/zero",
			mode: "create-prerelease",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				w.link("NOTES.md", "/dev/zero")
				return map[string]string{"INPUT_BODY-FILE": "NOTES.md"}
			},
			input: "body-file",
			rule:  func(*world, string) string { return "NOTES.md is a symbolic link to /dev/zero, outside the workspace" },
		},
		{
			name: "body-file a named pipe",
			mode: "create-prerelease",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				w.fifo(t, "NOTES.md")
				return map[string]string{"INPUT_BODY-FILE": "NOTES.md"}
			},
			input: "body-file",
			rule:  func(*world, string) string { return "NOTES.md is a named pipe, not a regular file" },
		},

		// graph.
		{
			name: "graph @ outside through ..",
			mode: "plan",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				rel, err := filepath.Rel(w.workspace(), filepath.Join(outside, "shadow"))
				require.NoError(t, err)
				return map[string]string{"INPUT_GRAPH": "@" + rel}
			},
			input: "graph",
			rule:  func(w *world, _ string) string { return "is outside the workspace " + w.workspace() },
		},
		{
			name: "graph @ outside, absolute, for carry-over",
			mode: "create-prerelease",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				return map[string]string{"INPUT_CARRY-OVER": "true", "INPUT_GRAPH": "@" + filepath.Join(outside, "shadow")}
			},
			input: "graph",
			rule: func(w *world, outside string) string {
				return filepath.Join(outside, "shadow") + " is outside the workspace " + w.workspace()
			},
		},
		{
			name: "graph @ a link pointing outside",
			mode: "plan",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				w.link(".github/build-graph.yml", filepath.Join(outside, "shadow"))
				return map[string]string{"INPUT_GRAPH": "@.github/build-graph.yml"}
			},
			input: "graph",
			rule: func(_ *world, outside string) string {
				return ".github/build-graph.yml is a symbolic link to " + filepath.Join(outside, "shadow") + ", outside the workspace"
			},
		},
		{
			name: "graph file too large, never read",
			mode: "plan",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				w.sparse("graph.yml", 16<<20+1)
				return map[string]string{"INPUT_GRAPH": "@graph.yml"}
			},
			input: "graph",
			rule:  func(*world, string) string { return "graph.yml is too large: a graph file may be at most 16 MiB" },
		},
		{
			name: "graph @/dev/zero",
			mode: "plan",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				return map[string]string{"INPUT_GRAPH": "@/dev/zero"}
			},
			input: "graph",
			rule:  func(w *world, _ string) string { return "/dev/zero is outside the workspace " + w.workspace() },
		},
		{
			name: "graph a named pipe",
			mode: "plan",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				w.fifo(t, "graph.yml")
				return map[string]string{"INPUT_GRAPH": "@graph.yml"}
			},
			input: "graph",
			rule:  func(*world, string) string { return "graph.yml is a named pipe, not a regular file" },
		},
		{
			name: "graph file whose first line is secret-looking",
			mode: "plan",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				w.file("graph.yml", secretText+"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n")
				return map[string]string{"INPUT_GRAPH": "@graph.yml"}
			},
			input: "graph",
			rule: func(*world, string) string {
				return "graph.yml: line 1: must map each component name to its entry, such as consensus: {}; got a string"
			},
		},
		{
			name: "graph file of keys and secret values",
			mode: "plan",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				w.file("graph.yml", "user: admin\nsecret-token: hunter2\n")
				return map[string]string{"INPUT_GRAPH": "@graph.yml"}
			},
			input: "graph",
			rule: func(*world, string) string {
				return "graph.yml: line 1: entry of this component must be a mapping with the optional keys repository, branch, depends-on, ci and assets"
			},
		},
		{
			name: "graph file naming a secret as a dependency",
			mode: "plan",
			setup: func(t *testing.T, w *world, outside string) map[string]string {
				w.file("graph.yml", "a:\n  depends-on:\n    - secret\n")
				return map[string]string{"INPUT_GRAPH": "@graph.yml"}
			},
			input: "graph",
			rule: func(*world, string) string {
				return "graph.yml: line 3: depends-on of this component names a component the graph does not define"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, outside := fileWorld(t, tt.mode)
			if tt.mode != "plan" {
				w.assets()
			}
			vars := tt.setup(t, w, outside)
			o := w.with(vars).run()
			assertRefused(t, o, tt.input, tt.rule(w, outside))
		})
	}
}

// TestFilesInsideThroughLinks: a link inside the workspace to a file
// inside it is followed, for each input, and so is the workspace's own.
func TestFilesInsideThroughLinks(t *testing.T) {
	t.Run("asset", func(t *testing.T) {
		w, _ := fileWorld(t, "create-prerelease")
		digests := w.assets()
		w.link("dist/latest.tar.gz", "bllvm-linux-x64.tar.gz")
		digests["latest.tar.gz"] = digests["bllvm-linux-x64.tar.gz"]
		o := w.with(map[string]string{"INPUT_ASSETS": "dist/*.tar.gz\ndist/**/SHA256SUMS"}).run()
		require.Equal(t, 0, o.code, o.stdout)
		w.assertPublished(todayTag, digests)
	})
	t.Run("body-file", func(t *testing.T) {
		w, _ := fileWorld(t, "create-prerelease")
		w.assets()
		w.file("docs/NOTES.md", "Notes from docs.")
		w.link("NOTES.md", "docs/NOTES.md")
		o := w.with(map[string]string{"INPUT_ASSETS": "dist/*.tar.gz", "INPUT_BODY-FILE": "NOTES.md"}).run()
		require.Equal(t, 0, o.code, o.stdout)
		rel, _ := w.releaseOf(todayTag)
		assert.True(t, strings.HasPrefix(rel.Body, "Notes from docs."), rel.Body)
	})
	t.Run("body-file of 125000 characters", func(t *testing.T) {
		w, _ := fileWorld(t, "create-prerelease")
		w.assets()
		w.file("NOTES.md", strings.Repeat("é", 125_000))
		o := w.with(map[string]string{"INPUT_ASSETS": "dist/*.tar.gz", "INPUT_BODY-FILE": "NOTES.md", "INPUT_DRY-RUN": "true"}).run()
		require.Equal(t, 0, o.code, o.stdout)
	})
	t.Run("graph in a linked directory, workspace through a link", func(t *testing.T) {
		w, _ := fileWorld(t, "plan")
		w.file("config/build-graph.yml", "core: {}\napp: {depends-on: [core]}\n")
		w.link(".github", "config")
		linked := filepath.Join(t.TempDir(), "workspace")
		require.NoError(t, os.Symlink(w.workspace(), linked))
		o := w.with(map[string]string{"GITHUB_WORKSPACE": linked, "INPUT_GRAPH": "@.github/build-graph.yml", "INPUT_CHANGED": "core"}).run()
		require.Equal(t, 0, o.code, o.stdout)
		assert.Equal(t, `[["core"],["app"]]`, o.outputs["waves"])
	})
}
