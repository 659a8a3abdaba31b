package github

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBaseURLs(t *testing.T) {
	tests := []struct {
		name        string
		apiURL      string
		wantAPI     string
		wantUploads string
		wantErr     string
	}{
		{"empty is github.com", "", "https://api.github.com/", "https://uploads.github.com/", ""},
		{"github.com", "https://api.github.com", "https://api.github.com/", "https://uploads.github.com/", ""},
		{"github.com with slash", "https://api.github.com/", "https://api.github.com/", "https://uploads.github.com/", ""},
		{"github.com upper case host", "https://API.GitHub.com", "https://api.github.com/", "https://uploads.github.com/", ""},
		{"GHE.com subdomain", "https://api.octocorp.ghe.com", "https://api.octocorp.ghe.com/", "https://uploads.octocorp.ghe.com/", ""},
		{"GHES with /api/v3", "https://ghes.example.com/api/v3", "https://ghes.example.com/api/v3/", "https://ghes.example.com/api/uploads/", ""},
		{"GHES with /api/v3/", "https://ghes.example.com/api/v3/", "https://ghes.example.com/api/v3/", "https://ghes.example.com/api/uploads/", ""},
		{"GHES server URL gets /api/v3", "https://ghes.example.com", "https://ghes.example.com/api/v3/", "https://ghes.example.com/api/uploads/", ""},
		{"GHES over http with port", "http://ghes.local:8080/", "http://ghes.local:8080/api/v3/", "http://ghes.local:8080/api/uploads/", ""},
		{"surrounding spaces", "  https://api.github.com  ", "https://api.github.com/", "https://uploads.github.com/", ""},
		{"no scheme", "api.github.com", "", "", `"api.github.com": must start with https:// (or http://)`},
		{"ftp scheme", "ftp://ghes.example.com", "", "", `"ftp://ghes.example.com": must start with https:// (or http://)`},
		{"no host", "https:///api/v3", "", "", `"https:///api/v3": must name a host`},
		{"user info", "https://x-access-token:ghp_secret@ghes.example.com/api/v3", "", "", `"https://ghes.example.com/api/v3": must not contain a user name or password`},
		{"query", "https://ghes.example.com/api/v3?x=1", "", "", `"https://ghes.example.com/api/v3?x=1": must not have a query or fragment`},
		{"fragment", "https://ghes.example.com/api/v3#top", "", "", "must not have a query or fragment"},
		{"web host of github.com", "https://github.com", "", "", "github.com is the web host; use https://api.github.com"},
		{"path on api host", "https://api.github.com/v3", "", "", `"https://api.github.com/v3": an api.* host takes no path`},
		{"other path on GHES", "https://ghes.example.com/github", "", "", "path must be empty or /api/v3"},
		{"unparseable", "https://ghes.example.com:port/", "", "", "not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, uploads, err := BaseURLs(tt.apiURL)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.NotContains(t, err.Error(), "ghp_secret")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantAPI, api.String())
			assert.Equal(t, tt.wantUploads, uploads.String())
		})
	}
}

func TestNewClientSetsBases(t *testing.T) {
	client, err := NewClient(Config{APIURL: "https://ghes.example.com/api/v3", UserAgent: "release-action/test"})
	require.NoError(t, err)
	assert.Equal(t, "https://ghes.example.com/api/v3/", client.BaseURL.String())
	assert.Equal(t, "https://ghes.example.com/api/uploads/", client.UploadURL.String())
	assert.Equal(t, "release-action/test", client.UserAgent)

	_, err = NewClient(Config{APIURL: "ftp://ghes.example.com"})
	assert.ErrorContains(t, err, "api-url")
}

