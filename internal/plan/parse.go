package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/BTCDecoded/release-action/internal/inputs"
)

// Load resolves the graph input: empty means the default graph, cargo the
// default graph's components whose edges the caller reads from their
// Cargo.toml files (FromCargo, WithCargoEdges), @path a file
// read with readFile (relative to wherever the caller decides), anything else
// the graph's text itself.
//
// @path may name any file, one holding a secret among them, so the errors
// of a file say where the problem is (line, column) and which rule it
// breaks, and never quote the file. An *inputs.Error from readFile (a rule
// of its own, such as a size limit) is returned as it is.
func Load(input string, readFile func(path string) ([]byte, error)) (*Graph, error) {
	trimmed := strings.TrimSpace(input)
	switch trimmed {
	case "":
		return DefaultGraph(), nil
	case Cargo:
		// The components; their edges come from Cargo.toml (WithCargoEdges).
		// Until then they have none: create-prerelease, which reads no
		// Cargo.toml, then goes by the plan's rebuilt, as for depends-on:
		// cargo, never by edges Cargo may no longer see.
		components := DefaultComponents()
		for i := range components {
			components[i].DependsOn, components[i].CargoEdges = nil, true
		}
		return New(components)
	}
	path, isFile := strings.CutPrefix(trimmed, "@")
	if !isFile {
		return Parse([]byte(input))
	}
	path = strings.TrimSpace(path)
	if path == "" {
		return nil, inputs.Errorf("graph", "must name a file after @, such as @.github/build-graph.yml")
	}
	data, err := readFile(path)
	if e := (*inputs.Error)(nil); errors.As(err, &e) {
		return nil, err
	}
	if err != nil {
		return nil, inputs.Errorf("graph", "read %s: %v", path, err)
	}
	g, err := parse(data, false)
	if e := (*inputs.Error)(nil); errors.As(err, &e) {
		return nil, inputs.Errorf("graph", "%s: %s", path, e.Rule)
	}
	return g, err
}

// Parse reads a graph from YAML or JSON: a mapping from component name to an
// entry with five optional keys, repository (default bllvm-<name>),
// branch (default: the repository's default branch), depends-on (a list
// of component names, or cargo: read from its Cargo.toml), ci (the workflow file whose successful push runs
// pin: green trusts, default ci.yml) and assets (the name patterns of
// the assets it ships, [] for none):
//
//	consensus: {}
//	protocol: {depends-on: [consensus], assets: [protocol-*]}
//	governance: {repository: governance-app, depends-on: [sdk], ci: governance-app-ci.yml}
//
// Components keep the order of the text. Every error is an *inputs.Error of
// the graph input.
func Parse(data []byte) (*Graph, error) {
	return parse(data, true)
}

// parse reads a graph; quote says whether its errors may quote the text:
// the workflow's own text is quoted back where that helps, a file's never
// (see Load).
func parse(data []byte, quote bool) (*Graph, error) {
	w := wording{quote: quote}
	root, err := parseTree(data, w)
	if err != nil {
		return nil, err
	}
	components, lines, err := componentsOf(root, w)
	if err != nil {
		return nil, err
	}
	if quote {
		return New(components)
	}
	// New's errors name components and quote values, and know no lines:
	// its rules are checked here first, saying where instead.
	if err := checkByLine(components, lines); err != nil {
		return nil, err
	}
	g, err := New(components)
	if err != nil {
		return nil, inputs.Errorf("graph", "is not a valid graph")
	}
	return g, nil
}

// wording words the errors of a graph for where its text comes from.
type wording struct{ quote bool }

// component names a component whose definition the message's line is in.
func (w wording) component(name string) string {
	if w.quote {
		return "component " + name
	}
	return "this component"
}

// defaultRepository is the repository a component has without one.
func (w wording) defaultRepository(name string) string {
	if w.quote {
		return "bllvm-" + name
	}
	return "bllvm-<name>"
}

