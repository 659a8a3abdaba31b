package githubtest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// handler answers a request about one repository. It runs under s.mu, so it
// reads and changes the repository's state at will; the response it returns
// is written once the lock is released.
type handler func(r *http.Request, repo *repository) Response

func (s *Server) withRepository(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		repo := s.repository(r.PathValue("owner"), r.PathValue("repo"))
		resp := NotFound()
		if repo != nil {
			resp = h(r, repo)
		}
		s.mu.Unlock()
		s.respond(w, resp)
	}
}

// mustRepository returns the repository fullName for a setter such as
// SetTag, failing the test when it was never added. The caller holds s.mu.
func (s *Server) mustRepository(fullName string) *repository {
	s.t.Helper()
	owner, name, _ := strings.Cut(fullName, "/")
	repo := s.repository(owner, name)
	if repo == nil {
		s.t.Fatalf("githubtest: repository %q was not added: use WithRepository or AddRepository first", fullName)
	}
	return repo
}

// nextID hands out the IDs of everything the fake creates, unique across
// kinds as GitHub's are in practice. The caller holds s.mu.
func (s *Server) nextID() int64 {
	s.lastID++
	return s.lastID
}

func (s *Server) jsonResponse(status int, v any) Response {
	body, err := json.Marshal(v)
	if err != nil {
		s.t.Errorf("githubtest: encode a response: %v", err)
		return Response{Status: http.StatusInternalServerError, Body: `{"message":"Server Error"}`}
	}
	return Response{Status: status, Body: string(body)}
}

func noContent() Response {
	return Response{Status: http.StatusNoContent}
}

// decodeBody decodes a JSON request body into v; when it cannot, it returns
// GitHub's answer for such a body. An empty body counts as {}.
func decodeBody(r *http.Request, v any) (Response, bool) {
	err := json.NewDecoder(r.Body).Decode(v)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil, errors.Is(err, io.EOF):
		return Response{}, true
	case errors.As(err, &typeErr):
		return Unprocessable(fmt.Sprintf("Invalid request.\n\nFor '%s', %s is not a %s.", typeErr.Field, typeErr.Value, typeErr.Type)), false
	default:
		return problemsParsingJSON(), false
	}
}

// validationFailed is GitHub's 422 for one invalid field.
func validationFailed(resource, code, field string) Response {
	return Unprocessable("Validation Failed", map[string]string{"resource": resource, "code": code, "field": field})
}

// validationFailedAt is GitHub's 422 Validation Failed, pointing at the
// documentation of the endpoint that refused, as newer endpoints' do.
func validationFailedAt(docs string, problems ...map[string]string) Response {
	return errorResponse(http.StatusUnprocessableEntity, nil, errorBody{Message: "Validation Failed", Errors: problems, DocumentationURL: docs, Status: "422"})
}

// notFoundAt is GitHub's 404, pointing at the documentation of the
// endpoint that did not find what the path names.
func notFoundAt(docs string) Response {
	return errorResponse(http.StatusNotFound, nil, errorBody{Message: "Not Found", DocumentationURL: docs, Status: "404"})
}

func itoa(id int64) string {
	return strconv.FormatInt(id, 10)
}

// githubTime formats t the way GitHub's JSON does.
func githubTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// nullableTime is a timestamp that GitHub sends as null until it is set.
func nullableTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return githubTime(t)
}

// nodeID makes a GraphQL node ID of the old, readable form, for the object
// of kind identified by key.
func nodeID(kind string, key any) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "0%d:%s%v", len(kind), kind, key))
}

// actor is the user GitHub names as the author of what the fake creates: a
// workflow's GITHUB_TOKEN.
func actor(urls bases) map[string]any {
	return userJSON(urls, actorLogin)
}
