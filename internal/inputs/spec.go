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
var Modes = []string{ModeTriggerOrchestrator, ModeNightlyTag, ModeCreatePrerelease, ModePlan, ModeCheckout, ModeTriage, ModeLocate, ModePromote, ModeYank, ModeVerify}

// The modes.
const (
	ModeTriggerOrchestrator = "trigger-orchestrator" // send a repository_dispatch to the orchestrator
	ModeNightlyTag          = "nightly-tag"          // compute, and optionally create, the nightly tag
	ModeCreatePrerelease    = "create-prerelease"    // publish the prerelease with assets, or dispatch a workflow that does
	ModePlan                = "plan"                 // decide which components a change must rebuild
	ModeCheckout            = "checkout"             // lay out a snapshot's repositories side by side
	ModeTriage              = "triage"               // open, update or close the tracking issue of a broken nightly
	ModeLocate              = "locate"               // find the oldest nightly that holds a commit
	ModePromote             = "promote"              // publish a release from a published nightly, with the same bytes
	ModeYank                = "yank"                 // withdraw a nightly or a release without breaking its links
	ModeVerify              = "verify"               // compare what an independent builder built with a release
)

var (
	dispatchOnly   = []string{ModeTriggerOrchestrator}
	nightlyOnly    = []string{ModeNightlyTag}
	prereleaseOnly = []string{ModeCreatePrerelease}
	tagModes       = []string{ModeNightlyTag, ModeCreatePrerelease}
	waitModes      = []string{ModeTriggerOrchestrator, ModeCreatePrerelease}
	planOnly       = []string{ModePlan}
	checkoutOnly   = []string{ModeCheckout}
	triageOnly     = []string{ModeTriage}
	locateOnly     = []string{ModeLocate}
	promoteOnly    = []string{ModePromote}
	yankOnly       = []string{ModeYank}
	verifyOnly     = []string{ModeVerify}
)

