package inputs

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLocateInputs(t *testing.T) {
	const sha = "6113728F27AE82C7B1A177C8D03F9E96E0ADF246"
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want Locate
	}{
		{"a full commit id, lower-cased", map[string]string{"INPUT_COMPONENT": "consensus", "INPUT_SHA": sha},
			nil, Locate{Component: "consensus", SHA: strings.ToLower(sha), Prefix: "nightly"}},
		{"a branch, another prefix and a graph", map[string]string{"INPUT_COMPONENT": "node", "INPUT_REF": "release/1.0", "INPUT_PREFIX": "build", "INPUT_GRAPH": "@graph.yml"},
			nil, Locate{Component: "node", Ref: "release/1.0", Prefix: "build", Graph: "@graph.yml"}},
		{"a short commit id as flags", nil, []string{"--component=sdk", "--ref=6113728"},
			Locate{Component: "sdk", Ref: "6113728", Prefix: "nightly"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Read(tt.args, env(tt.env), &bytes.Buffer{})
			require.NoError(t, err)
			got, err := v.Locate()
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestBadLocateInputs(t *testing.T) {
	const sha = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
	tests := []struct {
		name  string
		env   map[string]string
		input string
		rule  string
	}{
		{"no component", map[string]string{"INPUT_SHA": sha}, "component", "is empty: name the component"},
		{"neither sha nor ref", map[string]string{"INPUT_COMPONENT": "consensus"}, "sha", "is empty, and so is ref"},
		{"both sha and ref", map[string]string{"INPUT_COMPONENT": "consensus", "INPUT_SHA": sha, "INPUT_REF": "main"}, "ref", "must be empty when sha is set"},
		{"a short id as sha", map[string]string{"INPUT_COMPONENT": "consensus", "INPUT_SHA": "6113728"}, "sha", "give a short one, a branch or a tag as ref"},
		{"a ref no git name can be", map[string]string{"INPUT_COMPONENT": "consensus", "INPUT_REF": "main~2"}, "ref", "must be a branch, tag or commit id"},
		{"a ref that reads as an option", map[string]string{"INPUT_COMPONENT": "consensus", "INPUT_REF": "-x"}, "ref", "must be a branch, tag or commit id"},
		{"a prefix no tag can start with", map[string]string{"INPUT_COMPONENT": "consensus", "INPUT_SHA": sha, "INPUT_PREFIX": "a..b"}, "prefix", "must make a valid tag name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Read(nil, env(tt.env), &bytes.Buffer{})
			require.NoError(t, err)
			_, err = v.Locate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), "input "+tt.input+": ")
			assert.Contains(t, err.Error(), tt.rule)
		})
	}
}
