package prerelease

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriteWorkspaceFileFollowsNoLink: the action writes SHA256SUMS and
// manifest.json as root into a workspace whose contents anyone with a job
// on the runner could have planted; a link at .release-action or at the
// file is refused, and what it points at is never written.
func TestWriteWorkspaceFileFollowsNoLink(t *testing.T) {
	tests := []struct {
		name  string
		plant func(t *testing.T, workspace, outside string)
		want  string
	}{
		{"the folder is a link to another folder", func(t *testing.T, workspace, outside string) {
			require.NoError(t, os.Symlink(outside, filepath.Join(workspace, Dir)))
		}, "/" + Dir + ": it is a symbolic link, and the action writes only into a real folder of the workspace"},
		{"the folder is a link inside the workspace", func(t *testing.T, workspace, _ string) {
			require.NoError(t, os.Mkdir(filepath.Join(workspace, "dist"), 0o755))
			require.NoError(t, os.Symlink("dist", filepath.Join(workspace, Dir)))
		}, "it is a symbolic link"},
		{"the folder is a file", func(t *testing.T, workspace, _ string) {
			require.NoError(t, os.WriteFile(filepath.Join(workspace, Dir), []byte("x"), 0o644))
		}, "it is not a folder"},
		{"the file is a link to a file outside", func(t *testing.T, workspace, outside string) {
			require.NoError(t, os.Mkdir(filepath.Join(workspace, Dir), 0o755))
			require.NoError(t, os.Symlink(filepath.Join(outside, "victim"), filepath.Join(workspace, Dir, "SHA256SUMS")))
		}, "refusing to write " + filepath.Join(Dir, "SHA256SUMS") + ": it is a symbolic link"},
		{"the file is a dangling link", func(t *testing.T, workspace, outside string) {
			require.NoError(t, os.Mkdir(filepath.Join(workspace, Dir), 0o755))
			require.NoError(t, os.Symlink(filepath.Join(outside, "new"), filepath.Join(workspace, Dir, "SHA256SUMS")))
		}, "it is a symbolic link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			workspace, outside := t.TempDir(), t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(outside, "victim"), []byte("keep me"), 0o644))
			tt.plant(t, workspace, outside)
			_, err := WriteWorkspaceFile(workspace, "SHA256SUMS", []byte("sums\n"))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			victim, err := os.ReadFile(filepath.Join(outside, "victim"))
			require.NoError(t, err)
			assert.Equal(t, "keep me", string(victim), "nothing outside the workspace is written")
			entries, err := os.ReadDir(outside)
			require.NoError(t, err)
			assert.Len(t, entries, 1, "nothing is created outside the workspace")
		})
	}

	// A real folder: written, and written again over the old file.
	workspace := t.TempDir()
	for _, content := range []string{"one\n", "two\n"} {
		path, err := WriteWorkspaceFile(workspace, "SHA256SUMS", []byte(content))
		require.NoError(t, err)
		assert.Equal(t, filepath.Join(workspace, Dir, "SHA256SUMS"), path)
		got, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, content, string(got))
	}
	entries, err := os.ReadDir(filepath.Join(workspace, Dir))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")
}
