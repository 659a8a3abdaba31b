package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	orchestrator = "BTCDecoded/bllvm"
	consensus    = "BTCDecoded/bllvm-consensus"
)

// TestExplainResponses sends one dispatch to a fake GitHub that fails it and
// checks both that the failure was not retried and what the job would print.
func TestExplainResponses(t *testing.T) {
	crossRepository := Access{Repository: consensus, Own: orchestrator, Permission: "contents: write"}
	ownRepository := Access{Repository: orchestrator, Own: orchestrator, Permission: "contents: write"}
	date := map[string]string{"Date": testNow.Format(http.TimeFormat)}

	tests := []struct {
		name         string
		access       Access
		step         http.HandlerFunc
		maxWait      time.Duration
		wantRequests int
		want         []string
	}{
		{
			name:         "401 asks for a valid token",
			access:       crossRepository,
			step:         respond(401, nil, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`),
			wantRequests: 1,
			want: []string{
				"401 Bad credentials",
				"; the token was rejected (bad credentials): pass a valid, unexpired token with contents: write on BTCDecoded/bllvm-consensus as the `token` input",
			},
		},
		{
			name:         "403 not accessible across repositories asks for a PAT or App token",
			access:       crossRepository,
			step:         respond(403, nil, `{"message":"Resource not accessible by integration"}`),
			wantRequests: 1,
			want: []string{
				"403 Resource not accessible by integration",
				"; the default GITHUB_TOKEN only reaches its own repository (BTCDecoded/bllvm): pass a personal access token or GitHub App installation token with contents: write on BTCDecoded/bllvm-consensus as the `token` input (e.g. token: ${{ secrets.REPO_ACCESS_TOKEN }})",
			},
		},
		{
			name:         "403 not accessible with the workflow repository unknown",
			access:       Access{Repository: consensus, Permission: "contents: write"},
			step:         respond(403, nil, `{"message":"Resource not accessible by integration"}`),
			wantRequests: 1,
			want: []string{
				"the default GITHUB_TOKEN only reaches the repository the workflow runs in: pass a personal access token or GitHub App installation token with contents: write on BTCDecoded/bllvm-consensus",
			},
		},
		{
			name:         "403 not accessible in its own repository asks for the permission",
			access:       Access{Repository: "btcdecoded/BLLVM", Own: orchestrator, Permission: "contents: write"},
			step:         respond(403, nil, `{"message":"Resource not accessible by integration"}`),
			wantRequests: 1,
			want: []string{
				"; the token may not do this in btcdecoded/BLLVM: it needs contents: write; for the default GITHUB_TOKEN add `contents: write` under `permissions:` in the workflow, or pass a token that has it as the `token` input",
			},
		},
		{
			name:         "other 403 quotes GitHub and names the permission",
			access:       crossRepository,
			step:         respond(403, nil, `{"message":"Must have admin rights to Repository."}`),
			wantRequests: 1,
			want: []string{
				`; GitHub refused the request ("Must have admin rights to Repository."): the token needs contents: write on BTCDecoded/bllvm-consensus; pass one that has it as the ` + "`token` input",
			},
		},
		{
			name:         "404 across repositories may be the token or a missing repository",
			access:       crossRepository,
			step:         respond(404, nil, `{"message":"Not Found"}`),
			wantRequests: 1,
			want: []string{
				"404 Not Found",
				"; GitHub answers 404 both when something does not exist and when the token may not see it: check that BTCDecoded/bllvm-consensus exists; the default GITHUB_TOKEN only reaches its own repository (BTCDecoded/bllvm): pass a personal access token or GitHub App installation token with contents: write on BTCDecoded/bllvm-consensus as the `token` input",
			},
		},
		{
			name:         "404 in its own repository is plain not found",
			access:       ownRepository,
			step:         respond(404, nil, `{"message":"Not Found"}`),
			wantRequests: 1,
			want:         []string{`; not found in BTCDecoded/bllvm (GitHub said "Not Found")`},
		},
		{
			name:   "422 quotes GitHub's message and every error",
			access: ownRepository,
			step: respond(422, nil, `{"message":"Validation Failed","errors":[`+
				`{"resource":"Release","code":"already_exists","field":"tag_name"},`+
				`{"resource":"Release","code":"custom","field":"tag_name","message":"tag_name is not a valid tag"},`+
				`"name is too long"]}`),
			wantRequests: 1,
			want: []string{
				`; GitHub rejected the request as invalid: "Validation Failed"; already_exists on Release.tag_name; custom on Release.tag_name "tag_name is not a valid tag"; "name is too long"`,
			},
		},
		{
			name:         "429 after max-wait says until when and names max-wait",
			access:       ownRepository,
			step:         respond(429, map[string]string{"Retry-After": "90", "Date": testNow.Format(http.TimeFormat)}, `{"message":"Too many requests"}`),
			maxWait:      time.Minute,
			wantRequests: 1,
			want: []string{
				"; GitHub rate-limited this token (secondary rate limit) until 2025-06-01T12:01:30Z: re-run the job after that, or raise the `max-wait` input so the action waits it out",
			},
		},
		{
			name:         "429 with a Retry-After past Duration's range names its time",
			access:       ownRepository,
			step:         respond(429, map[string]string{"Retry-After": "9300000000", "Date": testNow.Format(http.TimeFormat)}, `{"message":"Too many requests"}`),
			maxWait:      6 * time.Hour,
			wantRequests: 1,
			want:         []string{"; GitHub rate-limited this token (secondary rate limit) until 2320-02-15T09:20:00Z: "},
		},
		{
			name:   "primary limit after max-wait says when it resets",
			access: ownRepository,
			step: respond(403, map[string]string{
				"X-RateLimit-Remaining": "0",
				"X-RateLimit-Reset":     strconv.FormatInt(testNow.Add(time.Hour).Unix(), 10),
			}, `{"message":"API rate limit exceeded for installation ID 1."}`),
			maxWait:      time.Minute,
			wantRequests: 1,
			want:         []string{"; GitHub rate-limited this token (primary rate limit) until 2025-06-01T13:00:01Z: re-run the job after that, or raise the `max-wait` input"},
		},
		{
			name:         "secondary limit without a hint",
			access:       ownRepository,
			step:         respond(403, date, secondaryLimitBody),
			maxWait:      time.Second,
			wantRequests: 1,
			want:         []string{"; GitHub rate-limited this token (secondary rate limit) for a while (GitHub asks to wait at least a minute): "},
		},
		{
			name:         "5xx after max-wait blames GitHub",
			access:       ownRepository,
			step:         respond(502, nil, ""),
			maxWait:      2 * time.Second,
			wantRequests: 2,
			want:         []string{"; GitHub kept answering 502 Bad Gateway, a failure on GitHub's side: re-run the job later, or raise the `max-wait` input to keep retrying longer"},
		},
		{
			name:         "network failure names the host",
			access:       ownRepository,
			step:         hangUp,
			maxWait:      time.Second,
			wantRequests: 2,
			want:         []string{": check the `api-url` input and the runner's network (DNS, proxy, firewall)", "; could not reach 127.0.0.1:"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, script := serve(t, tt.step)
			cfg := (&fakeWorld{}).config(srv)
			if tt.maxWait > 0 {
				cfg.MaxWait = tt.maxWait
			}
			client, err := NewClient(cfg)
			require.NoError(t, err)

			_, _, err = client.Repositories.Dispatch(context.Background(), "o", "r", gh.DispatchRequestOptions{EventType: "build_all"})
			require.Error(t, err)
			assert.Len(t, script.seen(), tt.wantRequests)

			explained := Explain(fmt.Errorf("dispatch build_all to %s: %w", tt.access.Repository, err), tt.access)
			message := explained.Error()
			assert.Contains(t, message, "dispatch build_all to "+tt.access.Repository+": ", "keeps the caller's context")
			for _, want := range tt.want {
				assert.Contains(t, message, want)
			}
			assert.NotContains(t, message, testToken)
			assert.NotContains(t, message, "Bearer")
			assert.ErrorIs(t, explained, err, "the original error stays reachable")
		})
	}
}

func TestExplainErrors(t *testing.T) {
	request := httptest.NewRequest(http.MethodPost, "https://api.github.com/repos/o/r/git/refs", nil)
	bare := func(status int) *http.Response {
		return &http.Response{StatusCode: status, Header: make(http.Header), Request: request}
	}
	reset := time.Date(2025, 6, 1, 13, 0, 0, 0, time.UTC)
	retryAfter := 90 * time.Second
	plain := errors.New("encode payload: unsupported value")
	cancelled := &url.Error{Op: "Post", URL: "https://api.github.com/repos/o/r/dispatches", Err: context.Canceled}

	tests := []struct {
		name   string
		err    error
		want   string // substring of the message; "" means err comes back unchanged
		wantAs any    // a target errors.As must still find
	}{
		{"nil stays nil", nil, "", nil},
		{"unknown errors are returned unchanged", plain, "", nil},
		{"cancellation is returned unchanged", cancelled, "", nil},
		{
			"primary limit go-github refused to send",
			&gh.RateLimitError{Rate: gh.Rate{Limit: 5000, Reset: gh.Timestamp{Time: reset}}, Response: bare(403), Message: "API rate limit of 5000 still exceeded"},
			"; GitHub rate-limited this token (primary rate limit) until 2025-06-01T13:00:00Z: ",
			new(*gh.RateLimitError),
		},
		{
			"secondary limit go-github refused to send",
			&gh.AbuseRateLimitError{Response: bare(403), Message: "API secondary rate limit exceeded", RetryAfter: &retryAfter},
			"; GitHub rate-limited this token (secondary rate limit) for another 1m30s: ",
			new(*gh.AbuseRateLimitError),
		},
		{
			"unreachable host",
			&url.Error{Op: "Post", URL: "https://ghes.example.com/api/v3/repos/o/r/dispatches", Err: errors.New("dial tcp: lookup ghes.example.com: no such host")},
			"no such host; could not reach ghes.example.com: check the `api-url` input",
			new(*url.Error),
		},
		{
			"carried bytes not as GitHub lists",
			fmt.Errorf("copy asset a.tar.gz: %w; the half-made copy was deleted", &DigestMismatchError{Asset: "a.tar.gz", Listed: "sha256:aa", Served: "sha256:bb"}),
			"as GitHub lists for the asset; the half-made copy was deleted; the asset to carry over does not hold what GitHub lists for it, so it was not copied: set `carry-over: false` to build it afresh",
			new(*DigestMismatchError),
		},
		{
			"a storage redirect not followed",
			fmt.Errorf("copy asset a.tar.gz: download asset 5: %w", &StorageRedirectError{To: &url.URL{Scheme: "https", Host: "api.github.com", Path: "/repos/o/r"}}),
			"which would receive the token; such a redirect is never followed; GitHub's storage answered the download of an asset carried over with a redirect the action does not follow: re-run the job, and if it happens again set `carry-over: false`",
			new(*StorageRedirectError),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Explain(tt.err, Access{Repository: "o/r", Own: "o/r", Permission: "contents: write"})
			if tt.err == nil {
				assert.NoError(t, got)
				return
			}
			if tt.want == "" {
				assert.Same(t, tt.err, got)
				return
			}
			assert.Contains(t, got.Error(), tt.want)
			assert.True(t, errors.As(got, tt.wantAs), "errors.As still finds %T", tt.wantAs)
		})
	}
}
