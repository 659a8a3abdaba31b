package locate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
	"github.com/BTCDecoded/release-action/internal/plan"
)

const (
	owner      = "BTCDecoded"
	repository = "BTCDecoded/bllvm-consensus"
)

var consensus = plan.Component{Name: "consensus", Repository: "bllvm-consensus"}

// at is the j-th commit of the component's main branch, a linear history.
func at(j int) string {
	return fmt.Sprintf("%02x", j+0x10) + strings.Repeat("0", 36) + fmt.Sprintf("%02x", j+0x10)
}

// history is the component's repository as compare sees it: every
// commit's parent, and the names that resolve to a commit. A name is
// resolved as GitHub resolves one: HEAD, a branch, a tag, a full commit
// id, or a short one that only one commit starts with.
type history struct {
	parent map[string]string
	names  map[string]string
	// answer, when set, replaces the answer to a compare of base...head.
	answer func(base, head string) (*gh.CommitsComparison, bool)
	asked  []string
}

// linear is a main branch of n commits, HEAD at the last.
func linear(n int) *history {
	h := &history{parent: map[string]string{}, names: map[string]string{}}
	for j := range n {
		h.parent[at(j)] = ""
		if j > 0 {
			h.parent[at(j)] = at(j - 1)
		}
	}
	h.names["HEAD"], h.names["main"] = at(n-1), at(n-1)
	return h
}

func (h *history) resolve(name string) (string, bool) {
	if sha, ok := h.names[name]; ok {
		return sha, true
	}
	var found []string
	for sha := range h.parent {
		if len(name) >= 4 && strings.HasPrefix(sha, strings.ToLower(name)) {
			found = append(found, sha)
		}
	}
	if len(found) != 1 {
		return "", false
	}
	return found[0], true
}

func (h *history) ancestors(sha string) []string {
	var line []string
	for ; sha != ""; sha = h.parent[sha] {
		line = append(line, sha)
	}
	return line
}

func notFound() error {
	return &gh.ErrorResponse{Response: &http.Response{StatusCode: http.StatusNotFound, Request: &http.Request{Method: "GET"}}, Message: "Not Found"}
}

