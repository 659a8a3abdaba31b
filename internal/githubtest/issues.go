package githubtest

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// GitHub's documentation of the issue endpoints, where their errors point.
const (
	getIssueDocsURL    = "https://docs.github.com/rest/issues/issues#get-an-issue"
	createIssueDocsURL = "https://docs.github.com/rest/issues/issues#create-an-issue"
	updateIssueDocsURL = "https://docs.github.com/rest/issues/issues#update-an-issue"
)

// GitHub's limits on an issue: a title of 256 characters, and a body, like
// a comment's, of 65536.
const (
	maxIssueTitle = 256
	maxBody       = 65536
)

// Issue is an issue of a repository; see AddIssue.
type Issue struct {
	// Number is the issue's number, which issues and pull requests share.
	Number int
	Title  string
	Body   string
	// State is "open" or "closed".
	State string
	// StateReason is "", "completed", "not_planned", "duplicate" or
	// "reopened".
	StateReason string
	// Labels are the names of the issue's labels, each a label of the
	// repository.
	Labels   []string
	Comments []Comment
	// ClosedAt is zero while the issue is open.
	CreatedAt, ClosedAt time.Time
}

// Comment is a comment on an issue.
type Comment struct {
	ID   int64
	Body string
	// User is the login of the comment's author.
	User      string
	CreatedAt time.Time
}

type issue struct {
	Issue
	id        int64
	updatedAt time.Time
}

// clone is a deep copy of the issue, for a test to keep.
func (i *issue) clone() Issue {
	out := i.Issue
	out.Labels = slices.Clone(i.Labels)
	out.Comments = slices.Clone(i.Comments)
	return out
}

// AddIssue plants an issue in repo, as if the workflow's token had created
// it, and returns it as kept. Number, when 0, is the one after the highest
// given (the first is 1), and a number taken fails the test; State
// defaults to open, CreatedAt to the clock's time, and a closed issue's
// ClosedAt to the clock's time and StateReason to completed. Labels the
// repository does not have are created, as GitHub creates those an issue
// names. A comment's ID is given when 0, its User defaults to the
// workflow's token and its CreatedAt to the clock's time.
func (s *Server) AddIssue(repo string, i Issue) Issue {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepository(repo)
	now := s.now()
	switch i.State {
	case "":
		i.State = "open"
	case "open", "closed":
	default:
		s.t.Fatalf("githubtest: add issue %q to %s: state %q, want open or closed", i.Title, repo, i.State)
	}
	switch {
	case i.Number <= 0:
		i.Number = r.lastNumber + 1
	case r.issue(i.Number) != nil:
		s.t.Fatalf("githubtest: add issue %q to %s: number %d is taken", i.Title, repo, i.Number)
	}
	r.lastNumber = max(r.lastNumber, i.Number)
	if i.CreatedAt.IsZero() {
		i.CreatedAt = now
	}
	if i.State == "closed" && i.ClosedAt.IsZero() {
		i.ClosedAt = now
	}
	if i.State == "closed" && i.StateReason == "" {
		i.StateReason = "completed"
	}
	i.Labels = s.labelNames(r, i.Labels)
	i.Comments = slices.Clone(i.Comments)
	updated := i.CreatedAt
	for n := range i.Comments {
		c := &i.Comments[n]
		if c.ID == 0 {
			c.ID = s.nextID()
		}
		if c.User == "" {
			c.User = actorLogin
		}
		if c.CreatedAt.IsZero() {
			c.CreatedAt = now
		}
		updated = maxTime(updated, c.CreatedAt)
	}
	planted := &issue{Issue: i, id: s.nextID(), updatedAt: maxTime(updated, i.ClosedAt)}
	r.issues = append(r.issues, planted)
	slices.SortFunc(r.issues, func(a, b *issue) int { return cmp.Compare(a.Number, b.Number) })
	return planted.clone()
}

