// Package app is the whole program behind main: it reads the inputs and the
// run's context, runs the selected mode against GitHub, and writes outputs,
// the step summary and, on failure, one error annotation.
package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/appauth"
	"github.com/BTCDecoded/release-action/internal/event"
	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/report"
)

// Env is everything the program takes from the world.
type Env struct {
	Args       []string
	Getenv     func(string) string
	Stdout     io.Writer
	Stderr     io.Writer
	HTTPClient *http.Client
	Git        event.Git                                        // nil: no local git fallback
	Now        func() time.Time                                 // nil: time.Now
	Sleep      func(ctx context.Context, d time.Duration) error // nil: a real timer
	Random     io.Reader                                        // nil: crypto/rand
	// GHToken reads the token of gh's login (gh auth token): outside
	// Actions, the last place a token is looked for. nil, or an error:
	// no token from there.
	GHToken func(ctx context.Context) (string, error)
	// RevokeTimeout bounds the revocation of a GitHub App token on exit,
	// which runs even after SIGTERM; 0 is defaultRevokeTimeout.
	RevokeTimeout time.Duration
}

// defaultRevokeTimeout bounds the revocation of the App's token on exit: a
// GitHub that does not answer must not keep a cancelled job alive, and an
// unrevoked token expires within the hour anyway.
const defaultRevokeTimeout = 5 * time.Second

// Version is the action's version, set at build time.
var Version = "dev"