func (h *history) CompareCommits(_ context.Context, o, repo, base, head string, _ *gh.ListOptions) (*gh.CommitsComparison, *gh.Response, error) {
	h.asked = append(h.asked, base+"..."+head)
	if h.answer != nil {
		if cmp, ok := h.answer(base, head); ok {
			return cmp, nil, nil
		}
	}
	b, okBase := h.resolve(base)
	hd, okHead := h.resolve(head)
	if o != owner || repo != consensus.Repository || !okBase || !okHead {
		return nil, nil, notFound()
	}
	baseLine, headLine := h.ancestors(b), h.ancestors(hd)
	mergeBase := ""
	for _, sha := range headLine {
		if contains(baseLine, sha) {
			mergeBase = sha
			break
		}
	}
	status := "diverged"
	switch {
	case b == hd:
		status = "identical"
	case mergeBase == b:
		status = "ahead"
	case mergeBase == hd:
		status = "behind"
	}
	return &gh.CommitsComparison{Status: gh.String(status), MergeBaseCommit: &gh.RepositoryCommit{SHA: gh.String(mergeBase)}}, nil, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// orchestrator is the releases of the orchestrator, in pages, and the tag
// objects their markers name.
type orchestrator struct {
	pages   [][]*gh.RepositoryRelease
	null    bool // the listing answers null
	objects map[string]*gh.Tag
	lists   int
	reads   int
}

func (o *orchestrator) ListReleases(_ context.Context, _, _ string, opts *gh.ListOptions) ([]*gh.RepositoryRelease, *gh.Response, error) {
	o.lists++
	page := max(opts.Page, 1)
	resp := &gh.Response{Response: &http.Response{StatusCode: http.StatusOK}}
	if o.null {
		return nil, resp, nil
	}
	if page < len(o.pages) {
		resp.NextPage = page + 1
	}
	if page > len(o.pages) {
		return []*gh.RepositoryRelease{}, resp, nil
	}
	return o.pages[page-1], resp, nil
}

func (o *orchestrator) GetTag(_ context.Context, _, _, sha string) (*gh.Tag, *gh.Response, error) {
	o.reads++
	if tag, ok := o.objects[sha]; ok {
		return tag, nil, nil
	}
	return nil, nil, notFound()
}

func (o *orchestrator) CreateTag(context.Context, string, string, *gh.Tag) (*gh.Tag, *gh.Response, error) {
	return nil, nil, errors.New("locate creates no tag")
}

type defaultBranch string

func (d defaultBranch) Get(context.Context, string, string) (*gh.Repository, *gh.Response, error) {
	return &gh.Repository{DefaultBranch: gh.String(string(d))}, nil, nil
}

// nightlyOf is a complete nightly, oldest first by i, holding m; marked
// puts the manifest marker in its body, tagged records tagged in its
// annotated tag (nil: m).
type nightlyOf struct {
	m, tagged manifest.Manifest
	legacy    bool // published before the manifest marker
}

// tagOf is the tag of nightly i, one a day from 1 October 2025.
func tagOf(i int) string {
	return fmt.Sprintf("nightly-%s-a%06x", time.Date(2025, 10, 1+i, 0, 0, 0, 0, time.UTC).Format("20060102"), i)
}

func snapshot(commit string) manifest.Manifest {
	return manifest.Manifest{{Component: "consensus", Repository: repository, SHA: commit, Rebuilt: true}}
}

// publish makes the orchestrator of nightlies, newest first, 100 a page.
func publish(nightlies []nightlyOf) *orchestrator {
	o := &orchestrator{objects: map[string]*gh.Tag{}}
	var listed []*gh.RepositoryRelease
	for i, n := range nightlies {
		object := fmt.Sprintf("%040x", 0xabc000+i)
		tagged := n.tagged
		if tagged == nil {
			tagged = n.m
		}
		o.objects[object] = &gh.Tag{Tag: gh.String(tagOf(i)), Object: &gh.GitObject{Type: gh.String("commit"), SHA: gh.String(fmt.Sprintf("%040x", 0xdef000+i))},
			Message: gh.String(manifest.Message(tagOf(i), "BTCDecoded/bllvm", fmt.Sprintf("%040x", 0xdef000+i), tagged))}
		body := nightly.CompleteMarker(object)
		if !n.legacy {
			body += "\n" + nightly.ManifestMarker(n.m)
		}
		listed = append([]*gh.RepositoryRelease{{TagName: gh.String(tagOf(i)), Draft: gh.Bool(false), Body: gh.String(body),
			HTMLURL: gh.String("https://github.com/BTCDecoded/bllvm/releases/tag/" + tagOf(i))}}, listed...)
	}
	for len(listed) > 100 {
		o.pages, listed = append(o.pages, listed[:100]), listed[100:]
	}
	o.pages = append(o.pages, listed)
	return o
}

// ladder is n nightlies, nightly i holding commit 2i+1 of linear(2n+1).
func ladder(n int) []nightlyOf {
	out := make([]nightlyOf, n)
	for i := range out {
		out[i] = nightlyOf{m: snapshot(at(2*i + 1))}
	}
	return out
}

func run(t *testing.T, h *history, o *orchestrator, r Request) (Result, error) {
	t.Helper()
	r.Owner, r.Repo, r.Component = owner, "bllvm", consensus
	if r.Prefix == "" {
		r.Prefix = "nightly"
	}
	return Locate(t.Context(), Client{Compare: h, Releases: o, Tags: o, Repositories: defaultBranch("main")}, r)
}

func TestBudget(t *testing.T) {
	tests := []struct{ n, want int }{{0, 4}, {1, 4}, {2, 5}, {3, 6}, {4, 6}, {5, 7}, {40, 10}, {64, 10}, {65, 11}, {1000, 14}}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Budget(tt.n), "Budget(%d)", tt.n)
	}
}

