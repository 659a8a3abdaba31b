// Package githubtest is the fake GitHub the project's tests run against. It
// keeps state, records every request, injects faults on demand and checks
// each request against GitHub's REST description, while the program under
// test keeps using GitHub's real URLs.
package githubtest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a fake GitHub (github.com and GitHub Enterprise Server alike).
type Server struct {
	t        reporter
	client   *http.Client
	contract *contract // nil without GitHub's description
	// standalone is set for a server of Standalone.Start, whose every
	// request comes straight to its listener.
	standalone bool
	directURL  string // the API base for other processes; see URL
	api        *http.ServeMux
	uploads    *http.ServeMux
	token      string
	now        func() time.Time
	rateReset  time.Time
	// scheme is the one of the URLs in responses: https, as GitHub's, but
	// http for a standalone server without TLS, which clients reach directly.
	scheme string
	// port, immutableReleases and withoutRunDetails are set by their
	// options.
	port              int
	immutableReleases bool
	withoutRunDetails int
	// compareLimit, when above 0, is the most commits a comparison spans
	// before GitHub gives up on its diff (WithCompareLimit).
	compareLimit int
	// draftsOfPublishedTags: see WithDraftsOfPublishedTags.
	draftsOfPublishedTags bool
	// app is the GitHub App WithApp installs; nil without one.
	app *fakeApp
	// assetDir holds the bytes of release assets, a file each; it belongs
	// to the server, which removes it when it stops. Empty, the server
	// keeps no bytes (a server built by newServer alone).
	assetDir string
	// storageSecret signs the storage URLs of asset downloads.
	storageSecret []byte

	mu                 sync.Mutex
	requests           []Request
	repos              map[string]*repository // by lower-case owner/name
	dispatches         []Dispatch
	workflowDispatches []WorkflowDispatch
	faults             []fault
	hooks              []hook
	uploadFaults       []uploadFault
	downloadFaults     []downloadFault
	objects            map[string]storedObject // assets in storage, by object key
	nextRunScript      []RunStep
	dispatchRunName    func(eventType string, payload map[string]any) string // nil: a dispatch starts no run
	runListings        int                                                   // list-runs requests answered
	hideRunsFor        int                                                   // listings a dispatched run stays unlisted
	workflowIDs        map[string]int64                                      // by workflow file name
	notModified        int
	lastID             int64
}

// reporter is the part of testing.TB the fake reports through, so that the
// standalone server can report to stderr instead of a test.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Option configures a Server.
type Option func(*Server)

// WithToken makes the server answer 401 Bad credentials unless a request
// authenticates with token, as "Bearer <token>" or "token <token>".
func WithToken(token string) Option {
	return func(s *Server) { s.token = token }
}

// WithRepository adds the repository "owner/name"; see AddRepository.
func WithRepository(fullName string) Option {
	return func(s *Server) { s.AddRepository(fullName) }
}

// WithClock sets the clock behind the rate-limit headers.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// New starts a fake GitHub that lives until the test ends. Without GitHub's
// REST description (see scripts/fetch-openapi.sh) requests go unchecked,
// unless CI is set, where New fails the test.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	// The description is test data located by the environment, like
	// testdata; nothing of the program under test reads these variables.
	checked, _, err := contractFor(os.Getenv)
	if err != nil {
		t.Fatalf("githubtest: %v", err)
	}
	// Asked for before the listener starts, so that the directory is
	// removed after the listener stopped serving from it.
	assetDir := t.TempDir()
	s := newServer(t, opts)
	s.contract = checked
	s.assetDir = assetDir

	fake := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(fake.Close)
	s.directURL = fake.URL + ghesAPIPrefix
	target, err := url.Parse(fake.URL)
	if err != nil {
		t.Fatalf("githubtest: parse the fake's URL: %v", err)
	}
	s.client = &http.Client{Transport: contractTransport{
		t:        t,
		contract: checked,
		next: rewriteTransport{
			target: target,
			// A fresh connection per request: on a reused one, net/http
			// silently retries an idempotent request whose connection was
			// dropped, which would hide the errors FailConn injects.
			next: &http.Transport{DisableKeepAlives: true},
		},
	}}
	return s
}

