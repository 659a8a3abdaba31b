package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
)

func TestWriteOutputsCannotBeInjected(t *testing.T) {
	crafted := []string{
		"x\nevil=1",
		"x\nghadelimiter_\nevil<<EOF\n1\nEOF",
		"EOF\nevil=1\n",
		"\r\nevil=1",
	}
	for _, value := range crafted {
		t.Run(value, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "output")
			require.NoError(t, WriteOutputs(path, nil, nil, []Field{{"client-payload", value}, {"dispatched", "true"}}))
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			got := githubtest.ParseOutputs(t, string(data))
			// bufio.Scanner drops the \r of a \r\n line end, as the runner reads lines too.
			assert.Equal(t, map[string]string{"client-payload": strings.ReplaceAll(value, "\r", ""), "dispatched": "true"}, got)
		})
	}
}

// A value that happens to contain the first delimiter drawn gets another.
func TestWriteOutputsRedrawsACollidingDelimiter(t *testing.T) {
	random := bytes.NewReader(append(bytes.Repeat([]byte{0}, 16), bytes.Repeat([]byte{1}, 16)...))
	collides := "ghadelimiter_" + strings.Repeat("00", 16)
	path := filepath.Join(t.TempDir(), "output")
	require.NoError(t, WriteOutputs(path, nil, random, []Field{{"v", collides}}))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), "v<<ghadelimiter_"+strings.Repeat("01", 16)+"\n")
	assert.Equal(t, collides, githubtest.ParseOutputs(t, string(data))["v"])
}

func TestWriteOutputsOutsideActions(t *testing.T) {
	var stdout bytes.Buffer
	require.NoError(t, WriteOutputs("", &stdout, nil, []Field{{"dispatched", "true"}, {"event-type", "build_node"}}))
	assert.Equal(t, "dispatched=true\nevent-type=build_node\n", stdout.String())
}

func TestWriteOutputsRejectsBadName(t *testing.T) {
	err := WriteOutputs("", &bytes.Buffer{}, nil, []Field{{"a=b", "x"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a valid output name")
}

func TestRedactor(t *testing.T) {
	var buf bytes.Buffer
	r := NewRedactor(&buf, "ghp_secret", "")
	_, err := r.Write([]byte("Authorization: token ghp_secret and ghp_secret again\n"))
	require.NoError(t, err)
	assert.Equal(t, "Authorization: token *** and *** again\n", buf.String())
	assert.Equal(t, "a *** b", Redact("a ghp_secret b", "ghp_secret"))
}

func TestSummaryMarkdownGolden(t *testing.T) {
	s := Summary{Title: "Trigger orchestrator"}
	s.Add("Status", "dispatched")
	s.Add("Orchestrator", Link("BTCDecoded/bllvm", "https://github.com/BTCDecoded/bllvm"))
	s.Add("Event type", Code("build_consensus"))
	s.Add("Crafted", Text("a | b <script> [x](y)\nnext"))
	want := "### Trigger orchestrator\n\n| | |\n|---|---|\n" +
		"| Status | dispatched |\n" +
		"| Orchestrator | [BTCDecoded/bllvm](https://github.com/BTCDecoded/bllvm) |\n" +
		"| Event type | `build_consensus` |\n" +
		"| Crafted | a \\| b &lt;script&gt; \\[x\\](y) next |\n\n"
	assert.Equal(t, want, s.Markdown())
	cell := regexp.MustCompile(`(^|[^\\])\|`)
	for _, line := range strings.Split(strings.TrimSpace(s.Markdown()), "\n")[2:] {
		assert.Len(t, cell.FindAllString(line, -1), 3, "every row keeps exactly two cells: %q", line)
	}
}

func TestWriteSummary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary")
	require.NoError(t, os.WriteFile(path, []byte("earlier step\n"), 0o644))
	s := Summary{Title: "T"}
	s.Add("k", "v")
	require.NoError(t, WriteSummary(path, s))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(data), "earlier step\n### T\n"), "appends, never truncates")
	assert.NoError(t, WriteSummary("", s), "outside Actions there is nothing to write")
}

