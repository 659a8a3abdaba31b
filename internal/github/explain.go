package github

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v66/github"
)

// Access says what a failed call needed, so Explain can say what to change.
type Access struct {
	Repository string // owner/name the call targets
	Own        string // owner/name the workflow runs in (GITHUB_REPOSITORY); may be ""
	Permission string // e.g. "contents: write"
}

// notAccessible is GitHub's message when a GITHUB_TOKEN or App token lacks
// a permission or reaches outside its installation.
const notAccessible = "Resource not accessible by integration"

// Explain adds to err what the person reading the failed job should do.
// It returns err itself when it has nothing useful to add; errors.Is and
// errors.As on the result still reach err.
func Explain(err error, a Access) error {
	hint := hintFor(err, a)
	raw, plain := plainResponse(err)
	if hint == "" && raw == "" {
		return err
	}
	return &explained{err: err, hint: hint, raw: raw, plain: plain}
}

type explained struct {
	err        error
	hint       string
	raw, plain string // go-github's text of the response error, and ours
}

func (e *explained) Error() string {
	msg := e.err.Error()
	if e.raw != "" {
		msg = strings.Replace(msg, e.raw, e.plain, 1)
	}
	if e.hint != "" {
		msg += "; " + e.hint
	}
	return msg
}

func (e *explained) Unwrap() error { return e.err }

// plainResponse finds go-github's error for a response in err and returns
// its text with a plainer one: go-github prints Go structs of the error
// details and rate-limit durations from its own clock, which say nothing
// to someone reading a failed job (the hint says the rest).
func plainResponse(err error) (raw, plain string) {
	var resp *http.Response
	var message string
	var apiErr *gh.ErrorResponse
	var primary *gh.RateLimitError
	var secondary *gh.AbuseRateLimitError
	switch {
	case errors.As(err, &primary):
		raw, resp, message = primary.Error(), primary.Response, primary.Message
	case errors.As(err, &secondary):
		raw, resp, message = secondary.Error(), secondary.Response, secondary.Message
	case errors.As(err, &apiErr):
		raw, resp, message = apiErr.Error(), apiErr.Response, apiErr.Message
	default:
		return "", ""
	}
	if resp == nil || resp.Request == nil {
		return "", ""
	}
	if message == "" {
		message = http.StatusText(resp.StatusCode)
	}
	return raw, fmt.Sprintf("%s %s answered %d %s", resp.Request.Method, resp.Request.URL.Redacted(), resp.StatusCode, message)
}

func hintFor(err error, a Access) string {
	if err == nil {
		return ""
	}
	var primary *gh.RateLimitError
	if errors.As(err, &primary) {
		until := limitLifts(primary.Response)
		if until == "" && !primary.Rate.Reset.IsZero() {
			// go-github's own refusal before sending carries only Rate.
			until = "until " + formatTime(primary.Rate.Reset.Time)
		}
		return rateLimited("primary rate limit", until)
	}
	var secondary *gh.AbuseRateLimitError
	if errors.As(err, &secondary) {
		until := limitLifts(secondary.Response)
		if until == "" && secondary.RetryAfter != nil {
			until = "for another " + ceilSecond(*secondary.RetryAfter).String()
		}
		return rateLimited("secondary rate limit", until)
	}
	var apiErr *gh.ErrorResponse
	if errors.As(err, &apiErr) && apiErr.Response != nil {
		return responseHint(apiErr, a)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ""
	}
	var storageErr *StorageReadError
	if errors.As(err, &storageErr) {
		return "the download from GitHub's storage broke off while it was being uploaded again; rerun the job: what is already attached is kept"
	}
	var mismatch *DigestMismatchError
	if errors.As(err, &mismatch) {
		return "the asset to carry over does not hold what GitHub lists for it, so it was not copied: set `carry-over: false` to build it afresh, or delete it from the earlier release"
	}
	var redirected *StorageRedirectError
	if errors.As(err, &redirected) {
		return "GitHub's storage answered the download of an asset carried over with a redirect the action does not follow: re-run the job, and if it happens again set `carry-over: false` to build the asset afresh instead of copying it"
	}
	var timeout *TimeoutError
	if errors.As(err, &timeout) && timeout.Idle {
		return "the transfer stopped moving: re-run the job, and check the runner's network if it happens again"
	}
	if errors.As(err, &timeout) {
		return "GitHub did not answer in time: re-run the job later, or raise the `max-wait` input to keep retrying longer"
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		host := "GitHub"
		if u, parseErr := url.Parse(urlErr.URL); parseErr == nil && u.Host != "" {
			host = u.Host
		}
		return unreachable(host)
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return unreachable("GitHub")
	}
	return ""
}

