package githubtest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// commitSHA is the made-up sha of the n-th commit of a test history.
func commitSHA(n int) string {
	return fmt.Sprintf("c%039x", n)
}

// setHistory makes c1 to c5 known to BTCDecoded/bllvm in that order, each
// way a commit becomes known, with refs at them:
//
//	c1 v0 (lightweight)   c2 v1 (annotated)   c3 release/1.0   c4 main   c5
func setHistory(fake *Server) {
	fake.AddCommit(repoName, commitSHA(1))
	fake.SetTag(repoName, "v0", commitSHA(1))
	fake.SetAnnotatedTag(repoName, "v1", commitSHA(2), "v1")
	fake.SetBranch(repoName, "release/1.0", commitSHA(3))
	fake.SetBranch(repoName, "main", commitSHA(4))
	fake.SetCommitDate(repoName, commitSHA(5), testTime)
}

func TestCompareCommits(t *testing.T) {
	tests := []struct {
		name          string
		base, head    string
		wantStatus    string
		wantAhead     int
		wantBehind    int
		wantCommits   []int // by n of commitSHA
		wantMergeBase int
	}{
		{"sha to sha", commitSHA(1), commitSHA(4), "ahead", 3, 0, []int{2, 3, 4}, 1},
		{"sha in capitals", strings.ToUpper(commitSHA(1)), commitSHA(2), "ahead", 1, 0, []int{2}, 1},
		{"annotated tag to branch", "v1", "main", "ahead", 2, 0, []int{3, 4}, 2},
		{"lightweight tag to sha", "v0", commitSHA(5), "ahead", 4, 0, []int{2, 3, 4, 5}, 1},
		{"branch with a slash, escaped by go-github", "release/1.0", "main", "ahead", 1, 0, []int{4}, 3},
		{"full ref names", "refs/tags/v1", "refs/heads/main", "ahead", 2, 0, []int{3, 4}, 2},
		{"HEAD", "v1", "HEAD", "ahead", 2, 0, []int{3, 4}, 2},
		{"refs of this repository's owner", "BTCDecoded:v1", "BTCDecoded:main", "ahead", 2, 0, []int{3, 4}, 2},
		{"branch to its own sha", "main", commitSHA(4), "identical", 0, 0, nil, 4},
		{"behind", "main", "v0", "behind", 0, 3, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t, WithClock(func() time.Time { return testTime }))
			setHistory(fake)

			got, resp, err := client.Repositories.CompareCommits(t.Context(), testOwner, testRepo, tt.base, tt.head, nil)

			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, tt.wantStatus, got.GetStatus())
			assert.Equal(t, tt.wantAhead, got.GetAheadBy())
			assert.Equal(t, tt.wantBehind, got.GetBehindBy())
			assert.Equal(t, len(tt.wantCommits), got.GetTotalCommits())
			var gotCommits []string
			for _, commit := range got.Commits {
				gotCommits = append(gotCommits, commit.GetSHA())
				require.Len(t, commit.Parents, 1, "a linear history")
				assert.Equal(t, "2025-11-17T02:00:00Z", commit.GetCommit().GetCommitter().GetDate().UTC().Format("2006-01-02T15:04:05Z"))
			}
			var wantCommits []string
			for _, n := range tt.wantCommits {
				wantCommits = append(wantCommits, commitSHA(n))
			}
			assert.Equal(t, wantCommits, gotCommits, "oldest first")
			for i := 1; i < len(got.Commits); i++ {
				assert.Equal(t, got.Commits[i-1].GetSHA(), got.Commits[i].Parents[0].GetSHA())
			}
			assert.Equal(t, commitSHA(tt.wantMergeBase), got.GetMergeBaseCommit().GetSHA())
			assert.Empty(t, got.Files)
			assert.Equal(t, "https://github.com/BTCDecoded/bllvm/compare/"+tt.base+"..."+tt.head, got.GetHTMLURL())
			assert.Equal(t, "https://api.github.com/repos/BTCDecoded/bllvm/compare/"+tt.base+"..."+tt.head, got.GetURL())
			assert.Equal(t, got.GetHTMLURL()+".diff", got.GetDiffURL())
			assert.Regexp(t, `^https://github\.com/BTCDecoded/bllvm/compare/BTCDecoded:[0-9a-f]{40}\.\.\.BTCDecoded:[0-9a-f]{40}$`, got.GetPermalinkURL())
		})
	}
}