func TestLogOutsideAndInsideActions(t *testing.T) {
	var local, actions bytes.Buffer
	for _, l := range []*Log{NewLog(&local, false, "s3cret"), NewLog(&actions, true, "s3cret")} {
		l.Noticef("skipped: %s", "tag")
		l.Group("Dry run")
		l.Request("POST", "https://api.github.com/repos/o/r/dispatches", []byte(`{"event_type":"build_all"}`))
		l.EndGroup()
		l.Errorf("dispatch: %s", "100%\nnext")
		l.Infof("token s3cret")
		l.Mask("s3cret")
	}
	assert.Equal(t, "notice: skipped: tag\n== Dry run\nPOST https://api.github.com/repos/o/r/dispatches\n{\n  \"event_type\": \"build_all\"\n}\nerror: dispatch: 100%25%0Anext\ntoken ***\n", local.String(), "a value cannot start a line outside Actions either")
	assert.Contains(t, actions.String(), "::notice::skipped: tag\n")
	assert.Contains(t, actions.String(), "::group::Dry run\n")
	assert.Contains(t, actions.String(), "::endgroup::\n")
	assert.Contains(t, actions.String(), "::error::dispatch: 100%25%0Anext\n", "annotation data is escaped")
	assert.Contains(t, actions.String(), "token ***\n")
	assert.Contains(t, actions.String(), "::add-mask::s3cret\n", "the mask command carries the secret itself")
	assert.Equal(t, 1, strings.Count(actions.String(), "s3cret"))
}

// crafted are values from outside (an input, an event, a server) written to
// be read by the runner as commands, or to end a line early.
var crafted = []string{
	"in_progress\n::add-mask::x",
	"a\r::stop-commands::t\r\n::error::forged",
	"::add-mask::at-the-start",
	"  ::warning::after-spaces",
	"\u00a0\t::notice::after-other-white-space",
	"\x1c::group::after-a-separator",
	"x ##[add-mask]legacy-syntax-mid-line",
	"100%0A literal, not a line break",
}

// toolkitEscape is how @actions/core escapes command data (toCommandValue
// then escapeData).
var toolkitEscape = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")

// runnerCommand tells whether the runner would read line as a command:
// "::" after white space (.NET's, which includes U+001C to U+001F), or
// "##[" anywhere.
func runnerCommand(line string) bool {
	rest := strings.TrimLeftFunc(line, func(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f })
	return strings.HasPrefix(rest, "::") || strings.Contains(line, "##[")
}

// Every line Log writes carries a crafted value inertly: the line count is
// what the call means to write, only the call's own command starts a line,
// and annotation data is the value escaped as GitHub's toolkit escapes it.
func TestLogKeepsValuesFromStartingLines(t *testing.T) {
	calls := []struct {
		name    string
		write   func(l *Log, value string)
		lines   int    // lines the call writes
		command string // what the first line starts with in Actions; "" for a plain line
	}{
		{"Infof with the value first", func(l *Log, v string) { l.Infof("%s", v) }, 1, ""},
		{"Infof", func(l *Log, v string) { l.Infof("run 9 is %s; looking again in 5s", v) }, 1, ""},
		{"Noticef", func(l *Log, v string) { l.Noticef("%s", v) }, 1, "::notice::"},
		{"Warningf", func(l *Log, v string) { l.Warningf("%s", v) }, 1, "::warning::"},
		{"Errorf", func(l *Log, v string) { l.Errorf("%s", v) }, 1, "::error::"},
		{"Group", func(l *Log, v string) { l.Group(v); l.EndGroup() }, 2, "::group::"},
		{"Request URL", func(l *Log, v string) { l.Request(v, "https://api.github.com/"+v, nil) }, 1, ""},
		{"Request described body", func(l *Log, v string) { l.Request("POST", "https://uploads.github.com/x", []byte(v)) }, 2, ""},
	}
	for _, inActions := range []bool{true, false} {
		for _, call := range calls {
			for _, value := range crafted {
				t.Run(fmt.Sprintf("actions=%v/%s/%q", inActions, call.name, value), func(t *testing.T) {
					var out bytes.Buffer
					call.write(NewLog(&out, inActions), value)
					lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
					want := call.lines
					if call.name == "Group" && !inActions {
						want = 1 // no ::endgroup:: outside Actions
					}
					require.Len(t, lines, want, "the value added a line:\n%s", out.String())
					for i, line := range lines {
						assert.NotContains(t, line, "\r", "a carriage return ends a line for the runner")
						switch {
						case i == 0 && inActions && call.command != "":
							assert.True(t, strings.HasPrefix(line, call.command), line)
							assert.Equal(t, call.command+toolkitEscape.Replace(value), line, "annotation data is escaped as the toolkit does")
						case i == 1 && call.name == "Group":
							assert.Equal(t, "::endgroup::", line)
						default:
							assert.False(t, runnerCommand(line), "the runner would obey %q", line)
						}
					}
				})
			}
		}
	}
}

