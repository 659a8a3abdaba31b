package github

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const secondaryLimitBody = `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`

func TestClassify(t *testing.T) {
	reset := strconv.FormatInt(testNow.Add(10*time.Second).Unix(), 10)
	tests := []struct {
		name       string
		status     int
		headers    map[string]string
		body       string
		err        error
		wantRetry  bool
		wantReason string
		wantWait   time.Duration
	}{
		{"success", 200, nil, "", nil, false, "200 OK", 0},
		{"not found", 404, nil, `{"message":"Not Found"}`, nil, false, "404 Not Found", 0},
		{"bad credentials", 401, nil, `{"message":"Bad credentials"}`, nil, false, "401 Unauthorized", 0},
		{"validation failed", 422, nil, `{"message":"Validation Failed"}`, nil, false, "422 Unprocessable Entity", 0},
		{"403 permission", 403, nil, `{"message":"Resource not accessible by integration"}`, nil, false, "403 Forbidden", 0},
		{"500", 500, nil, "", nil, true, "500 Internal Server Error", 0},
		{"502", 502, nil, "", nil, true, "502 Bad Gateway", 0},
		{"503", 503, nil, "", nil, true, "503 Service Unavailable", 0},
		{"504", 504, nil, "", nil, true, "504 Gateway Timeout", 0},
		{"501 is not transient", 501, nil, "", nil, false, "501 Not Implemented", 0},
		{"403 primary waits until reset plus a second", 403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}, "", nil, true, "403 Forbidden (primary rate limit exhausted)", 11 * time.Second},
		{"403 primary Retry-After wins over reset", 403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset, "Retry-After": "4"}, "", nil, true, "403 Forbidden (primary rate limit exhausted)", 4 * time.Second},
		{"403 primary without reset waits a minute", 403, map[string]string{"X-RateLimit-Remaining": "0"}, "", nil, true, "403 Forbidden (primary rate limit exhausted)", time.Minute},
		{"403 secondary by message waits a minute", 403, nil, secondaryLimitBody, nil, true, "403 Forbidden (secondary rate limit)", time.Minute},
		{"403 old abuse message", 403, nil, `{"message":"You have triggered an abuse detection mechanism."}`, nil, true, "403 Forbidden (secondary rate limit)", time.Minute},
		{"403 with Retry-After is secondary", 403, map[string]string{"Retry-After": "30"}, `{"message":"slow down"}`, nil, true, "403 Forbidden (secondary rate limit)", 30 * time.Second},
		{"429 Retry-After seconds", 429, map[string]string{"Retry-After": "3"}, "", nil, true, "429 Too Many Requests (secondary rate limit)", 3 * time.Second},
		{"429 Retry-After HTTP date", 429, map[string]string{"Retry-After": testNow.Add(5 * time.Second).Format(http.TimeFormat)}, "", nil, true, "429 Too Many Requests (secondary rate limit)", 5 * time.Second},
		{"429 Retry-After 0 still waits a second", 429, map[string]string{"Retry-After": "0"}, "", nil, true, "429 Too Many Requests (secondary rate limit)", time.Second},
		{"429 reset already past waits a second", 429, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": strconv.FormatInt(testNow.Add(-time.Hour).Unix(), 10)}, "", nil, true, "429 Too Many Requests (primary rate limit exhausted)", time.Second},
		{"429 without headers waits a minute", 429, nil, "", nil, true, "429 Too Many Requests (secondary rate limit)", time.Minute},
		{"429 unparseable Retry-After waits a minute", 429, map[string]string{"Retry-After": "soon"}, "", nil, true, "429 Too Many Requests (secondary rate limit)", time.Minute},
		{"429 Retry-After past Duration's range waits the longest a server may ask", 429, map[string]string{"Retry-After": "9300000000"}, "", nil, true, "429 Too Many Requests (secondary rate limit)", maxServerWait},
		{"429 Retry-After past uint64 waits the longest a server may ask", 429, map[string]string{"Retry-After": "99999999999999999999999"}, "", nil, true, "429 Too Many Requests (secondary rate limit)", maxServerWait},
		{"403 primary reset in the year 5138 waits the longest", 403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "99999999999"}, "", nil, true, "403 Forbidden (primary rate limit exhausted)", maxServerWait},
		{"403 primary reset past int64 waits the longest", 403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "9223372036854775807"}, "", nil, true, "403 Forbidden (primary rate limit exhausted)", maxServerWait},
		{"429 negative Retry-After is not a wait", 429, map[string]string{"Retry-After": "-5"}, "", nil, true, "429 Too Many Requests (secondary rate limit)", time.Minute},
		{"connection dropped", 0, nil, "", io.ErrUnexpectedEOF, true, "connection error: unexpected EOF", 0},
		{"attempt unanswered", 0, nil, "", &TimeoutError{After: 2 * time.Minute}, true, "no answer within 2m0s", 0},
		{"upload stalled", 0, nil, "", &TimeoutError{After: time.Minute, Idle: true}, true, "no progress for 1m0s", 0},
		{"cancelled", 0, nil, "", fmt.Errorf("dial: %w", context.Canceled), false, "dial: context canceled", 0},
		{"deadline", 0, nil, "", context.DeadlineExceeded, false, "context deadline exceeded", 0},
		{"untrusted certificate", 0, nil, "", x509.UnknownAuthorityError{}, false, "TLS certificate rejected: x509: certificate signed by unknown authority", 0},
		{"carried bytes not as GitHub lists", 0, nil, "", fmt.Errorf("write body: %w", &DigestMismatchError{Asset: "a.tar.gz", Listed: "sha256:aa", Served: "sha256:bb"}), false,
			"the bytes GitHub's storage served have sha256:bb, not sha256:aa as GitHub lists for the asset", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp *http.Response
			if tt.err == nil {
				resp = &http.Response{StatusCode: tt.status, Header: make(http.Header)}
				for name, value := range tt.headers {
					resp.Header.Set(name, value)
				}
			}
			got := classify(resp, []byte(tt.body), tt.err, testNow)
			assert.Equal(t, tt.wantRetry, got.retry, "retry")
			assert.Equal(t, tt.wantReason, got.reason, "reason")
			assert.Equal(t, tt.wantWait, got.wait, "wait")
		})
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		name    string
		attempt int
		jitter  float64
		want    time.Duration
	}{
		{"first wait is a second", 1, 0, time.Second},
		{"doubles", 3, 0, 4 * time.Second},
		{"capped at 30s", 6, 0, 30 * time.Second},
		{"stays capped far out", 64, 0, 30 * time.Second},
		{"jitter takes off up to half", 2, 0.5, 1500 * time.Millisecond},
		{"jitter near one nearly halves", 6, 0.999, 15015 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			transport := &retryTransport{jitter: func() float64 { return tt.jitter }}
			assert.Equal(t, tt.want, transport.backoff(tt.attempt))
		})
	}
}

