package inputs

import (
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Nightly holds the inputs that name a nightly tag.
type Nightly struct {
	Prefix        string
	Date          time.Time // zero: today, or SOURCE_DATE_EPOCH
	ShaLength     int
	PushTag       bool
	SkipUnchanged bool
	// Manifest is the snapshot's JSON as given, checked by the manifest
	// package; empty without one.
	Manifest string
}

// Nightly validates the inputs of nightly-tag (and the naming inputs
// create-prerelease shares).
func (v Values) Nightly() (Nightly, error) {
	n := Nightly{Prefix: v.Get("prefix")}
	var errs []error
	var err error
	if n.ShaLength, err = parseInt("sha-length", v.Get("sha-length"), 4, 40); err != nil {
		errs = append(errs, err)
	}
	if err := checkPrefix(n.Prefix, n.ShaLength); err != nil {
		errs = append(errs, err)
	}
	if d := v.Get("date"); d != "" {
		date, err := ParseDate("date", d)
		if err != nil {
			errs = append(errs, err)
		}
		n.Date = date
	}
	if n.PushTag, err = parseBool("push-tag", v.Get("push-tag")); err != nil {
		errs = append(errs, err)
	}
	if n.SkipUnchanged, err = parseBool("skip-unchanged", v.Get("skip-unchanged")); err != nil {
		errs = append(errs, err)
	}
	n.Manifest = v.Get("manifest")
	return n, errors.Join(errs...)
}

// Prerelease holds the inputs of create-prerelease.
type Prerelease struct {
	Nightly         Nightly // names the tag when Tag is empty
	Tag             string
	Target          string
	Name            string
	Body            string
	BodyFile        string
	GenerateNotes   bool
	PreviousTag     string
	Assets          []string
	FailOnUnmatched bool
	Concurrency     int
	Keep            int
	Workflow        string
	WorkflowRef     string
	WorkflowInputs  map[string]string
	TagInput        string
	Wait            bool
	WaitTimeout     time.Duration
	CarryOver       bool
	Checksums       string // asset name; empty for none
	Graph           string // as plan reads it, for carry-over
}

// GitHub's limit on the inputs of a workflow_dispatch.
const MaxWorkflowInputs = 25

var (
	inputNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
	workflowRE  = regexp.MustCompile(`^([0-9]+|[A-Za-z0-9._-]+\.ya?ml)$`)
)

// Prerelease validates the inputs of create-prerelease.
func (v Values) Prerelease() (Prerelease, error) {
	nightly, err := v.Nightly()
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	p := Prerelease{
		Nightly:     nightly,
		Tag:         v.Get("tag"),
		Target:      v.Get("target"),
		Name:        v.Get("name"),
		Body:        v.values["body"], // untrimmed: Markdown may start with indentation
		BodyFile:    v.Get("body-file"),
		PreviousTag: v.Get("previous-tag"),
		Assets:      SplitList(v.Get("assets")),
		Workflow:    strings.TrimPrefix(v.Get("workflow"), ".github/workflows/"),
		WorkflowRef: v.Get("workflow-ref"),
		TagInput:    v.Get("tag-input"),
	}
	for input, tag := range map[string]string{"tag": p.Tag, "previous-tag": p.PreviousTag} {
		if tag != "" {
			if err := CheckTagName(input, tag); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if p.Target != "" {
		if err := CheckTagName("target", p.Target); err != nil {
			errs = append(errs, Errorf("target", "must be a commit sha or a branch name; got %q", p.Target))
		}
	}
	if p.WorkflowRef != "" {
		if !strings.HasPrefix(p.WorkflowRef, "refs/") {
			p.WorkflowRef = "refs/heads/" + p.WorkflowRef
		}
		if err := CheckTagName("workflow-ref", p.WorkflowRef); err != nil {
			errs = append(errs, Errorf("workflow-ref", "must be a branch or tag such as main or refs/tags/v1; got %q", p.WorkflowRef))
		}
	}
	if p.GenerateNotes, err = parseBool("generate-notes", v.Get("generate-notes")); err != nil {
		errs = append(errs, err)
	}
	if p.FailOnUnmatched, err = parseBool("fail-on-unmatched-assets", v.Get("fail-on-unmatched-assets")); err != nil {
		errs = append(errs, err)
	}
	if p.Concurrency, err = parseInt("upload-concurrency", v.Get("upload-concurrency"), 1, 16); err != nil {
		errs = append(errs, err)
	}
	if p.Keep, err = parseInt("keep", v.Get("keep"), 0, 1000); err != nil {
		errs = append(errs, err)
	}
	if p.Wait, err = parseBool("wait", v.Get("wait")); err != nil {
		errs = append(errs, err)
	}
	if p.WaitTimeout, err = v.waitTimeout(30 * time.Minute); err != nil {
		errs = append(errs, err)
	}
	if p.Workflow != "" && !workflowRE.MatchString(p.Workflow) {
		errs = append(errs, Errorf("workflow", "must be a workflow file name such as prerelease.yml, or a workflow id; got %q", p.Workflow))
	}
	if !inputNameRE.MatchString(p.TagInput) {
		errs = append(errs, Errorf("tag-input", "must be a workflow input name such as version; got %q", p.TagInput))
	}
	if p.WorkflowInputs, err = parseWorkflowInputs("workflow-inputs", v.Get("workflow-inputs"), p.TagInput); err != nil {
		errs = append(errs, err)
	}
	if p.Workflow == "" && p.Wait {
		errs = append(errs, Errorf("wait", "needs workflow: there is no run to wait for when the release is created here"))
	}
	if p.CarryOver, err = parseBool("carry-over", v.Get("carry-over")); err != nil {
		errs = append(errs, err)
	}
	if p.Checksums = v.Get("checksums"); p.Checksums != "" {
		if err := checkAssetFileName("checksums", p.Checksums); err != nil {
			errs = append(errs, err)
		}
	}
	p.Graph = v.values["graph"]
	return p, errors.Join(errs...)
}

// assetFileNameRE is a name GitHub keeps as it is for an asset and that is
// a plain file name in the workspace.
var assetFileNameRE = regexp.MustCompile(`^[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,99}$`)

// checkAssetFileName checks a name the action gives both an asset and a
// file of its own folder.
func checkAssetFileName(input, name string) error {
	if !assetFileNameRE.MatchString(name) || strings.Contains(name, "..") || strings.HasSuffix(name, ".") {
		return Errorf(input, "must be a file name such as SHA256SUMS: letters, digits, '.', '-', '_' and '+', not starting with '.', at most 100 characters; got %q", name)
	}
	return nil
}

func parseWorkflowInputs(input, s, tagInput string) (map[string]string, error) {
	if s == "" {
		return map[string]string{}, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil || raw == nil {
		return nil, Errorf(input, "must be a JSON object of strings such as {\"channel\": \"nightly\"}")
	}
	out := make(map[string]string, len(raw))
	for key, value := range raw {
		var str string
		if err := json.Unmarshal(value, &str); err != nil {
			return nil, Errorf(input, "value of %q must be a string (workflow_dispatch inputs are strings); got %s", key, value)
		}
		if key == tagInput {
			return nil, Errorf(input, "must not set %q: the action sets that input to the tag (see tag-input)", key)
		}
		out[key] = str
	}
	if n := len(out) + 1; n > MaxWorkflowInputs {
		return nil, Errorf(input, "has %d inputs with the tag's; GitHub allows at most %d", n, MaxWorkflowInputs)
	}
	return out, nil
}

// ParseDate reads YYYY-MM-DD or YYYYMMDD as a UTC day.
func ParseDate(input, s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", "20060102"} {
		if d, err := time.Parse(layout, s); err == nil {
			return d, nil
		}
	}
	return time.Time{}, Errorf(input, "must be a date as YYYY-MM-DD or YYYYMMDD; got %q", s)
}

// CheckTagName applies git's rules for a ref name (git check-ref-format)
// to a tag or branch name.
func CheckTagName(input, name string) error {
	bad := func(why string) error { return Errorf(input, "must be a valid tag name: %s; got %q", why, name) }
	switch {
	case name == "" || name == "@":
		return bad("it is empty")
	case len(name) > 250:
		return bad("it is longer than 250 characters")
	case strings.ContainsAny(name, " ~^:?*[\\"):
		return bad(`it contains a space or one of ~^:?*[\`)
	case strings.Contains(name, "..") || strings.Contains(name, "@{") || strings.Contains(name, "//"):
		return bad(`it contains "..", "@{" or "//"`)
	case strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") || strings.HasSuffix(name, "."):
		return bad("it starts or ends with / or ends with .")
	}
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") || strings.HasSuffix(part, ".lock") {
			return bad("a part of it starts with . or ends with .lock")
		}
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return bad("it contains a control character")
		}
	}
	return nil
}

func parseInt(input, s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, Errorf(input, "must be a whole number from %d to %d; got %q", lo, hi, s)
	}
	if n < lo || n > hi {
		return 0, Errorf(input, "must be from %d to %d; got %d", lo, hi, n)
	}
	return n, nil
}

// waitTimeout reads wait-timeout, whose default depends on the mode.
func (v Values) waitTimeout(def time.Duration) (time.Duration, error) {
	s := v.Get("wait-timeout")
	if s == "" {
		return def, nil
	}
	d, err := parseDuration("wait-timeout", s, MaxMaxWait)
	if err == nil && d < time.Second {
		err = Errorf("wait-timeout", "must be between 1s and %s; got %s", MaxMaxWait, d)
	}
	return d, err
}

// MaxSuffix is the highest -N a nightly tag takes when other snapshots
// already hold the names of the same day and commit.
const MaxSuffix = 99

// checkPrefix checks that the longest tag prefix makes (with shaLength
// hex digits) is a valid tag name.
func checkPrefix(prefix string, shaLength int) error {
	longest := prefix + "-20000101-" + strings.Repeat("0", max(shaLength, 4)) + "-" + strconv.Itoa(MaxSuffix)
	if err := CheckTagName("prefix", longest); err != nil || prefix == "" {
		return Errorf("prefix", "must make a valid tag name (no spaces, ~^:?*[\\, .., @{, a part starting with . or ending with .lock, at most 250 characters with the date and sha); got %q", prefix)
	}
	return nil
}

// Plan holds the inputs of plan.
type Plan struct {
	Graph          string // the graph text, or @path; empty means the default graph
	Changed        string // empty means derived from the event
	ResolveCommits bool
	Pin            string // PinHead or PinGreen
	Prefix         string // of the nightlies, to find the base
}

// The values of the pin input.
const (
	PinHead  = "head"  // every other component at its branch head
	PinGreen = "green" // at the newest commit whose CI passed on a push
)

// Plan returns the inputs of plan; the graph and the changed names are
// checked by the plan package, which knows their rules.
func (v Values) Plan() (Plan, error) {
	resolve, err := parseBool("resolve-commits", v.Get("resolve-commits"))
	if err != nil {
		return Plan{}, err
	}
	pin := strings.ToLower(v.Get("pin"))
	if pin != PinHead && pin != PinGreen {
		return Plan{}, Errorf("pin", "must be %s (each branch's head) or %s (the newest commit whose CI passed on a push); got %.40q", PinHead, PinGreen, v.Get("pin"))
	}
	prefix := v.Get("prefix")
	if err := checkPrefix(prefix, 40); err != nil {
		return Plan{}, err
	}
	return Plan{Graph: v.values["graph"], Changed: v.Get("changed"), ResolveCommits: resolve, Pin: pin, Prefix: prefix}, nil
}
