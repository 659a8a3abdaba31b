package githubtest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The file the tests write, in the guix.sigs layout verify commits.
const sigsPath = "nightly-20251117-6113728/gha-ubuntu/SHA256SUMS"

func TestPutContents(t *testing.T) {
	const before, after = "aaaa  a.zip\n", "bbbb  a.zip\n"
	tests := []struct {
		name string
		// setup makes the world the request meets; the default branch
		// main is at shaMain, which holds README.md.
		setup      func(fake *Server)
		body       map[string]any // sent as JSON; content given as text, sent in base64
		wantStatus int
		wantError  string // GitHub's message
		// wantFile is sigsPath at wantRef afterwards; "" for none.
		wantRef, wantFile string
		wantParent        string // the new commit's parent; "" when no commit is made
	}{
		{
			name:       "a new file: a commit on the default branch",
			body:       map[string]any{"message": "gha-ubuntu's SHA256SUMS", "content": after},
			wantStatus: http.StatusCreated, wantRef: "main", wantFile: after, wantParent: shaMain,
		},
		{
			name:       "a new file: whatever sha says is not looked at",
			body:       map[string]any{"message": "m", "content": after, "sha": "deadbeef"},
			wantStatus: http.StatusCreated, wantRef: "main", wantFile: after, wantParent: shaMain,
		},
		{
			name:       "an update naming the file's blob",
			setup:      func(fake *Server) { fake.SetFile(repoName, shaMain, sigsPath, before) },
			body:       map[string]any{"message": "m", "content": after, "sha": blobSHA(before)},
			wantStatus: http.StatusOK, wantRef: "main", wantFile: after, wantParent: shaMain,
		},
		{
			name:       "an update without sha",
			setup:      func(fake *Server) { fake.SetFile(repoName, shaMain, sigsPath, before) },
			body:       map[string]any{"message": "m", "content": after},
			wantStatus: http.StatusUnprocessableEntity, wantError: "Invalid request.\n\n\"sha\" wasn't supplied.",
			wantRef: "main", wantFile: before,
		},
		{
			name:       "an update naming another blob",
			setup:      func(fake *Server) { fake.SetFile(repoName, shaMain, sigsPath, before) },
			body:       map[string]any{"message": "m", "content": after, "sha": blobSHA("something else")},
			wantStatus: http.StatusConflict, wantError: sigsPath + " does not match " + blobSHA("something else"),
			wantRef: "main", wantFile: before,
		},
		{
			name: "another branch: the default one does not move",
			setup: func(fake *Server) {
				fake.SetBranch(repoName, "sigs", shaOld)
				fake.SetFile(repoName, shaOld, "README.md", "bllvm\n")
			},
			body:       map[string]any{"message": "m", "content": after, "branch": "sigs"},
			wantStatus: http.StatusCreated, wantRef: "sigs", wantFile: after, wantParent: shaOld,
		},
		{
			name:       "a branch that does not exist, checked before the sha",
			setup:      func(fake *Server) { fake.SetFile(repoName, shaMain, sigsPath, before) },
			body:       map[string]any{"message": "m", "content": after, "branch": "nope", "sha": "deadbeef"},
			wantStatus: http.StatusNotFound, wantError: "Branch nope not found",
			wantRef: "main", wantFile: before,
		},
		{
			name:       "no message",
			body:       map[string]any{"content": after},
			wantStatus: http.StatusUnprocessableEntity, wantError: "Invalid request.\n\n\"message\" wasn't supplied.",
		},
		{
			name:       "no content",
			body:       map[string]any{"message": "m"},
			wantStatus: http.StatusUnprocessableEntity, wantError: "Invalid request.\n\n\"content\" wasn't supplied.",
		},
		{
			name:       "content not in base64",
			body:       map[string]any{"message": "m", "content": "!!not base64"},
			wantStatus: http.StatusUnprocessableEntity, wantError: "content is not valid Base64",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, _ := newGitHub(t)
			fake.SetBranch(repoName, "main", shaMain)
			fake.SetFile(repoName, shaMain, "README.md", "bllvm\n")
			if tt.setup != nil {
				tt.setup(fake)
			}
			body := map[string]any{}
			for k, v := range tt.body {
				body[k] = v
			}
			if content, ok := body["content"].(string); ok && content != "!!not base64" {
				body["content"] = b64(content)
			}
			status, answer := putRaw(t, fake, "/repos/"+repoName+"/contents/"+sigsPath, body)
			require.Equal(t, tt.wantStatus, status, answer)
			var got struct {
				Message string           `json:"message"`
				Errors  []map[string]any `json:"errors"`
				Content struct {
					Path, SHA string
				} `json:"content"`
				Commit struct {
					SHA     string `json:"sha"`
					Parents []struct {
						SHA string `json:"sha"`
					} `json:"parents"`
				} `json:"commit"`
			}
			require.NoError(t, json.Unmarshal([]byte(answer), &got))
			if tt.wantError != "" {
				assert.Equal(t, tt.wantError, got.Message)
				assert.Nil(t, got.Errors, "GitHub lists no errors for these")
			} else {
				assert.Equal(t, sigsPath, got.Content.Path)
				assert.Equal(t, blobSHA(tt.wantFile), got.Content.SHA)
				require.Len(t, got.Commit.Parents, 1)
				assert.Equal(t, tt.wantParent, got.Commit.Parents[0].SHA)
				head, _ := fake.File(repoName, got.Commit.SHA, "README.md")
				assert.Equal(t, "bllvm\n", head, "the commit holds the parent's files too")
				sha, ok := func() (string, bool) {
					fake.mu.Lock()
					defer fake.mu.Unlock()
					return fake.mustRepository(repoName).commitOf(tt.wantRef)
				}()
				require.True(t, ok)
				assert.Equal(t, got.Commit.SHA, sha, "the branch moved to the commit")
			}
			if tt.wantRef != "" {
				file, ok := fake.File(repoName, tt.wantRef, sigsPath)
				assert.Equal(t, tt.wantFile != "", ok)
				assert.Equal(t, tt.wantFile, file)
			}
			if tt.wantParent != shaMain {
				main, _ := fake.File(repoName, "main", sigsPath)
				assert.NotEqual(t, after, main, "main does not move")
			}
		})
	}
}