func TestCompareUnknown(t *testing.T) {
	tests := []struct {
		name string
		path string
	}{
		{"unknown base", "nope...main"},
		{"unknown head", "main...nope"},
		{"sha the fake was not told of", "main..." + shaOther},
		{"tag at a commit the fake was not told of", "main...untold"},
		{"ref of a fork", "someone:main...main"},
		{"two dots", "v1..main"},
		{"no head", "main..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			setHistory(fake)
			fake.SetTag(repoName, "untold", shaOld)
			req, err := client.NewRequest(http.MethodGet, "repos/BTCDecoded/bllvm/compare/"+tt.path, nil)
			require.NoError(t, err)

			_, err = client.Do(t.Context(), req, nil)

			ghErr := requireStatus(t, err, http.StatusNotFound)
			assert.Equal(t, "Not Found", ghErr.Message)
			assert.Equal(t, "https://docs.github.com/rest/commits/commits#compare-two-commits", ghErr.DocumentationURL)
		})
	}
}

// TestCompareSlashUnescaped sends what go-github escapes as other clients
// may: a branch with a slash as is.
func TestCompareSlashUnescaped(t *testing.T) {
	tests := []struct {
		name     string
		basehead string
	}{
		{"slash as is", "release/1.0...main"},
		{"slash escaped", "release%2F1.0...main"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, _ := newGitHub(t)
			setHistory(fake)

			status, body := do(t, fake.Client(), http.MethodGet, "https://api.github.com/repos/BTCDecoded/bllvm/compare/"+tt.basehead, "", nil)

			assert.Equal(t, http.StatusOK, status)
			assert.Contains(t, body, `"ahead_by":1,`)
			assert.Contains(t, body, `"url":"https://api.github.com/repos/BTCDecoded/bllvm/compare/release/1.0...main"`)
		})
	}
}

func TestCompareLongHistories(t *testing.T) {
	const known = 300
	tests := []struct {
		name      string
		opts      *gh.ListOptions
		wantFirst int // n of commitSHA of the first commit listed
		wantCount int
		wantNext  int // 0 for no next page
	}{
		{"without paging, the last 250", nil, known - 250 + 1, 250, 0},
		{"first page", &gh.ListOptions{PerPage: 100}, 2, 100, 2},
		{"middle page", &gh.ListOptions{PerPage: 100, Page: 2}, 102, 100, 3},
		{"last page", &gh.ListOptions{PerPage: 100, Page: 3}, 202, known - 201, 0},
		{"default page size", &gh.ListOptions{Page: 1}, 2, 30, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			for n := 1; n <= known; n++ {
				fake.AddCommit(repoName, commitSHA(n))
			}

			got, resp, err := client.Repositories.CompareCommits(t.Context(), testOwner, testRepo, commitSHA(1), commitSHA(known), tt.opts)

			require.NoError(t, err)
			assert.Equal(t, known-1, got.GetTotalCommits())
			assert.Equal(t, known-1, got.GetAheadBy())
			require.Len(t, got.Commits, tt.wantCount)
			assert.Equal(t, commitSHA(tt.wantFirst), got.Commits[0].GetSHA())
			assert.Equal(t, commitSHA(tt.wantFirst+tt.wantCount-1), got.Commits[tt.wantCount-1].GetSHA())
			assert.Equal(t, tt.wantNext, resp.NextPage)
		})
	}
}