// Specs is every input the action reads, in the order --help shows them.
var Specs = []Spec{
	{Name: "mode", Default: ModeTriggerOrchestrator, Description: "What to do: trigger-orchestrator, nightly-tag, create-prerelease, plan, checkout, triage, locate, promote, yank or verify."},
	{Name: "token", Default: "${{ github.token }}", Description: "Token for the GitHub API. The default GITHUB_TOKEN only reaches this repository; pass a PAT or GitHub App token to reach another one. Outside Actions, GITHUB_TOKEN or GH_TOKEN from the environment, else the token of gh's login (gh auth token)."},
	{Name: "api-url", Default: "", Description: "GitHub API base URL. Empty means GITHUB_API_URL, else https://api.github.com; GitHub Enterprise Server as https://HOST/api/v3."},
	{Name: "repository", Default: "", Description: "This repository (owner/name), where tags and releases live. Empty means GITHUB_REPOSITORY, else the GitHub remote of the local git checkout."},
	{Name: "sha", Default: "", Description: "Commit that triggered the run (40 hex). Empty means the event's commit (workflow_run.head_sha for workflow_run), else GITHUB_SHA, else the local git HEAD. locate: the component's commit to look for (never defaulted), checked to be on the component's branch."},
	{Name: "ref", Default: "", Description: "Ref that triggered the run (refs/heads/...). Empty means the event's ref (workflow_run.head_branch for workflow_run), else GITHUB_REF, else the local git branch. locate: instead of sha, a branch, tag or commit of the component's repository, resolved there and checked to be on its branch."},
	{Name: "app-id", Default: "", Description: "GitHub App ID (or client ID). With app-private-key, the action mints a short-lived installation token for the repository it works on, limited to that repository and the permissions the mode needs, uses it instead of token, and revokes it at the end."},
	{Name: "app-private-key", Default: "", Description: "The GitHub App's private key (the .pem file GitHub downloads), from a secret. Used with app-id."},
	{Name: "dry-run", Default: "false", Bool: true, Description: "Send no request that changes anything; print each request that would be sent and set the outputs as a real run would."},
	{Name: "max-wait", Default: "5m", Description: "Longest total time one request, or one asset's upload with the downloads it makes, may take: its attempts and the waits between them after transient failures and rate limits (Go duration, 0s to 6h); each attempt ends at most 10s after it. An upload attempt that keeps moving is never cut; a stalled one is cut after 1m without progress."},
	{Name: "orchestrator", Default: "", Modes: dispatchOnly, Description: "Repository that receives the dispatch (owner/name). Empty means <owner of this repository>/bllvm."},
	{Name: "event-type", Default: "", Modes: dispatchOnly, Description: "Dispatch event type (1-100 characters). Empty means build_<component> derived from this repository's name, or build_all when the orchestrator dispatches to itself."},
	{Name: "client-payload", Default: "{}", Modes: dispatchOnly, Description: "JSON object merged over the default payload {ref, sha, repo, dispatch_id}; its keys win. A dispatch_id may hold no control character."},
	{Name: "branches", Default: "main, master", Modes: dispatchOnly, Description: "Dispatch only when the triggering ref is one of these branches (globs, comma or newline separated, ! to exclude); otherwise skip with a notice. * allows every branch; tags and pull-request refs never match."},
	{Name: "prefix", Default: "nightly", Modes: []string{ModeNightlyTag, ModeCreatePrerelease, ModePlan, ModeTriage, ModeLocate, ModePromote}, Description: "Tag prefix: tags are <prefix>-<YYYYMMDD>-<short sha>. Must make a valid tag name. plan, triage, locate and promote: the prefix of the nightlies they look among."},
	{Name: "date", Default: "", Modes: tagModes, Description: "Date in the tag, YYYY-MM-DD or YYYYMMDD. Empty means today in UTC, or the day of SOURCE_DATE_EPOCH when set."},
	{Name: "sha-length", Default: "7", Modes: tagModes, Description: "Length of the short sha in the tag (4-40)."},
	{Name: "push-tag", Default: "false", Bool: true, Modes: nightlyOnly, Description: "Create refs/tags/<tag> at sha. Idempotent: the tag already at sha is success (created=false); at another commit it is an error."},
	{Name: "skip-unchanged", Default: "false", Bool: true, Modes: nightlyOnly, Description: "When the newest existing <prefix>-* tag already points at sha, create nothing and report changed=false. With manifest: when the newest nightly, or a tag of this day and commit, holds this snapshot (same commit, same manifest) and its prerelease is published."},
	{Name: "manifest", Default: "", Modes: []string{ModeNightlyTag, ModeCreatePrerelease, ModeCheckout, ModeTriage}, Description: "The snapshot: JSON object of every component's {repository, sha, rebuilt}, as plan's manifest output. nightly-tag: the tag is an annotated tag recording it, another snapshot of the same day and commit gets <tag>-2, -3 ..., and a snapshot counts as done only once its prerelease is published. create-prerelease: checked against the tag's record (empty: read from the annotated tag); the release body gets a table of every component's commit and a manifest.json asset. checkout: the snapshot to lay out (or tag). triage: the failing run's snapshot (plan's manifest output), whose commits are compared with the last good nightly's."},
	{Name: "tag", Default: "", Modes: []string{ModeCreatePrerelease, ModeCheckout, ModeTriage, ModePromote, ModeYank, ModeVerify}, Description: "Tag of the prerelease. Empty means the nightly tag, computed exactly as nightly-tag computes it. checkout: a nightly or release of this repository whose annotated tag records the snapshot to lay out (or manifest). triage with outcome: success: the nightly just published, linked from the closing comment. promote: the release's tag, such as v0.2.0 (required). yank: the nightly or release to withdraw (required). verify: the nightly or release whose files to compare with (required)."},
	{Name: "target", Default: "", Modes: prereleaseOnly, Description: "Commit (or branch) the tag is created at if it does not exist yet. Empty means sha."},
	{Name: "name", Default: "", Modes: []string{ModeCreatePrerelease, ModePromote}, Description: "Release title. Empty means the tag."},
	{Name: "body", Default: "", Modes: []string{ModeCreatePrerelease, ModePromote}, Description: "Text placed before the generated notes. promote: after the table of the components since the previous release."},
	{Name: "body-file", Default: "", Modes: []string{ModeCreatePrerelease, ModePromote}, Description: "File in the workspace (after links are resolved; a regular file) whose text is placed before the generated notes, after body; with body at most 125,000 characters, GitHub's limit."},
	{Name: "generate-notes", Default: "true", Bool: true, Modes: prereleaseOnly, Description: "Append GitHub's generated notes, from previous-tag to this tag."},
	{Name: "previous-tag", Default: "", Modes: prereleaseOnly, Description: "Start of the generated notes. Empty means the newest older <prefix>-* tag."},
	{Name: "assets", Default: "", Modes: prereleaseOnly, Description: "Files to attach: glob patterns (** allowed), comma or newline separated, relative to the workspace. An asset of the same name is replaced, or left alone when its SHA-256 matches."},
	{Name: "fail-on-unmatched-assets", Default: "true", Bool: true, Modes: prereleaseOnly, Description: "A pattern in assets that matches no file is an error, found before any request."},
	{Name: "upload-concurrency", Default: "4", Modes: prereleaseOnly, Description: "Uploads in flight at once (1-16)."},
	{Name: "keep", Default: "0", Modes: prereleaseOnly, Description: "When above 0, after success delete older <prefix>-* prereleases beyond the newest keep, with their tags. Never a full release, never the one just made."},
	{Name: "carry-over", Default: "false", Bool: true, Modes: prereleaseOnly, Description: "For each component the manifest marks rebuilt: false, whose commit and dependencies' commits are those of the previous nightly, copy that nightly's assets of the component (named <component>-* or <repository name>-*) into this prerelease, streamed."},
	{Name: "checksums", Default: "", Modes: prereleaseOnly, Description: "Asset name (such as SHA256SUMS) of a file listing every asset's SHA-256 as sha256sum prints it; also written to .release-action/<name> in the workspace (see the checksums-file output). Empty: none."},
	{Name: "workflow", Default: "", Modes: prereleaseOnly, Description: "Instead of creating the release here, dispatch this workflow file (such as prerelease.yml) with workflow-inputs plus the tag."},
	{Name: "workflow-ref", Default: "", Modes: prereleaseOnly, Description: "Ref the dispatched workflow runs on. Empty means the triggering branch."},
	{Name: "workflow-inputs", Default: "{}", Modes: prereleaseOnly, Description: "JSON object of string inputs for the dispatched workflow (at most 25 with the tag's)."},
	{Name: "tag-input", Default: "version", Modes: prereleaseOnly, Description: "Name of the dispatched workflow's input that receives the tag."},
	{Name: "wait", Default: "false", Bool: true, Modes: waitModes, Description: "Wait for the run the dispatch started (the orchestrator's, or the workflow's) to complete; fail unless it succeeds."},
	{Name: "wait-timeout", Default: "", Modes: waitModes, Description: "Longest time to wait for that run (Go duration, 1s to 6h). Empty means 60m for trigger-orchestrator, 30m for create-prerelease."},
	{Name: "graph", Default: "", Modes: []string{ModePlan, ModeCreatePrerelease, ModeCheckout, ModeTriage, ModeLocate}, Description: "Components and what each depends on, as YAML or JSON ({name: {repository, branch, depends-on: [names] or cargo, ci: workflow file, assets: [name patterns]}}), or @path to such a file in the workspace (a regular file of at most 16 MiB), or cargo: the default graph's components with the edges each one's Cargo.toml has at its pinned commit (plan with resolve-commits; one more request per component). Empty means BTCDecoded's graph consensus -> protocol -> node -> {sdk -> governance (bllvm-commons), bllvm}."},
	{Name: "resolve-commits", Default: "true", Bool: true, Modes: planOnly, Description: "Pin every component's commit (one request per component, Contents: read on each repository): the dispatched commit for the component a repository_dispatch names, the head of its branch for the others. Sets manifest and a sha in every matrix entry. false sends no request."},
	{Name: "pin", Default: PinHead, Modes: planOnly, Description: "Which commit of each component that the event does not name is pinned: head, its branch's head; green, the newest commit of its branch whose CI workflow (graph key ci, default ci.yml) succeeded on a push (one request per component; needs Actions: read on each repository). Never older than the base nightly's commit."},
	{Name: "changed", Default: "", Modes: planOnly, Description: "Components that changed, comma or newline separated, or all. Empty means derived from the event: build_<component> from a repository_dispatch, all for anything else."},
	{Name: "components", Default: "", Modes: checkoutOnly, Description: "Components of the snapshot to lay out, comma or newline separated, each with everything it depends on in graph. Empty means every component of the snapshot."},
	{Name: "path", Default: "", Modes: checkoutOnly, Description: "Folder of the workspace (relative to it, through no symbolic link) that receives the repositories, each as <path>/<repository name>. Empty means the workspace itself."},
	{Name: "max-bytes", Default: "2GiB", Modes: checkoutOnly, Description: "Most bytes of files one repository's archive may lay out (a number of bytes, or with KiB, MiB or GiB); an archive holding more is refused."},
	{Name: "from", Default: "newest", Modes: promoteOnly, Description: "The published nightly to promote: its tag, or newest, the newest complete published nightly of prefix that is not yanked."},
	{Name: "make-latest", Default: "true", Bool: true, Modes: promoteOnly, Description: "Mark the release as the repository's latest release."},
	{Name: "prerelease", Default: "false", Bool: true, Modes: promoteOnly, Description: "Publish the release as a prerelease (a release candidate, say)."},
	{Name: "tag-components", Default: "false", Bool: true, Modes: promoteOnly, Description: "Also tag every component repository at the commit the nightly pins, with an annotated tag of the same name: a release set. A tag of that name already at that commit is kept; one at another commit is an error before anything is written."},
	{Name: "reason", Default: "", Modes: yankOnly, Description: "Why the release is withdrawn: one line (at most 200 characters), shown at the top of its notes; its title gains Yanked: . Required unless undo."},
	{Name: "undo", Default: "false", Bool: true, Modes: yankOnly, Description: "Take a yank back: the marker and the line go, the release is a nightly or release like any other again."},
	{Name: "files", Default: "", Modes: verifyOnly, Description: "The builder's files: glob patterns (** allowed), comma or newline separated, relative to the workspace, under the rules of assets (in the workspace once links are resolved, regular files, none empty)."},
	{Name: "builder", Default: "", Modes: verifyOnly, Description: "Who built the files: 1 to 39 characters of a-z, 0-9 and -, such as gha-ubuntu or a person's name; the column of the reproduction grid and the folder in sigs-repository."},
	{Name: "record", Default: "true", Bool: true, Modes: verifyOnly, Description: "Record the result in the release's notes: the reproduction grid, one column per builder, this builder's column updated and nothing else."},
	{Name: "sigs-repository", Default: "", Modes: verifyOnly, Description: "Repository (owner/name) that collects builders' checksums, as guix.sigs does: the builder's SHA256SUMS is committed there at <tag>/<builder>/SHA256SUMS (Contents: write). Empty: none."},
	{Name: "fail-on-mismatch", Default: "true", Bool: true, Modes: verifyOnly, Description: "Fail the step, after recording, when a file the builder built differs from the release's, or when it built nothing the release lists; a file not built never fails it (see missing)."},
	{Name: "outcome", Default: "failure", Modes: triageOnly, Description: "How the run ended: failure opens the tracking issue, or comments on the open one once per run attempt; success closes the open one, linking tag."},
	{Name: "label", Default: "nightly-broken", Modes: triageOnly, Description: "Label of the tracking issue in this repository (1-50 characters); GitHub creates it with the first issue. At most one issue with it is open at a time."},
	{Name: "base", Default: "", Modes: triageOnly, Description: "The last good nightly, whose commits the run's manifest is compared with to name the suspects. Empty means the one the open tracking issue names, else the newest complete published nightly of prefix."},
	{Name: "run-id", Default: "", Modes: triageOnly, Description: "The failing workflow run of this repository (a number). Empty means this run (GITHUB_RUN_ID)."},
	{Name: "max-suspect-commits", Default: "50", Modes: triageOnly, Description: "Most suspect commits whose changed files are read (one request each) to rank them against the failing jobs' logs (0 to 500)."},
	{Name: "mention", Default: "none", Modes: triageOnly, Description: "none: the issue mentions nobody; authors: it @-mentions the suspect commits' authors (their GitHub logins)."},
	{Name: "component", Default: "", Modes: locateOnly, Description: "The component (a name of graph) whose commit to look for."},
	{Name: "max-entries", Default: "200000", Modes: checkoutOnly, Description: "Most entries (files, folders and links) one repository's archive may hold (1 to 10000000); an archive holding more is refused."},
}

