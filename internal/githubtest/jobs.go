package githubtest

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GitHub's documentation of the job endpoints, where their errors point.
const (
	listJobsDocsURL        = "https://docs.github.com/rest/actions/workflow-jobs#list-jobs-for-a-workflow-run"
	listAttemptJobsDocsURL = "https://docs.github.com/rest/actions/workflow-jobs#list-jobs-for-a-workflow-run-attempt"
	getJobDocsURL          = "https://docs.github.com/rest/actions/workflow-jobs#get-a-job-for-a-workflow-run"
	jobLogsDocsURL         = "https://docs.github.com/rest/actions/workflow-jobs#download-job-logs-for-a-workflow-run"
)

// jobLogLinkLifetime is how long the URL of a job's log works: "This link
// expires after 1 minute", says GitHub's description.
const jobLogLinkLifetime = time.Minute

// Job is a job of a workflow run; see SetJobs.
type Job struct {
	// ID is given when 0.
	ID   int64
	Name string
	// Status defaults to completed, and Conclusion, for a completed job,
	// to success.
	Status     string
	Conclusion string
	Steps      []JobStep
	// Log is the text of the job's log, served as is from storage. GitHub
	// starts each line with a timestamp ("2025-11-17T02:00:01.0000000Z ");
	// a test that wants the log real writes those.
	Log string
	// RunAttempt is the attempt of the run the job belongs to; 1 when 0.
	RunAttempt int
}

// JobStep is a step of a job.
type JobStep struct {
	Name string
	// Number defaults to the step's place in its job, from 1.
	Number int
	// Status defaults to completed, and Conclusion, for a completed step,
	// to success.
	Status, Conclusion string
}

type job struct {
	Job
	run *run
	// log is the job's log as storage serves it.
	log *asset
}

