package inputs

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/BTCDecoded/release-action/internal/github"
)

// ErrHelp is returned by Read after --help printed the usage.
var ErrHelp = errors.New("help requested")

// Error is a bad input: it names the input and the rule it broke.
type Error struct {
	Input string
	Rule  string
}

func (e *Error) Error() string { return fmt.Sprintf("input %s: %s", e.Input, e.Rule) }

// Errorf reports that the named input breaks a rule.
func Errorf(input, format string, args ...any) error {
	return &Error{Input: input, Rule: fmt.Sprintf(format, args...)}
}

// Values holds every input as a string, resolved from flags, then INPUT_*
// variables, then the declared default.
type Values struct {
	values map[string]string
	// fromFlag records which inputs a flag set, for messages.
	fromFlag map[string]bool
}

// Get returns the resolved value of the named input, trimmed.
func (v Values) Get(name string) string { return strings.TrimSpace(v.values[name]) }

// EnvName is the variable the runner sets for an input: INPUT_ and the name
// in upper case, hyphens kept, spaces turned into underscores.
func EnvName(input string) string {
	return "INPUT_" + strings.ToUpper(strings.ReplaceAll(input, " ", "_"))
}

type flagValue struct {
	set   bool
	value string
	bool  bool
}

func (f *flagValue) String() string     { return f.value }
func (f *flagValue) Set(s string) error { f.value, f.set = s, true; return nil }
func (f *flagValue) IsBoolFlag() bool   { return f.bool }

// Read resolves every input. A flag wins over the environment, and an empty
// or unset variable falls back to the declared default, as on a runner. A
// default that is a workflow expression (the token's) means nothing outside
// a workflow and is left empty.
func Read(args []string, getenv func(string) string, usage io.Writer) (Values, error) {
	fs := flag.NewFlagSet("release-action", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	flags := make(map[string]*flagValue, len(Specs))
	for _, s := range Specs {
		f := &flagValue{bool: s.Bool}
		flags[s.Name] = f
		fs.Var(f, s.Name, s.Description)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			Usage(usage)
			return Values{}, ErrHelp
		}
		return Values{}, fmt.Errorf("read flags: %w (run with --help to list them)", err)
	}
	if fs.NArg() > 0 {
		return Values{}, fmt.Errorf("read flags: unexpected argument %q (inputs are flags such as --mode=trigger-orchestrator; run with --help)", fs.Arg(0))
	}
	v := Values{values: map[string]string{}, fromFlag: map[string]bool{}}
	for _, s := range Specs {
		switch f := flags[s.Name]; {
		case f.set:
			v.values[s.Name] = f.value
			v.fromFlag[s.Name] = true
		case strings.TrimSpace(getenv(EnvName(s.Name))) != "":
			v.values[s.Name] = getenv(EnvName(s.Name))
		case strings.HasPrefix(s.Default, "${{"):
			v.values[s.Name] = ""
		default:
			v.values[s.Name] = s.Default
		}
	}
	return v, nil
}

// Usage prints every flag with its default.
func Usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: release-action --mode=MODE [flags]\n\n")
	fmt.Fprintf(w, "Every input of action.yml is also a flag of the same name; a flag wins over\n")
	fmt.Fprintf(w, "its INPUT_<NAME> variable. Outside GitHub Actions, outputs are printed as\n")
	fmt.Fprintf(w, "name=value lines on stdout.\n\nFlags:\n")
	for _, s := range Specs {
		def := s.Default
		if def == "" {
			def = `""`
		}
		modes := "all modes"
		if s.Modes != nil {
			modes = strings.Join(s.Modes, ", ")
		}
		fmt.Fprintf(w, "  --%s (default %s; %s)\n", s.Name, def, modes)
		fmt.Fprintf(w, "      %s\n", s.Description)
	}
}

// Common holds the inputs every mode reads.
type Common struct {
	Mode       string
	Token      string
	APIURL     string // empty: GITHUB_API_URL, else https://api.github.com
	Repository string // owner/name; empty: from the run's context
	SHA        string // empty: from the run's context
	Ref        string // empty: from the run's context
	DryRun     bool
	MaxWait    time.Duration
	AppID      string // with AppKey: mint a GitHub App installation token
	AppKey     string
}

