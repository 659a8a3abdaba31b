package githubtest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFailServesResponsesInOrder(t *testing.T) {
	const repoURL = "https://api.github.com/repos/BTCDecoded/bllvm"
	tests := []struct {
		name       string
		method     string
		path       string
		responses  []Response
		wantStatus []int
	}{
		{
			name:       "exact path, then normal handling",
			method:     http.MethodGet,
			path:       "/repos/BTCDecoded/bllvm",
			responses:  []Response{BadGateway(), RetryAfter(1)},
			wantStatus: []int{http.StatusBadGateway, http.StatusTooManyRequests, http.StatusOK},
		},
		{
			name:       "wildcard segments",
			method:     http.MethodGet,
			path:       "/repos/*/*",
			responses:  []Response{NotAccessible()},
			wantStatus: []int{http.StatusForbidden, http.StatusOK},
		},
		{
			name:       "method must match",
			method:     http.MethodPost,
			path:       "/repos/BTCDecoded/bllvm",
			responses:  []Response{BadGateway()},
			wantStatus: []int{http.StatusOK, http.StatusOK},
		},
		{
			name:       "segment count must match",
			method:     http.MethodGet,
			path:       "/repos/*",
			responses:  []Response{BadGateway()},
			wantStatus: []int{http.StatusOK},
		},
		{
			name:       "served before authentication and repository checks",
			method:     http.MethodGet,
			path:       "/repos/BTCDecoded/bllvm",
			responses:  []Response{{Status: http.StatusTeapot, Body: `{"message":"teapot"}`}},
			wantStatus: []int{http.StatusTeapot, http.StatusOK},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository("BTCDecoded/bllvm"))
			fake.Fail(tt.method, tt.path, tt.responses...)

			var got []int
			for range tt.wantStatus {
				status, _ := do(t, fake.Client(), http.MethodGet, repoURL, "", nil)
				got = append(got, status)
			}

			assert.Equal(t, tt.wantStatus, got)
		})
	}
}

// TestFaultShapes checks that each ready-made fault reads to go-github the
// way GitHub's own answer does.
func TestFaultShapes(t *testing.T) {
	reset := time.Date(2025, 11, 17, 4, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		response Response
		check    func(t *testing.T, err error)
	}{
		{"bad gateway", BadGateway(), func(t *testing.T, err error) {
			requireStatus(t, err, http.StatusBadGateway)
		}},
		{"retry after", RetryAfter(3), func(t *testing.T, err error) {
			var ghErr *github.ErrorResponse
			require.ErrorAs(t, err, &ghErr)
			assert.Equal(t, http.StatusTooManyRequests, ghErr.Response.StatusCode)
			assert.Equal(t, "3", ghErr.Response.Header.Get("Retry-After"))
		}},
		{"secondary rate limit", SecondaryRateLimit(7), func(t *testing.T, err error) {
			var limited *github.AbuseRateLimitError
			require.ErrorAs(t, err, &limited)
			require.NotNil(t, limited.RetryAfter)
			assert.Equal(t, 7*time.Second, *limited.RetryAfter)
			assert.Contains(t, limited.Message, "secondary rate limit")
		}},
		{"primary rate limit", PrimaryRateLimit(reset), func(t *testing.T, err error) {
			var limited *github.RateLimitError
			require.ErrorAs(t, err, &limited)
			assert.Equal(t, 0, limited.Rate.Remaining)
			assert.Equal(t, 5000, limited.Rate.Limit)
			assert.True(t, limited.Rate.Reset.Time.Equal(reset))
			assert.Contains(t, limited.Message, "API rate limit exceeded for")
		}},
		{"not accessible", NotAccessible(), func(t *testing.T, err error) {
			ghErr := requireStatus(t, err, http.StatusForbidden)
			assert.Equal(t, "Resource not accessible by integration", ghErr.Message)
		}},
		{"not found", NotFound(), func(t *testing.T, err error) {
			ghErr := requireStatus(t, err, http.StatusNotFound)
			assert.Equal(t, "Not Found", ghErr.Message)
		}},
		{"bad credentials", BadCredentials(), func(t *testing.T, err error) {
			ghErr := requireStatus(t, err, http.StatusUnauthorized)
			assert.Equal(t, "Bad credentials", ghErr.Message)
		}},
		{"unprocessable", Unprocessable("Validation Failed", map[string]string{"resource": "Release", "code": "already_exists", "field": "tag_name"}), func(t *testing.T, err error) {
			ghErr := requireStatus(t, err, http.StatusUnprocessableEntity)
			assert.Equal(t, "Validation Failed", ghErr.Message)
			require.Len(t, ghErr.Errors, 1)
			assert.Equal(t, github.Error{Resource: "Release", Code: "already_exists", Field: "tag_name"}, ghErr.Errors[0])
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository("BTCDecoded/bllvm"))
			fake.Fail(http.MethodGet, "/repos/BTCDecoded/bllvm", tt.response)
			client := github.NewClient(fake.Client())

			_, _, err := client.Repositories.Get(t.Context(), "BTCDecoded", "bllvm")

			tt.check(t, err)
		})
	}
}

