package githubtest

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func labelsOf(issue *gh.Issue) []string {
	var names []string
	for _, l := range issue.Labels {
		names = append(names, l.GetName())
	}
	return names
}

func TestCreateIssue(t *testing.T) {
	tests := []struct {
		name       string
		request    gh.IssueRequest
		wantStatus int
		wantError  *gh.Error
		wantLabels []string
		// wantCreated are the labels the issue made the repository create.
		wantCreated []string
	}{
		{
			name:       "title only",
			request:    gh.IssueRequest{Title: gh.String("Nightly failed")},
			wantStatus: http.StatusCreated,
		},
		{
			name:       "labels that do not exist are created",
			request:    gh.IssueRequest{Title: gh.String("Nightly failed"), Body: gh.String("see the run"), Labels: &[]string{"ci-failure", "nightly"}},
			wantStatus: http.StatusCreated, wantLabels: []string{"ci-failure", "nightly"}, wantCreated: []string{"ci-failure", "nightly"},
		},
		{
			name:       "a label that exists, in another case, is that label",
			request:    gh.IssueRequest{Title: gh.String("Nightly failed"), Labels: &[]string{"BUG", "bug"}},
			wantStatus: http.StatusCreated, wantLabels: []string{"bug"},
		},
		{
			name:       "empty title",
			request:    gh.IssueRequest{Title: gh.String("")},
			wantStatus: http.StatusUnprocessableEntity, wantError: &gh.Error{Resource: "Issue", Code: "missing_field", Field: "title"},
		},
		{
			name:       "body of 65536 characters",
			request:    gh.IssueRequest{Title: gh.String("Nightly failed"), Body: gh.String(strings.Repeat("é", 65536))},
			wantStatus: http.StatusCreated,
		},
		{
			name:       "body of 65537 characters",
			request:    gh.IssueRequest{Title: gh.String("Nightly failed"), Body: gh.String(strings.Repeat("x", 65537))},
			wantStatus: http.StatusUnprocessableEntity,
			wantError:  &gh.Error{Resource: "Issue", Code: "custom", Field: "body", Message: "body is too long (maximum is 65536 characters)"},
		},
		{
			name:       "title of 257 characters",
			request:    gh.IssueRequest{Title: gh.String(strings.Repeat("t", 257))},
			wantStatus: http.StatusUnprocessableEntity,
			wantError:  &gh.Error{Resource: "Issue", Code: "custom", Field: "title", Message: "title is too long (maximum is 256 characters)"},
		},
		{
			name:       "a label GitHub would not create",
			request:    gh.IssueRequest{Title: gh.String("Nightly failed"), Labels: &[]string{strings.Repeat("l", 51)}},
			wantStatus: http.StatusUnprocessableEntity, wantError: &gh.Error{Resource: "Label", Code: "invalid", Field: "name"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t, WithClock(func() time.Time { return testTime }))

			got, _, err := client.Issues.Create(t.Context(), testOwner, testRepo, &tt.request)

			if tt.wantError != nil {
				ghErr := requireStatus(t, err, tt.wantStatus)
				assert.Equal(t, "Validation Failed", ghErr.Message)
				assert.Equal(t, "https://docs.github.com/rest/issues/issues#create-an-issue", ghErr.DocumentationURL)
				require.Len(t, ghErr.Errors, 1)
				assert.Equal(t, *tt.wantError, ghErr.Errors[0])
				assert.Empty(t, fake.Issues(repoName))
				assert.Equal(t, defaultLabelNames, fake.Labels(repoName))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 1, got.GetNumber())
			assert.Equal(t, tt.request.GetTitle(), got.GetTitle())
			assert.Equal(t, tt.request.Body, got.Body)
			assert.Equal(t, "open", got.GetState())
			assert.Equal(t, actorLogin, got.GetUser().GetLogin())
			assert.Equal(t, "Bot", got.GetUser().GetType())
			assert.Equal(t, testTime, got.GetCreatedAt().Time)
			assert.Equal(t, "https://github.com/BTCDecoded/bllvm/issues/1", got.GetHTMLURL())
			assert.Equal(t, tt.wantLabels, labelsOf(got))
			for _, l := range got.Labels {
				if slices.Contains(tt.wantCreated, l.GetName()) {
					assert.Equal(t, "ededed", l.GetColor(), "GitHub's color for a label an issue made")
					assert.Nil(t, l.Description)
					assert.False(t, l.GetDefault())
				}
			}
			assert.Equal(t, slices.Concat(defaultLabelNames, tt.wantCreated), fake.Labels(repoName))
			issues := fake.Issues(repoName)
			require.Len(t, issues, 1)
			assert.Equal(t, Issue{Number: 1, Title: tt.request.GetTitle(), Body: tt.request.GetBody(), State: "open", Labels: issues[0].Labels, CreatedAt: testTime}, issues[0])
			assert.ElementsMatch(t, tt.wantLabels, issues[0].Labels)
		})
	}
}

