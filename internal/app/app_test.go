package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
)

// token is what every test authenticates with; no test may ever see it in
// anything the program writes.
const token = "ghs_T0kenThatMustNeverBePrinted0123456789"

const (
	consensus = "BTCDecoded/bllvm-consensus"
	pushSHA   = "6113728f27ae82c7b1a177c8d03f9e96e0adf246" // after, in testdata/events/push.json
	clock     = "2025-11-17T02:00:00Z"
	// storageHost is where github.com redirects asset downloads, as the
	// fake plays it.
	storageHost = "objects.githubusercontent.com"
)

type outcome struct {
	code     int
	stdout   string
	stderr   string
	outputs  map[string]string
	summary  string
	requests []githubtest.Request
	sleeps   []time.Duration
}

// world is the runner's environment for one step: variables as the runner
// sets them for a push to main in bllvm-consensus, and the fake GitHub.
type world struct {
	t     testing.TB
	srv   *githubtest.Server
	vars  map[string]string
	clock *testClock // shared by the program and the fake
	// ghToken plays gh auth token; nil: gh is not there.
	ghToken func(context.Context) (string, error)
}

// testClock starts at clock and moves only when the program sleeps, so
// waits and timeouts play out instantly and exactly.
type testClock = githubtest.Clock

func newWorld(t testing.TB, opts ...githubtest.Option) *world {
	t.Helper()
	dir := t.TempDir()
	start, err := time.Parse(time.RFC3339, clock)
	require.NoError(t, err)
	c := githubtest.NewClock(start)
	opts = append([]githubtest.Option{githubtest.WithToken(token), githubtest.WithClock(c.Now), githubtest.WithRepository("BTCDecoded/bllvm"), githubtest.WithRepository(consensus)}, opts...)
	return &world{
		t:     t,
		clock: c,
		srv:   githubtest.New(t, opts...),
		vars: map[string]string{
			"GITHUB_ACTIONS":       "true",
			"GITHUB_EVENT_NAME":    "push",
			"GITHUB_EVENT_PATH":    filepath.Join("..", "..", "testdata", "events", "push.json"),
			"GITHUB_REPOSITORY":    consensus,
			"GITHUB_SHA":           pushSHA,
			"GITHUB_REF":           "refs/heads/main",
			"GITHUB_RUN_ID":        "7001",
			"GITHUB_RUN_ATTEMPT":   "1",
			"GITHUB_JOB":           "trigger-orchestrator",
			"GITHUB_ACTION":        "__BTCDecoded_release-action",
			"GITHUB_SERVER_URL":    "https://github.com",
			"GITHUB_API_URL":       "https://api.github.com",
			"GITHUB_OUTPUT":        filepath.Join(dir, "output"),
			"GITHUB_STEP_SUMMARY":  filepath.Join(dir, "summary"),
			"INPUT_MODE":           "trigger-orchestrator",
			"INPUT_TOKEN":          token,
			"INPUT_BRANCHES":       "main, master",
			"INPUT_CLIENT-PAYLOAD": "{}",
			"INPUT_DRY-RUN":        "false",
			"INPUT_MAX-WAIT":       "5m",
		},
	}
}

// with sets runner variables over the defaults.
func (w *world) with(vars map[string]string) *world {
	for k, v := range vars {
		w.vars[k] = v
	}
	return w
}

func (w *world) run(args ...string) outcome {
	w.t.Helper()
	var stdout, stderr bytes.Buffer
	var mu sync.Mutex
	var sleeps []time.Duration
	before := len(w.srv.Requests())
	code := Run(context.Background(), Env{
		Args:       args,
		Getenv:     func(k string) string { return w.vars[k] },
		Stdout:     &stdout,
		Stderr:     &stderr,
		HTTPClient: w.srv.Client(),
		Now:        w.clock.Now,
		GHToken:    w.ghToken,
		Sleep: func(_ context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			sleeps = append(sleeps, d)
			w.clock.Advance(d)
			return nil
		},
	})
	o := outcome{
		code:     code,
		stdout:   stdout.String(),
		stderr:   stderr.String(),
		requests: w.srv.Requests()[before:],
		sleeps:   sleeps,
	}
	if path := w.vars["GITHUB_OUTPUT"]; path != "" {
		o.outputs = githubtest.ReadOutputs(w.t, path)
	}
	if path := w.vars["GITHUB_STEP_SUMMARY"]; path != "" {
		data, _ := os.ReadFile(path)
		o.summary = string(data)
	}
	// The one rule every test checks: the token is never written anywhere,
	// but in the ::add-mask:: command that the runner consumes unseen.
	shown := strings.ReplaceAll(o.stdout, "::add-mask::"+token+"\n", "")
	for where, text := range map[string]string{"stdout": shown, "stderr": o.stderr, "summary": o.summary} {
		assert.NotContains(w.t, text, token, "token leaked to %s", where)
	}
	for name, value := range o.outputs {
		assert.NotContains(w.t, value, token, "token leaked to output %s", name)
	}
	for _, r := range o.requests {
		if r.Host == storageHost {
			// A carried asset's download is redirected to storage, a host
			// outside GitHub's API that must never see the token.
			assert.Empty(w.t, r.Header.Get("Authorization"), "token sent to storage with GET %s", r.Path)
			continue
		}
		assert.Contains(w.t, []string{"api.github.com", "uploads.github.com", "ghes.example.com"}, r.Host, "requests go to the API host only")
	}
	return o
}

