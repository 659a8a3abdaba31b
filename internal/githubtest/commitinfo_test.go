package githubtest

import (
	"fmt"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fileNames are n paths, in the order GitHub sorts them.
func fileNames(prefix string, n int) []string {
	var names []string
	for i := range n {
		names = append(names, fmt.Sprintf("%s/%04d.go", prefix, i))
	}
	return names
}

func TestGetCommitInfo(t *testing.T) {
	tests := []struct {
		name          string
		info          *CommitInfo
		wantMessage   string
		wantAuthor    string // "" for null
		wantType      string
		wantEmail     string
		wantFiles     []string
		wantAdditions int
	}{
		{
			name:        "no info: GitHub's null author for an unmatched email",
			wantMessage: "commit abc1234", wantEmail: "dev@btcdecoded.example",
		},
		{
			name:        "a user's commit",
			info:        &CommitInfo{Message: "Fix the build\n\nThe linker wants -lm.", Author: "octocat", Files: []string{"src/main.rs", "docs/with space.md"}},
			wantMessage: "Fix the build\n\nThe linker wants -lm.", wantAuthor: "octocat", wantType: "User",
			wantEmail: noreplyEmail("octocat"), wantFiles: []string{"src/main.rs", "docs/with space.md"}, wantAdditions: 2,
		},
		{
			name:        "a bot's commit",
			info:        &CommitInfo{Message: "Bump deps", Author: "dependabot[bot]", Files: []string{"Cargo.lock"}},
			wantMessage: "Bump deps", wantAuthor: "dependabot[bot]", wantType: "Bot",
			wantEmail: noreplyEmail("dependabot[bot]"), wantFiles: []string{"Cargo.lock"}, wantAdditions: 1,
		},
		{
			name:        "an author GitHub cannot match",
			info:        &CommitInfo{Message: "Tidy"},
			wantMessage: "Tidy", wantEmail: "dev@btcdecoded.example",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			fake.SetBranch(repoName, "main", shaMain)
			if tt.info != nil {
				fake.SetCommitInfo(repoName, shaMain, *tt.info)
			}

			got, _, err := client.Repositories.GetCommit(t.Context(), testOwner, testRepo, "main", nil)

			require.NoError(t, err)
			assert.Equal(t, tt.wantMessage, got.GetCommit().GetMessage())
			assert.Equal(t, tt.wantEmail, got.GetCommit().GetAuthor().GetEmail())
			if tt.wantAuthor == "" {
				assert.Nil(t, got.Author)
				assert.Nil(t, got.Committer)
			} else {
				for _, user := range []*gh.User{got.GetAuthor(), got.GetCommitter()} {
					assert.Equal(t, tt.wantAuthor, user.GetLogin())
					assert.Equal(t, tt.wantType, user.GetType())
					assert.NotZero(t, user.GetID())
					assert.NotEmpty(t, user.GetNodeID())
					assert.NotEmpty(t, user.GetAvatarURL())
					assert.False(t, user.GetSiteAdmin())
				}
			}
			var files []string
			for _, f := range got.Files {
				files = append(files, f.GetFilename())
				assert.Equal(t, "modified", f.GetStatus())
				assert.Equal(t, 1, f.GetAdditions())
				assert.Equal(t, 1, f.GetDeletions())
				assert.Equal(t, 2, f.GetChanges())
				assert.Len(t, f.GetSHA(), 40)
				assert.Contains(t, f.GetPatch(), "@@ -1 +1 @@")
			}
			assert.Equal(t, tt.wantFiles, files)
			assert.Equal(t, tt.wantAdditions, got.GetStats().GetAdditions())
			assert.Equal(t, 2*tt.wantAdditions, got.GetStats().GetTotal())
		})
	}
}

func TestCommitFileURLs(t *testing.T) {
	fake, client := newGitHub(t)
	fake.AddCommit(repoName, shaMain)
	fake.SetCommitInfo(repoName, shaMain, CommitInfo{Files: []string{"docs/with space.md"}})

	got, _, err := client.Repositories.GetCommit(t.Context(), testOwner, testRepo, shaMain, nil)

	require.NoError(t, err)
	require.Len(t, got.Files, 1)
	file := got.Files[0]
	assert.Equal(t, "https://github.com/BTCDecoded/bllvm/blob/"+shaMain+"/docs/with%20space.md", file.GetBlobURL())
	assert.Equal(t, "https://github.com/BTCDecoded/bllvm/raw/"+shaMain+"/docs/with%20space.md", file.GetRawURL())
	assert.Equal(t, "https://api.github.com/repos/BTCDecoded/bllvm/contents/docs/with%20space.md?ref="+shaMain, file.GetContentsURL())
}

