package triage

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	shaA = strings.Repeat("a", 40)
	shaB = strings.Repeat("b", 40)
	shaC = strings.Repeat("c", 40)
	shaD = strings.Repeat("d", 40)
)

func consensusSuspect() Suspect {
	return Suspect{
		Component: "consensus", Repository: "BTCDecoded/bllvm-consensus", From: shaA, To: shaC, Total: 2,
		Commits: []Commit{
			{SHA: shaC, Message: "Tidy the docs", Author: "bob", Files: []string{"README.md", "docs/guide.md"}, FilesRead: true},
			{SHA: shaB, Message: "Change script verification", Author: "alice", Files: []string{"src/script.rs", "src/lib.rs"}, FilesRead: true},
		},
	}
}

func TestRankPutsTheCommitTheLogNamesFirst(t *testing.T) {
	tests := []struct {
		name      string
		log       string
		wantFirst string // the commit ranked first
		wantLines int
		wantFile  string
	}{
		{"rustc's arrow", "error[E0308]: mismatched types\n  --> src/script.rs:42:9\n", shaB, 1, "src/script.rs"},
		{"under the repository's folder", "/home/runner/work/bllvm/bllvm/bllvm-consensus/src/script.rs:10: panic", shaB, 1, "src/script.rs"},
		{"GitHub's timestamps and colours", "2026-12-07T02:00:00.1234567Z \x1b[1m\x1b[31merror\x1b[0m at src/script.rs:3\n", shaB, 1, "src/script.rs"},
		{"Windows separators", `C:\a\bllvm-consensus\src\script.rs(12): error`, shaB, 1, "src/script.rs"},
		{"the other commit", "see docs/guide.md", shaC, 1, "docs/guide.md"},
		{"a line naming two files of one commit counts once", "src/script.rs and src/lib.rs", shaB, 1, "src/script.rs"},
		{"nothing named: newest first", "error: linker failed", shaC, 0, ""},
		{"a bare file name is not its path", "script.rs", shaC, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ranked := Rank([]Suspect{consensusSuspect()}, []Log{{Job: "build (node)", Text: []byte(tt.log)}})
			require.Len(t, ranked, 2)
			assert.Equal(t, tt.wantFirst, consensusSuspect().Commits[ranked[0].Commit].SHA)
			assert.Equal(t, tt.wantLines, ranked[0].Lines)
			if tt.wantFile == "" {
				assert.Empty(t, ranked[0].Matches)
				return
			}
			require.NotEmpty(t, ranked[0].Matches)
			assert.Equal(t, tt.wantFile, ranked[0].Matches[0].File)
			assert.Equal(t, "build (node)", ranked[0].Matches[0].Job)
		})
	}
}

func TestRankPrefersAPathUnderItsOwnRepository(t *testing.T) {
	node := Suspect{Component: "node", Repository: "BTCDecoded/bllvm-node", From: shaA, To: shaD, Total: 1,
		Commits: []Commit{{SHA: shaD, Message: "node lib", Files: []string{"src/lib.rs"}, FilesRead: true}}}
	consensus := consensusSuspect()
	log := "warning in src/lib.rs\nerror in bllvm-node/src/lib.rs:4\n"
	ranked := Rank([]Suspect{consensus, node}, []Log{{Job: "j", Text: []byte(log)}})
	require.NotEmpty(t, ranked)
	assert.Equal(t, 1, ranked[0].Suspect, "bllvm-node/src/lib.rs names node's file, not consensus's")
	assert.Equal(t, 1, ranked[0].Qualified)
	assert.Equal(t, 2, ranked[0].Lines)
}

func TestRankQuotesAtMostFiveLines(t *testing.T) {
	log := strings.Repeat("error at src/script.rs:1\n", 12)
	ranked := Rank([]Suspect{consensusSuspect()}, []Log{{Job: "j", Text: []byte(log)}})
	assert.Equal(t, 12, ranked[0].Lines)
	assert.Len(t, ranked[0].Matches, MaxQuoted)
}

func TestRankSkipsCommitsWhoseFilesWereNotRead(t *testing.T) {
	s := consensusSuspect()
	s.Commits[1].FilesRead = false
	ranked := Rank([]Suspect{s}, []Log{{Job: "j", Text: []byte("src/script.rs")}})
	require.Len(t, ranked, 1)
	assert.Equal(t, 0, ranked[0].Commit)
	assert.Zero(t, ranked[0].Lines)
}

func TestSuffixes(t *testing.T) {
	var got []string
	for path, folder := range suffixes("a/bllvm-consensus/src/script.rs") {
		got = append(got, folder+"|"+path)
	}
	assert.Equal(t, []string{"|a/bllvm-consensus/src/script.rs", "a|bllvm-consensus/src/script.rs", "bllvm-consensus|src/script.rs", "src|script.rs"}, got)
}