// Outputs is every output the action sets.
var Outputs = []Output{
	{Name: "dispatched", Modes: dispatchOnly, Description: "true when the dispatch was sent (or would be, in a dry run); false when skipped."},
	{Name: "orchestrator", Modes: dispatchOnly, Description: "Repository that receives the dispatch (owner/name)."},
	{Name: "event-type", Modes: dispatchOnly, Description: "Dispatch event type."},
	{Name: "client-payload", Modes: dispatchOnly, Description: "The client_payload JSON sent."},
	{Name: "dispatch-id", Modes: dispatchOnly, Description: "Identifier of this dispatch, also sent as client_payload.dispatch_id."},
	{Name: "tag", Modes: []string{ModeNightlyTag, ModeCreatePrerelease, ModeLocate, ModePromote, ModeYank}, Description: "The tag: <prefix>-<YYYYMMDD>-<short sha> (with -2, -3 ... for another snapshot of the same day and commit), the existing tag holding this snapshot, or the tag input. locate: the oldest published nightly that holds the commit. promote: the release's tag. yank: the tag withdrawn (or restored)."},
	{Name: "version", Modes: nightlyOnly, Description: "The tag without <prefix>-."},
	{Name: "date", Modes: []string{ModeNightlyTag, ModePlan}, Description: "The date in the tag, YYYYMMDD. From plan: the day the snapshot is taken (today in UTC, or of SOURCE_DATE_EPOCH), to pass to nightly-tag's date input so that a rerun on a later day names the same nightly."},
	{Name: "sha", Modes: nightlyOnly, Description: "The full commit the tag names."},
	{Name: "short-sha", Modes: nightlyOnly, Description: "The short sha in the tag."},
	{Name: "previous-tag", Modes: nightlyOnly, Description: "The newest older <prefix>-* tag, when tags were looked up (push-tag or skip-unchanged)."},
	{Name: "changed", Modes: []string{ModeNightlyTag, ModePlan}, Description: "nightly-tag: false when skip-unchanged found this snapshot already tagged (and, with manifest, published), or when a newer nightly supersedes it; true otherwise, also when its tag exists but its prerelease is not published yet. plan: false when every pinned commit equals the base nightly's (nothing to build or tag)."},
	{Name: "superseded-by", Modes: nightlyOnly, Description: "With manifest: the newer nightly that holds every component at this snapshot's commit or later, when that nightly supersedes this snapshot (nothing tagged); empty otherwise."},
	{Name: "base", Modes: planOnly, Description: "With resolve-commits: the newest complete, published nightly the plan compared with (what is not rebuilt is carried from it); empty when there is none, and everything is rebuilt."},
	{Name: "created", Modes: tagModes, Description: "true when this run created the tag (nightly-tag) or the release (create-prerelease)."},
	{Name: "changed-components", Modes: nightlyOnly, Description: "With manifest: JSON array of the components whose commit differs from the previous nightly's manifest (every component when it has none); [] when skipped."},
	{Name: "manifest", Modes: []string{ModeNightlyTag, ModePlan, ModeCreatePrerelease, ModeCheckout, ModePromote}, Description: "The snapshot as JSON: every component's {repository, sha, rebuilt}. From plan with resolve-commits; from nightly-tag, the manifest the tag records; from create-prerelease, the one the release describes; from checkout, the snapshot it laid out (of the manifest input or the tag), whole even when components picks some."},
	{Name: "release-id", Modes: prereleaseOnly, Description: "Numeric id of the release."},
	{Name: "release-url", Modes: []string{ModeCreatePrerelease, ModePromote, ModeYank, ModeVerify}, Description: "Web page of the release."},
	{Name: "upload-url", Modes: prereleaseOnly, Description: "Upload URL of the release, for further assets."},
	{Name: "assets", Modes: []string{ModeCreatePrerelease, ModePromote}, Description: "JSON array of the release's assets: name, size, url (download)."},
	{Name: "pruned", Modes: prereleaseOnly, Description: "JSON array of the tags of old prereleases deleted by keep."},
	{Name: "carried", Modes: prereleaseOnly, Description: "JSON array of the asset names carried over from the previous nightly."},
	{Name: "checksums-file", Modes: []string{ModeCreatePrerelease, ModeVerify}, Description: "With checksums: the checksums file's path relative to the workspace (.release-action/<name>), for actions/attest-build-provenance's subject-checksums. verify: the builder's own SHA256SUMS, relative to the workspace (.release-action/SHA256SUMS-<builder>)."},
	{Name: "run-id", Modes: waitModes, Description: "Id of the run the dispatch started, when known (create-prerelease on github.com, or wait)."},
	{Name: "run-url", Modes: waitModes, Description: "Web page of that run, when known."},
	{Name: "components", Modes: planOnly, Description: "JSON array of the components to build, in dependency order."},
	{Name: "matrix", Modes: planOnly, Description: "JSON for strategy.matrix: {\"include\":[{\"component\",\"repository\",\"wave\",\"sha\"}]}; sha (the pinned commit) with resolve-commits."},
	{Name: "waves", Modes: planOnly, Description: "JSON array of arrays of component names; each wave can build in parallel once the earlier ones are done."},
	{Name: "build-all", Modes: planOnly, Description: "true when every component is in the plan."},
	{Name: "paths", Modes: checkoutOnly, Description: "JSON object of every component laid out to its repository's folder, relative to the workspace, such as {\"node\": \"src/bllvm-node\"}."},
	{Name: "issue", Modes: triageOnly, Description: "Number of the tracking issue opened, commented on or closed; empty when there is none."},
	{Name: "issue-url", Modes: triageOnly, Description: "Web page of that issue."},
	{Name: "state", Modes: triageOnly, Description: "What triage did: opened, commented, closed, or unchanged (this run attempt was already reported, or nothing was open to close)."},
	{Name: "suspects", Modes: triageOnly, Description: "JSON array of the components whose commit differs from the last good nightly's: {component, from, to, commits (the number of commits), matched (true when a commit's changed files appear in a failed job's log)}, matched ones first."},
	{Name: "url", Modes: locateOnly, Description: "Web page of the nightly that first holds the commit."},
	{Name: "found", Modes: locateOnly, Description: "true when a published nightly holds the commit; false when none does yet."},
	{Name: "nightlies", Modes: locateOnly, Description: "How many newer published nightlies also hold the commit."},
	{Name: "from", Modes: promoteOnly, Description: "The nightly promoted."},
	{Name: "versions-toml", Modes: promoteOnly, Description: "The release's manifest as the [versions] table of BTCDecoded's versions.toml: each repository with version, git_tag and git_commit, ready to commit."},
	{Name: "yanked", Modes: yankOnly, Description: "true when the release is yanked after this step, false after undo."},
	{Name: "reproduced", Modes: verifyOnly, Description: "true when every file of the release that the builder built matches it byte for byte (by SHA-256), and it built at least one."},
	{Name: "matched", Modes: verifyOnly, Description: "JSON array of the names whose SHA-256 matches the release's SHA256SUMS."},
	{Name: "differed", Modes: verifyOnly, Description: "JSON array of the names whose SHA-256 differs."},
	{Name: "missing", Modes: verifyOnly, Description: "JSON array of the names the release's SHA256SUMS lists that the builder did not build."},
	{Name: "conclusion", Modes: waitModes, Description: "Conclusion of that run, with wait."},
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
