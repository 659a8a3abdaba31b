package inputs

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Promote holds the inputs of promote.
type Promote struct {
	// From is the nightly to promote, as given; "" for the newest
	// (newest). That it names a nightly of Prefix is checked by the
	// nightly package, which knows their names.
	From          string
	Prefix        string
	Tag           string
	Name          string // "" means the tag
	Body          string
	BodyFile      string
	MakeLatest    bool
	Prerelease    bool
	TagComponents bool
}

// newest is the from input that takes the newest nightly.
const newest = "newest"

// Promote validates the inputs of promote.
func (v Values) Promote() (Promote, error) {
	p := Promote{
		Prefix:   v.Get("prefix"),
		Tag:      v.Get("tag"),
		Name:     v.Get("name"),
		Body:     v.values["body"], // untrimmed: Markdown may start with indentation
		BodyFile: v.Get("body-file"),
	}
	var errs []error
	switch from := v.Get("from"); {
	case from == "" || strings.EqualFold(from, newest):
	case CheckTagName("from", from) != nil:
		errs = append(errs, Errorf("from", "must be newest or the tag of a published nightly, such as nightly-20251117-6113728; got %.100q", from))
	default:
		p.From = from
	}
	if p.Tag == "" {
		errs = append(errs, Errorf("tag", "is empty: name the release's tag, such as v0.2.0"))
	} else if err := CheckTagName("tag", p.Tag); err != nil {
		errs = append(errs, err)
	} else if !utf8.ValidString(p.Tag) {
		// It is written into versions.toml, which is UTF-8.
		errs = append(errs, Errorf("tag", "must be valid UTF-8; got %q", p.Tag))
	} else if p.Tag == p.From {
		errs = append(errs, Errorf("tag", "names the nightly to promote (%s): a release takes a tag of its own, such as v0.2.0", p.Tag))
	}
	if err := checkPrefix(p.Prefix, 40); err != nil {
		errs = append(errs, err)
	}
	var err error
	if p.MakeLatest, err = parseBool("make-latest", v.Get("make-latest")); err != nil {
		errs = append(errs, err)
	}
	if p.Prerelease, err = parseBool("prerelease", v.Get("prerelease")); err != nil {
		errs = append(errs, err)
	}
	if p.TagComponents, err = parseBool("tag-components", v.Get("tag-components")); err != nil {
		errs = append(errs, err)
	}
	return p, errors.Join(errs...)
}
