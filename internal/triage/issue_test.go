package triage

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/cascade"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/plan"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./internal/triage -update to write it")
	assert.Equal(t, string(want), got)
}

var when = time.Date(2026, 12, 7, 2, 14, 0, 0, time.UTC)

func sampleReport(t *testing.T) Report {
	m, err := manifest.Parse("m", `{"consensus":{"repository":"BTCDecoded/bllvm-consensus","sha":"`+shaC+`","rebuilt":true},`+
		`"protocol":{"repository":"BTCDecoded/bllvm-protocol","sha":"`+shaD+`","rebuilt":true},`+
		`"governance":{"repository":"BTCDecoded/bllvm-commons","sha":"`+shaA+`","rebuilt":false}}`)
	require.NoError(t, err)
	suspects := []Suspect{consensusSuspect()}
	logs := []Log{{Job: "build (node)", Text: []byte("error[E0308]: mismatched types\n --> bllvm-consensus/src/script.rs:42:9\n")}}
	return Report{
		Server: "https://github.com", Repository: "BTCDecoded/bllvm",
		Run: Run{ID: 123, Attempt: 1, When: when, Jobs: []Job{
			{ID: 9, Name: "build (node)", Conclusion: "failure", FailedSteps: []string{"Build"}},
		}},
		Base:     &Base{Tag: "nightly-20261206-abc1234"},
		Suspects: suspects, Ranking: Rank(suspects, logs),
		Cascade: cascade.Of(plan.DefaultGraph(), m, []string{"consensus"}),
	}
}

func TestOpeningBodyGolden(t *testing.T) {
	r := sampleReport(t)
	body := OpeningBody(r, BaseMarker("nightly-20261206-abc1234", manifest.Manifest{{Component: "consensus", Repository: "BTCDecoded/bllvm-consensus", SHA: shaA}}))
	golden(t, "opening-body.md", body)
	assert.True(t, Reported(body, 123, 1))
	assert.False(t, Reported(body, 123, 2))
	assert.False(t, Reported(body, 12, 1))
	tag, m, ok := RecordedBase(body)
	require.True(t, ok)
	assert.Equal(t, "nightly-20261206-abc1234", tag)
	assert.Equal(t, shaA, m[0].SHA)
}

func TestReportMentionsOnlyWithMentionAuthors(t *testing.T) {
	r := sampleReport(t)
	r.Suspects[0].Commits[0].Author = "@everyone"
	quiet := r.Markdown(MaxBody)
	assert.NotContains(t, quiet, "@", "no mention without mention: authors")

	r.Mention = true
	loud := r.Markdown(MaxBody)
	mentions := regexp.MustCompile(`@[A-Za-z0-9-]+`).FindAllString(loud, -1)
	assert.Equal(t, []string{"@alice"}, mentions, "the authors' valid logins only, once each")
	assert.NotContains(t, loud, "@everyone")
}

func TestHostileValuesStayInTheirCells(t *testing.T) {
	r := sampleReport(t)
	hostile := "@everyone <img src=x onerror=alert(1)> | x | y |\n" + strings.Repeat("A", 10_000)
	r.Suspects[0].Commits[1].Message = hostile
	r.Run.Jobs[0].Name = "::set-output name=x::y\n::error::boom"
	r.Run.Jobs[0].FailedSteps = []string{"`step` | @here"}
	logs := []Log{{Job: r.Run.Jobs[0].Name, Text: []byte("\x1b[31m@everyone <script>x</script> src/script.rs `rm -rf` |\x1b[0m\n")}}
	r.Ranking = Rank(r.Suspects, logs)
	md := OpeningBody(r, "")
	assert.NotContains(t, md, "@")
	assert.NotContains(t, md, "<img")
	assert.NotContains(t, md, "<script")
	assert.NotContains(t, md, "\x1b")
	assert.NotContains(t, md, "\n::", "no line starts a runner command")
	for line := range strings.Lines(md) {
		if strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| [") && !strings.HasPrefix(line, "| commit") && !strings.HasPrefix(line, "| component") && !strings.HasPrefix(line, "| run,") {
			continue
		}
		if strings.HasPrefix(line, "| ") {
			cells := regexp.MustCompile(`(^|[^\\])\|`).FindAllStringIndex(line, -1)
			assert.LessOrEqual(t, len(cells), 5, "a row keeps its cells: %q", line)
		}
	}
	assert.Less(t, utf8.RuneCountInString(md), 20_000, "10,000 characters are cut to a title")
}

