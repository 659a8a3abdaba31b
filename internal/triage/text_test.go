package triage

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPlainMakesServerTextInert(t *testing.T) {
	tests := []struct {
		name string
		in   string
		most int
		want string
	}{
		{"plain text stays", "Fix the script check", 100, "Fix the script check"},
		{"a mention mentions nobody", "cc @everyone and @alice", 100, "cc ＠everyone and ＠alice"},
		{"line breaks become one space", "first\r\n\n  second", 100, "first second"},
		{"terminal colours go", "\x1b[31merror\x1b[0m: boom", 100, "error: boom"},
		{"an OSC title goes", "\x1b]0;title\x07after", 100, "after"},
		{"control and format characters become spaces", "a\x00b\u200bc\u202ed", 100, "a b c d"},
		{"cut with an ellipsis", "abcdefghij", 5, "abcde…"},
		{"a cut never ends in a space", "abcd efgh", 5, "abcd…"},
		{"invalid UTF-8 is replaced", "a\xffb", 100, "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, plain(tt.in, tt.most))
		})
	}
}

func TestTextCannotBreakMarkdown(t *testing.T) {
	hostile := "<img src=x onerror=alert(1)> | cell | [link](https://evil.example) `code` @everyone\n| --- |"
	got := Text(hostile, 1000)
	for _, bad := range []string{"<img", "\n", "@"} {
		assert.NotContains(t, got, bad)
	}
	assert.NotRegexp(t, `(^|[^\\])\]\(`, got, "an unescaped ]( would open a link")
	assert.NotRegexp(t, `(^|[^\\])\|`, got, "an unescaped pipe would end the cell")

	assert.Equal(t, "<code>a \\`b\\` ＠c d &lt;script&gt; \\| \\_</code>", Code("a `b` @c\nd <script> | _", 100))
}

func TestTitleIsTheFirstLineBounded(t *testing.T) {
	long := strings.Repeat("x", 10_000)
	assert.Equal(t, "Fix it", Title("Fix it\n\nBody @everyone", 100))
	got := Title(long+"\nrest", 100)
	assert.Equal(t, 101, len([]rune(got)))
	assert.True(t, strings.HasSuffix(got, "…"))
}

func TestValidLogin(t *testing.T) {
	tests := []struct {
		login string
		want  bool
	}{
		{"alice", true},
		{"a-b-c", true},
		{"A1", true},
		{strings.Repeat("a", 39), true},
		{strings.Repeat("a", 40), false},
		{"-alice", false},
		{"alice-", false},
		{"al--ice", false},
		{"github-actions[bot]", false},
		{"everyone here", false},
		{"", false},
		{"al@ice", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, ValidLogin(tt.login), tt.login)
	}
}
