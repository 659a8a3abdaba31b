// Package appauth authenticates as a GitHub App: it signs the App's JWT,
// finds the App's installation for a repository and mints a short-lived
// installation token limited to the repositories and permissions a run
// needs, instead of a long-lived personal access token. It sends nothing
// itself: every request goes through a go-github client the caller builds,
// so the project's retry policy, base URLs and auth transport apply.
package appauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
)

// Config is the App's identity.
type Config struct {
	// AppID is the App's numeric ID, or its client ID (Iv1.…), which GitHub
	// accepts as the JWT's issuer too.
	AppID string
	// PrivateKey is the PEM the App's settings page downloads (PKCS#1
	// "RSA PRIVATE KEY"), or the same key as PKCS#8; see ParseKey.
	PrivateKey []byte
	// Now is the clock the JWT's times are taken from; nil is time.Now, as
	// in github.Config, so only main.go has to think about it.
	Now func() time.Time
	// OnSecret, when set, receives each JWT as soon as it is signed, before
	// any request carries it, so the caller can keep it out of everything
	// it prints: a refusal that quotes the Authorization header would
	// otherwise show a credential that acts as the App for minutes.
	OnSecret func(secret string)
}

func (c Config) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

// Token is an installation token. Value is a secret: never print it.
type Token struct {
	Value          string
	ExpiresAt      time.Time
	InstallationID int64
	// Repositories are the names, without the owner, the token reaches.
	Repositories []string
}

// Mint finds the App's installation for owner/repo and creates an
// installation token limited to repositories (names in owner, "name" or
// "owner/name"; none means repo alone, never the whole installation) and,
// when permissions is not empty, to those permissions (such as
// {"contents": "write"}; none means all the installation has). newClient
// builds the go-github client for a bearer token (the App's JWT here), as
// github.NewClient(github.Config{Token: bearer, …}) does.
//
// Bad inputs are reported before any request, as inputs.Error; GitHub's
// refusals are explained for the person reading the failed job.
func Mint(ctx context.Context, newClient func(bearer string) (*gh.Client, error), cfg Config, owner, repo string, repositories []string, permissions map[string]string) (Token, error) {
	key, err := ParseKey(cfg.PrivateKey)
	if err != nil {
		return Token{}, err
	}
	if err := checkAppID(cfg.AppID); err != nil {
		return Token{}, err
	}
	names, err := tokenRepositories(owner, repo, repositories)
	if err != nil {
		return Token{}, err
	}
	requested, err := tokenPermissions(permissions)
	if err != nil {
		return Token{}, err
	}

	appClient := func() (*gh.Client, error) {
		signed, err := JWT(cfg, key)
		if err != nil {
			return nil, err
		}
		if cfg.OnSecret != nil {
			cfg.OnSecret(signed)
		}
		client, err := newClient(signed)
		if err != nil {
			return nil, fmt.Errorf("build the GitHub client for the App: %w", err)
		}
		return client, nil
	}

	client, err := appClient()
	if err != nil {
		return Token{}, err
	}
	installation, _, err := client.Apps.FindRepositoryInstallation(ctx, owner, repo)
	if err != nil {
		return Token{}, fmt.Errorf("find the GitHub App's installation for %s/%s: %w", owner, repo, explainLookup(err, owner, repo, webURL(client)))
	}

	// A fresh JWT: retries of the lookup may have used up much of the
	// first one's nine minutes.
	if client, err = appClient(); err != nil {
		return Token{}, err
	}
	created, _, err := client.Apps.CreateInstallationToken(ctx, installation.GetID(), &gh.InstallationTokenOptions{
		Repositories: names,
		Permissions:  requested,
	})
	what := fmt.Sprintf("create an installation token for %s/%s", owner, strings.Join(names, ", "+owner+"/"))
	if err != nil {
		return Token{}, fmt.Errorf("%s: %w", what, explainCreate(err, installation, owner, names, permissions))
	}
	if created.GetToken() == "" {
		return Token{}, fmt.Errorf("%s: GitHub's answer carries no token", what)
	}
	if err := github.CheckToken(created.GetToken()); err != nil {
		// It could not be sent: every request with it would fail as if
		// GitHub were unreachable.
		return Token{}, fmt.Errorf("%s: the token in GitHub's answer %v, so it cannot be used", what, err)
	}

	token := Token{
		Value:          created.GetToken(),
		ExpiresAt:      created.GetExpiresAt().Time,
		InstallationID: installation.GetID(),
	}
	for _, reached := range created.Repositories {
		token.Repositories = append(token.Repositories, reached.GetName())
	}
	if len(token.Repositories) == 0 {
		token.Repositories = names
	}
	return token, nil
}

