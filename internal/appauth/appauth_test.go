package appauth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/appauth"
	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/inputs"
)

const (
	appID        = "123456"
	installation = int64(4242)
	owner        = "BTCDecoded"
)

// fakeTime is GitHub's clock in these tests; the runner's is runnerTime,
// half a second later.
var fakeTime = time.Date(2025, 11, 17, 2, 0, 0, 0, time.UTC)

func quote(s string) string { return strconv.Quote(s) }

// newGitHub starts a fake GitHub with three BTCDecoded repositories and the
// test App installed on BTCDecoded.
func newGitHub(t *testing.T, opts ...githubtest.Option) *githubtest.Server {
	t.Helper()
	return githubtest.New(t, append([]githubtest.Option{
		githubtest.WithRepository(owner + "/bllvm"),
		githubtest.WithRepository(owner + "/bllvm-consensus"),
		githubtest.WithRepository(owner + "/governance-app"),
		githubtest.WithRepository("other/tool"),
		githubtest.WithApp(appID, &testAppKey(t).PublicKey, map[string]int64{owner: installation}),
		githubtest.WithClock(func() time.Time { return fakeTime }),
	}, opts...)...)
}

// clientsOf builds clients as main.go does, through the fake, so that every
// request is checked against GitHub's REST description.
func clientsOf(fake *githubtest.Server) func(bearer string) (*gh.Client, error) {
	return clientsAt(fake, "")
}

// clientsAt is clientsOf for the API at apiURL, such as a GitHub Enterprise
// Server's.
func clientsAt(fake *githubtest.Server, apiURL string) func(bearer string) (*gh.Client, error) {
	return func(bearer string) (*gh.Client, error) {
		return github.NewClient(github.Config{APIURL: apiURL, Token: bearer, HTTPClient: fake.Client()})
	}
}

func config(t *testing.T) appauth.Config {
	return appauth.Config{AppID: appID, PrivateKey: pkcs1(testAppKey(t)), Now: func() time.Time { return runnerTime }}
}

func TestMint(t *testing.T) {
	tests := []struct {
		name             string
		opts             []githubtest.Option
		repositories     []string
		permissions      map[string]string
		wantRepositories []string
		wantPermissions  map[string]string
	}{
		{
			name:             "limited to the repositories asked",
			repositories:     []string{"bllvm", "BTCDecoded/bllvm-consensus", "bllvm"},
			wantRepositories: []string{"bllvm", "bllvm-consensus"},
			wantPermissions:  map[string]string{"actions": "write", "contents": "write", "metadata": "read"},
		},
		{
			name:             "none asked: the repository alone, not the whole installation",
			wantRepositories: []string{"bllvm"},
			wantPermissions:  map[string]string{"actions": "write", "contents": "write", "metadata": "read"},
		},
		{
			name:             "limited to the permissions asked",
			repositories:     []string{"bllvm-consensus"},
			permissions:      map[string]string{"contents": "read", "actions": "write"},
			wantRepositories: []string{"bllvm-consensus"},
			wantPermissions:  map[string]string{"contents": "read", "actions": "write"},
		},
		{
			name:             "installation on selected repositories",
			opts:             []githubtest.Option{githubtest.WithAppRepositories(owner, "bllvm", "governance-app")},
			repositories:     []string{"governance-app"},
			wantRepositories: []string{"governance-app"},
			wantPermissions:  map[string]string{"actions": "write", "contents": "write", "metadata": "read"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newGitHub(t, tt.opts...)

			token, err := appauth.Mint(t.Context(), clientsOf(fake), config(t), owner, "bllvm", tt.repositories, tt.permissions)
			require.NoError(t, err)

			assert.Regexp(t, `^ghs_[A-Za-z0-9]{36}$`, token.Value)
			assert.Equal(t, fakeTime.Add(time.Hour), token.ExpiresAt.UTC())
			assert.Equal(t, installation, token.InstallationID)
			assert.Equal(t, tt.wantRepositories, token.Repositories)

			minted := fake.MintedTokens()
			require.Len(t, minted, 1)
			assert.Equal(t, githubtest.MintedToken{
				Value:          token.Value,
				InstallationID: installation,
				Owner:          owner,
				Repositories:   tt.wantRepositories,
				Permissions:    tt.wantPermissions,
				ExpiresAt:      token.ExpiresAt,
			}, minted[0])

			// Both calls sent a fresh JWT the fake accepted, as a bearer token.
			jwts := fake.JWTs()
			require.Len(t, jwts, 2)
			requests := fake.Requests()
			require.Len(t, requests, 2)
			for i, received := range jwts {
				assert.Empty(t, received.Refused)
				assert.Equal(t, "RS256", received.Algorithm)
				assert.Equal(t, appID, received.Issuer)
				assert.Equal(t, "Bearer "+received.Raw, requests[i].Header.Get("Authorization"))
			}
			assert.Equal(t, "/repos/BTCDecoded/bllvm/installation", requests[0].Path)
			assert.Equal(t, "/app/installations/4242/access_tokens", requests[1].Path)

			// The token works on its repositories only.
			client, err := clientsOf(fake)(token.Value)
			require.NoError(t, err)
			for _, name := range tt.wantRepositories {
				_, _, err := client.Repositories.Get(t.Context(), owner, name)
				assert.NoError(t, err, name)
			}
			_, _, err = client.Repositories.Get(t.Context(), "other", "tool")
			assert.Error(t, err, "a repository outside the token")
		})
	}
}

