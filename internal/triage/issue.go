package triage

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/report"
)

// The tracking issue's body keeps what the next run needs, in HTML
// comments a reader does not see: the last good nightly and its snapshot
// (so a later failing run compares with the same one without asking
// GitHub), a marker for every run attempt reported (so a rerun adds
// nothing), and the table of the failing runs between two markers (so a
// later run adds its row and leaves the rest of the body, which people
// may edit, alone).
const (
	markerPrefix   = "<!-- release-action: "
	runsStart      = "<!-- release-action: failing runs -->"
	runsEnd        = "<!-- release-action: end of failing runs -->"
	maxRunMarkers  = 500
	maxRowsShown   = 20
	basePrefix     = markerPrefix + "base "
	runMarkerRegex = `<!-- release-action: run (\d{1,19}) attempt (\d{1,9}) -->`
)

// RunMarker is the hidden line that says a report of this run attempt is
// in the issue.
func RunMarker(runID, attempt int64) string {
	return fmt.Sprintf("<!-- release-action: run %d attempt %d -->", runID, attempt)
}

var runMarkerRE = regexp.MustCompile(runMarkerRegex)

// Reported says whether body (the issue's, which lists every run attempt
// reported in it) already holds this run attempt.
func Reported(body string, runID, attempt int64) bool {
	for _, m := range runMarkerRE.FindAllStringSubmatch(body, -1) {
		if m[1] == strconv.FormatInt(runID, 10) && m[2] == strconv.FormatInt(attempt, 10) {
			return true
		}
	}
	return false
}

var baseRE = regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(basePrefix) + `(\S{1,200}) (\{.*\}) -->\r?$`)

// BaseMarker records the last good nightly and its snapshot.
func BaseMarker(tag string, m manifest.Manifest) string {
	return basePrefix + tag + " " + m.String() + " -->"
}

// RecordedBase reads the last good nightly the issue names. The body is
// anyone's with triage access: what it says is checked as any input is,
// and the caller checks the tag's shape.
func RecordedBase(body string) (string, manifest.Manifest, bool) {
	m := baseRE.FindStringSubmatch(body)
	if m == nil {
		return "", nil, false
	}
	snapshot, err := manifest.Parse("the tracking issue's base", m[2])
	if err != nil {
		return "", nil, false
	}
	return m[1], snapshot, true
}

// IssueTitle is the tracking issue's title.
func IssueTitle(when time.Time) string {
	return "The nightly is broken (since " + when.UTC().Format("2006-01-02") + ")"
}

// OpeningBody is the body of a new tracking issue: what it is, the last
// good nightly, the table of failing runs, and the first run's report.
func OpeningBody(r Report, base string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The release pipeline of %s has been failing since %s. This issue is kept by release-action's `triage` mode: it adds a comment for every later failing run (never twice for one run attempt) and closes the issue when a nightly is published again.\n\n",
		report.Link(r.Repository, r.Server+"/"+r.Repository), r.Run.When.UTC().Format("2006-01-02 15:04 UTC"))
	if r.Base != nil {
		fmt.Fprintf(&b, "Last good nightly: %s\n", report.Link(r.Base.Tag, r.tagURL(r.Base.Tag)))
		b.WriteString(base + "\n\n")
	} else {
		b.WriteString("No nightly has been published yet.\n\n")
	}
	b.WriteString(runsSection(nil, r.row(), []string{RunMarker(r.Run.ID, r.Run.Attempt)}))
	b.WriteString("\n")
	room := MaxBody - utf8.RuneCountInString(b.String()) - 100
	b.WriteString(r.Markdown(room))
	return b.String()
}