// TestIssueShape holds the fake's issue to the fields GitHub sends
// (@octokit/fixtures, add-labels-to-issue), for a client that reads more
// than go-github does.
func TestIssueShape(t *testing.T) {
	wantFields := []string{
		"active_lock_reason", "assignee", "assignees", "author_association", "body", "closed_at", "closed_by",
		"comments", "comments_url", "created_at", "events_url", "html_url", "id", "labels", "labels_url",
		"locked", "milestone", "node_id", "number", "performed_via_github_app", "reactions", "repository_url",
		"state", "state_reason", "timeline_url", "title", "updated_at", "url", "user",
	}
	tests := []struct {
		name  string
		issue Issue
		want  map[string]any // fields with these values
	}{
		{"open, no body", Issue{Title: "Nightly failed"}, map[string]any{"body": nil, "state_reason": nil, "closed_at": nil, "closed_by": nil, "comments": float64(0)}},
		{"closed with comments", Issue{Title: "Nightly failed", State: "closed", Comments: []Comment{{Body: "first"}, {Body: "second"}}}, map[string]any{"state_reason": "completed", "closed_at": "2025-11-17T02:00:00Z", "comments": float64(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository(repoName), WithClock(func() time.Time { return testTime }))
			fake.AddIssue(repoName, tt.issue)

			status, body := do(t, fake.Client(), http.MethodGet, "https://api.github.com/repos/BTCDecoded/bllvm/issues/1", "", nil)

			require.Equal(t, http.StatusOK, status, body)
			var got map[string]any
			require.NoError(t, json.Unmarshal([]byte(body), &got))
			assert.Equal(t, wantFields, slices.Sorted(maps.Keys(got)))
			for field, value := range tt.want {
				assert.Equal(t, value, got[field], field)
			}
		})
	}
}

func TestAddIssue(t *testing.T) {
	fake := New(t, WithRepository(repoName), WithClock(func() time.Time { return testTime }))
	earlier := testTime.Add(-time.Hour)

	first := fake.AddIssue(repoName, Issue{Title: "first", Labels: []string{"Bug", "flaky"}})
	planted := fake.AddIssue(repoName, Issue{Number: 7, Title: "seventh", State: "closed", CreatedAt: earlier, Comments: []Comment{{Body: "why", User: "octocat"}}})
	next := fake.AddIssue(repoName, Issue{Title: "after"})

	assert.Equal(t, Issue{Number: 1, Title: "first", State: "open", Labels: []string{"bug", "flaky"}, CreatedAt: testTime}, first)
	assert.Equal(t, 7, planted.Number)
	assert.Equal(t, "completed", planted.StateReason)
	assert.Equal(t, testTime, planted.ClosedAt)
	require.Len(t, planted.Comments, 1)
	assert.NotZero(t, planted.Comments[0].ID)
	assert.Equal(t, Comment{ID: planted.Comments[0].ID, Body: "why", User: "octocat", CreatedAt: testTime}, planted.Comments[0])
	assert.Equal(t, 8, next.Number, "numbers go on after the highest")
	assert.Equal(t, slices.Concat(defaultLabelNames, []string{"flaky"}), fake.Labels(repoName))

	kept := fake.Issues(repoName)
	kept[0].Labels[0] = "changed"
	kept[1].Comments[0].Body = "changed"
	again := fake.Issues(repoName)
	assert.Equal(t, []string{"bug", "flaky"}, again[0].Labels, "Issues hands out copies")
	assert.Equal(t, "why", again[1].Comments[0].Body, "Issues hands out copies")
	assert.Equal(t, []int{1, 7, 8}, []int{again[0].Number, again[1].Number, again[2].Number})
}

