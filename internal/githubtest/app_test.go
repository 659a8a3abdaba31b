package githubtest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testAppID        = "123456"
	testInstallation = int64(4242)
)

// appKey is the test App's key pair, made once per test binary: a 2048-bit
// key takes a while to generate, and none is ever committed.
var appKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

func testAppKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := appKey()
	require.NoError(t, err)
	return key
}

// signJWT signs an App JWT with the given claims, as an App would.
func signJWT(t *testing.T, key *rsa.PrivateKey, method jwt.SigningMethod, claims jwt.RegisteredClaims) string {
	t.Helper()
	signed, err := jwt.NewWithClaims(method, claims).SignedString(key)
	require.NoError(t, err)
	return signed
}

// validJWT is the test App's JWT as GitHub advises making it at testTime.
func validJWT(t *testing.T) string {
	t.Helper()
	return signJWT(t, testAppKey(t), jwt.SigningMethodRS256, jwt.RegisteredClaims{
		Issuer:    testAppID,
		IssuedAt:  jwt.NewNumericDate(testTime.Add(-time.Minute)),
		ExpiresAt: jwt.NewNumericDate(testTime.Add(9 * time.Minute)),
	})
}

// newAppGitHub starts a fake with BTCDecoded/bllvm, bllvm-consensus and
// governance-app, the test App installed on BTCDecoded, and the clock at
// testTime.
func newAppGitHub(t *testing.T, opts ...Option) *Server {
	t.Helper()
	return New(t, append([]Option{
		WithRepository(repoName),
		WithRepository("BTCDecoded/bllvm-consensus"),
		WithRepository("BTCDecoded/governance-app"),
		WithApp(testAppID, &testAppKey(t).PublicKey, map[string]int64{testOwner: testInstallation}),
		WithClock(func() time.Time { return testTime }),
	}, opts...)...)
}

func bearerHeader(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}
}

func githubError(status int, message string) string {
	body, _ := json.Marshal(map[string]string{"message": message, "documentation_url": docsURL, "status": strconv.Itoa(status)})
	return string(body)
}

func TestRepoInstallationChecksTheJWT(t *testing.T) {
	key := testAppKey(t)
	claims := func(change func(*jwt.RegisteredClaims)) jwt.RegisteredClaims {
		c := jwt.RegisteredClaims{
			Issuer:    testAppID,
			IssuedAt:  jwt.NewNumericDate(testTime.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(testTime.Add(9 * time.Minute)),
		}
		change(&c)
		return c
	}
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)

	tests := []struct {
		name        string
		token       string
		wantStatus  int
		wantMessage string
	}{
		{"valid JWT", validJWT(t), http.StatusOK, ""},
		{"issued up to a minute ahead of GitHub's clock", signJWT(t, key, jwt.SigningMethodRS256, claims(func(c *jwt.RegisteredClaims) {
			c.IssuedAt = jwt.NewNumericDate(testTime.Add(time.Minute))
			c.ExpiresAt = jwt.NewNumericDate(testTime.Add(10 * time.Minute))
		})), http.StatusOK, ""},
		{"client ID is not this App's ID", signJWT(t, key, jwt.SigningMethodRS256, claims(func(c *jwt.RegisteredClaims) { c.Issuer = "999" })), http.StatusUnauthorized, jwtNotDecoded},
		{"signed by another key", signJWT(t, otherKey, jwt.SigningMethodRS256, claims(func(*jwt.RegisteredClaims) {})), http.StatusUnauthorized, jwtNotDecoded},
		{"signed with RS512", signJWT(t, key, jwt.SigningMethodRS512, claims(func(*jwt.RegisteredClaims) {})), http.StatusUnauthorized, jwtNotDecoded},
		{"not a JWT: a personal access token", "ghp_0123456789", http.StatusUnauthorized, jwtNotDecoded},
		{"lives longer than ten minutes", signJWT(t, key, jwt.SigningMethodRS256, claims(func(c *jwt.RegisteredClaims) {
			c.ExpiresAt = jwt.NewNumericDate(testTime.Add(9*time.Minute + time.Second))
		})), http.StatusUnauthorized, jwtTooLong},
		{"issued in the future", signJWT(t, key, jwt.SigningMethodRS256, claims(func(c *jwt.RegisteredClaims) {
			c.IssuedAt = jwt.NewNumericDate(testTime.Add(2 * time.Minute))
		})), http.StatusUnauthorized, jwtIssuedInFuture},
		{"expired", signJWT(t, key, jwt.SigningMethodRS256, claims(func(c *jwt.RegisteredClaims) {
			c.IssuedAt = jwt.NewNumericDate(testTime.Add(-11 * time.Minute))
			c.ExpiresAt = jwt.NewNumericDate(testTime.Add(-time.Minute))
		})), http.StatusUnauthorized, jwtExpired},
		{"no expiry", signJWT(t, key, jwt.SigningMethodRS256, claims(func(c *jwt.RegisteredClaims) { c.ExpiresAt = nil })), http.StatusUnauthorized, jwtExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newAppGitHub(t)

			status, body := do(t, fake.Client(), http.MethodGet, "https://api.github.com/repos/BTCDecoded/bllvm/installation", "", bearerHeader(tt.token))

			assert.Equal(t, tt.wantStatus, status, body)
			if tt.wantMessage != "" {
				assert.JSONEq(t, githubError(status, tt.wantMessage), body)
			}
			received := fake.JWTs()
			require.Len(t, received, 1)
			assert.Equal(t, tt.token, received[0].Raw)
			assert.Equal(t, tt.wantMessage, received[0].Refused)
		})
	}
}

