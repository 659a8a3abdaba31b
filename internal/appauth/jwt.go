package appauth

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/BTCDecoded/release-action/internal/inputs"
)

// InputAppID is the input that carries the App's ID.
const InputAppID = "app-id"

const (
	// clockSkew back-dates iat, as GitHub advises, so a runner clock a
	// little ahead of GitHub's does not make the JWT "issued in the future".
	clockSkew = 60 * time.Second
	// lifetime keeps exp under GitHub's limit of 10 minutes from now even
	// when the runner's clock is up to a minute behind.
	lifetime = 9 * time.Minute
)

// appID is an App's numeric ID or its client ID (Iv1.0123abcd…, Iv23li…),
// both of which GitHub accepts as the JWT's issuer.
var appID = regexp.MustCompile(`^([0-9]+|Iv[0-9A-Za-z.]+)$`)

// JWT signs the JWT the App authenticates as itself with: RS256, iat a
// minute before now, exp nine minutes after (ten minutes apart, GitHub's
// maximum), iss the App's ID.
func JWT(cfg Config, key *rsa.PrivateKey) (string, error) {
	if err := checkAppID(cfg.AppID); err != nil {
		return "", err
	}
	if key == nil {
		return "", errors.New("sign the GitHub App's JWT: no private key")
	}
	now := cfg.now()
	claims := jwt.RegisteredClaims{
		Issuer:    cfg.AppID,
		IssuedAt:  jwt.NewNumericDate(now.Add(-clockSkew)),
		ExpiresAt: jwt.NewNumericDate(now.Add(lifetime)),
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
	if err != nil {
		return "", fmt.Errorf("sign the GitHub App's JWT: %w", err)
	}
	return signed, nil
}

func checkAppID(id string) error {
	if !appID.MatchString(id) {
		return inputs.Errorf(InputAppID, "must be the GitHub App's numeric App ID or its client ID (both on the App's settings page, under About); got %q", id)
	}
	return nil
}
