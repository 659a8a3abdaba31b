package githubtest

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateComment(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantError *gh.Error
	}{
		{"a comment", "Failed again: see the run.", nil},
		{"65536 characters", strings.Repeat("é", 65536), nil},
		{
			"65537 characters", strings.Repeat("x", 65537),
			&gh.Error{Resource: "IssueComment", Code: "unprocessable", Field: "data", Message: "Body is too long (maximum is 65536 characters)"},
		},
		{"empty", "", &gh.Error{Resource: "IssueComment", Code: "missing_field", Field: "body"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := NewClock(testTime.Add(-time.Hour))
			fake, client := newGitHub(t, WithClock(clock.Now))
			planted := fake.AddIssue(repoName, Issue{Title: "flaky"})
			clock.Advance(time.Hour)

			got, _, err := client.Issues.CreateComment(t.Context(), testOwner, testRepo, planted.Number, &gh.IssueComment{Body: gh.String(tt.body)})

			if tt.wantError != nil {
				ghErr := requireStatus(t, err, http.StatusUnprocessableEntity)
				assert.Equal(t, "Validation Failed", ghErr.Message)
				assert.Equal(t, "https://docs.github.com/rest/issues/comments#create-an-issue-comment", ghErr.DocumentationURL)
				assert.Equal(t, []gh.Error{*tt.wantError}, ghErr.Errors)
				assert.Empty(t, fake.Issues(repoName)[0].Comments)
				return
			}
			require.NoError(t, err)
			id := strconv.FormatInt(got.GetID(), 10)
			assert.Equal(t, tt.body, got.GetBody())
			assert.Equal(t, actorLogin, got.GetUser().GetLogin())
			assert.Equal(t, "https://github.com/BTCDecoded/bllvm/issues/1#issuecomment-"+id, got.GetHTMLURL())
			assert.Equal(t, "https://api.github.com/repos/BTCDecoded/bllvm/issues/comments/"+id, got.GetURL())
			assert.Equal(t, "https://api.github.com/repos/BTCDecoded/bllvm/issues/1", got.GetIssueURL())
			assert.Equal(t, testTime, got.GetCreatedAt().Time)
			assert.NotEmpty(t, got.GetNodeID())
			assert.NotEmpty(t, got.GetAuthorAssociation())
			assert.Equal(t, []Comment{{ID: got.GetID(), Body: tt.body, User: actorLogin, CreatedAt: testTime}}, fake.Issues(repoName)[0].Comments)

			issue, _, err := client.Issues.Get(t.Context(), testOwner, testRepo, planted.Number)
			require.NoError(t, err)
			assert.Equal(t, 1, issue.GetComments())
			assert.Equal(t, testTime, issue.GetUpdatedAt().Time, "a comment updates its issue")
		})
	}
}

func TestListComments(t *testing.T) {
	at := func(hours int) time.Time { return testTime.Add(time.Duration(hours) * time.Hour) }
	var planted []Comment
	for hour := range 5 {
		planted = append(planted, Comment{Body: "comment " + strconv.Itoa(hour), User: "octocat", CreatedAt: at(hour)})
	}
	since := at(3)
	tests := []struct {
		name      string
		opts      gh.IssueListCommentsOptions
		wantPages [][]string
	}{
		{"all, oldest first", gh.IssueListCommentsOptions{}, [][]string{{"comment 0", "comment 1", "comment 2", "comment 3", "comment 4"}}},
		{"two a page", gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 2}}, [][]string{{"comment 0", "comment 1"}, {"comment 2", "comment 3"}, {"comment 4"}}},
		{"since", gh.IssueListCommentsOptions{Since: &since}, [][]string{{"comment 3", "comment 4"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			issue := fake.AddIssue(repoName, Issue{Title: "flaky", Comments: planted})

			var pages [][]string
			opts := tt.opts
			for {
				got, resp, err := client.Issues.ListComments(t.Context(), testOwner, testRepo, issue.Number, &opts)
				require.NoError(t, err)
				var bodies []string
				for _, c := range got {
					bodies = append(bodies, c.GetBody())
					assert.Equal(t, "octocat", c.GetUser().GetLogin())
					assert.Equal(t, "User", c.GetUser().GetType())
				}
				pages = append(pages, bodies)
				if resp.NextPage == 0 {
					break
				}
				opts.Page = resp.NextPage
			}

			assert.Equal(t, tt.wantPages, pages)
		})
	}
}
