package githubtest

import (
	"net/http"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shaTagV1 is what git gives the tag object of v1.0.0 at shaMain with the
// message "bllvm v1.0.0", tagged by github-actions[bot] at testTime: the
// output of `git hash-object -t tag --stdin` for that content.
const shaTagV1 = "e4fd4b76d003abf5e88dbc2ec476e47b53eb03db"

// atTestTime is a clock stopped at testTime, so that tag objects made
// without a tagger date have the sha git gives them.
func atTestTime() Option {
	return WithClock(func() time.Time { return testTime })
}

// newTagV1 is the request for the tag object of shaTagV1, whatever the
// client sets of it.
func newTagV1() *gh.Tag {
	return &gh.Tag{
		Tag:     gh.String("v1.0.0"),
		Message: gh.String("bllvm v1.0.0"),
		Object:  &gh.GitObject{Type: gh.String("commit"), SHA: gh.String(shaMain)},
	}
}

func TestAnnotatedTagReadsBack(t *testing.T) {
	tests := []struct {
		name string
		// tag makes v1.0.0 an annotated tag at shaMain and returns the sha
		// of its tag object.
		tag func(t *testing.T, fake *Server, client *gh.Client) string
	}{
		{
			name: "tag object, then a ref to it",
			tag: func(t *testing.T, _ *Server, client *gh.Client) string {
				object, _, err := client.Git.CreateTag(t.Context(), testOwner, testRepo, newTagV1())
				require.NoError(t, err)
				_, _, err = client.Git.CreateRef(t.Context(), testOwner, testRepo, &gh.Reference{
					Ref:    gh.String("refs/tags/v1.0.0"),
					Object: &gh.GitObject{SHA: object.SHA},
				})
				require.NoError(t, err)
				return object.GetSHA()
			},
		},
		{
			name: "lightweight tag moved to a tag object",
			tag: func(t *testing.T, fake *Server, client *gh.Client) string {
				fake.SetTag(repoName, "v1.0.0", shaOld)
				object, _, err := client.Git.CreateTag(t.Context(), testOwner, testRepo, newTagV1())
				require.NoError(t, err)
				_, _, err = client.Git.UpdateRef(t.Context(), testOwner, testRepo, &gh.Reference{
					Ref:    gh.String("tags/v1.0.0"),
					Object: &gh.GitObject{SHA: object.SHA},
				}, true)
				require.NoError(t, err)
				return object.GetSHA()
			},
		},
		{
			name: "setter",
			tag: func(_ *testing.T, fake *Server, _ *gh.Client) string {
				return fake.SetAnnotatedTag(repoName, "v1.0.0", shaMain, "bllvm v1.0.0")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t, atTestTime())
			fake.AddCommit(repoName, shaMain)

			objectSHA := tt.tag(t, fake, client)

			assert.Equal(t, shaTagV1, objectSHA)
			ref, _, err := client.Git.GetRef(t.Context(), testOwner, testRepo, "tags/v1.0.0")
			require.NoError(t, err)
			assert.Equal(t, &gh.GitObject{
				Type: gh.String("tag"),
				SHA:  gh.String(shaTagV1),
				URL:  gh.String("https://api.github.com/repos/BTCDecoded/bllvm/git/tags/" + shaTagV1),
			}, ref.Object)
			matching, _, err := client.Git.ListMatchingRefs(t.Context(), testOwner, testRepo, &gh.ReferenceListOptions{Ref: "tags/v1"})
			require.NoError(t, err)
			require.Len(t, matching, 1)
			assert.Equal(t, "tag", matching[0].GetObject().GetType())

			object, _, err := client.Git.GetTag(t.Context(), testOwner, testRepo, objectSHA)
			require.NoError(t, err)
			assert.Equal(t, "v1.0.0", object.GetTag())
			assert.Equal(t, "bllvm v1.0.0", object.GetMessage())
			assert.Equal(t, shaMain, object.GetObject().GetSHA())
			assert.Equal(t, "commit", object.GetObject().GetType())

			assert.Equal(t, map[string]string{"v1.0.0": shaMain}, fake.Tags(repoName), "peeled")
			listed, _, err := client.Repositories.ListTags(t.Context(), testOwner, testRepo, nil)
			require.NoError(t, err)
			require.Len(t, listed, 1)
			assert.Equal(t, shaMain, listed[0].GetCommit().GetSHA(), "peeled")
			commit, _, err := client.Repositories.GetCommitSHA1(t.Context(), testOwner, testRepo, "v1.0.0", "")
			require.NoError(t, err)
			assert.Equal(t, shaMain, commit, "peeled")
			got, ok := fake.TagObject(repoName, "v1.0.0")
			assert.True(t, ok)
			assert.Equal(t, TagObject{SHA: shaTagV1, Tag: "v1.0.0", Message: "bllvm v1.0.0", Commit: shaMain}, got)
		})
	}
}