func TestReportFitsGitHubsLimit(t *testing.T) {
	r := sampleReport(t)
	var many []Commit
	for i := range 60 {
		many = append(many, Commit{SHA: strings.Repeat(string("0123456789abcdef"[i%16]), 40), Message: strings.Repeat("long title ", 50), Files: []string{"src/script.rs"}, FilesRead: true})
	}
	for i := range 30 {
		s := consensusSuspect()
		s.Component = "c" + string(rune('a'+i%26))
		s.Commits, s.Total = many, 500
		r.Suspects = append(r.Suspects, s)
	}
	for i := range 50 {
		r.Run.Jobs = append(r.Run.Jobs, Job{ID: int64(i), Name: strings.Repeat("job ", 30), Conclusion: "failure", FailedSteps: []string{"a", "b", "c", "d", "e", "f"}})
	}
	var text strings.Builder
	for range 2000 {
		text.WriteString("error at src/script.rs:1 " + strings.Repeat("x", 300) + "\n")
	}
	r.Ranking = Rank(r.Suspects, []Log{{Job: "j", Text: []byte(text.String())}})
	for _, room := range []int{MaxBody, 10_000, 2_000} {
		md := r.Markdown(room)
		assert.LessOrEqual(t, utf8.RuneCountInString(md), room)
		assert.True(t, Reported(md, 123, 1), "the marker survives any cut")
	}
	assert.LessOrEqual(t, utf8.RuneCountInString(OpeningBody(r, "")), MaxBody)
}

func TestUpdatedBodyAddsARowAndKeepsTheRest(t *testing.T) {
	first := sampleReport(t)
	body := OpeningBody(first, "")
	body = strings.Replace(body, "The release pipeline", "Note from a maintainer: looking into it.\n\nThe release pipeline", 1)
	second := first
	second.Run = Run{ID: 456, Attempt: 2, When: when.Add(24 * time.Hour), Jobs: []Job{{ID: 10, Name: "verify-consensus", Conclusion: "failure"}}}
	updated := UpdatedBody(body, second)
	assert.Contains(t, updated, "Note from a maintainer")
	assert.True(t, Reported(updated, 123, 1))
	assert.True(t, Reported(updated, 456, 2))
	assert.Equal(t, 2, len(rowRE.FindAllString(updated, -1)))
	assert.Equal(t, 1, strings.Count(updated, runsStart))

	// A body whose table was edited away gets a new one.
	bare := UpdatedBody("just text", second)
	assert.True(t, strings.HasPrefix(bare, "just text\n\n"+runsStart))
	assert.True(t, Reported(bare, 456, 2))
}

func TestUpdatedBodyShowsTheNewestRows(t *testing.T) {
	r := sampleReport(t)
	body := OpeningBody(r, "")
	for i := range 30 {
		next := r
		next.Run = Run{ID: int64(1000 + i), Attempt: 1, When: when}
		body = UpdatedBody(body, next)
	}
	assert.Equal(t, maxRowsShown, len(rowRE.FindAllString(body, -1)))
	assert.Contains(t, body, "11 earlier runs not shown.")
	assert.True(t, Reported(body, 123, 1), "every marker is kept")
	assert.True(t, Reported(body, 1029, 1))
}

func TestRecordedBaseRefusesWhatIsNotAManifest(t *testing.T) {
	for _, body := range []string{
		"",
		"<!-- release-action: base nightly-1 {not json} -->",
		"<!-- release-action: base nightly-1 {\"a\":1} -->",
		"text <!-- release-action: base nightly-1 {} --> inline",
	} {
		_, _, ok := RecordedBase(body)
		assert.False(t, ok, body)
	}
}

func TestClosing(t *testing.T) {
	got := Closing("https://github.com", "BTCDecoded/bllvm", "nightly-20261209-abc1234", when, when.Add(50*time.Hour+3*time.Minute))
	assert.Equal(t, "[nightly-20261209-abc1234](https://github.com/BTCDecoded/bllvm/releases/tag/nightly-20261209-abc1234) was published: the pipeline works again, after being broken for 2 days 2 hours. Closed by release-action's `triage` mode.\n", got)
}

func TestDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{10 * time.Second, "less than a minute"},
		{90 * time.Minute, "1 hour 30 minutes"},
		{49 * time.Hour, "2 days 1 hour"},
		{24 * time.Hour, "1 day"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Duration(tt.d))
	}
}