func TestRepoInstallation(t *testing.T) {
	tests := []struct {
		name       string
		opts       []Option
		url        string
		wantStatus int
		wantBody   string
	}{
		{
			name:       "installed on the owner",
			url:        "https://api.github.com/repos/BTCDecoded/bllvm/installation",
			wantStatus: http.StatusOK,
			wantBody: `{"id":4242,"app_id":123456,"app_slug":"release-action-test","target_id":5242,"target_type":"Organization",
				"account":{"login":"BTCDecoded","id":5242,"type":"Organization","url":"https://api.github.com/users/BTCDecoded","html_url":"https://github.com/BTCDecoded"},
				"repository_selection":"all",
				"access_tokens_url":"https://api.github.com/app/installations/4242/access_tokens",
				"repositories_url":"https://api.github.com/installation/repositories",
				"html_url":"https://github.com/organizations/BTCDecoded/settings/installations/4242",
				"permissions":{"actions":"write","contents":"write","metadata":"read"},
				"events":[],"created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z","single_file_name":null}`,
		},
		{
			name:       "installed on selected repositories, this one among them",
			opts:       []Option{WithAppRepositories(testOwner, "bllvm"), WithAppPermissions(map[string]string{"contents": "read"})},
			url:        "https://ghes.example.com/api/v3/repos/BTCDecoded/bllvm/installation",
			wantStatus: http.StatusOK,
			wantBody: `{"id":4242,"app_id":123456,"app_slug":"release-action-test","target_id":5242,"target_type":"Organization",
				"account":{"login":"BTCDecoded","id":5242,"type":"Organization","url":"https://ghes.example.com/api/v3/users/BTCDecoded","html_url":"https://ghes.example.com/BTCDecoded"},
				"repository_selection":"selected",
				"access_tokens_url":"https://ghes.example.com/api/v3/app/installations/4242/access_tokens",
				"repositories_url":"https://ghes.example.com/api/v3/installation/repositories",
				"html_url":"https://ghes.example.com/organizations/BTCDecoded/settings/installations/4242",
				"permissions":{"contents":"read"},
				"events":[],"created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z","single_file_name":null}`,
		},
		{
			name:       "installed on selected repositories, not this one",
			opts:       []Option{WithAppRepositories(testOwner, "bllvm-consensus")},
			url:        "https://api.github.com/repos/BTCDecoded/bllvm/installation",
			wantStatus: http.StatusNotFound,
			wantBody:   githubError(http.StatusNotFound, "Not Found"),
		},
		{
			name:       "not installed on the owner",
			opts:       []Option{WithRepository("other/tool")},
			url:        "https://api.github.com/repos/other/tool/installation",
			wantStatus: http.StatusNotFound,
			wantBody:   githubError(http.StatusNotFound, "Not Found"),
		},
		{
			name:       "repository does not exist",
			url:        "https://api.github.com/repos/BTCDecoded/missing/installation",
			wantStatus: http.StatusNotFound,
			wantBody:   githubError(http.StatusNotFound, "Not Found"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newAppGitHub(t, tt.opts...)

			status, body := do(t, fake.Client(), http.MethodGet, tt.url, "", bearerHeader(validJWT(t)))

			assert.Equal(t, tt.wantStatus, status)
			assert.JSONEq(t, tt.wantBody, body)
		})
	}
}

