package app

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
)

// dispatchPayload is the real repository_dispatch example with its event
// type (the payload's action) set to eventType.
func dispatchPayload(t *testing.T, eventType string) string {
	t.Helper()
	data, err := os.ReadFile(payload("repository_dispatch.json"))
	require.NoError(t, err)
	var event map[string]any
	require.NoError(t, json.Unmarshal(data, &event))
	event["action"] = eventType
	data, err = json.Marshal(event)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "event.json")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	return path
}

func TestPlan(t *testing.T) {
	all := `["consensus","protocol","node","sdk","bllvm","governance"]`
	allWaves := `[["consensus"],["protocol"],["node"],["sdk","bllvm"],["governance"]]`
	tests := []struct {
		name           string
		event          string
		eventPath      func(t *testing.T) string
		vars           map[string]string
		wantComponents string
		wantWaves      string
		wantBuildAll   string
	}{
		{"build_node from a dispatch: both of node's dependents", "repository_dispatch", func(t *testing.T) string { return dispatchPayload(t, "build_node") }, nil,
			`["node","sdk","bllvm","governance"]`, `[["node"],["sdk","bllvm"],["governance"]]`, "false"},
		{"build_consensus is everything", "repository_dispatch", func(t *testing.T) string { return dispatchPayload(t, "build_consensus") }, nil, all, allWaves, "true"},
		{"build_governance alone", "repository_dispatch", func(t *testing.T) string { return dispatchPayload(t, "build_governance") }, nil, `["governance"]`, `[["governance"]]`, "false"},
		{"build_bllvm: the orchestrator's own crate alone", "repository_dispatch", func(t *testing.T) string { return dispatchPayload(t, "build_bllvm") }, nil, `["bllvm"]`, `[["bllvm"]]`, "false"},
		{"build_all", "repository_dispatch", func(t *testing.T) string { return dispatchPayload(t, "build_all") }, nil, all, allWaves, "true"},
		{"unknown dispatch type builds all", "repository_dispatch", func(*testing.T) string { return payload("repository_dispatch.json") }, nil, all, allWaves, "true"},
		{"schedule", "schedule", func(*testing.T) string { return payload("schedule.json") }, nil, all, allWaves, "true"},
		{"workflow_dispatch", "workflow_dispatch", func(*testing.T) string { return payload("workflow_dispatch.json") }, nil, all, allWaves, "true"},
		{"workflow_run", "workflow_run", func(*testing.T) string { return payload("workflow_run.json") }, nil, all, allWaves, "true"},
		{"changed input wins", "schedule", func(*testing.T) string { return payload("schedule.json") }, map[string]string{"INPUT_CHANGED": "sdk"}, `["sdk","governance"]`, `[["sdk"],["governance"]]`, "false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t).with(map[string]string{
				"INPUT_MODE": "plan", "GITHUB_REPOSITORY": orchestrator,
				"GITHUB_EVENT_NAME": tt.event, "GITHUB_EVENT_PATH": tt.eventPath(t),
				"INPUT_RESOLVE-COMMITS": "false",
			}).with(tt.vars)
			delete(w.vars, "INPUT_TOKEN")
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)
			assert.Empty(t, o.requests, "plan without resolve-commits sends no request")
			assert.NotContains(t, o.outputs, "manifest", "nor sets a manifest")
			assert.NotContains(t, o.outputs["matrix"], `"sha"`)
			assert.Equal(t, tt.wantComponents, o.outputs["components"])
			assert.Equal(t, tt.wantWaves, o.outputs["waves"])
			assert.Equal(t, tt.wantBuildAll, o.outputs["build-all"])
			var matrix struct {
				Include []struct {
					Component, Repository string
					Wave                  int
				}
			}
			require.NoError(t, json.Unmarshal([]byte(o.outputs["matrix"]), &matrix))
			var components []string
			require.NoError(t, json.Unmarshal([]byte(o.outputs["components"]), &components))
			var waves [][]string
			require.NoError(t, json.Unmarshal([]byte(o.outputs["waves"]), &waves))
			require.Len(t, matrix.Include, len(components))
			for i, entry := range matrix.Include {
				assert.Equal(t, components[i], entry.Component)
				require.LessOrEqual(t, entry.Wave, len(waves))
				assert.Contains(t, waves[entry.Wave-1], entry.Component, "a matrix entry's wave is the wave that holds it")
			}
			assert.Contains(t, o.summary, "### Build plan")
		})
	}
}

func TestPlanCustomGraphFromFile(t *testing.T) {
	w := newWorld(t).with(map[string]string{
		"INPUT_MODE": "plan", "GITHUB_REPOSITORY": orchestrator, "GITHUB_WORKSPACE": t.TempDir(),
		"INPUT_GRAPH": "@.github/build-graph.yml", "INPUT_CHANGED": "core", "INPUT_RESOLVE-COMMITS": "false",
	})
	w.file(".github/build-graph.yml", "core: {}\nleft: {depends-on: [core]}\nright: {depends-on: [core]}\napp: {repository: the-app, depends-on: [left, right]}\n")
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Equal(t, `[["core"],["left","right"],["app"]]`, o.outputs["waves"])
	assert.Contains(t, o.outputs["matrix"], `{"component":"app","repository":"the-app","wave":3}`)
}

