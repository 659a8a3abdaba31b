package inputs

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The outcomes triage reports.
const (
	OutcomeFailure = "failure"
	OutcomeSuccess = "success"
)

// Triage holds the inputs of triage.
type Triage struct {
	Outcome string
	Label   string
	// Manifest is the failing run's snapshot as given, checked by the
	// manifest package; empty: no suspects are named.
	Manifest string
	Base     string // a tag; empty: the issue's, else the newest complete nightly
	RunID    int64  // 0: this run
	// MaxSuspectCommits bounds the commits whose files are read.
	MaxSuspectCommits int
	Mention           bool
	Tag               string // outcome success: the nightly published
	Prefix            string
	Graph             string
}

// MaxSuspectCommits is the most max-suspect-commits may be.
const MaxSuspectCommits = 500

// Triage validates the inputs of triage.
func (v Values) Triage() (Triage, error) {
	t := Triage{
		Outcome:  strings.ToLower(v.Get("outcome")),
		Label:    v.Get("label"),
		Manifest: v.Get("manifest"),
		Base:     v.Get("base"),
		Tag:      v.Get("tag"),
		Prefix:   v.Get("prefix"),
		Graph:    v.values["graph"],
	}
	var errs []error
	if t.Outcome != OutcomeFailure && t.Outcome != OutcomeSuccess {
		errs = append(errs, Errorf("outcome", "must be %s (open or update the tracking issue) or %s (close it); got %.40q", OutcomeFailure, OutcomeSuccess, v.Get("outcome")))
	}
	if err := checkLabel(t.Label); err != nil {
		errs = append(errs, err)
	}
	if err := checkPrefix(t.Prefix, 40); err != nil {
		errs = append(errs, err)
	}
	for _, tag := range []struct{ input, value string }{{"base", t.Base}, {"tag", t.Tag}} {
		if tag.value != "" {
			if err := CheckTagName(tag.input, tag.value); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if s := v.Get("run-id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < 1 {
			errs = append(errs, Errorf("run-id", "must be the number of a workflow run; got %.40q", s))
		}
		t.RunID = id
	}
	var err error
	if t.MaxSuspectCommits, err = parseInt("max-suspect-commits", v.Get("max-suspect-commits"), 0, MaxSuspectCommits); err != nil {
		errs = append(errs, err)
	}
	switch mention := strings.ToLower(v.Get("mention")); mention {
	case "none", "":
	case "authors":
		t.Mention = true
	default:
		errs = append(errs, Errorf("mention", "must be none or authors; got %.40q", v.Get("mention")))
	}
	return t, errors.Join(errs...)
}

// checkLabel applies GitHub's rules for a label name as a filter can use
// it: 1 to 50 characters, no comma (the issues listing separates labels
// with commas), no control character, not only spaces.
func checkLabel(label string) error {
	switch {
	case strings.TrimSpace(label) == "":
		return Errorf("label", "is empty: name the label of the tracking issue, such as nightly-broken")
	case utf8.RuneCountInString(label) > 50:
		return Errorf("label", "is %d characters; GitHub's labels have at most 50", utf8.RuneCountInString(label))
	case strings.Contains(label, ","):
		return Errorf("label", "must not contain a comma: GitHub's issue filter separates labels with commas; got %.60q", label)
	case strings.IndexFunc(label, unicode.IsControl) >= 0:
		return Errorf("label", "must not contain a control character; got %.60q", label)
	}
	return nil
}
