package github

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

const (
	firstBackoff = time.Second
	maxBackoff   = 30 * time.Second
	// GitHub asks clients hit by a secondary rate limit without a
	// Retry-After to wait at least a minute.
	secondaryLimitWait = time.Minute
	// A server-requested wait is never shorter than this, so Retry-After: 0
	// or a reset already past cannot make the loop spin.
	minServerWait = time.Second
	// Enough of a 403 body to find GitHub's message in it.
	peekLimit = 64 << 10
	// How much of a discarded body to read so its connection can be reused.
	drainLimit = 64 << 10
)

// Kinds of failure classify tells apart.
const (
	kindPermanent = iota
	kindCancelled
	kindNetwork
	kindServer
	kindPrimaryLimit
	kindSecondaryLimit
)

// decision is classify's verdict on one attempt.
type decision struct {
	kind   int
	retry  bool
	reason string // for the log: the status or error and, for limits, which one
	// wait is how long the server asked us to wait (Retry-After, until the
	// rate limit resets, or GitHub's documented minute); zero means back off
	// exponentially with jitter.
	wait time.Duration
}

// classify decides whether one attempt failed transiently and how long to
// wait before the next. body is the start of a 403 body (nil otherwise).
func classify(resp *http.Response, body []byte, err error, now time.Time) decision {
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return decision{kind: kindCancelled, reason: err.Error()}
		}
		if certificateError(err) {
			return decision{kind: kindPermanent, reason: "TLS certificate rejected: " + err.Error()}
		}
		return decision{kind: kindNetwork, retry: true, reason: "connection error: " + err.Error()}
	}

	status := fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	switch resp.StatusCode {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return decision{kind: kindServer, retry: true, reason: status}
	}
	kind := rateLimitKind(resp.StatusCode, resp.Header, body)
	if kind == kindPermanent {
		return decision{kind: kindPermanent, reason: status}
	}
	d := decision{kind: kind, retry: true, reason: status + " (secondary rate limit)"}
	if kind == kindPrimaryLimit {
		d.reason = status + " (primary rate limit exhausted)"
	}
	if wait, ok := limitWait(resp.Header, now); ok {
		d.wait = max(wait, minServerWait)
	} else {
		d.wait = secondaryLimitWait
	}
	return d
}

// rateLimitKind tells whether a response is GitHub refusing for a rate
// limit. message is the body or GitHub's message from it.
func rateLimitKind(status int, header http.Header, message []byte) int {
	switch {
	case status != http.StatusForbidden && status != http.StatusTooManyRequests:
		return kindPermanent
	case header.Get("X-RateLimit-Remaining") == "0":
		return kindPrimaryLimit
	case status == http.StatusTooManyRequests || header.Get("Retry-After") != "":
		return kindSecondaryLimit
	}
	lower := bytes.ToLower(message)
	for _, marker := range []string{"secondary rate limit", "secondary-rate-limits", "abuse detection", "abuse-rate-limits"} {
		if bytes.Contains(lower, []byte(marker)) {
			return kindSecondaryLimit
		}
	}
	return kindPermanent
}

// limitWait reads how long GitHub asked us to wait: Retry-After (seconds or
// an HTTP date) wins, then the primary limit's reset time plus a second for
// clock skew.
func limitWait(header http.Header, now time.Time) (time.Duration, bool) {
	if at, ok := limitEnd(header, now); ok {
		return ceilSecond(at.Sub(now)), true
	}
	return 0, false
}

// limitEnd is the moment a rate limit lifts, as far as the headers say;
// relative Retry-After seconds are counted from now.
func limitEnd(header http.Header, now time.Time) (time.Time, bool) {
	if retryAfter := header.Get("Retry-After"); retryAfter != "" {
		if seconds, err := strconv.Atoi(retryAfter); err == nil {
			return now.Add(time.Duration(seconds) * time.Second), true
		}
		if at, err := http.ParseTime(retryAfter); err == nil {
			return at, true
		}
	}
	if header.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			return time.Unix(reset, 0).Add(time.Second), true
		}
	}
	return time.Time{}, false
}

func ceilSecond(d time.Duration) time.Duration {
	if rounded := d.Truncate(time.Second); rounded < d {
		return rounded + time.Second
	}
	return d
}

// certificateError reports a TLS verification failure, which no retry fixes.
func certificateError(err error) bool {
	var verification *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &verification) || errors.As(err, &unknownAuthority) ||
		errors.As(err, &hostname) || errors.As(err, &invalid)
}

// retryTransport is the one retry policy for every request the client
// sends; see classify for what is retried and for how long.
type retryTransport struct {
	next    http.RoundTripper
	maxWait time.Duration
	logf    func(format string, args ...any)
	sleep   func(ctx context.Context, d time.Duration) error
	now     func() time.Time
	jitter  func() float64
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// A streamed body (a release asset) cannot be sent twice; the caller
	// retries those by reopening the file.
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return t.next.RoundTrip(req)
	}

	var waited time.Duration
	attempt := req
	for n := 1; ; n++ {
		resp, err := t.next.RoundTrip(attempt)
		now := t.now()
		d := classify(resp, peekForbidden(resp), err, now)
		if !d.retry || req.Context().Err() != nil {
			return resp, err
		}

		wait := d.wait
		if wait == 0 {
			wait = t.backoff(n)
		}
		if left := t.maxWait - waited; wait > left {
			until := ""
			if d.kind == kindPrimaryLimit || d.kind == kindSecondaryLimit {
				until = fmt.Sprintf("; the limit lifts at %s", now.Add(wait).UTC().Format(time.RFC3339))
			}
			t.logf("giving up on %s %s after attempt %d: %s: waiting %s more would exceed max-wait %s (%s left)%s",
				req.Method, req.URL.Path, n, d.reason, wait, t.maxWait, max(left, 0), until)
			return resp, err
		}

		next, bodyErr := replay(req)
		if bodyErr != nil {
			return resp, err
		}
		discard(resp)
		t.logf("retrying %s %s in %s (attempt %d, %s of max-wait %s left): %s",
			req.Method, req.URL.Path, wait, n+1, t.maxWait-waited-wait, t.maxWait, d.reason)
		if err := t.sleep(req.Context(), wait); err != nil {
			if next.Body != nil {
				next.Body.Close() // a reopened file would stay open
			}
			return nil, err
		}
		waited += wait
		attempt = next
	}
}

// backoff is the wait before attempt n+1 when the server named none:
// 1s doubling to 30s, each scaled down by up to half so that clients that
// failed together do not retry together.
func (t *retryTransport) backoff(n int) time.Duration {
	base := maxBackoff
	if n <= 5 {
		base = min(firstBackoff<<(n-1), maxBackoff)
	}
	return (base - time.Duration(float64(base/2)*t.jitter())).Round(time.Millisecond)
}

// replay copies req with a fresh body for another attempt.
func replay(req *http.Request) (*http.Request, error) {
	next := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		next.Body = body
	}
	return next, nil
}

// peekForbidden returns the start of a 403 body, which tells a rate limit
// from a permission error, and leaves the whole body readable for go-github.
func peekForbidden(resp *http.Response) []byte {
	if resp == nil || resp.StatusCode != http.StatusForbidden || resp.Body == nil {
		return nil
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, peekLimit))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	return head
}

func discard(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
	resp.Body.Close()
}
