package githubtest

import (
	"fmt"
	"net/http"
	"runtime"
	"testing"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGetRef(t *testing.T) {
	tests := []struct {
		name       string
		ref        string
		wantStatus int
		wantBody   string
	}{
		{
			name:       "tag",
			ref:        "tags/nightly-20251117-abc1234",
			wantStatus: http.StatusOK,
			wantBody: `{"ref":"refs/tags/nightly-20251117-abc1234","node_id":"` + nodeID("Ref", "BTCDecoded/bllvm:refs/tags/nightly-20251117-abc1234") + `",
				"url":"https://api.github.com/repos/BTCDecoded/bllvm/git/refs/tags/nightly-20251117-abc1234",
				"object":{"type":"commit","sha":"` + shaMain + `","url":"https://api.github.com/repos/BTCDecoded/bllvm/git/commits/` + shaMain + `"}}`,
		},
		{"branch", "heads/main", http.StatusOK, ""},
		{"missing tag", "tags/nightly-20251116-abc1234", http.StatusNotFound, ""},
		{"full ref name is not a ref of the path", "refs/tags/nightly-20251117-abc1234", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository(repoName))
			fake.SetTag(repoName, "nightly-20251117-abc1234", shaMain)
			fake.SetBranch(repoName, "main", shaMain)

			status, body := do(t, fake.Client(), http.MethodGet, "https://api.github.com/repos/BTCDecoded/bllvm/git/ref/"+tt.ref, "", nil)

			assert.Equal(t, tt.wantStatus, status)
			if tt.wantBody != "" {
				assert.JSONEq(t, tt.wantBody, body)
			}
		})
	}
}

func TestMatchingRefs(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		want   []string
	}{
		{"by name, not by creation", "tags/nightly-", []string{"refs/tags/nightly-20251116-aaa", "refs/tags/nightly-20251117-bbb"}},
		{"every tag", "tags/", []string{"refs/tags/nightly-20251116-aaa", "refs/tags/nightly-20251117-bbb", "refs/tags/v1.0.0"}},
		{"branches apart from tags", "heads/", []string{"refs/heads/main"}},
		{"nothing matching is an empty list", "tags/release-", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			fake.SetTag(repoName, "v1.0.0", shaOld)
			fake.SetTag(repoName, "nightly-20251117-bbb", shaMain)
			fake.SetTag(repoName, "nightly-20251116-aaa", shaOld)
			fake.SetBranch(repoName, "main", shaMain)

			refs, _, err := client.Git.ListMatchingRefs(t.Context(), testOwner, testRepo, &gh.ReferenceListOptions{Ref: tt.prefix})

			require.NoError(t, err)
			var got []string
			for _, ref := range refs {
				got = append(got, ref.GetRef())
				assert.Equal(t, "commit", ref.GetObject().GetType())
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// GitHub ignores per_page and page on matching-refs and answers every
// match at once, without a Link header.
func TestMatchingRefsAnswersEveryMatchAtOnce(t *testing.T) {
	tests := []struct {
		name string
		opts gh.ListOptions
	}{
		{"no page asked for", gh.ListOptions{}},
		{"per_page ignored", gh.ListOptions{PerPage: 2}},
		{"page ignored", gh.ListOptions{PerPage: 100, Page: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			for i := range 150 {
				fake.SetTag(repoName, fmt.Sprintf("nightly-%03d", i), shaMain)
			}

			refs, resp, err := client.Git.ListMatchingRefs(t.Context(), testOwner, testRepo, &gh.ReferenceListOptions{Ref: "tags/nightly-", ListOptions: tt.opts})

			require.NoError(t, err)
			assert.Len(t, refs, 150)
			assert.Empty(t, resp.Header.Get("Link"))
			assert.Zero(t, resp.NextPage)
		})
	}
}

func TestCreateRef(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		wantStatus  int
		wantMessage string
		wantTags    map[string]string
	}{
		{
			name:       "new tag",
			body:       `{"ref":"refs/tags/nightly-20251117-abc1234","sha":"` + shaMain + `"}`,
			wantStatus: http.StatusCreated,
			wantTags:   map[string]string{"v1": shaOld, "nightly-20251117-abc1234": shaMain},
		},
		{
			name:        "existing tag",
			body:        `{"ref":"refs/tags/v1","sha":"` + shaMain + `"}`,
			wantStatus:  http.StatusUnprocessableEntity,
			wantMessage: "Reference already exists",
			wantTags:    map[string]string{"v1": shaOld},
		},
		{
			name:        "without refs/",
			body:        `{"ref":"tags/v2/x","sha":"` + shaMain + `"}`,
			wantStatus:  http.StatusUnprocessableEntity,
			wantMessage: "tags/v2/x is not a valid ref name.",
			wantTags:    map[string]string{"v1": shaOld},
		},
		{
			name:        "fewer than two slashes",
			body:        `{"ref":"refs/v2","sha":"` + shaMain + `"}`,
			wantStatus:  http.StatusUnprocessableEntity,
			wantMessage: "Reference name must contain at least three slash-separated components.",
			wantTags:    map[string]string{"v1": shaOld},
		},
		{
			// GitHub's answer for a commit it does not have; the fake's
			// commits are those a test made exist (AddCommit, SetBranch).
			name:        "a commit the repository does not have",
			body:        `{"ref":"refs/tags/v2","sha":"` + shaOther + `"}`,
			wantStatus:  http.StatusUnprocessableEntity,
			wantMessage: "Object does not exist",
			wantTags:    map[string]string{"v1": shaOld},
		},
		{
			name:        "short sha",
			body:        `{"ref":"refs/tags/v2","sha":"abc1234"}`,
			wantStatus:  http.StatusUnprocessableEntity,
			wantMessage: "Object does not exist",
			wantTags:    map[string]string{"v1": shaOld},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository(repoName))
			fake.SetTag(repoName, "v1", shaOld)
			fake.AddCommit(repoName, shaMain)

			status, body := do(t, fake.Client(), http.MethodPost, "https://api.github.com/repos/BTCDecoded/bllvm/git/refs", tt.body, jsonHeader)

			assert.Equal(t, tt.wantStatus, status)
			if tt.wantMessage != "" {
				assert.JSONEq(t, `{"message":"`+tt.wantMessage+`","documentation_url":"https://docs.github.com/rest","status":"422"}`, body)
			}
			assert.Equal(t, tt.wantTags, fake.Tags(repoName))
		})
	}
}