func TestPlanBadGraphs(t *testing.T) {
	tests := []struct {
		name  string
		vars  map[string]string
		error string
	}{
		{"cycle", map[string]string{"INPUT_GRAPH": "a: {depends-on: [b]}\nb: {depends-on: [a]}"}, "a → b → a"},
		{"unknown dependency", map[string]string{"INPUT_GRAPH": `{"a": {"depends-on": ["ghost"]}}`}, `"ghost"`},
		{"duplicate", map[string]string{"INPUT_GRAPH": "a: {}\na: {}"}, "component a is defined twice"},
		{"missing file", map[string]string{"INPUT_GRAPH": "@nope.yml"}, "input graph: read nope.yml"},
		{"unknown changed", map[string]string{"INPUT_CHANGED": "wallet"}, `input changed: names unknown component "wallet"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t).with(map[string]string{"INPUT_MODE": "plan", "GITHUB_WORKSPACE": t.TempDir()}).with(tt.vars)
			o := w.run()
			assert.Equal(t, 1, o.code)
			assert.Empty(t, o.requests)
			line := errorLine(t, o.stdout)
			assert.Contains(t, line, tt.error)
			assert.Contains(t, line, "input ")
		})
	}
}

// The component repositories of the default graph, in its order, and the
// head each one's default branch has in the planning world.
var (
	componentRepos = []struct{ component, repository string }{
		{"consensus", "bllvm-consensus"},
		{"protocol", "bllvm-protocol"},
		{"node", "bllvm-node"},
		{"sdk", "bllvm-sdk"},
		{"governance", "bllvm-commons"},
		{"bllvm", "bllvm"}, // the orchestrator's own crate: pinned like any other
	}
	heads = map[string]string{
		"consensus":  strings.Repeat("a1", 20),
		"protocol":   strings.Repeat("b2", 20),
		"node":       strings.Repeat("c3", 20),
		"sdk":        strings.Repeat("d4", 20),
		"governance": strings.Repeat("e5", 20),
		"bllvm":      strings.Repeat("f6", 20),
	}
	// allComponents is the default graph's components in its order, the
	// manifest's; a plan lists them wave after wave instead (TestPlan).
	allComponents = []string{"consensus", "protocol", "node", "sdk", "governance", "bllvm"}
)

const (
	// governanceMain is bllvm-commons's main branch, which is not its
	// default branch (master): a plan pinning it read the wrong branch.
	governanceMain = "9999999999999999999999999999999999999999"
	// dispatchedSHA is a commit of bllvm-consensus that is not its head, as
	// a dispatch sent before a later push carries.
	dispatchedSHA = "0d15ba7c4ed0000000000000000000000000c0de"
	// releaseHead is the head of bllvm-node's release/1.0 branch.
	releaseHead = "1e1ea5e100000000000000000000000000000001"
	// nodeOnMain is a commit of bllvm-node's main branch before its head.
	nodeOnMain = "0de0000000000000000000000000000000000001"
)

// planWorld is the orchestrator's plan job on a schedule, with every
// component repository at its head; the repositories named in unreadable
// are left out, so the token gets GitHub's 404 for them.
func planWorld(t testing.TB, unreadable ...string) *world {
	t.Helper()
	w := newWorld(t).with(map[string]string{
		"INPUT_MODE":        "plan",
		"GITHUB_REPOSITORY": orchestrator,
		"GITHUB_EVENT_NAME": "schedule",
		"GITHUB_EVENT_PATH": payload("schedule.json"),
		"GITHUB_WORKSPACE":  t.TempDir(),
	})
	for _, c := range componentRepos {
		if slices.Contains(unreadable, c.repository) {
			continue
		}
		repo := "BTCDecoded/" + c.repository
		w.srv.AddRepository(repo)
		switch c.component {
		case "governance":
			// HEAD must follow the default branch, not a branch named main.
			w.srv.SetDefaultBranch(repo, "master")
			w.srv.SetBranch(repo, "main", governanceMain)
			w.srv.SetBranch(repo, "master", heads[c.component])
			continue
		case "consensus":
			w.srv.AddCommit(repo, dispatchedSHA)
		case "node":
			w.srv.AddCommit(repo, nodeOnMain)
			w.srv.SetBranch(repo, "release/1.0", releaseHead)
		}
		w.srv.SetBranch(repo, "main", heads[c.component])
	}
	return w
}

// dispatchEvent is a repository_dispatch of eventType carrying clientPayload.
func dispatchEvent(t *testing.T, eventType string, clientPayload map[string]any) map[string]string {
	t.Helper()
	data, err := os.ReadFile(payload("repository_dispatch.json"))
	require.NoError(t, err)
	var event map[string]any
	require.NoError(t, json.Unmarshal(data, &event))
	event["action"] = eventType
	event["client_payload"] = clientPayload
	data, err = json.Marshal(event)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "event.json")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	return map[string]string{"GITHUB_EVENT_NAME": "repository_dispatch", "GITHUB_EVENT_PATH": path}
}

// wantManifest writes, by hand rather than through the manifest package,
// the manifest of the default graph's components pinned at pins, in the
// graph's order.
func wantManifest(pins map[string]string, rebuilt []string) string {
	var entries []string
	for _, c := range componentRepos {
		entries = append(entries, fmt.Sprintf(`%q:{"repository":"BTCDecoded/%s","sha":%q,"rebuilt":%t}`,
			c.component, c.repository, pins[c.component], slices.Contains(rebuilt, c.component)))
	}
	return "{" + strings.Join(entries, ",") + "}"
}

// moved returns pins with the given components moved.
func moved(pins map[string]string, changes map[string]string) map[string]string {
	out := maps.Clone(pins)
	maps.Copy(out, changes)
	return out
}

func TestPlanPinsCommits(t *testing.T) {
	const branchGraph = "consensus: {}\nprotocol: {depends-on: [consensus]}\nnode: {branch: release/1.0, depends-on: [protocol]}\n" +
		"sdk: {depends-on: [node]}\ngovernance: {repository: bllvm-commons, depends-on: [sdk]}\nbllvm: {repository: bllvm, depends-on: [node]}\n"
	tests := []struct {
		name        string
		vars        func(t *testing.T) map[string]string
		wantPins    map[string]string
		wantRebuilt []string
		wantRef     map[string]string // the commits/{ref} each component is read by; HEAD unless named
	}{
		{
			name:        "schedule pins every head",
			vars:        func(*testing.T) map[string]string { return nil },
			wantPins:    heads,
			wantRebuilt: allComponents,
		},
		{
			name: "workflow_dispatch pins every head",
			vars: func(*testing.T) map[string]string {
				return map[string]string{"GITHUB_EVENT_NAME": "workflow_dispatch", "GITHUB_EVENT_PATH": payload("workflow_dispatch.json")}
			},
			wantPins:    heads,
			wantRebuilt: allComponents,
		},
		{
			name:        "build_all pins every head",
			vars:        func(t *testing.T) map[string]string { return dispatchEvent(t, "build_all", map[string]any{}) },
			wantPins:    heads,
			wantRebuilt: allComponents,
		},
		{
			name: "build_consensus pins the dispatched commit, not the head",
			vars: func(t *testing.T) map[string]string {
				return dispatchEvent(t, "build_consensus", map[string]any{"repo": "bllvm-consensus", "sha": dispatchedSHA, "ref": "refs/heads/main"})
			},
			wantPins:    moved(heads, map[string]string{"consensus": dispatchedSHA}),
			wantRebuilt: allComponents,
			wantRef:     map[string]string{"consensus": dispatchedSHA},
		},
		{
			name: "a dispatched sha in upper case is pinned in lower case",
			vars: func(t *testing.T) map[string]string {
				return dispatchEvent(t, "build_consensus", map[string]any{"repo": "BTCDecoded/bllvm-consensus", "sha": strings.ToUpper(dispatchedSHA)})
			},
			wantPins:    moved(heads, map[string]string{"consensus": dispatchedSHA}),
			wantRebuilt: allComponents,
			wantRef:     map[string]string{"consensus": dispatchedSHA},
		},
		{
			name: "a dispatch without sha pins the head",
			vars: func(t *testing.T) map[string]string {
				return dispatchEvent(t, "build_consensus", map[string]any{"repo": "bllvm-consensus"})
			},
			wantPins:    heads,
			wantRebuilt: allComponents,
		},
		{
			name: "build_node without a base nightly rebuilds everything: nothing could be carried",
			vars: func(t *testing.T) map[string]string {
				return dispatchEvent(t, "build_node", map[string]any{"repo": "bllvm-node", "sha": nodeOnMain})
			},
			wantPins:    moved(heads, map[string]string{"node": nodeOnMain}),
			wantRebuilt: allComponents,
			wantRef:     map[string]string{"node": nodeOnMain},
		},
		{
			name: "the graph's branch key pins that branch's head",
			vars: func(*testing.T) map[string]string {
				return map[string]string{"INPUT_GRAPH": branchGraph}
			},
			wantPins:    moved(heads, map[string]string{"node": releaseHead}),
			wantRebuilt: allComponents,
			wantRef:     map[string]string{"node": "release/1.0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := planWorld(t).with(tt.vars(t))
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)

			assert.Equal(t, wantManifest(tt.wantPins, tt.wantRebuilt), o.outputs["manifest"])
			var matrix struct {
				Include []struct{ Component, SHA string }
			}
			require.NoError(t, json.Unmarshal([]byte(o.outputs["matrix"]), &matrix))
			var built []string
			for _, entry := range matrix.Include {
				built = append(built, entry.Component)
				assert.Equal(t, tt.wantPins[entry.Component], entry.SHA, "matrix entry %s builds the manifest's commit", entry.Component)
			}
			assert.ElementsMatch(t, tt.wantRebuilt, built, "the matrix builds exactly the components marked rebuilt")

			// The releases, for the base nightly (there is none), then one
			// request per component: the bare sha of a head, or the compare
			// that shows a dispatched commit on its branch. N + 1 requests,
			// never a repository first.
			require.Len(t, o.requests, 1+len(componentRepos), "the releases, then one request per component")
			assert.Equal(t, "/repos/"+orchestrator+"/releases", o.requests[0].Path)
			var paths, wantPaths []string
			for _, r := range o.requests[1:] {
				assert.Equal(t, "GET", r.Method)
				if !strings.Contains(r.Path, "/compare/") {
					assert.Contains(t, r.Header.Get("Accept"), "sha", "the sha media type: a 40-byte answer")
				}
				paths = append(paths, r.Path)
			}
			for _, c := range componentRepos {
				path := "/repos/BTCDecoded/" + c.repository + "/commits/HEAD"
				if r, ok := tt.wantRef[c.component]; ok && len(r) == 40 {
					path = "/repos/BTCDecoded/" + c.repository + "/compare/HEAD..." + r
				} else if ok {
					path = "/repos/BTCDecoded/" + c.repository + "/commits/" + r
				}
				wantPaths = append(wantPaths, path)
			}
			assert.ElementsMatch(t, wantPaths, paths)
			for _, c := range componentRepos {
				assert.Contains(t, o.summary, "https://github.com/BTCDecoded/"+c.repository+"/commit/"+tt.wantPins[c.component], "the summary links every pinned commit")
			}
		})
	}
}

// workflowDispatchEvent is a workflow_dispatch of the orchestrator with
// the given inputs.
func workflowDispatchEvent(t *testing.T, given map[string]any) map[string]string {
	t.Helper()
	data, err := os.ReadFile(payload("workflow_dispatch.json"))
	require.NoError(t, err)
	var event map[string]any
	require.NoError(t, json.Unmarshal(data, &event))
	event["inputs"] = given
	data, err = json.Marshal(event)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "event.json")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	return map[string]string{"GITHUB_EVENT_NAME": "workflow_dispatch", "GITHUB_EVENT_PATH": path}
}

// Both payload forms, the design note's {repo, sha, ref} and the
// components' {triggered_by, source_sha, source_ref, version}, and the
// orchestrator's own workflow_dispatch inputs, pin the same commit the
// same way: one compare that shows it on the component's branch.
func TestPlanBothPayloadFormsPinTheSameCommit(t *testing.T) {
	const offBranch = "0ffb7a9c400000000000000000000000000000ff"
	forms := []struct {
		name string
		vars func(t *testing.T, sha string) map[string]string
		key  string // the key messages name
	}{
		{"the design note's repo, sha, ref", func(t *testing.T, sha string) map[string]string {
			return dispatchEvent(t, "build_consensus", map[string]any{"repo": "bllvm-consensus", "sha": sha, "ref": "refs/heads/main"})
		}, "client_payload.sha"},
		{"the components' triggered_by, source_sha, source_ref, version", func(t *testing.T, sha string) map[string]string {
			return dispatchEvent(t, "build_consensus", map[string]any{"triggered_by": "bllvm-consensus", "source_sha": sha, "source_ref": "refs/heads/main", "version": "main"})
		}, "client_payload.source_sha"},
		{"both forms at once, agreeing", func(t *testing.T, sha string) map[string]string {
			return dispatchEvent(t, "build_consensus", map[string]any{"repo": "BTCDecoded/bllvm-consensus", "sha": sha, "triggered_by": "bllvm-consensus", "source_sha": sha})
		}, "client_payload.sha"},
		{"the components' form under another event type: the repository decides", func(t *testing.T, sha string) map[string]string {
			return dispatchEvent(t, "custom", map[string]any{"triggered_by": "BTCDecoded/bllvm-consensus", "source_sha": sha})
		}, "client_payload.source_sha"},
		{"a workflow_dispatch's component and set_ref", func(t *testing.T, sha string) map[string]string {
			return workflowDispatchEvent(t, map[string]any{"component": "consensus", "set_ref": sha})
		}, "inputs.set_ref"},
		{"a workflow_dispatch's component and ref", func(t *testing.T, sha string) map[string]string {
			return workflowDispatchEvent(t, map[string]any{"component": "consensus", "ref": sha})
		}, "inputs.ref"},
	}
	for _, form := range forms {
		t.Run(form.name, func(t *testing.T) {
			w := planWorld(t).with(form.vars(t, dispatchedSHA))
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)
			assert.Equal(t, wantManifest(moved(heads, map[string]string{"consensus": dispatchedSHA}), allComponents), o.outputs["manifest"])
			var compares []string
			for _, r := range o.requests {
				if strings.Contains(r.Path, "/compare/") {
					compares = append(compares, r.Path)
				}
			}
			assert.Equal(t, []string{"/repos/BTCDecoded/bllvm-consensus/compare/HEAD..." + dispatchedSHA}, compares, "the commit is shown on the branch, as for every form")
			assert.Len(t, o.requests, 1+len(componentRepos))

			// A commit the branch does not hold is refused alike, naming
			// the key it came as.
			w = planWorld(t)
			w.srv.AddCommitOn("BTCDecoded/bllvm-consensus", heads["consensus"], offBranch)
			o = w.with(form.vars(t, offBranch)).run()
			assert.Equal(t, 1, o.code)
			line := errorLine(t, o.stdout)
			assert.Contains(t, line, "pin component consensus: commit "+offBranch+", sent by the ")
			assert.Contains(t, line, " as "+form.key+", is not on the default branch of BTCDecoded/bllvm-consensus")
			assert.Empty(t, o.outputs)
		})
	}
}

// Without resolve-commits, a dispatch narrows the plan to the component
// its repository names when its type names none: the governance app's
// trigger-orchestrator derives build_commons from bllvm-commons.
func TestPlanNarrowedByTheDispatchedRepository(t *testing.T) {
	tests := []struct {
		name           string
		eventType      string
		payload        map[string]any
		wantComponents string
	}{
		{"the design note's repo", "build_commons", map[string]any{"repo": "bllvm-commons", "sha": heads["governance"]}, `["governance"]`},
		{"the components' triggered_by", "custom", map[string]any{"triggered_by": "BTCDecoded/bllvm-node"}, `["node","sdk","bllvm","governance"]`},
		{"no repo: the type", "build_sdk", map[string]any{}, `["sdk","governance"]`},
		{"neither: everything", "build_commons", map[string]any{}, `["consensus","protocol","node","sdk","bllvm","governance"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := planWorld(t).with(dispatchEvent(t, tt.eventType, tt.payload)).with(map[string]string{"INPUT_RESOLVE-COMMITS": "false"})
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)
			assert.Empty(t, o.requests)
			assert.Equal(t, tt.wantComponents, o.outputs["components"])
		})
	}
}