func TestDispatchFromPush(t *testing.T) {
	w := newWorld(t)
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)

	require.Len(t, o.requests, 1, "exactly one request for a dispatch")
	r := o.requests[0]
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, "api.github.com", r.Host)
	assert.Equal(t, "/repos/BTCDecoded/bllvm/dispatches", r.Path)
	assert.Equal(t, "Bearer "+token, r.Header.Get("Authorization"))
	assert.Equal(t, "application/vnd.github.v3+json", r.Header.Get("Accept"))
	assert.Contains(t, r.Header.Get("User-Agent"), "BTCDecoded-release-action/")
	var body struct {
		EventType     string            `json:"event_type"`
		ClientPayload map[string]string `json:"client_payload"`
	}
	r.DecodeJSON(t, &body)
	assert.Equal(t, "build_consensus", body.EventType)
	dispatchID := body.ClientPayload["dispatch_id"]
	assert.Regexp(t, `^7001-1-[0-9a-f]{8}$`, dispatchID)
	assert.Equal(t, map[string]string{"ref": "refs/heads/main", "sha": pushSHA, "repo": "bllvm-consensus", "dispatch_id": dispatchID}, body.ClientPayload)

	require.Len(t, w.srv.Dispatches(), 1)
	assert.Equal(t, "BTCDecoded/bllvm", w.srv.Dispatches()[0].Repository)

	assert.Equal(t, map[string]string{
		"dispatched":     "true",
		"orchestrator":   "BTCDecoded/bllvm",
		"event-type":     "build_consensus",
		"client-payload": string(mustCompact(t, r.Body, "client_payload")),
		"dispatch-id":    dispatchID,
	}, o.outputs)
	assertGolden(t, "summary-dispatch.md", strings.ReplaceAll(o.summary, dispatchID, "<dispatch-id>"))
	assert.NotContains(t, o.stdout, "::error::")
}

func TestDispatchEventContexts(t *testing.T) {
	tests := []struct {
		name      string
		vars      map[string]string
		wantEvent string
		wantSHA   string
		wantRef   string
		wantRepo  string
	}{
		{
			name: "workflow_run sends the head of the run that completed",
			vars: map[string]string{
				"GITHUB_EVENT_NAME": "workflow_run", "GITHUB_EVENT_PATH": payload("workflow_run.json"),
				"GITHUB_REPOSITORY": "BTCDecoded/bllvm", "GITHUB_SHA": "ffffffffffffffffffffffffffffffffffffffff", "GITHUB_REF": "refs/heads/master",
			},
			wantEvent: "build_all", wantSHA: "5779607b49aab1200488439f02372c57b4f75444", wantRef: "refs/heads/main", wantRepo: "bllvm",
		},
		{
			name: "schedule in the orchestrator is build_all",
			vars: map[string]string{
				"GITHUB_EVENT_NAME": "schedule", "GITHUB_EVENT_PATH": payload("schedule.json"),
				"GITHUB_REPOSITORY": "BTCDecoded/bllvm", "GITHUB_REF": "refs/heads/main",
			},
			wantEvent: "build_all", wantSHA: pushSHA, wantRef: "refs/heads/main", wantRepo: "bllvm",
		},
		{
			name: "workflow_dispatch on master",
			vars: map[string]string{
				"GITHUB_EVENT_NAME": "workflow_dispatch", "GITHUB_EVENT_PATH": payload("workflow_dispatch.json"),
				"GITHUB_REPOSITORY": "BTCDecoded/governance-app", "GITHUB_REF": "refs/heads/master",
			},
			wantEvent: "build_governance", wantSHA: pushSHA, wantRef: "refs/heads/master", wantRepo: "governance-app",
		},
		{
			name: "repository_dispatch received and passed on",
			vars: map[string]string{
				"GITHUB_EVENT_NAME": "repository_dispatch", "GITHUB_EVENT_PATH": payload("repository_dispatch.json"),
				"GITHUB_REPOSITORY": "BTCDecoded/bllvm-node",
			},
			wantEvent: "build_node", wantSHA: pushSHA, wantRef: "refs/heads/main", wantRepo: "bllvm-node",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t).with(tt.vars)
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)
			require.Len(t, w.srv.Dispatches(), 1)
			d := w.srv.Dispatches()[0]
			assert.Equal(t, tt.wantEvent, d.EventType)
			assert.Equal(t, tt.wantSHA, d.ClientPayload["sha"])
			assert.Equal(t, tt.wantRef, d.ClientPayload["ref"])
			assert.Equal(t, tt.wantRepo, d.ClientPayload["repo"])
		})
	}
}