func TestRetry(t *testing.T) {
	const path = "/api/v3/repos/o/r/dispatches"
	resetIn := func(d time.Duration) string { return strconv.FormatInt(testNow.Add(d).Unix(), 10) }
	noError := func(t *testing.T, err error) { assert.NoError(t, err) }
	status := func(code int) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			var apiErr *gh.ErrorResponse
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, code, apiErr.Response.StatusCode)
		}
	}

	tests := []struct {
		name         string
		maxWait      time.Duration
		steps        []http.HandlerFunc
		wantRequests int
		wantSleeps   []time.Duration
		wantLogs     []string // each a substring of the matching log line
		checkErr     func(*testing.T, error)
	}{
		{
			name:         "502 then success retries once",
			steps:        []http.HandlerFunc{respond(502, nil, ""), respond(204, nil, "")},
			wantRequests: 2,
			wantSleeps:   []time.Duration{time.Second},
			wantLogs:     []string{"retrying POST " + path + " in 1s (attempt 2, 4m59s of max-wait 5m0s left): 502 Bad Gateway"},
			checkErr:     noError,
		},
		{
			name:         "dropped connection is retried",
			steps:        []http.HandlerFunc{hangUp, respond(204, nil, "")},
			wantRequests: 2,
			wantSleeps:   []time.Duration{time.Second},
			wantLogs:     []string{"retrying POST " + path + " in 1s (attempt 2, 4m59s of max-wait 5m0s left): connection error: "},
			checkErr:     noError,
		},
		{
			name:         "429 with Retry-After 3 waits 3s",
			steps:        []http.HandlerFunc{respond(429, map[string]string{"Retry-After": "3"}, ""), respond(204, nil, "")},
			wantRequests: 2,
			wantSleeps:   []time.Duration{3 * time.Second},
			wantLogs:     []string{"retrying POST " + path + " in 3s (attempt 2, 4m57s of max-wait 5m0s left): 429 Too Many Requests (secondary rate limit)"},
			checkErr:     noError,
		},
		{
			name:         "secondary rate limit 403 is retried after a minute",
			steps:        []http.HandlerFunc{respond(403, nil, secondaryLimitBody), respond(204, nil, "")},
			wantRequests: 2,
			wantSleeps:   []time.Duration{time.Minute},
			wantLogs:     []string{"retrying POST " + path + " in 1m0s (attempt 2, 4m0s of max-wait 5m0s left): 403 Forbidden (secondary rate limit)"},
			checkErr:     noError,
		},
		{
			name: "primary rate limit 403 waits until the reset",
			steps: []http.HandlerFunc{
				respond(403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": resetIn(10 * time.Second)}, `{"message":"API rate limit exceeded"}`),
				respond(204, nil, ""),
			},
			wantRequests: 2,
			wantSleeps:   []time.Duration{11 * time.Second},
			wantLogs:     []string{"retrying POST " + path + " in 11s (attempt 2, 4m49s of max-wait 5m0s left): 403 Forbidden (primary rate limit exhausted)"},
			checkErr:     noError,
		},
		{
			name:         "backoff doubles until max-wait is spent",
			maxWait:      10 * time.Second,
			steps:        []http.HandlerFunc{respond(502, nil, "")},
			wantRequests: 4,
			wantSleeps:   []time.Duration{time.Second, 2 * time.Second, 4 * time.Second},
			wantLogs: []string{
				"retrying POST " + path + " in 1s (attempt 2, 9s of max-wait 10s left): 502 Bad Gateway",
				"retrying POST " + path + " in 2s (attempt 3, 7s of max-wait 10s left): 502 Bad Gateway",
				"retrying POST " + path + " in 4s (attempt 4, 3s of max-wait 10s left): 502 Bad Gateway",
				"giving up on POST " + path + " after attempt 4: 502 Bad Gateway: waiting 8s more would exceed max-wait 10s (3s left)",
			},
			checkErr: status(502),
		},
		{
			name:    "wait beyond max-wait returns the rate limit error without sleeping",
			maxWait: time.Minute,
			steps: []http.HandlerFunc{
				respond(403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": resetIn(time.Hour)}, `{"message":"API rate limit exceeded"}`),
			},
			wantRequests: 1,
			wantLogs: []string{
				"giving up on POST " + path + " after attempt 1: 403 Forbidden (primary rate limit exhausted): waiting 1h0m1s more would exceed max-wait 1m0s (1m0s left); the limit lifts at 2025-06-01T13:00:01Z",
			},
			checkErr: func(t *testing.T, err error) {
				var limit *gh.RateLimitError
				assert.ErrorAs(t, err, &limit)
			},
		},
		{
			name:    "Retry-After past Duration's range gives up at once naming the time",
			maxWait: 6 * time.Hour,
			steps: []http.HandlerFunc{
				respond(429, map[string]string{"Retry-After": "9300000000"}, `{"message":"Too many requests"}`),
				respond(204, nil, ""),
			},
			wantRequests: 1,
			wantLogs: []string{
				"giving up on POST " + path + " after attempt 1: 429 Too Many Requests (secondary rate limit): waiting over 24h0m0s more would exceed max-wait 6h0m0s (6h0m0s left); the limit lifts at 2320-02-15T09:20:00Z",
			},
			checkErr: status(429),
		},
		{
			name:    "reset far in the future gives up at once naming the time",
			maxWait: 6 * time.Hour,
			steps: []http.HandlerFunc{
				respond(403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "99999999999"}, `{"message":"API rate limit exceeded"}`),
			},
			wantRequests: 1,
			wantLogs: []string{
				"giving up on POST " + path + " after attempt 1: 403 Forbidden (primary rate limit exhausted): waiting over 24h0m0s more would exceed max-wait 6h0m0s (6h0m0s left); the limit lifts at 5138-11-16T09:46:40Z",
			},
			checkErr: func(t *testing.T, err error) {
				var limit *gh.RateLimitError
				assert.ErrorAs(t, err, &limit)
			},
		},
		{
			name:         "max-wait 0 disables retrying",
			maxWait:      -1, // stands for 0 in this table, where 0 means the default
			steps:        []http.HandlerFunc{respond(502, nil, ""), respond(204, nil, "")},
			wantRequests: 1,
			wantLogs:     []string{"giving up on POST " + path + " after attempt 1: 502 Bad Gateway: waiting 1s more would exceed max-wait 0s (0s left)"},
			checkErr:     status(502),
		},
		{
			name:         "401 is not retried",
			steps:        []http.HandlerFunc{respond(401, nil, `{"message":"Bad credentials"}`)},
			wantRequests: 1,
			checkErr:     status(401),
		},
		{
			name:         "403 permission is not retried",
			steps:        []http.HandlerFunc{respond(403, nil, `{"message":"Resource not accessible by integration"}`)},
			wantRequests: 1,
			checkErr:     status(403),
		},
		{
			name:         "404 is not retried",
			steps:        []http.HandlerFunc{respond(404, nil, `{"message":"Not Found"}`)},
			wantRequests: 1,
			checkErr:     status(404),
		},
		{
			name:         "422 is not retried",
			steps:        []http.HandlerFunc{respond(422, nil, `{"message":"Validation Failed"}`)},
			wantRequests: 1,
			checkErr:     status(422),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, script := serve(t, tt.steps...)
			world := &fakeWorld{}
			cfg := world.config(srv)
			switch {
			case tt.maxWait < 0:
				cfg.MaxWait = 0
			case tt.maxWait > 0:
				cfg.MaxWait = tt.maxWait
			}
			client, err := NewClient(cfg)
			require.NoError(t, err)

			payload := []byte(`{"version":"v1.2.3"}`)
			_, _, err = client.Repositories.Dispatch(context.Background(), "o", "r", gh.DispatchRequestOptions{
				EventType:     "build_all",
				ClientPayload: (*json.RawMessage)(&payload),
			})
			tt.checkErr(t, err)

			requests := script.seen()
			require.Len(t, requests, tt.wantRequests)
			for _, request := range requests {
				assert.Equal(t, requests[0].Body, request.Body, "every attempt sends the same body")
				assert.Equal(t, "Bearer "+testToken, request.Auth, "every attempt is authenticated")
			}
			assert.Contains(t, requests[0].Body, `"version":"v1.2.3"`)
			assert.Equal(t, tt.wantSleeps, world.slept())
			logs := world.logged()
			require.Len(t, logs, len(tt.wantLogs), "logs: %q", logs)
			for i, want := range tt.wantLogs {
				assert.Contains(t, logs[i], want)
			}
		})
	}
}