// The orchestrator's workflow_dispatch: inputs.component narrows the plan
// as build_<component> does, inputs.set_ref is that component's commit;
// what a person mistypes fails before any request.
func TestPlanWorkflowDispatchInputs(t *testing.T) {
	tests := []struct {
		name           string
		inputs         map[string]any
		wantComponents string
		wantErr        string
	}{
		{"component narrows the plan", map[string]any{"component": "node"}, `["node","sdk","bllvm","governance"]`, ""},
		{"all is everything", map[string]any{"component": "all"}, `["consensus","protocol","node","sdk","bllvm","governance"]`, ""},
		{"no inputs is everything", map[string]any{}, `["consensus","protocol","node","sdk","bllvm","governance"]`, ""},
		{"an unknown component", map[string]any{"component": "wallet"}, "", `read the workflow_dispatch: inputs.component names unknown component "wallet"; known components: consensus, protocol, node, sdk, governance, bllvm (or all)`},
		{"set_ref without a component", map[string]any{"set_ref": dispatchedSHA}, "", "read the workflow_dispatch: inputs.set_ref is a commit of one component; set inputs.component"},
		{"set_ref with all", map[string]any{"component": "all", "set_ref": dispatchedSHA}, "", "inputs.set_ref is a commit of one component"},
		{"set_ref a branch name", map[string]any{"component": "node", "set_ref": "main"}, "", `read the workflow_dispatch: inputs.set_ref must be a full commit id of 40 hexadecimal characters; got "main"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := planWorld(t).with(workflowDispatchEvent(t, tt.inputs)).with(map[string]string{"INPUT_RESOLVE-COMMITS": "false"})
			if tt.wantErr != "" {
				w.vars["INPUT_RESOLVE-COMMITS"] = "true"
			}
			o := w.run()
			if tt.wantErr != "" {
				assert.Equal(t, 1, o.code)
				assert.Empty(t, o.requests, "the inputs are checked before any request")
				assert.Contains(t, errorLine(t, o.stdout), tt.wantErr)
				return
			}
			require.Equal(t, 0, o.code, o.stdout)
			assert.Equal(t, tt.wantComponents, o.outputs["components"])
		})
	}
}

// The orchestrator's workflow_dispatch ref input names a branch, tag or
// commit of the component: the compare that checks it is on the branch
// also says which commit it is, so it costs no request more.
func TestPlanWorkflowDispatchRef(t *testing.T) {
	tests := []struct {
		name    string
		ref     string
		setup   func(w *world)
		wantSHA string
		wantErr string
	}{
		{"a tag on the branch", "v0.1.0", func(w *world) { w.srv.SetTag("BTCDecoded/bllvm-consensus", "v0.1.0", dispatchedSHA) }, dispatchedSHA, ""},
		{"the branch itself", "main", func(*world) {}, heads["consensus"], ""},
		{"a full commit", dispatchedSHA, func(*world) {}, dispatchedSHA, ""},
		{"a branch the default branch does not hold", "topic", func(w *world) {
			w.srv.AddCommitOn("BTCDecoded/bllvm-consensus", heads["consensus"], strings.Repeat("7", 40))
			w.srv.SetBranch("BTCDecoded/bllvm-consensus", "topic", strings.Repeat("7", 40))
		}, "", "pin component consensus: commit topic, sent by the workflow_dispatch as inputs.ref, is not on the default branch of BTCDecoded/bllvm-consensus"},
		{"not a ref name", "main..topic", func(*world) {}, "", `read the workflow_dispatch: inputs.ref must be a branch, tag or commit of the component's repository; got "main..topic"`},
		{"both ref and set_ref", "main", func(*world) {}, "", "inputs.set_ref is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := planWorld(t)
			tt.setup(w)
			given := map[string]any{"component": "consensus", "ref": tt.ref}
			if tt.name == "both ref and set_ref" {
				given["set_ref"] = dispatchedSHA
			}
			o := w.with(workflowDispatchEvent(t, given)).run()
			if tt.wantErr != "" {
				assert.Equal(t, 1, o.code)
				assert.Contains(t, errorLine(t, o.stdout), tt.wantErr)
				return
			}
			require.Equal(t, 0, o.code, o.stdout)
			assert.Equal(t, wantManifest(moved(heads, map[string]string{"consensus": tt.wantSHA}), allComponents), o.outputs["manifest"])
			assert.Len(t, o.requests, 1+len(componentRepos), "the ref costs no request of its own")
		})
	}
}

