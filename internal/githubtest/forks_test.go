package githubtest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// forkName is a fork of BTCDecoded/bllvm in the fork tests.
const forkName = "someone/bllvm"

// forkSHA is the made-up sha of the n-th commit of a fork.
func forkSHA(n int) string {
	return fmt.Sprintf("e%039x", n)
}

// setForkNetwork makes BTCDecoded/bllvm and its fork someone/bllvm, whose
// commits e1 and e2, on its branch feature, exist in the fork only, made
// with AddCommitOn on the parent's c2, where the fork's main is; c3 comes
// to the parent after them. A fork of the fork, other/bllvm, has e9 on e2:
//
//	c1 - c2 - c3        main of BTCDecoded/bllvm
//	      \
//	       e1 - e2      feature of someone/bllvm
//	             \
//	              e9    of other/bllvm
//
// The parent's owner has a fork too, BTCDecoded/bllvm-mirror, with its
// branch feature at c1; BTCDecoded/bllvm-consensus is outside the network.
func setForkNetwork(fake *Server) {
	fake.AddCommit(repoName, commitSHA(1))
	fake.SetBranch(repoName, "main", commitSHA(2))
	fake.AddFork(repoName, forkName)
	fake.AddCommitOn(forkName, commitSHA(2), forkSHA(1))
	fake.AddCommitOn(forkName, forkSHA(1), forkSHA(2))
	fake.SetBranch(forkName, "feature", forkSHA(2))
	fake.SetBranch(forkName, "main", commitSHA(2))
	fake.AddCommit(repoName, commitSHA(3))
	fake.AddFork(forkName, "other/bllvm")
	fake.AddCommitOn("other/bllvm", forkSHA(2), forkSHA(9))
	fake.AddFork(repoName, mirrorName)
	fake.SetBranch(mirrorName, "feature", commitSHA(1))
	fake.AddRepository("BTCDecoded/bllvm-consensus")
}

// mirrorName is a fork of BTCDecoded/bllvm that its owner has.
const mirrorName = "BTCDecoded/bllvm-mirror"

func TestForkCommitsBySHA(t *testing.T) {
	tests := []struct {
		name        string
		repo        string // owner/name asked
		ref         string
		wantStatus  int
		wantParents []string
	}{
		{"fork's commit in the parent", repoName, forkSHA(2), http.StatusOK, []string{forkSHA(1)}},
		{"fork's commit on the parent's", repoName, forkSHA(1), http.StatusOK, []string{commitSHA(2)}},
		{"fork's fork's commit in the first repository", repoName, forkSHA(9), http.StatusOK, []string{forkSHA(2)}},
		{"parent's commit in the fork", forkName, commitSHA(3), http.StatusOK, []string{commitSHA(2)}},
		{"fork's own branch in the fork", forkName, "feature", http.StatusOK, []string{forkSHA(1)}},
		{"fork's branch is not the parent's", repoName, "feature", http.StatusUnprocessableEntity, nil},
		{"fork's branch as heads/ is not the parent's", repoName, "heads/feature", http.StatusUnprocessableEntity, nil},
		{"parent's branch is its own", repoName, "main", http.StatusOK, []string{commitSHA(1)}},
		{"fork's commit outside the network", "BTCDecoded/bllvm-consensus", forkSHA(2), http.StatusUnprocessableEntity, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			setForkNetwork(fake)
			owner, name, _ := strings.Cut(tt.repo, "/")

			got, resp, err := client.Repositories.GetCommit(t.Context(), owner, name, tt.ref, nil)

			require.NotNil(t, resp)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			if tt.wantStatus != http.StatusOK {
				ghErr := requireStatus(t, err, tt.wantStatus)
				assert.Equal(t, "No commit found for SHA: "+tt.ref, ghErr.Message)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "https://api.github.com/repos/"+tt.repo+"/commits/"+got.GetSHA(), got.GetURL(), "under the repository asked")
			var parents []string
			for _, parent := range got.Parents {
				parents = append(parents, parent.GetSHA())
			}
			assert.Equal(t, tt.wantParents, parents)
		})
	}
}

