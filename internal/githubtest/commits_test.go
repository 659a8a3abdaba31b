package githubtest

import (
	"io"
	"net/http"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGetCommitSHA1(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(*Server)
		ref        string
		lastSHA    string
		wantStatus int
		wantSHA    string
	}{
		{"sha that exists", func(s *Server) { s.AddCommit(repoName, shaOther) }, shaOther, "", http.StatusOK, shaOther},
		{"sha that does not", nil, shaOther, "", http.StatusUnprocessableEntity, ""},
		{"branch", func(s *Server) { s.SetBranch(repoName, "main", shaMain) }, "main", "", http.StatusOK, shaMain},
		{"branch as heads/", func(s *Server) { s.SetBranch(repoName, "main", shaMain) }, "heads/main", "", http.StatusOK, shaMain},
		{"branch with a slash", func(s *Server) { s.SetBranch(repoName, "release/1.0", shaOther) }, "release/1.0", "", http.StatusOK, shaOther},
		{"branch that does not exist", func(s *Server) { s.SetBranch(repoName, "main", shaMain) }, "develop", "", http.StatusUnprocessableEntity, ""},
		{
			name: "HEAD is the default branch's head",
			setup: func(s *Server) {
				s.SetBranch(repoName, "main", shaMain)
				s.SetBranch(repoName, "develop", shaOther)
				s.SetDefaultBranch(repoName, "develop")
			},
			ref: "HEAD", wantStatus: http.StatusOK, wantSHA: shaOther,
		},
		{
			name:  "lightweight tag at a known commit",
			setup: func(s *Server) { s.AddCommit(repoName, shaOld); s.SetTag(repoName, "v1", shaOld) },
			ref:   "v1", wantStatus: http.StatusOK, wantSHA: shaOld,
		},
		{
			name:  "lightweight tag at a commit the fake was not told of",
			setup: func(s *Server) { s.SetTag(repoName, "v1", shaOld) },
			ref:   "v1", wantStatus: http.StatusUnprocessableEntity,
		},
		{
			name: "a tag wins over a branch of the same name, as in git",
			setup: func(s *Server) {
				s.SetBranch(repoName, "v1", shaMain)
				s.SetAnnotatedTag(repoName, "v1", shaOld, "v1")
			},
			ref: "v1", wantStatus: http.StatusOK, wantSHA: shaOld,
		},
		{
			name:    "unchanged since the sha the client has",
			setup:   func(s *Server) { s.SetBranch(repoName, "main", shaMain) },
			ref:     "main",
			lastSHA: shaMain, wantStatus: http.StatusNotModified,
		},
		{
			name:    "moved since the sha the client has",
			setup:   func(s *Server) { s.SetBranch(repoName, "main", shaMain) },
			ref:     "main",
			lastSHA: shaOld, wantStatus: http.StatusOK, wantSHA: shaMain,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			if tt.setup != nil {
				tt.setup(fake)
			}

			sha, resp, err := client.Repositories.GetCommitSHA1(t.Context(), testOwner, testRepo, tt.ref, tt.lastSHA)

			require.NotNil(t, resp)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, tt.wantSHA, sha)
			switch tt.wantStatus {
			case http.StatusOK:
				require.NoError(t, err)
				assert.Equal(t, "application/vnd.github.sha; charset=utf-8", resp.Header.Get("Content-Type"))
				assert.Equal(t, `"`+tt.wantSHA+`"`, resp.Header.Get("ETag"))
			case http.StatusNotModified:
				// go-github reports a 304 as an error; what matters is the
				// ETag, and that there is no body.
				requireStatus(t, err, http.StatusNotModified)
				assert.Equal(t, `"`+tt.lastSHA+`"`, resp.Header.Get("ETag"))
				assert.Empty(t, resp.Header.Get("Content-Type"))
			default:
				ghErr := requireStatus(t, err, tt.wantStatus)
				assert.Equal(t, "No commit found for SHA: "+tt.ref, ghErr.Message)
				assert.Equal(t, "https://docs.github.com/rest/commits/commits#get-a-commit", ghErr.DocumentationURL)
			}
		})
	}
}