func TestCompareRaw(t *testing.T) {
	tests := []struct {
		name     string
		rawType  gh.RawType
		wantType string
	}{
		{"diff", gh.Diff, "application/vnd.github.diff; charset=utf-8"},
		{"patch", gh.Patch, "application/vnd.github.patch; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			setHistory(fake)

			got, resp, err := client.Repositories.CompareCommitsRaw(t.Context(), testOwner, testRepo, "v1", "main", gh.RawOptions{Type: tt.rawType})

			require.NoError(t, err)
			assert.Equal(t, tt.wantType, resp.Header.Get("Content-Type"))
			assert.Empty(t, got, "the fake keeps no files, so nothing changed")
		})
	}
}

func TestCommitParents(t *testing.T) {
	tests := []struct {
		name        string
		ref         string
		wantParents []string
	}{
		{"first known commit has none", "v0", nil},
		{"later commits have the one before", "main", []string{commitSHA(3)}},
		{"dated commit", commitSHA(5), []string{commitSHA(4)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			setHistory(fake)

			got, _, err := client.Repositories.GetCommit(t.Context(), testOwner, testRepo, tt.ref, nil)

			require.NoError(t, err)
			var parents []string
			for _, parent := range got.Parents {
				parents = append(parents, parent.GetSHA())
			}
			assert.Equal(t, tt.wantParents, parents)
		})
	}
}

// sideSHA is the made-up sha of the n-th commit of a side branch.
func sideSHA(n int) string {
	return fmt.Sprintf("b%039x", n)
}

// setBranchedHistory makes a history with a side branch in
// BTCDecoded/bllvm, the side branch made with AddCommitOn before c3, which
// still follows c2:
//
//	c1 - c2 - c3 - c4   main
//	      \
//	       b1 - b2      feature
func setBranchedHistory(fake *Server) {
	fake.AddCommit(repoName, commitSHA(1))
	fake.AddCommit(repoName, commitSHA(2))
	fake.AddCommitOn(repoName, commitSHA(2), sideSHA(1))
	fake.AddCommitOn(repoName, sideSHA(1), sideSHA(2))
	fake.SetBranch(repoName, "feature", sideSHA(2))
	fake.AddCommit(repoName, commitSHA(3))
	fake.SetBranch(repoName, "main", commitSHA(4))
}

func TestCompareBranchedHistory(t *testing.T) {
	tests := []struct {
		name          string
		base, head    string
		wantStatus    string
		wantAhead     int
		wantBehind    int
		wantCommits   []string
		wantMergeBase string
	}{
		{"identical", "main", commitSHA(4), "identical", 0, 0, nil, commitSHA(4)},
		{"ahead", commitSHA(2), "main", "ahead", 2, 0, []string{commitSHA(3), commitSHA(4)}, commitSHA(2)},
		{"behind", "main", commitSHA(2), "behind", 0, 2, nil, commitSHA(2)},
		{"ahead along the side branch", commitSHA(1), "feature", "ahead", 3, 0, []string{commitSHA(2), sideSHA(1), sideSHA(2)}, commitSHA(1)},
		{"side branch diverged from main", "main", "feature", "diverged", 2, 2, []string{sideSHA(1), sideSHA(2)}, commitSHA(2)},
		{"main diverged from the side branch", "feature", "main", "diverged", 2, 2, []string{commitSHA(3), commitSHA(4)}, commitSHA(2)},
		{"diverged by one each", sideSHA(1), commitSHA(3), "diverged", 1, 1, []string{commitSHA(3)}, commitSHA(2)},
		{"side branch behind its own head", "feature", sideSHA(1), "behind", 0, 1, nil, sideSHA(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			setBranchedHistory(fake)

			got, _, err := client.Repositories.CompareCommits(t.Context(), testOwner, testRepo, tt.base, tt.head, nil)

			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, got.GetStatus())
			assert.Equal(t, tt.wantAhead, got.GetAheadBy())
			assert.Equal(t, tt.wantBehind, got.GetBehindBy())
			assert.Equal(t, tt.wantAhead, got.GetTotalCommits())
			assert.Equal(t, tt.wantMergeBase, got.GetMergeBaseCommit().GetSHA())
			var gotCommits []string
			parent := tt.wantMergeBase
			for _, commit := range got.Commits {
				gotCommits = append(gotCommits, commit.GetSHA())
				require.Len(t, commit.Parents, 1)
				assert.Equal(t, parent, commit.Parents[0].GetSHA(), "each listed commit follows the one before, the first the merge base")
				parent = commit.GetSHA()
			}
			assert.Equal(t, tt.wantCommits, gotCommits, "oldest first")
		})
	}
}