// Run runs the program and returns its exit status.
func Run(ctx context.Context, env Env) int {
	if env.Random == nil {
		env.Random = rand.Reader
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Sleep == nil {
		env.Sleep = github.Sleep
	}
	if env.RevokeTimeout <= 0 {
		env.RevokeTimeout = defaultRevokeTimeout
	}
	inActions := env.Getenv("GITHUB_ACTIONS") == "true"
	// Outside Actions stdout carries only the outputs, so a shell can read them.
	logTo := env.Stderr
	if inActions {
		logTo = env.Stdout
	}

	values, err := inputs.Read(env.Args, env.Getenv, env.Stdout)
	if errors.Is(err, inputs.ErrHelp) {
		return 0
	}
	token, tokenVariable := tokenFrom(values, env.Getenv, inActions)
	// Everything written from here on goes through the redactors, so not even
	// an error that quotes a request can print the token.
	stdout := report.NewRedactor(env.Stdout, token)
	// unmasked redacts the log of the secrets the runner is not asked to
	// mask (see hide); the log's own redactor has the masked ones.
	unmasked := report.NewRedactor(logTo)
	log := report.NewLog(unmasked, inActions, token)
	log.Mask(token)
	secrets := []string{token}
	// hide keeps a secret that only this process and GitHub ever hold (the
	// App's JWT, the moment it is signed) out of everything the run writes:
	// log, outputs, summary; and asks the runner to mask it too, like every
	// other secret, should anything print it past our writers.
	hide := func(secret string) {
		if slices.Contains(secrets, secret) {
			return
		}
		log.Mask(secret)
		unmasked.Add(secret)
		stdout.Add(secret)
		secrets = append(secrets, secret)
	}
	if err != nil {
		return fail(log, err)
	}
	// Every input is checked before the first request, and all bad inputs
	// are reported together so one rerun can fix them all.
	common, commonErr := values.Common()
	ev, err := event.Load(ctx, env.Getenv, env.Git, event.Overrides{Repository: common.Repository, SHA: common.SHA, Ref: common.Ref})
	if err != nil {
		return fail(log, errors.Join(commonErr, err))
	}
	mode, modeErr := prepare(values, ev, common, env, log)
	if err := errors.Join(commonErr, modeErr); err != nil {
		return fail(log, err)
	}
	if token == "" && !inActions && mode.calls && common.AppID == "" && env.GHToken != nil {
		// A person on a laptop is usually logged in with gh; asked only
		// now that a request will be sent, and hidden like any token.
		if t, err := env.GHToken(ctx); err == nil && strings.TrimSpace(t) != "" {
			token, tokenVariable = strings.TrimSpace(t), "the output of gh auth token"
			hide(token)
		}
	}
	apiURL := common.APIURL
	if apiURL == "" {
		apiURL = ev.APIURL
	}
	config := github.Config{
		APIURL:     apiURL,
		Token:      token,
		HTTPClient: env.HTTPClient,
		MaxWait:    common.MaxWait,
		Logf:       log.Infof,
		Sleep:      env.Sleep,
		Now:        env.Now,
		UserAgent:  "BTCDecoded-release-action/" + Version,
	}
	revoke, err := authenticate(ctx, &config, credentials{common: common, tokenVariable: tokenVariable, hide: hide}, mode, env, log)
	if err != nil {
		return fail(log, err)
	}
	defer revoke()
	if config.Token != token {
		stdout.Add(config.Token)
		secrets = append(secrets, config.Token)
	}
	var planned []plannedRequest
	config.DryRun = dryRunRecorder(common.DryRun, &planned)
	client, err := github.NewClient(config)
	if err != nil {
		return fail(log, err)
	}

	res, err := mode.run(ctx, client)
	if common.DryRun {
		log.Group("Dry run: " + report.Count(len(planned), "request") + " that would change something, not sent")
		for _, r := range planned {
			log.Request(r.method, r.url, r.body)
		}
		log.EndGroup()
	}
	if err != nil {
		return fail(log, err)
	}
	for _, n := range res.Notices {
		log.Noticef("%s", n)
	}
	for _, w := range res.Warnings {
		log.Warningf("%s", w)
	}
	if common.DryRun {
		res.Summary.Title += " (dry run)"
	}
	if err := report.WriteOutputs(ev.OutputPath, stdout, env.Random, redactFields(res.Outputs, secrets)); err != nil {
		return fail(log, fmt.Errorf("set outputs: %w", err))
	}
	res.Summary.Rows = redactRows(res.Summary.Rows, secrets)
	res.Summary.Extra = report.Redact(res.Summary.Extra, secrets...)
	if err := report.WriteSummary(ev.Summary, res.Summary); err != nil {
		// The work is done; a summary that cannot be written is not worth failing it.
		log.Warningf("write the step summary: %v", err)
	}
	if mode.done != nil {
		log.Infof("done: %s", mode.done(res))
	}
	return 0
}

// The texts of the line a successful step ends with, after "done: ": what
// happened, and where to see it. The log escapes it like every line.

// Values a server answered (URLs, a conclusion) are quoted unless plain
// (report.Value), as in every other line.

func prereleaseDone(res report.Result, workflow, repository, serverURL string, dryRun bool) string {
	tag := output(res, "tag")
	if workflow != "" {
		switch {
		case dryRun:
			return fmt.Sprintf("dry run: would dispatch %s for %s", workflow, tag)
		case runNote(res) == "":
			// GitHub Enterprise Server before 3.21 does not say which run.
			runs := orDefault(serverURL, "https://github.com") + "/" + repository + "/actions/workflows/" + url.PathEscape(workflow)
			return fmt.Sprintf("dispatched %s for %s (its runs: %s)", workflow, tag, runs)
		}
		return fmt.Sprintf("dispatched %s for %s%s", workflow, tag, runNote(res))
	}
	var assets []json.RawMessage
	_ = json.Unmarshal([]byte(output(res, "assets")), &assets) // this run's own JSON
	if dryRun {
		return fmt.Sprintf("dry run: would publish %s with %s", tag, count(len(assets), "asset"))
	}
	return fmt.Sprintf("published %s at %s (%s)", tag, report.Value(output(res, "release-url")), count(len(assets), "asset"))
}

func dispatchDone(res report.Result, skip, serverURL string, dryRun bool) string {
	eventType, orchestrator := output(res, "event-type"), output(res, "orchestrator")
	switch {
	case skip != "":
		return fmt.Sprintf("skipped: %s; nothing dispatched to %s", skip, orchestrator)
	case dryRun:
		return fmt.Sprintf("dry run: would dispatch %s to %s", eventType, orchestrator)
	}
	if _, ok := res.Get("run-url"); ok {
		return fmt.Sprintf("dispatched %s to %s%s", eventType, orchestrator, runNote(res))
	}
	runs := orDefault(serverURL, "https://github.com") + "/" + orchestrator + "/actions?query=" + url.QueryEscape("event:repository_dispatch")
	return fmt.Sprintf("dispatched %s to %s (its runs: %s)", eventType, orchestrator, runs)
}

// runNote names the run a dispatch started, and how it ended when waited for.
func runNote(res report.Result) string {
	runURL, ok := res.Get("run-url")
	if !ok {
		return ""
	}
	if conclusion, ok := res.Get("conclusion"); ok {
		return fmt.Sprintf(" (run %s, concluded %s)", report.Value(runURL), report.Value(conclusion))
	}
	return fmt.Sprintf(" (run %s)", report.Value(runURL))
}

func nightlyDone(res report.Result, pushTag bool, repository, serverURL string, dryRun bool) string {
	tag, sha := output(res, "tag"), output(res, "sha")
	where := orDefault(serverURL, "https://github.com") + "/" + repository + "/tree/" + url.PathEscape(tag)
	switch {
	case output(res, "changed") == "false" && output(res, "superseded-by") != "":
		return fmt.Sprintf("nothing to tag: %s holds this snapshot or newer", output(res, "superseded-by"))
	case output(res, "changed") == "false" && output(res, "manifest") != "":
		// With a snapshot, tag is the nightly that holds it: published,
		// or yanked (a notice said which).
		return fmt.Sprintf("nothing to tag: %s holds this snapshot already", tag)
	case output(res, "changed") == "false":
		return fmt.Sprintf("nothing to tag: the newest nightly already points at %s", sha)
	case !pushTag:
		return fmt.Sprintf("named %s for %s (not pushed: push-tag is off)", tag, sha)
	case dryRun:
		return fmt.Sprintf("dry run: would tag %s at %s", tag, sha)
	case output(res, "created") == "true":
		return fmt.Sprintf("tagged %s at %s (%s)", tag, sha, where)
	}
	return fmt.Sprintf("%s was already at %s (%s)", tag, sha, where)
}

func planDone(res report.Result) string {
	var components []string
	var waves [][]string
	// This run's own JSON.
	_ = json.Unmarshal([]byte(output(res, "components")), &components)
	_ = json.Unmarshal([]byte(output(res, "waves")), &waves)
	if len(components) == 0 {
		return "planned nothing to build"
	}
	pinned := ""
	if _, ok := res.Get("manifest"); ok {
		pinned = ", each at a pinned commit"
	}
	return fmt.Sprintf("planned %s in %s%s", count(len(components), "component"), count(len(waves), "wave"), pinned)
}

func output(res report.Result, name string) string {
	value, _ := res.Get(name)
	return value
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// credentials is what authenticate works from: the inputs, where the token
// came from when not from the token input, and where to report each
// secret it makes.
type credentials struct {
	common        inputs.Common
	tokenVariable string // GITHUB_TOKEN or GH_TOKEN outside Actions; "" for the input
	hide          func(secret string)
}

// authenticate settles the token the run uses: the token input, or, with
// app-id and app-private-key, a GitHub App installation token minted now,
// masked before anything else can print it, and revoked by the returned
// function. A mode that calls GitHub without either, or with a token no
// request could carry, fails here, before any request.
func authenticate(ctx context.Context, config *github.Config, creds credentials, mode prepared, env Env, log *report.Log) (revoke func(), err error) {
	noop := func() {}
	common := creds.common
	if !mode.calls {
		return noop, nil
	}
	if common.AppID == "" && config.Token == "" && !common.DryRun {
		return nil, inputs.Errorf("token", "is empty: pass a token (in a workflow the default is ${{ github.token }}; outside one set GITHUB_TOKEN or --token, or log in with gh auth login), or use --dry-run")
	}
	// net/http refuses such a token on every request, which would read as
	// GitHub being unreachable and be retried for all of max-wait.
	if err := github.CheckToken(config.Token); err != nil {
		where := ""
		if creds.tokenVariable != "" {
			where = " (in " + creds.tokenVariable + ")"
		}
		return nil, inputs.Errorf("token", "%v%s; a token is printable ASCII without spaces: copy it again, whole and alone", err, where)
	}
	if common.AppID == "" {
		return noop, nil
	}
	// Checked now, so a bad key is reported before any request.
	if _, err := appauth.ParseKey([]byte(common.AppKey)); err != nil {
		return nil, err
	}
	if common.DryRun {
		log.Noticef("dry run: no GitHub App token is minted; reads go out with token, if any")
		return noop, nil
	}
	app := appauth.Config{AppID: common.AppID, PrivateKey: []byte(common.AppKey), Now: env.Now, OnSecret: creds.hide}
	minted, revokeToken, err := mintAppToken(ctx, *config, app, mode)
	if err != nil {
		return nil, err
	}
	log.AddSecret(minted)
	config.Token = minted
	return func() {
		// Bounded even after SIGTERM, when ctx is already done: a GitHub
		// that does not answer must not keep the process alive.
		revokeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), env.RevokeTimeout)
		defer cancel()
		err := revokeToken(revokeCtx)
		if err != nil && errors.Is(revokeCtx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("revoke the GitHub App installation token: GitHub did not answer within %s", env.RevokeTimeout)
		}
		if err != nil {
			log.Warningf("%v (it expires within the hour anyway)", err)
		}
	}, nil
}

