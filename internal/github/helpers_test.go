package github

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

const testToken = "ghs_testtoken123"

var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// recorded is one request as the fake server saw it.
type recorded struct {
	Method, Host, Path, Auth string
	Body                     string
}

// scripted answers the n-th request with steps[n], repeating the last step.
type scripted struct {
	mu       sync.Mutex
	steps    []http.HandlerFunc
	requests []recorded
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, recorded{r.Method, r.Host, r.URL.Path, r.Header.Get("Authorization"), string(body)})
	step := s.steps[min(len(s.requests), len(s.steps))-1]
	s.mu.Unlock()
	step(w, r)
}

func (s *scripted) seen() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.requests...)
}

func serve(t *testing.T, steps ...http.HandlerFunc) (*httptest.Server, *scripted) {
	t.Helper()
	script := &scripted{steps: steps}
	srv := httptest.NewServer(script)
	t.Cleanup(srv.Close)
	return srv, script
}

func respond(status int, headers map[string]string, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for name, value := range headers {
			w.Header().Set(name, value)
		}
		if body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// hangUp closes the connection without answering, like a dropped link.
func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

// fakeWorld stands in for the clock, the sleeper and the log.
type fakeWorld struct {
	mu     sync.Mutex
	sleeps []time.Duration
	logs   []string
}

func (f *fakeWorld) config(srv *httptest.Server) Config {
	return Config{
		APIURL:     srv.URL,
		Token:      testToken,
		HTTPClient: srv.Client(),
		MaxWait:    5 * time.Minute,
		Logf: func(format string, args ...any) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.logs = append(f.logs, fmt.Sprintf(format, args...))
		},
		Sleep: func(ctx context.Context, d time.Duration) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.sleeps = append(f.sleeps, d)
			return ctx.Err()
		},
		Now:    func() time.Time { return testNow },
		Jitter: func() float64 { return 0 },
	}
}

func (f *fakeWorld) slept() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

func (f *fakeWorld) logged() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.logs...)
}