func requireStatus(t *testing.T, err error, status int) *github.ErrorResponse {
	t.Helper()
	var ghErr *github.ErrorResponse
	require.ErrorAs(t, err, &ghErr)
	require.Equal(t, status, ghErr.Response.StatusCode)
	return ghErr
}

func TestFailConnDropsConnections(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		body   string
	}{
		{"idempotent request", http.MethodGet, "/repos/BTCDecoded/bllvm", ""},
		{"request with a body", http.MethodPost, "/repos/BTCDecoded/bllvm/dispatches", `{"event_type":"build_all"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository("BTCDecoded/bllvm"))
			fake.FailConn(tt.method, tt.path, 2)
			send := func() (*http.Response, error) {
				req, err := http.NewRequestWithContext(t.Context(), tt.method, "https://api.github.com"+tt.path, strings.NewReader(tt.body))
				require.NoError(t, err)
				req.Header.Set("Content-Type", "application/json")
				return fake.Client().Do(req)
			}

			for range 2 {
				_, err := send()
				require.Error(t, err)
				assert.Contains(t, err.Error(), "https://api.github.com"+tt.path)
				assert.NotContains(t, err.Error(), "127.0.0.1", "the error hides the fake's address")
			}
			resp, err := send()
			require.NoError(t, err)
			resp.Body.Close()
			assert.Less(t, resp.StatusCode, 300)
			assert.Len(t, fake.Requests(), 3, "dropped requests are recorded too")
		})
	}
}

// LoseAnswers plays a request GitHub carried out whose answer never
// reached the client: the state changes, the connection drops.
func TestLoseAnswers(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		url      string
		body     string
		header   map[string]string
		wantTags map[string]string
		wantRels int
	}{
		{"a ref is created", http.MethodPost, "https://api.github.com/repos/BTCDecoded/bllvm/git/refs", `{"ref":"refs/tags/v1","sha":"` + shaMain + `"}`, jsonHeader, map[string]string{"v1": shaMain}, 0},
		{"a release is created", http.MethodPost, "https://api.github.com/repos/BTCDecoded/bllvm/releases", `{"tag_name":"v1","draft":true}`, jsonHeader, map[string]string{}, 1},
		{"an upload is stored", http.MethodPost, "https://uploads.github.com/repos/BTCDecoded/bllvm/releases/{id}/assets?name=a.txt", "bytes", map[string]string{"Content-Type": "text/plain"}, map[string]string{}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository(repoName))
			fake.AddCommit(repoName, shaMain)
			var planted []Release
			if strings.Contains(tt.url, "{id}") {
				planted = append(planted, fake.AddRelease(repoName, Release{TagName: "v0", Draft: true}))
				tt.url = strings.ReplaceAll(tt.url, "{id}", itoa(planted[0].ID))
			}
			path := strings.TrimPrefix(strings.TrimPrefix(strings.Split(tt.url, "?")[0], "https://api.github.com"), "https://uploads.github.com")
			fake.LoseAnswers(tt.method, path, 1)
			req, err := http.NewRequestWithContext(t.Context(), tt.method, tt.url, strings.NewReader(tt.body))
			require.NoError(t, err)
			for name, value := range tt.header {
				req.Header.Set(name, value)
			}

			_, err = fake.Client().Do(req)

			require.Error(t, err, "no answer")
			assert.Equal(t, tt.wantTags, fake.Tags(repoName))
			releases := fake.Releases(repoName)
			assert.Len(t, releases, tt.wantRels)
			if len(planted) > 0 {
				require.Len(t, releases[0].Assets, 1)
				assert.Equal(t, "uploaded", releases[0].Assets[0].State, "the upload completed")
			}
		})
	}
}

// BeforeNext runs what the test gives it just before the next matching
// request is handled, once: another run acting in between two requests.
func TestBeforeNext(t *testing.T) {
	fake, client := newGitHub(t)
	ran := 0
	fake.BeforeNext(http.MethodPost, "/repos/*/*/releases", func() {
		ran++
		fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
	})

	before, _, err := client.Repositories.ListReleases(t.Context(), testOwner, testRepo, nil)
	require.NoError(t, err)
	for range 2 {
		_, _, err = client.Repositories.CreateRelease(t.Context(), testOwner, testRepo, &github.RepositoryRelease{TagName: github.String("v1"), Draft: github.Bool(true)})
		require.NoError(t, err)
	}

	assert.Empty(t, before)
	assert.Equal(t, 1, ran, "once, before the first create only")
	assert.Len(t, fake.Releases(repoName), 3)
}
