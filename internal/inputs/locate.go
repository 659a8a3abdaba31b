package inputs

import (
	"errors"
	"strings"
)

// Locate holds the inputs of locate: the commit to look for, by its full
// id (SHA) or by a name its component's repository resolves (Ref), never
// both, and never taken from the event.
type Locate struct {
	Component string // a component of Graph; checked by the plan package
	SHA       string // 40 lower-case hex; "" when Ref is set
	Ref       string // a branch, tag or commit id (short or full); "" when SHA is set
	Prefix    string
	Graph     string // as plan reads it
}

// Locate validates the inputs of locate. sha and ref are read as given:
// the event's commit and ref, which other modes default them to, are not
// what a person asks about.
func (v Values) Locate() (Locate, error) {
	l := Locate{
		Component: v.Get("component"),
		Prefix:    v.Get("prefix"),
		Graph:     v.values["graph"],
	}
	sha, ref := v.Get("sha"), v.Get("ref")
	var errs []error
	if l.Component == "" {
		errs = append(errs, Errorf("component", "is empty: name the component whose commit to look for, such as consensus"))
	}
	switch {
	case sha == "" && ref == "":
		errs = append(errs, Errorf("sha", "is empty, and so is ref: give the commit to look for, as its full id (sha) or as a branch, tag or short commit id (ref)"))
	case sha != "" && ref != "":
		errs = append(errs, Errorf("ref", "must be empty when sha is set: locate looks for one commit, given as sha or as ref"))
	case sha != "" && !IsSHA(sha):
		// Common refuses it too; this says what to do instead.
		errs = append(errs, Errorf("sha", "takes a full commit id only; give a short one, a branch or a tag as ref"))
	case sha != "":
		l.SHA = strings.ToLower(sha)
	case CheckTagName("ref", ref) != nil || strings.HasPrefix(ref, "-"):
		errs = append(errs, Errorf("ref", "must be a branch, tag or commit id of the component's repository, such as main, v1.0.0 or 6113728; got %.100q", ref))
	default:
		l.Ref = ref
	}
	if err := checkPrefix(l.Prefix, 40); err != nil {
		errs = append(errs, err)
	}
	return l, errors.Join(errs...)
}
