package verify

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var gridAssets = []string{"bllvm-base-x86_64-unknown-linux-gnu.tar.gz", "manifest.json", "sdk-base-x86_64-pc-windows-gnu.zip"}

// The marks of two builders: gha-ubuntu reproduces everything it built,
// alice differs on the sdk's archive.
var (
	ubuntuMarks = map[string]Mark{gridAssets[0]: Match, gridAssets[1]: NotBuilt, gridAssets[2]: Match}
	aliceMarks  = map[string]Mark{gridAssets[0]: Match, gridAssets[1]: NotBuilt, gridAssets[2]: Mismatch}
)

// bothGrid is the grid after both builders, in either order.
const bothGrid = GridStart + `
### Reproductions

Each builder built this release's files on its own from the same commits. ✅ its file has the SHA-256 that SHA256SUMS lists, ❌ another, — it did not build it.

| asset | alice | gha-ubuntu |
|---|:-:|:-:|
| ` + "`bllvm-base-x86_64-unknown-linux-gnu.tar.gz`" + ` | ✅ | ✅ |
| ` + "`manifest.json`" + ` | — | — |
| ` + "`sdk-base-x86_64-pc-windows-gnu.zip`" + ` | ❌ | ✅ |

` + GridEnd

// A nightly's body as create-prerelease writes it: a yank marker at the
// top, the table, the notes, then the complete and manifest markers.
const (
	yank      = `<!-- release-action: yanked {"reason":"broken"} -->`
	markers   = "<!-- release-action: complete nightly, tag object 0123456789abcdef0123456789abcdef01234567 -->\n<!-- release-action: manifest {\"consensus\":{}} -->"
	nightlyUp = "| component | commit |\n|---|---|\n| consensus | 0102000 |\n\n## What's Changed\n* a change"
)

func TestRecordTwoBuildersInEitherOrder(t *testing.T) {
	bodies := []struct {
		name       string
		body       string
		wantBefore string // the body before the grid
		wantAfter  string // after it
	}{
		{"a complete nightly: before its markers", nightlyUp + "\n\n" + markers, nightlyUp + "\n\n", "\n\n" + markers},
		{"a complete nightly ending in a newline", nightlyUp + "\n\n" + markers + "\n", nightlyUp + "\n\n", "\n\n" + markers + "\n"},
		{"a yanked nightly: the yank marker stays first", yank + "\n\n" + nightlyUp + "\n\n" + markers, yank + "\n\n" + nightlyUp + "\n\n", "\n\n" + markers},
		{"notes without markers: at the end", "Built by hand.", "Built by hand.\n\n", "\n"},
		{"an empty body", "", "", "\n"},
		{"Windows line endings", "Edited on github.com.\r\n\r\n" + markers, "Edited on github.com.\r\n\r\n", "\n\n" + markers},
	}
	orders := [][]struct {
		builder string
		marks   map[string]Mark
	}{
		{{"gha-ubuntu", ubuntuMarks}, {"alice", aliceMarks}},
		{{"alice", aliceMarks}, {"gha-ubuntu", ubuntuMarks}},
	}
	for _, b := range bodies {
		for _, order := range orders {
			t.Run(b.name+"/"+order[0].builder+" first", func(t *testing.T) {
				body := b.body
				for _, run := range order {
					r := Record(body, run.builder, gridAssets, run.marks)
					require.True(t, r.Changed)
					assert.False(t, r.Replaced)
					body = r.Body
				}
				assert.Equal(t, b.wantBefore+bothGrid+b.wantAfter, body, "every other part byte for byte")
				for _, run := range order {
					again := Record(body, run.builder, gridAssets, run.marks)
					assert.False(t, again.Changed, "a rerun of %s changes nothing", run.builder)
					assert.Equal(t, body, again.Body)
				}
			})
		}
	}
}

func TestRecordKeepsOtherColumns(t *testing.T) {
	first := Record(nightlyUp, "alice", gridAssets, aliceMarks).Body
	// alice's sdk archive matches now; gha-ubuntu's column is untouched.
	second := Record(Record(first, "gha-ubuntu", gridAssets, ubuntuMarks).Body, "alice", gridAssets, ubuntuMarks)
	require.True(t, second.Changed)
	assert.Equal(t, Match, second.Grid.Marks["alice"][gridAssets[2]])
	assert.Equal(t, ubuntuMarks, second.Grid.Marks["gha-ubuntu"])

	// The release lists one asset more since: the others did not build it.
	more := append([]string{"aaa.zip"}, gridAssets...)
	third := Record(second.Body, "gha-ubuntu", more, map[string]Mark{"aaa.zip": Match, gridAssets[0]: Match, gridAssets[1]: NotBuilt, gridAssets[2]: Match})
	assert.Equal(t, more, third.Grid.Assets)
	assert.Equal(t, NotBuilt, third.Grid.Marks["alice"]["aaa.zip"])
	assert.Contains(t, third.Body, "| `aaa.zip` | — | ✅ |")
}