// commandLines returns the lines of out that the runner reads as commands.
func commandLines(out string) []string {
	var commands []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "::") {
			commands = append(commands, line)
		}
	}
	return commands
}

func TestPlanBadDispatchSendsNothing(t *testing.T) {
	const injected = "::warning title=pwned::set by the dispatch"
	tests := []struct {
		name      string
		eventType string
		payload   map[string]any
		want      string
	}{
		{"sha too short", "build_consensus", map[string]any{"repo": "bllvm-consensus", "sha": dispatchedSHA[:7]}, `client_payload.sha must be a full commit id of 40 hexadecimal characters; got "0d15ba7"`},
		{"sha not a string", "build_consensus", map[string]any{"repo": "bllvm-consensus", "sha": 1234567}, "client_payload.sha must be a full commit id"},
		{"sha not hex", "build_consensus", map[string]any{"sha": strings.Repeat("g", 40)}, "client_payload.sha must be a full commit id"},
		{"sha carrying a workflow command", "build_consensus", map[string]any{"repo": "bllvm-consensus", "sha": dispatchedSHA + "\n" + injected}, `client_payload.sha must be a full commit id of 40 hexadecimal characters; got "` + dispatchedSHA + `\n::warning`},
		{"repo of another component", "build_consensus", map[string]any{"repo": "bllvm-node", "sha": dispatchedSHA}, `client_payload.repo "bllvm-node" is component node, but the event type build_consensus names component consensus`},
		{"repo of no component, carrying a workflow command", "build_consensus", map[string]any{"repo": "evil\n" + injected, "sha": dispatchedSHA}, `client_payload.repo "evil\n::warning`},
		{"source_sha too short", "build_consensus", map[string]any{"triggered_by": "bllvm-consensus", "source_sha": dispatchedSHA[:7]}, `client_payload.source_sha must be a full commit id of 40 hexadecimal characters; got "0d15ba7"`},
		{"triggered_by of another component", "build_consensus", map[string]any{"triggered_by": "bllvm-node", "source_sha": dispatchedSHA}, `client_payload.triggered_by "bllvm-node" is component node, but the event type build_consensus names component consensus`},
		{"sha and source_sha disagree", "build_consensus", map[string]any{"sha": dispatchedSHA, "source_sha": heads["consensus"]}, `client_payload.sha is "` + dispatchedSHA + `" but client_payload.source_sha is "` + heads["consensus"] + `"`},
		{"repo and triggered_by disagree", "build_consensus", map[string]any{"repo": "bllvm-consensus", "triggered_by": "bllvm-protocol"}, `client_payload.repo is "bllvm-consensus" but client_payload.triggered_by is "bllvm-protocol"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := planWorld(t).with(dispatchEvent(t, tt.eventType, tt.payload))
			o := w.run()
			assert.Equal(t, 1, o.code)
			assert.Zero(t, len(o.requests), "the event is checked before any request")
			assert.Empty(t, o.outputs)
			line := errorLine(t, o.stdout)
			assert.Contains(t, line, "read the repository_dispatch: ")
			assert.Contains(t, line, tt.want)
			for _, command := range commandLines(o.stdout) {
				ok := strings.HasPrefix(command, "::add-mask::") || command == line
				assert.True(t, ok, "only the mask and the one error are commands; got %q", command)
			}
		})
	}
}

func TestPlanPinFailsBeforeAnyOutput(t *testing.T) {
	const unknownSHA = "dead00000000000000000000000000000000beef"
	tests := []struct {
		name       string
		unreadable []string
		vars       func(t *testing.T) map[string]string
		requests   int // every read finishes before the first failure is reported
		want       []string
	}{
		{
			name: "dispatched commit not in its repository",
			vars: func(t *testing.T) map[string]string {
				return dispatchEvent(t, "build_consensus", map[string]any{"repo": "bllvm-consensus", "sha": unknownSHA})
			},
			requests: 1 + len(componentRepos),
			want:     []string{"pin component consensus: commit " + unknownSHA, "is not in BTCDecoded/bllvm-consensus"},
		},
		{
			name:       "a component repository the token cannot read",
			unreadable: []string{"bllvm-sdk"},
			vars:       func(*testing.T) map[string]string { return nil },
			requests:   1 + len(componentRepos),
			want:       []string{"pin component sdk: ", "404", "BTCDecoded/bllvm-sdk", "contents: read"},
		},
		{
			name: "a branch the repository does not have",
			vars: func(*testing.T) map[string]string {
				return map[string]string{"INPUT_GRAPH": "consensus: {}\nprotocol: {branch: release/9.9, depends-on: [consensus]}\n"}
			},
			requests: 3,
			want:     []string{"pin component protocol: BTCDecoded/bllvm-protocol has no branch release/9.9"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := planWorld(t, tt.unreadable...).with(tt.vars(t))
			o := w.run()
			assert.Equal(t, 1, o.code)
			assert.Len(t, o.requests, tt.requests)
			for _, r := range o.requests {
				assert.Equal(t, "GET", r.Method, "plan only reads")
			}
			line := errorLine(t, o.stdout)
			for _, want := range tt.want {
				assert.Contains(t, line, want)
			}
			assert.Empty(t, o.outputs, "no matrix to build from a half-pinned snapshot")
			assert.Empty(t, o.summary)
		})
	}
}

// The manifest is a value: a push that lands after plan changes nothing
// the run builds or tags, and only the next plan pins it.
func TestPlanSnapshotOutlivesAPush(t *testing.T) {
	const pushed = "2222222222222222222222222222222222222abc"
	w := planWorld(t)
	planned := w.run()
	require.Equal(t, 0, planned.code, planned.stdout)
	require.Equal(t, wantManifest(heads, allComponents), planned.outputs["manifest"])

	w.srv.SetBranch(consensus, "main", pushed)
	assert.Equal(t, planned.outputs, githubtest.ReadOutputs(t, w.vars["GITHUB_OUTPUT"]), "the outputs the jobs read are the plan's")

	w.with(map[string]string{"INPUT_MODE": "nightly-tag", "INPUT_PUSH-TAG": "true", "INPUT_MANIFEST": planned.outputs["manifest"]})
	w.srv.SetBranch(orchestrator, "main", pushSHA)
	tagged := w.step()
	require.Equal(t, 0, tagged.code, tagged.stdout)
	object, ok := w.srv.TagObject(orchestrator, todayTag)
	require.True(t, ok)
	assert.Contains(t, object.Message, heads["consensus"])
	assert.NotContains(t, object.Message, pushed, "the tag records the planned commit")

	w.vars["INPUT_MODE"] = "plan"
	replanned := w.step()
	require.Equal(t, 0, replanned.code, replanned.stdout)
	assert.Equal(t, wantManifest(moved(heads, map[string]string{"consensus": pushed, "bllvm": pushSHA}), allComponents), replanned.outputs["manifest"],
		"the next plan pins the pushes, the orchestrator's own among them: its crate is a component")
}

// baseTag is the complete nightly planBase publishes.
const baseTag = "nightly-20251116-6113728"

// planBase publishes, in the orchestrator, a nightly holding pins as its
// base: an annotated tag recording the manifest and a published release
// with the marker of a complete nightly (marked), or without (an older
// action's, or one published by hand).
func planBase(t testing.TB, w *world, pins map[string]string, marked, draft bool) {
	t.Helper()
	var m manifest.Manifest
	for _, c := range componentRepos {
		m = append(m, manifest.Entry{Component: c.component, Repository: "BTCDecoded/" + c.repository, SHA: pins[c.component], Rebuilt: true})
	}
	w.srv.AddCommit(orchestrator, pushSHA)
	object := w.srv.SetAnnotatedTag(orchestrator, baseTag, pushSHA, manifest.Message(baseTag, orchestrator, pushSHA, m))
	body := "### What this nightly holds\n"
	if marked {
		body += "\n" + nightly.CompleteMarker(object) + "\n"
	}
	w.srv.AddRelease(orchestrator, githubtest.Release{TagName: baseTag, Body: body, Prerelease: true, Draft: draft})
}

func TestPlanAgainstTheBase(t *testing.T) {
	tests := []struct {
		name          string
		base          map[string]string
		marked, draft bool
		vars          func(t *testing.T) map[string]string
		wantBase      string
		wantPins      map[string]string
		wantRebuilt   []string
		wantRequests  int
		wantNotice    string
		wantCascade   []string // lines of the summary's cascade table
	}{
		{
			name: "a quiet schedule: everything at the base's commits, nothing to build",
			base: heads, marked: true,
			vars:     func(*testing.T) map[string]string { return nil },
			wantBase: baseTag, wantPins: heads, wantRebuilt: nil,
			wantRequests: 2 + len(componentRepos), // releases, tag object, one head each
			wantNotice:   "every component is at the commit " + baseTag + " holds: nothing to build",
		},
		{
			name: "node moved since the base: node and what depends on it are rebuilt, the rest carried",
			base: moved(heads, map[string]string{"node": nodeOnMain}), marked: true,
			vars:     func(*testing.T) map[string]string { return nil },
			wantBase: baseTag, wantPins: heads, wantRebuilt: []string{"node", "sdk", "bllvm", "governance"},
			wantRequests: 2 + len(componentRepos) + 1, // and one compare, for node
			wantCascade:  []string{"| node | ", " | changed | protocol |", "| sdk | ", " | rebuilt | node |", "| protocol | ", " | carried over | consensus |"},
		},
		{
			name: "a late dispatch behind the base never takes the nightly back",
			base: heads, marked: true,
			vars: func(t *testing.T) map[string]string {
				return dispatchEvent(t, "build_node", map[string]any{"repo": "bllvm-node", "sha": nodeOnMain})
			},
			wantBase: baseTag, wantPins: heads, wantRebuilt: nil,
			wantRequests: 2 + len(componentRepos) + 1, // the dispatched commit's compare with its branch, then with the base
			wantNotice:   "component node: 0de0000 is 2 commits behind c3c3c3c, which " + baseTag + " holds; pinned c3c3c3c instead, since a nightly never goes backwards",
		},
		{
			name: "a published nightly without the marker is not known complete: no base, everything built",
			base: heads, marked: false,
			vars:     func(*testing.T) map[string]string { return nil },
			wantBase: "", wantPins: heads, wantRebuilt: allComponents,
			wantRequests: 1 + len(componentRepos),
		},
		{
			name: "a draft is never a base",
			base: heads, marked: true, draft: true,
			vars:     func(*testing.T) map[string]string { return nil },
			wantBase: "", wantPins: heads, wantRebuilt: allComponents,
			wantRequests: 1 + len(componentRepos),
		},
		{
			name: "the changed input rebuilds what it names even at the base's commits",
			base: heads, marked: true,
			vars:     func(*testing.T) map[string]string { return map[string]string{"INPUT_CHANGED": "sdk"} },
			wantBase: baseTag, wantPins: heads, wantRebuilt: []string{"sdk", "governance"},
			wantRequests: 2 + len(componentRepos),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := planWorld(t)
			planBase(t, w, tt.base, tt.marked, tt.draft)
			o := w.with(tt.vars(t)).run()
			require.Equal(t, 0, o.code, o.stdout)
			assert.Equal(t, tt.wantBase, o.outputs["base"])
			assert.Equal(t, strconv.FormatBool(len(tt.wantRebuilt) > 0), o.outputs["changed"])
			assert.Equal(t, wantManifest(tt.wantPins, tt.wantRebuilt), o.outputs["manifest"])
			var components []string
			require.NoError(t, json.Unmarshal([]byte(o.outputs["components"]), &components))
			assert.ElementsMatch(t, tt.wantRebuilt, components)
			assert.Len(t, o.requests, tt.wantRequests, "%v", o.requests)
			if tt.wantNotice != "" {
				assert.Contains(t, o.stdout, "::notice::"+tt.wantNotice)
			}
			if tt.wantBase != "" {
				assert.Contains(t, o.summary, baseTag)
			}
			assert.Contains(t, o.summary, "```mermaid\nflowchart LR\n", "the summary pictures the cascade")
			for _, cell := range tt.wantCascade {
				assert.Contains(t, o.summary, cell)
			}
		})
	}
}