// mintAppToken mints a GitHub App installation token for the repository
// the mode works on, limited to it and the permissions the mode needs, and
// returns it with the function that revokes it.
func mintAppToken(ctx context.Context, config github.Config, app appauth.Config, mode prepared) (string, func(context.Context) error, error) {
	newClient := func(bearer string) (*gh.Client, error) {
		c := config
		c.Token = bearer
		return github.NewClient(c)
	}
	owner, repo, _ := strings.Cut(mode.target, "/")
	token, err := appauth.Mint(ctx, newClient, app, owner, repo, mode.repositories, mode.permissions)
	if err != nil {
		return "", nil, err
	}
	revoke := func(ctx context.Context) error {
		client, err := newClient(token.Value)
		if err != nil {
			return err
		}
		return appauth.Revoke(ctx, client)
	}
	return token.Value, revoke, nil
}

type plannedRequest struct {
	method, url string
	body        []byte
}

// dryRunRecorder collects the requests a dry run does not send; uploads
// run concurrently, so it locks.
func dryRunRecorder(on bool, planned *[]plannedRequest) func(method, url string, body []byte) {
	if !on {
		return nil
	}
	var mu sync.Mutex
	return func(method, url string, body []byte) {
		mu.Lock()
		defer mu.Unlock()
		*planned = append(*planned, plannedRequest{method, url, append([]byte(nil), body...)})
	}
}

