package githubtest

import (
	"encoding/json"
	"errors"
	"net/http"
)

// Dispatch is a repository_dispatch event the fake received.
type Dispatch struct {
	// Repository is the target as added to the server: "owner/name".
	Repository    string
	EventType     string
	ClientPayload map[string]any
}

// Dispatches returns the repository_dispatch events received so far, in
// order.
func (s *Server) Dispatches() []Dispatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Dispatch(nil), s.dispatches...)
}

func (s *Server) createDispatch(w http.ResponseWriter, r *http.Request) {
	var body struct {
		EventType     string         `json:"event_type"`
		ClientPayload map[string]any `json:"client_payload"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		var syntaxErr *json.SyntaxError
		if errors.As(err, &syntaxErr) {
			s.respond(w, problemsParsingJSON())
			return
		}
		s.respond(w, Unprocessable("Invalid request.\n\n\"event_type\" must be a string and \"client_payload\" an object."))
		return
	}
	if body.EventType == "" {
		s.respond(w, Unprocessable("Invalid request.\n\n\"event_type\" wasn't supplied."))
		return
	}

	s.mu.Lock()
	repo := s.repository(r.PathValue("owner"), r.PathValue("repo"))
	if repo != nil {
		s.dispatches = append(s.dispatches, Dispatch{
			Repository:    repo.fullName(),
			EventType:     body.EventType,
			ClientPayload: body.ClientPayload,
		})
	}
	s.mu.Unlock()
	if repo == nil {
		s.notFound(w, r)
		return
	}
	w.Header().Del("Content-Type") // GitHub sends no body, so no type, with a 204.
	w.WriteHeader(http.StatusNoContent)
}