// pin: green takes every component at the newest commit whose CI passed
// on a push: a newer commit whose CI failed, or of a pull request, or of
// another workflow, is not taken.
func TestPlanPinGreen(t *testing.T) {
	w := planWorld(t).with(map[string]string{"INPUT_PIN": "green", "INPUT_GRAPH": "consensus: {branch: main}\nprotocol: {branch: main, depends-on: [consensus]}\n"})
	const good = "9000000000000000000000000000000000000001"
	w.srv.AddCommit(consensus, good)
	w.srv.SetBranch(consensus, "main", heads["consensus"])
	run := func(repo string, r githubtest.Run) { w.srv.AddRun(repo, r) }
	run(consensus, githubtest.Run{WorkflowID: "ci.yml", Event: "push", HeadBranch: "main", HeadSHA: good})
	run(consensus, githubtest.Run{WorkflowID: "ci.yml", Event: "push", HeadBranch: "main", HeadSHA: heads["consensus"], Status: "completed", Conclusion: "failure"})
	run(consensus, githubtest.Run{WorkflowID: "ci.yml", Event: "pull_request", HeadBranch: "main", HeadSHA: heads["consensus"]})
	run(consensus, githubtest.Run{WorkflowID: "other.yml", Event: "push", HeadBranch: "main", HeadSHA: heads["consensus"]})
	protocol := "BTCDecoded/bllvm-protocol"
	run(protocol, githubtest.Run{WorkflowID: "ci.yml", Event: "push", HeadBranch: "main", HeadSHA: heads["protocol"]})

	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	m, err := manifest.Parse("manifest", o.outputs["manifest"])
	require.NoError(t, err)
	assert.Equal(t, good, m[0].SHA, "consensus: the previous good commit, not the head whose CI failed")
	assert.Equal(t, heads["protocol"], m[1].SHA)
	assert.Len(t, o.requests, 1+2, "the releases, then one runs listing per component")
	for _, r := range o.requests[1:] {
		assert.Contains(t, r.Path, "/actions/workflows/ci.yml/runs")
		assert.Equal(t, "push", r.Query.Get("event"))
		assert.Equal(t, "success", r.Query.Get("status"))
		assert.Equal(t, "main", r.Query.Get("branch"))
		assert.Equal(t, "1", r.Query.Get("per_page"))
	}
	assert.Contains(t, o.summary, "newest commit of main whose ci.yml passed")
}

