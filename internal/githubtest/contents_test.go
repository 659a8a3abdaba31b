package githubtest

import (
	"io"
	"net/http"
	"strings"
	"testing"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGetContents(t *testing.T) {
	const cargo = "[package]\nname = \"bllvm\"\n\n[dependencies]\nbllvm-node = { path = \"../bllvm-node\" }\n"
	fake, client := newGitHub(t)
	fake.SetBranch(repoName, "main", shaOld)
	fake.AddCommit(repoName, shaMain)
	fake.SetFile(repoName, shaOld, "Cargo.toml", "[package]\nname = \"old\"\n")
	fake.SetFile(repoName, shaMain, "Cargo.toml", cargo)
	fake.SetFile(repoName, shaMain, "crates/cli/Cargo.toml", strings.Repeat("x", 100))

	tests := []struct {
		name       string
		path, ref  string
		wantStatus int
		want       string
	}{
		{"the file of a commit", "Cargo.toml", shaMain, http.StatusOK, cargo},
		{"another commit's", "Cargo.toml", shaOld, http.StatusOK, "[package]\nname = \"old\"\n"},
		{"no ref: the default branch's head", "Cargo.toml", "", http.StatusOK, "[package]\nname = \"old\"\n"},
		{"a branch", "Cargo.toml", "main", http.StatusOK, "[package]\nname = \"old\"\n"},
		{"a file in a folder, wrapped at 60 base64 characters", "crates/cli/Cargo.toml", shaMain, http.StatusOK, strings.Repeat("x", 100)},
		{"a file the commit does not hold", "Cargo.toml", shaOther, http.StatusNotFound, ""},
		{"a file no commit holds", "Cargo.lock", shaMain, http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, dir, resp, err := client.Repositories.GetContents(t.Context(), testOwner, testRepo, tt.path, &gh.RepositoryContentGetOptions{Ref: tt.ref})
			if tt.wantStatus != http.StatusOK {
				require.Error(t, err)
				assert.Equal(t, tt.wantStatus, resp.StatusCode)
				return
			}
			require.NoError(t, err)
			assert.Nil(t, dir)
			assert.Equal(t, "file", file.GetType())
			assert.Equal(t, "base64", file.GetEncoding())
			assert.Equal(t, len(tt.want), file.GetSize())
			assert.Equal(t, tt.path, file.GetPath())
			for _, line := range strings.Split(strings.TrimSuffix(*file.Content, "\n"), "\n") {
				assert.LessOrEqual(t, len(line), 60, "GitHub wraps base64 at 60")
			}
			got, err := file.GetContent()
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}

	// The raw media type answers the bytes alone.
	req, err := client.NewRequest("GET", "repos/"+repoName+"/contents/Cargo.toml?ref="+shaMain, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/vnd.github.raw")
	resp, err := fake.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, cargo, string(body))

	// A ref naming no commit is GitHub's 404 of its own.
	_, _, resp2, err := client.Repositories.GetContents(t.Context(), testOwner, testRepo, "Cargo.toml", &gh.RepositoryContentGetOptions{Ref: "no-such-branch"})
	require.Error(t, err)
	assert.Equal(t, http.StatusNotFound, resp2.StatusCode)
	assert.Contains(t, err.Error(), "No commit found for the ref no-such-branch")
}

// A file over GitHub's 1 MB inline limit comes without its content, as
// GitHub sends it: encoding none.
func TestGetContentsOfALargeFile(t *testing.T) {
	fake, client := newGitHub(t)
	fake.SetBranch(repoName, "main", shaMain)
	fake.SetFile(repoName, shaMain, "Cargo.toml", strings.Repeat("#", inlineContentLimit+1))
	file, _, _, err := client.Repositories.GetContents(t.Context(), testOwner, testRepo, "Cargo.toml", &gh.RepositoryContentGetOptions{Ref: shaMain})
	require.NoError(t, err)
	assert.Equal(t, "none", file.GetEncoding())
	assert.Equal(t, inlineContentLimit+1, file.GetSize())
	assert.Empty(t, file.Content)
}
