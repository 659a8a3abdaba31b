// Package inputs turns the action's inputs, from INPUT_* variables or from
// command-line flags, into typed and validated settings before anything is
// sent to GitHub. Every bad-input error of the program comes from here.
package inputs

// Spec describes one input: its name in action.yml, its flag, its default
// and what it means. The list below is the single source for the flags and
// --help, and a test keeps action.yml and the README in step with it.
type Spec struct {
	Name        string
	Default     string // as action.yml declares it
	Description string
	Bool        bool     // a flag that may be given without a value
	Modes       []string // modes that read it; nil means every mode
}

// Output describes one output of the action.
type Output struct {
	Name        string
	Description string
	Modes       []string
}

// Modes lists the valid values of the mode input.
var Modes = []string{ModeTriggerOrchestrator}

// ModeTriggerOrchestrator sends a repository_dispatch to the orchestrator.
const ModeTriggerOrchestrator = "trigger-orchestrator"

var dispatchOnly = []string{ModeTriggerOrchestrator}

// Specs is every input the action reads, in the order --help shows them.
var Specs = []Spec{
	{Name: "mode", Default: ModeTriggerOrchestrator, Description: "What to do: trigger-orchestrator."},
	{Name: "token", Default: "${{ github.token }}", Description: "Token for the GitHub API. The default GITHUB_TOKEN only reaches this repository; pass a PAT or GitHub App token to reach another one. Outside Actions, GITHUB_TOKEN or GH_TOKEN from the environment."},
	{Name: "api-url", Default: "", Description: "GitHub API base URL. Empty means GITHUB_API_URL, else https://api.github.com; GitHub Enterprise Server as https://HOST/api/v3."},
	{Name: "repository", Default: "", Description: "This repository (owner/name). Empty means GITHUB_REPOSITORY, else the GitHub remote of the local git checkout."},
	{Name: "sha", Default: "", Description: "Commit that triggered the run (40 hex). Empty means the event's commit (workflow_run.head_sha for workflow_run), else GITHUB_SHA, else the local git HEAD."},
	{Name: "ref", Default: "", Description: "Ref that triggered the run (refs/heads/...). Empty means the event's ref (workflow_run.head_branch for workflow_run), else GITHUB_REF, else the local git branch."},
	{Name: "dry-run", Default: "false", Bool: true, Description: "Send no request that changes anything; print each request that would be sent and set the outputs as a real run would."},
	{Name: "max-wait", Default: "5m", Description: "Longest total time to wait while retrying one request after transient failures and rate limits (Go duration, 0s to 6h)."},
	{Name: "orchestrator", Default: "", Modes: dispatchOnly, Description: "Repository that receives the dispatch (owner/name). Empty means <owner of this repository>/bllvm."},
	{Name: "event-type", Default: "", Modes: dispatchOnly, Description: "Dispatch event type (1-100 characters). Empty means build_<component> derived from this repository's name, or build_all when the orchestrator dispatches to itself."},
	{Name: "client-payload", Default: "{}", Modes: dispatchOnly, Description: "JSON object merged over the default payload {ref, sha, repo, dispatch_id}; its keys win."},
	{Name: "branches", Default: "main, master", Modes: dispatchOnly, Description: "Dispatch only when the triggering ref is one of these branches (globs, comma or newline separated, ! to exclude); otherwise skip with a notice. * allows every branch; tags and pull-request refs never match."},
}

// Outputs is every output the action sets.
var Outputs = []Output{
	{Name: "dispatched", Modes: dispatchOnly, Description: "true when the dispatch was sent (or would be, in a dry run); false when skipped."},
	{Name: "orchestrator", Modes: dispatchOnly, Description: "Repository that receives the dispatch (owner/name)."},
	{Name: "event-type", Modes: dispatchOnly, Description: "Dispatch event type."},
	{Name: "client-payload", Modes: dispatchOnly, Description: "The client_payload JSON sent."},
	{Name: "dispatch-id", Modes: dispatchOnly, Description: "Identifier of this dispatch, also sent as client_payload.dispatch_id."},
}

// Lookup returns the spec of the named input.
func Lookup(name string) (Spec, bool) {
	for _, s := range Specs {
		if s.Name == name {
			return s, true
		}
	}
	return Spec{}, false
}
