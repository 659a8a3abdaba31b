package nightly

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/BTCDecoded/release-action/internal/report"
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

// YankLinePrefix starts the line people read under the marker.
const YankLinePrefix = "**Yanked:** "

// YankLine is the line people read under the marker.
func YankLine(reason string) string { return YankLinePrefix + YankText(reason) }

// YankText is the reason as people read it: escaped for Markdown and HTML
// (report.Text), and with every @ a look-alike that mentions nobody.
func YankText(reason string) string { return report.Unmentioned(report.Text(reason)) }

// YankedBody is body withdrawn for reason: the marker and the line at its
// top, above a blank line and the notes as they were. A body yanked
// already has its yank replaced.
func YankedBody(body, reason string) string {
	notes := WithoutYank(body)
	top := YankMarker(reason) + "\n" + YankLine(reason)
	if notes == "" {
		return top
	}
	return top + "\n\n" + notes
}

// WithoutYank is body without what YankedBody added: the marker line, the
// line under it when it is the yank's, and the blank line after them.
// WithoutYank(YankedBody(body, reason)) is body, byte for byte.
func WithoutYank(body string) string {
	loc := yankRE.FindStringIndex(body)
	if loc == nil {
		return body
	}
	rest := afterLine(body[loc[0]:])
	if strings.HasPrefix(rest, YankLinePrefix) {
		rest = afterLine(rest)
		if blank := strings.TrimPrefix(rest, "\r"); strings.HasPrefix(blank, "\n") {
			rest = blank[1:]
		}
	}
	return body[:loc[0]] + rest
}

// afterLine is s without its first line and that line's break.
func afterLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return ""
}

// YankTitlePrefix starts the title of a yanked release.
const YankTitlePrefix = "Yanked: "

// YankedTitle is the title of a release named name (its tag when empty,
// as GitHub shows it) once yanked; a title that says so already is kept.
func YankedTitle(name, tag string) string {
	if name == "" {
		name = tag
	}
	if strings.HasPrefix(name, YankTitlePrefix) {
		return name
	}
	return YankTitlePrefix + name
}

// WithoutYankTitle is name without the prefix YankedTitle added.
func WithoutYankTitle(name string) string { return strings.TrimPrefix(name, YankTitlePrefix) }
