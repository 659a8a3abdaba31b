package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/BTCDecoded/release-action/internal/inputs"
)

var update = flag.Bool("update", false, "rewrite the README's generated tables")

type actionFile struct {
	Inputs map[string]struct {
		Description string  `yaml:"description"`
		Default     *string `yaml:"default"`
		Required    bool    `yaml:"required"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
	} `yaml:"outputs"`
	Runs struct {
		Using      string   `yaml:"using"`
		Image      string   `yaml:"image"`
		Entrypoint string   `yaml:"entrypoint"`
		Args       []string `yaml:"args"`
	} `yaml:"runs"`
}

// renderAction writes action.yml from the list of inputs and outputs.
func renderAction() string {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	var b strings.Builder
	b.WriteString("# Generated from internal/inputs/spec.go by go test . -update; edit there.\n")
	b.WriteString("name: 'BTCDecoded release'\n")
	b.WriteString("description: 'Dispatch builds to the BTCDecoded orchestrator, tag nightlies and publish prereleases, from one Docker action.'\n")
	b.WriteString("author: 'BTCDecoded'\nbranding:\n  icon: 'package'\n  color: 'orange'\ninputs:\n")
	for _, s := range inputs.Specs {
		fmt.Fprintf(&b, "  %s:\n    description: %s\n    required: false\n    default: %s\n", s.Name, quote(s.Description), quote(s.Default))
	}
	b.WriteString("outputs:\n")
	for _, o := range inputs.Outputs {
		fmt.Fprintf(&b, "  %s:\n    description: %s\n", o.Name, quote(o.Description))
	}
	b.WriteString("runs:\n  using: 'docker'\n  image: 'Dockerfile'\n")
	return b.String()
}

func readAction(t *testing.T) actionFile {
	t.Helper()
	if want := renderAction(); *update {
		require.NoError(t, os.WriteFile("action.yml", []byte(want), 0o644))
	}
	data, err := os.ReadFile("action.yml")
	require.NoError(t, err)
	assert.Equal(t, renderAction(), string(data), "action.yml is stale: run go test . -update")
	var a actionFile
	require.NoError(t, yaml.Unmarshal(data, &a))
	return a
}

// action.yml declares exactly the inputs the program reads, with the same
// defaults and descriptions, and exactly the outputs it sets.
func TestActionYAMLMatchesInputs(t *testing.T) {
	a := readAction(t)
	assert.Equal(t, "docker", a.Runs.Using)
	assert.Equal(t, "Dockerfile", a.Runs.Image)
	assert.Empty(t, a.Runs.Args, "inputs reach the container as INPUT_* variables, not args")

	var names []string
	for _, s := range inputs.Specs {
		names = append(names, s.Name)
		in, ok := a.Inputs[s.Name]
		if !assert.True(t, ok, "action.yml lacks input %s", s.Name) {
			continue
		}
		if assert.NotNil(t, in.Default, "input %s has no default in action.yml", s.Name) {
			assert.Equal(t, s.Default, *in.Default, "default of %s", s.Name)
		}
		assert.Equal(t, s.Description, in.Description, "description of %s", s.Name)
		assert.False(t, in.Required, "input %s: every input has a default instead", s.Name)
	}
	assert.ElementsMatch(t, names, keys(a.Inputs), "inputs of action.yml")
	assert.Equal(t, "${{ github.token }}", *a.Inputs["token"].Default)

	var outputs []string
	for _, o := range inputs.Outputs {
		outputs = append(outputs, o.Name)
		assert.Equal(t, o.Description, a.Outputs[o.Name].Description, "description of output %s", o.Name)
	}
	assert.ElementsMatch(t, outputs, keys(a.Outputs), "outputs of action.yml")
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The README's input and output tables are generated from the same list;
// go test . -update rewrites them.
func TestREADMETables(t *testing.T) {
	data, err := os.ReadFile("README.md")
	require.NoError(t, err)
	readme := string(data)
	const start, end = "<!-- inputs:start -->\n", "<!-- inputs:end -->"
	i, j := strings.Index(readme, start), strings.Index(readme, end)
	require.True(t, i >= 0 && j > i, "README.md lacks the %q … %q markers", start, end)
	got := readme[i+len(start) : j]
	want := tables()
	if *update && got != want {
		readme = readme[:i+len(start)] + want + readme[j:]
		require.NoError(t, os.WriteFile("README.md", []byte(readme), 0o644))
		got = want
	}
	assert.Equal(t, want, got, "README tables are stale: run go test . -update")
}

func tables() string {
	var b strings.Builder
	b.WriteString("## Inputs\n\nEvery input is also a flag of the same name (`--event-type`, …).\n\n")
	b.WriteString("| input | default | modes | description |\n|---|---|---|---|\n")
	for _, s := range inputs.Specs {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", s.Name, cell(s.Default), modes(s.Modes), escape(s.Description))
	}
	b.WriteString("\n## Outputs\n\n| output | modes | description |\n|---|---|---|\n")
	for _, o := range inputs.Outputs {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", o.Name, modes(o.Modes), escape(o.Description))
	}
	b.WriteString("\n")
	return b.String()
}

func cell(def string) string {
	if def == "" {
		return "(empty)"
	}
	return "`" + def + "`"
}

func modes(m []string) string {
	if m == nil {
		return "all"
	}
	return "`" + strings.Join(m, "`, `") + "`"
}

func escape(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
}

// The README's first command runs the action locally, offline and without
// a token. Run it in-process, exactly as written, with a client that fails
// on any request.
func TestQuickStartDryRun(t *testing.T) {
	data, err := os.ReadFile("README.md")
	require.NoError(t, err)
	line := regexp.MustCompile(`(?m)^go run \. (.+)$`).FindStringSubmatch(string(data))
	require.NotNil(t, line, "README.md has a `go run . …` quick-start line")
	args := strings.Fields(line[1])

	var stdout, stderr bytes.Buffer
	offline := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("the dry run sent %s %s", r.Method, r.URL)
		return nil, errors.New("offline")
	})}
	code := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr, offline)
	require.Equal(t, 0, code, stderr.String())
	assert.Contains(t, stderr.String(), "POST https://api.github.com/repos/BTCDecoded/bllvm/dispatches")
	assert.Contains(t, stderr.String(), `"event_type": "build_consensus"`)
	assert.Contains(t, stdout.String(), "dispatched=true\norchestrator=BTCDecoded/bllvm\nevent-type=build_consensus\n")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestHelpExitsZero(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--help"}, func(string) string { return "" }, &stdout, &stderr, http.DefaultClient)
	assert.Equal(t, 0, code)
	for _, s := range inputs.Specs {
		assert.Contains(t, stdout.String(), "--"+s.Name+" ")
	}
}