func TestRetryStopsWhenContextIsCancelledDuringSleep(t *testing.T) {
	srv, script := serve(t, respond(502, nil, ""), respond(204, nil, ""))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := (&fakeWorld{}).config(srv)
	cfg.Sleep = func(ctx context.Context, _ time.Duration) error {
		cancel()
		return ctx.Err()
	}
	client, err := NewClient(cfg)
	require.NoError(t, err)

	_, _, err = client.Repositories.Dispatch(ctx, "o", "r", gh.DispatchRequestOptions{EventType: "build_all"})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Len(t, script.seen(), 1)
}

func TestRetrySkipsStreamedUploads(t *testing.T) {
	srv, script := serve(t, respond(502, nil, ""), respond(201, nil, `{"id":1}`))
	world := &fakeWorld{}
	client, err := NewClient(world.config(srv))
	require.NoError(t, err)
	asset := filepath.Join(t.TempDir(), "bllvm.tar.gz")
	require.NoError(t, os.WriteFile(asset, []byte("archive bytes"), 0o600))
	file, err := os.Open(asset)
	require.NoError(t, err)

	_, _, err = client.Repositories.UploadReleaseAsset(context.Background(), "o", "r", 7, &gh.UploadOptions{Name: "bllvm.tar.gz"}, file)
	var apiErr *gh.ErrorResponse
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 502, apiErr.Response.StatusCode)
	requests := script.seen()
	require.Len(t, requests, 1)
	assert.Equal(t, "/api/uploads/repos/o/r/releases/7/assets", requests[0].Path)
	assert.Equal(t, "archive bytes", requests[0].Body)
	assert.Empty(t, world.slept())
}

func TestPeekForbiddenLeavesBodyWhole(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantPeek string
	}{
		{"short 403 is read whole", 403, secondaryLimitBody, secondaryLimitBody},
		{"long 403 is read up to the limit", 403, strings.Repeat("x", peekLimit+10), strings.Repeat("x", peekLimit)},
		{"other statuses are not read", 502, "bad gateway", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tt.status, Body: io.NopCloser(strings.NewReader(tt.body))}
			assert.Equal(t, tt.wantPeek, string(peekForbidden(resp)))
			rest, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.body, string(rest))
			assert.NoError(t, resp.Body.Close())
		})
	}
}
