package githubtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// The standalone server's control routes, outside /api/v3 where no GitHub
// route is: for a script that plays workflows against it (under act), to
// read what it received and to plant what GitHub would know of a run the
// script started outside the fake.
const (
	controlPrefix = "/_fake/"
	// GET: the dispatches received, to play the workflow a dispatch
	// starts, as GitHub would, with the payload or inputs sent.
	dispatchesPath = controlPrefix + "dispatches"
	// POST: a workflow run under the id the runner gave it
	// (GITHUB_RUN_ID), with its jobs and their logs, before a step of
	// that run asks for them.
	runsPath = controlPrefix + "runs"
	// POST: a known commit's message, author and changed files.
	commitsPath = controlPrefix + "commits"
)

// maxControlBody bounds what a control request may send: job logs
// included, a few megabytes at most.
const maxControlBody = 16 << 20

// controlled serves the control routes and hands every other request to
// next.
func (s *Server) controlled(next http.Handler) http.Handler {
	control := http.NewServeMux()
	control.HandleFunc("GET "+dispatchesPath, s.listDispatchesControl)
	control.HandleFunc("POST "+runsPath, s.plantRunControl)
	control.HandleFunc("POST "+commitsPath, s.plantCommitControl)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, controlPrefix) {
			next.ServeHTTP(w, r)
			return
		}
		control.ServeHTTP(w, r)
	})
}

// dispatchesJSON is what GET /_fake/dispatches answers.
type dispatchesJSON struct {
	RepositoryDispatches []repositoryDispatchJSON `json:"repository_dispatches"`
	WorkflowDispatches   []workflowDispatchJSON   `json:"workflow_dispatches"`
}

type repositoryDispatchJSON struct {
	Repository    string         `json:"repository"`
	EventType     string         `json:"event_type"`
	ClientPayload map[string]any `json:"client_payload"`
}

type workflowDispatchJSON struct {
	Repository string         `json:"repository"`
	Workflow   string         `json:"workflow"`
	Ref        string         `json:"ref"`
	Inputs     map[string]any `json:"inputs"`
}

// GET /_fake/dispatches
func (s *Server) listDispatchesControl(w http.ResponseWriter, _ *http.Request) {
	answer := dispatchesJSON{RepositoryDispatches: []repositoryDispatchJSON{}, WorkflowDispatches: []workflowDispatchJSON{}}
	for _, d := range s.Dispatches() {
		answer.RepositoryDispatches = append(answer.RepositoryDispatches, repositoryDispatchJSON{d.Repository, d.EventType, d.ClientPayload})
	}
	for _, d := range s.WorkflowDispatches() {
		answer.WorkflowDispatches = append(answer.WorkflowDispatches, workflowDispatchJSON{d.Repository, d.Workflow, d.Ref, d.Inputs})
	}
	writeControlJSON(w, http.StatusOK, answer)
}

// plantedRunJSON is the body of POST /_fake/runs: the run, named as
// GitHub's JSON names its fields, and its jobs.
type plantedRunJSON struct {
	Repository string `json:"repository"`
	ID         int64  `json:"id"`
	// Workflow is the workflow's file name, such as release_orchestrator.yml.
	Workflow   string           `json:"workflow"`
	Name       string           `json:"name"`
	Event      string           `json:"event"`
	Status     string           `json:"status"`
	Conclusion string           `json:"conclusion"`
	HeadBranch string           `json:"head_branch"`
	HeadSHA    string           `json:"head_sha"`
	Jobs       []plantedJobJSON `json:"jobs"`
}

type plantedJobJSON struct {
	Name       string            `json:"name"`
	Status     string            `json:"status"`
	Conclusion string            `json:"conclusion"`
	RunAttempt int               `json:"run_attempt"`
	Steps      []plantedStepJSON `json:"steps"`
	// Log is the job's log as GitHub serves it, timestamps included.
	Log string `json:"log"`
}

type plantedStepJSON struct {
	Name       string `json:"name"`
	Status     string `json:"status"`
	Conclusion string `json:"conclusion"`
}