// nameRule returns the rule name breaks, or "" when it is a valid name.
func (w wording) nameRule(name string) string {
	rule := nameRule(name)
	if rule == "" || w.quote || name == All {
		return rule // all is ours to quote
	}
	return fmt.Sprintf("component names must match %s: lowercase letters, digits, _ and -, starting with a letter or digit", NamePattern)
}

// yamlAnchor is the one part of yaml.v3's messages that quotes the text
// (unknown anchor 'name' referenced, anchor 'name' value contains itself;
// its anchors are letters, digits, _ and -); the others quote only YAML's
// grammar (did not find expected ',' or ']').
var yamlAnchor = regexp.MustCompile(`anchor '[^']*'`)

// jsonCharacter is how encoding/json quotes the byte it stopped at: as a
// Go character literal between single quotes, escaped where needed.
var jsonCharacter = regexp.MustCompile(`invalid character '(?:\\.|[^'\\])*'`)

func (w wording) yamlError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if w.quote {
		return msg
	}
	return yamlAnchor.ReplaceAllString(msg, "anchor")
}

func (w wording) jsonError(msg string) string {
	if w.quote {
		return msg
	}
	return jsonCharacter.ReplaceAllString(msg, "unexpected character")
}

// node is the little of a YAML or JSON document that a graph needs, so that
// one walk checks both and words its errors the same way.
type node struct {
	kind  nodeKind
	what  string // "a list", "an object", "a number"…, for messages
	text  string // of a scalar
	line  int
	items []*node // of a list; of a mapping, keys and values in turn
}

type nodeKind int

const (
	nullNode nodeKind = iota
	scalarNode
	listNode
	mappingNode
)

// treeDepth is how deep a graph goes: graph, entry, depends-on, name.
// Anything deeper is an error whatever it holds, so it is not read.
const treeDepth = 3

// maxNodes bounds the work of expanding YAML aliases, which can make a small
// text stand for a huge document.
const maxNodes = 1_000_000

func parseTree(data []byte, w wording) (*node, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return &node{kind: nullNode}, nil
	}
	// YAML reads most JSON but not all of it (\/ and surrogate pairs), and
	// encoding/json says where JSON goes wrong more plainly. {"… and {} are
	// meant as JSON; {consensus: … is a YAML flow mapping.
	if rest := bytes.TrimSpace(trimmed[1:]); trimmed[0] == '{' && (len(rest) == 0 || rest[0] == '"' || rest[0] == '}') {
		return parseJSON(data, w)
	}
	return parseYAML(data, w)
}

func parseYAML(data []byte, w wording) (*node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &node{kind: nullNode}, nil
		}
		return nil, inputs.Errorf("graph", "parse YAML: %s", w.yamlError(err))
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, inputs.Errorf("graph", "parse YAML: %s", w.yamlError(err))
	default:
		return nil, inputs.Errorf("graph", "must be a single YAML document; another one starts at line %d", next.Line)
	}
	budget := maxNodes
	return fromYAML(&doc, treeDepth, &budget)
}

func fromYAML(n *yaml.Node, depth int, budget *int) (*node, error) {
	if *budget--; *budget < 0 {
		return nil, inputs.Errorf("graph", "must be smaller than %d YAML nodes once aliases are expanded", maxNodes)
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return &node{kind: nullNode, line: n.Line}, nil
		}
		n = n.Content[0]
	}
	// An alias points at a node with an anchor, which is never an alias, but
	// a bound costs nothing.
	for hops := 0; n.Kind == yaml.AliasNode && n.Alias != nil && hops < 8; hops++ {
		n = n.Alias
	}
	out := &node{line: n.Line}
	switch n.Kind {
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			out.kind, out.what = nullNode, "null"
		case "!!int", "!!float":
			out.kind, out.what = scalarNode, "a number"
		case "!!bool":
			out.kind, out.what = scalarNode, "a boolean"
		default:
			out.kind, out.what = scalarNode, "a string"
		}
		out.text = n.Value
		return out, nil
	case yaml.SequenceNode:
		out.kind, out.what = listNode, "a list"
	case yaml.MappingNode:
		out.kind, out.what = mappingNode, "a mapping"
	default:
		return nil, inputs.Errorf("graph", "parse YAML: line %d: unexpected node kind %d", n.Line, n.Kind)
	}
	if depth == 0 {
		return out, nil
	}
	out.items = make([]*node, 0, len(n.Content))
	for k, child := range n.Content {
		if n.Kind == yaml.MappingNode && k%2 == 0 && child.ShortTag() == "!!merge" {
			return nil, inputs.Errorf("graph", "line %d: YAML merge keys (<<) are not supported; write the entry out", child.Line)
		}
		c, err := fromYAML(child, depth-1, budget)
		if err != nil {
			return nil, err
		}
		out.items = append(out.items, c)
	}
	return out, nil
}

