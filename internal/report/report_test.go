package report

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

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
	assert.Equal(t, "notice: skipped: tag\n== Dry run\nPOST https://api.github.com/repos/o/r/dispatches\n{\n  \"event_type\": \"build_all\"\n}\nerror: dispatch: 100%\nnext\ntoken ***\n", local.String())
	assert.Contains(t, actions.String(), "::notice::skipped: tag\n")
	assert.Contains(t, actions.String(), "::group::Dry run\n")
	assert.Contains(t, actions.String(), "::endgroup::\n")
	assert.Contains(t, actions.String(), "::error::dispatch: 100%25%0Anext\n", "annotation data is escaped")
	assert.Contains(t, actions.String(), "token ***\n")
	assert.Contains(t, actions.String(), "::add-mask::s3cret\n", "the mask command carries the secret itself")
	assert.Equal(t, 1, strings.Count(actions.String(), "s3cret"))
}