func TestCreateRefWithGoGitHub(t *testing.T) {
	fake, client := newGitHub(t)
	fake.AddCommit(repoName, shaMain)

	ref, _, err := client.Git.CreateRef(t.Context(), testOwner, testRepo, &gh.Reference{
		Ref:    gh.String("refs/tags/nightly-20251117-abc1234"),
		Object: &gh.GitObject{SHA: gh.String(shaMain)},
	})

	require.NoError(t, err)
	assert.Equal(t, "refs/tags/nightly-20251117-abc1234", ref.GetRef())
	assert.Equal(t, shaMain, ref.GetObject().GetSHA())
	assert.Equal(t, map[string]string{"nightly-20251117-abc1234": shaMain}, fake.Tags(repoName))
}

func TestUpdateRef(t *testing.T) {
	tests := []struct {
		name       string
		ref        string
		wantStatus int
		wantTags   map[string]string
	}{
		{"moves the tag", "tags/v1", http.StatusOK, map[string]string{"v1": shaOther}},
		{"missing tag", "tags/v2", http.StatusUnprocessableEntity, map[string]string{"v1": shaOld}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			fake.SetTag(repoName, "v1", shaOld)

			_, resp, _ := client.Git.UpdateRef(t.Context(), testOwner, testRepo, &gh.Reference{
				Ref:    gh.String(tt.ref),
				Object: &gh.GitObject{SHA: gh.String(shaOther)},
			}, true)

			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, tt.wantTags, fake.Tags(repoName))
		})
	}
}

func TestDeleteRef(t *testing.T) {
	tests := []struct {
		name        string
		path        string
		wantStatus  int
		wantMessage string
		wantTags    map[string]string
	}{
		{"existing tag", "tags/v1", http.StatusNoContent, "", map[string]string{}},
		{"missing tag", "tags/v2", http.StatusUnprocessableEntity, "Reference does not exist", map[string]string{"v1": shaOld}},
		{"full ref name in the path", "refs/tags/v1", http.StatusUnprocessableEntity, "Reference does not exist", map[string]string{"v1": shaOld}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository(repoName))
			fake.SetTag(repoName, "v1", shaOld)

			status, body := do(t, fake.Client(), http.MethodDelete, "https://api.github.com/repos/BTCDecoded/bllvm/git/refs/"+tt.path, "", nil)

			assert.Equal(t, tt.wantStatus, status)
			if tt.wantMessage != "" {
				assert.Contains(t, body, tt.wantMessage)
			} else {
				assert.Empty(t, body)
			}
			assert.Equal(t, tt.wantTags, fake.Tags(repoName))
		})
	}
}

func TestListTagsIsNotByDate(t *testing.T) {
	fake, client := newGitHub(t)
	// Set oldest first: an API listing newest first would give them back
	// reversed, which the fake does not.
	for _, tag := range []string{"nightly-20251115-aaa", "v1.10.0", "nightly-20251117-ccc", "v1.9.0", "nightly-20251116-bbb"} {
		fake.SetTag(repoName, tag, shaMain)
	}

	tags, _, err := client.Repositories.ListTags(t.Context(), testOwner, testRepo, nil)

	require.NoError(t, err)
	var names []string
	for _, tag := range tags {
		names = append(names, tag.GetName())
		assert.Equal(t, shaMain, tag.GetCommit().GetSHA())
		assert.Equal(t, "https://api.github.com/repos/BTCDecoded/bllvm/zipball/"+tag.GetName(), tag.GetZipballURL())
	}
	assert.Equal(t, []string{"v1.9.0", "v1.10.0", "nightly-20251117-ccc", "nightly-20251116-bbb", "nightly-20251115-aaa"}, names)
}

func TestSettersNeedAnAddedRepository(t *testing.T) {
	recorder := &fatalRecorder{TB: t}
	fake := New(recorder)

	// Fatalf ends the goroutine it is called on, as testing.T's does.
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		fake.SetTag("BTCDecoded/governance-app", "v1", shaMain)
	}()
	<-ran

	assert.Contains(t, recorder.fatal, `repository "BTCDecoded/governance-app" was not added`)
}

// fatalRecorder keeps the message of a Fatalf and ends its goroutine as
// testing.T does.
type fatalRecorder struct {
	testing.TB
	fatal string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// fatalOf runs setup on a fake of BTCDecoded/bllvm and returns the message
// of the Fatalf that ended it, or "".
func fatalOf(t *testing.T, setup func(*Server)) string {
	recorder := &fatalRecorder{TB: t}
	fake := New(recorder, WithRepository(repoName))
	// Fatalf ends the goroutine it is called on, as testing.T's does.
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		setup(fake)
	}()
	<-ran
	return recorder.fatal
}
