package plan

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/inputs"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		graph string
		want  string
	}{
		// Empty graphs.
		{"empty text", "", "input graph: must define at least one component, such as consensus: {}"},
		{"only a comment", "# nothing yet\n", "input graph: must define at least one component, such as consensus: {}"},
		{"null", "~", "input graph: must define at least one component, such as consensus: {}"},
		{"empty JSON object", "{}", "input graph: must define at least one component, such as consensus: {}"},
		{"empty YAML mapping", "{ }\n", "input graph: must define at least one component, such as consensus: {}"},

		// Cycles.
		{"two-component cycle", "consensus: {depends-on: [protocol]}\nprotocol: {depends-on: [consensus]}\n",
			"input graph: components depend on each other in a cycle: consensus → protocol → consensus (each depends on the next)"},
		{"cycle found past its tail and printed from its first-declared member", "a: {}\nb: {depends-on: [a, d]}\nc: {depends-on: [b]}\nd: {depends-on: [c]}\ne: {depends-on: [d]}\n",
			"input graph: components depend on each other in a cycle: b → d → c → b (each depends on the next)"},
		{"cycle behind an acyclic part", "x: {depends-on: [y]}\ny: {depends-on: [z]}\nz: {depends-on: [w]}\nw: {depends-on: [z]}\n",
			"input graph: components depend on each other in a cycle: z → w → z (each depends on the next)"},
		{"self dependency", "consensus: {depends-on: [consensus]}\n",
			"input graph: component consensus depends on itself, a cycle: consensus → consensus"},

		// References.
		{"unknown dependency", "consensus: {}\nprotocol: {depends-on: [consesus]}\n",
			`input graph: component protocol depends on unknown component "consesus" (known: consensus, protocol)`},
		{"dependency listed twice", "consensus: {}\nprotocol: {depends-on: [consensus, consensus]}\n",
			"input graph: component protocol lists dependency consensus twice"},

		// Duplicates.
		{"duplicate YAML key", "consensus: {}\nprotocol: {}\nconsensus: {}\n",
			"input graph: line 3: component consensus is defined twice (first at line 1)"},
		{"duplicate JSON key", "{\"consensus\": {},\n \"consensus\": {\"repository\": \"x\"}}",
			"input graph: line 2: component consensus is defined twice (first at line 1)"},
		{"entry key set twice", "protocol:\n  depends-on: []\n  depends-on: []\n",
			"input graph: line 3: component protocol sets depends-on twice"},

		// Keys of an entry.
		{"misspelt depends-on", "consensus: {}\nprotocol: {depends_on: [consensus]}\n",
			`input graph: line 2: component protocol has unknown key "depends_on" (did you mean depends-on?); the allowed keys are repository, branch, depends-on, ci and assets`},
		{"misspelt depends-on in JSON", `{"consensus": {}, "protocol": {"dependencies": ["consensus"]}}`,
			`input graph: line 1: component protocol has unknown key "dependencies" (did you mean depends-on?); the allowed keys are repository, branch, depends-on, ci and assets`},
		{"unknown key", "protocol:\n  branches: main\n",
			`input graph: line 2: component protocol has unknown key "branches"; the allowed keys are repository, branch, depends-on, ci and assets`},
		{"ref meant as branch", "protocol: {ref: main}\n",
			`input graph: line 1: component protocol has unknown key "ref" (did you mean branch?); the allowed keys are repository, branch, depends-on, ci and assets`},
		{"empty branch", "protocol: {branch: ''}\n",
			"input graph: line 1: branch of component protocol is empty; leave it out for the repository's default branch"},
		{"branch a list", "protocol: {branch: [main]}\n",
			"input graph: line 1: branch of component protocol must be a branch name such as main; got a list"},
		{"branch a full ref", "protocol: {branch: refs/heads/main}\n",
			`input graph: branch of component protocol must be a branch name such as main or release/1.0 (no refs/ prefix); got "refs/heads/main"`},
		{"branch with ..", "protocol: {branch: a..b}\n",
			`input graph: branch of component protocol must be a branch name such as main or release/1.0 (no refs/ prefix); got "a..b"`},
		{"branch HEAD", "protocol: {branch: HEAD}\n",
			`input graph: branch of component protocol must be a branch name such as main or release/1.0 (no refs/ prefix); got "HEAD"`},
		{"merge key", "base: &base {repository: x}\nprotocol:\n  <<: *base\n",
			"input graph: line 3: YAML merge keys (<<) are not supported; write the entry out"},

		// Names.
		{"upper-case name", "Consensus: {}\n",
			`input graph: line 1: component name "Consensus" must match ^[a-z0-9][a-z0-9_-]*$: lowercase letters, digits, _ and -, starting with a letter or digit`},
		{"name starting with a hyphen", "-x: {}\n",
			`input graph: line 1: component name "-x" must match ^[a-z0-9][a-z0-9_-]*$: lowercase letters, digits, _ and -, starting with a letter or digit`},
		{"name with a space", "{\"my node\": {}}",
			`input graph: line 1: component name "my node" must match ^[a-z0-9][a-z0-9_-]*$: lowercase letters, digits, _ and -, starting with a letter or digit`},
		{"name JSON escapes and YAML cannot read", `{"\ud83d\ude00": {}}`,
			`input graph: line 1: component name "😀" must match ^[a-z0-9][a-z0-9_-]*$: lowercase letters, digits, _ and -, starting with a letter or digit`},
		{"reserved name", "all: {}\n", `input graph: line 1: component name "all" is reserved: it means every component`},
		{"name that is not a string", "? [a]\n: {}\n", "input graph: line 1: component names must be strings; got a list"},

		// Shapes.
		{"list instead of mapping", "- consensus\n- protocol\n",
			"input graph: line 1: must map each component name to its entry, such as consensus: {}; got a list"},
		{"JSON array", `["consensus"]`,
			"input graph: line 1: must map each component name to its entry, such as consensus: {}; got a list"},
		{"entry is a string", "protocol: consensus\n",
			"input graph: line 1: entry of component protocol must be a mapping with the optional keys repository, branch, depends-on, ci and assets, such as {depends-on: [consensus]}; got a string"},
		{"entry is a JSON array", `{"protocol": ["consensus"]}`,
			"input graph: line 1: entry of component protocol must be a mapping with the optional keys repository, branch, depends-on, ci and assets, such as {depends-on: [consensus]}; got an array"},
		{"depends-on is a string", "protocol: {depends-on: consensus}\n",
			"input graph: line 1: depends-on of component protocol must be a list of component names, such as [consensus], or cargo (read from its Cargo.toml); got a string"},
		{"depends-on is a JSON number", `{"protocol": {"depends-on": 5}}`,
			"input graph: line 1: depends-on of component protocol must be a list of component names, such as [consensus], or cargo (read from its Cargo.toml); got a number"},
		{"depends-on lists a mapping", "protocol: {depends-on: [{name: consensus}]}\n",
			"input graph: line 1: depends-on of component protocol must list component names; got a mapping"},
		{"depends-on lists an empty name", "protocol:\n  depends-on:\n    - ''\n",
			"input graph: line 3: depends-on of component protocol must list component names; got an empty name"},
		{"depends-on lists null", "protocol:\n  depends-on:\n    -\n",
			"input graph: line 3: depends-on of component protocol must list component names; got null"},
		{"repository is a list", "protocol: {repository: [a, b]}\n",
			"input graph: line 1: repository of component protocol must be a repository name such as bllvm-protocol; got a list"},
		{"repository is empty", "protocol: {repository: ''}\n",
			"input graph: line 1: repository of component protocol is empty; leave it out for bllvm-protocol"},
		{"repository with owner", "protocol: {repository: BTCDecoded/bllvm-protocol}\n",
			`input graph: repository of component protocol must be a repository name without owner, such as bllvm-protocol (letters, digits, ., _ and -); got "BTCDecoded/bllvm-protocol"`},
		{"repository with a JSON escape YAML cannot read", `{"a": {"repository": "bllvm\/a"}}`,
			`input graph: repository of component a must be a repository name without owner, such as bllvm-a (letters, digits, ., _ and -); got "bllvm/a"`},

		// Syntax.
		{"two YAML documents", "a: {}\n---\nb: {}\n",
			"input graph: must be a single YAML document; another one starts at line 2"},
		// yaml.v3 numbers the lines of scanner errors like these right; its
		// parser errors (did not find expected …) name the line before.
		{"YAML unterminated string", "a: {}\nb: {repository: \"open}\n",
			"input graph: parse YAML: line 2: found unexpected end of stream"},
		{"YAML tab indentation", "protocol:\n\tdepends-on: []\n",
			"input graph: parse YAML: line 2: found character that cannot start any token"},
		{"JSON trailing comma", "{\"consensus\": {},\n \"protocol\": {\"depends-on\": [\"consensus\"],}}",
			"input graph: parse JSON: line 2, column 43: invalid character '}' looking for beginning of object key string"},
		{"JSON missing brace", `{"consensus": {}`,
			"input graph: parse JSON: unexpected end of the text (is a } or ] missing?)"},
		{"JSON text after the object", "{\"consensus\": {}}\n{\"protocol\": {}}",
			"input graph: parse JSON: line 2: unexpected text after the top-level object"},
		{"JSON garbage after the object", "{\"consensus\": {}}\n\n x",
			"input graph: parse JSON: line 3: unexpected text after the top-level object"},
		{"JSON bad literal", "{\"a\":\n {\"repository\": tru}}",
			"input graph: parse JSON: line 2, column 17: invalid character '}' in literal true (expecting 'e')"},
		{"JSON missing colon", "{\n  \"consensus\" {}\n}",
			"input graph: parse JSON: line 2, column 15: invalid character '{' after object key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.graph))
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			var inputErr *inputs.Error
			require.True(t, errors.As(err, &inputErr), "every graph error is an input error")
			assert.Equal(t, "graph", inputErr.Input)
		})
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name       string
		components []Component
		want       string
	}{
		{"no components", nil, "input graph: must define at least one component, such as consensus: {}"},
		{"duplicate name", []Component{{Name: "a"}, {Name: "a"}}, "input graph: component a is defined twice"},
		{"bad name", []Component{{Name: "A"}},
			`input graph: component name "A" must match ^[a-z0-9][a-z0-9_-]*$: lowercase letters, digits, _ and -, starting with a letter or digit`},
		{"repository ..", []Component{{Name: "a", Repository: ".."}},
			`input graph: repository of component a must be a repository name without owner, such as bllvm-a (letters, digits, ., _ and -); got ".."`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.components)
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestNewCopiesItsInput(t *testing.T) {
	deps := []string{"a"}
	g, err := New([]Component{{Name: "a"}, {Name: "b", DependsOn: deps}})
	require.NoError(t, err)
	deps[0] = "changed"
	got := g.Components()
	assert.Equal(t, []string{"a"}, got[1].DependsOn)
	got[1].DependsOn[0] = "changed"
	c, _ := g.Component("b")
	assert.Equal(t, []string{"a"}, c.DependsOn)
}

func TestParseAcceptsAliases(t *testing.T) {
	g, err := Parse([]byte("a: {}\nb: {depends-on: &base [a]}\nc: {depends-on: *base}\n"))
	require.NoError(t, err)
	c, _ := g.Component("c")
	assert.Equal(t, []string{"a"}, c.DependsOn)
}

func TestParseBoundsAliasExpansion(t *testing.T) {
	// A thousand components, each a thousand keys, each a thousand names:
	// a billion nodes from 30 KB of text.
	var graph strings.Builder
	graph.WriteString("l: &l [")
	for i := range 1000 {
		fmt.Fprintf(&graph, "a%d, ", i)
	}
	graph.WriteString("]\nm: &m {")
	for i := range 1000 {
		fmt.Fprintf(&graph, "k%d: *l, ", i)
	}
	graph.WriteString("}\n")
	for i := range 1000 {
		fmt.Fprintf(&graph, "c%d: *m\n", i)
	}
	_, err := Parse([]byte(graph.String()))
	assert.EqualError(t, err, "input graph: must be smaller than 1000000 YAML nodes once aliases are expanded")
}

func TestParseBranch(t *testing.T) {
	tests := []struct {
		name  string
		graph string
		want  []Component
	}{
		{"YAML", "consensus: {branch: release/1.0}\nprotocol: {depends-on: [consensus]}\n", []Component{
			{Name: "consensus", Repository: "bllvm-consensus", Branch: "release/1.0"},
			{Name: "protocol", Repository: "bllvm-protocol", DependsOn: []string{"consensus"}},
		}},
		{"JSON", `{"consensus": {"branch": "master", "repository": "core"}}`, []Component{
			{Name: "consensus", Repository: "core", Branch: "master"},
		}},
		{"null means the default branch", "consensus: {branch: ~}\n", []Component{
			{Name: "consensus", Repository: "bllvm-consensus"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Parse([]byte(tt.graph))
			require.NoError(t, err)
			assert.Equal(t, tt.want, g.Components())
		})
	}
}

func TestParseCIAndAssets(t *testing.T) {
	tests := []struct {
		name  string
		graph string
		want  []Component
	}{
		{"both", "node: {ci: node-ci.yaml, assets: [node-*, bllvm-node-*.tar.gz]}\n", []Component{
			{Name: "node", Repository: "bllvm-node", CI: "node-ci.yaml", Assets: []string{"node-*", "bllvm-node-*.tar.gz"}},
		}},
		{"empty assets: ships none", `{"consensus": {"assets": []}}`, []Component{
			{Name: "consensus", Repository: "bllvm-consensus", Assets: []string{}},
		}},
		{"absent: nil, left to the base", "consensus: {}\n", []Component{
			{Name: "consensus", Repository: "bllvm-consensus"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Parse([]byte(tt.graph))
			require.NoError(t, err)
			assert.Equal(t, tt.want, g.Components())
			assert.Equal(t, tt.want[0].CI == "", g.Components()[0].Workflow() == DefaultCI)
		})
	}

	errs := []struct {
		name, graph, want string
	}{
		{"ci not a workflow file", "node: {ci: ../ci.yml}\n", `input graph: ci of component node must be a workflow file name such as ci.yml (letters, digits, ., _ and -, ending in .yml or .yaml); got "../ci.yml"`},
		{"ci without .yml", "node: {ci: ci}\n", `input graph: ci of component node must be a workflow file name such as ci.yml (letters, digits, ., _ and -, ending in .yml or .yaml); got "ci"`},
		{"ci a list", "node: {ci: [a.yml]}\n", "input graph: line 1: ci of component node must be a workflow file name such as ci.yml; got a list"},
		{"assets not a list", "node: {assets: node-*}\n", "input graph: line 1: assets of component node must be a list of asset name patterns, such as [node-*], or [] for none; got a string"},
		{"asset pattern with a slash", "node: {assets: [dist/node-*]}\n", `input graph: assets of component node: must be a pattern of an asset name (*, ? and [...] of one file name, no /, at most 255 characters); got "dist/node-*"`},
		{"asset pattern malformed", "node: {assets: [\"node-[\"]}\n", `input graph: assets of component node: must be a valid pattern (*, ? and [...]): syntax error in pattern; got "node-["`},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.graph))
			assert.EqualError(t, err, tt.want)
		})
	}
	// From a file, the errors say where, not what.
	_, err := Load("@g.yml", func(string) ([]byte, error) { return []byte("node:\n  assets: [\"a/b\"]\n"), nil })
	assert.EqualError(t, err, "input graph: g.yml: line 2: assets of this component must list asset name patterns (*, ? and [...] of a file name, no /)")
}

