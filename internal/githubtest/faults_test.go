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