// SetJobs gives run runID of repo its jobs, and returns them with their
// IDs and defaults: the jobs of each attempt the jobs name replace the ones
// that attempt had (no jobs at all remove every attempt's), and the run's
// RunAttempt rises to the highest attempt named. GET runs/{run_id}/jobs
// lists those of the latest attempt with jobs (filter=latest, the
// default) or of every attempt (filter=all); GET
// runs/{run_id}/attempts/{n}/jobs those of one attempt; GET
// jobs/{job_id}/logs redirects to the log in storage, where it goes by the
// name job-<ID>.txt (for FailDownloadAfter and its kin).
func (s *Server) SetJobs(repo string, runID int64, jobs ...Job) []Job {
	s.t.Helper()
	logs := make([]storedBytes, len(jobs))
	for n, j := range jobs {
		stored, err := s.storeContent(strings.NewReader(j.Log))
		if err == nil && stored.content == nil {
			err = fmt.Errorf("this server keeps no bytes")
		}
		if err != nil {
			s.t.Fatalf("githubtest: set the jobs of run %d of %s: store the log of %q: %v", runID, repo, j.Name, err)
		}
		logs[n] = stored
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	target := s.mustRepository(repo).run(runID)
	if target == nil {
		for _, stored := range logs {
			stored.discard()
		}
		s.t.Fatalf("githubtest: set the jobs of run %d of %s: no such run; plant it with AddRun first", runID, repo)
		return nil
	}
	replaced := map[int][]*job{}
	var out []Job
	for n, j := range jobs {
		j = s.jobDefaults(j)
		made := &job{Job: j, run: target, log: &asset{
			Asset:     Asset{Name: "job-" + itoa(j.ID) + ".txt", ContentType: "text/plain", State: "uploaded", Size: logs[n].size},
			createdAt: target.CreatedAt, updatedAt: s.now(),
			content: logs[n].content,
		}}
		replaced[j.RunAttempt] = append(replaced[j.RunAttempt], made)
		target.RunAttempt = max(target.RunAttempt, j.RunAttempt)
		out = append(out, j)
	}
	gone := replaced
	if len(jobs) == 0 {
		gone = target.jobs
	}
	for attempt := range gone {
		for _, old := range target.jobs[attempt] {
			s.forgetContent(old.log)
		}
		delete(target.jobs, attempt)
	}
	if target.jobs == nil {
		target.jobs = map[int][]*job{}
	}
	maps.Copy(target.jobs, replaced)
	return out
}

// jobDefaults fills in what SetJobs gives a job by default. The caller
// holds s.mu.
func (s *Server) jobDefaults(j Job) Job {
	if j.ID == 0 {
		j.ID = s.nextID()
	}
	j.RunAttempt = max(j.RunAttempt, 1)
	j.Status, j.Conclusion = statusDefaults(j.Status, j.Conclusion)
	j.Steps = slices.Clone(j.Steps)
	for n := range j.Steps {
		step := &j.Steps[n]
		step.Number = cmp.Or(step.Number, n+1)
		step.Status, step.Conclusion = statusDefaults(step.Status, step.Conclusion)
	}
	return j
}

// statusDefaults is completed for no status, and success for a completed
// one without a conclusion.
func statusDefaults(status, conclusion string) (string, string) {
	status = cmp.Or(status, "completed")
	if status == "completed" {
		conclusion = cmp.Or(conclusion, "success")
	}
	return status, conclusion
}

// run is repo's run id, or nil. The caller holds s.mu.
func (repo *repository) run(id int64) *run {
	i := slices.IndexFunc(repo.runs, func(candidate *run) bool { return candidate.ID == id })
	if i < 0 {
		return nil
	}
	return repo.runs[i]
}

// job is repo's job id, or nil. The caller holds s.mu.
func (repo *repository) job(id int64) *job {
	for _, r := range repo.runs {
		for _, jobs := range r.jobs {
			for _, j := range jobs {
				if j.ID == id {
					return j
				}
			}
		}
	}
	return nil
}

// jobJSON is a job as GitHub shows it. The fake's jobs start when their run
// was created and take a minute; one still queued has no runner yet.
func jobJSON(urls bases, repo *repository, j *job) map[string]any {
	repoAPI := urls.api + "/repos/" + repo.fullName()
	runAPI := repoAPI + "/actions/runs/" + itoa(j.run.ID)
	started := j.run.CreatedAt
	steps := []map[string]any{}
	for _, step := range j.Steps {
		steps = append(steps, map[string]any{
			"name":         step.Name,
			"number":       step.Number,
			"status":       step.Status,
			"conclusion":   nullable(step.Conclusion),
			"started_at":   startedAt(step.Status, started),
			"completed_at": completedAt(step.Status, started),
		})
	}
	answer := map[string]any{
		"id":                j.ID,
		"run_id":            j.run.ID,
		"run_url":           runAPI,
		"run_attempt":       j.RunAttempt,
		"node_id":           nodeID("CheckRun", j.ID),
		"head_sha":          j.run.HeadSHA,
		"head_branch":       j.run.HeadBranch,
		"workflow_name":     j.run.Name,
		"url":               repoAPI + "/actions/jobs/" + itoa(j.ID),
		"html_url":          urls.web + "/" + repo.fullName() + "/actions/runs/" + itoa(j.run.ID) + "/job/" + itoa(j.ID),
		"check_run_url":     repoAPI + "/check-runs/" + itoa(j.ID),
		"status":            j.Status,
		"conclusion":        nullable(j.Conclusion),
		"name":              j.Name,
		"steps":             steps,
		"created_at":        githubTime(j.run.CreatedAt),
		"started_at":        githubTime(started),
		"completed_at":      completedAt(j.Status, started),
		"labels":            []string{"ubuntu-latest"},
		"runner_id":         nil,
		"runner_name":       nil,
		"runner_group_id":   nil,
		"runner_group_name": nil,
	}
	if j.Status != "queued" && j.Status != "waiting" && j.Status != "pending" {
		runner := j.ID % 100
		answer["runner_id"], answer["runner_name"] = 1_000_000_000+runner, "GitHub Actions "+strconv.FormatInt(runner, 10)
		answer["runner_group_id"], answer["runner_group_name"] = 0, "GitHub Actions"
	}
	return answer
}

// nullable is value, or null for "".
func nullable(value string) any {
	if value == "" {
		return nil
	}
	return value
}

// startedAt is when something of status that started at started did: null
// before it started.
func startedAt(status string, started time.Time) any {
	if status == "queued" || status == "waiting" || status == "pending" {
		return nil
	}
	return githubTime(started)
}

// completedAt is when something of status that started at started
// completed: a minute later, or null while it runs.
func completedAt(status string, started time.Time) any {
	if status != "completed" {
		return nil
	}
	return githubTime(started.Add(time.Minute))
}

// requestedRun is the run the path names, or GitHub's 404. The caller holds
// s.mu.
func requestedRun(r *http.Request, repo *repository) (*run, Response, bool) {
	if found := repo.run(parseID(r.PathValue("run_id"))); found != nil {
		return found, Response{}, true
	}
	return nil, notFoundAt(listJobsDocsURL), false
}

// jobsPage answers a list of jobs, total_count counting all of them.
func (s *Server) jobsPage(r *http.Request, repo *repository, jobs []*job) Response {
	urls := s.bases(r.Host)
	return paginate(s, r, jobs, func(page []*job) any {
		listed := []map[string]any{}
		for _, j := range page {
			listed = append(listed, jobJSON(urls, repo, j))
		}
		return map[string]any{"total_count": len(jobs), "jobs": listed}
	})
}

// GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs: with filter=all,
// every attempt's jobs, oldest attempt first; else those of the latest
// attempt that has jobs.
func (s *Server) listJobs(r *http.Request, repo *repository) Response {
	found, resp, ok := requestedRun(r, repo)
	if !ok {
		return resp
	}
	attempts := slices.Sorted(maps.Keys(found.jobs))
	var jobs []*job
	switch {
	case r.URL.Query().Get("filter") == "all":
		for _, attempt := range attempts {
			jobs = append(jobs, found.jobs[attempt]...)
		}
	case len(attempts) > 0:
		jobs = found.jobs[attempts[len(attempts)-1]]
	}
	return s.jobsPage(r, repo, jobs)
}

// GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs:
// 404 for an attempt the run has not made.
func (s *Server) listAttemptJobs(r *http.Request, repo *repository) Response {
	found, resp, ok := requestedRun(r, repo)
	if !ok {
		return resp
	}
	attempt, err := strconv.Atoi(r.PathValue("attempt_number"))
	if err != nil || attempt < 1 || attempt > found.RunAttempt {
		return notFoundAt(listAttemptJobsDocsURL)
	}
	return s.jobsPage(r, repo, found.jobs[attempt])
}

// requestedJob is the job the path names, or GitHub's 404 pointing at docs.
// The caller holds s.mu.
func requestedJob(r *http.Request, repo *repository, docs string) (*job, Response, bool) {
	if found := repo.job(parseID(r.PathValue("job_id"))); found != nil {
		return found, Response{}, true
	}
	return nil, notFoundAt(docs), false
}

// GET /repos/{owner}/{repo}/actions/jobs/{job_id}
func (s *Server) getJob(r *http.Request, repo *repository) Response {
	found, resp, ok := requestedJob(r, repo, getJobDocsURL)
	if !ok {
		return resp
	}
	return s.jsonResponse(http.StatusOK, jobJSON(s.bases(r.Host), repo, found))
}

// GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs: 302 to the log in
// storage, on another host than the API's, at a signed URL that works for
// a minute. Storage serves it as text/plain, refuses a request that
// carries a token and serves a range, a suffix one (bytes=-N) too, as
// GitHub's log storage (Azure blobs at a SAS URL) does.
func (s *Server) getJobLogs(r *http.Request, repo *repository) Response {
	found, resp, ok := requestedJob(r, repo, jobLogsDocsURL)
	if !ok {
		return resp
	}
	found.log.downloads++
	location := s.signedURL(s.bases(r.Host), repo, found.log, jobLogLinkLifetime, url.Values{"response-content-type": {"text/plain"}})
	return Response{
		Status: http.StatusFound,
		Header: map[string]string{"Content-Type": "text/html;charset=utf-8", "Location": location},
	}
}
