package prerelease

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Each step's lines go in a collapsible group titled by the step, and
// the line that says what it did follows the group, where the log folded
// still shows it; a failing step closes its group and stops the rest.
func TestRunStepsGroupsEachStep(t *testing.T) {
	tests := []struct {
		name    string
		steps   func(logf func(string, ...any)) []step
		wantErr string
		want    []string
	}{
		{"every step, each in its group", func(logf func(string, ...any)) []step {
			return []step{
				{"Read and check", func(context.Context) (string, error) { logf("read 2 pages"); return "checked", nil }},
				{"Attach", func(context.Context) (string, error) {
					logf("uploaded a.tar.gz (1 B)")
					logf("uploaded b.zip (1 B)")
					return "assets: 2 uploaded, 0 unchanged, 0 replaced", nil
				}},
				{"Publish", func(context.Context) (string, error) { return "", nil }},
			}
		}, "", []string{
			"::group::Read and check", "read 2 pages", "::endgroup::", "checked",
			"::group::Attach", "uploaded a.tar.gz (1 B)", "uploaded b.zip (1 B)", "::endgroup::", "assets: 2 uploaded, 0 unchanged, 0 replaced",
			"::group::Publish", "::endgroup::",
		}},
		{"a failing step closes its group, and nothing runs after it", func(logf func(string, ...any)) []step {
			return []step{
				{"Attach", func(context.Context) (string, error) {
					logf("uploading a.tar.gz")
					return "", errors.New("upload a.tar.gz: 502")
				}},
				{"Publish", func(context.Context) (string, error) { t.Error("a step after a failure ran"); return "", nil }},
			}
		}, "upload a.tar.gz: 502", []string{"::group::Attach", "uploading a.tar.gz", "::endgroup::"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logRecorder{}
			o := Options{Logf: logs.logf, Group: func(title string) func() {
				logs.logf("::group::%s", title)
				return func() { logs.logf("::endgroup::") }
			}}
			err := runSteps(t.Context(), o, tt.steps(logs.logf)...)
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
			} else {
				assert.NoError(t, err)
			}
			assert.Equal(t, tt.want, logs.lines)
		})
	}
}
