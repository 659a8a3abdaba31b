package appauth_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/appauth"
	"github.com/BTCDecoded/release-action/internal/githubtest"
)

// TestMintReportsEachJWTBeforeSendingIt: the caller learns every JWT
// before any request carries it, so that even the first refusal quoting
// the Authorization header can be redacted.
func TestMintReportsEachJWTBeforeSendingIt(t *testing.T) {
	tests := []struct {
		name     string
		fault    func(fake *githubtest.Server, quoting string)
		wantErr  bool
		wantJWTs int
	}{
		{name: "minted", wantJWTs: 2},
		{
			name: "installation lookup refused quoting the header",
			fault: func(fake *githubtest.Server, quoting string) {
				fake.Fail(http.MethodGet, "/repos/*/*/installation", githubtest.Response{Status: http.StatusUnauthorized, Body: quoting})
			},
			wantErr:  true,
			wantJWTs: 1,
		},
		{
			name: "token request refused quoting the header",
			fault: func(fake *githubtest.Server, quoting string) {
				fake.Fail(http.MethodPost, "/app/installations/*/access_tokens", githubtest.Response{Status: http.StatusUnauthorized, Body: quoting})
			},
			wantErr:  true,
			wantJWTs: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newGitHub(t)
			cfg := config(t)
			var reported []string
			cfg.OnSecret = func(secret string) { reported = append(reported, secret) }
			if tt.fault != nil {
				// The runner's clock stands still here, so the JWT Mint signs
				// is this one.
				signed, err := appauth.JWT(cfg, testAppKey(t))
				require.NoError(t, err)
				tt.fault(fake, `{"message":"Bad credentials for Authorization: Bearer `+signed+`"}`)
			}
			newClient := func(bearer string) (*gh.Client, error) {
				assert.True(t, slices.Contains(reported, bearer), "the JWT is reported before a client carries it")
				return clientsOf(fake)(bearer)
			}

			_, err := appauth.Mint(t.Context(), newClient, cfg, owner, "bllvm", nil, nil)

			assert.Equal(t, tt.wantErr, err != nil, "error: %v", err)
			require.Len(t, reported, tt.wantJWTs)
			var sent []string
			for _, r := range fake.Requests() {
				sent = append(sent, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
			}
			assert.Equal(t, reported, sent, "each request carries a JWT reported first")
		})
	}
}

// TestMintRefusesATokenThatCannotBeSent: a token net/http would refuse in
// a header is reported now, not as a connection error on every later call.
func TestMintRefusesATokenThatCannotBeSent(t *testing.T) {
	fake := newGitHub(t)
	const broken = "ghs_0123456789\u0001abcdefghijklmnopqrstuvwxy"
	fake.Fail(http.MethodPost, "/app/installations/*/access_tokens", githubtest.Response{
		Status: http.StatusCreated,
		Body:   `{"token":"ghs_0123456789\u0001abcdefghijklmnopqrstuvwxy","expires_at":"2025-11-17T03:00:00Z"}`,
	})

	_, err := appauth.Mint(t.Context(), clientsOf(fake), config(t), owner, "bllvm", nil, nil)

	require.Error(t, err)
	assert.Equal(t, "create an installation token for BTCDecoded/bllvm: the token in GitHub's answer has a control character (U+0001) at character 15 of 40, so it cannot be used", err.Error())
	assert.NotContains(t, err.Error(), broken[4:14])
}
