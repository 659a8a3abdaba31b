package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/BTCDecoded/release-action/internal/inputs"
)

// Load resolves the graph input: empty means the default graph, @path a file
// read with readFile (relative to wherever the caller decides), anything else
// the graph's text itself.
func Load(input string, readFile func(path string) ([]byte, error)) (*Graph, error) {
	trimmed := strings.TrimSpace(input)
	if trimmed == "" {
		return DefaultGraph(), nil
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
	if err != nil {
		return nil, inputs.Errorf("graph", "read %s: %v", path, err)
	}
	g, err := Parse(data)
	if e := (*inputs.Error)(nil); errors.As(err, &e) {
		return nil, inputs.Errorf("graph", "%s: %s", path, e.Rule)
	}
	return g, err
}

// Parse reads a graph from YAML or JSON: a mapping from component name to an
// entry with three optional keys, repository (default bllvm-<name>),
// branch (default: the repository's default branch) and depends-on (a list
// of component names):
//
//	consensus: {}
//	protocol: {depends-on: [consensus]}
//	governance: {repository: governance-app, depends-on: [sdk]}
//
// Components keep the order of the text. Every error is an *inputs.Error of
// the graph input.
func Parse(data []byte) (*Graph, error) {
	root, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	components, err := componentsOf(root)
	if err != nil {
		return nil, err
	}
	return New(components)
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

func parseTree(data []byte) (*node, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return &node{kind: nullNode}, nil
	}
	// YAML reads most JSON but not all of it (\/ and surrogate pairs), and
	// encoding/json says where JSON goes wrong more plainly. {"… and {} are
	// meant as JSON; {consensus: … is a YAML flow mapping.
	if rest := bytes.TrimSpace(trimmed[1:]); trimmed[0] == '{' && (len(rest) == 0 || rest[0] == '"' || rest[0] == '}') {
		return parseJSON(data)
	}
	return parseYAML(data)
}

func parseYAML(data []byte) (*node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &node{kind: nullNode}, nil
		}
		return nil, inputs.Errorf("graph", "parse YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, inputs.Errorf("graph", "parse YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
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

func parseJSON(data []byte) (*node, error) {
	p := &jsonParser{dec: json.NewDecoder(bytes.NewReader(data)), lineStarts: lineStarts(data)}
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
		return nil, inputs.Errorf("graph", "parse JSON: line %d, column %d: %s", line, column, se.Error())
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, inputs.Errorf("graph", "parse JSON: unexpected end of the text (is a } or ] missing?)")
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
)

// allowedKeys lists the entry keys for messages.
var allowedKeys = keyRepository + ", " + keyBranch + " and " + keyDependsOn

// likelyKeys maps misspellings seen in other tools to the key meant.
var likelyKeys = map[string]string{
	"depends_on": keyDependsOn, "dependson": keyDependsOn, "depends": keyDependsOn,
	"dependencies": keyDependsOn, "deps": keyDependsOn, "needs": keyDependsOn,
	"after": keyDependsOn, "repo": keyRepository, "repository_name": keyRepository,
	"ref": keyBranch, "default-branch": keyBranch, "default_branch": keyBranch,
}

func componentsOf(root *node) ([]Component, error) {
	switch root.kind {
	case nullNode:
		return nil, inputs.Errorf("graph", "must define at least one component, such as consensus: {}")
	case mappingNode:
	default:
		return nil, inputs.Errorf("graph", "line %d: must map each component name to its entry, such as consensus: {}; got %s", root.line, root.what)
	}
	components := make([]Component, 0, len(root.items)/2)
	definedAt := make(map[string]int, len(root.items)/2)
	for k := 0; k+1 < len(root.items); k += 2 {
		key, entry := root.items[k], root.items[k+1]
		if key.kind != scalarNode {
			return nil, inputs.Errorf("graph", "line %d: component names must be strings; got %s", key.line, key.what)
		}
		name := key.text
		if rule := nameRule(name); rule != "" {
			return nil, inputs.Errorf("graph", "line %d: %s", key.line, rule)
		}
		if first, dup := definedAt[name]; dup {
			return nil, inputs.Errorf("graph", "line %d: component %s is defined twice (first at line %d)", key.line, name, first)
		}
		definedAt[name] = key.line
		c, err := componentOf(name, entry)
		if err != nil {
			return nil, err
		}
		components = append(components, c)
	}
	if len(components) == 0 {
		return nil, inputs.Errorf("graph", "must define at least one component, such as consensus: {}")
	}
	return components, nil
}

func componentOf(name string, entry *node) (Component, error) {
	c := Component{Name: name}
	switch entry.kind {
	case nullNode:
		return c, nil
	case mappingNode:
	default:
		return c, inputs.Errorf("graph", "line %d: entry of component %s must be a mapping with the optional keys %s, such as {%s: [consensus]}; got %s",
			entry.line, name, allowedKeys, keyDependsOn, entry.what)
	}
	set := map[string]bool{}
	for k := 0; k+1 < len(entry.items); k += 2 {
		key, value := entry.items[k], entry.items[k+1]
		if key.kind != scalarNode {
			return c, inputs.Errorf("graph", "line %d: keys of component %s must be strings; got %s", key.line, name, key.what)
		}
		if set[key.text] {
			return c, inputs.Errorf("graph", "line %d: component %s sets %s twice", key.line, name, key.text)
		}
		set[key.text] = true
		switch key.text {
		case keyRepository:
			switch value.kind {
			case nullNode:
			case scalarNode:
				if value.text == "" {
					return c, inputs.Errorf("graph", "line %d: repository of component %s is empty; leave it out for bllvm-%s", value.line, name, name)
				}
				c.Repository = value.text
			default:
				return c, inputs.Errorf("graph", "line %d: repository of component %s must be a repository name such as bllvm-%s; got %s", value.line, name, name, value.what)
			}
		case keyBranch:
			switch value.kind {
			case nullNode:
			case scalarNode:
				if value.text == "" {
					return c, inputs.Errorf("graph", "line %d: branch of component %s is empty; leave it out for the repository's default branch", value.line, name)
				}
				c.Branch = value.text
			default:
				return c, inputs.Errorf("graph", "line %d: branch of component %s must be a branch name such as main; got %s", value.line, name, value.what)
			}
		case keyDependsOn:
			switch value.kind {
			case nullNode:
			case listNode:
				for _, item := range value.items {
					if item.kind != scalarNode || item.text == "" {
						what := item.what
						if item.kind == scalarNode {
							what = "an empty name"
						}
						return c, inputs.Errorf("graph", "line %d: %s of component %s must list component names; got %s", item.line, keyDependsOn, name, what)
					}
					c.DependsOn = append(c.DependsOn, item.text)
				}
			default:
				return c, inputs.Errorf("graph", "line %d: %s of component %s must be a list of component names, such as [consensus]; got %s", value.line, keyDependsOn, name, value.what)
			}
		default:
			hint := ""
			if meant, ok := likelyKeys[strings.ToLower(key.text)]; ok {
				hint = fmt.Sprintf(" (did you mean %s?)", meant)
			}
			return c, inputs.Errorf("graph", "line %d: component %s has unknown key %q%s; the allowed keys are %s", key.line, name, key.text, hint, allowedKeys)
		}
	}
	return c, nil
}
