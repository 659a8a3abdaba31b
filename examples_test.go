package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lintAgainstLocalAction lints workflow files with actionlint, with every
// `uses: BTCDecoded/release-action@v1` pointed at this checkout's
// action.yml, so each with: key and each steps.*.outputs.* reference is
// checked against the real action. Shellcheck and pyflakes are not run.
func lintAgainstLocalAction(t *testing.T, workflows map[string][]byte) []*actionlint.Error {
	t.Helper()
	project := t.TempDir()
	dir := filepath.Join(project, ".github", "workflows")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(project, "release-action"), 0o755))
	for _, name := range []string{"action.yml", "Dockerfile"} {
		content, err := os.ReadFile(name)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(project, "release-action", name), content, 0o644))
	}

	var paths []string
	for name, content := range workflows {
		local := bytes.ReplaceAll(content, []byte("uses: BTCDecoded/release-action@v1"), []byte("uses: ./release-action"))
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, local, 0o644))
		paths = append(paths, path)
	}
	var out bytes.Buffer
	linter, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{Shellcheck: "-", Pyflakes: "-"})
	require.NoError(t, err)
	p, err := actionlint.NewProject(project)
	require.NoError(t, err)
	errs, err := linter.LintFiles(paths, p)
	require.NoError(t, err)
	return errs
}

func TestExamplesPassActionlint(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("examples", "workflows", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	workflows := map[string][]byte{}
	for _, f := range files {
		content, err := os.ReadFile(f)
		require.NoError(t, err)
		require.Contains(t, string(content), "uses: BTCDecoded/release-action@v1", "%s uses the action", f)
		workflows[filepath.Base(f)] = content
	}
	for _, e := range lintAgainstLocalAction(t, workflows) {
		t.Errorf("%s:%d:%d: %s [%s]", e.Filepath, e.Line, e.Column, e.Message, e.Kind)
	}
}

// The check has teeth: a misspelt input and an output the action does not
// set are both reported.
func TestActionlintCatchesMistakes(t *testing.T) {
	workflow := []byte(`on: push
jobs:
  j:
    runs-on: [self-hosted, Linux, X64]
    steps:
      - id: tag
        uses: BTCDecoded/release-action@v1
        with:
          mode: nightly-tag
          push_tag: true
      - run: echo "${{ steps.tag.outputs.nightly }}"
`)
	errs := lintAgainstLocalAction(t, map[string][]byte{"bad.yml": workflow})
	var messages []string
	for _, e := range errs {
		messages = append(messages, e.Message)
	}
	all := strings.Join(messages, "\n")
	assert.Contains(t, all, `input "push_tag" is not defined`)
	assert.Contains(t, all, `property "nightly" is not defined`)
}
