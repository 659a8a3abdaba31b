package githubtest

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// WithPort sets the port a standalone server listens on; 0, the default,
// picks a free one. Servers started by New ignore it.
func WithPort(port int) Option {
	return func(s *Server) { s.port = port }
}

// WithLog sends what a standalone server reports (handler errors) to w
// instead of stderr.
func WithLog(w io.Writer) Option {
	return func(s *Server) {
		if logger, ok := s.t.(*logReporter); ok {
			logger.setWriter(w)
		}
	}
}

// logReporter reports to a writer, for a server outside any test. Fatalf
// is for misuse by the program embedding the server, such as adding a
// repository named "owner": it panics, as there is no test to stop.
type logReporter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *logReporter) setWriter(w io.Writer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w = w
}

func (l *logReporter) Helper() {}

func (l *logReporter) Errorf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, format+"\n", args...)
}

func (l *logReporter) Fatalf(format string, args ...any) {
	l.Errorf(format, args...)
	panic(fmt.Sprintf(format, args...))
}

// Standalone is how a standalone server serves, beyond the Options it
// shares with New.
type Standalone struct {
	// TLS serves https with a throw-away self-signed certificate for
	// 127.0.0.1, ::1 and localhost, valid for a day: clients such as gh
	// reach a GitHub Enterprise Server host over https only.
	TLS bool
	// LogRequests reports every request with its status. Requests that no
	// route of the fake handles are reported either way.
	LogRequests bool
}

// NewStandalone serves the fake on 127.0.0.1 for programs outside tests,
// such as benchmarks, the way GitHub Enterprise Server is served: the API
// under baseURL (http://127.0.0.1:PORT/api/v3, with no trailing slash, the
// form of an api-url input) and uploads under http://127.0.0.1:PORT/api/uploads.
// Asset downloads redirect to its storage under /storage, on its other
// loopback name (localhost for 127.0.0.1: see otherLoopbackName).
// Requests are checked against GitHub's description as New checks them
// (see scripts/fetch-openapi.sh): one GitHub would refuse is answered 400
// and reported. closeFn stops the server and removes the bytes of its
// assets.
func NewStandalone(opts ...Option) (s *Server, baseURL string, closeFn func(), err error) {
	s, baseURL, _, closeFn, err = Standalone{}.Start(opts...)
	return s, baseURL, closeFn, err
}

// Start serves the fake as NewStandalone does, over https with TLS, and
// returns the PEM of the certificate its clients must trust (nil without
// TLS).
func (cfg Standalone) Start(opts ...Option) (s *Server, baseURL string, certPEM []byte, closeFn func(), err error) {
	// The description is found as New finds it: without it the server
	// runs unchecked, unless CI is set.
	checked, _, err := contractFor(os.Getenv)
	if err != nil {
		return nil, "", nil, nil, err
	}
	s = newServer(&logReporter{w: os.Stderr}, opts)
	s.contract, s.standalone = checked, true
	s.scheme = "http"
	// HTTP/1.1 only, over TLS too: the faults that drop a connection hijack
	// it, which HTTP/2 cannot do.
	server := &http.Server{Handler: s.controlled(s.logged(cfg.LogRequests)), TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){}}
	if cfg.TLS {
		s.scheme = "https"
		cert, pemBytes, err := selfSignedCertificate(s.now())
		if err != nil {
			return nil, "", nil, nil, err
		}
		server.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		certPEM = pemBytes
	}
	assetDir, err := os.MkdirTemp("", "fakegithub-assets-")
	if err != nil {
		return nil, "", nil, nil, fmt.Errorf("create a directory for release assets: %w", err)
	}
	s.assetDir = assetDir
	listener, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)))
	if err != nil {
		os.RemoveAll(assetDir)
		return nil, "", nil, nil, fmt.Errorf("listen on 127.0.0.1:%d: %w", s.port, err)
	}
	if cfg.TLS {
		listener = tls.NewListener(listener, server.TLSConfig)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.t.Errorf("githubtest: serve: %v", err)
		}
	}()
	s.client = &http.Client{}
	if cfg.TLS {
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(certPEM)
		s.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	}
	closeFn = func() {
		server.Close()
		<-done
		os.RemoveAll(assetDir)
	}
	return s, s.scheme + "://" + listener.Addr().String() + ghesAPIPrefix, certPEM, closeFn, nil
}

