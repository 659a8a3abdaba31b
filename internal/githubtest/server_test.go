package githubtest

import (
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// do sends a request through the fake's client and returns the status and
// body of the response.
func do(t *testing.T, client *http.Client, method, rawURL, body string, header map[string]string) (int, string) {
	t.Helper()
	var reader io.Reader
	if body != "" {
		reader = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, rawURL, reader)
	require.NoError(t, err)
	for name, value := range header {
		req.Header.Set(name, value)
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(got)
}

func TestAuthentication(t *testing.T) {
	tests := []struct {
		name          string
		opts          []Option
		authorization string
		wantStatus    int
	}{
		{"no token configured, none sent", nil, "", http.StatusOK},
		{"no token configured, any sent", nil, "Bearer whatever", http.StatusOK},
		{"bearer token", []Option{WithToken("ghs_right")}, "Bearer ghs_right", http.StatusOK},
		{"token scheme", []Option{WithToken("ghs_right")}, "token ghs_right", http.StatusOK},
		{"wrong token", []Option{WithToken("ghs_right")}, "Bearer ghs_wrong", http.StatusUnauthorized},
		{"no token sent", []Option{WithToken("ghs_right")}, "", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, append(tt.opts, WithRepository("BTCDecoded/bllvm"))...)
			header := map[string]string{}
			if tt.authorization != "" {
				header["Authorization"] = tt.authorization
			}

			status, body := do(t, fake.Client(), http.MethodGet, "https://api.github.com/repos/BTCDecoded/bllvm", "", header)

			assert.Equal(t, tt.wantStatus, status)
			if tt.wantStatus == http.StatusUnauthorized {
				assert.JSONEq(t, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}`, body)
			}
		})
	}
}

func TestRepositories(t *testing.T) {
	tests := []struct {
		name       string
		url        string
		wantStatus int
		wantBody   string
	}{
		{
			name:       "added repository",
			url:        "https://api.github.com/repos/BTCDecoded/bllvm",
			wantStatus: http.StatusOK,
			wantBody: `{"id":1,"name":"bllvm","full_name":"BTCDecoded/bllvm","private":false,
				"owner":{"login":"BTCDecoded","type":"Organization"},
				"html_url":"https://github.com/BTCDecoded/bllvm","url":"https://api.github.com/repos/BTCDecoded/bllvm",
				"default_branch":"main"}`,
		},
		{
			name:       "owner and name match whatever their case",
			url:        "https://api.github.com/repos/btcdecoded/BLLVM",
			wantStatus: http.StatusOK,
			wantBody: `{"id":1,"name":"bllvm","full_name":"BTCDecoded/bllvm","private":false,
				"owner":{"login":"BTCDecoded","type":"Organization"},
				"html_url":"https://github.com/BTCDecoded/bllvm","url":"https://api.github.com/repos/BTCDecoded/bllvm",
				"default_branch":"main"}`,
		},
		{
			name:       "enterprise server URLs",
			url:        "https://ghes.example.com/api/v3/repos/BTCDecoded/bllvm",
			wantStatus: http.StatusOK,
			wantBody: `{"id":1,"name":"bllvm","full_name":"BTCDecoded/bllvm","private":false,
				"owner":{"login":"BTCDecoded","type":"Organization"},
				"html_url":"https://ghes.example.com/BTCDecoded/bllvm","url":"https://ghes.example.com/api/v3/repos/BTCDecoded/bllvm",
				"default_branch":"main"}`,
		},
		{
			name:       "repository not added",
			url:        "https://api.github.com/repos/BTCDecoded/governance-app",
			wantStatus: http.StatusNotFound,
			wantBody:   `{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}`,
		},
		{
			name:       "route under a repository not added",
			url:        "https://api.github.com/repos/BTCDecoded/governance-app/tags",
			wantStatus: http.StatusNotFound,
			wantBody:   `{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}`,
		},
		{
			name:       "route the fake does not implement",
			url:        "https://api.github.com/repos/BTCDecoded/bllvm/installation",
			wantStatus: http.StatusNotFound,
			wantBody:   `{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository("BTCDecoded/bllvm"))

			status, body := do(t, fake.Client(), http.MethodGet, tt.url, "", nil)

			assert.Equal(t, tt.wantStatus, status)
			assert.JSONEq(t, tt.wantBody, body)
			assert.Len(t, fake.Requests(), 1, "every request is recorded")
		})
	}
}

func TestDispatches(t *testing.T) {
	tests := []struct {
		name           string
		owner, repo    string
		opts           github.DispatchRequestOptions
		wantStatus     int
		wantDispatches []Dispatch
	}{
		{
			name:       "recorded with its payload",
			owner:      "BTCDecoded",
			repo:       "bllvm",
			opts:       github.DispatchRequestOptions{EventType: "build_all", ClientPayload: rawJSON(`{"tag":"v1.2.3","prerelease":true}`)},
			wantStatus: http.StatusNoContent,
			wantDispatches: []Dispatch{{
				Repository:    "BTCDecoded/bllvm",
				EventType:     "build_all",
				ClientPayload: map[string]any{"tag": "v1.2.3", "prerelease": true},
			}},
		},
		{
			name:           "named as the repository was added",
			owner:          "btcdecoded",
			repo:           "BLLVM",
			opts:           github.DispatchRequestOptions{EventType: "build_all"},
			wantStatus:     http.StatusNoContent,
			wantDispatches: []Dispatch{{Repository: "BTCDecoded/bllvm", EventType: "build_all"}},
		},
		{
			name:       "repository not added",
			owner:      "BTCDecoded",
			repo:       "governance-app",
			opts:       github.DispatchRequestOptions{EventType: "build_all"},
			wantStatus: http.StatusNotFound,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository("BTCDecoded/bllvm"))
			client := github.NewClient(fake.Client())

			_, resp, _ := client.Repositories.Dispatch(t.Context(), tt.owner, tt.repo, tt.opts)

			require.NotNil(t, resp)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, tt.wantDispatches, fake.Dispatches())
		})
	}
}

