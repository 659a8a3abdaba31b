package githubtest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WorkflowDispatch is a workflow_dispatch the fake accepted.
type WorkflowDispatch struct {
	// Repository is the target as added to the server: "owner/name".
	Repository string
	// Workflow is the workflow as the request named it: a file name such as
	// release.yml, or an ID.
	Workflow         string
	Ref              string
	Inputs           map[string]any
	ReturnRunDetails bool
}

// Run is a workflow run as the fake keeps it.
type Run struct {
	// ID is the fake's to give, except to AddRunWithID.
	ID         int64
	Repository string
	// WorkflowID is the workflow's file name (release.yml) or numeric ID.
	WorkflowID   string
	Name         string
	DisplayTitle string
	Event        string
	Status       string
	Conclusion   string
	HeadBranch   string
	HeadSHA      string
	CreatedAt    time.Time
	// RunAttempt is the run's latest attempt; AddRun starts at 1, and
	// SetJobs raises it to the attempts its jobs name.
	RunAttempt int
}

// RunStep is what one GET of a scripted run answers.
type RunStep struct {
	Status     string
	Conclusion string
}

// GitHub caps the inputs of a workflow_dispatch.
const maxDispatchInputs = 25

// WithoutRunDetails plays GitHub Enterprise Server before 3.21, which does
// not know return_run_details: a dispatch that sends it gets status (400 or
// 422) with GitHub's message for an unknown key; one that does not gets
// 204, as ever.
func WithoutRunDetails(status int) Option {
	return func(s *Server) { s.withoutRunDetails = status }
}

type run struct {
	Run
	number    int
	updatedAt time.Time
	// listedFrom is the listing (counted by runListings) from which the run
	// shows in lists: GitHub takes a moment to list a dispatched run.
	listedFrom int
	// script is what the next GETs answer; its last step stays.
	script []RunStep
	// jobs are the jobs of each attempt that has any (see SetJobs).
	jobs map[int][]*job
}

// WorkflowDispatches returns the workflow_dispatch events accepted so far,
// in order.
func (s *Server) WorkflowDispatches() []WorkflowDispatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.workflowDispatches)
}

// AddRun plants a run in repo and returns it with its ID. Event defaults
// to workflow_dispatch, Name to the workflow, CreatedAt to the clock's
// time, RunAttempt to 1, and Status and Conclusion, when both are empty,
// to completed and success.
func (s *Server) AddRun(repo string, r Run) Run {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r.ID = 0
	return s.addRun(s.mustRepository(repo), r, nil).Run
}

// AddRunWithID plants a run in repo as AddRun does, but under r.ID: the
// id a runner outside the fake gave the run (GITHUB_RUN_ID under act), so
// that its jobs can be planted for a step of that run to read. No other
// run of any repository may have that id; IDs the fake hands out later are
// above it.
func (s *Server) AddRunWithID(repo string, r Run) Run {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	planted, err := s.addRunWithID(s.mustRepository(repo), r)
	if err != nil {
		s.t.Fatalf("githubtest: add run %d to %s: %v", r.ID, repo, err)
		return Run{}
	}
	return planted.Run
}

// addRunWithID is AddRunWithID, with an error for an id that is not
// free. The caller holds s.mu.
func (s *Server) addRunWithID(repo *repository, r Run) (*run, error) {
	if r.ID < 1 {
		return nil, errors.New("the id must be positive")
	}
	for _, other := range s.repos {
		if other.run(r.ID) != nil {
			return nil, fmt.Errorf("%s has a run with that id already", other.fullName())
		}
	}
	s.lastID = max(s.lastID, r.ID)
	return s.addRun(repo, r, nil), nil
}

// addRun fills in r's defaults, an ID among them unless r has one, and
// adds it to repo. The caller holds s.mu.
func (s *Server) addRun(repo *repository, r Run, script []RunStep) *run {
	if r.ID == 0 {
		r.ID = s.nextID()
	}
	r.Repository = repo.fullName()
	if r.Event == "" {
		r.Event = "workflow_dispatch"
	}
	if r.Name == "" {
		r.Name = r.WorkflowID
	}
	if r.DisplayTitle == "" {
		r.DisplayTitle = r.Name
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.now()
	}
	if r.Status == "" && r.Conclusion == "" {
		r.Status, r.Conclusion = "completed", "success"
	}
	r.RunAttempt = max(r.RunAttempt, 1)
	added := &run{Run: r, number: len(repo.runs) + 1, updatedAt: r.CreatedAt, script: script}
	repo.runs = append(repo.runs, added)
	return added
}