func newServer(t reporter, opts []Option) *Server {
	s := &Server{
		t:           t,
		now:         time.Now,
		scheme:      "https",
		repos:       map[string]*repository{},
		workflowIDs: map[string]int64{},
		objects:     map[string]storedObject{},
	}
	s.storageSecret = make([]byte, 32)
	rand.Read(s.storageSecret) // Never fails: it panics rather than return an error.
	for _, opt := range opts {
		opt(s)
	}
	s.rateReset = s.now().Add(time.Hour).Truncate(time.Second)
	s.api, s.uploads = s.routes()
	return s
}

// routes lists what the fake implements, per endpoint; each handler lives
// in the file of its resource.
func (s *Server) routes() (api, uploads *http.ServeMux) {
	api = http.NewServeMux()
	api.HandleFunc("GET /repos/{owner}/{repo}", s.withRepository(s.getRepository))
	api.HandleFunc("POST /repos/{owner}/{repo}/dispatches", s.createDispatch)

	api.HandleFunc("GET /repos/{owner}/{repo}/git/ref/{ref...}", s.withRepository(s.getRef))
	api.HandleFunc("GET /repos/{owner}/{repo}/git/matching-refs/{ref...}", s.withRepository(s.listMatchingRefs))
	api.HandleFunc("POST /repos/{owner}/{repo}/git/refs", s.withRepository(s.createRef))
	api.HandleFunc("PATCH /repos/{owner}/{repo}/git/refs/{ref...}", s.withRepository(s.updateRef))
	api.HandleFunc("DELETE /repos/{owner}/{repo}/git/refs/{ref...}", s.withRepository(s.deleteRef))
	api.HandleFunc("POST /repos/{owner}/{repo}/git/tags", s.withRepository(s.createTagObject))
	api.HandleFunc("GET /repos/{owner}/{repo}/git/tags/{tag_sha}", s.withRepository(s.getTagObject))
	api.HandleFunc("GET /repos/{owner}/{repo}/tags", s.withRepository(s.listTags))
	api.HandleFunc("GET /repos/{owner}/{repo}/commits/{ref...}", s.withRepository(s.getCommit))
	api.HandleFunc("GET /repos/{owner}/{repo}/compare/{basehead...}", s.withRepository(s.compareCommits))
	api.HandleFunc("GET /repos/{owner}/{repo}/tarball/{ref...}", s.withRepository(s.getTarball))
	api.HandleFunc("GET /repos/{owner}/{repo}/contents/{path...}", s.withRepository(s.getContents))
	api.HandleFunc("PUT /repos/{owner}/{repo}/contents/{path...}", s.withRepository(s.putContents))

	api.HandleFunc("GET /repos/{owner}/{repo}/releases", s.withRepository(s.listReleases))
	api.HandleFunc("POST /repos/{owner}/{repo}/releases", s.withRepository(s.createRelease))
	api.HandleFunc("POST /repos/{owner}/{repo}/releases/generate-notes", s.withRepository(s.generateNotes))
	// One pattern for every GET under releases/, assets/{asset_id} too:
	// net/http's mux refuses releases/tags/{tag...} beside
	// releases/{id}/assets, which overlap.
	api.HandleFunc("GET /repos/{owner}/{repo}/releases/{rest...}", s.withRepository(s.getUnderReleases))
	api.HandleFunc("PATCH /repos/{owner}/{repo}/releases/{release_id}", s.withRepository(s.updateRelease))
	api.HandleFunc("DELETE /repos/{owner}/{repo}/releases/{release_id}", s.withRepository(s.deleteRelease))
	api.HandleFunc("DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}", s.withRepository(s.deleteAsset))

	api.HandleFunc("POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches", s.withRepository(s.createWorkflowDispatch))
	api.HandleFunc("GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs", s.withRepository(s.listRuns))
	api.HandleFunc("GET /repos/{owner}/{repo}/actions/runs", s.withRepository(s.listRuns))
	api.HandleFunc("GET /repos/{owner}/{repo}/actions/runs/{run_id}", s.withRepository(s.getRun))
	api.HandleFunc("GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs", s.withRepository(s.listJobs))
	api.HandleFunc("GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs", s.withRepository(s.listAttemptJobs))
	api.HandleFunc("GET /repos/{owner}/{repo}/actions/jobs/{job_id}", s.withRepository(s.getJob))
	api.HandleFunc("GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs", s.withRepository(s.getJobLogs))

	api.HandleFunc("GET /repos/{owner}/{repo}/issues", s.withRepository(s.listIssues))
	api.HandleFunc("POST /repos/{owner}/{repo}/issues", s.withRepository(s.createIssue))
	api.HandleFunc("GET /repos/{owner}/{repo}/issues/{issue_number}", s.withRepository(s.getIssue))
	api.HandleFunc("PATCH /repos/{owner}/{repo}/issues/{issue_number}", s.withRepository(s.updateIssue))
	api.HandleFunc("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", s.withRepository(s.listComments))
	api.HandleFunc("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", s.withRepository(s.createComment))
	api.HandleFunc("GET /repos/{owner}/{repo}/labels/{name}", s.withRepository(s.getLabel))
	api.HandleFunc("POST /repos/{owner}/{repo}/labels", s.withRepository(s.createLabel))

	api.HandleFunc("GET /repos/{owner}/{repo}/installation", s.getRepoInstallation)
	api.HandleFunc("POST /app/installations/{installation_id}/access_tokens", s.createInstallationToken)
	api.HandleFunc("DELETE /installation/token", s.revokeInstallationToken)
	api.HandleFunc("/", s.notFound)

	uploads = http.NewServeMux()
	uploads.HandleFunc("POST /repos/{owner}/{repo}/releases/{release_id}/assets", s.uploadAsset)
	uploads.HandleFunc("/", s.notFound)
	return api, uploads
}

