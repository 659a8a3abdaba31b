// Package github builds the GitHub API client every mode uses: base and
// upload URLs, authentication that never leaves GitHub's hosts, one retry
// policy for transient failures and rate limits, a dry-run interceptor, and
// error messages that tell the person reading a failed job what to do.
package github

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	gh "github.com/google/go-github/v66/github"
	"golang.org/x/oauth2"
)

// Config is everything the client takes from outside; nil functions get
// real defaults so only main.go has to think about them.
type Config struct {
	// APIURL is the REST API base; "" means https://api.github.com.
	APIURL string
	// Token authenticates every request to the API and uploads hosts;
	// "" sends requests unauthenticated (dry runs).
	Token string
	// HTTPClient supplies the base Transport and the other client settings
	// (Timeout, CheckRedirect, Jar); nil means http.DefaultClient. Its
	// Timeout bounds a whole request including all its retries.
	HTTPClient *http.Client
	// MaxWait bounds the time one request spends in its attempts and the
	// waits between them: no retry starts past it. The requests of one
	// asset's upload (UploadAsset, and CopyAsset with its downloads) count
	// as one. An attempt past it gets the grace (see Timeouts), or, for an
	// upload or an asset download, runs while it moves: a stalled upload
	// ends within max-wait and one idle time. 0 disables retrying.
	MaxWait time.Duration
	// Logf receives one line per retry and one when retrying gives up.
	Logf func(format string, args ...any)
	// Sleep waits d or until ctx is done; nil uses a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock rate-limit resets are measured against; nil is time.Now.
	Now func() time.Time
	// Jitter returns a number in [0,1) that spreads backoff waits; nil uses
	// math/rand/v2.
	Jitter func() float64
	// DryRun, when set, receives every request that would change something
	// (any method but GET and HEAD) instead of GitHub, which answers it
	// locally; reads still go to GitHub.
	DryRun func(method, url string, body []byte)
	// UserAgent replaces go-github's default User-Agent when set.
	UserAgent string
	// Timeouts bound each attempt of a request; zero fields get defaults.
	Timeouts Timeouts
}

// Timeouts bound how long one attempt may take, so that a server that
// accepts the connection and never answers cannot hold the step. Only
// tests set them; every zero field gets the default named here.
type Timeouts struct {
	// Attempt caps one attempt of a request that is not an upload or an
	// asset download (2m): GitHub gives up on a request after 10 seconds
	// itself, so a longer silence is a connection that is gone.
	Attempt time.Duration
	// Grace is how far past max-wait the last attempt may run (10s): an
	// attempt started with little of max-wait left still gets the time
	// GitHub may take to answer.
	Grace time.Duration
	// Single bounds the one attempt when max-wait is 0, retrying off (1m).
	Single time.Duration
	// Idle cuts an upload, or an asset download an upload may be reading,
	// once neither the body nor the answer has moved for this long (1m). An
	// attempt has no other limit: a slow upload that keeps moving finishes,
	// and max-wait only decides whether a cut one is tried again.
	Idle time.Duration
}

// defaultTimeouts are what a zero field of Timeouts takes.
var defaultTimeouts = Timeouts{Attempt: 2 * time.Minute, Grace: 10 * time.Second, Single: time.Minute, Idle: time.Minute}

func (t Timeouts) withDefaults() Timeouts {
	for _, f := range []struct {
		field *time.Duration
		def   time.Duration
	}{
		{&t.Attempt, defaultTimeouts.Attempt},
		{&t.Grace, defaultTimeouts.Grace},
		{&t.Single, defaultTimeouts.Single},
		{&t.Idle, defaultTimeouts.Idle},
	} {
		if *f.field <= 0 {
			*f.field = f.def
		}
	}
	return t
}

// NewClient returns a go-github client wired with the transport chain
// dry run → retry → auth → cfg.HTTPClient's Transport.
func NewClient(cfg Config) (*gh.Client, error) {
	api, uploads, err := BaseURLs(cfg.APIURL)
	if err != nil {
		return nil, fmt.Errorf("api-url %w", err)
	}
	// net/http would refuse such a token on every attempt, which would read
	// as a connection error and be retried for all of max-wait.
	if err := CheckToken(cfg.Token); err != nil {
		return nil, fmt.Errorf("the token %w, so it cannot be sent", err)
	}

	var httpClient http.Client
	if cfg.HTTPClient != nil {
		httpClient = *cfg.HTTPClient
	}
	base := httpClient.Transport
	if base == nil {
		base = http.DefaultTransport
	}

	auth := &authTransport{trusted: []string{origin(api), origin(uploads)}, next: base}
	if cfg.Token != "" {
		auth.withToken = &oauth2.Transport{
			Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: cfg.Token}),
			Base:   base,
		}
	}

	retry := &retryTransport{
		next:     auth,
		maxWait:  cfg.MaxWait,
		timeouts: cfg.Timeouts.withDefaults(),
		uploads:  uploads,
		logf:     cfg.Logf,
		sleep:    cfg.Sleep,
		now:      cfg.Now,
		jitter:   cfg.Jitter,
	}
	if retry.logf == nil {
		retry.logf = func(string, ...any) {}
	}
	if retry.sleep == nil {
		retry.sleep = Sleep
	}
	if retry.now == nil {
		retry.now = time.Now
	}
	if retry.jitter == nil {
		retry.jitter = rand.Float64
	}

	httpClient.Transport = retry
	if cfg.DryRun != nil {
		httpClient.Transport = &dryRunTransport{record: cfg.DryRun, next: retry}
	}

	client := gh.NewClient(&httpClient)
	// Set directly: WithEnterpriseURLs would give github.com a wrong upload base.
	client.BaseURL = api
	client.UploadURL = uploads
	if cfg.UserAgent != "" {
		client.UserAgent = cfg.UserAgent
	}
	return client, nil
}