func parseJSON(data []byte, w wording) (*node, error) {
	p := &jsonParser{dec: json.NewDecoder(bytes.NewReader(data)), lineStarts: lineStarts(data), wording: w}
	p.dec.UseNumber()
	root, err := p.value(treeDepth)
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); !errors.Is(err, io.EOF) {
		line, _ := p.position(p.dec.InputOffset())
		return nil, inputs.Errorf("graph", "parse JSON: line %d: unexpected text after the top-level object", line)
	}
	return root, nil
}

type jsonParser struct {
	dec        *json.Decoder
	lineStarts []int64
	wording    wording
}

func (p *jsonParser) value(depth int) (*node, error) {
	tok, err := p.token()
	if err != nil {
		return nil, err
	}
	out := &node{line: p.lastLine()}
	switch tok := tok.(type) {
	case nil:
		out.kind, out.what = nullNode, "null"
		return out, nil
	case string:
		out.kind, out.what, out.text = scalarNode, "a string", tok
		return out, nil
	case json.Number:
		out.kind, out.what, out.text = scalarNode, "a number", tok.String()
		return out, nil
	case bool:
		out.kind, out.what, out.text = scalarNode, "a boolean", fmt.Sprint(tok)
		return out, nil
	case json.Delim:
		out.kind, out.what = listNode, "an array"
		if tok == '{' {
			out.kind, out.what = mappingNode, "an object"
		}
	}
	if depth == 0 {
		return out, p.skipRest()
	}
	for p.dec.More() {
		if out.kind == mappingNode {
			// The decoder has checked that a key is a string.
			key, err := p.token()
			if err != nil {
				return nil, err
			}
			out.items = append(out.items, &node{kind: scalarNode, what: "a string", text: key.(string), line: p.lastLine()})
		}
		item, err := p.value(depth - 1)
		if err != nil {
			return nil, err
		}
		out.items = append(out.items, item)
	}
	_, err = p.token() // the closing } or ]
	return out, err
}

// skipRest reads to the end of the object or array just opened.
func (p *jsonParser) skipRest() error {
	for open := 1; open > 0; {
		tok, err := p.token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			open++
		case json.Delim('}'), json.Delim(']'):
			open--
		}
	}
	return nil
}

func (p *jsonParser) token() (json.Token, error) {
	tok, err := p.dec.Token()
	if err == nil {
		return tok, nil
	}
	if se := (*json.SyntaxError)(nil); errors.As(err, &se) {
		// The error's Offset can be relative to the value being decoded;
		// InputOffset is at the bad byte, or at the start of a bad value.
		line, column := p.position(p.dec.InputOffset())
		return nil, inputs.Errorf("graph", "parse JSON: line %d, column %d: %s", line, column, p.wording.jsonError(se.Error()))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, inputs.Errorf("graph", "parse JSON: unexpected end of the text (is a } or ] missing?)")
	}
	if !p.wording.quote {
		line, column := p.position(p.dec.InputOffset())
		return nil, inputs.Errorf("graph", "parse JSON: line %d, column %d: not valid JSON", line, column)
	}
	return nil, inputs.Errorf("graph", "parse JSON: %v", err)
}

// position turns a byte offset into the byte's line and column, both from 1.
func (p *jsonParser) position(at int64) (line, column int) {
	at = max(at, 0)
	i := sort.Search(len(p.lineStarts), func(i int) bool { return p.lineStarts[i] > at }) - 1
	return i + 1, int(at-p.lineStarts[i]) + 1
}