func responseHint(apiErr *gh.ErrorResponse, a Access) string {
	resp := apiErr.Response
	switch kind := rateLimitKind(resp.StatusCode, resp.Header, []byte(apiErr.Message)); kind {
	case kindPrimaryLimit:
		return rateLimited("primary rate limit", limitLifts(resp))
	case kindSecondaryLimit:
		return rateLimited("secondary rate limit", limitLifts(resp))
	}

	repository := a.Repository
	if repository == "" {
		repository = "the target repository"
	}
	permission := a.Permission
	if permission == "" {
		permission = "the permission this step needs"
	}
	crossRepository := a.Repository != "" && !strings.EqualFold(a.Repository, a.Own)

	switch status := resp.StatusCode; {
	case status == http.StatusUnauthorized:
		return fmt.Sprintf("the token was rejected (bad credentials): pass a valid, unexpired token with %s on %s as the `token` input",
			permission, repository)
	case status == http.StatusForbidden && strings.Contains(apiErr.Message, notAccessible) && crossRepository:
		return onlyOwnRepository(a.Own) + needToken(permission, repository)
	case status == http.StatusForbidden && strings.Contains(apiErr.Message, notAccessible):
		return fmt.Sprintf("the token may not do this in %s: it needs %s; for the default GITHUB_TOKEN add `%s` under `permissions:` in the workflow, or pass a token that has it as the `token` input",
			repository, permission, permission)
	case status == http.StatusForbidden:
		return fmt.Sprintf("GitHub refused the request (%q): the token needs %s on %s; pass one that has it as the `token` input",
			apiErr.Message, permission, repository)
	case status == http.StatusNotFound && crossRepository:
		return fmt.Sprintf("GitHub answers 404 both when something does not exist and when the token may not see it: check that %s exists; ",
			repository) + onlyOwnRepository(a.Own) + needToken(permission, repository)
	case status == http.StatusNotFound:
		return fmt.Sprintf("not found in %s (GitHub said %q)", repository, apiErr.Message)
	case status == http.StatusUnprocessableEntity:
		return validationHint(apiErr)
	case status >= http.StatusInternalServerError:
		return fmt.Sprintf("GitHub kept answering %d %s, a failure on GitHub's side: re-run the job later, or raise the `max-wait` input to keep retrying longer",
			status, http.StatusText(status))
	}
	return ""
}

func onlyOwnRepository(own string) string {
	if own == "" {
		return "the default GITHUB_TOKEN only reaches the repository the workflow runs in: "
	}
	return fmt.Sprintf("the default GITHUB_TOKEN only reaches its own repository (%s): ", own)
}

func needToken(permission, repository string) string {
	return fmt.Sprintf("pass a personal access token or GitHub App installation token with %s on %s as the `token` input (e.g. token: ${{ secrets.REPO_ACCESS_TOKEN }})",
		permission, repository)
}

func validationHint(apiErr *gh.ErrorResponse) string {
	parts := []string{fmt.Sprintf("GitHub rejected the request as invalid: %q", apiErr.Message)}
	for _, item := range apiErr.Errors {
		var detail []string
		if item.Code != "" {
			detail = append(detail, item.Code)
		}
		if item.Resource != "" || item.Field != "" {
			detail = append(detail, "on "+strings.Trim(item.Resource+"."+item.Field, "."))
		}
		if item.Message != "" {
			detail = append(detail, strconv.Quote(item.Message))
		}
		if len(detail) > 0 {
			parts = append(parts, strings.Join(detail, " "))
		}
	}
	return strings.Join(parts, "; ")
}

func rateLimited(limit, until string) string {
	if until == "" {
		until = "for a while (GitHub asks to wait at least a minute)"
	}
	return fmt.Sprintf("GitHub rate-limited this token (%s) %s: re-run the job after that, or raise the `max-wait` input so the action waits it out",
		limit, until)
}

// limitLifts says when a rate limit lifts, counting a relative Retry-After
// from the response's Date so Explain needs no clock.
func limitLifts(resp *http.Response) string {
	if resp == nil {
		return ""
	}
	date, dateErr := http.ParseTime(resp.Header.Get("Date"))
	if seconds, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && dateErr != nil {
		return fmt.Sprintf("for another %ds", seconds)
	}
	if at, ok := limitEnd(resp.Header, date); ok {
		return "until " + formatTime(at)
	}
	return ""
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func unreachable(host string) string {
	return fmt.Sprintf("could not reach %s: check the `api-url` input and the runner's network (DNS, proxy, firewall)", host)
}