func payload(name string) string { return filepath.Join("..", "..", "testdata", "events", name) }

func TestDispatchSkipped(t *testing.T) {
	tests := []struct {
		name   string
		vars   map[string]string
		notice string
	}{
		{"tag push", map[string]string{"GITHUB_EVENT_PATH": payload("push-tag.json"), "GITHUB_REF": "refs/tags/simple-tag"}, "ref refs/tags/simple-tag is a tag, not a branch"},
		{"feature branch", map[string]string{"GITHUB_REF": "refs/heads/feature/x"}, "branch feature/x is not one of main, master"},
		{"pull request even with every branch allowed", map[string]string{"GITHUB_REF": "refs/pull/7/merge", "INPUT_BRANCHES": "*"}, "ref refs/pull/7/merge is a pull request, not a branch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t).with(tt.vars)
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)
			assert.Empty(t, o.requests)
			assert.Contains(t, o.stdout, "::notice::not dispatching build_consensus to BTCDecoded/bllvm: "+tt.notice)
			assert.Equal(t, "false", o.outputs["dispatched"])
			assert.Equal(t, "build_consensus", o.outputs["event-type"])
			assert.Contains(t, o.summary, "skipped: ")
		})
	}
}

func TestDryRun(t *testing.T) {
	w := newWorld(t)
	w.vars["INPUT_DRY-RUN"] = "true"
	delete(w.vars, "INPUT_TOKEN")
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Empty(t, o.requests, "a dry run sends nothing that changes anything")
	assert.Empty(t, w.srv.Dispatches())
	id := o.outputs["dispatch-id"]
	require.NotEmpty(t, id)
	assertGolden(t, "dry-run-dispatch.txt", strings.ReplaceAll(o.stdout, id, "<dispatch-id>"))
	assert.Equal(t, "true", o.outputs["dispatched"], "outputs are set as a real run would")
	assert.Contains(t, o.summary, "### Trigger orchestrator (dry run)")
	assert.Contains(t, o.summary, "dry run: would dispatch")
}

func TestRetriedFaults(t *testing.T) {
	const path = "/repos/BTCDecoded/bllvm/dispatches"
	tests := []struct {
		name      string
		fault     func(*githubtest.Server)
		wantSleep []time.Duration
		wantLog   string
	}{
		{"502 then success", func(s *githubtest.Server) { s.Fail("POST", path, githubtest.BadGateway()) }, nil, "502"},
		{"connection dropped then success", func(s *githubtest.Server) { s.FailConn("POST", path, 1) }, nil, "retrying POST"},
		{"429 with Retry-After", func(s *githubtest.Server) { s.Fail("POST", path, githubtest.RetryAfter(3)) }, []time.Duration{3 * time.Second}, "429"},
		{"secondary rate limit", func(s *githubtest.Server) { s.Fail("POST", path, githubtest.SecondaryRateLimit(7)) }, []time.Duration{7 * time.Second}, "secondary rate limit"},
		{"primary rate limit until reset", func(s *githubtest.Server) {
			s.Fail("POST", path, githubtest.PrimaryRateLimit(mustTime(t, clock).Add(90*time.Second)))
		}, []time.Duration{91 * time.Second}, "rate limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			tt.fault(w.srv)
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)
			require.Len(t, o.requests, 2, "one retry")
			assert.Equal(t, o.requests[0].Body, o.requests[1].Body, "the retry sends the same dispatch, same dispatch_id")
			require.Len(t, w.srv.Dispatches(), 1)
			if tt.wantSleep != nil {
				assert.Equal(t, tt.wantSleep, o.sleeps)
			} else {
				require.Len(t, o.sleeps, 1)
				assert.LessOrEqual(t, o.sleeps[0], time.Second)
			}
			assert.Contains(t, o.stdout, "retrying POST /repos/BTCDecoded/bllvm/dispatches")
			assert.Contains(t, o.stdout, tt.wantLog)
			assert.Equal(t, "true", o.outputs["dispatched"])
		})
	}
}

