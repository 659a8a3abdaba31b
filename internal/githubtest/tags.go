package githubtest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// tagObject is the git object of an annotated tag, which refs/tags/<tag>
// points at instead of the commit.
type tagObject struct {
	sha        string
	tag        string
	message    string
	object     string // the sha of what it tags, always a commit in the fake
	objectType string
	tagger     tagger
}

type tagger struct {
	name, email string
	date        time.Time
}

// defaultTagger is who GitHub records as the tagger when a request names
// none: the user of the token, here a workflow's GITHUB_TOKEN.
func defaultTagger(now time.Time) tagger {
	return tagger{name: "github-actions[bot]", email: "41898282+github-actions[bot]@users.noreply.github.com", date: now}
}

// TagObject is an annotated tag: the git object refs/tags/<Tag> points at.
type TagObject struct {
	// SHA is the tag object's own sha, which the ref holds.
	SHA     string
	Tag     string
	Message string
	// Commit is the commit the tag object tags.
	Commit string
}

// newTagObject makes the object as git would, so that its sha is git's:
// the same content always has the same sha.
func newTagObject(tag, message, object, objectType string, by tagger) *tagObject {
	by.date = by.date.UTC().Truncate(time.Second)
	content := fmt.Sprintf("object %s\ntype %s\ntag %s\ntagger %s <%s> %d +0000\n\n%s",
		object, objectType, tag, by.name, by.email, by.date.Unix(), message)
	sum := sha1.Sum(fmt.Appendf(nil, "tag %d\x00%s", len(content), content))
	return &tagObject{sha: hex.EncodeToString(sum[:]), tag: tag, message: message, object: object, objectType: objectType, tagger: by}
}

// SetAnnotatedTag makes an annotated tag in repo ("owner/name"), as
// `git tag -a` then a push would: a tag object for commitSHA, tagged now by
// github-actions[bot], and refs/tags/<tag> pointing at it. It makes the
// commit exist (see AddCommit) and returns the tag object's sha.
func (s *Server) SetAnnotatedTag(repo, tag, commitSHA, message string) string {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepository(repo)
	now := s.now()
	r.addCommit(commitSHA, now)
	object := newTagObject(tag, message, strings.ToLower(commitSHA), "commit", defaultTagger(now))
	r.tagObjects[object.sha] = object
	r.refs["refs/tags/"+tag] = object.sha
	return object.sha
}

// TagObject returns the tag object refs/tags/<tag> of repo points at; false
// when the tag is lightweight or does not exist.
func (s *Server) TagObject(repo, tag string) (TagObject, bool) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepository(repo)
	object, ok := r.tagObjects[r.refs["refs/tags/"+tag]]
	if !ok {
		return TagObject{}, false
	}
	return TagObject{SHA: object.sha, Tag: object.tag, Message: object.message, Commit: object.object}, true
}

// peel gives the commit an annotated tag's object tags, as git's ^{} does;
// any other sha is its own. The fake's tag objects tag only commits, so
// one step is enough. The caller holds s.mu.
func (repo *repository) peel(sha string) string {
	if object, ok := repo.tagObjects[sha]; ok {
		return object.object
	}
	return sha
}

// POST /repos/{owner}/{repo}/git/tags: the tag object only; the ref that
// makes it a tag is a separate POST git/refs, as on GitHub.
func (s *Server) createTagObject(r *http.Request, repo *repository) Response {
	var body struct {
		Tag     *string `json:"tag"`
		Message *string `json:"message"`
		Object  *string `json:"object"`
		Type    *string `json:"type"`
		Tagger  *struct {
			Name  *string `json:"name"`
			Email *string `json:"email"`
			Date  string  `json:"date"`
		} `json:"tagger"`
	}
	if resp, ok := decodeBody(r, &body); !ok {
		return resp
	}
	if resp, ok := supplied(map[string]bool{"tag": body.Tag != nil, "message": body.Message != nil, "object": body.Object != nil, "type": body.Type != nil}); !ok {
		return resp
	}
	by := defaultTagger(s.now())
	if body.Tagger != nil {
		if resp, ok := supplied(map[string]bool{"name": body.Tagger.Name != nil, "email": body.Tagger.Email != nil}); !ok {
			return resp
		}
		by.name, by.email = *body.Tagger.Name, *body.Tagger.Email
		if body.Tagger.Date != "" {
			date, err := time.Parse(time.RFC3339, body.Tagger.Date)
			if err != nil {
				return Unprocessable(fmt.Sprintf("Invalid request.\n\nFor 'properties/date', %q is not a date-time.", body.Tagger.Date))
			}
			by.date = date
		}
	}
	// The fake knows commits only, so a tree or blob never exists either.
	object := strings.ToLower(*body.Object)
	if _, exists := repo.commits[object]; !exists || *body.Type != "commit" {
		return errorResponse(http.StatusUnprocessableEntity, nil, errorBody{Message: "Object does not exist", DocumentationURL: tagDocsURL, Status: "422"})
	}
	created := newTagObject(*body.Tag, *body.Message, object, *body.Type, by)
	repo.tagObjects[created.sha] = created
	urls := s.bases(r.Host)
	resp := s.jsonResponse(http.StatusCreated, tagObjectJSON(urls, repo, created))
	resp.Header = map[string]string{"Location": tagObjectURL(urls, repo, created.sha)}
	return resp
}

// tagDocsURL is where GitHub's errors for POST git/tags point.
const tagDocsURL = "https://docs.github.com/rest/git/tags#create-a-tag-object"

// supplied is GitHub's 422 for required keys missing from a body, which
// names them all, sorted: `"message", "tag" weren't supplied.`
func supplied(present map[string]bool) (Response, bool) {
	var missing []string
	for key, ok := range present {
		if !ok {
			missing = append(missing, `"`+key+`"`)
		}
	}
	switch len(missing) {
	case 0:
		return Response{}, true
	case 1:
		return Unprocessable("Invalid request.\n\n" + missing[0] + " wasn't supplied."), false
	default:
		slices.Sort(missing)
		return Unprocessable("Invalid request.\n\n" + strings.Join(missing, ", ") + " weren't supplied."), false
	}
}

// GET /repos/{owner}/{repo}/git/tags/{tag_sha}
func (s *Server) getTagObject(r *http.Request, repo *repository) Response {
	object, ok := repo.tagObjects[strings.ToLower(r.PathValue("tag_sha"))]
	if !ok {
		return NotFound()
	}
	return s.jsonResponse(http.StatusOK, tagObjectJSON(s.bases(r.Host), repo, object))
}

func tagObjectURL(urls bases, repo *repository, sha string) string {
	return urls.api + "/repos/" + repo.fullName() + "/git/tags/" + sha
}

// tagObjectJSON is a tag object as GitHub shows it; the fake signs nothing.
func tagObjectJSON(urls bases, repo *repository, object *tagObject) map[string]any {
	return map[string]any{
		"node_id": nodeID("Tag", object.sha),
		"tag":     object.tag,
		"sha":     object.sha,
		"url":     tagObjectURL(urls, repo, object.sha),
		"message": object.message,
		"tagger": map[string]any{
			"name":  object.tagger.name,
			"email": object.tagger.email,
			"date":  githubTime(object.tagger.date),
		},
		"object": map[string]any{
			"type": object.objectType,
			"sha":  object.object,
			"url":  urls.api + "/repos/" + repo.fullName() + "/git/commits/" + object.object,
		},
		"verification": map[string]any{
			"verified":    false,
			"reason":      "unsigned",
			"signature":   nil,
			"payload":     nil,
			"verified_at": nil,
		},
	}
}
