package githubtest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
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

// NewStandalone serves the fake on 127.0.0.1 for programs outside tests,
// such as benchmarks, the way GitHub Enterprise Server is served: the API
// under baseURL (http://127.0.0.1:PORT/api/v3, with no trailing slash, the
// form of an api-url input) and uploads under http://127.0.0.1:PORT/api/uploads.
// Requests are not checked against GitHub's description. closeFn stops the
// server.
func NewStandalone(opts ...Option) (s *Server, baseURL string, closeFn func(), err error) {
	s = newServer(&logReporter{w: os.Stderr}, opts)
	s.scheme = "http"
	listener, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)))
	if err != nil {
		return nil, "", nil, fmt.Errorf("listen on 127.0.0.1:%d: %w", s.port, err)
	}
	server := &http.Server{Handler: http.HandlerFunc(s.serve)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.t.Errorf("githubtest: serve: %v", err)
		}
	}()
	s.client = &http.Client{}
	closeFn = func() {
		server.Close()
		<-done
	}
	return s, "http://" + listener.Addr().String() + ghesAPIPrefix, closeFn, nil
}

// repeated collects a flag given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// RunStandalone is cmd/fakegithub: it serves the fake until ctx ends,
// printing the API base URL as the first line of stdout, and returns the
// exit code.
func RunStandalone(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("fakegithub", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: fakegithub [--port N] [--token T] [--repo owner/name]... [--immutable-releases]")
		fmt.Fprintln(stderr, "Serves a fake GitHub on 127.0.0.1 as GitHub Enterprise Server is served, and prints its API base URL.")
		flags.PrintDefaults()
	}
	var repos repeated
	port := flags.Int("port", 0, "port to listen on, 0 for a free one")
	token := flags.String("token", "", "token requests must send; empty accepts any")
	immutable := flags.Bool("immutable-releases", false, "refuse to change published releases, as with immutable releases on")
	flags.Var(&repos, "repo", "repository owner/name to serve (repeatable)")
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

	opts := []Option{WithPort(*port), WithLog(stderr)}
	for _, repo := range repos {
		owner, name, ok := strings.Cut(repo, "/")
		if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
			fmt.Fprintf(stderr, "fakegithub: --repo %q: want owner/name\n", repo)
			return 2
		}
		opts = append(opts, WithRepository(repo))
	}
	if *token != "" {
		opts = append(opts, WithToken(*token))
	}
	if *immutable {
		opts = append(opts, WithImmutableReleases())
	}
	_, baseURL, closeFn, err := NewStandalone(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "fakegithub: %v\n", err)
		return 1
	}
	defer closeFn()
	fmt.Fprintln(stdout, baseURL)
	fmt.Fprintf(stderr, "fakegithub: API at %s/, uploads at %s/\n", baseURL, strings.TrimSuffix(baseURL, ghesAPIPrefix)+ghesUploadsPrefix)
	<-ctx.Done()
	return 0
}