// Revoke revokes the installation token client authenticates with, so it
// stops working before it expires. A token GitHub no longer accepts (401)
// is as good as revoked, so that is no error.
func Revoke(ctx context.Context, client *gh.Client) error {
	_, err := client.Apps.RevokeInstallationToken(ctx)
	if err == nil || status(err) == http.StatusUnauthorized {
		return nil
	}
	return fmt.Errorf("revoke the GitHub App installation token: %w", github.Explain(err, github.Access{}))
}

func tokenRepositories(owner, repo string, repositories []string) ([]string, error) {
	if len(repositories) == 0 {
		return []string{repo}, nil
	}
	var names []string
	for _, given := range repositories {
		name := strings.TrimSpace(given)
		if repoOwner, repoName, ok := strings.Cut(name, "/"); ok {
			if !strings.EqualFold(repoOwner, owner) {
				return nil, fmt.Errorf("ask for a token: repositories must be of %s, where the App's installation for %s/%s is (one installation token reaches one owner's repositories); got %q", owner, owner, repo, given)
			}
			name = repoName
		}
		if name == "" || strings.ContainsAny(name, "/ \t\r\n") {
			return nil, fmt.Errorf("ask for a token: repositories must be names such as %s or %s/%s; got %q", repo, owner, repo, given)
		}
		if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, name) }) {
			names = append(names, name)
		}
	}
	return names, nil
}

// levels ranks what a permission may be set to.
var levels = map[string]int{"read": 1, "write": 2, "admin": 3}

// knownPermissions are the permissions go-github can ask for, by the names
// GitHub uses: one it does not know would be dropped from the request
// silently, widening the token instead of narrowing it.
var knownPermissions = func() map[string]bool {
	known := map[string]bool{}
	fields := reflect.TypeFor[gh.InstallationPermissions]()
	for i := range fields.NumField() {
		name, _, _ := strings.Cut(fields.Field(i).Tag.Get("json"), ",")
		known[name] = true
	}
	return known
}()

func tokenPermissions(permissions map[string]string) (*gh.InstallationPermissions, error) {
	if len(permissions) == 0 {
		return nil, nil
	}
	for _, name := range slices.Sorted(maps.Keys(permissions)) {
		if !knownPermissions[name] {
			return nil, fmt.Errorf("ask for a token: %q is not a GitHub App permission (such as contents, actions or metadata)", name)
		}
		if levels[permissions[name]] == 0 {
			return nil, fmt.Errorf("ask for a token: permission %s must be read, write or admin; got %q", name, permissions[name])
		}
	}
	encoded, err := json.Marshal(permissions)
	if err != nil {
		return nil, fmt.Errorf("encode the token's permissions: %w", err)
	}
	var requested gh.InstallationPermissions
	if err := json.Unmarshal(encoded, &requested); err != nil {
		return nil, fmt.Errorf("encode the token's permissions: %w", err)
	}
	return &requested, nil
}

// explained is a GitHub error with what to do about it, in the words of
// github.Explain; errors.As still reaches go-github's error.
type explained struct {
	err  error
	text string
}

func (e *explained) Error() string { return e.text }
func (e *explained) Unwrap() error { return e.err }

