package githubtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// verifyConsensusLog is the tail of a failed job's log as GitHub serves
// it: a timestamp before every line.
const verifyConsensusLog = "2025-11-18T02:10:00.0000000Z ##[group]Run cargo kani\n" +
	"2025-11-18T02:10:05.0000000Z Check 12: verify_script.assertion.1 in src/lib.rs:88:5\n" +
	"2025-11-18T02:10:05.0000000Z VERIFICATION:- FAILED\n" +
	"2025-11-18T02:10:06.0000000Z ##[error]Process completed with exit code 1.\n"

// plantedRun is a body of POST /_fake/runs: run 601 of bllvm, failed in
// verify-consensus, the builds skipped, triage running.
func plantedRun(id int64) string {
	body, _ := json.Marshal(map[string]any{
		"repository": repoName, "id": id, "workflow": "release_orchestrator.yml", "name": "Release Orchestrator",
		"event": "repository_dispatch", "status": "in_progress", "head_branch": "main", "head_sha": shaMain,
		"jobs": []map[string]any{
			{"name": "plan", "conclusion": "success"},
			{"name": "verify-consensus", "conclusion": "failure", "log": verifyConsensusLog, "steps": []map[string]any{
				{"name": "Set up job"}, {"name": "Lay out bllvm-consensus at its pinned commit"},
				{"name": "Test, then prove", "conclusion": "failure"}, {"name": "Complete job"},
			}},
			{"name": "build-node", "conclusion": "skipped"},
			{"name": "triage", "status": "in_progress"},
		},
	})
	return string(body)
}

func TestRunStandalonePlantsARun(t *testing.T) {
	baseURL := startRunStandalone(t, "--repo", repoName, "--token", "ghs_bench")
	root := strings.TrimSuffix(baseURL, "/api/v3")
	client := enterpriseClient(t, baseURL, "ghs_bench")

	status, body := do(t, http.DefaultClient, http.MethodPost, root+"/_fake/runs", plantedRun(601), jsonHeader)

	require.Equal(t, http.StatusCreated, status, body)
	var answer struct {
		ID   int64 `json:"id"`
		Jobs []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"jobs"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &answer))
	assert.Equal(t, int64(601), answer.ID)
	require.Len(t, answer.Jobs, 4)
	run, _, err := client.Actions.GetWorkflowRunByID(t.Context(), testOwner, testRepo, 601)
	require.NoError(t, err)
	assert.Equal(t, []string{"Release Orchestrator", "repository_dispatch", "in_progress", "", "main", shaMain},
		[]string{run.GetName(), run.GetEvent(), run.GetStatus(), run.GetConclusion(), run.GetHeadBranch(), run.GetHeadSHA()})
	jobs, _, err := client.Actions.ListWorkflowJobs(t.Context(), testOwner, testRepo, 601, nil)
	require.NoError(t, err)
	var got []string
	for _, j := range jobs.Jobs {
		line := j.GetName() + " " + j.GetStatus() + "/" + j.GetConclusion() + ":"
		for _, step := range j.Steps {
			line += " " + step.GetName() + "=" + step.GetConclusion()
		}
		got = append(got, line)
	}
	assert.Equal(t, []string{
		"plan completed/success:",
		"verify-consensus completed/failure: Set up job=success Lay out bllvm-consensus at its pinned commit=success Test, then prove=failure Complete job=success",
		"build-node completed/skipped:",
		"triage in_progress/:",
	}, got)
	assert.Equal(t, answer.Jobs[1].ID, jobs.Jobs[1].GetID(), "the answer names the jobs' IDs")
	location, _, err := client.Actions.GetWorkflowJobLogs(t.Context(), testOwner, testRepo, answer.Jobs[1].ID, 0)
	require.NoError(t, err)
	resp, err := http.Get(location.String())
	require.NoError(t, err)
	defer resp.Body.Close()
	log, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, verifyConsensusLog, string(log))
}

