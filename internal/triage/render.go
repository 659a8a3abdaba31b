package triage

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BTCDecoded/release-action/internal/cascade"
	"github.com/BTCDecoded/release-action/internal/report"
)

// Run is the failing workflow run; its URLs are built from the server's
// address and numbers, never taken from an answer.
type Run struct {
	ID, Attempt int64
	When        time.Time
	Jobs        []Job // the failed ones
}

// Job is a failed job of the run.
type Job struct {
	ID          int64
	Name        string // from the server
	Conclusion  string // from the server
	FailedSteps []string
	// LogError, when set, says why its log was not read.
	LogError string
}

// Base is the last good nightly.
type Base struct {
	Tag string // checked as a nightly tag
}

// Report is everything one failing run's report says.
type Report struct {
	Server     string // https://github.com
	Repository string // owner/name of the orchestrator
	Run        Run
	Base       *Base // nil: no good nightly yet
	Suspects   []Suspect
	Ranking    []Ranked
	Cascade    []cascade.Node
	// Mention, with mention: authors, @-mentions the suspect commits'
	// authors whose logins pass GitHub's rule.
	Mention bool
	// Unlisted counts the failed jobs left out of Run.Jobs.
	Unlisted int
}

// MaxBody is GitHub's limit on an issue's or a comment's body, in
// characters.
const MaxBody = 65536

// limits are how much of each list a report shows; the report is drawn
// again with smaller ones until it fits well within MaxBody.
type limits struct {
	jobs, steps, commits, ranked, quoted, title, line int
}

var tiers = []limits{
	{jobs: 20, steps: 5, commits: 20, ranked: 10, quoted: MaxQuoted, title: 100, line: 200},
	{jobs: 10, steps: 3, commits: 10, ranked: 5, quoted: 3, title: 80, line: 160},
	{jobs: 5, steps: 1, commits: 3, ranked: 3, quoted: 1, title: 60, line: 120},
	{jobs: 2, steps: 0, commits: 1, ranked: 1, quoted: 0, title: 40, line: 0},
}

// Markdown is the run's report, within room characters: a comment, or the
// part of the opening body after its header.
func (r Report) Markdown(room int) string {
	marker := RunMarker(r.Run.ID, r.Run.Attempt) + "\n"
	room -= utf8.RuneCountInString(marker)
	var md string
	for _, l := range tiers {
		md = r.markdown(l)
		if utf8.RuneCountInString(md) <= room {
			return md + marker
		}
	}
	return cut(md, room) + marker
}

func (r Report) markdown(l limits) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s failed\n\n", report.Link("Run "+strconv.FormatInt(r.Run.ID, 10)+", attempt "+strconv.FormatInt(r.Run.Attempt, 10), r.runURL()))
	r.writeJobs(&b, l)
	r.writeSuspects(&b, l)
	r.writeRanking(&b, l)
	r.writeCascade(&b)
	return b.String()
}

func (r Report) runURL() string {
	return r.Server + "/" + r.Repository + "/actions/runs/" + strconv.FormatInt(r.Run.ID, 10) + "/attempts/" + strconv.FormatInt(r.Run.Attempt, 10)
}

func (r Report) jobURL(id int64) string {
	return r.Server + "/" + r.Repository + "/actions/runs/" + strconv.FormatInt(r.Run.ID, 10) + "/job/" + strconv.FormatInt(id, 10)
}

func (r Report) writeJobs(b *strings.Builder, l limits) {
	b.WriteString("#### Failed jobs\n\n")
	if len(r.Run.Jobs) == 0 {
		b.WriteString("No job of the run says it failed: it may have been cancelled, or failed before any job ran.\n\n")
		return
	}
	for i, j := range r.Run.Jobs {
		if i == l.jobs {
			fmt.Fprintf(b, "- and %s more\n", report.Count(len(r.Run.Jobs)-i, "failed job"))
			break
		}
		fmt.Fprintf(b, "- %s (%s)", report.Link(plain(j.Name, l.title), r.jobURL(j.ID)), Text(j.Conclusion, 20))
		if len(j.FailedSteps) > 0 && l.steps > 0 {
			b.WriteString(": failed at ")
			for k, s := range j.FailedSteps {
				if k == l.steps {
					fmt.Fprintf(b, " and %d more", len(j.FailedSteps)-k)
					break
				}
				if k > 0 {
					b.WriteString(", ")
				}
				b.WriteString(Code(s, l.title))
			}
		}
		if j.LogError != "" {
			b.WriteString(" — its log could not be read: " + Text(j.LogError, 200))
		}
		b.WriteString("\n")
	}
	if r.Unlisted > 0 {
		fmt.Fprintf(b, "- and %s more, not read\n", report.Count(r.Unlisted, "failed job"))
	}
	b.WriteString("\n")
}

