package pin

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/plan"
)

const (
	headA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	headB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	sent  = "cccccccccccccccccccccccccccccccccccccccc"
	older = "0000000000000000000000000000000000000001"
)

// answers plays GET commits/{ref} with the sha media type: repo/ref → body,
// or a 422 when absent; it records the refs asked for.
type answers struct {
	mu     sync.Mutex
	bodies map[string]string
	asked  []string
}

func (a *answers) GetCommitSHA1(_ context.Context, owner, repo, ref, _ string) (string, *gh.Response, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.asked = append(a.asked, owner+"/"+repo+"@"+ref)
	body, ok := a.bodies[repo+"@"+ref]
	if !ok {
		resp := &http.Response{StatusCode: http.StatusUnprocessableEntity, Request: &http.Request{Method: "GET"}}
		return "", &gh.Response{Response: resp}, &gh.ErrorResponse{Response: resp, Message: "No commit found for SHA: " + ref}
	}
	return body, nil, nil
}

// fake plays the rest of GitHub for pinning: compares by "repo@base...head"
// to a status (absent: 404), green runs by "repo@workflow@branch", default
// branches by repo.
type fake struct {
	*answers
	statuses map[string]string
	runs     map[string]*gh.WorkflowRun
	branches map[string]string
}

func notFound() (*gh.Response, error) {
	resp := &http.Response{StatusCode: http.StatusNotFound, Request: &http.Request{Method: "GET"}}
	return &gh.Response{Response: resp}, &gh.ErrorResponse{Response: resp, Message: "Not Found"}
}

func (f *fake) CompareCommits(_ context.Context, _, repo, base, head string, _ *gh.ListOptions) (*gh.CommitsComparison, *gh.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := repo + "@" + base + "..." + head
	f.asked = append(f.asked, "compare "+key)
	status, ok := f.statuses[key]
	if !ok {
		resp, err := notFound()
		return nil, resp, err
	}
	return &gh.CommitsComparison{Status: gh.String(status), AheadBy: gh.Int(2), BehindBy: gh.Int(3)}, nil, nil
}

func (f *fake) ListWorkflowRunsByFileName(_ context.Context, _, repo, workflow string, opts *gh.ListWorkflowRunsOptions) (*gh.WorkflowRuns, *gh.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := repo + "@" + workflow + "@" + opts.Branch
	f.asked = append(f.asked, "runs "+key+" "+opts.Event+" "+opts.Status)
	if opts.Event != "push" || opts.Status != "success" || opts.PerPage != 1 {
		return &gh.WorkflowRuns{}, nil, nil
	}
	if run, ok := f.runs[key]; ok {
		return &gh.WorkflowRuns{TotalCount: gh.Int(1), WorkflowRuns: []*gh.WorkflowRun{run}}, nil, nil
	}
	return &gh.WorkflowRuns{TotalCount: gh.Int(0)}, nil, nil
}

func (f *fake) Get(_ context.Context, _, repo string) (*gh.Repository, *gh.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, "repo "+repo)
	return &gh.Repository{DefaultBranch: gh.String(f.branches[repo])}, nil, nil
}

func (f *fake) client() Client { return Client{Commits: f, Compare: f, Runs: f, Repositories: f} }

func greenRun(sha, branch string) *gh.WorkflowRun {
	return &gh.WorkflowRun{HeadSHA: gh.String(sha), HeadBranch: gh.String(branch), Event: gh.String("push"), Status: gh.String("completed"), Conclusion: gh.String("success")}
}

