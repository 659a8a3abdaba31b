package github

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
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
	// A server-requested wait is never counted as longer than this: longer
	// than any max-wait the inputs allow, so such a wait gives up at once,
	// and short enough that adding it up cannot overflow.
	maxServerWait = 24 * time.Hour
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
	// until is when the server said its limit lifts; zero when it named no time.
	until time.Time
}

// classify decides whether one attempt failed transiently and how long to
// wait before the next. body is the start of a 403 body (nil otherwise).
func classify(resp *http.Response, body []byte, err error, now time.Time) decision {
	if err != nil {
		// Bytes GitHub holds that are not what it lists stay so.
		var mismatch *DigestMismatchError
		if errors.As(err, &mismatch) {
			return decision{kind: kindPermanent, reason: mismatch.Error()}
		}
		var timeout *TimeoutError
		if errors.As(err, &timeout) {
			return decision{kind: kindNetwork, retry: true, reason: timeout.Error()}
		}
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
	if at, ok := limitEnd(resp.Header, now); ok {
		d.until = at
		d.wait = max(ceilSecond(min(at.Sub(now), maxServerWait)), minServerWait)
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

// latestLimitEnd is the latest end of a rate limit a header can name here:
// a later one (a Retry-After of billions of seconds, a reset in the year
// 300000) is taken as this, which still prints as a date.
var latestLimitEnd = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// limitEnd is the moment a rate limit lifts, as far as the headers say:
// Retry-After (seconds or an HTTP date) wins, then the primary limit's
// reset time plus a second for clock skew. Relative Retry-After seconds
// are counted from now. Numbers too large for any clock are read as
// latestLimitEnd, never wrapped around into the past.
func limitEnd(header http.Header, now time.Time) (time.Time, bool) {
	if retryAfter := strings.TrimSpace(header.Get("Retry-After")); retryAfter != "" {
		if seconds, err := strconv.ParseUint(retryAfter, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
			return secondsAfter(now, seconds), true
		}
		if at, err := http.ParseTime(retryAfter); err == nil {
			return at, true
		}
	}
	if header.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(strings.TrimSpace(header.Get("X-RateLimit-Reset")), 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
			if reset >= latestLimitEnd.Unix() {
				return latestLimitEnd, true
			}
			return time.Unix(reset, 0).Add(time.Second), true
		}
	}
	return time.Time{}, false
}

// secondsAfter is now plus seconds, or latestLimitEnd when that is later.
func secondsAfter(now time.Time, seconds uint64) time.Time {
	if room := latestLimitEnd.Unix() - now.Unix(); room <= 0 || seconds >= uint64(room) {
		return latestLimitEnd
	}
	if seconds <= uint64(math.MaxInt64/int64(time.Second)) {
		return now.Add(time.Duration(seconds) * time.Second)
	}
	// Beyond a Duration (292 years), yet before latestLimitEnd.
	return time.Unix(now.Unix()+int64(seconds), int64(now.Nanosecond())).In(now.Location())
}

// ceilSecond rounds d up to a whole second, without overflowing.
func ceilSecond(d time.Duration) time.Duration {
	if rounded := d.Truncate(time.Second); rounded < d && rounded <= math.MaxInt64-time.Second {
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
// sends; see classify for what is retried and for how long. It also bounds
// every attempt, so that a server that accepts the connection and never
// answers cannot hold the step: see attempt.
type retryTransport struct {
	next     http.RoundTripper
	maxWait  time.Duration
	timeouts Timeouts
	uploads  *url.URL // the uploads base: requests under it are uploads
	logf     func(format string, args ...any)
	sleep    func(ctx context.Context, d time.Duration) error
	now      func() time.Time
	jitter   func() float64
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	streamed := t.streamed(req)
	// spent is what max-wait bounds: the waits, and the time the attempts
	// take, so that a server that never answers, or an upload that stalls
	// on every attempt, ends the step within max-wait and one attempt's
	// limit. The requests of one asset's upload share it (see withBudget).
	spent := budgetOf(req.Context())
	timed := func(attempt *http.Request) (*http.Response, error) {
		started := t.now()
		resp, err := t.attempt(attempt, streamed, spent.get())
		spent.add(max(t.now().Sub(started), 0))
		return resp, err
	}
	// A streamed body (a release asset) cannot be sent twice; the caller
	// retries those by reopening the file.
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return timed(req)
	}

	attempt := req
	for n := 1; ; n++ {
		resp, err := timed(attempt)
		now := t.now()
		d := classify(resp, peekForbidden(resp), err, now)
		if !d.retry || req.Context().Err() != nil {
			return resp, err
		}

		wait := d.wait
		if wait == 0 {
			wait = t.backoff(n)
		}
		if left := t.maxWait - spent.get(); wait > left {
			waiting, until := wait.String(), ""
			if d.kind == kindPrimaryLimit || d.kind == kindSecondaryLimit {
				lifts := d.until
				if lifts.IsZero() {
					lifts = now.Add(wait)
				}
				if lifts.Sub(now) > maxServerWait {
					waiting = "over " + maxServerWait.String()
				}
				until = fmt.Sprintf("; the limit lifts at %s", lifts.UTC().Format(time.RFC3339))
			}
			t.logf("giving up on %s %s after attempt %d: %s: waiting %s more would exceed max-wait %s (%s left)%s",
				req.Method, req.URL.Path, n, d.reason, waiting, t.maxWait, max(left, 0), until)
			return resp, err
		}

		next, bodyErr := replay(req)
		if bodyErr != nil {
			return resp, err
		}
		discard(resp)
		t.logf("retrying %s %s in %s (attempt %d, %s of max-wait %s left): %s",
			req.Method, req.URL.Path, wait, n+1, t.maxWait-spent.get()-wait, t.maxWait, d.reason)
		if err := t.sleep(req.Context(), wait); err != nil {
			if next.Body != nil {
				next.Body.Close() // a reopened file would stay open
			}
			return nil, err
		}
		spent.add(wait)
		attempt = next
	}
}

// budget is the time max-wait bounds, spent by one request or by all the
// requests of one asset's upload.
type budget struct {
	mu    sync.Mutex
	spent time.Duration
}

func (b *budget) get() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.spent
}

func (b *budget) add(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.spent += d
}

type budgetKey struct{}

// withBudget returns ctx with one max-wait budget for every request made
// with it, or ctx itself when it carries one already: an asset's upload,
// and for a copy the downloads its retries make, spend one max-wait
// together, not one each.
func withBudget(ctx context.Context) context.Context {
	if _, ok := ctx.Value(budgetKey{}).(*budget); ok {
		return ctx
	}
	return context.WithValue(ctx, budgetKey{}, &budget{})
}

// budgetOf is the budget ctx carries, or a new one for a request alone.
func budgetOf(ctx context.Context) *budget {
	if b, ok := ctx.Value(budgetKey{}).(*budget); ok {
		return b
	}
	return &budget{}
}

// streamed tells the requests whose time depends on their size rather than
// on GitHub: uploads (under the uploads base, or any body that is not JSON)
// and asset downloads, which an upload of a copied asset reads as it goes.
// Their attempts are cut only when they stop moving, never for taking
// long; their time still counts in max-wait, which bounds their retries.
func (t *retryTransport) streamed(req *http.Request) bool {
	if t.uploads != nil && origin(req.URL) == origin(t.uploads) && strings.HasPrefix(req.URL.Path, t.uploads.Path) {
		return true
	}
	if req.Header.Get("Accept") == "application/octet-stream" {
		return true
	}
	if req.Body == nil || req.Body == http.NoBody {
		return false
	}
	contentType := req.Header.Get("Content-Type")
	return contentType != "" && !strings.Contains(contentType, "json")
}

// attempt sends req once. A streamed request is cut when neither its body
// nor the answer has moved for the idle time; any other gets what is left
// of max-wait after spent, plus the grace, and never more than the attempt
// cap (with max-wait 0, the single-attempt limit). The deadline covers
// reading the answer's body too. Real timers: the injected clock only
// moves when the program sleeps, and a hung server does not sleep.
func (t *retryTransport) attempt(req *http.Request, streamed bool, spent time.Duration) (*http.Response, error) {
	if streamed {
		return t.attemptStreamed(req)
	}
	limit := min(t.timeouts.Single, t.timeouts.Attempt)
	if t.maxWait > 0 {
		limit = min(max(t.maxWait-spent, 0)+t.timeouts.Grace, t.timeouts.Attempt)
	}
	timeout := &TimeoutError{After: limit}
	ctx, cancel := context.WithTimeoutCause(req.Context(), limit, timeout)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil || resp.Body == nil {
		cancel()
		return resp, timedOut(ctx, req.Context(), err)
	}
	resp.Body = &attemptBody{ReadCloser: resp.Body, ctx: ctx, parent: req.Context(), done: cancel}
	return resp, nil
}

func (t *retryTransport) attemptStreamed(req *http.Request) (*http.Response, error) {
	idle := t.timeouts.Idle
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(idle, func() { cancel(&TimeoutError{After: idle, Idle: true}) })
	// Reset after the timer fired only cancels again, which changes nothing.
	moved := func() { timer.Reset(idle) }
	done := func() {
		timer.Stop()
		cancel(nil)
	}

	sent := req.WithContext(ctx)
	if req.Body != nil && req.Body != http.NoBody {
		sent.Body = &progressBody{ReadCloser: req.Body, moved: moved}
		if req.GetBody != nil {
			// net/http may resend the body itself, on a reused connection
			// that turns out closed; that copy must count as progress too.
			sent.GetBody = func() (io.ReadCloser, error) {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				return &progressBody{ReadCloser: body, moved: moved}, nil
			}
		}
	}
	resp, err := t.next.RoundTrip(sent)
	if err != nil || resp.Body == nil {
		done()
		return resp, timedOut(ctx, req.Context(), err)
	}
	moved()
	resp.Body = &attemptBody{ReadCloser: &progressBody{ReadCloser: resp.Body, moved: moved}, ctx: ctx, parent: req.Context(), done: done}
	return resp, nil
}

// timedOut replaces the error of an attempt cut by its own limit (not by
// the caller's context) with the TimeoutError that says why.
func timedOut(ctx, parent context.Context, err error) error {
	var timeout *TimeoutError
	if err != nil && parent.Err() == nil && errors.As(context.Cause(ctx), &timeout) {
		return timeout
	}
	return err
}

// attemptBody keeps an attempt's limit on reading its answer, and releases
// the attempt's timer when closed.
type attemptBody struct {
	io.ReadCloser
	ctx, parent context.Context
	done        func()
}

func (b *attemptBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = timedOut(b.ctx, b.parent, err)
	}
	return n, err
}

func (b *attemptBody) Close() error {
	err := b.ReadCloser.Close()
	b.done()
	return err
}

// progressBody tells each byte read, which keeps a streamed attempt alive.
type progressBody struct {
	io.ReadCloser
	moved func()
}

func (b *progressBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.moved()
	}
	return n, err
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

// TimeoutError is an attempt cut by its own limit: GitHub did not answer
// within After, or, for an upload or an asset download (Idle), the
// transfer did not move for After.
type TimeoutError struct {
	After time.Duration
	Idle  bool
}

func (e *TimeoutError) Error() string {
	if e.Idle {
		return fmt.Sprintf("no progress for %s", e.After)
	}
	return fmt.Sprintf("no answer within %s", e.After)
}

// Timeout marks the error as a timeout, as net.Error does.
func (e *TimeoutError) Timeout() bool { return true }