func TestListIssues(t *testing.T) {
	at := func(hours int) time.Time { return testTime.Add(time.Duration(hours) * time.Hour) }
	plant := func(fake *Server) {
		fake.AddIssue(repoName, Issue{Title: "one", Labels: []string{"ci-failure", "nightly"}, CreatedAt: at(1)})
		fake.AddIssue(repoName, Issue{Title: "two", Labels: []string{"ci-failure"}, CreatedAt: at(2), Comments: []Comment{{Body: "a", CreatedAt: at(5)}, {Body: "b", CreatedAt: at(6)}}})
		fake.AddIssue(repoName, Issue{Title: "three", Labels: []string{"nightly"}, CreatedAt: at(3), Comments: []Comment{{Body: "c", CreatedAt: at(4)}}})
		fake.AddIssue(repoName, Issue{Title: "four", Labels: []string{"ci-failure", "nightly"}, State: "closed", CreatedAt: at(0), ClosedAt: at(7)})
	}
	tests := []struct {
		name string
		opts gh.IssueListByRepoOptions
		want []int
	}{
		{"open by default, newest first", gh.IssueListByRepoOptions{}, []int{3, 2, 1}},
		{"closed", gh.IssueListByRepoOptions{State: "closed"}, []int{4}},
		{"all", gh.IssueListByRepoOptions{State: "all"}, []int{3, 2, 1, 4}},
		{"one label", gh.IssueListByRepoOptions{Labels: []string{"nightly"}}, []int{3, 1}},
		{"every label must match", gh.IssueListByRepoOptions{State: "all", Labels: []string{"ci-failure", "nightly"}}, []int{1, 4}},
		{"labels in any case", gh.IssueListByRepoOptions{Labels: []string{"CI-Failure", "Nightly"}}, []int{1}},
		{"a label no issue has", gh.IssueListByRepoOptions{Labels: []string{"ci-failure", "wontfix"}}, nil},
		{"oldest first", gh.IssueListByRepoOptions{Direction: "asc"}, []int{1, 2, 3}},
		{"by update", gh.IssueListByRepoOptions{State: "all", Sort: "updated"}, []int{4, 2, 3, 1}},
		{"by comments", gh.IssueListByRepoOptions{Sort: "comments"}, []int{2, 3, 1}},
		{"updated since", gh.IssueListByRepoOptions{State: "all", Since: at(4)}, []int{3, 2, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t, WithClock(func() time.Time { return testTime }))
			plant(fake)

			got, _, err := client.Issues.ListByRepo(t.Context(), testOwner, testRepo, &tt.opts)

			require.NoError(t, err)
			var numbers []int
			for _, issue := range got {
				numbers = append(numbers, issue.GetNumber())
			}
			assert.Equal(t, tt.want, numbers)
		})
	}
}

func TestListIssuesPages(t *testing.T) {
	tests := []struct {
		name      string
		perPage   int
		wantPages [][]int
	}{
		{"three a page", 3, [][]int{{7, 6, 5}, {4, 3, 2}, {1}}},
		{"all on one page", 30, [][]int{{7, 6, 5, 4, 3, 2, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t, WithClock(tickingClock(testTime)))
			for range 7 {
				fake.AddIssue(repoName, Issue{Title: "flaky"})
			}

			var pages [][]int
			opts := &gh.IssueListByRepoOptions{ListOptions: gh.ListOptions{PerPage: tt.perPage}}
			for {
				got, resp, err := client.Issues.ListByRepo(t.Context(), testOwner, testRepo, opts)
				require.NoError(t, err)
				var numbers []int
				for _, issue := range got {
					numbers = append(numbers, issue.GetNumber())
				}
				pages = append(pages, numbers)
				if resp.NextPage == 0 {
					break
				}
				opts.Page = resp.NextPage
			}

			assert.Equal(t, tt.wantPages, pages)
		})
	}
}