// Client is the client to hand to the program under test: it reaches the
// fake through GitHub's real URLs (https://api.github.com/,
// https://uploads.github.com/, the asset storage at
// https://objects.githubusercontent.com/ and any GitHub Enterprise Server
// host's /api/v3/ and /api/uploads/) and fails the test on API requests
// that break GitHub's REST description. A standalone server's clients reach
// it directly, so its Client is a plain one.
func (s *Server) Client() *http.Client {
	return s.client
}

// Request is a request as the fake received it.
type Request struct {
	Method string
	// Host is the host the program addressed, such as api.github.com.
	Host string
	// Path is the unescaped API path, without a GitHub Enterprise Server
	// prefix: /repos/owner/name/releases/tags/v1.
	Path string
	// EscapedPath is Path as sent, which tells "a%2Fb" from "a/b".
	EscapedPath string
	Query       url.Values
	Header      http.Header
	// Body is the request body, except for asset uploads: those stream
	// to a file of the fake's (see AssetContent).
	Body []byte
}

// DecodeJSON decodes the request body into v, failing the test if it can't.
func (r Request) DecodeJSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("githubtest: decode the body of %s %s: %v", r.Method, r.Path, err)
	}
}

// Requests returns every request received so far, in order, downloads
// from asset storage included (their Host is the storage's).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	where, apiPath, err := splitGitHubURL(r.Host, r.URL.EscapedPath())
	if err != nil {
		s.notFound(w, r)
		return
	}
	received := Request{
		Method:      r.Method,
		Host:        r.Host,
		Path:        unescapedPath(apiPath),
		EscapedPath: apiPath,
		Query:       r.URL.Query(),
		Header:      r.Header.Clone(),
	}
	if where == storageEndpoint {
		// Storage is not GitHub's API: no token, rate limit or fault of
		// Fail applies to it, and it serves bytes, not JSON.
		s.mu.Lock()
		s.requests = append(s.requests, received)
		s.mu.Unlock()
		s.serveStorage(w, r, apiPath)
		return
	}
	// Asset uploads stream to their handler, which writes them to a file: a
	// test may upload gigabytes.
	var body []byte
	if where != uploadsEndpoint {
		body, err = io.ReadAll(r.Body)
		if err != nil {
			return // The client went away mid-request; there is no one to answer.
		}
	}
	received.Body = body

	if err := s.checkDirect(r, where, apiPath, body); err != nil {
		s.t.Errorf("githubtest: %v", err)
		s.respond(w, errorResponse(http.StatusBadRequest, nil, errorBody{Message: "githubtest: " + err.Error()}))
		return
	}

	s.mu.Lock()
	s.requests = append(s.requests, received)
	seq := len(s.requests)
	injected, faulted := s.takeFault(received)
	before := s.takeHook(received)
	s.mu.Unlock()
	if before != nil {
		before()
	}
	if faulted && injected.dropConn {
		dropConnection(s.t, w)
		return
	}
	if faulted && injected.loseAnswer {
		lost := &lostAnswer{ResponseWriter: w}
		defer lost.drop(s.t)
		w, faulted = lost, false
	}
	var refusal Response
	refused := false
	if !faulted {
		refusal, refused = s.refuse(received)
	}

	s.setHeaders(w.Header(), where, seq)
	switch {
	case faulted:
		s.respond(w, injected.response)
	case refused:
		s.respond(w, refusal)
	case !s.knownRepository(received.Path):
		s.respond(w, NotFound())
	default:
		routed := r.Clone(r.Context())
		routed.URL.Path, routed.URL.RawPath = received.Path, apiPath
		if where == uploadsEndpoint {
			routed.Body = r.Body
			s.uploads.ServeHTTP(w, routed)
		} else {
			routed.Body = io.NopCloser(bytes.NewReader(body))
			s.api.ServeHTTP(w, routed)
		}
	}
}