// greenWorld is planWorld with a published complete base in which every
// component is at another commit, a graph naming every branch, and a
// successful push run of ci.yml at every head: plan with pin: green then
// reads the newest nightly, its tag object, one runs listing and one
// compare per component.
func greenWorld(tb testing.TB) *world {
	tb.Helper()
	w := planWorld(tb)
	var graph strings.Builder
	older := map[string]string{}
	for i, c := range componentRepos {
		repo := "BTCDecoded/" + c.repository
		head := heads[c.component]
		if c.component == "governance" {
			head = governanceMain
		}
		// The base's commit, made after the head: the head is behind it,
		// one compare tells, and the base's commit is kept.
		older[c.component] = fmt.Sprintf("%040x", 0xbace0+i)
		w.srv.AddCommit(repo, older[c.component])
		w.srv.AddRun(repo, githubtest.Run{WorkflowID: "ci.yml", Event: "push", HeadBranch: "main", HeadSHA: head})
		fmt.Fprintf(&graph, "%s: {repository: %s, branch: main", c.component, c.repository)
		if i > 0 {
			fmt.Fprintf(&graph, ", depends-on: [%s]", componentRepos[i-1].component)
		}
		graph.WriteString("}\n")
	}
	planBase(tb, w, older, true, false)
	return w.with(map[string]string{"INPUT_PIN": "green", "INPUT_GRAPH": graph.String()})
}