const (
	jwtRefused = "GitHub refused the App's JWT: check that `app-id` is the ID of the App whose private key is in `app-private-key`, and that the runner's clock is right"
)

func TestMintExplainsRefusals(t *testing.T) {
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tests := []struct {
		name         string
		opts         []githubtest.Option
		apiURL       string
		change       func(*appauth.Config)
		repo         string
		repositories []string
		permissions  map[string]string
		tokenFault   githubtest.Response
		wantStatus   int
		wantErr      string
	}{
		{
			name:       "wrong App ID",
			change:     func(c *appauth.Config) { c.AppID = "654321" },
			wantStatus: http.StatusUnauthorized,
			wantErr: `find the GitHub App's installation for BTCDecoded/bllvm: GET https://api.github.com/repos/BTCDecoded/bllvm/installation answered 401 "A JSON web token could not be decoded"; ` +
				jwtRefused,
		},
		{
			name:       "private key of another App",
			change:     func(c *appauth.Config) { c.PrivateKey = pkcs1(otherKey) },
			wantStatus: http.StatusUnauthorized,
			wantErr: `find the GitHub App's installation for BTCDecoded/bllvm: GET https://api.github.com/repos/BTCDecoded/bllvm/installation answered 401 "A JSON web token could not be decoded"; ` +
				jwtRefused,
		},
		{
			name:       "runner clock far ahead of GitHub's",
			change:     func(c *appauth.Config) { c.Now = func() time.Time { return runnerTime.Add(5 * time.Minute) } },
			wantStatus: http.StatusUnauthorized,
			wantErr: `find the GitHub App's installation for BTCDecoded/bllvm: GET https://api.github.com/repos/BTCDecoded/bllvm/installation answered 401 "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"; ` +
				jwtRefused,
		},
		{
			name:       "App not installed on the owner",
			repo:       "other/tool",
			wantStatus: http.StatusNotFound,
			wantErr: `find the GitHub App's installation for other/tool: GET https://api.github.com/repos/other/tool/installation answered 404 "Not Found"; ` +
				"the GitHub App is not installed on other, or its installation does not include tool: install it from the App's settings page " +
				"(https://github.com/settings/apps/<app-slug>/installations, or https://github.com/organizations/<org>/settings/apps/<app-slug>/installations for an App an organization owns) " +
				"and grant it tool; if it is installed, check that `app-id` names that App",
		},
		{
			name:       "App not installed on the repository",
			opts:       []githubtest.Option{githubtest.WithAppRepositories(owner, "bllvm-consensus")},
			wantStatus: http.StatusNotFound,
			wantErr: `find the GitHub App's installation for BTCDecoded/bllvm: GET https://api.github.com/repos/BTCDecoded/bllvm/installation answered 404 "Not Found"; ` +
				"the GitHub App is not installed on BTCDecoded, or its installation does not include bllvm: install it from the App's settings page " +
				"(https://github.com/settings/apps/<app-slug>/installations, or https://github.com/organizations/<org>/settings/apps/<app-slug>/installations for an App an organization owns) " +
				"and grant it bllvm; if it is installed, check that `app-id` names that App",
		},
		{
			name:       "App not installed, on GitHub Enterprise Server",
			apiURL:     "https://ghes.example.com/api/v3",
			opts:       []githubtest.Option{githubtest.WithAppRepositories(owner, "bllvm-consensus")},
			wantStatus: http.StatusNotFound,
			wantErr: `find the GitHub App's installation for BTCDecoded/bllvm: GET https://ghes.example.com/api/v3/repos/BTCDecoded/bllvm/installation answered 404 "Not Found"; ` +
				"the GitHub App is not installed on BTCDecoded, or its installation does not include bllvm: install it from the App's settings page " +
				"(https://ghes.example.com/settings/apps/<app-slug>/installations, or https://ghes.example.com/organizations/<org>/settings/apps/<app-slug>/installations for an App an organization owns) " +
				"and grant it bllvm; if it is installed, check that `app-id` names that App",
		},
		{
			name:         "repository the installation cannot reach",
			opts:         []githubtest.Option{githubtest.WithAppRepositories(owner, "bllvm")},
			repositories: []string{"bllvm", "bllvm-consensus"},
			wantStatus:   http.StatusUnprocessableEntity,
			wantErr: `create an installation token for BTCDecoded/bllvm, BTCDecoded/bllvm-consensus: POST https://api.github.com/app/installations/4242/access_tokens answered 422 "There is at least one repository that does not exist or is not accessible to the parent installation."; ` +
				"add the repositories (bllvm, bllvm-consensus) to the App's installation on BTCDecoded at https://github.com/organizations/BTCDecoded/settings/installations/4242, under Repository access, and check that each exists",
		},
		{
			name:        "permissions the App lacks",
			opts:        []githubtest.Option{githubtest.WithAppPermissions(map[string]string{"contents": "read", "metadata": "read"})},
			permissions: map[string]string{"contents": "write", "metadata": "read", "actions": "write"},
			wantStatus:  http.StatusForbidden,
			wantErr: `create an installation token for BTCDecoded/bllvm: POST https://api.github.com/app/installations/4242/access_tokens answered 403 "The permissions requested are not granted to this installation."; ` +
				"the App's installation on BTCDecoded does not grant actions: write, contents: write: add them to the App's permissions on its settings page (Permissions & events) " +
				"and accept them on the installation at https://github.com/organizations/BTCDecoded/settings/installations/4242",
		},
		{
			name:        "request GitHub finds invalid otherwise",
			permissions: map[string]string{"contents": "write"},
			tokenFault:  githubtest.Unprocessable("Invalid request.\n\nFor 'properties/contents', \"admin\" is not one of [\"read\", \"write\"]."),
			wantStatus:  http.StatusUnprocessableEntity,
			wantErr: `create an installation token for BTCDecoded/bllvm: POST https://api.github.com/app/installations/4242/access_tokens answered 422 Invalid request.` + "\n\n" +
				`For 'properties/contents', "admin" is not one of ["read", "write"].; GitHub rejected the request as invalid: "Invalid request.\n\nFor 'properties/contents', \"admin\" is not one of [\"read\", \"write\"]."`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newGitHub(t, tt.opts...)
			if tt.tokenFault.Status != 0 {
				fake.Fail(http.MethodPost, "/app/installations/*/access_tokens", tt.tokenFault)
			}
			cfg := config(t)
			if tt.change != nil {
				tt.change(&cfg)
			}
			repoOwner, repo := owner, "bllvm"
			if tt.repo != "" {
				repoOwner, repo = "other", "tool"
			}

			_, err := appauth.Mint(t.Context(), clientsAt(fake, tt.apiURL), cfg, repoOwner, repo, tt.repositories, tt.permissions)

			require.Error(t, err)
			assert.Equal(t, tt.wantErr, err.Error())
			var apiErr *gh.ErrorResponse
			require.True(t, errors.As(err, &apiErr), "go-github's error is still reachable")
			assert.Equal(t, tt.wantStatus, apiErr.Response.StatusCode)
			assert.Empty(t, fake.MintedTokens())
		})
	}
}