func TestGetCommitMediaTypes(t *testing.T) {
	tests := []struct {
		name       string
		path       string
		header     map[string]string
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{
			name:       "escaped slash in a branch",
			path:       "release%2F1.0",
			header:     map[string]string{"Accept": "application/vnd.github.sha"},
			wantStatus: http.StatusOK,
			wantType:   "application/vnd.github.sha; charset=utf-8",
			wantBody:   shaOther,
		},
		{
			name:       "JSON without the sha media type",
			path:       "release/1.0",
			wantStatus: http.StatusOK,
			wantType:   "application/json; charset=utf-8",
		},
		{
			name:       "errors stay JSON",
			path:       shaOld,
			header:     map[string]string{"Accept": "application/vnd.github.sha"},
			wantStatus: http.StatusUnprocessableEntity,
			wantType:   "application/json; charset=utf-8",
			wantBody:   `{"message":"No commit found for SHA: ` + shaOld + `","documentation_url":"https://docs.github.com/rest/commits/commits#get-a-commit","status":"422"}`,
		},
		{
			name:       "a weak ETag matches too",
			path:       "release/1.0",
			header:     map[string]string{"Accept": "application/vnd.github.sha", "If-None-Match": `W/"` + shaOther + `"`},
			wantStatus: http.StatusNotModified,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository(repoName))
			fake.SetBranch(repoName, "release/1.0", shaOther)

			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://api.github.com/repos/BTCDecoded/bllvm/commits/"+tt.path, nil)
			require.NoError(t, err)
			for name, value := range tt.header {
				req.Header.Set(name, value)
			}
			resp, err := fake.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)

			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, tt.wantType, resp.Header.Get("Content-Type"))
			switch {
			case tt.wantStatus == http.StatusUnprocessableEntity:
				assert.JSONEq(t, tt.wantBody, string(body))
			case tt.wantBody != "":
				assert.Equal(t, tt.wantBody, string(body))
			case tt.wantStatus == http.StatusNotModified:
				assert.Empty(t, body)
			default:
				assert.Contains(t, string(body), `"sha":"`+shaOther+`"`)
			}
		})
	}
}

func TestCommitDates(t *testing.T) {
	dated := time.Date(2025, 11, 16, 20, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		setup func(*Server)
		want  time.Time
	}{
		{"SetBranch dates a new commit now", func(s *Server) { s.SetBranch(repoName, "main", shaMain) }, testTime},
		{"AddCommit dates a new commit now", func(s *Server) { s.AddCommit(repoName, shaMain) }, testTime},
		{"AddCommitOn dates a new commit now", func(s *Server) { s.SetCommitDate(repoName, shaOld, dated); s.AddCommitOn(repoName, shaOld, shaMain) }, testTime},
		{
			name:  "SetBranch keeps the date SetCommitDate gave",
			setup: func(s *Server) { s.SetCommitDate(repoName, shaMain, dated); s.SetBranch(repoName, "main", shaMain) },
			want:  dated,
		},
		{
			name:  "AddCommit keeps the date SetCommitDate gave",
			setup: func(s *Server) { s.SetCommitDate(repoName, shaMain, dated); s.AddCommit(repoName, shaMain) },
			want:  dated,
		},
		{
			name:  "SetCommitDate redates",
			setup: func(s *Server) { s.SetBranch(repoName, "main", shaMain); s.SetCommitDate(repoName, shaMain, dated) },
			want:  dated,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t, atTestTime())
			tt.setup(fake)

			commit, _, err := client.Repositories.GetCommit(t.Context(), testOwner, testRepo, shaMain, nil)

			require.NoError(t, err)
			assert.Equal(t, tt.want, commit.GetCommit().GetCommitter().GetDate().UTC())
		})
	}
}

func TestDefaultBranch(t *testing.T) {
	tests := []struct {
		name          string
		defaultBranch string
		wantBranch    string
		wantTagAt     string
	}{
		{"main unless set", "", "main", shaMain},
		{"set", "develop", "develop", shaOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			fake.SetBranch(repoName, "main", shaMain)
			fake.SetBranch(repoName, "develop", shaOther)
			if tt.defaultBranch != "" {
				fake.SetDefaultBranch(repoName, tt.defaultBranch)
			}

			repo, _, err := client.Repositories.Get(t.Context(), testOwner, testRepo)
			require.NoError(t, err)
			_, _, err = client.Repositories.CreateRelease(t.Context(), testOwner, testRepo, &gh.RepositoryRelease{TagName: gh.String("v1")})
			require.NoError(t, err)

			assert.Equal(t, tt.wantBranch, repo.GetDefaultBranch())
			assert.Equal(t, tt.wantTagAt, fake.Tags(repoName)["v1"], "a release without a target is made at the default branch")
		})
	}
}