// BaseURLs derives the REST API and release-asset upload bases from the
// api-url input. Accepted forms:
//
//	""  or https://api.github.com      → https://api.github.com/, https://uploads.github.com/
//	https://api.HOST (e.g. GHE.com)     → https://api.HOST/, https://uploads.HOST/
//	https://HOST/api/v3 (GHES)          → https://HOST/api/v3/, https://HOST/api/uploads/
//	https://HOST                        → treated as https://HOST/api/v3
func BaseURLs(apiURL string) (api, uploads *url.URL, err error) {
	apiURL = strings.TrimSpace(apiURL)
	if apiURL == "" {
		apiURL = "https://api.github.com"
	}
	u, err := url.Parse(apiURL)
	if err != nil {
		// url.Parse quotes the whole input, which could carry a credential.
		var parseErr *url.Error
		if errors.As(err, &parseErr) {
			err = parseErr.Err
		}
		return nil, nil, fmt.Errorf("not a URL: %w", err)
	}
	if u.User != nil {
		return nil, nil, fmt.Errorf("%q: must not contain a user name or password; pass credentials as the token input", withoutUser(u))
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, nil, fmt.Errorf("%q: must start with https:// (or http://)", apiURL)
	}
	if u.Host == "" {
		return nil, nil, fmt.Errorf("%q: must name a host", apiURL)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, nil, fmt.Errorf("%q: must not have a query or fragment", apiURL)
	}

	host := strings.ToLower(u.Host)
	path := strings.TrimSuffix(u.Path, "/")
	switch {
	case host == "github.com" || host == "www.github.com":
		return nil, nil, fmt.Errorf("%q: github.com is the web host; use https://api.github.com or leave api-url empty", apiURL)
	case strings.HasPrefix(host, "api."):
		// github.com and GHE.com serve the API at the root of api.HOST and
		// uploads at uploads.HOST.
		if path != "" {
			return nil, nil, fmt.Errorf("%q: an api.* host takes no path", apiURL)
		}
		if host == "api.github.com" {
			u.Scheme = "https"
		}
		api = &url.URL{Scheme: u.Scheme, Host: host, Path: "/"}
		uploads = &url.URL{Scheme: u.Scheme, Host: "uploads." + strings.TrimPrefix(host, "api."), Path: "/"}
		return api, uploads, nil
	case path == "" || path == "/api/v3":
		// A GitHub Enterprise Server serves its web UI at the root and the
		// API under /api/v3; people often paste the server URL
		// (GITHUB_SERVER_URL) instead of GITHUB_API_URL, so accept both.
		api = &url.URL{Scheme: u.Scheme, Host: host, Path: "/api/v3/"}
		uploads = &url.URL{Scheme: u.Scheme, Host: host, Path: "/api/uploads/"}
		return api, uploads, nil
	default:
		return nil, nil, fmt.Errorf("%q: path must be empty or /api/v3 (GitHub Enterprise Server)", apiURL)
	}
}

func withoutUser(u *url.URL) string {
	redacted := *u
	redacted.User = nil
	return redacted.String()
}

// Sleep waits d, or until ctx is done.
func Sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// CheckToken says what keeps token from being sent in an Authorization
// header, which takes printable ASCII, and no spaces in a token. The error
// names the character's kind and place, never the token; "" is valid (no
// token).
func CheckToken(token string) error {
	total := utf8.RuneCountInString(token)
	for position, rest := 1, token; rest != ""; position++ {
		r, size := utf8.DecodeRuneInString(rest)
		rest = rest[size:]
		var what string
		switch {
		case r == utf8.RuneError && size == 1:
			what = "a byte that is not ASCII"
		case r == ' ':
			what = "a space"
		case r == '\n':
			what = "a line break"
		case r == '\r':
			what = "a carriage return"
		case r == '\t':
			what = "a tab"
		case r < ' ' || r == 0x7f:
			what = fmt.Sprintf("a control character (%U)", r)
		case r > 0x7f:
			what = fmt.Sprintf("a character that is not ASCII (%U)", r)
		default:
			continue
		}
		return fmt.Errorf("has %s at character %d of %d", what, position, total)
	}
	return nil
}