// MaxMaxWait bounds max-wait so that a typo cannot hold a runner for a day.
const MaxMaxWait = 6 * time.Hour

// Common validates the inputs every mode reads.
func (v Values) Common() (Common, error) {
	c := Common{
		Mode:   v.Get("mode"),
		Token:  v.Get("token"),
		APIURL: v.Get("api-url"),
	}
	var errs []error
	if !slices.Contains(Modes, c.Mode) {
		errs = append(errs, Errorf("mode", "must be one of %s; got %q", strings.Join(Modes, ", "), c.Mode))
	}
	if strings.ContainsAny(c.Token, " \t\r\n") {
		// Never quote the token: this message is printed.
		errs = append(errs, Errorf("token", "must not contain spaces or line breaks (is the secret pasted with a trailing newline inside it?)"))
	}
	if c.APIURL != "" {
		if _, _, err := github.BaseURLs(c.APIURL); err != nil {
			errs = append(errs, Errorf("api-url", "%v", err))
		}
	}
	if r := v.Get("repository"); r != "" {
		if err := CheckRepository("repository", r); err != nil {
			errs = append(errs, err)
		}
		c.Repository = r
	}
	if s := v.Get("sha"); s != "" {
		if err := CheckSHA("sha", s); err != nil {
			errs = append(errs, err)
		}
		c.SHA = strings.ToLower(s)
	}
	if r := v.Get("ref"); r != "" {
		if !strings.HasPrefix(r, "refs/") {
			r = "refs/heads/" + r
		}
		if CheckTagName("ref", r) != nil {
			errs = append(errs, Errorf("ref", "must be a git ref such as refs/heads/main; got %q", r))
		}
		c.Ref = r
	}
	c.AppID, c.AppKey = v.Get("app-id"), v.Get("app-private-key")
	switch {
	case c.AppID != "" && c.AppKey == "":
		errs = append(errs, Errorf("app-private-key", "is empty, but app-id is set: pass the App's private key too (app-private-key: ${{ secrets.APP_PRIVATE_KEY }}), or drop app-id to use token"))
	case c.AppID == "" && c.AppKey != "":
		errs = append(errs, Errorf("app-id", "is empty, but app-private-key is set: pass the App's ID too, from its settings page"))
	}
	var err error
	if c.DryRun, err = parseBool("dry-run", v.Get("dry-run")); err != nil {
		errs = append(errs, err)
	}
	if c.MaxWait, err = parseDuration("max-wait", v.Get("max-wait"), MaxMaxWait); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// Dispatch holds the inputs of trigger-orchestrator.
type Dispatch struct {
	Orchestrator  string // owner/name; empty: <owner>/bllvm
	EventType     string // empty: derived from the repository
	ClientPayload map[string]json.RawMessage
	Branches      []string
	Wait          bool
	WaitTimeout   time.Duration
}

// MaxEventType is GitHub's limit on a dispatch event type.
const MaxEventType = 100

// Dispatch validates the inputs of trigger-orchestrator.
func (v Values) Dispatch() (Dispatch, error) {
	var d Dispatch
	var errs []error
	if o := v.Get("orchestrator"); o != "" {
		if err := CheckRepository("orchestrator", o); err != nil {
			errs = append(errs, err)
		}
		d.Orchestrator = o
	}
	if e := v.Get("event-type"); e != "" {
		if err := CheckEventType("event-type", e); err != nil {
			errs = append(errs, err)
		}
		d.EventType = e
	}
	payload, err := parsePayload("client-payload", v.Get("client-payload"))
	if err != nil {
		errs = append(errs, err)
	}
	d.ClientPayload = payload
	if d.Branches, err = parseBranches("branches", v.Get("branches")); err != nil {
		errs = append(errs, err)
	}
	if d.Wait, err = parseBool("wait", v.Get("wait")); err != nil {
		errs = append(errs, err)
	}
	if d.WaitTimeout, err = v.waitTimeout(time.Hour); err != nil {
		errs = append(errs, err)
	}
	return d, errors.Join(errs...)
}

var (
	ownerRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	nameRE  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
	shaRE   = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)
)

