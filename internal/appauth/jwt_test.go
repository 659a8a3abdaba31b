package appauth_test

import (
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/appauth"
	"github.com/BTCDecoded/release-action/internal/inputs"
)

// runnerTime is when the runner signs; it has a fraction of a second, which
// JWT times drop.
var runnerTime = time.Date(2025, 11, 17, 2, 0, 0, 500_000_000, time.UTC)

func TestJWT(t *testing.T) {
	key := testAppKey(t)
	tests := []struct {
		name  string
		appID string
	}{
		{"numeric App ID", "123456"},
		{"client ID", "Iv1.0123456789abcdef"},
		{"new-style client ID", "Iv23liAbCdEf0123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signed, err := appauth.JWT(appauth.Config{AppID: tt.appID, Now: func() time.Time { return runnerTime }}, key)
			require.NoError(t, err)

			var claims jwt.RegisteredClaims
			token, err := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation()).
				ParseWithClaims(signed, &claims, func(*jwt.Token) (any, error) { return &key.PublicKey, nil })
			require.NoError(t, err, "signed with the App's key")

			assert.Equal(t, "RS256", token.Header["alg"])
			assert.Equal(t, "JWT", token.Header["typ"])
			assert.Equal(t, tt.appID, claims.Issuer)
			assert.Equal(t, time.Date(2025, 11, 17, 1, 59, 0, 0, time.UTC), claims.IssuedAt.UTC(), "a minute before now")
			assert.Equal(t, time.Date(2025, 11, 17, 2, 9, 0, 0, time.UTC), claims.ExpiresAt.UTC(), "nine minutes after now")
			assert.LessOrEqual(t, claims.ExpiresAt.Sub(claims.IssuedAt.Time), 10*time.Minute, "GitHub's limit")
			assert.Empty(t, claims.Audience)
			assert.Empty(t, claims.Subject)
		})
	}
}

func TestJWTRefusesBadAppIDs(t *testing.T) {
	key := testAppKey(t)
	tests := []struct {
		name  string
		appID string
	}{
		{"empty", ""},
		{"the App's name", "release-bot"},
		{"with spaces", "123 456"},
		{"with a line break", "123456\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := appauth.JWT(appauth.Config{AppID: tt.appID, Now: func() time.Time { return runnerTime }}, key)

			var inputErr *inputs.Error
			require.True(t, errors.As(err, &inputErr), "an input error: %v", err)
			assert.Equal(t, "app-id", inputErr.Input)
			assert.Equal(t, `must be the GitHub App's numeric App ID or its client ID (both on the App's settings page, under About); got `+quote(tt.appID), inputErr.Rule)
		})
	}
}