func TestAppEndpointsWithoutAnApp(t *testing.T) {
	fake := New(t, WithRepository(repoName))

	status, _ := do(t, fake.Client(), http.MethodGet, "https://api.github.com/repos/BTCDecoded/bllvm/installation", "", bearerHeader(validJWT(t)))
	assert.Equal(t, http.StatusNotFound, status)
	status, _ = do(t, fake.Client(), http.MethodPost, "https://api.github.com/app/installations/4242/access_tokens", "{}", bearerHeader(validJWT(t)))
	assert.Equal(t, http.StatusNotFound, status)
	status, _ = do(t, fake.Client(), http.MethodDelete, "https://api.github.com/installation/token", "", bearerHeader("ghs_whatever"))
	assert.Equal(t, http.StatusNotFound, status)
	assert.Nil(t, fake.MintedTokens())
	assert.Nil(t, fake.JWTs())
}

// tokenAnswer is the part of POST access_tokens' answer the tests check
// beyond the token itself.
type tokenAnswer struct {
	Token               string            `json:"token"`
	ExpiresAt           string            `json:"expires_at"`
	Permissions         map[string]string `json:"permissions"`
	RepositorySelection string            `json:"repository_selection"`
	Repositories        []struct {
		Name     string `json:"name"`
		FullName string `json:"full_name"`
	} `json:"repositories"`
}

func TestCreateInstallationToken(t *testing.T) {
	tests := []struct {
		name             string
		opts             []Option
		installation     string
		body             string
		wantStatus       int
		wantError        string
		wantRepositories []string
		wantPermissions  map[string]string
		wantSelection    string
	}{
		{
			name:             "limited to the repositories named",
			body:             `{"repositories":["bllvm-consensus","bllvm"]}`,
			wantStatus:       http.StatusCreated,
			wantRepositories: []string{"bllvm", "bllvm-consensus"},
			wantPermissions:  defaultAppPermissions,
			wantSelection:    "selected",
		},
		{
			name:             "limited to repository IDs and permissions",
			body:             `{"repository_ids":[1],"permissions":{"contents":"read"}}`,
			wantStatus:       http.StatusCreated,
			wantRepositories: []string{"bllvm"},
			wantPermissions:  map[string]string{"contents": "read"},
			wantSelection:    "selected",
		},
		{
			name:             "no repositories named: all the installation reaches",
			opts:             []Option{WithAppRepositories(testOwner, "bllvm", "governance-app")},
			body:             `{}`,
			wantStatus:       http.StatusCreated,
			wantRepositories: []string{"bllvm", "governance-app"},
			wantPermissions:  defaultAppPermissions,
			wantSelection:    "selected",
		},
		{
			name:       "repository outside the installation",
			opts:       []Option{WithAppRepositories(testOwner, "bllvm")},
			body:       `{"repositories":["bllvm","bllvm-consensus"]}`,
			wantStatus: http.StatusUnprocessableEntity,
			wantError:  repositoryNotInApp,
		},
		{
			name:       "repository that does not exist",
			body:       `{"repositories":["missing"]}`,
			wantStatus: http.StatusUnprocessableEntity,
			wantError:  repositoryNotInApp,
		},
		{
			name:       "permission the App lacks",
			body:       `{"repositories":["bllvm"],"permissions":{"contents":"write","issues":"write"}}`,
			wantStatus: http.StatusForbidden,
			wantError:  permissionsNotInApp,
		},
		{
			name:         "installation of no one",
			installation: "77",
			body:         `{}`,
			wantStatus:   http.StatusNotFound,
			wantError:    "Not Found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newAppGitHub(t, tt.opts...)
			installation := tt.installation
			if installation == "" {
				installation = itoa(testInstallation)
			}

			status, body := do(t, fake.Client(), http.MethodPost, "https://api.github.com/app/installations/"+installation+"/access_tokens", tt.body, bearerHeader(validJWT(t)))

			require.Equal(t, tt.wantStatus, status, body)
			if tt.wantError != "" {
				assert.JSONEq(t, githubError(status, tt.wantError), body)
				assert.Empty(t, fake.MintedTokens())
				return
			}
			var answer tokenAnswer
			require.NoError(t, json.Unmarshal([]byte(body), &answer))
			assert.Regexp(t, `^ghs_[A-Za-z0-9]{36}$`, answer.Token)
			assert.Equal(t, "2025-11-17T03:00:00Z", answer.ExpiresAt)
			assert.Equal(t, tt.wantPermissions, answer.Permissions)
			assert.Equal(t, tt.wantSelection, answer.RepositorySelection)
			var names []string
			for _, r := range answer.Repositories {
				names = append(names, r.Name)
				assert.Equal(t, "BTCDecoded/"+r.Name, r.FullName)
			}
			assert.Equal(t, tt.wantRepositories, names)
			assert.Equal(t, []MintedToken{{
				Value:          answer.Token,
				InstallationID: testInstallation,
				Owner:          testOwner,
				Repositories:   tt.wantRepositories,
				Permissions:    tt.wantPermissions,
				ExpiresAt:      testTime.Add(time.Hour),
			}}, fake.MintedTokens())
		})
	}
}