func TestResolve(t *testing.T) {
	components := []plan.Component{{Name: "a", Repository: "repo-a"}, {Name: "b", Repository: "repo-b", Branch: "release/1.0"}}
	tests := []struct {
		name       string
		bodies     map[string]string
		statuses   map[string]string
		dispatched string
		wantSHAs   []string
		wantErr    string
	}{
		{"heads: default branch as HEAD, the graph's branch by name", map[string]string{"repo-a@HEAD": headA, "repo-b@release/1.0": headB}, nil, "", []string{headA, headB}, ""},
		{"a dispatched commit behind the branch head is on the branch", map[string]string{"repo-b@release/1.0": headB}, map[string]string{"repo-a@HEAD..." + sent: "behind"}, "a", []string{sent, headB}, ""},
		{"a dispatched commit that is the branch head", map[string]string{"repo-b@release/1.0": headB}, map[string]string{"repo-a@HEAD..." + sent: "identical"}, "a", []string{sent, headB}, ""},
		{"a fork's commit or an unmerged pull request's head is ahead of the branch", map[string]string{"repo-b@release/1.0": headB}, map[string]string{"repo-a@HEAD..." + sent: "ahead"}, "a", nil,
			"pin component a: commit " + sent + `, sent by the repository_dispatch as client_payload.sha, is not on the default branch of o/repo-a (GitHub compares it as "ahead" of the branch head): a fork's commit, an unmerged pull request's head or a commit of another branch is never built; dispatch a commit that the branch holds`},
		{"a commit of another branch has diverged", map[string]string{"repo-a@HEAD": headA}, map[string]string{"repo-b@release/1.0..." + sent: "diverged"}, "b", nil,
			"pin component b: commit " + sent + `, sent by the repository_dispatch as client_payload.sha, is not on the branch release/1.0 of o/repo-b (GitHub compares it as "diverged" of the branch head)`},
		{"a dispatched commit not in its repository", map[string]string{"repo-b@release/1.0": headB}, nil, "a", nil,
			"pin component a: commit " + sent + ", sent by the repository_dispatch as client_payload.sha, is not in o/repo-a"},
		{"a branch that does not exist", map[string]string{"repo-a@HEAD": headA}, nil, "", nil,
			"pin component b: o/repo-b has no branch release/1.0 (set by the graph's branch key)"},
		{"a server answer that is not a commit is quoted, bounded, never trusted", map[string]string{"repo-a@HEAD": "oops\n::error::" + strings.Repeat("x", 200), "repo-b@release/1.0": headB}, nil, "", nil,
			`pin component a: GitHub answered "oops\n::error::` + strings.Repeat("x", 46) + `" for the head of the default branch of o/repo-a, not a commit id`},
		{"an upper-case answer is lowered", map[string]string{"repo-a@HEAD": strings.ToUpper(headA) + "\n", "repo-b@release/1.0": headB}, nil, "", []string{headA, headB}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{answers: &answers{bodies: tt.bodies}, statuses: tt.statuses}
			req := Request{Owner: "o", Own: "o/orchestrator", Components: components}
			if tt.dispatched != "" {
				req.Dispatched, req.DispatchedSHA = tt.dispatched, sent
			}
			res, err := Resolve(context.Background(), f.client(), req)
			assert.Len(t, f.asked, len(components), "one request per component")
			if tt.dispatched != "" && tt.wantErr != "" {
				// The same commit sent under another key, or by a
				// workflow_dispatch, is refused alike, naming where it came from.
				other := req
				other.DispatchedEvent, other.DispatchedKey = "workflow_dispatch", "inputs.set_ref"
				_, otherErr := Resolve(context.Background(), (&fake{answers: &answers{bodies: tt.bodies}, statuses: tt.statuses}).client(), other)
				require.Error(t, otherErr)
				assert.Contains(t, otherErr.Error(), strings.Replace(tt.wantErr, "the repository_dispatch as client_payload.sha", "the workflow_dispatch as inputs.set_ref", 1))
			}
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Len(t, res.Manifest, 2)
			for i, e := range res.Manifest {
				assert.Equal(t, components[i].Name, e.Component)
				assert.Equal(t, "o/"+components[i].Repository, e.Repository)
				assert.Equal(t, tt.wantSHAs[i], e.SHA)
				assert.False(t, e.Rebuilt, "what is rebuilt is the plan's to say")
			}
			assert.Equal(t, tt.dispatched == "a", strings.HasPrefix(res.Sources[0].How, "dispatched"))
		})
	}
}