// lastLine is the line of the token just read.
func (p *jsonParser) lastLine() int {
	line, _ := p.position(p.dec.InputOffset() - 1)
	return line
}

func lineStarts(data []byte) []int64 {
	starts := []int64{0}
	for i, b := range data {
		if b == '\n' {
			starts = append(starts, int64(i+1))
		}
	}
	return starts
}

// Entry keys, in the order messages list them.
const (
	keyRepository = "repository"
	keyBranch     = "branch"
	keyDependsOn  = "depends-on"
	keyCI         = "ci"
	keyAssets     = "assets"
)

// allowedKeys lists the entry keys for messages.
var allowedKeys = keyRepository + ", " + keyBranch + ", " + keyDependsOn + ", " + keyCI + " and " + keyAssets

// likelyKeys maps misspellings seen in other tools to the key meant.
var likelyKeys = map[string]string{
	"depends_on": keyDependsOn, "dependson": keyDependsOn, "depends": keyDependsOn,
	"dependencies": keyDependsOn, "deps": keyDependsOn, "needs": keyDependsOn,
	"after": keyDependsOn, "repo": keyRepository, "repository_name": keyRepository,
	"ref": keyBranch, "default-branch": keyBranch, "default_branch": keyBranch,
	"workflow": keyCI, "ci-workflow": keyCI, "ci_workflow": keyCI, "artifacts": keyAssets,
	"files": keyAssets, "binaries": keyAssets,
}

// lines says where the parts of a component are written, for the errors
// of a file, which say where instead of what.
type lines struct {
	name, repository, branch, ci int
	dependsOn                    []int
	assets                       []int
}

func componentsOf(root *node, w wording) ([]Component, []lines, error) {
	switch root.kind {
	case nullNode:
		return nil, nil, inputs.Errorf("graph", "must define at least one component, such as consensus: {}")
	case mappingNode:
	default:
		return nil, nil, inputs.Errorf("graph", "line %d: must map each component name to its entry, such as consensus: {}; got %s", root.line, root.what)
	}
	components := make([]Component, 0, len(root.items)/2)
	where := make([]lines, 0, len(root.items)/2)
	definedAt := make(map[string]int, len(root.items)/2)
	for k := 0; k+1 < len(root.items); k += 2 {
		key, entry := root.items[k], root.items[k+1]
		if key.kind != scalarNode {
			return nil, nil, inputs.Errorf("graph", "line %d: component names must be strings; got %s", key.line, key.what)
		}
		name := key.text
		if rule := w.nameRule(name); rule != "" {
			return nil, nil, inputs.Errorf("graph", "line %d: %s", key.line, rule)
		}
		if first, dup := definedAt[name]; dup {
			return nil, nil, inputs.Errorf("graph", "line %d: %s is defined twice (first at line %d)", key.line, w.component(name), first)
		}
		definedAt[name] = key.line
		c, at, err := componentOf(name, entry, w)
		if err != nil {
			return nil, nil, err
		}
		at.name = key.line
		components = append(components, c)
		where = append(where, at)
	}
	if len(components) == 0 {
		return nil, nil, inputs.Errorf("graph", "must define at least one component, such as consensus: {}")
	}
	return components, where, nil
}