func TestDispatchRejectsBadBodies(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantBody   string
	}{
		{"no event type", `{"client_payload":{}}`, http.StatusUnprocessableEntity, "event_type"},
		{"payload not an object", `{"event_type":"build_all","client_payload":[]}`, http.StatusUnprocessableEntity, "client_payload"},
		{"not JSON", `event_type=build_all`, http.StatusBadRequest, "Problems parsing JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository("BTCDecoded/bllvm"))
			// The contract refuses these bodies before the fake sees them.
			unchecked := &http.Client{Transport: fake.client.Transport.(contractTransport).next}

			status, body := do(t, unchecked, http.MethodPost, "https://api.github.com/repos/BTCDecoded/bllvm/dispatches", tt.body, nil)

			assert.Equal(t, tt.wantStatus, status)
			assert.Contains(t, body, tt.wantBody)
			assert.Empty(t, fake.Dispatches())
		})
	}
}

func TestRequestsRecordWhatWasSent(t *testing.T) {
	tests := []struct {
		name string
		url  string
		want Request
	}{
		{
			name: "github.com",
			url:  "https://api.github.com/repos/BTCDecoded/bllvm/releases?per_page=100",
			want: Request{
				Method:      http.MethodGet,
				Host:        "api.github.com",
				Path:        "/repos/BTCDecoded/bllvm/releases",
				EscapedPath: "/repos/BTCDecoded/bllvm/releases",
				Query:       map[string][]string{"per_page": {"100"}},
			},
		},
		{
			name: "enterprise server with an escaped tag",
			url:  "https://ghes.example.com/api/v3/repos/BTCDecoded/bllvm/releases/tags/nightly%2F1",
			want: Request{
				Method:      http.MethodGet,
				Host:        "ghes.example.com",
				Path:        "/repos/BTCDecoded/bllvm/releases/tags/nightly/1",
				EscapedPath: "/repos/BTCDecoded/bllvm/releases/tags/nightly%2F1",
				Query:       map[string][]string{},
			},
		},
		{
			// Uploads stream through the fake, which keeps no body.
			name: "enterprise server uploads",
			url:  "https://ghes.example.com/api/uploads/repos/BTCDecoded/bllvm/releases/1/assets?name=a.tgz",
			want: Request{
				Method:      http.MethodPost,
				Host:        "ghes.example.com",
				Path:        "/repos/BTCDecoded/bllvm/releases/1/assets",
				EscapedPath: "/repos/BTCDecoded/bllvm/releases/1/assets",
				Query:       map[string][]string{"name": {"a.tgz"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository("BTCDecoded/bllvm"))
			var body string
			header := map[string]string{"Authorization": "Bearer ghs_token"}
			if tt.want.Method == http.MethodPost {
				body = "asset"
				header["Content-Type"] = "application/gzip"
			}

			do(t, fake.Client(), tt.want.Method, tt.url, body, header)

			requests := fake.Requests()
			require.Len(t, requests, 1)
			got := requests[0]
			assert.Equal(t, "Bearer ghs_token", got.Header.Get("Authorization"))
			got.Header = nil
			if len(got.Body) == 0 {
				got.Body = nil
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRequestDecodeJSON(t *testing.T) {
	fake := New(t, WithRepository("BTCDecoded/bllvm"))
	client := github.NewClient(fake.Client())
	_, _, err := client.Repositories.Dispatch(t.Context(), "BTCDecoded", "bllvm", github.DispatchRequestOptions{EventType: "build_all"})
	require.NoError(t, err)

	var sent struct {
		EventType string `json:"event_type"`
	}
	fake.Requests()[0].DecodeJSON(t, &sent)

	assert.Equal(t, "build_all", sent.EventType)
}

func TestResponseHeaders(t *testing.T) {
	now := time.Date(2025, 11, 17, 3, 0, 0, 0, time.UTC)
	fake := New(t, WithRepository("BTCDecoded/bllvm"), WithClock(func() time.Time { return now }))
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://api.github.com/repos/BTCDecoded/bllvm", nil)
	require.NoError(t, err)

	for i := 1; i <= 2; i++ {
		resp, err := fake.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()

		assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
		assert.Equal(t, "5000", resp.Header.Get("X-RateLimit-Limit"))
		assert.Equal(t, strconv.Itoa(5000-i), resp.Header.Get("X-RateLimit-Remaining"))
		assert.Equal(t, strconv.FormatInt(now.Add(time.Hour).Unix(), 10), resp.Header.Get("X-RateLimit-Reset"))
		assert.NotEmpty(t, resp.Header.Get("X-GitHub-Request-Id"))
		assert.Equal(t, "https://api.github.com/repos/BTCDecoded/bllvm", resp.Request.URL.String(), "the response hides the fake's address")
	}
}

func TestClientRefusesNonGitHubURLs(t *testing.T) {
	tests := []struct {
		name string
		url  string
	}{
		{"other host", "https://example.com/repos/BTCDecoded/bllvm"},
		{"plain http", "http://api.github.com/repos/BTCDecoded/bllvm"},
		{"enterprise host outside the API", "https://ghes.example.com/BTCDecoded/bllvm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t)

			_, err := fake.Client().Get(tt.url)

			require.Error(t, err)
			assert.Empty(t, fake.Requests())
		})
	}
}

func TestRequestsAreSafeForConcurrentUse(t *testing.T) {
	fake := New(t, WithRepository("BTCDecoded/bllvm"))
	client := github.NewClient(fake.Client())
	const callers = 20

	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			_, _, err := client.Repositories.Dispatch(t.Context(), "BTCDecoded", "bllvm", github.DispatchRequestOptions{EventType: "build_all"})
			assert.NoError(t, err)
			fake.Requests()
		})
	}
	wg.Wait()

	assert.Len(t, fake.Requests(), callers)
	assert.Len(t, fake.Dispatches(), callers)
}

func rawJSON(s string) *json.RawMessage {
	msg := json.RawMessage(s)
	return &msg
}

// A 201 says where the new object is (Location), as GitHub's description
// documents for releases, refs and tag objects; an upload's answer has
// neither a Location nor rate-limit headers, as recorded in
// @octokit/fixtures (release-assets).
func TestCreatedAnswerHeaders(t *testing.T) {
	tests := []struct {
		name          string
		method, url   string
		body          string
		header        map[string]string
		wantLocation  func(fake *Server) string
		wantRateLimit bool
	}{
		{
			name: "release", method: http.MethodPost, url: "https://api.github.com/repos/BTCDecoded/bllvm/releases",
			body: `{"tag_name":"v2","draft":true}`, header: jsonHeader, wantRateLimit: true,
			wantLocation: func(fake *Server) string {
				return "https://api.github.com/repos/BTCDecoded/bllvm/releases/" + itoa(fake.Releases(repoName)[0].ID)
			},
		},
		{
			name: "ref", method: http.MethodPost, url: "https://api.github.com/repos/BTCDecoded/bllvm/git/refs",
			body: `{"ref":"refs/tags/v2","sha":"` + shaMain + `"}`, header: jsonHeader, wantRateLimit: true,
			wantLocation: func(*Server) string { return "https://api.github.com/repos/BTCDecoded/bllvm/git/refs/tags/v2" },
		},
		{
			name: "ref on enterprise server", method: http.MethodPost, url: "https://ghes.example.com/api/v3/repos/BTCDecoded/bllvm/git/refs",
			body: `{"ref":"refs/tags/v2","sha":"` + shaMain + `"}`, header: jsonHeader, wantRateLimit: true,
			wantLocation: func(*Server) string { return "https://ghes.example.com/api/v3/repos/BTCDecoded/bllvm/git/refs/tags/v2" },
		},
		{
			name: "upload", method: http.MethodPost, url: "https://uploads.github.com/repos/BTCDecoded/bllvm/releases/{id}/assets?name=a.txt",
			body: "bytes", header: map[string]string{"Content-Type": "text/plain"},
			wantLocation: func(*Server) string { return "" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository(repoName))
			fake.AddCommit(repoName, shaMain)
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			req, err := http.NewRequestWithContext(t.Context(), tt.method, strings.ReplaceAll(tt.url, "{id}", itoa(rel.ID)), strings.NewReader(tt.body))
			require.NoError(t, err)
			for name, value := range tt.header {
				req.Header.Set(name, value)
			}

			resp, err := fake.Client().Do(req)

			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusCreated, resp.StatusCode)
			assert.Equal(t, tt.wantLocation(fake), resp.Header.Get("Location"))
			for _, name := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Used", "X-RateLimit-Resource"} {
				assert.Equal(t, tt.wantRateLimit, resp.Header.Get(name) != "", name)
			}
		})
	}
}