func TestFailuresAreExplained(t *testing.T) {
	const path = "/repos/BTCDecoded/bllvm/dispatches"
	tests := []struct {
		name     string
		setup    func(*world)
		requests int
		want     []string
	}{
		{"401 bad credentials", func(w *world) { w.vars["INPUT_TOKEN"] = "ghs_wrong" }, 1,
			[]string{"401", "the token was rejected", "`token` input"}},
		{"403 GITHUB_TOKEN cannot reach the orchestrator", func(w *world) { w.srv.Fail("POST", path, githubtest.NotAccessible()) }, 1,
			[]string{"Resource not accessible by integration", "default GITHUB_TOKEN only reaches its own repository (BTCDecoded/bllvm-consensus)", "contents: write on BTCDecoded/bllvm", "`token` input"}},
		{"404 on another repository", func(w *world) { w.vars["INPUT_ORCHESTRATOR"] = "BTCDecoded/missing" }, 1,
			[]string{"404", "check that BTCDecoded/missing exists", "default GITHUB_TOKEN only reaches its own repository", "contents: write"}},
		{"422 quotes GitHub", func(w *world) {
			w.srv.Fail("POST", path, githubtest.Unprocessable("Invalid request.", map[string]string{"resource": "Dispatch", "field": "client_payload", "code": "invalid", "message": "client_payload is too large"}))
		}, 1, []string{"GitHub rejected the request as invalid", `"Invalid request."`, "client_payload is too large"}},
		{"primary rate limit beyond max-wait", func(w *world) {
			w.vars["INPUT_MAX-WAIT"] = "30s"
			w.srv.Fail("POST", path, githubtest.PrimaryRateLimit(mustTime(t, clock).Add(time.Hour)))
		}, 1, []string{"rate", "max-wait"}},
		{"502 until max-wait runs out", func(w *world) {
			w.vars["INPUT_MAX-WAIT"] = "3s"
			w.srv.Fail("POST", path, githubtest.BadGateway(), githubtest.BadGateway(), githubtest.BadGateway(), githubtest.BadGateway(), githubtest.BadGateway())
		}, -1, []string{"502", "max-wait"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			tt.setup(w)
			o := w.run()
			assert.Equal(t, 1, o.code)
			if tt.requests >= 0 {
				assert.Len(t, o.requests, tt.requests, "4xx are never retried")
			} else {
				assert.Greater(t, len(o.requests), 1)
			}
			errLine := errorLine(t, o.stdout)
			assert.Contains(t, errLine, "dispatch build_consensus to ")
			assert.Regexp(t, `dispatches answered \d{3} `, errLine, "GitHub's answer in plain words")
			assert.NotContains(t, errLine, "[{", "no Go struct dumps")
			assert.NotContains(t, errLine, " []", "no Go struct dumps")
			for _, want := range tt.want {
				assert.Contains(t, errLine, want)
			}
			assert.Empty(t, o.outputs, "no outputs from a failed dispatch")
		})
	}
}

func TestBadInputsSendNothing(t *testing.T) {
	tests := []struct {
		name  string
		vars  map[string]string
		args  []string
		input string
	}{
		{"unknown mode lists the valid ones", map[string]string{"INPUT_MODE": "publish"}, nil, "mode: must be one of trigger-orchestrator"},
		{"payload not JSON", map[string]string{"INPUT_CLIENT-PAYLOAD": "{"}, nil, "client-payload: must be valid JSON"},
		{"payload wrong type", map[string]string{"INPUT_CLIENT-PAYLOAD": "[]"}, nil, "client-payload: must be a JSON object"},
		{"payload too many properties", map[string]string{"INPUT_CLIENT-PAYLOAD": `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7}`}, nil, "client-payload: the payload sent would have 11 top-level properties"},
		{"payload too big", map[string]string{"INPUT_CLIENT-PAYLOAD": `{"a":"` + strings.Repeat("x", 70000) + `"}`}, nil, "client-payload: the payload sent would be"},
		{"event type too long", nil, []string{"--event-type=" + strings.Repeat("e", 101)}, "event-type: must be 1 to 100 characters"},
		{"max-wait out of range", map[string]string{"INPUT_MAX-WAIT": "-1s"}, nil, "max-wait: must be between"},
		{"dry-run not a boolean", map[string]string{"INPUT_DRY-RUN": "sometimes"}, nil, "dry-run: must be true or false"},
		{"orchestrator not owner/name", map[string]string{"INPUT_ORCHESTRATOR": "bllvm"}, nil, "orchestrator: must be a repository as owner/name"},
		{"bad api url", map[string]string{"INPUT_API-URL": "ftp://example.com"}, nil, "api-url: \"ftp://example.com\": must start with https://"},
		{"sha not a commit", map[string]string{"INPUT_SHA": "HEAD"}, nil, "sha: must be a full commit id"},
		{"empty token", map[string]string{"INPUT_TOKEN": ""}, nil, "token: is empty"},
		{"unknown flag", nil, []string{"--orchestrator-repo=x"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t).with(tt.vars)
			o := w.run(tt.args...)
			assert.Equal(t, 1, o.code)
			assert.Empty(t, o.requests, "bad input is caught before any request")
			assert.Contains(t, o.stdout, "::error::")
			assert.Contains(t, o.stdout, tt.input)
			assert.Empty(t, o.outputs)
		})
	}
}