// selfSignedCertificate makes a throw-away certificate for the loopback
// server, valid from an hour before now (for clock skew) to a day after.
// It is its own CA, so that a client trusts it once it is in its roots
// (SSL_CERT_FILE for Go programs, NODE_EXTRA_CA_CERTS for Node.js).
func selfSignedCertificate(now time.Time) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("generate a TLS key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("generate a certificate serial number: %w", err)
	}
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "fakegithub on 127.0.0.1", Organization: []string{"githubtest (throw-away)"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("create a TLS certificate: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, certPEM, nil
}

// logged is the fake's handler, reporting every request when all is set
// and, either way, those no route of the fake handles, which tell what a
// new client needs that the fake lacks.
func (s *Server) logged(all bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		routed := s.routed(r)
		if !all && routed {
			s.serve(w, r)
			return
		}
		recorder := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		s.serve(recorder, r)
		if routed {
			s.t.Errorf("fakegithub: %s %s %d", r.Method, r.URL.RequestURI(), recorder.status)
		} else {
			s.t.Errorf("fakegithub: no route for %s %s: answered %d", r.Method, r.URL.RequestURI(), recorder.status)
		}
	})
}

// routed tells whether a route of the fake, not its catch-all 404, handles r.
func (s *Server) routed(r *http.Request) bool {
	where, apiPath, err := splitGitHubURL(r.Host, r.URL.EscapedPath())
	if err != nil {
		return false
	}
	if where == storageEndpoint {
		return true // Storage answers any path, as S3 does.
	}
	mux := s.api
	if where == uploadsEndpoint {
		mux = s.uploads
	}
	probe := r.Clone(r.Context())
	probe.URL.Path, probe.URL.RawPath = unescapedPath(apiPath), apiPath
	_, pattern := mux.Handler(probe)
	return pattern != "/"
}

// statusRecorder keeps the status written through it, and can still be
// hijacked for the faults that drop a connection.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// repeated collects a flag given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// seed is a commit the fake is told about before it serves: a branch head
// (--branch owner/name=branch:sha), a commit alone (--commit
// owner/name=sha) or the head of a successful run (--green
// owner/name=workflow:branch:sha).
type seed struct {
	repo, workflow, branch, sha string
}

// parseSeed reads --branch (withBranch) or --commit values; repos are the
// --repo values, which the repository must be one of.
func parseSeed(flag, value string, withBranch bool, repos []string) (seed, error) {
	want := "owner/name=sha"
	if withBranch {
		want = "owner/name=branch:sha"
	}
	repo, rest, ok := strings.Cut(value, "=")
	if !ok {
		return seed{}, fmt.Errorf("--%s %q: want %s", flag, value, want)
	}
	sd := seed{repo: repo, sha: rest}
	if withBranch {
		if sd.branch, sd.sha, ok = strings.Cut(rest, ":"); !ok || sd.branch == "" {
			return seed{}, fmt.Errorf("--%s %q: want %s", flag, value, want)
		}
	}
	return sd, checkSeed(flag, value, sd, repos)
}