func TestNewClientKeepsHTTPClientSettings(t *testing.T) {
	base := &http.Client{
		Timeout:       42 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	client, err := NewClient(Config{HTTPClient: base})
	require.NoError(t, err)
	assert.Equal(t, 42*time.Second, client.Client().Timeout)
	require.NotNil(t, client.Client().CheckRedirect)
	assert.Nil(t, base.Transport, "the caller's client must not be changed")
}

// TestToken routes every host name to one server through a custom dialer,
// so the API, uploads and foreign hosts can be told apart by Host.
func TestToken(t *testing.T) {
	tests := []struct {
		name     string
		token    string
		url      string
		wantAuth []string // Authorization of each request the server saw
	}{
		{"API host gets the token", testToken, "http://api.example.test/repos/o/r", []string{"Bearer " + testToken}},
		{"uploads host gets the token", testToken, "http://uploads.example.test/repos/o/r/releases/1/assets?name=a", []string{"Bearer " + testToken}},
		{"API host with explicit default port gets the token", testToken, "http://API.example.test:80/repos/o/r", []string{"Bearer " + testToken}},
		{"other host gets no token", testToken, "http://assets.example.test/file.tar.gz", []string{""}},
		{"API host name on another port gets no token", testToken, "http://api.example.test:8080/repos/o/r", []string{""}},
		{"redirect from API to another host gets no token", testToken, "http://api.example.test/redirect", []string{"Bearer " + testToken, ""}},
		{"empty token sends none", "", "http://api.example.test/repos/o/r", []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var seen []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen = append(seen, r.Header.Get("Authorization"))
				mu.Unlock()
				if r.URL.Path == "/redirect" {
					http.Redirect(w, r, "http://objects.example.test/asset", http.StatusFound)
					return
				}
				w.WriteHeader(http.StatusOK)
			}))
			defer srv.Close()
			everyHostIsTheServer := &http.Transport{
				DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
					return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
				},
			}
			defer everyHostIsTheServer.CloseIdleConnections()

			client, err := NewClient(Config{
				APIURL:     "http://api.example.test",
				Token:      tt.token,
				HTTPClient: &http.Client{Transport: everyHostIsTheServer},
			})
			require.NoError(t, err)
			req, err := http.NewRequest(http.MethodGet, tt.url, nil)
			require.NoError(t, err)
			resp, err := client.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()

			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, tt.wantAuth, seen)
			assert.Empty(t, req.Header.Get("Authorization"), "the caller's request must not be changed")
		})
	}
}

func TestDryRun(t *testing.T) {
	type call struct {
		method, url string
		body        map[string]any
	}
	tests := []struct {
		name       string
		run        func(ctx context.Context, client *gh.Client) error
		wantCalls  func(api string) []call
		wantServer int // requests that reach the server
	}{
		{
			name: "dispatch is answered 204 locally",
			run: func(ctx context.Context, client *gh.Client) error {
				_, _, err := client.Repositories.Dispatch(ctx, "o", "r", gh.DispatchRequestOptions{EventType: "build_all"})
				return err
			},
			wantCalls: func(api string) []call {
				return []call{{"POST", api + "repos/o/r/dispatches", map[string]any{"event_type": "build_all"}}}
			},
		},
		{
			name: "create release is answered 201 with an empty object",
			run: func(ctx context.Context, client *gh.Client) error {
				release, resp, err := client.Repositories.CreateRelease(ctx, "o", "r", &gh.RepositoryRelease{TagName: gh.String("v1.0.0"), Draft: gh.Bool(true)})
				if err == nil && (release == nil || resp.StatusCode != http.StatusCreated) {
					t.Errorf("got release %v, status %d; want an empty release and 201", release, resp.StatusCode)
				}
				return err
			},
			wantCalls: func(api string) []call {
				return []call{{"POST", api + "repos/o/r/releases", map[string]any{"tag_name": "v1.0.0", "draft": true}}}
			},
		},
		{
			name: "delete is recorded with no body",
			run: func(ctx context.Context, client *gh.Client) error {
				_, err := client.Git.DeleteRef(ctx, "o", "r", "tags/nightly")
				return err
			},
			wantCalls: func(api string) []call { return []call{{"DELETE", api + "repos/o/r/git/refs/tags/nightly", nil}} },
		},
		{
			name: "GET still reaches GitHub",
			run: func(ctx context.Context, client *gh.Client) error {
				_, _, err := client.Repositories.Get(ctx, "o", "r")
				return err
			},
			wantCalls:  func(string) []call { return nil },
			wantServer: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, script := serve(t, respond(http.StatusOK, nil, `{"full_name":"o/r"}`))
			var calls []call
			cfg := (&fakeWorld{}).config(srv)
			cfg.DryRun = func(method, url string, body []byte) {
				var decoded map[string]any
				if len(body) > 0 {
					require.NoError(t, json.Unmarshal(body, &decoded))
				}
				calls = append(calls, call{method, url, decoded})
			}
			client, err := NewClient(cfg)
			require.NoError(t, err)

			require.NoError(t, tt.run(context.Background(), client))
			assert.Equal(t, tt.wantCalls(client.BaseURL.String()), calls)
			assert.Len(t, script.seen(), tt.wantServer)
		})
	}
}

