package inputs

import (
	"errors"
	"regexp"
	"strings"
)

// Verify holds the inputs of verify.
type Verify struct {
	Tag string
	// Files are the builder's files: glob patterns under the rule of
	// assets, checked when they are resolved.
	Files          []string
	Builder        string
	Record         bool
	SigsRepository string // owner/name; "" for none
	FailOnMismatch bool
}

// builderRE is a builder's name: the grid's column and a folder of the
// sigs repository, so nothing a path, Markdown or a shell would read.
var builderRE = regexp.MustCompile(`^[a-z0-9-]{1,39}$`)

// Verify validates the inputs of verify.
func (v Values) Verify() (Verify, error) {
	in := Verify{
		Tag:            v.Get("tag"),
		Files:          SplitList(v.Get("files")),
		Builder:        v.Get("builder"),
		SigsRepository: v.Get("sigs-repository"),
	}
	var errs []error
	if in.Tag == "" {
		errs = append(errs, Errorf("tag", "is empty: name the nightly or release whose SHA256SUMS to compare with, such as nightly-20251117-6113728"))
	} else if err := CheckTagName("tag", in.Tag); err != nil {
		errs = append(errs, err)
	}
	if len(in.Files) == 0 {
		errs = append(errs, Errorf("files", "is empty: name the builder's files, such as dist/*"))
	}
	if !builderRE.MatchString(in.Builder) {
		errs = append(errs, Errorf("builder", "must be 1 to 39 characters of a-z, 0-9 and -, such as gha-ubuntu; got %.60q", in.Builder))
	}
	if in.SigsRepository != "" {
		if err := CheckRepository("sigs-repository", in.SigsRepository); err != nil {
			errs = append(errs, err)
		} else if strings.Contains(in.Tag, "/") {
			// <tag>/<builder>/SHA256SUMS must be three path components, as
			// guix.sigs lays out <version>/<builder>/: a tag of folders
			// would nest under another tag's builders.
			errs = append(errs, Errorf("tag", "%s holds a /, which sigs-repository cannot file as one folder <tag>/<builder>/SHA256SUMS: verify it without sigs-repository", in.Tag))
		}
	}
	var err error
	if in.Record, err = parseBool("record", v.Get("record")); err != nil {
		errs = append(errs, err)
	}
	if in.FailOnMismatch, err = parseBool("fail-on-mismatch", v.Get("fail-on-mismatch")); err != nil {
		errs = append(errs, err)
	}
	return in, errors.Join(errs...)
}