func TestForkImplicitParents(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(*Server)
		wantParent string // of forkSHA(3); empty for none
	}{
		{
			name: "before the fork has commits, the parent's last one",
			setup: func(s *Server) {
				s.AddCommit(repoName, commitSHA(1))
				s.AddFork(repoName, forkName)
				s.AddCommit(forkName, forkSHA(3))
			},
			wantParent: commitSHA(1),
		},
		{
			name: "the parent's last one when the fork's first is made",
			setup: func(s *Server) {
				s.AddFork(repoName, forkName)
				s.AddCommit(repoName, commitSHA(1))
				s.AddCommit(repoName, commitSHA(2))
				s.SetBranch(forkName, "main", forkSHA(3))
			},
			wantParent: commitSHA(2),
		},
		{
			name: "then the fork's own",
			setup: func(s *Server) {
				s.AddCommit(repoName, commitSHA(1))
				s.AddFork(repoName, forkName)
				s.AddCommit(forkName, forkSHA(1))
				s.AddCommit(repoName, commitSHA(2))
				s.AddCommit(forkName, forkSHA(3))
			},
			wantParent: forkSHA(1),
		},
		{
			name: "a parent's commit the fork makes known is its own last one",
			setup: func(s *Server) {
				s.AddCommit(repoName, commitSHA(1))
				s.AddCommit(repoName, commitSHA(2))
				s.AddFork(repoName, forkName)
				s.SetBranch(forkName, "release", commitSHA(1))
				s.AddCommit(forkName, forkSHA(3))
			},
			wantParent: commitSHA(1),
		},
		{
			name: "a root when neither has commits",
			setup: func(s *Server) {
				s.AddFork(repoName, forkName)
				s.AddCommit(forkName, forkSHA(3))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			tt.setup(fake)

			got, _, err := client.Repositories.GetCommit(t.Context(), testOwner, testRepo, forkSHA(3), nil)

			require.NoError(t, err, "the parent answers for its fork's commit")
			var parents []string
			for _, parent := range got.Parents {
				parents = append(parents, parent.GetSHA())
			}
			if tt.wantParent == "" {
				assert.Empty(t, parents)
			} else {
				assert.Equal(t, []string{tt.wantParent}, parents)
			}
		})
	}
}

func TestCompareForks(t *testing.T) {
	tests := []struct {
		name          string
		repo          string // owner/name asked
		base, head    string
		wantStatus    string
		wantAhead     int
		wantBehind    int
		wantCommits   []string
		wantMergeBase string
		wantPermalink string // after compare/
	}{
		{
			name: "fork's commit ahead of the parent's main", repo: repoName, base: "main", head: forkSHA(2),
			wantStatus: "ahead", wantAhead: 2, wantCommits: []string{forkSHA(1), forkSHA(2)}, wantMergeBase: commitSHA(2),
			wantPermalink: "BTCDecoded:" + commitSHA(2) + "...BTCDecoded:" + forkSHA(2),
		},
		{
			name: "fork's commit diverged from the parent's newer commit", repo: repoName, base: commitSHA(3), head: forkSHA(2),
			wantStatus: "diverged", wantAhead: 2, wantBehind: 1, wantCommits: []string{forkSHA(1), forkSHA(2)}, wantMergeBase: commitSHA(2),
			wantPermalink: "BTCDecoded:" + commitSHA(3) + "...BTCDecoded:" + forkSHA(2),
		},
		{
			name: "fork's branch as owner:branch", repo: repoName, base: "main", head: "someone:feature",
			wantStatus: "ahead", wantAhead: 2, wantCommits: []string{forkSHA(1), forkSHA(2)}, wantMergeBase: commitSHA(2),
			wantPermalink: "BTCDecoded:" + commitSHA(2) + "...someone:" + forkSHA(2),
		},
		{
			name: "fork's branch as base", repo: repoName, base: "someone:feature", head: "BTCDecoded:main",
			wantStatus: "behind", wantBehind: 2, wantMergeBase: commitSHA(2),
			wantPermalink: "someone:" + forkSHA(2) + "...BTCDecoded:" + commitSHA(2),
		},
		{
			name: "fork's fork's commit", repo: repoName, base: "main", head: forkSHA(9),
			wantStatus: "ahead", wantAhead: 3, wantCommits: []string{forkSHA(1), forkSHA(2), forkSHA(9)}, wantMergeBase: commitSHA(2),
			wantPermalink: "BTCDecoded:" + commitSHA(2) + "...BTCDecoded:" + forkSHA(9),
		},
		{
			name: "in a fork of the parent's owner, owner:branch is its own", repo: mirrorName, base: "BTCDecoded:feature", head: commitSHA(3),
			wantStatus: "ahead", wantAhead: 2, wantCommits: []string{commitSHA(2), commitSHA(3)}, wantMergeBase: commitSHA(1),
			wantPermalink: "BTCDecoded:" + commitSHA(1) + "...BTCDecoded:" + commitSHA(3),
		},
		{
			name: "in the fork, its main is its own", repo: forkName, base: "main", head: "feature",
			wantStatus: "ahead", wantAhead: 2, wantCommits: []string{forkSHA(1), forkSHA(2)}, wantMergeBase: commitSHA(2),
			wantPermalink: "someone:" + commitSHA(2) + "...someone:" + forkSHA(2),
		},
		{
			name: "in the fork, the parent's newer commit by sha", repo: forkName, base: commitSHA(3), head: "feature",
			wantStatus: "diverged", wantAhead: 2, wantBehind: 1, wantCommits: []string{forkSHA(1), forkSHA(2)}, wantMergeBase: commitSHA(2),
			wantPermalink: "someone:" + commitSHA(3) + "...someone:" + forkSHA(2),
		},
		{
			name: "in the fork, the parent's main as owner:branch", repo: forkName, base: "BTCDecoded:main", head: "feature",
			wantStatus: "ahead", wantAhead: 2, wantCommits: []string{forkSHA(1), forkSHA(2)}, wantMergeBase: commitSHA(2),
			wantPermalink: "BTCDecoded:" + commitSHA(2) + "...someone:" + forkSHA(2),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			setForkNetwork(fake)
			owner, name, _ := strings.Cut(tt.repo, "/")

			got, _, err := client.Repositories.CompareCommits(t.Context(), owner, name, tt.base, tt.head, nil)

			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, got.GetStatus())
			assert.Equal(t, tt.wantAhead, got.GetAheadBy())
			assert.Equal(t, tt.wantBehind, got.GetBehindBy())
			assert.Equal(t, tt.wantMergeBase, got.GetMergeBaseCommit().GetSHA())
			var gotCommits []string
			for _, commit := range got.Commits {
				gotCommits = append(gotCommits, commit.GetSHA())
			}
			assert.Equal(t, tt.wantCommits, gotCommits)
			assert.Equal(t, "https://github.com/"+tt.repo+"/compare/"+tt.wantPermalink, got.GetPermalinkURL())
		})
	}
}

