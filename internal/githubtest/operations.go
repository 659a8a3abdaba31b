package githubtest

// operation is one REST operation of GitHub's description, named the way the
// description names it.
type operation struct {
	method string
	path   string
}

// operations are the REST operations the project calls. The contract check
// keeps only these (and what they reference) from GitHub's 13 MB description,
// which is what makes loading it cheap; a request outside them fails the test.
var operations = []operation{
	{"GET", "/rate_limit"},
	{"POST", "/app/installations/{installation_id}/access_tokens"},
	{"DELETE", "/installation/token"},
	{"GET", "/repos/{owner}/{repo}"},
	{"GET", "/repos/{owner}/{repo}/installation"},
	{"POST", "/repos/{owner}/{repo}/dispatches"},
	{"GET", "/repos/{owner}/{repo}/tags"},
	{"GET", "/repos/{owner}/{repo}/commits/{ref}"},
	{"GET", "/repos/{owner}/{repo}/compare/{basehead}"},
	{"GET", "/repos/{owner}/{repo}/tarball/{ref}"},
	{"GET", "/repos/{owner}/{repo}/contents/{path}"},
	{"PUT", "/repos/{owner}/{repo}/contents/{path}"},
	{"GET", "/repos/{owner}/{repo}/git/ref/{ref}"},
	{"GET", "/repos/{owner}/{repo}/git/matching-refs/{ref}"},
	{"POST", "/repos/{owner}/{repo}/git/refs"},
	{"PATCH", "/repos/{owner}/{repo}/git/refs/{ref}"},
	{"DELETE", "/repos/{owner}/{repo}/git/refs/{ref}"},
	{"POST", "/repos/{owner}/{repo}/git/tags"},
	{"GET", "/repos/{owner}/{repo}/git/tags/{tag_sha}"},
	{"GET", "/repos/{owner}/{repo}/releases"},
	{"POST", "/repos/{owner}/{repo}/releases"},
	{"POST", "/repos/{owner}/{repo}/releases/generate-notes"},
	{"GET", "/repos/{owner}/{repo}/releases/latest"},
	{"GET", "/repos/{owner}/{repo}/releases/tags/{tag}"},
	{"GET", "/repos/{owner}/{repo}/releases/{release_id}"},
	{"PATCH", "/repos/{owner}/{repo}/releases/{release_id}"},
	{"DELETE", "/repos/{owner}/{repo}/releases/{release_id}"},
	{"GET", "/repos/{owner}/{repo}/releases/{release_id}/assets"},
	{"POST", "/repos/{owner}/{repo}/releases/{release_id}/assets"},
	{"GET", "/repos/{owner}/{repo}/releases/assets/{asset_id}"},
	{"DELETE", "/repos/{owner}/{repo}/releases/assets/{asset_id}"},
	{"POST", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches"},
	{"GET", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs"},
	{"GET", "/repos/{owner}/{repo}/actions/runs"},
	{"GET", "/repos/{owner}/{repo}/actions/runs/{run_id}"},
	{"GET", "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs"},
	{"GET", "/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs"},
	{"GET", "/repos/{owner}/{repo}/actions/jobs/{job_id}"},
	{"GET", "/repos/{owner}/{repo}/actions/jobs/{job_id}/logs"},
	{"GET", "/repos/{owner}/{repo}/issues"},
	{"POST", "/repos/{owner}/{repo}/issues"},
	{"GET", "/repos/{owner}/{repo}/issues/{issue_number}"},
	{"PATCH", "/repos/{owner}/{repo}/issues/{issue_number}"},
	{"GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments"},
	{"POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"},
	{"GET", "/repos/{owner}/{repo}/labels/{name}"},
	{"POST", "/repos/{owner}/{repo}/labels"},
}