// Runs returns the runs of repo, newest first, each as last served.
func (s *Server) Runs(repo string) []Run {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Run
	for _, r := range s.mustRepository(repo).newestRuns() {
		out = append(out, r.Run)
	}
	return out
}

// newestRuns lists runs the way GitHub does: newest first. The caller
// holds s.mu.
func (repo *repository) newestRuns() []*run {
	return newestFirst(repo.runs, func(r *run) (time.Time, int64) { return r.CreatedAt, r.ID })
}

// ScriptRun scripts what GETs of run runID answer: each GET takes the next
// step, whether it is answered 200 or 304, and the last step stays. Steps
// that repeat make a poller wait: to one that sends If-None-Match,
// in_progress, in_progress, completed answer 200, 304, 200. A run without
// a script answers what it holds, completed and success by default.
func (s *Server) ScriptRun(runID int64, steps ...RunStep) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, repo := range s.repos {
		for _, r := range repo.runs {
			if r.ID == runID {
				r.script = slices.Clone(steps)
				return
			}
		}
	}
	s.t.Fatalf("githubtest: script run %d: no such run", runID)
}

// ScriptNextRuns scripts, as ScriptRun does, every run that later
// workflow_dispatch events create; no steps stops it.
func (s *Server) ScriptNextRuns(steps ...RunStep) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextRunScript = slices.Clone(steps)
}

// startingState is how a run a dispatch starts looks at first: queued when
// ScriptNextRuns scripts it, else already completed and successful. The
// caller holds s.mu.
func (s *Server) startingState() (status, conclusion string) {
	if len(s.nextRunScript) > 0 {
		return "queued", ""
	}
	return "completed", "success"
}

// NotModified counts the 304s answered to conditional GETs of runs.
func (s *Server) NotModified() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notModified
}

// workflowNumber is a workflow's numeric ID: the one it is named by, or
// one given to its file name on first sight. The caller holds s.mu.
func (s *Server) workflowNumber(workflow string) int64 {
	if id, err := strconv.ParseInt(workflow, 10, 64); err == nil {
		return id
	}
	id, ok := s.workflowIDs[workflow]
	if !ok {
		id = s.nextID()
		s.workflowIDs[workflow] = id
	}
	return id
}

// POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches
func (s *Server) createWorkflowDispatch(r *http.Request, repo *repository) Response {
	var body struct {
		Ref              string         `json:"ref"`
		Inputs           map[string]any `json:"inputs"`
		ReturnRunDetails *bool          `json:"return_run_details"`
	}
	if resp, ok := decodeBody(r, &body); !ok {
		return resp
	}
	if s.withoutRunDetails != 0 && body.ReturnRunDetails != nil {
		return errorResponse(s.withoutRunDetails, nil, errorBody{
			Message:          "Invalid request.\n\n\"return_run_details\" is not a permitted key.",
			DocumentationURL: "https://docs.github.com/enterprise-server@3.20/rest/actions/workflows#create-a-workflow-dispatch-event",
			Status:           strconv.Itoa(s.withoutRunDetails),
		})
	}
	switch {
	case body.Ref == "":
		return Unprocessable("Invalid request.\n\n\"ref\" wasn't supplied.")
	case len(body.Inputs) > maxDispatchInputs:
		return Unprocessable(fmt.Sprintf("Invalid request.\n\nNo more than %d properties are allowed; %d were supplied.", maxDispatchInputs, len(body.Inputs)))
	}
	branch := strings.TrimPrefix(strings.TrimPrefix(body.Ref, "refs/heads/"), "refs/tags/")
	sha, found := repo.branchOrTag(body.Ref)
	// Without any branch set, the fake cannot tell a ref that exists.
	if !found && repo.hasBranches() {
		return Unprocessable("No ref found for: " + body.Ref)
	}

	workflow := r.PathValue("workflow_id")
	returnDetails := body.ReturnRunDetails != nil && *body.ReturnRunDetails
	s.workflowDispatches = append(s.workflowDispatches, WorkflowDispatch{
		Repository:       repo.fullName(),
		Workflow:         workflow,
		Ref:              body.Ref,
		Inputs:           body.Inputs,
		ReturnRunDetails: returnDetails,
	})
	status, conclusion := s.startingState()
	created := s.addRun(repo, Run{
		WorkflowID: workflow,
		Event:      "workflow_dispatch",
		Status:     status,
		Conclusion: conclusion,
		HeadBranch: branch,
		HeadSHA:    sha,
	}, slices.Clone(s.nextRunScript))
	if !returnDetails {
		return noContent()
	}
	urls := s.bases(r.Host)
	return s.jsonResponse(http.StatusOK, map[string]any{
		"workflow_run_id": created.ID,
		"run_url":         urls.api + "/repos/" + repo.fullName() + "/actions/runs/" + itoa(created.ID),
		"html_url":        urls.web + "/" + repo.fullName() + "/actions/runs/" + itoa(created.ID),
	})
}