func TestBranchedCommitParents(t *testing.T) {
	tests := []struct {
		name        string
		ref         string
		wantParents []string
	}{
		{"root", commitSHA(1), nil},
		{"first of the side branch", sideSHA(1), []string{commitSHA(2)}},
		{"side branch head by name", "feature", []string{sideSHA(1)}},
		{"AddCommit after AddCommitOn follows the last one AddCommit knew", commitSHA(3), []string{commitSHA(2)}},
		{"SetBranch follows it too", "main", []string{commitSHA(3)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			setBranchedHistory(fake)

			got, _, err := client.Repositories.GetCommit(t.Context(), testOwner, testRepo, tt.ref, nil)

			require.NoError(t, err)
			var parents []string
			for _, parent := range got.Parents {
				parents = append(parents, parent.GetSHA())
				assert.Equal(t, "https://api.github.com/repos/BTCDecoded/bllvm/commits/"+parent.GetSHA(), parent.GetURL())
			}
			assert.Equal(t, tt.wantParents, parents)
		})
	}
}

func TestAddCommitOn(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(*Server)
		wantFatal   string // empty: no failure
		wantParents []string
	}{
		{
			name:        "on a known commit",
			setup:       func(s *Server) { s.AddCommit(repoName, shaOld); s.AddCommitOn(repoName, shaOld, shaMain) },
			wantParents: []string{shaOld},
		},
		{
			name: "again with the same parent",
			setup: func(s *Server) {
				s.AddCommit(repoName, shaOld)
				s.AddCommitOn(repoName, shaOld, shaMain)
				s.AddCommitOn(repoName, strings.ToUpper(shaOld), strings.ToUpper(shaMain))
			},
			wantParents: []string{shaOld},
		},
		{
			name:      "on a parent that does not exist",
			setup:     func(s *Server) { s.AddCommitOn(repoName, shaOld, shaMain) },
			wantFatal: "add commit " + shaMain + " on " + shaOld + " to BTCDecoded/bllvm: the parent does not exist",
		},
		{
			name: "on a commit of a repository outside the network",
			setup: func(s *Server) {
				s.AddRepository("BTCDecoded/bllvm-consensus")
				s.AddCommit("BTCDecoded/bllvm-consensus", shaOld)
				s.AddCommitOn(repoName, shaOld, shaMain)
			},
			wantFatal: "the parent does not exist",
		},
		{
			name: "again with another parent",
			setup: func(s *Server) {
				s.AddCommit(repoName, shaOld)
				s.AddCommit(repoName, shaMain)
				s.AddCommitOn(repoName, shaMain, shaOther)
				s.AddCommitOn(repoName, shaOld, shaOther)
			},
			wantFatal: "it exists already, as the child of \"" + shaMain + "\"",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recorder := &fatalRecorder{TB: t}
			fake := New(recorder, WithRepository(repoName))
			client := gh.NewClient(fake.Client())

			// Fatalf ends the goroutine it is called on, as testing.T's does.
			ran := make(chan struct{})
			go func() {
				defer close(ran)
				tt.setup(fake)
			}()
			<-ran

			if tt.wantFatal != "" {
				assert.Contains(t, recorder.fatal, tt.wantFatal)
				return
			}
			require.Empty(t, recorder.fatal)
			got, _, err := client.Repositories.GetCommit(t.Context(), testOwner, testRepo, shaMain, nil)
			require.NoError(t, err)
			var parents []string
			for _, parent := range got.Parents {
				parents = append(parents, parent.GetSHA())
			}
			assert.Equal(t, tt.wantParents, parents)
		})
	}
}
