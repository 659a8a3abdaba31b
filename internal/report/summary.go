package report

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Summary is a short Markdown table for the step summary.
type Summary struct {
	Title string
	Rows  []Row
	// Extra is Markdown, escaped already, shown after the table: a
	// picture or a second table.
	Extra string
}

// Row is one line of the table; Value is Markdown already escaped, built
// with Text, Code and Link.
type Row struct {
	Key   string
	Value string
}

// Add appends a row.
func (s *Summary) Add(key, value string) { s.Rows = append(s.Rows, Row{key, value}) }

// Markdown renders the summary.
func (s Summary) Markdown() string {
	if s.Title == "" && len(s.Rows) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n", Text(s.Title))
	if len(s.Rows) > 0 {
		b.WriteString("| | |\n|---|---|\n")
		for _, r := range s.Rows {
			fmt.Fprintf(&b, "| %s | %s |\n", Text(r.Key), r.Value)
		}
	}
	b.WriteString("\n")
	if s.Extra != "" {
		b.WriteString(strings.TrimRight(s.Extra, "\n") + "\n\n")
	}
	return b.String()
}

// WriteSummary appends the summary to the GITHUB_STEP_SUMMARY file; it
// does nothing outside Actions, where path is empty.
func WriteSummary(path string, s Summary) error {
	md := s.Markdown()
	if path == "" || md == "" {
		return nil
	}
	return appendFile(path, []byte(md))
}

var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`,
	"*", `\*`, "_", `\_`, "`", "\\`", "\r", " ", "\n", " ",
)

// Text escapes s for a table cell: it cannot break the table, open a link
// or inject HTML.
func Text(s string) string { return markdownEscaper.Replace(s) }

// Code renders s as inline code in a table cell.
func Code(s string) string {
	s = strings.NewReplacer("`", "'", "|", `\|`, "\r", " ", "\n", " ").Replace(s)
	return "`" + s + "`"
}

// Link renders a link whose text is escaped; an empty url gives the text.
// The target often comes from a server (a run's html_url), so only an
// absolute http(s) URL becomes a link, with every byte that could end the
// target, the cell or the line, or open HTML, percent-encoded; anything
// else renders as the text alone.
func Link(text, url string) string {
	target, ok := linkTarget(url)
	if !ok {
		return Text(text)
	}
	return "[" + Text(text) + "](" + target + ")"
}

func linkTarget(url string) (string, bool) {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok || !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "http") {
		return "", false
	}
	if host, _, _ := strings.Cut(rest, "/"); host == "" {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(url); i++ {
		if c := url[i]; c < 0x80 && urlSafe[c] {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String(), true
}

// urlSafe are the bytes a link target keeps as they are: letters, digits
// and the URL punctuation that means nothing to Markdown in a target.
// Spaces, quotes, <>, (), [], |, \ and control characters are encoded;
// % is kept, so an already encoded URL stays as it is.
var urlSafe = func() (safe [128]bool) {
	for c := range safe {
		safe[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune("-._~:/?#@!$&*+,;=%", rune(c))
	}
	return safe
}()

// FirstLines keeps the first whole lines of text that fit in room
// characters: what a body held to GitHub's limit keeps of a long part.
func FirstLines(text string, room int) string {
	var b strings.Builder
	used := 0
	for line := range strings.Lines(text) {
		n := utf8.RuneCountInString(line)
		if used+n > room {
			break
		}
		b.WriteString(line)
		used += n
	}
	return b.String()
}

// SafeAt stands in for @ in text from outside that goes into an issue or
// release notes: it reads the same and never mentions anyone.
const SafeAt = "＠"

// Unmentioned is s with every @ made SafeAt.
func Unmentioned(s string) string { return strings.ReplaceAll(s, "@", SafeAt) }