// Everything under /repos/{owner}/{repo} is GitHub's 404 for a repository
// the fake does not hold, as for one the token cannot see: no route
// answers from another repository's state, or from none.
func TestUnknownRepositoryIsNotFound(t *testing.T) {
	const unknown = "/repos/BTCDecoded/governance-app"
	tests := []struct {
		method, path string
		body         string
		header       map[string]string
		api          string
	}{
		{method: http.MethodGet, path: ""},
		{method: http.MethodGet, path: "/releases"},
		{method: http.MethodPost, path: "/releases", body: `{"tag_name":"v1"}`, header: jsonHeader},
		{method: http.MethodGet, path: "/releases/tags/v1"},
		{method: http.MethodGet, path: "/releases/1"},
		{method: http.MethodPatch, path: "/releases/1", body: `{"draft":false}`, header: jsonHeader},
		{method: http.MethodDelete, path: "/releases/1"},
		{method: http.MethodGet, path: "/releases/1/assets"},
		{method: http.MethodGet, path: "/releases/assets/1"},
		{method: http.MethodDelete, path: "/releases/assets/1"},
		{method: http.MethodPost, path: "/releases/generate-notes", body: `{"tag_name":"v1"}`, header: jsonHeader},
		{method: http.MethodGet, path: "/git/matching-refs/tags/"},
		{method: http.MethodGet, path: "/git/ref/tags/v1"},
		{method: http.MethodPost, path: "/git/refs", body: `{"ref":"refs/tags/v1","sha":"` + shaMain + `"}`, header: jsonHeader},
		{method: http.MethodDelete, path: "/git/refs/tags/v1"},
		{method: http.MethodPost, path: "/git/tags", body: `{"tag":"v1","message":"m","object":"` + shaMain + `","type":"commit"}`, header: jsonHeader},
		{method: http.MethodGet, path: "/tags"},
		{method: http.MethodGet, path: "/commits/main"},
		{method: http.MethodGet, path: "/compare/main...v1"},
		{method: http.MethodPost, path: "/dispatches", body: `{"event_type":"build_all"}`, header: jsonHeader},
		{method: http.MethodPost, path: "/actions/workflows/nightly.yml/dispatches", body: `{"ref":"main"}`, header: jsonHeader},
		{method: http.MethodGet, path: "/actions/runs"},
		{method: http.MethodGet, path: "/actions/runs/1"},
		{method: http.MethodGet, path: "/installation"},
		{method: http.MethodPost, path: "/releases/1/assets?name=a.txt", body: "bytes", header: map[string]string{"Content-Type": "text/plain"}, api: "https://uploads.github.com"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			fake := New(t, WithRepository(repoName))
			// The same path in the repository the fake holds finds
			// something, so a 404 below is about the repository.
			fake.SetBranch(repoName, "main", shaMain)
			fake.SetTag(repoName, "v1", shaMain)
			fake.AddRelease(repoName, Release{TagName: "v1"})
			api := cmp.Or(tt.api, "https://api.github.com")

			status, body := do(t, fake.Client(), tt.method, api+unknown+tt.path, tt.body, tt.header)

			assert.Equal(t, http.StatusNotFound, status)
			assert.JSONEq(t, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}`, body)
			assert.Len(t, fake.Releases(repoName), 1)
			assert.Empty(t, fake.Dispatches())
			assert.Empty(t, fake.WorkflowDispatches())
		})
	}
}