func componentOf(name string, entry *node, w wording) (Component, lines, error) {
	c := Component{Name: name}
	var at lines
	switch entry.kind {
	case nullNode:
		return c, at, nil
	case mappingNode:
	default:
		return c, at, inputs.Errorf("graph", "line %d: entry of %s must be a mapping with the optional keys %s, such as {%s: [consensus]}; got %s",
			entry.line, w.component(name), allowedKeys, keyDependsOn, entry.what)
	}
	set := map[string]bool{}
	for k := 0; k+1 < len(entry.items); k += 2 {
		key, value := entry.items[k], entry.items[k+1]
		if key.kind != scalarNode {
			return c, at, inputs.Errorf("graph", "line %d: keys of %s must be strings; got %s", key.line, w.component(name), key.what)
		}
		if set[key.text] {
			// Only an allowed key gets here twice: an unknown one fails at once.
			return c, at, inputs.Errorf("graph", "line %d: %s sets %s twice", key.line, w.component(name), key.text)
		}
		set[key.text] = true
		switch key.text {
		case keyRepository:
			switch value.kind {
			case nullNode:
			case scalarNode:
				if value.text == "" {
					return c, at, inputs.Errorf("graph", "line %d: repository of %s is empty; leave it out for %s", value.line, w.component(name), w.defaultRepository(name))
				}
				c.Repository, at.repository = value.text, value.line
			default:
				return c, at, inputs.Errorf("graph", "line %d: repository of %s must be a repository name such as %s; got %s", value.line, w.component(name), w.defaultRepository(name), value.what)
			}
		case keyBranch:
			switch value.kind {
			case nullNode:
			case scalarNode:
				if value.text == "" {
					return c, at, inputs.Errorf("graph", "line %d: branch of %s is empty; leave it out for the repository's default branch", value.line, w.component(name))
				}
				c.Branch, at.branch = value.text, value.line
			default:
				return c, at, inputs.Errorf("graph", "line %d: branch of %s must be a branch name such as main; got %s", value.line, w.component(name), value.what)
			}
		case keyDependsOn:
			switch value.kind {
			case nullNode:
			case scalarNode:
				if value.text != Cargo {
					return c, at, inputs.Errorf("graph", "line %d: %s of %s must be a list of component names, such as [consensus], or cargo (read from its Cargo.toml); got %s", value.line, keyDependsOn, w.component(name), value.what)
				}
				c.CargoEdges = true
			case listNode:
				for _, item := range value.items {
					if item.kind != scalarNode || item.text == "" {
						what := item.what
						if item.kind == scalarNode {
							what = "an empty name"
						}
						return c, at, inputs.Errorf("graph", "line %d: %s of %s must list component names; got %s", item.line, keyDependsOn, w.component(name), what)
					}
					c.DependsOn = append(c.DependsOn, item.text)
					at.dependsOn = append(at.dependsOn, item.line)
				}
			default:
				return c, at, inputs.Errorf("graph", "line %d: %s of %s must be a list of component names, such as [consensus], or cargo (read from its Cargo.toml); got %s", value.line, keyDependsOn, w.component(name), value.what)
			}
		case keyCI:
			switch value.kind {
			case nullNode:
			case scalarNode:
				if value.text == "" {
					return c, at, inputs.Errorf("graph", "line %d: %s of %s is empty; leave it out for %s", value.line, keyCI, w.component(name), DefaultCI)
				}
				c.CI, at.ci = value.text, value.line
			default:
				return c, at, inputs.Errorf("graph", "line %d: %s of %s must be a workflow file name such as %s; got %s", value.line, keyCI, w.component(name), DefaultCI, value.what)
			}
		case keyAssets:
			switch value.kind {
			case nullNode:
			case listNode:
				c.Assets = []string{}
				for _, item := range value.items {
					if item.kind != scalarNode || item.text == "" {
						what := item.what
						if item.kind == scalarNode {
							what = "an empty pattern"
						}
						return c, at, inputs.Errorf("graph", "line %d: %s of %s must list asset name patterns such as %s-*; got %s", item.line, keyAssets, w.component(name), name, what)
					}
					c.Assets = append(c.Assets, item.text)
					at.assets = append(at.assets, item.line)
				}
			default:
				return c, at, inputs.Errorf("graph", "line %d: %s of %s must be a list of asset name patterns, such as [%s-*], or [] for none; got %s", value.line, keyAssets, w.component(name), name, value.what)
			}
		default:
			hint := ""
			if meant, ok := likelyKeys[strings.ToLower(key.text)]; ok {
				hint = fmt.Sprintf(" (did you mean %s?)", meant)
			}
			if !w.quote {
				return c, at, inputs.Errorf("graph", "line %d: %s has an unknown key%s; the allowed keys are %s", key.line, w.component(name), hint, allowedKeys)
			}
			return c, at, inputs.Errorf("graph", "line %d: component %s has unknown key %q%s; the allowed keys are %s", key.line, name, key.text, hint, allowedKeys)
		}
	}
	return c, at, nil
}