// A grid people edited is read only when it is exactly what the action
// writes: otherwise it is replaced by this builder's column, the rest of
// the body kept, and the run goes on.
func TestRecordReplacesAMangledGrid(t *testing.T) {
	good := Record(Record(nightlyUp+"\n\n"+markers, "alice", gridAssets, aliceMarks).Body, "gha-ubuntu", gridAssets, ubuntuMarks).Body
	require.Contains(t, good, bothGrid)
	tests := []struct {
		name   string
		mangle func(string) string
	}{
		{"a mark of another kind", func(s string) string { return strings.Replace(s, "| ❌ |", "| ✔ |", 1) }},
		{"a cell more", func(s string) string { return strings.Replace(s, "| — | — |", "| — | — | — |", 1) }},
		{"a builder renamed with a capital", func(s string) string { return strings.Replace(s, "| alice |", "| Alice |", 1) }},
		{"a column moved", func(s string) string {
			return strings.Replace(s, "| alice | gha-ubuntu |", "| gha-ubuntu | alice |", 1)
		}},
		{"an HTML cell", func(s string) string { return strings.Replace(s, "`manifest.json`", "`<b>x</b>`", 1) }},
		{"a row twice", func(s string) string {
			row := "| `manifest.json` | — | — |\n"
			return strings.Replace(s, row, row+row, 1)
		}},
		{"the legend reworded", func(s string) string { return strings.Replace(s, "on its own", "alone", 1) }},
		{"the end marker deleted", func(s string) string { return strings.Replace(s, GridEnd, "", 1) }},
		{"the start marker deleted", func(s string) string { return strings.Replace(s, GridStart+"\n", "", 1) }},
		{"a second grid pasted", func(s string) string { return s + "\n\n" + bothGrid }},
		{"the complete marker moved into the grid", func(s string) string {
			first, _, _ := strings.Cut(markers, "\n")
			s = strings.Replace(s, first+"\n", "", 1)
			return strings.Replace(s, "| asset |", first+"\n| asset |", 1)
		}},
		{"markers swapped", func(s string) string {
			s = strings.Replace(s, GridStart, "@@", 1)
			s = strings.Replace(s, GridEnd, GridStart, 1)
			return strings.Replace(s, "@@", GridEnd, 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mangled := tt.mangle(good)
			require.NotEqual(t, good, mangled)
			r := Record(mangled, "gha-ubuntu", gridAssets, ubuntuMarks)
			assert.True(t, r.Replaced)
			assert.True(t, r.Changed)
			assert.Equal(t, []string{"gha-ubuntu"}, r.Grid.Builders, "only this builder's column is known")
			assert.True(t, strings.HasPrefix(r.Body, nightlyUp+"\n\n"), "the notes before it are kept")
			for _, line := range strings.Split(markers, "\n") {
				assert.Equal(t, 1, strings.Count(r.Body, line), "the action's other markers are kept")
			}
			assert.Equal(t, 1, strings.Count(r.Body, GridStart))
			assert.Equal(t, 1, strings.Count(r.Body, GridEnd))
			// Replaced once, it reads again.
			again := Record(r.Body, "gha-ubuntu", gridAssets, ubuntuMarks)
			assert.False(t, again.Changed)
			assert.False(t, again.Replaced)
		})
	}
}

// GitHub's web editor saves a body with Windows line endings: a grid
// that went through it still reads, and a rerun changes nothing.
func TestRecordReadsAGridSavedWithWindowsLineEndings(t *testing.T) {
	body := Record(nightlyUp+"\n\n"+markers, "alice", gridAssets, aliceMarks).Body
	crlf := strings.ReplaceAll(body, "\n", "\r\n")
	r := Record(crlf, "alice", gridAssets, aliceMarks)
	assert.False(t, r.Replaced)
	assert.False(t, r.Changed)
	assert.Equal(t, crlf, r.Body)

	r = Record(crlf, "gha-ubuntu", gridAssets, ubuntuMarks)
	assert.False(t, r.Replaced)
	assert.True(t, r.Changed)
	assert.Equal(t, []string{"alice", "gha-ubuntu"}, r.Grid.Builders)
}
