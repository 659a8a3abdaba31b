package githubtest

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// GitHub's documentation of the label endpoints, where their errors point.
const (
	getLabelDocsURL    = "https://docs.github.com/rest/issues/labels#get-a-label"
	createLabelDocsURL = "https://docs.github.com/rest/issues/labels#create-a-label"
)

// GitHub's limits on a label (github/docs#32156, and what the web form
// allows).
const (
	maxLabelName        = 50
	maxLabelDescription = 100
)

// createdLabelColor is the color GitHub gives a label it creates because an
// issue named it (@octokit/fixtures add-labels-to-issue, github/docs#35718).
const createdLabelColor = "ededed"

var labelColor = regexp.MustCompile(`^[0-9a-fA-F]{6}$`)

// label is a repository's label. A description of "" shows as null.
type label struct {
	id          int64
	name        string
	color       string
	description string
	isDefault   bool
}

// defaultLabels are those GitHub gives a new repository, as @octokit/fixtures
// (labels) lists them.
var defaultLabels = []label{
	{name: "bug", color: "d73a4a", description: "Something isn't working"},
	{name: "documentation", color: "0075ca", description: "Improvements or additions to documentation"},
	{name: "duplicate", color: "cfd3d7", description: "This issue or pull request already exists"},
	{name: "enhancement", color: "a2eeef", description: "New feature or request"},
	{name: "good first issue", color: "7057ff", description: "Good for newcomers"},
	{name: "help wanted", color: "008672", description: "Extra attention is needed"},
	{name: "invalid", color: "e4e669", description: "This doesn't seem right"},
	{name: "question", color: "d876e3", description: "Further information is requested"},
	{name: "wontfix", color: "ffffff", description: "This will not be worked on"},
}

// repoLabels are repo's labels, GitHub's defaults until anything changes
// them; they are made on first use, so that a repository that never sees
// one takes no IDs. The caller holds s.mu.
func (s *Server) repoLabels(repo *repository) []*label {
	if repo.labels == nil {
		for _, l := range defaultLabels {
			l.id, l.isDefault = s.nextID(), true
			repo.labels = append(repo.labels, &l)
		}
	}
	return repo.labels
}

// findLabel is repo's label called name, matched case-insensitively as
// GitHub matches label names, or nil. The caller holds s.mu.
func (s *Server) findLabel(repo *repository, name string) *label {
	for _, l := range s.repoLabels(repo) {
		if strings.EqualFold(l.name, name) {
			return l
		}
	}
	return nil
}

// labelFor is repo's label called name, which GitHub creates, with its color
// for such labels and no description, when an issue names one that does not
// exist. The caller holds s.mu.
func (s *Server) labelFor(repo *repository, name string) *label {
	if l := s.findLabel(repo, name); l != nil {
		return l
	}
	created := &label{id: s.nextID(), name: name, color: createdLabelColor}
	repo.labels = append(repo.labels, created)
	return created
}

// Labels returns the names of the labels repo has, in the order they were
// made: GitHub's defaults for a new repository (bug, documentation …),
// then those created since, by POST labels or by an issue naming them.
func (s *Server) Labels(repo string) []string {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for _, l := range s.repoLabels(s.mustRepository(repo)) {
		names = append(names, l.name)
	}
	return names
}

func labelJSON(urls bases, repo *repository, l *label) map[string]any {
	var description any
	if l.description != "" {
		description = l.description
	}
	return map[string]any{
		"id":          l.id,
		"node_id":     nodeID("Label", l.id),
		"url":         urls.api + "/repos/" + repo.fullName() + "/labels/" + url.PathEscape(l.name),
		"name":        l.name,
		"color":       l.color,
		"default":     l.isDefault,
		"description": description,
	}
}

// GET /repos/{owner}/{repo}/labels/{name}
func (s *Server) getLabel(r *http.Request, repo *repository) Response {
	l := s.findLabel(repo, r.PathValue("name"))
	if l == nil {
		return notFoundAt(getLabelDocsURL)
	}
	return s.jsonResponse(http.StatusOK, labelJSON(s.bases(r.Host), repo, l))
}

// POST /repos/{owner}/{repo}/labels: 422 for a name that exists in any
// case, and for the limits of GitHub's web form. A label without a color
// gets the one GitHub gives the labels it creates.
func (s *Server) createLabel(r *http.Request, repo *repository) Response {
	var body struct {
		Name        string  `json:"name"`
		Color       *string `json:"color"`
		Description string  `json:"description"`
	}
	if resp, ok := decodeBody(r, &body); !ok {
		return resp
	}
	color := createdLabelColor
	if body.Color != nil {
		color = strings.TrimPrefix(*body.Color, "#")
	}
	refuse := func(problem map[string]string) Response {
		problem["resource"] = "Label"
		return validationFailedAt(createLabelDocsURL, problem)
	}
	switch {
	case body.Name == "":
		return refuse(map[string]string{"code": "missing_field", "field": "name"})
	case utf8.RuneCountInString(body.Name) > maxLabelName:
		return refuse(tooLong("name", maxLabelName))
	case !labelColor.MatchString(color):
		// @octokit/fixtures, errors.
		return refuse(map[string]string{"code": "invalid", "field": "color"})
	case utf8.RuneCountInString(body.Description) > maxLabelDescription:
		return refuse(tooLong("description", maxLabelDescription))
	case s.findLabel(repo, body.Name) != nil:
		return refuse(map[string]string{"code": "already_exists", "field": "name"})
	}
	created := &label{id: s.nextID(), name: body.Name, color: color, description: body.Description}
	repo.labels = append(s.repoLabels(repo), created)
	return s.jsonResponse(http.StatusCreated, labelJSON(s.bases(r.Host), repo, created))
}

// tooLong is the entry of GitHub's 422 for a field longer than it takes,
// as it answers for a label's name (github/docs#32156) and an issue's body
// (trstringer/manual-approval#89).
func tooLong(field string, maximum int) map[string]string {
	return map[string]string{"code": "custom", "field": field, "message": field + " is too long (maximum is " + itoa(int64(maximum)) + " characters)"}
}
