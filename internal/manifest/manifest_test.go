package manifest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/inputs"
)

const (
	shaA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	shaB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func sample() Manifest {
	return Manifest{
		{Component: "consensus", Repository: "BTCDecoded/bllvm-consensus", SHA: shaA, Rebuilt: true},
		{Component: "governance", Repository: "BTCDecoded/governance-app", SHA: shaB},
	}
}

func TestJSONRoundTripKeepsOrder(t *testing.T) {
	m := sample()
	text := m.String()
	assert.Equal(t, `{"consensus":{"repository":"BTCDecoded/bllvm-consensus","sha":"`+shaA+`","rebuilt":true},`+
		`"governance":{"repository":"BTCDecoded/governance-app","sha":"`+shaB+`","rebuilt":false}}`, text)
	back, err := Parse("manifest", text)
	require.NoError(t, err)
	assert.Equal(t, m, back)

	// The graph's order is kept even when it is not alphabetical.
	reversed := Manifest{m[1], m[0]}
	back, err = Parse("manifest", reversed.String())
	require.NoError(t, err)
	assert.Equal(t, reversed, back)
}

func TestParseAcceptsWhatUsersWrite(t *testing.T) {
	back, err := Parse("manifest", "\n  {\"consensus\": {\"sha\": \""+strings.ToUpper(shaA)+"\", \"repository\": \"BTCDecoded/bllvm-consensus\"}}\n")
	require.NoError(t, err)
	assert.Equal(t, Manifest{{Component: "consensus", Repository: "BTCDecoded/bllvm-consensus", SHA: shaA}}, back, "sha lower-cased, rebuilt optional")
}

func TestParseRejects(t *testing.T) {
	entry := func(fields string) string { return `{"consensus": {` + fields + `}}` }
	good := `"repository": "BTCDecoded/bllvm-consensus", "sha": "` + shaA + `"`
	tests := []struct {
		name, text, wantRule string
	}{
		{"not JSON", `{consensus`, "must be valid JSON"},
		{"cut short", `{"consensus": {"repository": "a/b"`, "ends too early"},
		{"an array", `[1]`, "got an array"},
		{"a string", `"x"`, "got a string"},
		{"empty object", `{}`, "at least one component"},
		{"null entry", `{"consensus": null}`, "component consensus must be an object"},
		{"entry is a string", `{"consensus": "abc"}`, "component consensus must be an object"},
		{"bad component name", `{"Consensus!": {` + good + `}}`, `component name "Consensus!"`},
		{"all is reserved", `{"all": {` + good + `}}`, `component name "all"`},
		{"twice", `{"consensus": {` + good + `}, "consensus": {` + good + `}}`, "names component consensus twice"},
		{"twice, once escaped", `{"consensus": {` + good + `}, "\u0063onsensus": {` + good + `}}`, "names component consensus twice"},
		// The last key would win: a checked value hidden by the one used.
		{"sha twice, the last valid", entry(`"repository": "BTCDecoded/bllvm-consensus", "sha": "zz", "sha": "` + shaA + `"`), `component consensus has key "sha" twice`},
		{"sha twice, both valid", entry(good + `, "sha": "` + shaB + `"`), `component consensus has key "sha" twice`},
		{"repository twice", entry(good + `, "repository": "Fork/bllvm-consensus"`), `component consensus has key "repository" twice`},
		{"rebuilt twice", entry(good + `, "rebuilt": true, "rebuilt": false`), `component consensus has key "rebuilt" twice`},
		{"sha twice, once escaped", entry(good + `, "\u0073ha": "` + shaA + `"`), `component consensus has key "sha" twice`},
		{"unknown key twice", entry(good + `, "x": 1, "x": 2`), `component consensus has key "x" twice`},
		{"short sha", entry(`"repository": "BTCDecoded/bllvm-consensus", "sha": "abc1234"`), "sha of component consensus must be a full commit id"},
		{"sha with a newline", entry(`"repository": "BTCDecoded/bllvm-consensus", "sha": "` + shaA[:39] + `\n"`), "sha of component consensus"},
		{"sha a number", entry(`"repository": "BTCDecoded/bllvm-consensus", "sha": 12`), "sha of component consensus"},
		{"no sha", entry(`"repository": "BTCDecoded/bllvm-consensus"`), "has no sha"},
		{"no repository", entry(`"sha": "` + shaA + `"`), "has no repository"},
		{"repository without owner", entry(`"repository": "bllvm-consensus", "sha": "` + shaA + `"`), "repository of component consensus must be a repository as owner/name"},
		{"rebuilt a string", entry(good + `, "rebuilt": "yes"`), "rebuilt of component consensus must be true or false"},
		{"unknown key", entry(good + `, "branch": "main"`), `unknown key "branch"`},
		{"trailing text", `{"consensus": {` + good + `}} {}`, "nothing after it"},
		{"too large", `{"consensus": {` + good + `}}` + strings.Repeat(" ", MaxBytes), "at most"},
		{"not UTF-8", "{\"consensus\xff\": 1}", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("manifest", tt.text)
			var inErr *inputs.Error
			require.ErrorAs(t, err, &inErr)
			assert.Equal(t, "manifest", inErr.Input)
			assert.Contains(t, inErr.Rule, tt.wantRule)
		})
	}
}