// All bad inputs are reported at once, so one fix-and-rerun is enough.
func TestBadInputsReportedTogether(t *testing.T) {
	w := newWorld(t)
	w.vars["INPUT_MAX-WAIT"] = "forever"
	w.vars["INPUT_CLIENT-PAYLOAD"] = "[1]"
	o := w.run()
	assert.Equal(t, 1, o.code)
	assert.Equal(t, 2, strings.Count(o.stdout, "::error::"), o.stdout)
	assert.Contains(t, o.stdout, "::error::input max-wait: ")
	assert.Contains(t, o.stdout, "::error::input client-payload: ")
}

func TestTokenNeverLeaks(t *testing.T) {
	w := newWorld(t)
	// A payload that carries the token (a misconfigured workflow) and a value
	// crafted to add an output.
	w.vars["INPUT_CLIENT-PAYLOAD"] = `{"note": "` + token + `", "evil": "x\nevil=1\nghadelimiter_0<<EOF"}`
	w.vars["INPUT_DRY-RUN"] = "true"
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.NotContains(t, o.outputs, "evil", "a crafted value cannot add an output")
	assert.Contains(t, o.outputs["client-payload"], "***")
	assert.True(t, strings.HasPrefix(o.stdout, "::add-mask::"+token+"\n"), "the token is masked before anything else is written")
	assert.Equal(t, 1, strings.Count(o.stdout, token), "and appears nowhere else")
}

func TestGitHubEnterpriseServer(t *testing.T) {
	w := newWorld(t, githubtest.WithRepository("BTCDecoded/bllvm"))
	w.vars["INPUT_API-URL"] = "https://ghes.example.com/api/v3"
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	require.Len(t, o.requests, 1)
	assert.Equal(t, "ghes.example.com", o.requests[0].Host)
	assert.Equal(t, "/repos/BTCDecoded/bllvm/dispatches", o.requests[0].Path)
}

func TestOutsideActions(t *testing.T) {
	w := newWorld(t)
	for k := range w.vars {
		if strings.HasPrefix(k, "GITHUB_") {
			delete(w.vars, k)
		}
	}
	delete(w.vars, "INPUT_TOKEN")
	w.vars["GH_TOKEN"] = token
	o := w.run("--repository", consensus, "--sha", pushSHA, "--ref", "main", "--client-payload", `{"dispatch_id":"fixed"}`)
	require.Equal(t, 0, o.code, o.stderr)
	require.Len(t, o.requests, 1, "GH_TOKEN is used outside Actions")
	assert.Equal(t, "dispatched=true\norchestrator=BTCDecoded/bllvm\nevent-type=build_consensus\n"+
		`client-payload={"dispatch_id":"fixed","ref":"refs/heads/main","repo":"bllvm-consensus","sha":"`+pushSHA+`"}`+"\ndispatch-id=fixed\n", o.stdout,
		"stdout holds only the outputs")
	assert.NotContains(t, o.stderr, "::", "no workflow commands outside Actions")
}

func TestHelp(t *testing.T) {
	w := newWorld(t)
	o := w.run("--help")
	assert.Equal(t, 0, o.code)
	assert.Contains(t, o.stdout, "--event-type")
	assert.Empty(t, o.requests)
}

func errorLine(t *testing.T, out string) string {
	t.Helper()
	var lines []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "::error::") {
			lines = append(lines, line)
		}
	}
	require.Len(t, lines, 1, "one error annotation, in:\n%s", out)
	return lines[0]
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}
