package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	all := `["consensus","protocol","node","sdk","governance"]`
	tests := []struct {
		name           string
		event          string
		eventPath      func(t *testing.T) string
		vars           map[string]string
		wantComponents string
		wantBuildAll   string
	}{
		{"build_node from a dispatch", "repository_dispatch", func(t *testing.T) string { return dispatchPayload(t, "build_node") }, nil, `["node","sdk","governance"]`, "false"},
		{"build_consensus is everything", "repository_dispatch", func(t *testing.T) string { return dispatchPayload(t, "build_consensus") }, nil, all, "true"},
		{"build_governance alone", "repository_dispatch", func(t *testing.T) string { return dispatchPayload(t, "build_governance") }, nil, `["governance"]`, "false"},
		{"build_all", "repository_dispatch", func(t *testing.T) string { return dispatchPayload(t, "build_all") }, nil, all, "true"},
		{"unknown dispatch type builds all", "repository_dispatch", func(*testing.T) string { return payload("repository_dispatch.json") }, nil, all, "true"},
		{"schedule", "schedule", func(*testing.T) string { return payload("schedule.json") }, nil, all, "true"},
		{"workflow_dispatch", "workflow_dispatch", func(*testing.T) string { return payload("workflow_dispatch.json") }, nil, all, "true"},
		{"workflow_run", "workflow_run", func(*testing.T) string { return payload("workflow_run.json") }, nil, all, "true"},
		{"changed input wins", "schedule", func(*testing.T) string { return payload("schedule.json") }, map[string]string{"INPUT_CHANGED": "sdk"}, `["sdk","governance"]`, "false"},
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
			require.Len(t, matrix.Include, len(components))
			for i, entry := range matrix.Include {
				assert.Equal(t, components[i], entry.Component)
				assert.Equal(t, i+1, entry.Wave, "the chain builds one wave per component")
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
