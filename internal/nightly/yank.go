package nightly

import (
	"encoding/json"
	"regexp"
	"strings"
)

// A yanked nightly or release keeps its assets and links; the top of its
// body says why it was withdrawn, in a line people read and a marker the
// action reads back. A yanked nightly is never a base, never carried over
// from, never promoted or republished, and locate passes it over.
const yankPrefix = "<!-- release-action: yanked "

var yankRE = regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(yankPrefix) + `(\{.*\}) -->\r?$`)

type yankRecord struct {
	Reason string `json:"reason"`
}

// YankMarker is the hidden line that marks a release yanked for reason.
// The reason is JSON-encoded, which escapes <, > and &, so it can never
// end the comment or start another line.
func YankMarker(reason string) string {
	data, _ := json.Marshal(yankRecord{Reason: reason}) // a struct of one string always encodes
	return yankPrefix + string(data) + " -->"
}

// Yanked says whether body marks its release yanked, and why.
func Yanked(body string) (reason string, yanked bool) {
	m := yankRE.FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	var r yankRecord
	if err := json.Unmarshal([]byte(m[1]), &r); err != nil {
		// A marker people mangled still marks the release yanked: never
		// build on a release someone meant to withdraw.
		return "", true
	}
	return r.Reason, true
}

// WithoutYank is body without the yank marker line.
func WithoutYank(body string) string {
	return strings.TrimLeft(yankRE.ReplaceAllString(body, ""), "\r\n")
}