// An upload in a dry run is described, never read: it may be gigabytes.
func TestDryRunDescribesUploadBody(t *testing.T) {
	srv, script := serve(t, respond(http.StatusOK, nil, ""))
	asset := filepath.Join(t.TempDir(), "bllvm.tar.gz")
	require.NoError(t, os.WriteFile(asset, []byte("archive bytes"), 0o600))
	file, err := os.Open(asset)
	require.NoError(t, err)

	var gotURL, gotBody string
	cfg := (&fakeWorld{}).config(srv)
	cfg.DryRun = func(_ string, url string, body []byte) { gotURL, gotBody = url, string(body) }
	client, err := NewClient(cfg)
	require.NoError(t, err)

	_, _, err = client.Repositories.UploadReleaseAsset(context.Background(), "o", "r", 7, &gh.UploadOptions{Name: "bllvm.tar.gz"}, file)
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/api/uploads/repos/o/r/releases/7/assets?name=bllvm.tar.gz", gotURL)
	assert.Equal(t, "(13 bytes of application/gzip)", gotBody)
	assert.Empty(t, script.seen())
	_, err = file.Seek(0, io.SeekStart)
	assert.ErrorIs(t, err, os.ErrClosed, "the body is closed, as a sent one would be")
}

func TestCheckToken(t *testing.T) {
	tests := []struct {
		name  string
		token string
		want  string // "" means valid
	}{
		{"classic personal access token", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", ""},
		{"fine-grained token", "github_pat_11ABCDEFG0_abcdefghijklmnopqrstuvwxyz0123456789", ""},
		{"installation token", "ghs_T0kenThatMustNeverBePrinted0123456789", ""},
		{"every printable character", "!~\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}", ""},
		{"line break inside", "ghs_abc\ndef", "has a line break at character 8 of 11"},
		{"carriage return at the end", "ghs_abcdef\r", "has a carriage return at character 11 of 11"},
		{"tab", "ghs_abc\tdef", "has a tab at character 8 of 11"},
		{"space", "token ghs_abc", "has a space at character 6 of 13"},
		{"NUL", "ghs_\x00abc", "has a control character (U+0000) at character 5 of 8"},
		{"DEL", "ghs_abc\x7f", "has a control character (U+007F) at character 8 of 8"},
		{"non-ASCII letter", "ghs_abcé", "has a character that is not ASCII (U+00E9) at character 8 of 8"},
		{"invalid UTF-8", "ghs_\xff", "has a byte that is not ASCII at character 5 of 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckToken(tt.token)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())

			_, err = NewClient(Config{Token: tt.token})
			require.Error(t, err, "the client refuses it too")
			assert.Contains(t, err.Error(), tt.want)
			if len(tt.token) > 4 {
				assert.NotContains(t, err.Error(), tt.token[4:], "never the token")
			}
		})
	}
}