// A request is shown as sent: a URL's percent-encoding and a JSON body's
// own escaping keep line breaks out, and "##[" inside a JSON string is
// written with the JSON escape of [, so the body still decodes the same.
func TestLogRequestBodyStaysJSON(t *testing.T) {
	var out bytes.Buffer
	body := []byte(`{"note":"100% ##[add-mask]x\n::error::y","ref":"refs/heads/main"}`)
	const url = "https://api.github.com/repos/o/r/releases/1?name=a%20b.tar.gz"
	NewLog(&out, true).Request("POST", url, body)
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	assert.Equal(t, "POST "+url, lines[0], "a URL is percent-encoded already: shown as sent")
	for _, line := range lines {
		assert.False(t, runnerCommand(line), "the runner would obey %q", line)
	}
	shown := strings.Join(lines[1:], "\n")
	var got, want any
	require.NoError(t, json.Unmarshal([]byte(shown), &got), shown)
	require.NoError(t, json.Unmarshal(body, &want))
	assert.Equal(t, want, got)
	assert.Contains(t, shown, `"100% `, "no escaping of its own inside JSON")
}

func TestLinkTargets(t *testing.T) {
	tests := []struct {
		name, url, want string
	}{
		{"a plain URL is kept", "https://github.com/BTCDecoded/bllvm/actions/runs/9", "[t](https://github.com/BTCDecoded/bllvm/actions/runs/9)"},
		{"an encoded query is kept", "https://github.com/o/r/actions?query=event%3Arepository_dispatch", "[t](https://github.com/o/r/actions?query=event%3Arepository_dispatch)"},
		{"http and upper case schemes are links", "HTTP://ghes.example.com/o/r", "[t](HTTP://ghes.example.com/o/r)"},
		{"a line break and HTML are encoded", "https://github.com/x\n| evil | <img src=x onerror=alert(1)> |", "[t](https://github.com/x%0A%7C%20evil%20%7C%20%3Cimg%20src=x%20onerror=alert%281%29%3E%20%7C)"},
		{"quotes and brackets are encoded", `https://github.com/x" title='y' [z] \`, "[t](https://github.com/x%22%20title=%27y%27%20%5Bz%5D%20%5C)"},
		{"a carriage return is encoded", "https://github.com/x\r\ny", "[t](https://github.com/x%0D%0Ay)"},
		{"non-ASCII is percent-encoded UTF-8", "https://github.com/é", "[t](https://github.com/%C3%A9)"},
		{"javascript is text", "javascript:alert(1)", "t"},
		{"javascript with slashes is text", "javascript://%0Aalert(1)", "t"},
		{"data is text", "data:text/html,<script>", "t"},
		{"a relative target is text", "/o/r/actions/runs/9", "t"},
		{"no host is text", "https:///x", "t"},
		{"empty is text", "", "t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Link("t", tt.url)
			assert.Equal(t, tt.want, got)
			assert.NotContains(t, got, "\n")
			assert.NotContains(t, got, "<")
		})
	}
}

// Whatever a value holds, the row it is in keeps its two cells and stays
// one line, and no HTML opens.
func TestSummaryCellsHoldCraftedValues(t *testing.T) {
	values := []string{
		"x\n| evil | row |\n",
		"a\r\n### heading",
		"<img src=x onerror=alert(1)>",
		"back\\|slash",
		"`code | pipe`",
		"[link](javascript:alert(1))",
	}
	for _, v := range values {
		t.Run(v, func(t *testing.T) {
			s := Summary{Title: v}
			s.Add(v, Text(v))
			s.Add("code", Code(v))
			s.Add("link", Link(v, "https://github.com/"+v))
			s.Add("target", Link("run", v))
			md := s.Markdown()
			lines := strings.Split(strings.TrimSuffix(md, "\n\n"), "\n")
			require.Len(t, lines, 8, md)
			// GFM splits cells at every pipe not right after a backslash.
			cell := regexp.MustCompile(`(^|[^\\])\|`)
			for _, row := range lines[4:] {
				assert.Len(t, cell.FindAllString(row, -1), 3, "every row keeps exactly two cells: %q", row)
			}
			// Inside a code span < is text; everywhere else it would open HTML.
			withoutCode := regexp.MustCompile("`[^`]*`").ReplaceAllString(md, "")
			assert.NotContains(t, withoutCode, "<", "no HTML")
		})
	}
}