// parseGreen reads a --green value, owner/name=workflow:branch:sha, where
// workflow is a workflow file name such as ci.yml; repos are the --repo
// values, which the repository must be one of.
func parseGreen(value string, repos []string) (seed, error) {
	const want = "owner/name=workflow:branch:sha"
	repo, rest, ok := strings.Cut(value, "=")
	parts := strings.Split(rest, ":")
	if !ok || len(parts) != 3 || slices.Contains(parts, "") {
		return seed{}, fmt.Errorf("--green %q: want %s", value, want)
	}
	sd := seed{repo: repo, workflow: parts[0], branch: parts[1], sha: parts[2]}
	if !isWorkflowFile(sd.workflow) {
		return seed{}, fmt.Errorf("--green %q: %q is not a workflow file name such as ci.yml", value, sd.workflow)
	}
	return sd, checkSeed("green", value, sd, repos)
}

// isWorkflowFile tells whether name is a workflow's file name, such as
// ci.yml, not a path.
func isWorkflowFile(name string) bool {
	return !strings.Contains(name, "/") && (strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml"))
}

// checkSeed refuses a seed whose sha is not a full one or whose
// repository is not served.
func checkSeed(flag, value string, sd seed, repos []string) error {
	if !fullSHA.MatchString(sd.sha) {
		return fmt.Errorf("--%s %q: %q is not a full commit sha (40 hex)", flag, value, sd.sha)
	}
	if !slices.Contains(repos, sd.repo) {
		return fmt.Errorf("--%s %q: %s is not served: add --repo %s", flag, value, sd.repo, sd.repo)
	}
	return nil
}

// RunStandalone is cmd/fakegithub: it serves the fake until ctx ends,
// printing the API base URL as the first line of stdout, and returns the
// exit code.
func RunStandalone(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("fakegithub", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: fakegithub [--port N] [--token T] [--repo owner/name]... [--immutable-releases] [--branch owner/name=branch:sha]... [--commit owner/name=sha]... [--green owner/name=workflow:branch:sha]... [--files owner/name=sha:dir]... [--tls [--cert-out FILE]] [--log-requests]")
		fmt.Fprintln(stderr, "Serves a fake GitHub on 127.0.0.1 as GitHub Enterprise Server is served, and prints its API base URL.")
		fmt.Fprintln(stderr, "GET /_fake/dispatches lists the repository_dispatch and workflow_dispatch events received, as JSON.")
		fmt.Fprintln(stderr, `POST /_fake/runs plants a workflow run under the id its runner gave it, with its jobs and their logs:`)
		fmt.Fprintln(stderr, `  {"repository", "id", "workflow" (ci.yml), "name", "event", "status", "conclusion", "head_branch", "head_sha",`)
		fmt.Fprintln(stderr, `   "jobs": [{"name", "status", "conclusion", "run_attempt", "steps": [{"name", "status", "conclusion"}], "log"}]}`)
		fmt.Fprintln(stderr, `POST /_fake/commits gives a seeded commit its message, author and changed files: {"repository", "sha", "message", "author", "files": []}`)
		fmt.Fprintln(stderr, "Requests are checked against GitHub's REST description (scripts/fetch-openapi.sh, or RELEASE_ACTION_OPENAPI); one it would refuse is answered 400 and reported.")
		flags.PrintDefaults()
	}
	var repos, branches, commits, greens, trees repeated
	var cfg Standalone
	port := flags.Int("port", 0, "port to listen on, 0 for a free one")
	token := flags.String("token", "", "token requests must send; empty accepts any")
	immutable := flags.Bool("immutable-releases", false, "refuse to change published releases, as with immutable releases on")
	flags.BoolVar(&cfg.TLS, "tls", false, "serve https with a throw-away self-signed certificate for 127.0.0.1 and localhost, valid for a day")
	certOut := flags.String("cert-out", "", "with --tls, write the certificate (PEM) to this file, for clients to trust")
	flags.BoolVar(&cfg.LogRequests, "log-requests", false, "report every request and its status on stderr")
	flags.Var(&repos, "repo", "repository owner/name to serve (repeatable)")
	flags.Var(&branches, "branch", "owner/name=branch:sha: point a branch of a served repository at a commit, which then exists (repeatable)")
	flags.Var(&commits, "commit", "owner/name=sha: make a commit of a served repository exist (repeatable)")
	flags.Var(&greens, "green", "owner/name=workflow:branch:sha: plant a completed, successful push run of a workflow file (ci.yml) on a branch at a commit, which then exists (repeatable)")
	flags.Var(&trees, "files", "owner/name=sha:dir: serve the files under dir (.git left out) as the tree of a commit, which then exists: its tarball and contents (repeatable)")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "fakegithub: unexpected argument %q\n", flags.Arg(0))
		return 2
	}
	if *certOut != "" && !cfg.TLS {
		fmt.Fprintln(stderr, "fakegithub: --cert-out needs --tls")
		return 2
	}

	opts := []Option{WithPort(*port), WithLog(stderr)}
	for _, repo := range repos {
		owner, name, ok := strings.Cut(repo, "/")
		if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
			fmt.Fprintf(stderr, "fakegithub: --repo %q: want owner/name\n", repo)
			return 2
		}
		opts = append(opts, WithRepository(repo))
	}
	var seeds []seed
	for _, value := range branches {
		sd, err := parseSeed("branch", value, true, repos)
		if err != nil {
			fmt.Fprintf(stderr, "fakegithub: %v\n", err)
			return 2
		}
		seeds = append(seeds, sd)
	}
	for _, value := range commits {
		sd, err := parseSeed("commit", value, false, repos)
		if err != nil {
			fmt.Fprintf(stderr, "fakegithub: %v\n", err)
			return 2
		}
		seeds = append(seeds, sd)
	}
	for _, value := range greens {
		sd, err := parseGreen(value, repos)
		if err != nil {
			fmt.Fprintf(stderr, "fakegithub: %v\n", err)
			return 2
		}
		seeds = append(seeds, sd)
	}
	var planted []filesSeed
	for _, value := range trees {
		sd, err := parseFiles(value, repos)
		if err != nil {
			fmt.Fprintf(stderr, "fakegithub: %v\n", err)
			return 2
		}
		planted = append(planted, sd)
	}
	if *token != "" {
		opts = append(opts, WithToken(*token))
	}
	if *immutable {
		opts = append(opts, WithImmutableReleases())
	}
	fake, baseURL, certPEM, closeFn, err := cfg.Start(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "fakegithub: %v\n", err)
		return 1
	}
	defer closeFn()
	// Seeded before the URL is printed: a client that waits for the URL
	// finds them.
	for _, sd := range seeds {
		switch {
		case sd.workflow != "":
			// The run's branch is only its head_branch: a --green moves no
			// branch, as a run does not.
			fake.AddCommit(sd.repo, sd.sha)
			fake.AddRun(sd.repo, Run{WorkflowID: sd.workflow, Event: "push", Status: "completed", Conclusion: "success", HeadBranch: sd.branch, HeadSHA: sd.sha})
		case sd.branch != "":
			fake.SetBranch(sd.repo, sd.branch, sd.sha)
		default:
			fake.AddCommit(sd.repo, sd.sha)
		}
	}
	for _, sd := range planted {
		if err := plantFiles(fake, sd); err != nil {
			fmt.Fprintf(stderr, "fakegithub: %v\n", err)
			return 1
		}
	}
	// The certificate is written before the URL is printed, so that a
	// script that waits for the URL finds it.
	if *certOut != "" {
		if err := os.WriteFile(*certOut, certPEM, 0o644); err != nil {
			fmt.Fprintf(stderr, "fakegithub: write the certificate: %v\n", err)
			return 1
		}
	}
	fmt.Fprintln(stdout, baseURL)
	root := strings.TrimSuffix(baseURL, ghesAPIPrefix)
	scheme, host, _ := strings.Cut(root, "://")
	fmt.Fprintf(stderr, "fakegithub: API at %s/, uploads at %s/, asset downloads at %s/\n", baseURL, root+ghesUploadsPrefix, scheme+"://"+otherLoopbackName(host)+storagePrefix)
	<-ctx.Done()
	return 0
}