// Issues returns every issue of repo, by number, each a copy.
func (s *Server) Issues(repo string) []Issue {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Issue
	for _, i := range s.mustRepository(repo).issues {
		out = append(out, i.clone())
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// issue is repo's issue number, or nil. The caller holds s.mu.
func (repo *repository) issue(number int) *issue {
	for _, i := range repo.issues {
		if i.Number == number {
			return i
		}
	}
	return nil
}

// labelNames are the repository's labels called names, created when
// missing, each once, in the case the repository spells them. The caller
// holds s.mu.
func (s *Server) labelNames(repo *repository, names []string) []string {
	out := []string{}
	for _, name := range names {
		if l := s.labelFor(repo, name); !slices.Contains(out, l.name) {
			out = append(out, l.name)
		}
	}
	return out
}

func (s *Server) issueJSON(urls bases, repo *repository, i *issue) map[string]any {
	issueAPI := urls.api + "/repos/" + repo.fullName() + "/issues/" + strconv.Itoa(i.Number)
	labels := []map[string]any{}
	for _, name := range i.Labels {
		labels = append(labels, labelJSON(urls, repo, s.findLabel(repo, name)))
	}
	var body, stateReason, closedBy any
	if i.Body != "" {
		body = i.Body
	}
	if i.StateReason != "" {
		stateReason = i.StateReason
	}
	if i.State == "closed" {
		closedBy = actor(urls)
	}
	return map[string]any{
		"url":                      issueAPI,
		"repository_url":           urls.api + "/repos/" + repo.fullName(),
		"labels_url":               issueAPI + "/labels{/name}",
		"comments_url":             issueAPI + "/comments",
		"events_url":               issueAPI + "/events",
		"timeline_url":             issueAPI + "/timeline",
		"html_url":                 urls.web + "/" + repo.fullName() + "/issues/" + strconv.Itoa(i.Number),
		"id":                       i.id,
		"node_id":                  nodeID("Issue", i.id),
		"number":                   i.Number,
		"title":                    i.Title,
		"user":                     actor(urls),
		"labels":                   labels,
		"state":                    i.State,
		"state_reason":             stateReason,
		"locked":                   false,
		"active_lock_reason":       nil,
		"assignee":                 nil,
		"assignees":                []any{},
		"milestone":                nil,
		"comments":                 len(i.Comments),
		"created_at":               githubTime(i.CreatedAt),
		"updated_at":               githubTime(i.updatedAt),
		"closed_at":                nullableTime(i.ClosedAt),
		"closed_by":                closedBy,
		"author_association":       "NONE",
		"body":                     body,
		"performed_via_github_app": nil,
		"reactions":                reactionsJSON(issueAPI),
	}
}

// reactionsJSON is the summary of no reactions to what lives at api.
func reactionsJSON(api string) map[string]any {
	return map[string]any{
		"url": api + "/reactions", "total_count": 0,
		"+1": 0, "-1": 0, "laugh": 0, "hooray": 0, "confused": 0, "heart": 0, "rocket": 0, "eyes": 0,
	}
}

// GET /repos/{owner}/{repo}/issues: filtered by state (open unless asked),
// labels (all of them, in any case) and since (updated at or after),
// sorted by created (the default), updated or comments, newest first
// unless direction is asc.
func (s *Server) listIssues(r *http.Request, repo *repository) Response {
	query := r.URL.Query()
	state := cmp.Or(query.Get("state"), "open")
	var since time.Time
	if value := query.Get("since"); value != "" {
		parsed, err := time.Parse(time.RFC3339, value)
		if err != nil {
			return validationFailed("Issue", "invalid", "since")
		}
		since = parsed
	}
	var wanted []string
	for name := range strings.SplitSeq(query.Get("labels"), ",") {
		if name = strings.TrimSpace(name); name != "" {
			wanted = append(wanted, name)
		}
	}
	var matching []*issue
	for _, i := range repo.issues {
		switch {
		case state != "all" && i.State != state:
		case i.updatedAt.Before(since):
		case !hasLabels(i.Labels, wanted):
		default:
			matching = append(matching, i)
		}
	}
	key := func(i *issue) int64 { return i.CreatedAt.UnixNano() }
	switch query.Get("sort") {
	case "updated":
		key = func(i *issue) int64 { return i.updatedAt.UnixNano() }
	case "comments":
		key = func(i *issue) int64 { return int64(len(i.Comments)) }
	}
	slices.SortStableFunc(matching, func(a, b *issue) int {
		order := cmp.Or(cmp.Compare(key(a), key(b)), cmp.Compare(a.Number, b.Number))
		if query.Get("direction") != "asc" {
			order = -order
		}
		return order
	})
	urls := s.bases(r.Host)
	return paginate(s, r, matching, func(page []*issue) any {
		out := []map[string]any{}
		for _, i := range page {
			out = append(out, s.issueJSON(urls, repo, i))
		}
		return out
	})
}

// hasLabels tells whether labels holds every one of wanted, in any case.
func hasLabels(labels, wanted []string) bool {
	for _, name := range wanted {
		if !slices.ContainsFunc(labels, func(l string) bool { return strings.EqualFold(l, name) }) {
			return false
		}
	}
	return true
}

// issueFields are the fields of POST and PATCH issues the fake keeps.
// Each is raw, to tell a field left out from one sent as null, and a title
// or label from the other types GitHub takes for them.
type issueFields struct {
	Title       json.RawMessage   `json:"title"`
	Body        json.RawMessage   `json:"body"`
	State       *string           `json:"state"`
	StateReason *string           `json:"state_reason"`
	Labels      []json.RawMessage `json:"labels"`
}

// title is the title sent, which GitHub takes as a string or a number,
// and whether one was.
func (f issueFields) title() (string, bool) {
	var title any
	if json.Unmarshal(f.Title, &title) != nil || title == nil {
		return "", false
	}
	if number, ok := title.(float64); ok {
		return strconv.FormatFloat(number, 'f', -1, 64), true
	}
	text, ok := title.(string)
	return text, ok
}

// body is the body sent, "" for null, and whether one was.
func (f issueFields) body() (string, bool) {
	var body *string
	if json.Unmarshal(f.Body, &body) != nil {
		return "", false
	}
	if body == nil {
		return "", true
	}
	return *body, true
}

// labelNames are the labels sent, each a name or an object with one.
func (f issueFields) labelNames() []string {
	var names []string
	for _, raw := range f.Labels {
		var named struct {
			Name string `json:"name"`
		}
		var name string
		switch {
		case json.Unmarshal(raw, &name) == nil:
		case json.Unmarshal(raw, &named) == nil:
			name = named.Name
		}
		if name != "" {
			names = append(names, name)
		}
	}
	return names
}

// refusal is GitHub's 422 for fields it does not take, pointing at docs,
// or false when it takes them.
func (f issueFields) refusal(docs string) (Response, bool) {
	title, _ := f.title()
	body, _ := f.body()
	switch {
	case utf8.RuneCountInString(title) > maxIssueTitle:
		return issueRefusal(docs, tooLong("title", maxIssueTitle)), true
	case utf8.RuneCountInString(body) > maxBody:
		return issueRefusal(docs, tooLong("body", maxBody)), true
	}
	for _, name := range f.labelNames() {
		if utf8.RuneCountInString(name) > maxLabelName {
			// The label an issue would create is refused as the label's
			// own, with the name (hashicorp/terraform-provider-google#16746,
			// semantic-release/github#518).
			return validationFailedAt(docs, map[string]string{"value": name, "resource": "Label", "field": "name", "code": "invalid"}), true
		}
	}
	return Response{}, false
}

func issueRefusal(docs string, problem map[string]string) Response {
	problem["resource"] = "Issue"
	return validationFailedAt(docs, problem)
}

// POST /repos/{owner}/{repo}/issues: by the workflow's token, creating the
// labels it names that the repository does not have.
func (s *Server) createIssue(r *http.Request, repo *repository) Response {
	var fields issueFields
	if resp, ok := decodeBody(r, &fields); !ok {
		return resp
	}
	title, _ := fields.title()
	if title == "" {
		return issueRefusal(createIssueDocsURL, map[string]string{"code": "missing_field", "field": "title"})
	}
	if resp, refused := fields.refusal(createIssueDocsURL); refused {
		return resp
	}
	body, _ := fields.body()
	now := s.now()
	repo.lastNumber++
	created := &issue{
		Issue: Issue{
			Number:    repo.lastNumber,
			Title:     title,
			Body:      body,
			State:     "open",
			Labels:    s.labelNames(repo, fields.labelNames()),
			CreatedAt: now,
		},
		id:        s.nextID(),
		updatedAt: now,
	}
	repo.issues = append(repo.issues, created)
	return s.jsonResponse(http.StatusCreated, s.issueJSON(s.bases(r.Host), repo, created))
}

// requestedIssue is the issue the path names, or GitHub's 404 pointing at
// docs. The caller holds s.mu.
func requestedIssue(r *http.Request, repo *repository, docs string) (*issue, Response, bool) {
	number, err := strconv.Atoi(r.PathValue("issue_number"))
	if found := repo.issue(number); err == nil && found != nil {
		return found, Response{}, true
	}
	return nil, notFoundAt(docs), false
}

// GET /repos/{owner}/{repo}/issues/{issue_number}
func (s *Server) getIssue(r *http.Request, repo *repository) Response {
	found, resp, ok := requestedIssue(r, repo, getIssueDocsURL)
	if !ok {
		return resp
	}
	return s.jsonResponse(http.StatusOK, s.issueJSON(s.bases(r.Host), repo, found))
}

// PATCH /repos/{owner}/{repo}/issues/{issue_number}: labels sent replace
// the issue's, created as POST creates them. Closing sets closed_at and,
// unless sent, state_reason completed; reopening clears closed_at and
// sets state_reason reopened; state_reason without a change of state is
// ignored, as GitHub's description says.
func (s *Server) updateIssue(r *http.Request, repo *repository) Response {
	found, resp, ok := requestedIssue(r, repo, updateIssueDocsURL)
	if !ok {
		return resp
	}
	var fields issueFields
	if resp, ok := decodeBody(r, &fields); !ok {
		return resp
	}
	if resp, refused := fields.refusal(updateIssueDocsURL); refused {
		return resp
	}
	if state := fields.State; state != nil && *state != "open" && *state != "closed" {
		return issueRefusal(updateIssueDocsURL, map[string]string{"code": "invalid", "field": "state"})
	}
	now := s.now()
	if title, sent := fields.title(); sent && title != "" {
		found.Title = title
	}
	if body, sent := fields.body(); sent {
		found.Body = body
	}
	if fields.Labels != nil {
		found.Labels = s.labelNames(repo, fields.labelNames())
	}
	reason := ""
	if fields.StateReason != nil {
		reason = *fields.StateReason
	}
	switch {
	case fields.State == nil || *fields.State == found.State:
	case *fields.State == "closed":
		found.State, found.ClosedAt, found.StateReason = "closed", now, cmp.Or(reason, "completed")
	default:
		found.State, found.ClosedAt, found.StateReason = "open", time.Time{}, "reopened"
	}
	found.updatedAt = now
	return s.jsonResponse(http.StatusOK, s.issueJSON(s.bases(r.Host), repo, found))
}
