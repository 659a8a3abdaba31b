package report

import (
	"fmt"
	"strings"
)

// Summary is a short Markdown table for the step summary.
type Summary struct {
	Title string
	Rows  []Row
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
func Link(text, url string) string {
	if url == "" {
		return Text(text)
	}
	url = strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "|", "%7C").Replace(url)
	return "[" + Text(text) + "](" + url + ")"
}