// checkByLine checks what New checks of components read from a file, each
// error saying on which line instead of quoting names and values.
func checkByLine(components []Component, where []lines) error {
	index := make(map[string]int, len(components))
	for i, c := range components {
		index[c.Name] = i
	}
	for i, c := range components {
		at := where[i]
		if c.Repository != "" && (!repositoryRE.MatchString(c.Repository) || c.Repository == "." || c.Repository == "..") {
			return inputs.Errorf("graph", "line %d: repository of this component must be a repository name without owner, such as bllvm-<name> (letters, digits, ., _ and -)", at.repository)
		}
		if c.Branch != "" && !validBranch(c.Branch) {
			return inputs.Errorf("graph", "line %d: branch of this component must be a branch name such as main or release/1.0 (no refs/ prefix)", at.branch)
		}
		if c.CI != "" && ciRule(c.CI) != "" {
			return inputs.Errorf("graph", "line %d: %s of this component must be a workflow file name such as %s (letters, digits, ., _ and -, ending in .yml or .yaml)", at.ci, keyCI, DefaultCI)
		}
		for k, pattern := range c.Assets {
			if assetPatternRule(pattern) != "" {
				return inputs.Errorf("graph", "line %d: %s of this component must list asset name patterns (*, ? and [...] of a file name, no /)", at.assets[k], keyAssets)
			}
		}
		listedAt := map[int]int{}
		for k, dep := range c.DependsOn {
			j, known := index[dep]
			switch first, twice := listedAt[j]; {
			case !known:
				return inputs.Errorf("graph", "line %d: %s of this component names a component the graph does not define", at.dependsOn[k], keyDependsOn)
			case j == i:
				return inputs.Errorf("graph", "line %d: this component depends on itself, a cycle", at.dependsOn[k])
			case twice:
				return inputs.Errorf("graph", "line %d: %s of this component lists a dependency twice (first at line %d)", at.dependsOn[k], keyDependsOn, first)
			}
			listedAt[j] = at.dependsOn[k]
		}
	}
	if cycle := cycleOf(components, index); cycle != nil {
		numbers := make([]string, len(cycle))
		for k, i := range cycle {
			numbers[k] = fmt.Sprint(where[i].name)
		}
		return inputs.Errorf("graph", "components depend on each other in a cycle: the components at lines %s (each depends on the next)", strings.Join(numbers, " → "))
	}
	return nil
}

// cycleOf returns components that depend on each other in a cycle, the
// first repeated at the end, or nil. Every dependency must name a
// component, once.
func cycleOf(components []Component, index map[string]int) []int {
	// Peel off, again and again, the components whose dependencies are all
	// peeled off: those left depend on a cycle, and following any of their
	// dependencies that is left must come back around.
	left := make([]int, len(components)) // dependencies not peeled off
	dependents := make([][]int, len(components))
	var peel []int
	for i, c := range components {
		left[i] = len(c.DependsOn)
		if left[i] == 0 {
			peel = append(peel, i)
		}
		for _, dep := range c.DependsOn {
			dependents[index[dep]] = append(dependents[index[dep]], i)
		}
	}
	for len(peel) > 0 {
		j := peel[len(peel)-1]
		peel = peel[:len(peel)-1]
		for _, i := range dependents[j] {
			if left[i]--; left[i] == 0 {
				peel = append(peel, i)
			}
		}
	}
	i := slices.IndexFunc(left, func(n int) bool { return n > 0 })
	if i < 0 {
		return nil
	}
	var path []int
	at := map[int]int{}
	for {
		if k, seen := at[i]; seen {
			return append(path[k:], i)
		}
		at[i] = len(path)
		path = append(path, i)
		for _, dep := range components[i].DependsOn {
			if j := index[dep]; left[j] > 0 {
				i = j
				break
			}
		}
	}
}