func TestWriteOutputsOutsideActionsRefusesLineBreaks(t *testing.T) {
	tests := []struct {
		name, value string
	}{
		{"newline adds an output", "x\nevil=1"},
		{"carriage return", "x\revil=1"},
		{"trailing newline", "nightly-20251117-abc1234\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout bytes.Buffer
			err := WriteOutputs("", &stdout, nil, []Field{{"dispatched", "true"}, {"tag", tt.value}})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "write output tag: ")
			assert.Contains(t, err.Error(), "line break")
			assert.NotContains(t, err.Error(), "\n", "the value is quoted")
			assert.Empty(t, stdout.String(), "no output at all, rather than some")
		})
	}
}

func TestQuoteAndValue(t *testing.T) {
	tests := []struct {
		in, quote, value string
	}{
		{"in_progress", `"in_progress"`, "in_progress"},
		{"https://github.com/o/r/actions/runs/9", `"https://github.com/o/r/actions/runs/9"`, "https://github.com/o/r/actions/runs/9"},
		{"in_progress\n::add-mask::x", `"in_progress\n::add-mask::x"`, `"in_progress\n::add-mask::x"`},
		{"::add-mask::x", `"::add-mask::x"`, `"::add-mask::x"`},
		{"x##[add-mask]y", `"x##[add-mask]y"`, `"x##[add-mask]y"`},
		{"two words", `"two words"`, `"two words"`},
		{"", `""`, `""`},
		{strings.Repeat("a", 300), `"` + strings.Repeat("a", 100) + `"…`, `"` + strings.Repeat("a", 100) + `"…`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.quote, Quote(tt.in), tt.in)
		assert.Equal(t, tt.value, Value(tt.in), tt.in)
	}
}

// A plain line the runner reads as text is shown as it is, since nothing
// undoes an escape there: a percentage and a percent-encoded URL read as
// written. A line that needs escaping is escaped whole, % included, so
// that its escapes cannot be mistaken for text.
func TestLogPlainLinesReadAsWritten(t *testing.T) {
	tests := []struct {
		name, message, want string
	}{
		{"a percentage", "uploading a.tar.gz: 48.0 MiB of 120.0 MiB (40%), 4.8 MiB/s, about 15s left", "uploading a.tar.gz: 48.0 MiB of 120.0 MiB (40%), 4.8 MiB/s, about 15s left"},
		{"a percent-encoded URL", "done: its runs: https://github.com/o/r/actions?query=event%3Arepository_dispatch", "done: its runs: https://github.com/o/r/actions?query=event%3Arepository_dispatch"},
		{"a line break escapes the whole line", "100%\nnext", "100%25%0Anext"},
		{"a command at the start escapes the whole line", "::add-mask::5%", "%3A:add-mask::5%25"},
		{"the legacy syntax escapes the whole line", "40% ##[group]x", "40%25 ##%5Bgroup]x"},
	}
	for _, tt := range tests {
		for _, inActions := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/actions=%v", tt.name, inActions), func(t *testing.T) {
				var out bytes.Buffer
				NewLog(&out, inActions).Infof("%s", tt.message)
				assert.Equal(t, tt.want+"\n", out.String())
			})
		}
	}
}

func TestCount(t *testing.T) {
	tests := []struct {
		n      int
		noun   string
		plural []string
		want   string
	}{
		{0, "commit", nil, "0 commits"},
		{1, "commit", nil, "1 commit"},
		{2, "commit", nil, "2 commits"},
		{-1, "commit", nil, "-1 commits"},
		{1, "repository", []string{"repositories"}, "1 repository"},
		{3, "repository", []string{"repositories"}, "3 repositories"},
	}
	for _, tt := range tests {
		if got := Count(tt.n, tt.noun, tt.plural...); got != tt.want {
			t.Errorf("Count(%d, %q, %q) = %q, want %q", tt.n, tt.noun, tt.plural, got, tt.want)
		}
	}
}
