package inputs

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckoutInputs(t *testing.T) {
	const manifest = `{"node": {"repository": "BTCDecoded/bllvm-node", "sha": "0123456789abcdef0123456789abcdef01234567", "rebuilt": true}}`
	tests := []struct {
		name string
		env  map[string]string
		want Checkout
	}{
		{"defaults", map[string]string{"INPUT_MANIFEST": manifest},
			Checkout{Manifest: manifest, Path: ".", MaxBytes: 2 << 30, MaxEntries: 200_000}},
		{"a tag, components and a path", map[string]string{"INPUT_TAG": "nightly-20251118-b11b11b", "INPUT_COMPONENTS": "sdk,\nbllvm", "INPUT_PATH": "./src/", "INPUT_MAX-BYTES": "500MiB", "INPUT_MAX-ENTRIES": "1000"},
			Checkout{Tag: "nightly-20251118-b11b11b", Components: []string{"sdk", "bllvm"}, Path: "src", MaxBytes: 500 << 20, MaxEntries: 1000}},
		{"a plain number of bytes", map[string]string{"INPUT_MANIFEST": manifest, "INPUT_MAX-BYTES": "1048576", "INPUT_PATH": "a/../b"},
			Checkout{Manifest: manifest, Path: "b", MaxBytes: 1 << 20, MaxEntries: 200_000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Read(nil, env(tt.env), &bytes.Buffer{})
			require.NoError(t, err)
			got, err := v.Checkout()
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestBadCheckoutInputs(t *testing.T) {
	const manifest = `{}`
	tests := []struct {
		name  string
		env   map[string]string
		input string
		rule  string
	}{
		{"neither manifest nor tag", nil, "manifest", "is empty, and so is tag"},
		{"both", map[string]string{"INPUT_MANIFEST": manifest, "INPUT_TAG": "v1"}, "tag", "must be empty when manifest is set"},
		{"a tag no ref can be", map[string]string{"INPUT_TAG": "a..b"}, "tag", "must be a valid tag name"},
		{"an absolute path", map[string]string{"INPUT_MANIFEST": manifest, "INPUT_PATH": "/etc"}, "path", "must be a folder inside the workspace"},
		{"a path up and out", map[string]string{"INPUT_MANIFEST": manifest, "INPUT_PATH": "src/../../x"}, "path", "must be a folder inside the workspace"},
		{"a path with a line break", map[string]string{"INPUT_MANIFEST": manifest, "INPUT_PATH": "src\n::x"}, "path", "control characters"},
		{"max-bytes of nothing", map[string]string{"INPUT_MANIFEST": manifest, "INPUT_MAX-BYTES": "0"}, "max-bytes", "must be a size from 1 byte to 1024GiB"},
		{"max-bytes in made-up units", map[string]string{"INPUT_MANIFEST": manifest, "INPUT_MAX-BYTES": "2GB"}, "max-bytes", "must be a size"},
		{"max-bytes too large", map[string]string{"INPUT_MANIFEST": manifest, "INPUT_MAX-BYTES": "2000GiB"}, "max-bytes", "must be a size"},
		{"max-entries of none", map[string]string{"INPUT_MANIFEST": manifest, "INPUT_MAX-ENTRIES": "0"}, "max-entries", "must be from 1 to 10000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Read(nil, env(tt.env), &bytes.Buffer{})
			require.NoError(t, err)
			_, err = v.Checkout()
			require.Error(t, err)
			assert.Contains(t, err.Error(), "input "+tt.input+": ")
			assert.Contains(t, err.Error(), tt.rule)
		})
	}
}