func TestUpdateIssue(t *testing.T) {
	closedAt := testTime.Add(-time.Hour)
	tests := []struct {
		name            string
		planted         Issue
		request         gh.IssueRequest
		wantState       string
		wantStateReason string
		wantClosedAt    time.Time
		wantLabels      []string
		wantTitle       string
		wantBody        string
	}{
		{
			name:    "close: completed by default",
			planted: Issue{Title: "flaky", Body: "logs"}, request: gh.IssueRequest{State: gh.String("closed")},
			wantState: "closed", wantStateReason: "completed", wantClosedAt: testTime, wantTitle: "flaky", wantBody: "logs",
		},
		{
			name:    "close as not planned",
			planted: Issue{Title: "flaky"}, request: gh.IssueRequest{State: gh.String("closed"), StateReason: gh.String("not_planned")},
			wantState: "closed", wantStateReason: "not_planned", wantClosedAt: testTime, wantTitle: "flaky",
		},
		{
			name:    "reopen",
			planted: Issue{Title: "flaky", State: "closed", ClosedAt: closedAt}, request: gh.IssueRequest{State: gh.String("open")},
			wantState: "open", wantStateReason: "reopened", wantTitle: "flaky",
		},
		{
			name:    "a reason without a change of state is ignored",
			planted: Issue{Title: "flaky", State: "closed", ClosedAt: closedAt}, request: gh.IssueRequest{StateReason: gh.String("not_planned")},
			wantState: "closed", wantStateReason: "completed", wantClosedAt: closedAt, wantTitle: "flaky",
		},
		{
			name:    "labels replace the issue's, created when missing",
			planted: Issue{Title: "flaky", Labels: []string{"bug"}}, request: gh.IssueRequest{Labels: &[]string{"nightly", "Bug"}},
			wantState: "open", wantLabels: []string{"nightly", "bug"}, wantTitle: "flaky",
		},
		{
			name:    "no labels clears them",
			planted: Issue{Title: "flaky", Labels: []string{"bug"}}, request: gh.IssueRequest{Labels: &[]string{}},
			wantState: "open", wantLabels: []string{}, wantTitle: "flaky",
		},
		{
			name:    "title and body",
			planted: Issue{Title: "flaky", Body: "old"}, request: gh.IssueRequest{Title: gh.String("Nightly failed twice"), Body: gh.String("new")},
			wantState: "open", wantTitle: "Nightly failed twice", wantBody: "new",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := NewClock(testTime.Add(-2 * time.Hour))
			fake, client := newGitHub(t, WithClock(clock.Now))
			planted := fake.AddIssue(repoName, tt.planted)
			clock.Advance(2 * time.Hour)

			got, _, err := client.Issues.Edit(t.Context(), testOwner, testRepo, planted.Number, &tt.request)

			require.NoError(t, err)
			assert.Equal(t, tt.wantState, got.GetState())
			assert.Equal(t, tt.wantStateReason, got.GetStateReason())
			assert.Equal(t, testTime, got.GetUpdatedAt().Time)
			kept := fake.Issues(repoName)[0]
			assert.Equal(t, tt.wantState, kept.State)
			assert.Equal(t, tt.wantStateReason, kept.StateReason)
			assert.Equal(t, tt.wantClosedAt, kept.ClosedAt)
			assert.Equal(t, tt.wantTitle, kept.Title)
			assert.Equal(t, tt.wantBody, kept.Body)
			if tt.wantLabels != nil {
				assert.Equal(t, tt.wantLabels, kept.Labels)
				assert.ElementsMatch(t, tt.wantLabels, labelsOf(got))
			}
		})
	}
}

func TestUpdateIssueRefusesLongBody(t *testing.T) {
	fake, client := newGitHub(t)
	planted := fake.AddIssue(repoName, Issue{Title: "flaky", Body: "short"})

	_, _, err := client.Issues.Edit(t.Context(), testOwner, testRepo, planted.Number, &gh.IssueRequest{Body: gh.String(strings.Repeat("x", 65537))})

	ghErr := requireStatus(t, err, http.StatusUnprocessableEntity)
	assert.Equal(t, []gh.Error{{Resource: "Issue", Code: "custom", Field: "body", Message: "body is too long (maximum is 65536 characters)"}}, ghErr.Errors)
	assert.Equal(t, "short", fake.Issues(repoName)[0].Body)
}

func TestUnknownIssue(t *testing.T) {
	tests := []struct {
		name     string
		call     func(t *testing.T, client *gh.Client) error
		wantDocs string
	}{
		{"get", func(t *testing.T, client *gh.Client) error {
			_, _, err := client.Issues.Get(t.Context(), testOwner, testRepo, 2)
			return err
		}, "https://docs.github.com/rest/issues/issues#get-an-issue"},
		{"update", func(t *testing.T, client *gh.Client) error {
			_, _, err := client.Issues.Edit(t.Context(), testOwner, testRepo, 2, &gh.IssueRequest{State: gh.String("closed")})
			return err
		}, "https://docs.github.com/rest/issues/issues#update-an-issue"},
		{"list comments", func(t *testing.T, client *gh.Client) error {
			_, _, err := client.Issues.ListComments(t.Context(), testOwner, testRepo, 2, nil)
			return err
		}, "https://docs.github.com/rest/issues/comments#list-issue-comments"},
		{"comment", func(t *testing.T, client *gh.Client) error {
			_, _, err := client.Issues.CreateComment(t.Context(), testOwner, testRepo, 2, &gh.IssueComment{Body: gh.String("me too")})
			return err
		}, "https://docs.github.com/rest/issues/comments#create-an-issue-comment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			fake.AddIssue(repoName, Issue{Title: "the only one"})

			err := tt.call(t, client)

			ghErr := requireStatus(t, err, http.StatusNotFound)
			assert.Equal(t, "Not Found", ghErr.Message)
			assert.Equal(t, tt.wantDocs, ghErr.DocumentationURL)
		})
	}
}