func TestRunStandalonePlantsCommitInfo(t *testing.T) {
	baseURL := startRunStandalone(t, "--repo", repoName, "--branch", repoName+"=main:"+shaMain)
	root := strings.TrimSuffix(baseURL, "/api/v3")
	client := enterpriseClient(t, baseURL, "")

	status, body := do(t, http.DefaultClient, http.MethodPost, root+"/_fake/commits",
		`{"repository": "`+repoName+`", "sha": "`+strings.ToUpper(shaMain)+`", "message": "Check scripts in one pass\n\nThe old verify is gone.", "author": "alice", "files": ["src/lib.rs", "src/script.rs"]}`, jsonHeader)

	require.Equal(t, http.StatusNoContent, status, body)
	commit, _, err := client.Repositories.GetCommit(t.Context(), testOwner, testRepo, shaMain, nil)
	require.NoError(t, err)
	assert.Equal(t, "Check scripts in one pass\n\nThe old verify is gone.", commit.GetCommit().GetMessage())
	assert.Equal(t, "alice", commit.GetAuthor().GetLogin())
	var files []string
	for _, f := range commit.Files {
		files = append(files, f.GetFilename())
	}
	assert.Equal(t, []string{"src/lib.rs", "src/script.rs"}, files)
}

func TestRunStandaloneRefusesBadPlants(t *testing.T) {
	const other = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name       string
		before     string // a run planted first
		method     string
		path       string
		body       string
		wantStatus int
		wantBody   string
	}{
		{"a run under an id already taken", plantedRun(601), http.MethodPost, "/_fake/runs", plantedRun(601), http.StatusUnprocessableEntity, "plant run 601 in BTCDecoded/bllvm: BTCDecoded/bllvm has a run with that id already"},
		{"a run without an id", "", http.MethodPost, "/_fake/runs", `{"repository": "` + repoName + `", "workflow": "ci.yml"}`, http.StatusUnprocessableEntity, "the id must be positive"},
		{"a run of a repository not served", "", http.MethodPost, "/_fake/runs", `{"repository": "BTCDecoded/bllvm-node", "id": 601, "workflow": "ci.yml"}`, http.StatusUnprocessableEntity, `repository "BTCDecoded/bllvm-node" is not served`},
		{"a run of a workflow path", "", http.MethodPost, "/_fake/runs", `{"repository": "` + repoName + `", "id": 601, "workflow": ".github/workflows/ci.yml"}`, http.StatusUnprocessableEntity, "is not a workflow file name"},
		{"a run at a short sha", "", http.MethodPost, "/_fake/runs", `{"repository": "` + repoName + `", "id": 601, "workflow": "ci.yml", "head_sha": "abc1234"}`, http.StatusUnprocessableEntity, `head_sha "abc1234" is not a full commit sha`},
		{"a job without a name", "", http.MethodPost, "/_fake/runs", `{"repository": "` + repoName + `", "id": 601, "workflow": "ci.yml", "jobs": [{"conclusion": "failure"}]}`, http.StatusUnprocessableEntity, "every job needs a name"},
		{"a misspelt field", "", http.MethodPost, "/_fake/runs", `{"repository": "` + repoName + `", "id": 601, "workflow": "ci.yml", "job": []}`, http.StatusBadRequest, `unknown field "job"`},
		{"two runs in one body", "", http.MethodPost, "/_fake/runs", plantedRun(601) + plantedRun(602), http.StatusBadRequest, "more than one JSON value"},
		{"runs read", "", http.MethodGet, "/_fake/runs", "", http.StatusMethodNotAllowed, ""},
		{"info of a commit not seeded", "", http.MethodPost, "/_fake/commits", `{"repository": "` + repoName + `", "sha": "` + other + `", "files": ["src/lib.rs"]}`, http.StatusUnprocessableEntity, "commit " + other + " is not known"},
		{"info of a short sha", "", http.MethodPost, "/_fake/commits", `{"repository": "` + repoName + `", "sha": "abc1234"}`, http.StatusUnprocessableEntity, `sha "abc1234" is not a full commit sha`},
		{"info of a repository not served", "", http.MethodPost, "/_fake/commits", `{"repository": "BTCDecoded/bllvm-node", "sha": "` + shaMain + `"}`, http.StatusUnprocessableEntity, "is not served"},
		{"a control path that does not exist", "", http.MethodPost, "/_fake/releases", "{}", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			baseURL := startRunStandalone(t, "--repo", repoName, "--branch", repoName+"=main:"+shaMain)
			root := strings.TrimSuffix(baseURL, "/api/v3")
			if tt.before != "" {
				status, body := do(t, http.DefaultClient, http.MethodPost, root+"/_fake/runs", tt.before, jsonHeader)
				require.Equal(t, http.StatusCreated, status, body)
			}

			status, body := do(t, http.DefaultClient, tt.method, root+tt.path, tt.body, jsonHeader)

			assert.Equal(t, tt.wantStatus, status, body)
			assert.Contains(t, body, tt.wantBody)
		})
	}
}