func TestCreateInstallationTokenNeedsTheJWT(t *testing.T) {
	fake := newAppGitHub(t, WithToken("ghp_personal"))

	status, body := do(t, fake.Client(), http.MethodPost, "https://api.github.com/app/installations/4242/access_tokens", `{}`, bearerHeader("ghp_personal"))

	assert.Equal(t, http.StatusUnauthorized, status)
	assert.JSONEq(t, githubError(status, jwtNotDecoded), body)
	assert.Empty(t, fake.MintedTokens())
}

func TestMintedTokenAuthenticates(t *testing.T) {
	const pat = "ghp_personal"
	type step struct {
		method, url string
		token       string // "minted" for the minted token
		advance     time.Duration
		wantStatus  int
	}
	const (
		bllvm      = "https://api.github.com/repos/BTCDecoded/bllvm"
		consensus  = "https://api.github.com/repos/BTCDecoded/bllvm-consensus"
		governance = "https://api.github.com/repos/BTCDecoded/governance-app"
		revoke     = "https://api.github.com/installation/token"
	)
	tests := []struct {
		name        string
		steps       []step
		wantRevoked bool
	}{
		{
			name: "reaches its repositories beside the WithToken token",
			steps: []step{
				{method: http.MethodGet, url: bllvm, token: "minted", wantStatus: http.StatusOK},
				{method: http.MethodGet, url: consensus + "/tags", token: "minted", wantStatus: http.StatusOK},
				{method: http.MethodGet, url: governance, token: pat, wantStatus: http.StatusOK},
				{method: http.MethodGet, url: bllvm, token: "ghs_unknown", wantStatus: http.StatusUnauthorized},
			},
		},
		{
			name: "another repository is not found",
			steps: []step{
				{method: http.MethodGet, url: governance, token: "minted", wantStatus: http.StatusNotFound},
				{method: http.MethodGet, url: "https://api.github.com/repos/other/tool", token: "minted", wantStatus: http.StatusNotFound},
			},
		},
		{
			name: "revoked: bad credentials from then on",
			steps: []step{
				{method: http.MethodDelete, url: revoke, token: "minted", wantStatus: http.StatusNoContent},
				{method: http.MethodGet, url: bllvm, token: "minted", wantStatus: http.StatusUnauthorized},
				{method: http.MethodDelete, url: revoke, token: "minted", wantStatus: http.StatusUnauthorized},
				{method: http.MethodGet, url: bllvm, token: pat, wantStatus: http.StatusOK},
			},
			wantRevoked: true,
		},
		{
			name: "only a minted token revokes",
			steps: []step{
				{method: http.MethodDelete, url: revoke, token: pat, wantStatus: http.StatusUnauthorized},
				{method: http.MethodGet, url: bllvm, token: "minted", wantStatus: http.StatusOK},
			},
		},
		{
			name: "expired after an hour",
			steps: []step{
				{method: http.MethodGet, url: bllvm, token: "minted", advance: time.Hour - time.Second, wantStatus: http.StatusOK},
				{method: http.MethodGet, url: bllvm, token: "minted", advance: time.Second, wantStatus: http.StatusUnauthorized},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := NewClock(testTime)
			fake := newAppGitHub(t, WithToken(pat), WithClock(clock.Now))
			status, body := do(t, fake.Client(), http.MethodPost, "https://api.github.com/app/installations/4242/access_tokens",
				`{"repositories":["bllvm","bllvm-consensus"]}`, bearerHeader(validJWT(t)))
			require.Equal(t, http.StatusCreated, status, body)
			var answer tokenAnswer
			require.NoError(t, json.Unmarshal([]byte(body), &answer))

			for i, s := range tt.steps {
				clock.Advance(s.advance)
				token := s.token
				if token == "minted" {
					token = answer.Token
				}
				status, body := do(t, fake.Client(), s.method, s.url, "", bearerHeader(token))
				assert.Equal(t, s.wantStatus, status, "step %d: %s %s: %s", i, s.method, s.url, body)
				if status == http.StatusUnauthorized {
					assert.JSONEq(t, githubError(status, "Bad credentials"), body, "step %d", i)
				}
			}
			minted := fake.MintedTokens()
			require.Len(t, minted, 1)
			assert.Equal(t, tt.wantRevoked, minted[0].Revoked)
		})
	}
}