func TestCreateTagObject(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantBody   string
	}{
		{
			name:       "tagged by whom the body names, when it says",
			body:       `{"tag":"v1.0.0","message":"bllvm v1.0.0","object":"` + shaMain + `","type":"commit","tagger":{"name":"Release Bot","email":"release@btcdecoded.example","date":"2025-11-16T19:00:00-07:00"}}`,
			wantStatus: http.StatusCreated,
			// The sha is what `git hash-object -t tag` gives this content.
			wantBody: `{"node_id":"` + nodeID("Tag", "a6145a2e4daa38015ea048c81f9af645405f2275") + `","tag":"v1.0.0","sha":"a6145a2e4daa38015ea048c81f9af645405f2275",
				"url":"https://api.github.com/repos/BTCDecoded/bllvm/git/tags/a6145a2e4daa38015ea048c81f9af645405f2275","message":"bllvm v1.0.0",
				"tagger":{"name":"Release Bot","email":"release@btcdecoded.example","date":"2025-11-17T02:00:00Z"},
				"object":{"type":"commit","sha":"` + shaMain + `","url":"https://api.github.com/repos/BTCDecoded/bllvm/git/commits/` + shaMain + `"},
				"verification":{"verified":false,"reason":"unsigned","signature":null,"payload":null,"verified_at":null}}`,
		},
		{
			name:       "tagged by the token's user now, without a tagger",
			body:       `{"tag":"v1.0.0","message":"bllvm v1.0.0","object":"` + shaMain + `","type":"commit"}`,
			wantStatus: http.StatusCreated,
			wantBody: `{"node_id":"` + nodeID("Tag", shaTagV1) + `","tag":"v1.0.0","sha":"` + shaTagV1 + `",
				"url":"https://api.github.com/repos/BTCDecoded/bllvm/git/tags/` + shaTagV1 + `","message":"bllvm v1.0.0",
				"tagger":{"name":"github-actions[bot]","email":"41898282+github-actions[bot]@users.noreply.github.com","date":"2025-11-17T02:00:00Z"},
				"object":{"type":"commit","sha":"` + shaMain + `","url":"https://api.github.com/repos/BTCDecoded/bllvm/git/commits/` + shaMain + `"},
				"verification":{"verified":false,"reason":"unsigned","signature":null,"payload":null,"verified_at":null}}`,
		},
		{
			name:       "commit the repository does not have",
			body:       `{"tag":"v1.0.0","message":"bllvm v1.0.0","object":"` + shaOther + `","type":"commit"}`,
			wantStatus: http.StatusUnprocessableEntity,
			wantBody:   `{"message":"Object does not exist","documentation_url":"https://docs.github.com/rest/git/tags#create-a-tag-object","status":"422"}`,
		},
		{
			name:       "tree the fake cannot have",
			body:       `{"tag":"v1.0.0","message":"bllvm v1.0.0","object":"` + shaMain + `","type":"tree"}`,
			wantStatus: http.StatusUnprocessableEntity,
			wantBody:   `{"message":"Object does not exist","documentation_url":"https://docs.github.com/rest/git/tags#create-a-tag-object","status":"422"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository(repoName), atTestTime())
			fake.AddCommit(repoName, shaMain)

			status, body := do(t, fake.Client(), http.MethodPost, "https://api.github.com/repos/BTCDecoded/bllvm/git/tags", tt.body, jsonHeader)

			assert.Equal(t, tt.wantStatus, status)
			assert.JSONEq(t, tt.wantBody, body)
			assert.Empty(t, fake.Tags(repoName), "a tag object alone makes no tag")
		})
	}
}

func TestCreateTagObjectLocation(t *testing.T) {
	fake, client := newGitHub(t, atTestTime())
	fake.AddCommit(repoName, shaMain)

	_, resp, err := client.Git.CreateTag(t.Context(), testOwner, testRepo, newTagV1())

	require.NoError(t, err)
	assert.Equal(t, "https://api.github.com/repos/BTCDecoded/bllvm/git/tags/"+shaTagV1, resp.Header.Get("Location"))
}

func TestCreateTagObjectRejectsIncompleteBodies(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		wantMessage string
	}{
		{"nothing", `{}`, `Invalid request.\n\n\"message\", \"object\", \"tag\", \"type\" weren't supplied.`},
		{"no tag", `{"message":"m","object":"` + shaMain + `","type":"commit"}`, `Invalid request.\n\n\"tag\" wasn't supplied.`},
		{"no message", `{"tag":"v1","object":"` + shaMain + `","type":"commit"}`, `Invalid request.\n\n\"message\" wasn't supplied.`},
		{"tagger without email", `{"tag":"v1","message":"m","object":"` + shaMain + `","type":"commit","tagger":{"name":"n"}}`, `Invalid request.\n\n\"email\" wasn't supplied.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository(repoName))
			fake.AddCommit(repoName, shaMain)
			// The contract refuses these bodies before the fake sees them.
			unchecked := &http.Client{Transport: fake.client.Transport.(contractTransport).next}

			status, body := do(t, unchecked, http.MethodPost, "https://api.github.com/repos/BTCDecoded/bllvm/git/tags", tt.body, jsonHeader)

			assert.Equal(t, http.StatusUnprocessableEntity, status)
			assert.JSONEq(t, `{"message":"`+tt.wantMessage+`","documentation_url":"https://docs.github.com/rest","status":"422"}`, body)
		})
	}
}

func TestTagObjectSHAIsContentAddressed(t *testing.T) {
	tagged := func(edit func(*gh.Tag)) *gh.Tag {
		tag := newTagV1()
		tag.Tagger = &gh.CommitAuthor{Name: gh.String("Release Bot"), Email: gh.String("release@btcdecoded.example"), Date: &gh.Timestamp{Time: testTime}}
		if edit != nil {
			edit(tag)
		}
		return tag
	}
	tests := []struct {
		name     string
		second   *gh.Tag
		wantSame bool
	}{
		{"same content", tagged(nil), true},
		{"another message", tagged(func(tag *gh.Tag) { tag.Message = gh.String("bllvm v1.0.0, again") }), false},
		{"another name", tagged(func(tag *gh.Tag) { tag.Tag = gh.String("v1.0.1") }), false},
		{"another commit", tagged(func(tag *gh.Tag) { tag.Object.SHA = gh.String(shaOld) }), false},
		{"a second later", tagged(func(tag *gh.Tag) { tag.Tagger.Date = &gh.Timestamp{Time: testTime.Add(time.Second)} }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A ticking clock: only the tagger date sent may keep the sha.
			fake, client := newGitHub(t, WithClock(tickingClock(testTime)))
			fake.AddCommit(repoName, shaMain)
			fake.AddCommit(repoName, shaOld)

			first, _, err := client.Git.CreateTag(t.Context(), testOwner, testRepo, tagged(nil))
			require.NoError(t, err)
			second, _, err := client.Git.CreateTag(t.Context(), testOwner, testRepo, tt.second)
			require.NoError(t, err)

			assert.Equal(t, tt.wantSame, first.GetSHA() == second.GetSHA(), "%s and %s", first.GetSHA(), second.GetSHA())
		})
	}
}

func TestGetTagObjectThatIsNot(t *testing.T) {
	tests := []struct {
		name string
		sha  string
	}{
		{"unknown sha", shaOther},
		{"a commit's sha", shaMain},
		{"not a sha", "v1.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			fake.SetAnnotatedTag(repoName, "v1.0.0", shaMain, "bllvm v1.0.0")

			_, _, err := client.Git.GetTag(t.Context(), testOwner, testRepo, tt.sha)

			assert.Equal(t, "Not Found", requireStatus(t, err, http.StatusNotFound).Message)
		})
	}
}

func TestTagObjectOfATag(t *testing.T) {
	tests := []struct {
		name   string
		tag    string
		wantOK bool
	}{
		{"annotated", "v1.0.0", true},
		{"lightweight", "nightly-20251117-abc1234", false},
		{"missing", "v2.0.0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository(repoName))
			fake.SetAnnotatedTag(repoName, "v1.0.0", shaMain, "bllvm v1.0.0")
			fake.SetTag(repoName, "nightly-20251117-abc1234", shaMain)

			got, ok := fake.TagObject(repoName, tt.tag)

			assert.Equal(t, tt.wantOK, ok)
			if tt.wantOK {
				assert.Equal(t, shaMain, got.Commit)
				assert.Equal(t, "bllvm v1.0.0", got.Message)
			}
			assert.Equal(t, map[string]string{"v1.0.0": shaMain, "nightly-20251117-abc1234": shaMain}, fake.Tags(repoName))
		})
	}
}

func TestStandaloneServesAnnotatedTags(t *testing.T) {
	var log syncBuffer
	fake, baseURL, closeFn, err := NewStandalone(WithRepository(repoName), WithLog(&log), atTestTime())
	require.NoError(t, err)
	t.Cleanup(closeFn)
	client := enterpriseClient(t, baseURL, "")
	fake.SetBranch(repoName, "main", shaMain)

	object, _, err := client.Git.CreateTag(t.Context(), testOwner, testRepo, newTagV1())
	require.NoError(t, err)
	ref, _, err := client.Git.CreateRef(t.Context(), testOwner, testRepo, &gh.Reference{Ref: gh.String("refs/tags/v1.0.0"), Object: &gh.GitObject{SHA: object.SHA}})
	require.NoError(t, err)
	commit, _, err := client.Repositories.GetCommitSHA1(t.Context(), testOwner, testRepo, "v1.0.0", "")
	require.NoError(t, err)

	assert.Equal(t, baseURL+"/repos/BTCDecoded/bllvm/git/tags/"+shaTagV1, ref.GetObject().GetURL(), "the server's own URL, over http")
	assert.Equal(t, shaMain, commit)
	assert.Empty(t, log.String(), "every request routed, nothing went wrong")
}