func TestCompare(t *testing.T) {
	base := sample()
	moved := sample()
	moved[1].SHA = shaA
	rebuiltOnly := sample()
	rebuiltOnly[0].Rebuilt = false
	otherRepo := sample()
	otherRepo[0].Repository = "Fork/bllvm-consensus"
	fewer := base[:1]
	tests := []struct {
		name        string
		now, before Manifest
		wantSame    bool
		wantChanged []string
	}{
		{"same", base, sample(), true, []string{}},
		{"rebuilt does not count", base, rebuiltOnly, true, []string{}},
		{"order does not count", base, Manifest{base[1], base[0]}, true, []string{}},
		{"a commit moved", moved, base, false, []string{"governance"}},
		{"another repository", otherRepo, base, false, []string{"consensus"}},
		{"a component added", base, fewer, false, []string{"governance"}},
		{"a component dropped", fewer, base, false, []string{}},
		{"no previous manifest", base, nil, false, []string{"consensus", "governance"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.wantSame, tt.now.SameCommits(tt.before))
			assert.Equal(t, tt.wantChanged, tt.now.Changed(tt.before))
		})
	}
}

func TestMessageRoundTrip(t *testing.T) {
	m := sample()
	msg := Message("nightly-20251118-b11b11b", "BTCDecoded/bllvm", strings.Repeat("b1", 20), m)
	assert.Contains(t, msg, "nightly-20251118-b11b11b: BTCDecoded/bllvm at "+strings.Repeat("b1", 20)+"\n")
	assert.Regexp(t, `(?m)^consensus +BTCDecoded/bllvm-consensus +`+shaA+` +rebuilt$`, msg)
	assert.Regexp(t, `(?m)^governance +BTCDecoded/governance-app +`+shaB+` +carried over$`, msg)
	back, found, err := FromMessage(msg)
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, m, back)
}

func TestFromMessage(t *testing.T) {
	tests := []struct {
		name      string
		message   string
		wantFound bool
		wantErr   bool
	}{
		{"no manifest (an older nightly)", "nightly-20251117-b11b11b\n", false, false},
		{"empty", "", false, false},
		{"trailer with CRLF", "x\r\n" + trailer + sample().String() + "\r\n", true, false},
		{"broken trailer", "x\n" + trailer + `{"consensus": 1}` + "\n", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, found, err := FromMessage(tt.message)
			assert.Equal(t, tt.wantFound, found)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			if found {
				assert.Equal(t, sample(), m)
			}
		})
	}
}