// For every size of history and every commit of it, the search answers
// what a scan of every nightly would, within the budget.
func TestLocateAgreesWithAScan(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5, 8, 13, 40, 101} {
		t.Run(fmt.Sprint(n, " nightlies"), func(t *testing.T) {
			for j := range 2*n + 1 {
				h := linear(2*n + 1)
				o := publish(ladder(n))
				got, err := run(t, h, o, Request{SHA: at(j)})
				require.NoError(t, err)
				first := j / 2 // the first nightly whose commit 2i+1 ≥ j
				if first >= n {
					assert.False(t, got.Found, "commit %d", j)
					assert.Equal(t, 3+len(o.pages)-1, got.Requests, "commit %d: the newest alone is probed", j)
					continue
				}
				assert.True(t, got.Found, "commit %d", j)
				assert.Equal(t, tagOf(first), got.Tag, "commit %d", j)
				assert.Equal(t, n-1-first, got.Newer, "commit %d", j)
				assert.Equal(t, n, got.Nightlies)
				assert.Equal(t, tagOf(n-1), got.Newest)
				assert.LessOrEqual(t, got.Requests, Budget(n)+len(o.pages)-1, "commit %d", j)
				assert.Equal(t, got.Requests, len(h.asked)+o.lists+o.reads, "every request counted")
				assert.True(t, got.Verified, "commit %d: the answer checked against its tag, within the budget", j)
			}
		})
	}
}

// Whatever names the commit, the search looks for the commit it is on
// the branch, by its full id: GitHub's merge base of the branch and it.
func TestLocateResolves(t *testing.T) {
	h := linear(81)
	h.names["v0.4.0"] = at(44)
	h.names["release/0.4"] = at(44)
	for _, ref := range []string{"v0.4.0", "release/0.4", at(44), at(44)[:7], strings.ToUpper(at(44)[:12])} {
		t.Run(ref, func(t *testing.T) {
			got, err := run(t, h, publish(ladder(40)), Request{Ref: ref})
			require.NoError(t, err)
			assert.Equal(t, at(44), got.Commit)
			assert.Equal(t, tagOf(22), got.Tag)
			assert.True(t, got.Verified)
		})
	}
}

// What the search passes over, and why: each is said once.
func TestLocatePassesOver(t *testing.T) {
	// Both at a commit that would hold the one looked for.
	other := manifest.Manifest{{Component: "consensus", Repository: "someone/bllvm-consensus", SHA: at(7), Rebuilt: true}}
	without := manifest.Manifest{{Component: "protocol", Repository: repository, SHA: at(7), Rebuilt: true}}
	tests := []struct {
		name        string
		nightlies   func() []nightlyOf
		setup       func(h *history, o *orchestrator)
		sha         string
		wantTag     string // "": not found
		wantWarning string
	}{
		{"a nightly without the component does not hold it",
			func() []nightlyOf { n := ladder(8); n[3].m = without; return n }, nil,
			at(6), tagOf(4), ""},
		{"a nightly of the component from another repository does not hold it",
			func() []nightlyOf { n := ladder(8); n[3].m = other; return n }, nil,
			at(6), tagOf(4), ""},
		{"a nightly whose commit is gone from the repository does not hold it, with a warning",
			func() []nightlyOf { n := ladder(8); n[3].m = snapshot(strings.Repeat("9", 40)); return n }, nil,
			at(6), tagOf(4), tagOf(3) + " holds consensus at " + strings.Repeat("9", 40) + ", which " + repository + " no longer has (force-pushed away?): it is taken not to hold the commit"},
		{"a nightly published before the marker, read from its tag object",
			func() []nightlyOf { n := ladder(8); n[3].legacy = true; return n }, nil,
			at(6), tagOf(3), ""},
		{"a nightly whose marker is malformed, read from its tag object",
			func() []nightlyOf { n := ladder(8); n[3].legacy = true; return n },
			func(_ *history, o *orchestrator) {
				rel := o.pages[0][8-1-3]
				rel.Body = gh.String(rel.GetBody() + "\n<!-- release-action: manifest {\"consensus\": {}} -->")
			},
			at(6), tagOf(3), ""},
		{"a nightly whose tag object records no manifest does not hold it, with a warning",
			func() []nightlyOf { n := ladder(8); n[3].legacy = true; return n },
			func(_ *history, o *orchestrator) {
				for _, tag := range o.objects {
					if tag.GetTag() == tagOf(3) {
						tag.Message = gh.String("by hand")
					}
				}
			},
			at(6), tagOf(4), tagOf(3) + " records no manifest that parses: what it holds is unknown, so it is taken not to hold the commit"},
		{"nightlies that did not move the component share one compare",
			func() []nightlyOf {
				n := ladder(8)
				for i := 2; i < 7; i++ {
					n[i].m = snapshot(at(5))
				}
				return n
			}, nil,
			at(4), tagOf(2), ""},
		{"the same nightly listed twice is searched once",
			func() []nightlyOf { return ladder(8) },
			func(_ *history, o *orchestrator) { o.pages = append(o.pages, o.pages[0][:3]) },
			at(6), tagOf(3), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, o := linear(17), publish(tt.nightlies())
			if tt.setup != nil {
				tt.setup(h, o)
			}
			got, err := run(t, h, o, Request{SHA: tt.sha})
			require.NoError(t, err)
			assert.Equal(t, tt.wantTag != "", got.Found)
			assert.Equal(t, tt.wantTag, got.Tag)
			assert.Equal(t, 8, got.Nightlies)
			if tt.wantWarning == "" {
				assert.Empty(t, got.Warnings)
			} else {
				assert.Equal(t, []string{tt.wantWarning}, got.Warnings)
			}
			var probes []string
			for _, basehead := range h.asked[1:] {
				assert.NotContains(t, probes, basehead, "each commit compared once")
				probes = append(probes, basehead)
			}
		})
	}
}