// TestLoadFileErrorsSayWhereNotWhat: @path may name any file, a secret
// among them, so an error in a graph file locates the problem by line (and
// column) and rule and never quotes the file; the same text given inline,
// the workflow's own, is quoted back where that helps.
func TestLoadFileErrorsSayWhereNotWhat(t *testing.T) {
	tests := []struct {
		name         string
		file         string
		want         string
		inlineQuotes bool // the inline error quotes "secret": the row proves a quote is dropped
	}{
		{"first lines of a passwd file", "root:x:0:0:secret:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n",
			"input graph: graph.yml: line 1: must map each component name to its entry, such as consensus: {}; got a string", false},
		{"key and value", "secret: hunter2\n",
			"input graph: graph.yml: line 1: entry of this component must be a mapping with the optional keys repository, branch, depends-on, ci and assets, such as {depends-on: [consensus]}; got a string", true},
		{"name not a component name", "Secret-Token: {}\n",
			"input graph: graph.yml: line 1: component names must match ^[a-z0-9][a-z0-9_-]*$: lowercase letters, digits, _ and -, starting with a letter or digit", true},
		{"name on several lines", "? |\n  secret\n: {}\n",
			"input graph: graph.yml: line 1: component names must match ^[a-z0-9][a-z0-9_-]*$: lowercase letters, digits, _ and -, starting with a letter or digit", true},
		{"reserved name, which is ours to say", "all: {}\n",
			`input graph: graph.yml: line 1: component name "all" is reserved: it means every component`, false},
		{"unknown key", "a: {secret: 1}\n",
			"input graph: graph.yml: line 1: this component has an unknown key; the allowed keys are repository, branch, depends-on, ci and assets", true},
		{"misspelt key keeps its hint", "a:\n  depends_on: [secret]\n",
			"input graph: graph.yml: line 2: this component has an unknown key (did you mean depends-on?); the allowed keys are repository, branch, depends-on, ci and assets", false},
		{"defined twice", "secret: {}\nsecret: {}\n",
			"input graph: graph.yml: line 2: this component is defined twice (first at line 1)", true},
		{"entry not a mapping", "secret: [a]\n",
			"input graph: graph.yml: line 1: entry of this component must be a mapping with the optional keys repository, branch, depends-on, ci and assets, such as {depends-on: [consensus]}; got a list", true},
		{"repository empty", "secret: {repository: ''}\n",
			"input graph: graph.yml: line 1: repository of this component is empty; leave it out for bllvm-<name>", true},
		{"repository a list", "secret:\n  repository: [a]\n",
			"input graph: graph.yml: line 2: repository of this component must be a repository name such as bllvm-<name>; got a list", true},
		{"repository not a name", "a:\n  repository: secret/token\n",
			"input graph: graph.yml: line 2: repository of this component must be a repository name without owner, such as bllvm-<name> (letters, digits, ., _ and -)", true},
		{"branch not a branch", "a:\n  branch: refs/heads/secret\n",
			"input graph: graph.yml: line 2: branch of this component must be a branch name such as main or release/1.0 (no refs/ prefix)", true},
		{"branch empty", "secret: {branch: ''}\n",
			"input graph: graph.yml: line 1: branch of this component is empty; leave it out for the repository's default branch", true},
		{"depends-on a string", "secret: {depends-on: x}\n",
			"input graph: graph.yml: line 1: depends-on of this component must be a list of component names, such as [consensus], or cargo (read from its Cargo.toml); got a string", true},
		{"keys not strings", "secret: {[a]: 1}\n",
			"input graph: graph.yml: line 1: keys of this component must be strings; got a list", true},
		{"key set twice", "secret:\n  branch: main\n  branch: dev\n",
			"input graph: graph.yml: line 3: this component sets branch twice", true},
		{"unknown dependency", "a:\n  depends-on:\n    - secret\n",
			"input graph: graph.yml: line 3: depends-on of this component names a component the graph does not define", true},
		{"self dependency", "secret: {depends-on: [secret]}\n",
			"input graph: graph.yml: line 1: this component depends on itself, a cycle", true},
		{"dependency listed twice", "secret: {}\nb:\n  depends-on:\n    - secret\n    - secret\n",
			"input graph: graph.yml: line 5: depends-on of this component lists a dependency twice (first at line 4)", true},
		{"cycle", "x: {}\nsecret-a: {depends-on: [x, secret-c]}\nsecret-b: {depends-on: [secret-a]}\nsecret-c: {depends-on: [secret-b]}\n",
			"input graph: graph.yml: components depend on each other in a cycle: the components at lines 2 → 4 → 3 → 2 (each depends on the next)", true},
		{"unknown YAML anchor", "a: *secret\n",
			"input graph: graph.yml: parse YAML: unknown anchor referenced", true},
		{"YAML syntax keeps its grammar", "a: [secret\n",
			"input graph: graph.yml: parse YAML: line 1: did not find expected ',' or ']'", false},
		{"JSON character", "{\"a\": secret}",
			"input graph: graph.yml: parse JSON: line 1, column 7: unexpected character looking for beginning of value", false},
		{"JSON quote character", "{\"a\": {\"repository\": 1'secret}}",
			"input graph: graph.yml: parse JSON: line 1, column 23: unexpected character after object key:value pair", false},
		{"JSON literal", "{\"a\":\n {\"repository\": tru}}",
			"input graph: graph.yml: parse JSON: line 2, column 17: unexpected character in literal true (expecting 'e')", false},
		{"JSON name", `{"Secret": {}}`,
			"input graph: graph.yml: line 1: component names must match ^[a-z0-9][a-z0-9_-]*$: lowercase letters, digits, _ and -, starting with a letter or digit", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("@graph.yml", func(string) ([]byte, error) { return []byte(tt.file), nil })
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			assert.NotContains(t, strings.ToLower(err.Error()), "secret")
			var inputErr *inputs.Error
			require.ErrorAs(t, err, &inputErr)
			assert.Equal(t, "graph", inputErr.Input)

			_, inlineErr := Parse([]byte(tt.file))
			require.Error(t, inlineErr, "the text given inline fails too")
			assert.Equal(t, tt.inlineQuotes, strings.Contains(strings.ToLower(inlineErr.Error()), "secret"), "inline: %v", inlineErr)
		})
	}
}