// POST /_fake/runs: plants the run under its id (AddRunWithID) with its
// jobs (SetJobs), each with the defaults those give; answers 201 with the
// run's id and its jobs' IDs, or 422 saying what is wrong.
func (s *Server) plantRunControl(w http.ResponseWriter, r *http.Request) {
	var body plantedRunJSON
	if !readControlJSON(w, r, &body) {
		return
	}
	planting := Run{ID: body.ID, WorkflowID: body.Workflow, Name: body.Name, Event: body.Event, Status: body.Status, Conclusion: body.Conclusion,
		HeadBranch: body.HeadBranch, HeadSHA: strings.ToLower(body.HeadSHA)}
	jobs := make([]Job, 0, len(body.Jobs))
	for _, j := range body.Jobs {
		if j.Name == "" {
			controlRefusal(w, "every job needs a name")
			return
		}
		job := Job{Name: j.Name, Status: j.Status, Conclusion: j.Conclusion, RunAttempt: j.RunAttempt, Log: j.Log}
		for _, step := range j.Steps {
			job.Steps = append(job.Steps, JobStep{Name: step.Name, Status: step.Status, Conclusion: step.Conclusion})
		}
		jobs = append(jobs, job)
	}
	if !isWorkflowFile(planting.WorkflowID) {
		controlRefusal(w, "workflow %q is not a workflow file name such as ci.yml", planting.WorkflowID)
		return
	}
	if planting.HeadSHA != "" && !fullSHA.MatchString(planting.HeadSHA) {
		controlRefusal(w, "head_sha %q is not a full commit sha (40 hex)", planting.HeadSHA)
		return
	}
	s.mu.Lock()
	repo, err := s.servedRepository(body.Repository)
	var planted *run
	if err == nil {
		planted, err = s.addRunWithID(repo, planting)
	}
	s.mu.Unlock()
	if err != nil {
		controlRefusal(w, "plant run %d in %s: %v", body.ID, body.Repository, err)
		return
	}
	type jobID struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	answer := struct {
		ID   int64   `json:"id"`
		Jobs []jobID `json:"jobs"`
	}{ID: planted.ID, Jobs: []jobID{}}
	for _, j := range s.SetJobs(planted.Repository, planted.ID, jobs...) {
		answer.Jobs = append(answer.Jobs, jobID{j.ID, j.Name})
	}
	writeControlJSON(w, http.StatusCreated, answer)
}

// plantedCommitJSON is the body of POST /_fake/commits.
type plantedCommitJSON struct {
	Repository string   `json:"repository"`
	SHA        string   `json:"sha"`
	Message    string   `json:"message"`
	Author     string   `json:"author"` // a login
	Files      []string `json:"files"`
}

// POST /_fake/commits: gives a commit the fake knows (from --branch,
// --commit, --green or --files) its message, author and changed files
// (SetCommitInfo); answers 204, or 422 saying what is wrong.
func (s *Server) plantCommitControl(w http.ResponseWriter, r *http.Request) {
	var body plantedCommitJSON
	if !readControlJSON(w, r, &body) {
		return
	}
	sha := strings.ToLower(body.SHA)
	if !fullSHA.MatchString(sha) {
		controlRefusal(w, "sha %q is not a full commit sha (40 hex)", body.SHA)
		return
	}
	s.mu.Lock()
	repo, err := s.servedRepository(body.Repository)
	if err == nil && repo.network.graph[sha] == nil {
		err = fmt.Errorf("commit %s is not known: seed it with --branch, --commit, --green or --files", sha)
	}
	s.mu.Unlock()
	if err != nil {
		controlRefusal(w, "set the info of commit %s of %s: %v", body.SHA, body.Repository, err)
		return
	}
	s.SetCommitInfo(body.Repository, sha, CommitInfo{Message: body.Message, Author: body.Author, Files: body.Files})
	w.WriteHeader(http.StatusNoContent)
}

// servedRepository is the repository fullName names, or why it is not
// served. The caller holds s.mu.
func (s *Server) servedRepository(fullName string) (*repository, error) {
	owner, name, _ := strings.Cut(fullName, "/")
	if repo := s.repository(owner, name); repo != nil {
		return repo, nil
	}
	return nil, fmt.Errorf("repository %q is not served: add --repo owner/name", fullName)
}

// readControlJSON decodes the body of a control request into v, refusing
// fields v does not have (a misspelt one would be lost) with 400.
func readControlJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	decoder := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxControlBody))
	decoder.DisallowUnknownFields()
	err := decoder.Decode(v)
	if err == nil && decoder.Decode(&struct{}{}) != io.EOF {
		err = errors.New("more than one JSON value")
	}
	if err != nil {
		http.Error(w, "read the body of "+r.Method+" "+r.URL.Path+": "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

// controlRefusal answers 422 with what is wrong, for the script to show.
func controlRefusal(w http.ResponseWriter, format string, args ...any) {
	http.Error(w, fmt.Sprintf(format, args...), http.StatusUnprocessableEntity)
}

func writeControlJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