func (s *Server) runJSON(urls bases, repo *repository, r *run) map[string]any {
	repoAPI := urls.api + "/repos/" + repo.fullName()
	runAPI := repoAPI + "/actions/runs/" + itoa(r.ID)
	workflowNumber := s.workflowNumber(r.WorkflowID)
	var conclusion, previousAttempt any
	if r.Conclusion != "" {
		conclusion = r.Conclusion
	}
	if r.RunAttempt > 1 {
		previousAttempt = runAPI + "/attempts/" + strconv.Itoa(r.RunAttempt-1)
	}
	repoJSON := map[string]any{
		"id":        repo.id,
		"node_id":   nodeID("Repository", repo.id),
		"name":      repo.name,
		"full_name": repo.fullName(),
		"private":   false,
		"owner":     map[string]any{"login": repo.owner, "type": "Organization"},
		"html_url":  urls.web + "/" + repo.fullName(),
		"url":       repoAPI,
	}
	answer := map[string]any{
		"id":               r.ID,
		"name":             r.Name,
		"node_id":          nodeID("WorkflowRun", r.ID),
		"head_branch":      r.HeadBranch,
		"head_sha":         r.HeadSHA,
		"path":             ".github/workflows/" + r.WorkflowID,
		"display_title":    r.DisplayTitle,
		"run_number":       r.number,
		"run_attempt":      r.RunAttempt,
		"event":            r.Event,
		"status":           r.Status,
		"conclusion":       conclusion,
		"workflow_id":      workflowNumber,
		"url":              runAPI,
		"html_url":         urls.web + "/" + repo.fullName() + "/actions/runs/" + itoa(r.ID),
		"jobs_url":         runAPI + "/jobs",
		"logs_url":         runAPI + "/logs",
		"check_suite_url":  repoAPI + "/check-suites/" + itoa(r.ID),
		"artifacts_url":    runAPI + "/artifacts",
		"cancel_url":       runAPI + "/cancel",
		"rerun_url":        runAPI + "/rerun",
		"workflow_url":     repoAPI + "/actions/workflows/" + itoa(workflowNumber),
		"pull_requests":    []any{},
		"created_at":       githubTime(r.CreatedAt),
		"updated_at":       githubTime(r.updatedAt),
		"run_started_at":   githubTime(r.CreatedAt),
		"head_commit":      nil,
		"repository":       repoJSON,
		"head_repository":  repoJSON,
		"actor":            actor(urls),
		"triggering_actor": actor(urls),
	}
	answer["previous_attempt_url"] = previousAttempt
	return answer
}

// GET /repos/{owner}/{repo}/actions/runs/{run_id}, with a strong ETag of
// the JSON, so a client sending it back in If-None-Match gets 304 while
// the run is unchanged.
func (s *Server) getRun(r *http.Request, repo *repository) Response {
	found := repo.run(parseID(r.PathValue("run_id")))
	if found == nil {
		return NotFound()
	}
	if len(found.script) > 0 {
		step := found.script[0]
		if len(found.script) > 1 {
			found.script = found.script[1:]
		}
		if step.Status != found.Status || step.Conclusion != found.Conclusion {
			found.Status, found.Conclusion, found.updatedAt = step.Status, step.Conclusion, s.now()
		}
	}
	resp := s.jsonResponse(http.StatusOK, s.runJSON(s.bases(r.Host), repo, found))
	sum := sha256.Sum256([]byte(resp.Body))
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		s.notModified++
		return Response{Status: http.StatusNotModified, Header: map[string]string{"ETag": etag}}
	}
	resp.Header = map[string]string{"ETag": etag}
	return resp
}