func (s *Server) authorized(header http.Header) bool {
	if s.token == "" {
		return true
	}
	auth := header.Get("Authorization")
	return auth == "Bearer "+s.token || auth == "token "+s.token
}

// setHeaders adds the headers every GitHub response carries; a Response
// from Fail may override them. The uploads server's answers carry no
// rate-limit headers (@octokit/fixtures, release-assets).
func (s *Server) setHeaders(h http.Header, where endpoint, seq int) {
	const limit = 5000
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
	h.Set("X-GitHub-Request-Id", fmt.Sprintf("0000:0000:%06X:%06X:%08X", seq, seq, s.rateReset.Unix()))
	if where == uploadsEndpoint {
		return
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(limit-seq, 0)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.rateReset.Unix(), 10))
	h.Set("X-RateLimit-Used", strconv.Itoa(min(seq, limit)))
	h.Set("X-RateLimit-Resource", "core")
}

func (s *Server) respond(w http.ResponseWriter, r Response) {
	for name, value := range r.Header {
		w.Header().Set(name, value)
	}
	if r.Status == http.StatusNoContent || r.Status == http.StatusNotModified {
		w.Header().Del("Content-Type") // GitHub sends no body, so no type.
	}
	w.WriteHeader(r.Status)
	io.WriteString(w, r.Body)
}

func (s *Server) notFound(w http.ResponseWriter, _ *http.Request) {
	s.respond(w, NotFound())
}

func unescapedPath(escaped string) string {
	path, err := url.PathUnescape(escaped)
	if err != nil {
		return escaped
	}
	return path
}

// githubURLs returns the API and web bases (no trailing slash) the real
// GitHub would put in its responses to a request for host.
func githubURLs(host string) (api, web string) {
	if strings.EqualFold(host, "api.github.com") || strings.EqualFold(host, "uploads.github.com") {
		return "https://api.github.com", "https://github.com"
	}
	return "https://" + host + ghesAPIPrefix, "https://" + host
}

// bases is what the fake puts in the URLs of its responses to a request
// for host: GitHub's, or the standalone server's own over http.
type bases struct {
	api, uploads, web, storage string
}

func (s *Server) bases(host string) bases {
	api, web := githubURLs(host)
	uploads := "https://" + host + ghesUploadsPrefix
	storage := "https://" + otherLoopbackName(host) + storagePrefix
	if strings.EqualFold(host, "api.github.com") || strings.EqualFold(host, "uploads.github.com") {
		uploads = "https://uploads.github.com"
		storage = "https://" + storageHost
	}
	scheme := s.scheme
	if s.directURL != "" && host == directHost(s.directURL) {
		// A program in another process that reached the listener of New
		// at URL speaks plain http to it, so must its redirects.
		scheme = "http"
	}
	if scheme != "https" {
		api = scheme + strings.TrimPrefix(api, "https")
		uploads = scheme + strings.TrimPrefix(uploads, "https")
		web = scheme + strings.TrimPrefix(web, "https")
		storage = scheme + strings.TrimPrefix(storage, "https")
	}
	return bases{api: api, uploads: uploads, web: web, storage: storage}
}

// otherLoopbackName names a standalone server by its other loopback name
// (127.0.0.1 for localhost and back), keeping the port, and leaves any
// other host as it is. Its storage then lives on another host than its API,
// as GitHub's does, so a client that lets net/http follow the redirect
// drops the Authorization header it set on the request, as it does for
// github.com, instead of sending it to a storage that refuses it.
func otherLoopbackName(host string) string {
	name, port, err := net.SplitHostPort(host)
	if err != nil {
		return host
	}
	switch name {
	case "127.0.0.1":
		return net.JoinHostPort("localhost", port)
	case "localhost":
		return net.JoinHostPort("127.0.0.1", port)
	}
	return host
}
