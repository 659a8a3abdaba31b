package inputs

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestReadPrecedence(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		key  string
		want string
	}{
		{"default when nothing is set", nil, nil, "branches", "main, master"},
		{"environment over default", nil, map[string]string{"INPUT_BRANCHES": "dev"}, "branches", "dev"},
		{"hyphen kept in variable name", nil, map[string]string{"INPUT_EVENT-TYPE": "build_x"}, "event-type", "build_x"},
		{"flag over environment", []string{"--event-type=build_y"}, map[string]string{"INPUT_EVENT-TYPE": "build_x"}, "event-type", "build_y"},
		{"flag with separate value", []string{"--event-type", "build_z"}, nil, "event-type", "build_z"},
		{"empty variable means default", nil, map[string]string{"INPUT_MAX-WAIT": "  "}, "max-wait", "5m"},
		{"bool flag without value", []string{"--dry-run"}, nil, "dry-run", "true"},
		{"bool flag false beats env", []string{"--dry-run=false"}, map[string]string{"INPUT_DRY-RUN": "true"}, "dry-run", "false"},
		{"workflow expression default is empty locally", nil, nil, "token", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Read(tt.args, env(tt.env), &bytes.Buffer{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, v.Get(tt.key))
		})
	}
}

func TestReadRejectsBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"--nope=1"}, "flag provided but not defined: -nope"},
		{"positional argument", []string{"trigger-orchestrator"}, `unexpected argument "trigger-orchestrator"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(tt.args, env(nil), &bytes.Buffer{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "--help")
		})
	}
}

func TestHelpGolden(t *testing.T) {
	var out bytes.Buffer
	_, err := Read([]string{"--help"}, env(nil), &out)
	require.ErrorIs(t, err, ErrHelp)
	golden := filepath.Join("..", "..", "testdata", "help.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, out.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test ./internal/inputs -update to create it")
	assert.Equal(t, string(want), out.String())
	for _, s := range Specs {
		assert.Contains(t, out.String(), "--"+s.Name+" ", "help lists every input")
	}
}

func TestCommonValid(t *testing.T) {
	v, err := Read([]string{"--sha=ABCDEF0123456789abcdef0123456789abcdef01", "--ref=main", "--max-wait=90", "--api-url=https://ghes.example.com/api/v3"}, env(map[string]string{"INPUT_DRY-RUN": "true", "INPUT_REPOSITORY": "BTCDecoded/bllvm-node"}), &bytes.Buffer{})
	require.NoError(t, err)
	c, err := v.Common()
	require.NoError(t, err)
	assert.Equal(t, Common{
		Mode:       ModeTriggerOrchestrator,
		APIURL:     "https://ghes.example.com/api/v3",
		Repository: "BTCDecoded/bllvm-node",
		SHA:        "abcdef0123456789abcdef0123456789abcdef01",
		Ref:        "refs/heads/main",
		DryRun:     true,
		MaxWait:    90 * time.Second,
	}, c)
}

// Every bad input is named, with its rule, by the one error type.
func TestBadInputs(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		input string
		rule  string
	}{
		{"unknown mode", map[string]string{"INPUT_MODE": "deploy"}, "mode", "must be one of trigger-orchestrator"},
		{"token with newline", map[string]string{"INPUT_TOKEN": "ghp_abc\ndef"}, "token", "must not contain spaces or line breaks"},
		{"api url without scheme", map[string]string{"INPUT_API-URL": "api.github.com"}, "api-url", "must start with https://"},
		{"api url with credentials", map[string]string{"INPUT_API-URL": "https://user:pw@ghes.example.com/api/v3"}, "api-url", "must not contain a user name or password"},
		{"api url with query", map[string]string{"INPUT_API-URL": "https://ghes.example.com/api/v3?x=1"}, "api-url", "must not have a query"},
		{"api url is the web host", map[string]string{"INPUT_API-URL": "https://github.com"}, "api-url", "github.com is the web host"},
		{"repository without owner", map[string]string{"INPUT_REPOSITORY": "bllvm"}, "repository", "must be a repository as owner/name"},
		{"short sha", map[string]string{"INPUT_SHA": "abc1234"}, "sha", "40 hexadecimal characters"},
		{"ref with space", map[string]string{"INPUT_REF": "refs/heads/a b"}, "ref", "must be a git ref"},
		{"ref with ..", map[string]string{"INPUT_REF": "main..x"}, "ref", "must be a git ref"},
		{"ref part ending .lock", map[string]string{"INPUT_REF": "refs/heads/x.lock/y"}, "ref", "must be a git ref"},
		{"payload not UTF-8", map[string]string{"INPUT_CLIENT-PAYLOAD": "{\"a\": \"\xff\"}"}, "client-payload", "must be UTF-8 text"},
		{"dry-run not a bool", map[string]string{"INPUT_DRY-RUN": "maybe"}, "dry-run", "must be true or false"},
		{"max-wait not a duration", map[string]string{"INPUT_MAX-WAIT": "soon"}, "max-wait", "must be a duration"},
		{"max-wait out of range", map[string]string{"INPUT_MAX-WAIT": "7h"}, "max-wait", "between 0s and 6h0m0s"},
		{"orchestrator not owner/name", map[string]string{"INPUT_ORCHESTRATOR": "BTCDecoded/"}, "orchestrator", "owner/name"},
		{"prefix with a part ending .lock", map[string]string{"INPUT_PREFIX": "0.lock/0"}, "prefix", "must make a valid tag name"},
		{"event type too long", map[string]string{"INPUT_EVENT-TYPE": string(bytes.Repeat([]byte("x"), 101))}, "event-type", "1 to 100 characters"},
		{"event type control character", map[string]string{"INPUT_EVENT-TYPE": "build\tall"}, "event-type", "control characters"},
		{"payload not JSON", map[string]string{"INPUT_CLIENT-PAYLOAD": "{ref: main}"}, "client-payload", "must be valid JSON"},
		{"payload an array", map[string]string{"INPUT_CLIENT-PAYLOAD": `["a"]`}, "client-payload", "must be a JSON object such as"},
		{"payload a string", map[string]string{"INPUT_CLIENT-PAYLOAD": `"a"`}, "client-payload", "got a string"},
		{"payload null", map[string]string{"INPUT_CLIENT-PAYLOAD": `null`}, "client-payload", "got null"},
		{"dispatch_id not a string", map[string]string{"INPUT_CLIENT-PAYLOAD": `{"dispatch_id": 5}`}, "client-payload", "dispatch_id must be a non-empty string"},
		{"dispatch_id with workflow commands on new lines", map[string]string{"INPUT_CLIENT-PAYLOAD": `{"dispatch_id": "7-1-ab\n::add-mask::x\n::stop-commands::t"}`}, "client-payload", `dispatch_id must not contain line breaks or other control characters; got "7-1-ab\n::add-mask::x\n::stop-commands::t"`},
		{"dispatch_id with a carriage return", map[string]string{"INPUT_CLIENT-PAYLOAD": `{"dispatch_id": "a\rb"}`}, "client-payload", "dispatch_id must not contain line breaks"},
		{"dispatch_id with a tab", map[string]string{"INPUT_CLIENT-PAYLOAD": `{"dispatch_id": "a\tb"}`}, "client-payload", "control characters"},
		{"dispatch_id with a C1 next line", map[string]string{"INPUT_CLIENT-PAYLOAD": `{"dispatch_id": "a\u0085b"}`}, "client-payload", "control characters"},
		{"branches empty", map[string]string{"INPUT_BRANCHES": " , \n"}, "branches", "at least one branch pattern"},
		{"branches bad glob", map[string]string{"INPUT_BRANCHES": "release/[x"}, "branches", `"release/[x" is not a valid glob`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Read(nil, env(tt.env), &bytes.Buffer{})
			require.NoError(t, err)
			_, cerr := v.Common()
			_, derr := v.Dispatch()
			_, nerr := v.Nightly()
			err = cerr
			for _, e := range []error{derr, nerr} {
				if err == nil {
					err = e
				}
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "input "+tt.input+": ")
			assert.Contains(t, err.Error(), tt.rule)
			assert.NotContains(t, err.Error(), "ghp_abc", "an error never quotes the token")
		})
	}
}

func TestDispatchInputs(t *testing.T) {
	v, err := Read([]string{"--client-payload", `{"extra": {"a": 1}}`, "--branches", "main\nrelease/**, !release/old"}, env(nil), &bytes.Buffer{})
	require.NoError(t, err)
	d, err := v.Dispatch()
	require.NoError(t, err)
	assert.JSONEq(t, `{"a": 1}`, string(d.ClientPayload["extra"]))
	assert.Equal(t, []string{"main", "release/**", "!release/old"}, d.Branches)
	assert.Empty(t, d.Orchestrator)
	assert.Empty(t, d.EventType)
}

func TestDispatchIDAccepted(t *testing.T) {
	for _, id := range []string{"7001-1-ab12cd34", "release 2025-11-17", "café ünïcode", "a::b ##[x]"} {
		raw, err := json.Marshal(map[string]string{"dispatch_id": id})
		require.NoError(t, err)
		v, err := Read([]string{"--client-payload", string(raw)}, env(nil), &bytes.Buffer{})
		require.NoError(t, err)
		_, err = v.Dispatch()
		assert.NoError(t, err, id)
	}
}

func TestSplitList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a, b,,c", []string{"a", "b", "c"}},
		{"a\n b \r\n,c", []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, SplitList(tt.in), tt.in)
	}
}
