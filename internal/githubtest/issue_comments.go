package githubtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"
)

// GitHub's documentation of the comment endpoints, where their errors point.
const (
	listCommentsDocsURL  = "https://docs.github.com/rest/issues/comments#list-issue-comments"
	createCommentDocsURL = "https://docs.github.com/rest/issues/comments#create-an-issue-comment"
)

func commentJSON(urls bases, repo *repository, i *issue, c Comment) map[string]any {
	repoAPI := urls.api + "/repos/" + repo.fullName()
	commentAPI := repoAPI + "/issues/comments/" + itoa(c.ID)
	return map[string]any{
		"id":                       c.ID,
		"node_id":                  nodeID("IssueComment", c.ID),
		"url":                      commentAPI,
		"html_url":                 urls.web + "/" + repo.fullName() + "/issues/" + strconv.Itoa(i.Number) + "#issuecomment-" + itoa(c.ID),
		"issue_url":                repoAPI + "/issues/" + strconv.Itoa(i.Number),
		"body":                     c.Body,
		"user":                     userJSON(urls, c.User),
		"created_at":               githubTime(c.CreatedAt),
		"updated_at":               githubTime(c.CreatedAt),
		"author_association":       "NONE",
		"performed_via_github_app": nil,
		"reactions":                reactionsJSON(commentAPI),
	}
}

// GET /repos/{owner}/{repo}/issues/{issue_number}/comments: oldest first,
// those updated at or after since.
func (s *Server) listComments(r *http.Request, repo *repository) Response {
	found, resp, ok := requestedIssue(r, repo, listCommentsDocsURL)
	if !ok {
		return resp
	}
	var since time.Time
	if value := r.URL.Query().Get("since"); value != "" {
		parsed, err := time.Parse(time.RFC3339, value)
		if err != nil {
			return validationFailed("IssueComment", "invalid", "since")
		}
		since = parsed
	}
	var matching []Comment
	for _, c := range found.Comments {
		if !c.CreatedAt.Before(since) {
			matching = append(matching, c)
		}
	}
	urls := s.bases(r.Host)
	return paginate(s, r, matching, func(page []Comment) any {
		out := []map[string]any{}
		for _, c := range page {
			out = append(out, commentJSON(urls, repo, found, c))
		}
		return out
	})
}

// POST /repos/{owner}/{repo}/issues/{issue_number}/comments, by the
// workflow's token. A body over GitHub's limit gets the 422 recorded since
// 2021 (telia-oss/github-pr-resource#259, jmikedupont2/ai-ticket#51),
// which differs from the issue's: code unprocessable on field data.
func (s *Server) createComment(r *http.Request, repo *repository) Response {
	found, resp, ok := requestedIssue(r, repo, createCommentDocsURL)
	if !ok {
		return resp
	}
	var body struct {
		Body json.RawMessage `json:"body"`
	}
	if resp, ok := decodeBody(r, &body); !ok {
		return resp
	}
	var text string
	if json.Unmarshal(body.Body, &text) != nil || text == "" {
		return validationFailedAt(createCommentDocsURL, map[string]string{"resource": "IssueComment", "code": "missing_field", "field": "body"})
	}
	if utf8.RuneCountInString(text) > maxBody {
		return validationFailedAt(createCommentDocsURL, map[string]string{
			"resource": "IssueComment", "code": "unprocessable", "field": "data",
			"message": "Body is too long (maximum is " + strconv.Itoa(maxBody) + " characters)",
		})
	}
	now := s.now()
	created := Comment{ID: s.nextID(), Body: text, User: actorLogin, CreatedAt: now}
	found.Comments = append(found.Comments, created)
	found.updatedAt = now
	return s.jsonResponse(http.StatusCreated, commentJSON(s.bases(r.Host), repo, found, created))
}
