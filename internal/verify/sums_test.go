package verify

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func digest(content string) string {
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:])
}

var (
	digestA = digest("a")
	digestB = digest("b")
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    []Entry
		wantErr string
	}{
		{"as create-prerelease writes it", digestA + "  bllvm-base-x86_64-unknown-linux-gnu.tar.gz\n" + digestB + "  manifest.json\n",
			[]Entry{{"bllvm-base-x86_64-unknown-linux-gnu.tar.gz", digestA}, {"manifest.json", digestB}}, ""},
		{"the last line without its newline", digestA + "  a.zip", []Entry{{"a.zip", digestA}}, ""},
		{"a name GitHub keeps + and @ in", digestA + "  sdk+x@1.zip\n", []Entry{{"sdk+x@1.zip", digestA}}, ""},
		{"empty", "", nil, "it lists no file"},
		{"a blank line", digestA + "  a.zip\n\n" + digestB + "  b.zip\n", nil, "line 2 is not <64 lower-case hex>  <name>"},
		{"upper-case hex", strings.ToUpper(digestA) + "  a.zip\n", nil, "line 1 is not <64 lower-case hex>"},
		{"a short digest", digestA[:40] + "  a.zip\n", nil, "line 1 is not"},
		{"binary mode", digestA + " *a.zip\n", nil, "line 1 does not separate the digest from the name with two spaces"},
		{"one space", digestA + " a.zip\n", nil, "line 1 does not separate"},
		{"an escaped name", `\` + digestA + "  a\\nb.zip\n", nil, "line 1 is not"},
		{"Windows line endings", digestA + "  a.zip\r\n", nil, `line 1 names "a.zip\r"…, not a name GitHub gives an asset`},
		{"a name twice", digestA + "  a.zip\n" + digestB + "  a.zip\n", nil, "line 2 names a.zip again"},
		{"a table's pipe", digestA + "  a|b.zip\n", nil, "not a name GitHub gives an asset"},
		{"HTML", digestA + "  <script>alert(1)</script>\n", nil, "not a name GitHub gives an asset"},
		{"a path", digestA + "  ../../etc/passwd\n", nil, "not a name GitHub gives an asset"},
		{"a space", digestA + "  my file.zip\n", nil, "not a name GitHub gives an asset"},
		{"a workflow command", digestA + "  ::error::x\n", nil, "not a name GitHub gives an asset"},
		{"a leading period", digestA + "  .hidden\n", nil, "not a name GitHub gives an asset"},
		{"two periods", digestA + "  a..zip\n", nil, "not a name GitHub gives an asset"},
		{"very long", digestA + "  " + strings.Repeat("a", MaxNameLength+1) + "\n", nil, "not a name GitHub gives an asset"},
		{"the longest name", digestA + "  " + strings.Repeat("a", MaxNameLength) + "\n", []Entry{{strings.Repeat("a", MaxNameLength), digestA}}, ""},
		{"more lines than a release holds assets", manyLines(MaxEntries + 1), nil, "it lists 1001 files; a release holds at most 1000 assets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.text))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.LessOrEqual(t, len(err.Error()), 300, "an error quotes a few characters at most")
				assert.NotContains(t, err.Error(), "\n")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func manyLines(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%s  f%d.zip\n", digestA, i)
	}
	return b.String()
}

// Text is sha256sum's format, sorted by name, and Parse reads it back.
func TestTextRoundTrip(t *testing.T) {
	entries := []Entry{{"z.zip", digestA}, {"a.tar.gz", digestB}, {"m.json", digestA}}
	text := Text(entries)
	assert.Equal(t, digestB+"  a.tar.gz\n"+digestA+"  m.json\n"+digestA+"  z.zip\n", text)
	back, err := Parse([]byte(text))
	require.NoError(t, err)
	assert.Equal(t, []Entry{entries[1], entries[2], entries[0]}, back)
}

func TestCompare(t *testing.T) {
	release := []Entry{{"a.zip", digestA}, {"b.zip", digestB}, {"manifest.json", digestA}}
	tests := []struct {
		name           string
		built          []Entry
		want           Comparison
		wantReproduced bool
	}{
		{"everything built matches", []Entry{{"b.zip", digestB}, {"a.zip", digestA}},
			Comparison{Matched: []string{"a.zip", "b.zip"}, Differed: []Difference{}, Missing: []string{"manifest.json"}, Unlisted: []string{}}, true},
		{"one differs", []Entry{{"a.zip", digestA}, {"b.zip", digestA}},
			Comparison{Matched: []string{"a.zip"}, Differed: []Difference{{"b.zip", digestB, digestA}}, Missing: []string{"manifest.json"}, Unlisted: []string{}}, false},
		{"a file the release does not list", []Entry{{"a.zip", digestA}, {"extra.zip", digestB}},
			Comparison{Matched: []string{"a.zip"}, Differed: []Difference{}, Missing: []string{"b.zip", "manifest.json"}, Unlisted: []string{"extra.zip"}}, true},
		{"nothing the release lists: nothing reproduced", []Entry{{"extra.zip", digestB}},
			Comparison{Matched: []string{}, Differed: []Difference{}, Missing: []string{"a.zip", "b.zip", "manifest.json"}, Unlisted: []string{"extra.zip"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compare(release, tt.built)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantReproduced, got.Reproduced())
			marks := got.Marks()
			assert.Len(t, marks, len(release), "a mark for every name the release lists")
			for _, name := range got.Matched {
				assert.Equal(t, Match, marks[name])
			}
			for _, d := range got.Differed {
				assert.Equal(t, Mismatch, marks[d.Name])
			}
		})
	}
}