// The file written is what GET contents/{path} serves on the default
// branch, and an update goes through go-github as verify sends it.
func TestPutContentsThenGet(t *testing.T) {
	fake, client := newGitHub(t)
	fake.SetBranch(repoName, "main", shaMain)
	ctx := t.Context()

	created, resp, err := client.Repositories.CreateFile(ctx, testOwner, testRepo, sigsPath, &gh.RepositoryContentFileOptions{Message: gh.String("add"), Content: []byte("one\n")})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	file, _, _, err := client.Repositories.GetContents(ctx, testOwner, testRepo, sigsPath, nil)
	require.NoError(t, err)
	got, err := file.GetContent()
	require.NoError(t, err)
	assert.Equal(t, "one\n", got)
	assert.Equal(t, created.Content.GetSHA(), file.GetSHA())

	updated, resp, err := client.Repositories.UpdateFile(ctx, testOwner, testRepo, sigsPath, &gh.RepositoryContentFileOptions{Message: gh.String("update"), Content: []byte("two\n"), SHA: file.SHA})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, created.Commit.GetSHA(), updated.Commit.Parents[0].GetSHA(), "one commit after the other")
	assert.Equal(t, "update", updated.Commit.GetMessage())
	commit, _, err := client.Repositories.GetCommit(ctx, testOwner, testRepo, "main", nil)
	require.NoError(t, err)
	assert.Equal(t, updated.Commit.GetSHA(), commit.GetSHA())
	assert.Equal(t, "update", commit.GetCommit().GetMessage())

	// The sha of the first version is stale now.
	_, resp, err = client.Repositories.UpdateFile(ctx, testOwner, testRepo, sigsPath, &gh.RepositoryContentFileOptions{Message: gh.String("again"), Content: []byte("three\n"), SHA: created.Content.SHA})
	require.Error(t, err)
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
}

// An empty repository (no branch yet, as GitHub creates one without a
// README) gets its default branch from its first file.
func TestPutContentsIntoAnEmptyRepository(t *testing.T) {
	fake, client := newGitHub(t, WithRepository("BTCDecoded/guix.sigs"))
	created, _, err := client.Repositories.CreateFile(t.Context(), testOwner, "guix.sigs", sigsPath, &gh.RepositoryContentFileOptions{Message: gh.String("add"), Content: []byte("one\n")})
	require.NoError(t, err)
	assert.Empty(t, created.Commit.Parents, "a root commit")
	got, ok := fake.File("BTCDecoded/guix.sigs", "main", sigsPath)
	assert.True(t, ok)
	assert.Equal(t, "one\n", got)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// putRaw sends a PUT to the fake's routes directly, past the contract,
// which would refuse a body GitHub's description calls invalid before
// GitHub could answer it.
func putRaw(t *testing.T, fake *Server, path string, body map[string]any) (int, string) {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPut, path, strings.NewReader(string(data)))
	rec := httptest.NewRecorder()
	fake.api.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}
