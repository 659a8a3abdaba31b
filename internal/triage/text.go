package triage

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/BTCDecoded/release-action/internal/report"
)

// Everything triage writes into an issue that came from a server (commit
// messages, logins, job and step names, log lines, file names) goes
// through one of these, which bound it and make it inert: no line break,
// no control character or terminal escape, no HTML, no link, no table
// break, and no @ that could mention anyone.

// ansiRE matches terminal escape sequences (CSI and OSC), which job logs
// are full of.
var ansiRE = regexp.MustCompile(`\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)?|\x1b.?`)

// plain bounds s to most runes (an ellipsis marks a cut), removes
// terminal escapes, turns control and format characters into spaces
// and @ into a look-alike that mentions nobody.
func plain(s string, most int) string {
	s = strings.ToValidUTF8(ansiRE.ReplaceAllString(s, ""), "\uFFFD")
	var b strings.Builder
	n, pendingSpace := 0, false
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) {
			pendingSpace = n > 0
			continue
		}
		need := 1
		if pendingSpace {
			need = 2
		}
		if n+need > most {
			return b.String() + "…"
		}
		if pendingSpace {
			b.WriteByte(' ')
			n++
			pendingSpace = false
		}
		if r == '@' {
			b.WriteString(report.SafeAt)
		} else {
			b.WriteRune(r)
		}
		n++
	}
	return b.String()
}

// Text is s made inert and bounded for Markdown text or a table cell.
func Text(s string, most int) string { return report.Text(plain(s, most)) }

// Code is s made inert and bounded in a <code> element: monospace like a
// code span, but HTML-escaped and Markdown-escaped like any text, so
// that nothing in it (a backtick, <script>, a pipe in a table) can end
// it or mean anything.
func Code(s string, most int) string { return "<code>" + Text(s, most) + "</code>" }

// Title is the first line of a commit message, bounded.
func Title(message string, most int) string {
	first, _, _ := strings.Cut(message, "\n")
	return Text(first, most)
}

// loginRE is GitHub's rule for a user name: letters, digits and single
// hyphens between them, at most 39 characters.
var loginRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9]){0,38}$`)

// ValidLogin says whether login can be a GitHub user's name; only such a
// login is ever mentioned.
func ValidLogin(login string) bool { return len(login) <= 39 && loginRE.MatchString(login) }
