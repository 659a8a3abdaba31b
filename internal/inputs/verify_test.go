package inputs

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVerifyInputs(t *testing.T) {
	base := map[string]string{"INPUT_TAG": "nightly-20251117-6113728", "INPUT_FILES": "dist/*", "INPUT_BUILDER": "gha-ubuntu"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want Verify
	}{
		{"the defaults: record, fail on a mismatch", base, nil,
			Verify{Tag: "nightly-20251117-6113728", Files: []string{"dist/*"}, Builder: "gha-ubuntu", Record: true, FailOnMismatch: true}},
		{"flags, files over lines and commas, a sigs repository", nil,
			[]string{"--tag=v0.2.0", "--files=dist/*.zip, dist/*.tar.gz\nimage/*", "--builder=alice", "--record=false", "--fail-on-mismatch=false", "--sigs-repository=BTCDecoded/bllvm.sigs"},
			Verify{Tag: "v0.2.0", Files: []string{"dist/*.zip", "dist/*.tar.gz", "image/*"}, Builder: "alice", SigsRepository: "BTCDecoded/bllvm.sigs"}},
		{"a tag of folders without a sigs repository", map[string]string{"INPUT_TAG": "release/v0.2.0", "INPUT_FILES": "dist/*", "INPUT_BUILDER": "a-1"}, nil,
			Verify{Tag: "release/v0.2.0", Files: []string{"dist/*"}, Builder: "a-1", Record: true, FailOnMismatch: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Read(tt.args, env(tt.env), &bytes.Buffer{})
			require.NoError(t, err)
			got, err := v.Verify()
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestBadVerifyInputs(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		input string
		rule  string
	}{
		{"no tag", map[string]string{"INPUT_TAG": ""}, "tag", "is empty"},
		{"no files", map[string]string{"INPUT_FILES": " , \n"}, "files", "is empty"},
		{"a builder of 40 characters", map[string]string{"INPUT_BUILDER": strings.Repeat("b", 40)}, "builder", "1 to 39 characters"},
		{"a builder with a period", map[string]string{"INPUT_BUILDER": "a.b"}, "builder", `got "a.b"`},
		{"a builder with a line break", map[string]string{"INPUT_BUILDER": "a\nb"}, "builder", `got "a\nb"`},
		{"a sigs repository without owner", map[string]string{"INPUT_SIGS-REPOSITORY": "bllvm.sigs"}, "sigs-repository", "owner/name"},
		{"a tag of folders with a sigs repository", map[string]string{"INPUT_TAG": "release/v1", "INPUT_SIGS-REPOSITORY": "BTCDecoded/bllvm.sigs"}, "tag", "holds a /"},
		{"record not a boolean", map[string]string{"INPUT_RECORD": "yes please"}, "record", "must be true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{"INPUT_TAG": "v1", "INPUT_FILES": "dist/*", "INPUT_BUILDER": "alice"}
			for k, v := range tt.env {
				vars[k] = v
			}
			v, err := Read(nil, env(vars), &bytes.Buffer{})
			require.NoError(t, err)
			_, err = v.Verify()
			require.Error(t, err)
			assert.Contains(t, err.Error(), "input "+tt.input+": ")
			assert.Contains(t, err.Error(), tt.rule)
		})
	}
}