// Answers GitHub does not give are errors naming the request, never an
// answer.
func TestLocateRefusesCraftedAnswers(t *testing.T) {
	cmp := func(status, mergeBase string) *gh.CommitsComparison {
		return &gh.CommitsComparison{Status: gh.String(status), MergeBaseCommit: &gh.RepositoryCommit{SHA: gh.String(mergeBase)}}
	}
	onResolve := func(answer *gh.CommitsComparison) func(*history, *orchestrator) {
		return func(h *history, _ *orchestrator) {
			h.answer = func(base, _ string) (*gh.CommitsComparison, bool) { return answer, base == "HEAD" }
		}
	}
	tests := []struct {
		name  string
		setup func(h *history, o *orchestrator)
		route string
		want  string
	}{
		{"a null comparison", onResolve(nil), "GET /repos/BTCDecoded/bllvm-consensus/compare/HEAD...", "the answer is null"},
		{"a status GitHub does not give", onResolve(cmp("sideways", at(4))), "GET /repos/BTCDecoded/bllvm-consensus/compare/HEAD...", `the status is "sideways"`},
		{"a merge base that is no commit id", onResolve(cmp("behind", "main")), "GET /repos/BTCDecoded/bllvm-consensus/compare/HEAD...", "merge_base_commit.sha is not a commit id"},
		{"a merge base that is another commit", onResolve(cmp("behind", at(3))), "GET /repos/BTCDecoded/bllvm-consensus/compare/HEAD...", "the merge base is " + at(3)},
		{"a null releases listing", func(_ *history, o *orchestrator) { o.null = true }, "GET /repos/BTCDecoded/bllvm/releases", "the answer is null"},
		{"a probe's status GitHub does not give", func(h *history, _ *orchestrator) {
			h.answer = func(base, _ string) (*gh.CommitsComparison, bool) { return cmp("", ""), base != "HEAD" }
		}, "GET /repos/BTCDecoded/bllvm-consensus/compare/" + at(4) + "...", `the status is ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, o := linear(17), publish(ladder(8))
			tt.setup(h, o)
			got, err := run(t, h, o, Request{SHA: at(4)})
			require.Error(t, err)
			var answerErr *github.AnswerError
			require.ErrorAs(t, err, &answerErr)
			assert.True(t, strings.HasPrefix(answerErr.Route, tt.route), "route %q", answerErr.Route)
			assert.Contains(t, err.Error(), tt.want)
			assert.False(t, got.Found)
		})
	}
}

// The answer is checked against its tag object while within the budget:
// a body and a tag that disagree are an error naming the nightly.
func TestLocateChecksTheAnswer(t *testing.T) {
	tests := []struct {
		name         string
		nightlies    func() []nightlyOf
		wantVerified bool
		wantErr      string
	}{
		{"agreeing", func() []nightlyOf { return ladder(8) }, true, ""},
		{"the body says one commit, the tag another", func() []nightlyOf {
			n := ladder(8)
			n[3].tagged = snapshot(at(5))
			return n
		}, false, "check " + tagOf(3) + " against its tag: its release body records consensus of " + repository + " at " + at(7) + ", its tag " + at(5) + " of " + repository + ": the two disagree"},
		{"the tag records no consensus", func() []nightlyOf {
			n := ladder(8)
			n[3].tagged = manifest.Manifest{{Component: "node", Repository: "BTCDecoded/bllvm-node", SHA: at(1)}}
			return n
		}, false, "its tag none: the two disagree"},
		{"past the budget, unchecked: the older half published before the marker", func() []nightlyOf {
			n := ladder(8)
			for i := range 4 {
				n[i].legacy = true
			}
			n[3].legacy = false
			n[3].tagged = snapshot(at(5))
			return n
		}, false, ""},
		{"read from the tag object itself", func() []nightlyOf {
			n := ladder(8)
			n[3].legacy = true
			return n
		}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := run(t, linear(17), publish(tt.nightlies()), Request{SHA: at(6)})
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tagOf(3), got.Tag)
			assert.Equal(t, tt.wantVerified, got.Verified)
		})
	}
}

// A commit not on the branch names the default branch by its name, with
// one request more, only when it is refused.
func TestLocateOffTheBranch(t *testing.T) {
	h := linear(17)
	side := strings.Repeat("5e", 20)
	h.parent[side] = at(3)
	o := publish(ladder(8))
	_, err := run(t, h, o, Request{SHA: side})
	require.ErrorContains(t, err, "locate component consensus: commit "+side+" is not on branch main of "+repository+` (GitHub compares it with the branch's head as "diverged")`)
	assert.Zero(t, o.lists, "no release is listed")
}

func TestResultURL(t *testing.T) {
	const built = "https://github.com/BTCDecoded/bllvm/releases/tag/nightly-20251023-a000016"
	tests := []struct {
		name, htmlURL, server, want string
	}{
		{"GitHub's on the server's host", "https://github.com/BTCDecoded/bllvm/releases/tag/x", "https://github.com", "https://github.com/BTCDecoded/bllvm/releases/tag/x"},
		{"the host in other case", "https://GitHub.com/BTCDecoded/bllvm/releases/tag/x", "https://github.com/", "https://GitHub.com/BTCDecoded/bllvm/releases/tag/x"},
		{"none", "", "https://github.com", built},
		{"another host", "https://evil.example/BTCDecoded/bllvm/releases/tag/x", "https://github.com", built},
		{"plain http", "http://github.com/BTCDecoded/bllvm/releases/tag/x", "https://github.com", built},
		{"with a user", "https://me@github.com/x", "https://github.com", built},
		{"with a query", "https://github.com/x?next=https://evil.example", "https://github.com", built},
		{"with a space", "https://github.com/x y", "https://github.com", built},
		{"with a line break", "https://github.com/x\n::error::y", "https://github.com", built},
		{"not a URL", "github.com", "https://github.com", built},
		{"no server: github.com", "https://github.com/BTCDecoded/bllvm/releases/tag/x", "", "https://github.com/BTCDecoded/bllvm/releases/tag/x"},
		{"GitHub Enterprise Server's", "https://ghes.example.com/BTCDecoded/bllvm/releases/tag/x", "https://ghes.example.com", "https://ghes.example.com/BTCDecoded/bllvm/releases/tag/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Result{Found: true, Tag: "nightly-20251023-a000016", Release: &gh.RepositoryRelease{HTMLURL: gh.String(tt.htmlURL)}}
			want := tt.want
			if want == built && tt.server != "" && tt.server != "https://github.com" {
				want = tt.server + strings.TrimPrefix(built, "https://github.com")
			}
			assert.Equal(t, want, r.URL(tt.server, "BTCDecoded/bllvm"))
		})
	}
	assert.Empty(t, Result{}.URL("https://github.com", "BTCDecoded/bllvm"), "nothing found, no address")
}