// tokenFrom picks the token: the input, else (outside Actions only) the
// environment variables gh and most tools read; variable names the one it
// came from, for messages. gh's own login comes after these (Env.GHToken),
// asked only by a mode that sends a request.
func tokenFrom(values inputs.Values, getenv func(string) string, inActions bool) (token, variable string) {
	if t := values.Get("token"); t != "" || inActions {
		return t, ""
	}
	for _, name := range []string{"GITHUB_TOKEN", "GH_TOKEN"} {
		if t := strings.TrimSpace(getenv(name)); t != "" {
			return t, name
		}
	}
	return "", ""
}

func redactFields(fields []report.Field, secrets []string) []report.Field {
	out := make([]report.Field, len(fields))
	for i, f := range fields {
		out[i] = report.Field{Name: f.Name, Value: report.Redact(f.Value, secrets...)}
	}
	return out
}

func redactRows(rows []report.Row, secrets []string) []report.Row {
	out := make([]report.Row, len(rows))
	for i, r := range rows {
		out[i] = report.Row{Key: r.Key, Value: report.Redact(r.Value, secrets...)}
	}
	return out
}

// fail prints err as error annotations, one per line of a joined error, and
// returns the exit status of a failed run.
func fail(log *report.Log, err error) int {
	for _, line := range strings.Split(err.Error(), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			log.Errorf("%s", line)
		}
	}
	return 1
}