// CheckRepository checks an owner/name repository input.
func CheckRepository(input, s string) error {
	owner, name, ok := strings.Cut(s, "/")
	if !ok || !ownerRE.MatchString(owner) || !nameRE.MatchString(name) || name == "." || name == ".." {
		return Errorf(input, "must be a repository as owner/name, such as BTCDecoded/bllvm; got %q", s)
	}
	return nil
}

// IsSHA tells whether s is a full commit id: 40 hexadecimal characters,
// either case. Everything that takes a commit from outside checks it so.
func IsSHA(s string) bool { return shaRE.MatchString(s) }

// CheckSHA checks a full commit id.
func CheckSHA(input, s string) error {
	if !shaRE.MatchString(s) {
		return Errorf(input, "must be a full commit id of 40 hexadecimal characters; got %q", s)
	}
	return nil
}

// CheckEventType checks a repository_dispatch event type against GitHub's rules.
func CheckEventType(input, s string) error {
	if n := len([]rune(s)); n < 1 || n > MaxEventType {
		return Errorf(input, "must be 1 to %d characters; got %d", MaxEventType, n)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return Errorf(input, "must not contain control characters; got %q", s)
		}
	}
	return nil
}

func parseBool(input, s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "1", "yes":
		return true, nil
	case "false", "0", "no", "":
		return false, nil
	}
	return false, Errorf(input, "must be true or false; got %q", s)
}

func parseDuration(input, s string, maxDuration time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		// A bare number is seconds, as in timeout-minutes style settings.
		n, nerr := strconv.ParseUint(s, 10, 32)
		if nerr != nil {
			return 0, Errorf(input, "must be a duration such as 90s, 5m or 1h30m; got %q", s)
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 || d > maxDuration {
		return 0, Errorf(input, "must be between 0s and %s; got %s", maxDuration, d)
	}
	return d, nil
}

func parsePayload(input, s string) (map[string]json.RawMessage, error) {
	if s == "" {
		return map[string]json.RawMessage{}, nil
	}
	if !utf8.ValidString(s) {
		return nil, Errorf(input, "must be UTF-8 text")
	}
	var payload map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &payload); err != nil || payload == nil {
		var any json.RawMessage
		if json.Unmarshal([]byte(s), &any) == nil {
			return nil, Errorf(input, "must be a JSON object such as {\"key\": \"value\"}; got %s", describeJSON(any))
		}
		return nil, Errorf(input, "must be valid JSON: %v", err)
	}
	if raw, ok := payload["dispatch_id"]; ok {
		var id string
		if json.Unmarshal(raw, &id) != nil || strings.TrimSpace(id) == "" {
			return nil, Errorf(input, "dispatch_id must be a non-empty string; got %.100s", raw)
		}
		// The id is printed in the log, where a line break would start a
		// line the runner reads as a command, and in the orchestrator's
		// run name, which must carry it whole.
		if strings.ContainsFunc(id, unicode.IsControl) {
			return nil, Errorf(input, "dispatch_id must not contain line breaks or other control characters; got %.100q", id)
		}
	}
	return payload, nil
}

func describeJSON(raw json.RawMessage) string {
	switch t := strings.TrimSpace(string(raw)); {
	case strings.HasPrefix(t, "["):
		return "an array"
	case strings.HasPrefix(t, `"`):
		return "a string"
	case t == "null":
		return "null"
	case t == "true" || t == "false":
		return "a boolean"
	default:
		return "a number"
	}
}

// SplitList splits a comma or newline separated list, dropping blanks.
func SplitList(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		for _, item := range strings.Split(line, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

func parseBranches(input, s string) ([]string, error) {
	patterns := SplitList(s)
	if len(patterns) == 0 {
		return nil, Errorf(input, "must name at least one branch pattern (use * for every branch)")
	}
	for _, p := range patterns {
		if !doublestar.ValidatePattern(strings.TrimPrefix(p, "!")) || p == "!" {
			return nil, Errorf(input, "pattern %q is not a valid glob", p)
		}
	}
	return patterns, nil
}
