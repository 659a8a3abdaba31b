package githubtest

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// --files serves a folder's files as the tree of a commit: its tarball
// holds them under GitHub's one top-level folder, .git left out, and the
// commit exists.
func TestRunStandaloneFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"Cargo.toml":  "[package]\nname = \"bllvm-node\"\n",
		"src/lib.rs":  "pub fn node() {}\n",
		".git/config": "[core]\n",
	} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	baseURL := startRunStandalone(t, "--repo", repoName, "--token", "ghs_bench", "--files", repoName+"="+shaMain+":"+dir)
	client := enterpriseClient(t, baseURL, "ghs_bench")

	got, _, err := client.Repositories.GetCommitSHA1(t.Context(), testOwner, testRepo, shaMain, "")
	require.NoError(t, err)
	assert.Equal(t, shaMain, got, "the commit exists")

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, baseURL+"/repos/"+repoName+"/tarball/"+shaMain, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "token ghs_bench")
	resp, err := http.DefaultClient.Do(req) // follows the redirect to storage
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	zr, err := gzip.NewReader(resp.Body)
	require.NoError(t, err)
	tr := tar.NewReader(zr)
	files := map[string]string{}
	top := testOwner + "-" + testRepo + "-" + shaMain[:7] + "/"
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		require.True(t, strings.HasPrefix(hdr.Name, top), "%s is under %s", hdr.Name, top)
		content, err := io.ReadAll(tr)
		require.NoError(t, err)
		files[strings.TrimPrefix(hdr.Name, top)] = string(content)
	}
	assert.Equal(t, map[string]string{
		"Cargo.toml": "[package]\nname = \"bllvm-node\"\n",
		"src/lib.rs": "pub fn node() {}\n",
	}, files)

	// Each file is also served by the contents API at that commit.
	file, _, _, err := client.Repositories.GetContents(t.Context(), testOwner, testRepo, "Cargo.toml", &gh.RepositoryContentGetOptions{Ref: shaMain})
	require.NoError(t, err)
	content, err := file.GetContent()
	require.NoError(t, err)
	assert.Equal(t, "[package]\nname = \"bllvm-node\"\n", content)
	_, _, _, err = client.Repositories.GetContents(t.Context(), testOwner, testRepo, ".git/config", &gh.RepositoryContentGetOptions{Ref: shaMain})
	assert.Error(t, err, ".git is left out")
}

func TestParseFilesRefusesBadValues(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, value, want string
	}{
		{"no folder", repoName + "=" + shaMain, "want owner/name=sha:dir"},
		{"short sha", repoName + "=abc:" + dir, "not a full commit sha"},
		{"repository not served", "BTCDecoded/other=" + shaMain + ":" + dir, "add --repo BTCDecoded/other"},
		{"folder missing", repoName + "=" + shaMain + ":" + filepath.Join(dir, "missing"), "is not a folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFiles(tt.value, []string{repoName})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
