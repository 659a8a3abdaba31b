package githubtest

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Response is a canned response for Fail. Header entries override the
// headers every response carries.
type Response struct {
	Status int
	Header map[string]string
	Body   string
}

// fault is one queued injection, served to the next request it matches.
type fault struct {
	method   string
	path     []string
	response Response
	dropConn bool
	// loseAnswer handles the request, then drops the connection.
	loseAnswer bool
}

// hook is a function BeforeNext queued for the next request it matches.
type hook struct {
	method string
	path   []string
	fn     func()
}

// Fail queues responses for the next requests matching method and path, one
// request each, in order; then normal handling resumes. path is the API path
// (no GitHub Enterprise Server prefix), where a "*" segment matches any one
// segment: "/repos/*/*/releases/*". Requests to asset storage, which is
// not the API, are never matched: see FailDownloadAfter. A response may
// not set Link: the fake's Link headers come from its pagination alone,
// as GitHub's do; HostileClient sends the ones GitHub does not.
func (s *Server) Fail(method, path string, responses ...Response) {
	s.t.Helper()
	pattern := faultPattern(s.t, path)
	for _, r := range responses {
		for name := range r.Header {
			if http.CanonicalHeaderKey(name) == "Link" {
				s.t.Fatalf("githubtest: Fail %s %s: a response with a Link header; the fake's come from its own pagination, and HostileClient sends those GitHub does not", method, path)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range responses {
		s.faults = append(s.faults, fault{method: method, path: pattern, response: r})
	}
}

// FailConn makes the next n requests matching method and path (as in Fail)
// lose their connection without a response, like a network failure.
func (s *Server) FailConn(method, path string, n int) {
	s.t.Helper()
	s.queueFaults(method, path, n, fault{dropConn: true})
}

// queueFaults queues n copies of f for the requests matching method and
// path (as in Fail).
func (s *Server) queueFaults(method, path string, n int, f fault) {
	s.t.Helper()
	f.method, f.path = method, faultPattern(s.t, path)
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// LoseAnswers makes the next n requests matching method and path (as in
// Fail) take effect, as they would on GitHub, then lose their connection
// instead of answering: a request GitHub carried out whose answer never
// reached the client, which a retry then finds done.
func (s *Server) LoseAnswers(method, path string, n int) {
	s.t.Helper()
	s.queueFaults(method, path, n, fault{loseAnswer: true})
}

// BeforeNext calls fn once, just before the next request matching method
// and path (as in Fail) is handled, outside the fake's lock, so that fn
// may change the fake's state (AddRelease, SetTag …): another run acting
// between two requests of the program under test.
func (s *Server) BeforeNext(method, path string, fn func()) {
	s.t.Helper()
	pattern := faultPattern(s.t, path)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = append(s.hooks, hook{method: method, path: pattern, fn: fn})
}

// takeHook removes and returns the first hook queued for r, or nil. The
// caller holds s.mu.
func (s *Server) takeHook(r Request) func() {
	for i, h := range s.hooks {
		if strings.EqualFold(h.method, r.Method) && (segmentsMatch(h.path, r.Path) || segmentsMatch(h.path, r.EscapedPath)) {
			s.hooks = append(s.hooks[:i], s.hooks[i+1:]...)
			return h.fn
		}
	}
	return nil
}

// lostAnswer is the writer of a request whose answer LoseAnswers loses: it
// keeps nothing of what the handler writes, and drop then breaks the
// connection, unless the handler already did.
type lostAnswer struct {
	http.ResponseWriter
	header   http.Header
	hijacked bool
}

func (l *lostAnswer) Header() http.Header {
	if l.header == nil {
		l.header = http.Header{}
	}
	return l.header
}

func (l *lostAnswer) WriteHeader(int)             {}
func (l *lostAnswer) Write(p []byte) (int, error) { return len(p), nil }

func (l *lostAnswer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	l.hijacked = true
	return http.NewResponseController(l.ResponseWriter).Hijack()
}

func (l *lostAnswer) drop(t reporter) {
	if !l.hijacked {
		dropConnection(t, l.ResponseWriter)
	}
}

func faultPattern(t reporter, path string) []string {
	t.Helper()
	if !strings.HasPrefix(path, "/") {
		t.Fatalf("githubtest: fault path %q: want an API path starting with /", path)
	}
	return strings.Split(path, "/")
}

// takeFault removes and returns the first fault queued for r. The caller
// holds s.mu.
func (s *Server) takeFault(r Request) (fault, bool) {
	for i, f := range s.faults {
		if strings.EqualFold(f.method, r.Method) && (segmentsMatch(f.path, r.Path) || segmentsMatch(f.path, r.EscapedPath)) {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
			return f, true
		}
	}
	return fault{}, false
}

func segmentsMatch(pattern []string, path string) bool {
	segments := strings.Split(path, "/")
	if len(segments) != len(pattern) {
		return false
	}
	for i, want := range pattern {
		if want != "*" && want != segments[i] {
			return false
		}
	}
	return true
}

func dropConnection(t reporter, w http.ResponseWriter) {
	hijacker, ok := w.(http.Hijacker)
	if !ok {
		t.Errorf("githubtest: drop a connection: the response writer cannot be hijacked")
		return
	}
	conn, _, err := hijacker.Hijack()
	if err != nil {
		t.Errorf("githubtest: drop a connection: %v", err)
		return
	}
	conn.Close()
}

const (
	docsURL                   = "https://docs.github.com/rest"
	rateLimitDocsURL          = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
	secondaryRateLimitDocsURL = rateLimitDocsURL + "#about-secondary-rate-limits"
)

// errorBody is the shape of GitHub's error responses.
type errorBody struct {
	Message          string              `json:"message"`
	Errors           []map[string]string `json:"errors,omitempty"`
	DocumentationURL string              `json:"documentation_url"`
	Status           string              `json:"status,omitempty"`
}

func errorResponse(status int, header map[string]string, body errorBody) Response {
	encoded, _ := json.Marshal(body) // Only strings: encoding cannot fail.
	return Response{Status: status, Header: header, Body: string(encoded)}
}

// BadGateway is GitHub's answer when an upstream service fails.
func BadGateway() Response {
	return errorResponse(http.StatusBadGateway, nil, errorBody{Message: "Server Error", DocumentationURL: docsURL, Status: "502"})
}

// RetryAfter is a 429 asking the client to come back after seconds.
func RetryAfter(seconds int) Response {
	return errorResponse(http.StatusTooManyRequests,
		map[string]string{"Retry-After": strconv.Itoa(seconds)},
		errorBody{Message: "Too Many Requests", DocumentationURL: rateLimitDocsURL, Status: "429"})
}

// SecondaryRateLimit is GitHub's 403 for too many requests in a short time;
// its documentation URL is what go-github recognises it by.
func SecondaryRateLimit(retryAfterSeconds int) Response {
	return errorResponse(http.StatusForbidden,
		map[string]string{"Retry-After": strconv.Itoa(retryAfterSeconds)},
		errorBody{
			Message:          "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
			DocumentationURL: secondaryRateLimitDocsURL,
			Status:           "403",
		})
}

// PrimaryRateLimit is GitHub's 403 once the hourly quota is spent, which
// clients recognise by X-RateLimit-Remaining: 0; it resets at reset.
func PrimaryRateLimit(reset time.Time) Response {
	return errorResponse(http.StatusForbidden,
		map[string]string{
			"X-RateLimit-Limit":     "5000",
			"X-RateLimit-Remaining": "0",
			"X-RateLimit-Used":      "5000",
			"X-RateLimit-Reset":     strconv.FormatInt(reset.Unix(), 10),
		},
		errorBody{
			Message:          "API rate limit exceeded for installation ID 1.",
			DocumentationURL: rateLimitDocsURL + "#about-primary-rate-limits",
			Status:           "403",
		})
}

// NotAccessible is GitHub's 403 when the token lacks a permission, as a
// GITHUB_TOKEN does for another repository.
func NotAccessible() Response {
	return errorResponse(http.StatusForbidden, nil, errorBody{Message: "Resource not accessible by integration", DocumentationURL: docsURL, Status: "403"})
}

// NotFound is GitHub's 404, also its answer for a private repository the
// token cannot see.
func NotFound() Response {
	return errorResponse(http.StatusNotFound, nil, errorBody{Message: "Not Found", DocumentationURL: docsURL, Status: "404"})
}

// BadCredentials is GitHub's 401 for a wrong or expired token.
func BadCredentials() Response {
	return errorResponse(http.StatusUnauthorized, nil, errorBody{Message: "Bad credentials", DocumentationURL: docsURL, Status: "401"})
}

// Unprocessable is GitHub's 422 validation failure; each of errs is one
// entry of its errors array, such as
// {"resource": "Release", "code": "already_exists", "field": "tag_name"}.
func Unprocessable(message string, errs ...map[string]string) Response {
	return errorResponse(http.StatusUnprocessableEntity, nil, errorBody{Message: message, Errors: errs, DocumentationURL: docsURL, Status: "422"})
}

// problemsParsingJSON is GitHub's 400 for a body that is not JSON.
func problemsParsingJSON() Response {
	return errorResponse(http.StatusBadRequest, nil, errorBody{Message: "Problems parsing JSON", DocumentationURL: docsURL, Status: "400"})
}