// FuzzParseFile checks a graph read from a file against the same text
// given inline: both accept it or neither, with the same components, and
// the file's error is an input error of graph that quotes no token of the
// text (a run of 8 or more letters, digits, _ and - holding a digit and a
// letter, the shape of a secret).
func FuzzParseFile(f *testing.F) {
	for _, seed := range []string{
		"a: {}\nb: {depends-on: [a]}\n",
		"s3cr3tt0ken: hunter2\n",
		"a: {s3cr3tt0ken: 1}\n",
		"a: *s3cr3tt0ken\n",
		"a: {repository: s3cr3tt0ken/x}\n",
		"a: {branch: refs/s3cr3tt0ken}\n",
		"a: {depends-on: [s3cr3tt0ken]}\n",
		"s3cr3tt0ken: {depends-on: [s3cr3tt0ken]}\n",
		"s3cr3tt0ken-a: {depends-on: [s3cr3tt0ken-b]}\ns3cr3tt0ken-b: {depends-on: [s3cr3tt0ken-a]}\n",
		"{\"S3cr3tT0ken\": {}}",
		"{\"a\": s3cr3tt0ken}",
		"root:x:0:0:s3cr3tt0ken:/root:/bin/bash\n",
	} {
		f.Add([]byte(seed))
	}
	token := regexp.MustCompile(`[A-Za-z0-9_-]{8,}`)
	ours := NamePattern + " " + allowedKeys
	f.Fuzz(func(t *testing.T, data []byte) {
		inline, inlineErr := Parse(data)
		file, err := parse(data, false)
		if (err == nil) != (inlineErr == nil) {
			t.Fatalf("inline: %v; from a file: %v", inlineErr, err)
		}
		if err == nil {
			if !slices.EqualFunc(inline.Components(), file.Components(), func(a, b Component) bool {
				return a.Name == b.Name && a.Repository == b.Repository && a.Branch == b.Branch && slices.Equal(a.DependsOn, b.DependsOn)
			}) {
				t.Fatalf("inline %v; from a file %v", inline.Components(), file.Components())
			}
			return
		}
		var inputErr *inputs.Error
		if !errors.As(err, &inputErr) || inputErr.Input != "graph" {
			t.Fatalf("error is not an input error of graph: %v", err)
		}
		for _, tok := range token.FindAllString(string(data), -1) {
			if strings.ContainsAny(tok, "0123456789") && strings.IndexFunc(tok, unicode.IsLetter) >= 0 &&
				!strings.Contains(ours, tok) && strings.Contains(inputErr.Rule, tok) {
				t.Fatalf("the error of a file quotes %q: %v", tok, err)
			}
		}
	})
}
