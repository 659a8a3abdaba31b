package githubtest

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
)

// Dispatch is a repository_dispatch event the fake received.
type Dispatch struct {
	// Repository is the target as added to the server: "owner/name".
	Repository    string
	EventType     string
	ClientPayload map[string]any
}

// WithDispatchRuns makes every repository_dispatch start a run of the
// receiving repository, titled by runName, as an orchestrator whose
// workflow sets run-name from the payload does; scripted by
// ScriptNextRuns like a workflow_dispatch run.
func WithDispatchRuns(runName func(eventType string, payload map[string]any) string) Option {
	return func(s *Server) { s.dispatchRunName = runName }
}

// HideNewRunsFor keeps each run that a later dispatch starts out of the
// next n listings of runs, as GitHub lists a new run only after a moment.
func (s *Server) HideNewRunsFor(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hideRunsFor = n
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
		if s.dispatchRunName != nil {
			s.startDispatchRun(repo, body.EventType, body.ClientPayload)
		}
	}
	s.mu.Unlock()
	if repo == nil {
		s.notFound(w, r)
		return
	}
	w.Header().Del("Content-Type") // GitHub sends no body, so no type, with a 204.
	w.WriteHeader(http.StatusNoContent)
}

// startDispatchRun adds the run a repository_dispatch starts. The caller
// holds s.mu.
func (s *Server) startDispatchRun(repo *repository, eventType string, payload map[string]any) {
	status, conclusion := s.startingState()
	started := s.addRun(repo, Run{
		WorkflowID:   "release_orchestrator.yml",
		Name:         "Release Orchestrator",
		DisplayTitle: s.dispatchRunName(eventType, payload),
		Event:        "repository_dispatch",
		Status:       status,
		Conclusion:   conclusion,
		HeadBranch:   repo.defaultBranch,
	}, slices.Clone(s.nextRunScript))
	started.listedFrom = s.runListings + s.hideRunsFor + 1
}