// The request budget the README quotes for plan with a base and pin:
// green: at most 2 + 2N for N components.
func TestPlanRequestBudget(t *testing.T) {
	o := greenWorld(t).run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.NotEmpty(t, o.outputs["base"])
	var sent []string
	for _, r := range o.requests {
		sent = append(sent, r.Method+" "+r.Path)
	}
	assert.LessOrEqual(t, len(o.requests), 2+2*len(componentRepos), "requests sent:\n%s", strings.Join(sent, "\n"))
	assert.Equal(t, len(componentRepos), strings.Count(strings.Join(sent, "\n"), "/compare/"), "one compare per component, each differing from the base")
}

// cargoFiles are Cargo.toml files shaped like BTCDecoded's own: each
// crate depends by path on the sibling folders of what it is built
// against.
var cargoFiles = map[string]string{
	"consensus":  "[package]\nname = \"bllvm-consensus\"\nversion = \"0.1.0\"\n\n[dependencies]\nsha2 = \"0.10\"\n",
	"protocol":   "[package]\nname = \"bllvm-protocol\"\n\n[dependencies]\nbllvm-consensus = { path = \"../bllvm-consensus\" }\n",
	"node":       "[package]\nname = \"bllvm-node\"\n\n[dependencies]\nbllvm-protocol = { path = \"../bllvm-protocol\", features = [\"production\"] }\n",
	"sdk":        "[package]\nname = \"bllvm-sdk\"\n\n[dependencies]\nbllvm-node = { path = \"../bllvm-node\" }\n",
	"governance": "[package]\nname = \"bllvm-commons\"\n\n[dependencies.bllvm-sdk]\npath = \"../bllvm-sdk\"\n",
	"bllvm":      "[package]\nname = \"bllvm\"\n\n[dependencies]\nbllvm-node = { path = \"../bllvm-node\" }\nclap = \"4\"\n",
}

// cargoWorld is planWorld with graph: cargo, each component's head
// holding cargoFiles' Cargo.toml, or changes' (a component mapped to ""
// holds none).
func cargoWorld(tb testing.TB, changes map[string]string) *world {
	tb.Helper()
	w := planWorld(tb).with(map[string]string{"INPUT_GRAPH": "cargo"})
	for _, c := range componentRepos {
		content, changed := changes[c.component]
		if !changed {
			content = cargoFiles[c.component]
		}
		if content != "" {
			w.srv.SetFile("BTCDecoded/"+c.repository, heads[c.component], "Cargo.toml", content)
		}
	}
	return w
}

// cargoReads are the Cargo.toml reads of o, as repository → ref.
func cargoReads(o outcome) map[string]string {
	reads := map[string]string{}
	for _, r := range o.requests {
		if repository, ok := strings.CutSuffix(strings.TrimPrefix(r.Path, "/repos/BTCDecoded/"), "/contents/Cargo.toml"); ok {
			reads[repository] = r.Query.Get("ref")
		}
	}
	return reads
}

// graph: cargo over BTCDecoded's real layout gives the real graph: each
// Cargo.toml read once, at the commit pinned.
func TestPlanGraphCargo(t *testing.T) {
	o := cargoWorld(t, nil).run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Equal(t, `[["consensus"],["protocol"],["node"],["sdk","bllvm"],["governance"]]`, o.outputs["waves"])
	assert.Equal(t, wantManifest(heads, allComponents), o.outputs["manifest"])
	want := map[string]string{}
	for _, c := range componentRepos {
		want[c.repository] = heads[c.component]
	}
	assert.Equal(t, want, cargoReads(o), "one read per component, at its pinned commit")
	assert.Len(t, o.requests, 1+2*len(componentRepos), "the releases, one pin and one Cargo.toml each")
	for _, r := range o.requests {
		assert.Equal(t, "GET", r.Method)
	}
	assert.Contains(t, o.summary, "edges from Cargo.toml at the pinned commits: consensus on nothing; protocol on consensus; node on protocol; sdk on node; governance on sdk; bllvm on node")
	assert.NotContains(t, o.stdout, "::warning::")
}