// row is the run's line of the failing runs table.
func (r Report) row() string {
	var jobs []string
	for i, j := range r.Run.Jobs {
		if i == 3 {
			jobs = append(jobs, fmt.Sprintf("and %d more", len(r.Run.Jobs)-i+r.Unlisted))
			break
		}
		jobs = append(jobs, Text(j.Name, 60))
	}
	if len(jobs) == 0 {
		jobs = []string{"—"}
	}
	var suspects []string
	for _, s := range r.Suspects {
		suspects = append(suspects, report.Text(s.Component)+" ("+strconv.Itoa(s.Total)+")")
	}
	if len(suspects) == 0 {
		suspects = []string{"—"}
	}
	return fmt.Sprintf("| %s | %s | %s | %s |", report.Link(strconv.FormatInt(r.Run.ID, 10)+" #"+strconv.FormatInt(r.Run.Attempt, 10), r.runURL()),
		r.Run.When.UTC().Format("2006-01-02 15:04"), strings.Join(jobs, ", "), strings.Join(suspects, ", "))
}

// runsSection is the table of failing runs, at most maxRowsShown rows,
// the newest last, and the markers of every run attempt reported.
func runsSection(rows []string, row string, markers []string) string {
	rows = append(rows, row)
	var b strings.Builder
	b.WriteString(runsStart + "\n#### Failing runs\n\n")
	if len(rows) > maxRowsShown {
		fmt.Fprintf(&b, "%s not shown.\n\n", report.Count(len(rows)-maxRowsShown, "earlier run"))
		rows = rows[len(rows)-maxRowsShown:]
	}
	b.WriteString("| run, attempt | when (UTC) | failed jobs | suspects (commits) |\n|---|---|---|---|\n")
	for _, r := range rows {
		if r != "" {
			b.WriteString(r + "\n")
		}
	}
	if len(markers) > maxRunMarkers {
		markers = markers[len(markers)-maxRunMarkers:]
	}
	for _, m := range markers {
		b.WriteString(m + "\n")
	}
	b.WriteString(runsEnd + "\n")
	return b.String()
}

// rowRE is a row of the failing runs table as runsSection writes it.
var rowRE = regexp.MustCompile(`(?m)^\| \[\d+ #\d+\]\(.*\|$`)

// UpdatedBody is body with the run's row and marker added to its table of
// failing runs, every other part left as it is. A body whose table was
// edited away gets a new one at its end.
func UpdatedBody(body string, r Report) string {
	start := strings.Index(body, runsStart)
	end := strings.Index(body, runsEnd)
	before, section, after := body, "", ""
	if start >= 0 && end > start {
		before, section, after = body[:start], body[start:end+len(runsEnd)], body[end+len(runsEnd):]
		after = strings.TrimPrefix(after, "\n")
	} else {
		before = strings.TrimRight(body, "\n") + "\n\n"
	}
	rows := rowRE.FindAllString(section, -1)
	if n := earlierNotShown(section); n > 0 {
		// Keep the count of rows already dropped.
		rows = append(make([]string, n), rows...)
	}
	markers := append(runMarkerRE.FindAllString(section, -1), RunMarker(r.Run.ID, r.Run.Attempt))
	updated := before + runsSection(rows, r.row(), markers) + after
	if utf8.RuneCountInString(updated) > MaxBody {
		// Only a body people filled beyond GitHub's limit gets here.
		return cut(updated, MaxBody)
	}
	return updated
}

var notShownRE = regexp.MustCompile(`(?m)^(\d{1,6}) earlier runs? not shown\.$`)

func earlierNotShown(section string) int {
	m := notShownRE.FindStringSubmatch(section)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// Closing is the comment that closes the issue: the nightly that was
// published and how long the pipeline was broken.
func Closing(server, repository, tag string, since, now time.Time) string {
	link := server + "/" + repository + "/releases/tag/" + url.PathEscape(tag)
	what := "A nightly was published"
	if tag != "" {
		what = report.Link(tag, link) + " was published"
	}
	return fmt.Sprintf("%s: the pipeline works again, after being broken for %s. Closed by release-action's `triage` mode.\n", what, Duration(now.Sub(since)))
}

// Duration says d in days, hours and minutes, as a person would.
func Duration(d time.Duration) string {
	if d < time.Minute {
		return "less than a minute"
	}
	d = d.Round(time.Minute)
	days, hours, minutes := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, report.Count(days, "day"))
	}
	if hours > 0 {
		parts = append(parts, report.Count(hours, "hour"))
	}
	if minutes > 0 && days == 0 {
		parts = append(parts, report.Count(minutes, "minute"))
	}
	return strings.Join(parts, " ")
}