func TestResolveGreen(t *testing.T) {
	components := []plan.Component{{Name: "a", Repository: "repo-a"}, {Name: "b", Repository: "repo-b", Branch: "release/1.0", CI: "build.yml"}}
	tests := []struct {
		name     string
		runs     map[string]*gh.WorkflowRun
		wantSHAs []string
		wantErr  string
		requests int
	}{
		{"the newest green commit of each branch; the default branch read once, since the graph names none",
			map[string]*gh.WorkflowRun{"repo-a@ci.yml@trunk": greenRun(headA, "trunk"), "repo-b@build.yml@release/1.0": greenRun(headB, "release/1.0")}, []string{headA, headB}, "", 3},
		{"no green run: nothing is known good",
			map[string]*gh.WorkflowRun{"repo-b@build.yml@release/1.0": greenRun(headB, "release/1.0")}, nil,
			"pin component a: o/repo-a has no successful run of ci.yml on a push to trunk, so no commit of it is known good; let its CI pass on trunk, or plan with pin: head", 3},
		{"an answer for another branch is refused",
			map[string]*gh.WorkflowRun{"repo-a@ci.yml@trunk": greenRun(headA, "trunk"), "repo-b@build.yml@release/1.0": greenRun(headB, "feature")}, nil,
			"pin component b: GitHub answered a run of build.yml of o/repo-b that is not a successful push to release/1.0; refusing to pin it", 3},
		{"an answer that is not a commit is refused, bounded",
			map[string]*gh.WorkflowRun{"repo-a@ci.yml@trunk": greenRun("::error::"+strings.Repeat("y", 100), "trunk"), "repo-b@build.yml@release/1.0": greenRun(headB, "release/1.0")}, nil,
			`pin component a: GitHub answered "::error::` + strings.Repeat("y", 51) + `" as the commit of the newest green run of ci.yml of o/repo-a, not a commit id`, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{answers: &answers{}, runs: tt.runs, branches: map[string]string{"repo-a": "trunk"}}
			res, err := Resolve(context.Background(), f.client(), Request{Owner: "o", Components: components, Pin: inputs.PinGreen})
			assert.Len(t, f.asked, tt.requests, "%v", f.asked)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			for i, e := range res.Manifest {
				assert.Equal(t, tt.wantSHAs[i], e.SHA)
			}
			assert.Contains(t, res.Sources[1].How, "build.yml passed")
		})
	}
}

// TestResolveNeverBackwards: a commit behind the base's becomes the base's;
// one that diverged stays, with a warning; the compare is sent only for a
// commit that differs from the base's.
func TestResolveNeverBackwards(t *testing.T) {
	components := []plan.Component{{Name: "a", Repository: "repo-a"}}
	tests := []struct {
		name        string
		status      string // of base...head; "" when the pin equals the base's
		want        string
		wantNotice  string
		wantWarning string
	}{
		{"ahead of the base: pinned as it is", "ahead", headA, "", ""},
		{"behind the base: the base's commit, with a notice", "behind", older, "component a: aaaaaaa is 3 commits behind 0000000, which nightly-x holds; pinned 0000000 instead, since a nightly never goes backwards", ""},
		{"diverged: pinned as it is, with a warning naming both", "diverged", headA, "", "component a: " + headA + " has diverged from " + older + ", which nightly-x holds (2 commits ahead, 3 behind: a force-pushed branch?); pinned aaaaaaa as it is"},
		{"the base's commit gone: pinned, with a warning", "gone", headA, "", "component a: nightly-x's commit 0000000 is no longer in o/repo-a (force-pushed away?); pinned aaaaaaa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			statuses := map[string]string{"repo-a@" + older + "..." + headA: tt.status}
			if tt.status == "gone" {
				statuses = nil
			}
			f := &fake{answers: &answers{bodies: map[string]string{"repo-a@HEAD": headA}}, statuses: statuses}
			base := manifest.Manifest{{Component: "a", Repository: "o/repo-a", SHA: older}}
			res, err := Resolve(context.Background(), f.client(), Request{Owner: "o", Components: components, Base: base, BaseTag: "nightly-x"})
			require.NoError(t, err)
			assert.Len(t, f.asked, 2, "the head, then one compare with the base")
			assert.Equal(t, tt.want, res.Manifest[0].SHA)
			if tt.wantNotice == "" {
				assert.Empty(t, res.Notices)
			} else {
				assert.Equal(t, []string{tt.wantNotice}, res.Notices)
			}
			if tt.wantWarning == "" {
				assert.Empty(t, res.Warnings)
			} else {
				assert.Equal(t, []string{tt.wantWarning}, res.Warnings)
			}
		})
	}

	f := &fake{answers: &answers{bodies: map[string]string{"repo-a@HEAD": older}}}
	res, err := Resolve(context.Background(), f.client(), Request{Owner: "o", Components: components, Base: manifest.Manifest{{Component: "a", Repository: "o/repo-a", SHA: older}}})
	require.NoError(t, err)
	assert.Len(t, f.asked, 1, "the same commit as the base's needs no compare")
	assert.Equal(t, older, res.Manifest[0].SHA)
	assert.Equal(t, []string{}, append([]string{}, Differing(res.Manifest, manifest.Manifest{{Component: "a", Repository: "o/repo-a", SHA: older}})...))
	assert.Equal(t, []string{"a"}, Differing(res.Manifest, nil))
}