// What the Cargo.toml files say decides what a change rebuilds: node moved
// since the base, and sdk's Cargo.toml keeps, patches back or drops its
// path dependency on node.
func TestPlanGraphCargoDecidesTheRebuild(t *testing.T) {
	tests := []struct {
		name        string
		sdk         string
		wantRebuilt []string
		wantWarning string
	}{
		{"a path dependency: sdk and governance are rebuilt", cargoFiles["sdk"], []string{"node", "sdk", "bllvm", "governance"}, ""},
		{"moved to crates.io but patched back to ../bllvm-node: the edge stays",
			"[package]\nname = \"bllvm-sdk\"\n\n[dependencies]\nbllvm-node = \"0.1.1\"\n\n[patch.crates-io]\nbllvm-node = { path = \"../bllvm-node\" }\n",
			[]string{"node", "sdk", "bllvm", "governance"}, ""},
		{"moved to crates.io without a patch: sdk and governance are carried",
			"[package]\nname = \"bllvm-sdk\"\n\n[dependencies]\nbllvm-node = \"0.1.1\"\n",
			[]string{"node", "bllvm"}, ""},
		{"a dev-dependency alone: no edge",
			"[package]\nname = \"bllvm-sdk\"\n\n[dev-dependencies]\nbllvm-node = { path = \"../bllvm-node\" }\n",
			[]string{"node", "bllvm"}, ""},
		{"a path naming no repository warns, naming the file and the key",
			"[dependencies]\nbllvm-node = { path = \"../bllvm-node\" }\nwallet = { path = \"../bllvm-wallet\" }\n",
			[]string{"node", "sdk", "bllvm", "governance"},
			"::warning::BTCDecoded/bllvm-sdk/Cargo.toml at d4d4d4d: [dependencies] wallet has path ../bllvm-wallet, which names no repository of the graph"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := cargoWorld(t, map[string]string{"sdk": tt.sdk})
			planBase(t, w, moved(heads, map[string]string{"node": nodeOnMain}), true, false)
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)
			var components []string
			require.NoError(t, json.Unmarshal([]byte(o.outputs["components"]), &components))
			assert.ElementsMatch(t, tt.wantRebuilt, components)
			assert.Equal(t, wantManifest(heads, tt.wantRebuilt), o.outputs["manifest"])
			if tt.wantWarning != "" {
				assert.Contains(t, o.stdout, tt.wantWarning)
			} else {
				assert.NotContains(t, o.stdout, "::warning::")
			}
			// The budget: the releases, the base's tag object, one pin and
			// one Cargo.toml each, and the one compare of node, which moved.
			assert.Len(t, o.requests, 2+2*len(componentRepos)+1)
		})
	}
}

func TestPlanGraphCargoRefuses(t *testing.T) {
	tests := []struct {
		name    string
		changes map[string]string
		vars    map[string]string
		want    []string
		sends   bool
	}{
		{"a missing Cargo.toml", map[string]string{"node": ""}, nil, []string{
			"read the graph of component node (graph: cargo): BTCDecoded/bllvm-node has no Cargo.toml at " + heads["node"] + ", the commit pinned",
			"its edges can be read only from a Cargo.toml at the root of its repository; give its depends-on in the graph input instead",
			"contents: read",
		}, true},
		{"not TOML, never quoted", map[string]string{"sdk": "[dependencies\nsecret = \"hunter2\"\n"}, nil, []string{
			"read the graph (graph: cargo): read BTCDecoded/bllvm-sdk/Cargo.toml at d4d4d4d: not valid TOML at line 2",
		}, true},
		{"without resolve-commits: nothing to read the files at", nil, map[string]string{"INPUT_RESOLVE-COMMITS": "false"}, []string{
			"input graph: cargo reads each component's Cargo.toml at its pinned commit, so it needs resolve-commits: true",
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := cargoWorld(t, tt.changes).with(tt.vars).run()
			assert.Equal(t, 1, o.code)
			line := errorLine(t, o.stdout)
			for _, want := range tt.want {
				assert.Contains(t, line, want)
			}
			assert.NotContains(t, o.stdout, "hunter2")
			assert.Empty(t, o.outputs, "no plan from a graph that could not be read")
			assert.Equal(t, tt.sends, len(o.requests) > 0)
			for _, r := range o.requests {
				assert.Equal(t, "GET", r.Method)
			}
		})
	}
}

// The request budget the README quotes for plan with graph: cargo and a
// base: at most 2N + 2 for N components at the base's commits (the page
// of releases, the base's tag object, N pins, N Cargo.toml reads), and
// one compare more for each component whose commit moved, as pinning
// sends it without cargo.
func TestPlanGraphCargoRequestBudget(t *testing.T) {
	w := cargoWorld(t, nil)
	planBase(t, w, heads, true, false)
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.NotEmpty(t, o.outputs["base"])
	var sent []string
	for _, r := range o.requests {
		sent = append(sent, r.Method+" "+r.Path)
	}
	assert.LessOrEqual(t, len(o.requests), 2*len(componentRepos)+2, "requests sent:\n%s", strings.Join(sent, "\n"))
	assert.Len(t, cargoReads(o), len(componentRepos))
}

// depends-on: cargo in a graph of one's own reads only that component's
// Cargo.toml: the others' edges are the graph's.
func TestPlanDependsOnCargo(t *testing.T) {
	const graph = "consensus: {}\nprotocol: {depends-on: [consensus]}\nnode: {depends-on: [protocol]}\n" +
		"sdk: {depends-on: cargo}\ngovernance: {repository: bllvm-commons, depends-on: [sdk]}\nbllvm: {repository: bllvm, depends-on: [node]}\n"
	w := cargoWorld(t, map[string]string{"sdk": "[dependencies]\nbllvm-node = \"0.1.1\"\n"}).with(map[string]string{"INPUT_GRAPH": graph})
	planBase(t, w, moved(heads, map[string]string{"node": nodeOnMain}), true, false)
	o := w.run()
	require.Equal(t, 0, o.code, o.stdout)
	assert.Equal(t, map[string]string{"bllvm-sdk": heads["sdk"]}, cargoReads(o), "only sdk's Cargo.toml is read")
	var components []string
	require.NoError(t, json.Unmarshal([]byte(o.outputs["components"]), &components))
	assert.Equal(t, []string{"node", "bllvm"}, components, "sdk no longer depends on node: sdk and governance are carried")
	assert.Contains(t, o.summary, "sdk on nothing; governance on sdk; bllvm on node")
}