// etagMatches applies If-None-Match's weak comparison, which is the one
// that header uses.
func etagMatches(ifNoneMatch, etag string) bool {
	for candidate := range strings.SplitSeq(ifNoneMatch, ",") {
		candidate = strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if candidate == "*" || candidate == etag {
			return true
		}
	}
	return false
}

// GET /repos/{owner}/{repo}/actions/runs and
// GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs: newest
// first, filtered by event, branch, status (or conclusion), head_sha and
// created.
func (s *Server) listRuns(r *http.Request, repo *repository) Response {
	query := r.URL.Query()
	created, err := parseCreated(query.Get("created"))
	if err != nil {
		return validationFailed("WorkflowRun", "invalid", "created")
	}
	workflow := r.PathValue("workflow_id")
	s.runListings++
	var matching []*run
	for _, candidate := range repo.newestRuns() {
		switch {
		case s.runListings < candidate.listedFrom:
		case workflow != "" && candidate.WorkflowID != workflow && itoa(s.workflowNumber(candidate.WorkflowID)) != workflow:
		case !matches(query.Get("event"), candidate.Event):
		case !matches(query.Get("branch"), candidate.HeadBranch):
		case !matches(query.Get("head_sha"), candidate.HeadSHA):
		case query.Get("status") != "" && query.Get("status") != candidate.Status && query.Get("status") != candidate.Conclusion:
		case !created(candidate.CreatedAt):
		default:
			matching = append(matching, candidate)
		}
	}
	urls := s.bases(r.Host)
	return paginate(s, r, matching, func(page []*run) any {
		runs := []map[string]any{}
		for _, listed := range page {
			runs = append(runs, s.runJSON(urls, repo, listed))
		}
		return map[string]any{"total_count": len(matching), "workflow_runs": runs}
	})
}

func matches(filter, value string) bool {
	return filter == "" || filter == value
}

// parseCreated reads the created filter in GitHub's search syntax:
// ">=2025-11-17T02:00:00Z", "<=", ">", "<", "from..to" or one date (a
// whole day) or time, each a date or an RFC 3339 time.
func parseCreated(filter string) (func(time.Time) bool, error) {
	if filter == "" {
		return func(time.Time) bool { return true }, nil
	}
	if from, to, ok := strings.Cut(filter, ".."); ok {
		start, _, err := parseSearchTime(from)
		if err != nil {
			return nil, err
		}
		_, end, err := parseSearchTime(to)
		if err != nil {
			return nil, err
		}
		return func(t time.Time) bool { return !t.Before(start) && t.Before(end) }, nil
	}
	for _, op := range []string{">=", "<=", ">", "<"} {
		value, ok := strings.CutPrefix(filter, op)
		if !ok {
			continue
		}
		start, end, err := parseSearchTime(value)
		if err != nil {
			return nil, err
		}
		return map[string]func(time.Time) bool{
			">=": func(t time.Time) bool { return !t.Before(start) },
			">":  func(t time.Time) bool { return !t.Before(end) },
			"<=": func(t time.Time) bool { return t.Before(end) },
			"<":  func(t time.Time) bool { return t.Before(start) },
		}[op], nil
	}
	start, end, err := parseSearchTime(filter)
	if err != nil {
		return nil, err
	}
	return func(t time.Time) bool { return !t.Before(start) && t.Before(end) }, nil
}

// parseSearchTime reads a date or time as the span [start, end) it covers:
// a day for a date, a second for a time.
func parseSearchTime(value string) (start, end time.Time, err error) {
	if day, err := time.Parse(time.DateOnly, value); err == nil {
		return day, day.AddDate(0, 0, 1), nil
	}
	instant, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("parse %q as a date or time: %w", value, err)
	}
	return instant, instant.Add(time.Second), nil
}
