package inputs

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Yank holds the inputs of yank.
type Yank struct {
	Tag    string
	Reason string // one line of at most MaxYankReason characters; "" with Undo
	Undo   bool
}

// MaxYankReason is the most characters a yank's reason may have: a line
// at the top of the notes, not a post-mortem.
const MaxYankReason = 200

// Yank validates the inputs of yank. The reason is one line people read
// at the top of the release's notes; it is not read with undo.
func (v Values) Yank() (Yank, error) {
	in := Yank{Tag: v.Get("tag"), Reason: v.Get("reason")}
	var errs []error
	if in.Tag == "" {
		errs = append(errs, Errorf("tag", "is empty: name the nightly or release to withdraw, such as nightly-20251118-b11b11b or v0.2.0"))
	} else if err := CheckTagName("tag", in.Tag); err != nil {
		errs = append(errs, err)
	}
	var err error
	if in.Undo, err = parseBool("undo", v.Get("undo")); err != nil {
		errs = append(errs, err)
	}
	if in.Undo {
		in.Reason = ""
	} else if err := checkYankReason(in.Reason); err != nil {
		errs = append(errs, err)
	}
	return in, errors.Join(errs...)
}

func checkYankReason(reason string) error {
	switch n := utf8.RuneCountInString(reason); {
	case reason == "":
		return Errorf("reason", "is empty: say in one line why the release is withdrawn, such as \"miscompiles script checks: use nightly-20251117-b11b11b\" (or set undo: true to take a yank back)")
	case strings.ContainsAny(reason, "\r\n"):
		return Errorf("reason", "must be one line: it heads the release's notes; put the details in an issue and link it")
	case !utf8.ValidString(reason):
		return Errorf("reason", "is not valid UTF-8")
	case strings.IndexFunc(reason, unicode.IsControl) >= 0:
		return Errorf("reason", "must not contain a control character; got %.60q", reason)
	case n > MaxYankReason:
		return Errorf("reason", "is %d characters; at most %d fit the line at the top of the notes", n, MaxYankReason)
	}
	return nil
}