func TestCommitFilePages(t *testing.T) {
	tests := []struct {
		name      string
		files     int
		page      gh.ListOptions
		wantFirst int // index of the first file of the page; -1 for none
		wantCount int
		wantNext  int
		wantLast  int
	}{
		{"a commit of few files, on one page", 12, gh.ListOptions{}, 0, 12, 0, 0},
		{"300 a page without asking", 650, gh.ListOptions{}, 0, 300, 2, 3},
		{"the last page", 650, gh.ListOptions{Page: 3}, 600, 50, 0, 0},
		{"per_page honoured", 650, gh.ListOptions{Page: 2, PerPage: 100}, 100, 100, 3, 7},
		{"no more than 300 a page", 650, gh.ListOptions{PerPage: 1000}, 0, 300, 2, 3},
		{"no pages past 3000 files", 3100, gh.ListOptions{Page: 10}, 2700, 300, 0, 0},
		{"past the last page", 3100, gh.ListOptions{Page: 11}, -1, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			fake.AddCommit(repoName, shaMain)
			names := fileNames("src", tt.files)
			fake.SetCommitInfo(repoName, shaMain, CommitInfo{Message: "Big change", Files: names})

			got, resp, err := client.Repositories.GetCommit(t.Context(), testOwner, testRepo, shaMain, &tt.page)

			require.NoError(t, err)
			assert.Equal(t, "Big change", got.GetCommit().GetMessage(), "every page has the commit")
			assert.Equal(t, tt.files, got.GetStats().GetAdditions(), "stats count every file")
			require.Len(t, got.Files, tt.wantCount)
			if tt.wantCount > 0 {
				assert.Equal(t, names[tt.wantFirst], got.Files[0].GetFilename())
			}
			assert.Equal(t, tt.wantNext, resp.NextPage)
			assert.Equal(t, tt.wantLast, resp.LastPage)
		})
	}
}

func TestSetCommitInfoNeedsTheCommit(t *testing.T) {
	fatal := fatalOf(t, func(fake *Server) { fake.SetCommitInfo(repoName, shaOther, CommitInfo{Message: "lost"}) })

	assert.Contains(t, fatal, "no such commit")
}

func TestCompareFiles(t *testing.T) {
	// c1 ← c2 (a, b) ← c3 (b, c) ← c4 (d): the diff of a range is every
	// file a commit of it changed, once, by path.
	setup := func(fake *Server) {
		setHistory(fake)
		fake.SetCommitInfo(repoName, commitSHA(2), CommitInfo{Message: "Add a and b", Author: "alice", Files: []string{"b.go", "a.go"}})
		fake.SetCommitInfo(repoName, commitSHA(3), CommitInfo{Message: "Change b, add c", Author: "bob", Files: []string{"b.go", "c.go"}})
		fake.SetCommitInfo(repoName, commitSHA(4), CommitInfo{Message: "Add d", Files: []string{"d.go"}})
	}
	tests := []struct {
		name        string
		base, head  string
		page        *gh.ListOptions
		wantFiles   []string
		wantChanges []int
		wantAuthors []string
	}{
		{"whole range", commitSHA(1), commitSHA(4), nil, []string{"a.go", "b.go", "c.go", "d.go"}, []int{2, 4, 2, 2}, []string{"alice", "bob", ""}},
		{"one commit", commitSHA(2), commitSHA(3), nil, []string{"b.go", "c.go"}, []int{2, 2}, []string{"bob"}},
		{"behind: no diff", commitSHA(4), commitSHA(1), nil, nil, nil, nil},
		{"first page of a paged comparison", commitSHA(1), commitSHA(4), &gh.ListOptions{PerPage: 1}, []string{"a.go", "b.go", "c.go", "d.go"}, []int{2, 4, 2, 2}, []string{"alice"}},
		{"later pages list no files", commitSHA(1), commitSHA(4), &gh.ListOptions{PerPage: 1, Page: 2}, nil, nil, []string{"bob"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t, WithClock(func() time.Time { return testTime }))
			setup(fake)

			got, _, err := client.Repositories.CompareCommits(t.Context(), testOwner, testRepo, tt.base, tt.head, tt.page)

			require.NoError(t, err)
			var files []string
			var changes []int
			for _, f := range got.Files {
				files = append(files, f.GetFilename())
				changes = append(changes, f.GetChanges())
				assert.Contains(t, f.GetBlobURL(), "/blob/"+tt.head+"/", "at the head")
			}
			assert.Equal(t, tt.wantFiles, files)
			assert.Equal(t, tt.wantChanges, changes)
			var authors []string
			for _, c := range got.Commits {
				authors = append(authors, c.GetAuthor().GetLogin())
				assert.NotEqual(t, "", c.GetCommit().GetMessage())
				assert.Nil(t, c.Files, "a listed commit carries no files")
			}
			assert.Equal(t, tt.wantAuthors, authors)
		})
	}
}

func TestCompareFilesCapped(t *testing.T) {
	fake, client := newGitHub(t)
	fake.AddCommit(repoName, commitSHA(1))
	fake.AddCommit(repoName, commitSHA(2))
	fake.AddCommit(repoName, commitSHA(3))
	fake.SetCommitInfo(repoName, commitSHA(2), CommitInfo{Files: fileNames("a", 200)})
	fake.SetCommitInfo(repoName, commitSHA(3), CommitInfo{Files: fileNames("b", 200)})

	got, _, err := client.Repositories.CompareCommits(t.Context(), testOwner, testRepo, commitSHA(1), commitSHA(3), nil)

	require.NoError(t, err)
	require.Len(t, got.Files, 300)
	assert.Equal(t, "a/0000.go", got.Files[0].GetFilename())
	assert.Equal(t, "b/0099.go", got.Files[299].GetFilename())
}