func TestMintChecksInputsFirst(t *testing.T) {
	tests := []struct {
		name         string
		change       func(*appauth.Config)
		repositories []string
		permissions  map[string]string
		wantInput    string
		wantRule     string
	}{
		{
			name:      "no private key",
			change:    func(c *appauth.Config) { c.PrivateKey = nil },
			wantInput: "app-private-key",
			wantRule:  "is empty: " + pasteWhole,
		},
		{
			name:      "App ID with a line break",
			change:    func(c *appauth.Config) { c.AppID = "123456\n" },
			wantInput: "app-id",
			wantRule:  `must be the GitHub App's numeric App ID or its client ID (both on the App's settings page, under About); got "123456\n"`,
		},
		{
			name:         "repository of another owner",
			repositories: []string{"bllvm", "other/tool"},
			wantRule:     `ask for a token: repositories must be of BTCDecoded, where the App's installation for BTCDecoded/bllvm is (one installation token reaches one owner's repositories); got "other/tool"`,
		},
		{
			name:         "not a repository name",
			repositories: []string{"bllvm consensus"},
			wantRule:     `ask for a token: repositories must be names such as bllvm or BTCDecoded/bllvm; got "bllvm consensus"`,
		},
		{
			name:        "unknown permission",
			permissions: map[string]string{"contents": "write", "everything": "write"},
			wantRule:    `ask for a token: "everything" is not a GitHub App permission (such as contents, actions or metadata)`,
		},
		{
			name:        "unknown level",
			permissions: map[string]string{"contents": "all"},
			wantRule:    `ask for a token: permission contents must be read, write or admin; got "all"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newGitHub(t)
			cfg := config(t)
			if tt.change != nil {
				tt.change(&cfg)
			}

			_, err := appauth.Mint(t.Context(), clientsOf(fake), cfg, owner, "bllvm", tt.repositories, tt.permissions)

			require.Error(t, err)
			assert.Empty(t, fake.Requests(), "nothing sent")
			if tt.wantInput == "" {
				// Repositories and permissions come from the mode, not from an input.
				assert.EqualError(t, err, tt.wantRule)
				return
			}
			var inputErr *inputs.Error
			require.True(t, errors.As(err, &inputErr), "an input error: %v", err)
			assert.Equal(t, tt.wantInput, inputErr.Input)
			assert.Equal(t, tt.wantRule, inputErr.Rule)
		})
	}
}

func TestRevoke(t *testing.T) {
	tests := []struct {
		name        string
		fault       []githubtest.Response
		wantErr     string
		wantRevoked bool
	}{
		{name: "revoked", wantRevoked: true},
		{
			name:  "GitHub failing",
			fault: []githubtest.Response{githubtest.BadGateway()},
			wantErr: "revoke the GitHub App installation token: DELETE https://api.github.com/installation/token answered 502 Server Error; " +
				"GitHub kept answering 502 Bad Gateway, a failure on GitHub's side: re-run the job later, or raise the `max-wait` input to keep retrying longer",
		},
		{
			name:        "already unusable",
			fault:       []githubtest.Response{githubtest.BadCredentials()},
			wantRevoked: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newGitHub(t, githubtest.WithToken("ghp_personal"))
			token, err := appauth.Mint(t.Context(), clientsOf(fake), config(t), owner, "bllvm", nil, nil)
			require.NoError(t, err)
			client, err := clientsOf(fake)(token.Value)
			require.NoError(t, err)
			_, _, err = client.Repositories.Get(t.Context(), owner, "bllvm")
			require.NoError(t, err, "the token works before")
			if tt.fault != nil {
				fake.Fail(http.MethodDelete, "/installation/token", tt.fault...)
			}

			err = appauth.Revoke(t.Context(), client)

			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, tt.wantErr, err.Error())
				assert.NotContains(t, err.Error(), token.Value)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.wantRevoked, fake.MintedTokens()[0].Revoked)
			last := fake.Requests()[len(fake.Requests())-1]
			assert.Equal(t, "Bearer "+token.Value, last.Header.Get("Authorization"), "authenticated with the token itself")

			_, _, err = client.Repositories.Get(t.Context(), owner, "bllvm")
			if tt.wantRevoked {
				require.Error(t, err, "the token no longer works")
				assert.Equal(t, http.StatusUnauthorized, errorStatus(err))
				explained := github.Explain(err, github.Access{Repository: owner + "/bllvm"})
				assert.NotContains(t, explained.Error(), token.Value, "an error of a request made with the token")
			} else {
				assert.NoError(t, err)
			}
		})
	}
}

func errorStatus(err error) int {
	var apiErr *gh.ErrorResponse
	if errors.As(err, &apiErr) && apiErr.Response != nil {
		return apiErr.Response.StatusCode
	}
	return 0
}

// TestMintedTokenNeverInErrors mints a token, then makes every later step
// fail, and checks that no message quotes the token.
func TestMintedTokenNeverInErrors(t *testing.T) {
	fake := newGitHub(t)
	token, err := appauth.Mint(t.Context(), clientsOf(fake), config(t), owner, "bllvm", []string{"bllvm"}, nil)
	require.NoError(t, err)
	client, err := clientsOf(fake)(token.Value)
	require.NoError(t, err)

	var failures []error
	_, _, err = client.Repositories.Get(t.Context(), owner, "governance-app")
	failures = append(failures, github.Explain(err, github.Access{Repository: owner + "/governance-app", Own: owner + "/bllvm"}))
	fake.Fail(http.MethodDelete, "/installation/token", githubtest.NotAccessible())
	failures = append(failures, appauth.Revoke(t.Context(), client))
	fake.Fail(http.MethodDelete, "/installation/token", githubtest.BadGateway())
	failures = append(failures, appauth.Revoke(t.Context(), client))
	fake.FailConn(http.MethodDelete, "/installation/token", 1)
	failures = append(failures, appauth.Revoke(t.Context(), client))
	_, err = appauth.Mint(t.Context(), clientsOf(fake), config(t), owner, "bllvm", []string{"missing"}, nil)
	failures = append(failures, err)

	for i, failure := range failures {
		require.Error(t, failure, "failure %d", i)
		assert.NotContains(t, failure.Error(), token.Value, "failure %d", i)
		assert.NotContains(t, failure.Error(), token.Value[4:], "failure %d", i)
	}
}