// explainWith says what GitHub answered and adds hint.
func explainWith(err error, hint string) error {
	var apiErr *gh.ErrorResponse
	if !errors.As(err, &apiErr) || apiErr.Response == nil {
		return err
	}
	resp := apiErr.Response
	message := apiErr.Message
	if message == "" {
		message = http.StatusText(resp.StatusCode)
	}
	answered := fmt.Sprintf("GitHub answered %d %q", resp.StatusCode, message)
	if resp.Request != nil {
		answered = fmt.Sprintf("%s %s answered %d %q", resp.Request.Method, resp.Request.URL.Redacted(), resp.StatusCode, message)
	}
	return &explained{err: err, text: answered + "; " + hint}
}

// status is the HTTP status of go-github's error for a response, or 0.
func status(err error) int {
	var apiErr *gh.ErrorResponse
	if errors.As(err, &apiErr) && apiErr.Response != nil {
		return apiErr.Response.StatusCode
	}
	return 0
}

const jwtRefused = "GitHub refused the App's JWT: check that `" + InputAppID + "` is the ID of the App whose private key is in `" + InputPrivateKey + "`, and that the runner's clock is right"

func explainLookup(err error, owner, repo, web string) error {
	switch status(err) {
	case http.StatusUnauthorized:
		return explainWith(err, jwtRefused)
	case http.StatusNotFound:
		return explainWith(err, fmt.Sprintf(
			"the GitHub App is not installed on %s, or its installation does not include %s: install it from the App's settings page "+
				"(%s/settings/apps/<app-slug>/installations, or %s/organizations/<org>/settings/apps/<app-slug>/installations for an App an organization owns) "+
				"and grant it %s; if it is installed, check that `%s` names that App",
			owner, repo, web, web, repo, InputAppID))
	}
	return github.Explain(err, github.Access{})
}

func explainCreate(err error, installation *gh.Installation, owner string, names []string, permissions map[string]string) error {
	settings := installation.GetHTMLURL()
	if settings == "" {
		settings = "the installation's settings"
	}
	switch status(err) {
	case http.StatusUnauthorized:
		return explainWith(err, jwtRefused)
	case http.StatusUnprocessableEntity:
		var apiErr *gh.ErrorResponse
		if errors.As(err, &apiErr) && !strings.Contains(strings.ToLower(apiErr.Message), "repositor") {
			break // Not about the repositories: a permission level GitHub does not take, say.
		}
		return explainWith(err, fmt.Sprintf(
			"add the repositories (%s) to the App's installation on %s at %s, under Repository access, and check that each exists",
			strings.Join(names, ", "), owner, settings))
	case http.StatusForbidden:
		if len(permissions) == 0 {
			break
		}
		return explainWith(err, fmt.Sprintf(
			"the App's installation on %s does not grant %s: add them to the App's permissions on its settings page (Permissions & events) and accept them on the installation at %s",
			owner, strings.Join(lacking(permissions, installation.GetPermissions()), ", "), settings))
	case http.StatusNotFound:
		return explainWith(err, fmt.Sprintf(
			"the App's installation %d on %s is gone: it was removed since it was found; reinstall the App on %s",
			installation.GetID(), owner, owner))
	}
	return github.Explain(err, github.Access{})
}

// lacking lists, as "name: level", the requested permissions the
// installation does not grant; all of them when it cannot tell.
func lacking(requested map[string]string, granted *gh.InstallationPermissions) []string {
	has := map[string]string{}
	if encoded, err := json.Marshal(granted); err == nil {
		json.Unmarshal(encoded, &has) // Only strings: decoding cannot fail.
	}
	var missing, all []string
	for _, name := range slices.Sorted(maps.Keys(requested)) {
		entry := name + ": " + requested[name]
		all = append(all, entry)
		if levels[has[name]] < levels[requested[name]] {
			missing = append(missing, entry)
		}
	}
	if len(missing) == 0 {
		return all
	}
	return missing
}

// webURL is GitHub's web host for the client's API base: github.com for
// api.github.com, HOST for api.HOST (GHE.com) and for HOST/api/v3 (GitHub
// Enterprise Server).
func webURL(client *gh.Client) string {
	if client.BaseURL == nil {
		return "https://github.com"
	}
	host := client.BaseURL.Host
	if rest, ok := strings.CutPrefix(strings.ToLower(host), "api."); ok {
		host = rest
	}
	return client.BaseURL.Scheme + "://" + host
}