func (r Report) writeSuspects(b *strings.Builder, l limits) {
	b.WriteString("#### Suspects\n\n")
	switch {
	case r.Base == nil:
		b.WriteString("No nightly has been published yet, so every commit is new: there is nothing to compare with.\n\n")
		return
	case len(r.Suspects) == 0:
		fmt.Fprintf(b, "Every component is at the commit of %s, the last good nightly: the failure is not in a component's change (a runner, a dependency from outside, or flakiness).\n\n", report.Link(r.Base.Tag, r.tagURL(r.Base.Tag)))
		return
	}
	fmt.Fprintf(b, "Components whose commit moved since %s, the last good nightly, newest commit first:\n\n", report.Link(r.Base.Tag, r.tagURL(r.Base.Tag)))
	var authors []string
	for _, s := range r.Suspects {
		compare := r.Server + "/" + s.Repository + "/compare/" + s.From + "..." + s.To
		fmt.Fprintf(b, "**%s** (%s): %s\n\n", report.Text(s.Component), report.Text(s.Repository), report.Link(short(s.From)+"…"+short(s.To)+", "+report.Count(s.Total, "commit"), compare))
		if len(s.Commits) > 0 {
			b.WriteString("| commit | title | author |\n|---|---|---|\n")
		}
		shown := 0
		for _, c := range s.Commits {
			if shown == l.commits {
				break
			}
			fmt.Fprintf(b, "| %s | %s | %s |\n", report.Link(short(c.SHA), r.Server+"/"+s.Repository+"/commit/"+c.SHA), Title(c.Message, l.title), r.author(c.Author))
			shown++
			if r.Mention && ValidLogin(c.Author) && !containsFold(authors, c.Author) {
				authors = append(authors, c.Author)
			}
		}
		if more := s.Total - shown; more > 0 {
			fmt.Fprintf(b, "\nand %s more: %s.\n", report.Count(more, "commit"), report.Link("the whole comparison", compare))
		}
		b.WriteString("\n")
	}
	if len(authors) > 0 {
		b.WriteString("Authors of these commits: @" + strings.Join(authors, ", @") + "\n\n")
	}
}

// author shows a login as text; an @ is put before it only in the
// authors line that mention: authors adds.
func (r Report) author(login string) string {
	if login == "" {
		return "—"
	}
	return Text(login, 39)
}

func (r Report) writeRanking(b *strings.Builder, l limits) {
	if len(r.Ranking) == 0 {
		return
	}
	b.WriteString("#### Ranking against the failed jobs' logs\n\n")
	matched := 0
	for _, rk := range r.Ranking {
		if rk.Lines > 0 {
			matched++
		}
	}
	if matched == 0 {
		b.WriteString("No file a suspect commit changed appears in the failed jobs' logs.\n\n")
		return
	}
	for n, rk := range r.Ranking {
		if rk.Lines == 0 {
			break
		}
		if n == l.ranked {
			fmt.Fprintf(b, "%d. and %s more whose files appear in the logs\n", n+1, report.Count(matched-n, "commit"))
			break
		}
		s := r.Suspects[rk.Suspect]
		c := s.Commits[rk.Commit]
		fmt.Fprintf(b, "%d. **%s** %s %s: %s in the logs\n", n+1, report.Text(s.Component), report.Link(short(c.SHA), r.Server+"/"+s.Repository+"/commit/"+c.SHA), Title(c.Message, l.title), report.Count(rk.Lines, "line names its files", "lines name its files"))
		for k, m := range rk.Matches {
			if k == l.quoted {
				break
			}
			fmt.Fprintf(b, "   - %s in %s: %s\n", Code(m.File, l.title), Text(m.Job, l.title), Code(m.Line, l.line))
		}
	}
	if rest := len(r.Ranking) - matched; rest > 0 {
		fmt.Fprintf(b, "\n%s whose changed files the logs do not name.\n", report.Count(rest, "more suspect commit", "more suspect commits"))
	}
	b.WriteString("\n")
}

func (r Report) writeCascade(b *strings.Builder) {
	if len(r.Cascade) == 0 {
		return
	}
	b.WriteString("#### What this run built\n\n")
	b.WriteString(cascade.Mermaid(r.Cascade))
	b.WriteString("\n")
	b.WriteString(cascade.Table(r.Cascade, func(n cascade.Node) string {
		for _, s := range r.Suspects {
			if s.Component == n.Component {
				return report.Link(short(n.SHA), r.Server+"/"+s.Repository+"/commit/"+n.SHA)
			}
		}
		return "`" + short(n.SHA) + "`"
	}))
	b.WriteString("\n")
}

func (r Report) tagURL(tag string) string {
	return r.Server + "/" + r.Repository + "/releases/tag/" + url.PathEscape(tag)
}

func short(sha string) string { return sha[:min(len(sha), 7)] }

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// cut keeps the first lines of md that fit in room characters, with a
// line that says so.
func cut(md string, room int) string {
	const note = "\n*This report is cut to keep it within GitHub's limit.*\n"
	return report.FirstLines(md, room-utf8.RuneCountInString(note)) + note
}