func TestCompareForksRefused(t *testing.T) {
	tests := []struct {
		name        string
		path        string
		wantMessage string
	}{
		{"fork's branch is not the parent's", "main...feature", "Not Found"},
		{"branch of an owner outside the network", "main...outsider:feature", "Not Found"},
		{"owner:branch of a branch the fork lacks", "main...someone:nope", "Not Found"},
		{"histories with nothing in common", commitSHA(1) + "..." + forkSHA(3), "No common ancestor between " + commitSHA(1) + " and " + forkSHA(3) + "."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			// The fork's first commit comes before the parent has any, so
			// it starts a history of its own.
			fake.AddFork(repoName, forkName)
			fake.AddCommit(forkName, forkSHA(3))
			fake.AddCommit(repoName, commitSHA(1))
			fake.SetBranch(repoName, "main", commitSHA(1))
			fake.SetBranch(forkName, "feature", forkSHA(3))
			fake.AddRepository("outsider/bllvm")
			fake.SetBranch("outsider/bllvm", "feature", commitSHA(1))
			req, err := client.NewRequest(http.MethodGet, "repos/BTCDecoded/bllvm/compare/"+tt.path, nil)
			require.NoError(t, err)

			_, err = client.Do(t.Context(), req, nil)

			ghErr := requireStatus(t, err, http.StatusNotFound)
			assert.Equal(t, tt.wantMessage, ghErr.Message)
			assert.Equal(t, "https://docs.github.com/rest/commits/commits#compare-two-commits", ghErr.DocumentationURL)
		})
	}
}

func TestForkRepository(t *testing.T) {
	tests := []struct {
		name        string
		repo        string
		wantFork    bool
		wantParent  string
		wantSource  string
		wantDefault string
	}{
		{"the parent is no fork", repoName, false, "", "", "develop"},
		{"a fork", forkName, true, repoName, repoName, "develop"},
		{"a fork of a fork", "other/bllvm", true, forkName, repoName, "develop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			fake.SetDefaultBranch(repoName, "develop")
			fake.AddFork(repoName, forkName)
			fake.AddFork(repoName, forkName) // again: nothing changes
			fake.AddFork(forkName, "other/bllvm")
			owner, name, _ := strings.Cut(tt.repo, "/")

			got, _, err := client.Repositories.Get(t.Context(), owner, name)

			require.NoError(t, err)
			assert.Equal(t, tt.repo, got.GetFullName())
			assert.Equal(t, tt.wantFork, got.GetFork())
			assert.Equal(t, tt.wantParent, got.GetParent().GetFullName())
			assert.Equal(t, tt.wantSource, got.GetSource().GetFullName())
			assert.Equal(t, tt.wantDefault, got.GetDefaultBranch(), "a fork has its parent's default branch")
		})
	}
}

func TestAddForkRefuses(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*Server)
		wantFatal string
	}{
		{"parent not added", func(s *Server) { s.AddFork("BTCDecoded/nope", forkName) }, `repository "BTCDecoded/nope" was not added`},
		{"fork not owner/name", func(s *Server) { s.AddFork(repoName, "bllvm") }, `add fork "bllvm": want owner/name`},
		{"fork exists as no fork", func(s *Server) { s.AddRepository(forkName); s.AddFork(repoName, forkName) }, "someone/bllvm exists already and is not that fork"},
		{"fork exists as another's fork", func(s *Server) {
			s.AddRepository("BTCDecoded/bllvm-consensus")
			s.AddFork("BTCDecoded/bllvm-consensus", forkName)
			s.AddFork(repoName, forkName)
		}, "someone/bllvm exists already and is not that fork"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recorder := &fatalRecorder{TB: t}
			fake := New(recorder, WithRepository(repoName))

			// Fatalf ends the goroutine it is called on, as testing.T's does.
			ran := make(chan struct{})
			go func() {
				defer close(ran)
				tt.setup(fake)
			}()
			<-ran

			assert.Contains(t, recorder.fatal, tt.wantFatal)
		})
	}
}
