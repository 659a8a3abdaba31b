package plan

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/BTCDecoded/release-action/internal/inputs"
)

// Cargo is the graph input that takes the edges from the components'
// Cargo.toml files: the components are DefaultGraph's, and what each
// depends on is read from its Cargo.toml at its pinned commit. In a graph
// of one's own, depends-on: cargo does the same for one component.
const Cargo = "cargo"

// MaxCargoManifest bounds a Cargo.toml read for graph: cargo. Theirs are
// a few KiB; GitHub's contents API gives at most 1 MB inline anyway.
const MaxCargoManifest = 1 << 20

// CargoManifest is one component's Cargo.toml, as read at its commit.
type CargoManifest struct {
	Component string
	// File names the file in messages, such as
	// BTCDecoded/bllvm-node/Cargo.toml at 1a2b3c4.
	File string
	Data []byte
}

// dependencySections are the tables whose path dependencies take part in
// a release build: [dev-dependencies] do not (tests, examples and
// benches only), so a change there rebuilds nothing downstream.
var dependencySections = []string{"dependencies", "build-dependencies"}

// WithCargoEdges returns g's components, in g's order, each component
// with CargoEdges depending on exactly the components whose repositories
// its Cargo.toml points at by
// path (../<repository>, or a folder inside one) in [dependencies],
// [build-dependencies], [target.<cfg>.dependencies],
// [target.<cfg>.build-dependencies] and [patch.<registry>]. A path that
// leaves the crate and names no repository of the graph is a warning
// naming the file and the key; a path inside the crate's own repository
// is its own business. manifests holds one Cargo.toml per component of
// g. The files are untrusted: errors and warnings say where, never
// quote the file beyond the names of its keys, escaped. The components
// of the result no longer want their edges read.
func WithCargoEdges(g *Graph, manifests []CargoManifest) (*Graph, []string, error) {
	byRepository := make(map[string]int, len(g.components))
	for i, c := range g.components {
		byRepository[c.Repository] = i
	}
	components := g.Components()
	read := make([]bool, len(components))
	var warnings []string
	for _, m := range manifests {
		i, ok := g.index[m.Component]
		if !ok || !g.components[i].CargoEdges {
			return nil, nil, fmt.Errorf("read %s: component %s is not one of the graph whose edges Cargo.toml gives", m.File, m.Component)
		}
		read[i] = true
		paths, err := cargoPaths(m)
		if err != nil {
			return nil, nil, err
		}
		deps := make([]bool, len(g.components))
		for _, p := range paths {
			repository, inside := siblingOf(p.path)
			switch j, known := byRepository[repository]; {
			case inside:
				// A crate of the component's own repository.
			case known && j == i:
				// ../<its own repository>/…: itself, by a roundabout way.
			case known:
				deps[j] = true
			default:
				warnings = append(warnings, fmt.Sprintf("%s: %s has path %s, which names no repository of the graph (known: %s); no edge is drawn for it",
					m.File, p.key, quoteFromFile(p.path), listNames(repositories(g))))
			}
		}
		components[i].DependsOn = nil
		for j, dep := range deps {
			if dep {
				components[i].DependsOn = append(components[i].DependsOn, g.components[j].Name)
			}
		}
	}
	for i, c := range components {
		if c.CargoEdges && !read[i] {
			return nil, nil, fmt.Errorf("derive the graph from the Cargo.toml files: component %s has no Cargo.toml read", c.Name)
		}
		components[i].CargoEdges = false
	}
	cargo, err := New(components)
	if err != nil {
		var e *inputs.Error
		if errors.As(err, &e) {
			return nil, nil, fmt.Errorf("derive the graph from the Cargo.toml files' path dependencies: %s", e.Rule)
		}
		return nil, nil, fmt.Errorf("derive the graph from the Cargo.toml files' path dependencies: %w", err)
	}
	return cargo, warnings, nil
}

func repositories(g *Graph) []string {
	names := make([]string, len(g.components))
	for i, c := range g.components {
		names[i] = c.Repository
	}
	return names
}

// cargoPath is one path dependency: where it is declared, such as
// [patch.crates-io] "bllvm-node", and the path it gives.
type cargoPath struct {
	key  string
	path string
}

// cargoPaths lists the path dependencies of a Cargo.toml that take part
// in a release build, in a stable order: sections as Cargo documents
// them, keys sorted.
func cargoPaths(m CargoManifest) ([]cargoPath, error) {
	if len(m.Data) > MaxCargoManifest {
		return nil, fmt.Errorf("read %s: it is %d bytes; at most %d (1 MiB) are read", m.File, len(m.Data), MaxCargoManifest)
	}
	if line, deep := tooDeep(m.Data); deep {
		return nil, fmt.Errorf("read %s: line %d nests arrays or inline tables more than %d deep", m.File, line, maxNesting)
	}
	var doc map[string]any
	if _, err := toml.Decode(string(m.Data), &doc); err != nil {
		// The parser's messages quote the file; say only where.
		var parseErr toml.ParseError
		if errors.As(err, &parseErr) {
			return nil, fmt.Errorf("read %s: not valid TOML at line %d, column %d", m.File, parseErr.Position.Line, parseErr.Position.Col)
		}
		return nil, fmt.Errorf("read %s: not valid TOML", m.File)
	}
	var out []cargoPath
	add := func(section string, table any) {
		deps, _ := table.(map[string]any)
		for _, name := range sortedKeys(deps) {
			// name = "1.0" is a registry version; only a table has a path.
			spec, _ := deps[name].(map[string]any)
			if p, ok := spec["path"].(string); ok {
				out = append(out, cargoPath{key: section + " " + quoteFromFile(name), path: p})
			}
		}
	}
	for _, section := range dependencySections {
		add("["+section+"]", doc[section])
	}
	targets, _ := doc["target"].(map[string]any)
	for _, cfg := range sortedKeys(targets) {
		tables, _ := targets[cfg].(map[string]any)
		for _, section := range dependencySections {
			add("[target."+quoteFromFile(cfg)+"."+section+"]", tables[section])
		}
	}
	patches, _ := doc["patch"].(map[string]any)
	for _, registry := range sortedKeys(patches) {
		add("[patch."+quoteFromFile(registry)+"]", patches[registry])
	}
	return out, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// siblingOf reads a dependency's path: the repository it is in when it
// leaves the crate's repository for a sibling folder (../<repository>, or
// ../<repository>/<crate>), or inside when it stays in the crate's own
// repository. Anything else (absolute, two levels up, a backslash) names
// no repository: "".
func siblingOf(p string) (repository string, inside bool) {
	if p == "" || strings.ContainsAny(p, "\\\x00") || path.IsAbs(p) {
		return "", false
	}
	clean := path.Clean(p)
	rest, up := strings.CutPrefix(clean, "../")
	if !up {
		return "", clean != ".."
	}
	repository, _, _ = strings.Cut(rest, "/")
	if repository == ".." || repository == "." || repository == "" {
		return "", false
	}
	return repository, false
}

// quoteFromFile shows a name or path read from an untrusted file: as it
// is when it is plain (letters, digits and -_.:/@+), else quoted with
// escapes and cut, so that it can never start a line of the log.
func quoteFromFile(s string) string {
	plain := s != "" && len(s) <= 100 && !strings.HasPrefix(s, ":") && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@+", r))
	})
	if plain {
		return s
	}
	if runes := []rune(s); len(runes) > 100 {
		return fmt.Sprintf("%q…", string(runes[:100]))
	}
	return fmt.Sprintf("%q", s)
}

// maxNesting bounds how deep a Cargo.toml nests arrays and inline tables
// (theirs: 2). The parser's time grows with the square of the depth: a
// 1 MiB file of { would take it minutes.
const maxNesting = 32

// tooDeep finds the line where data first nests [ and { more than
// maxNesting deep, outside strings and comments. It only bounds the
// parser's work: it reads no value, and a file it lets through is still
// parsed by the TOML parser alone.
func tooDeep(data []byte) (int, bool) {
	depth, line := 0, 1
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n':
			line++
		case '#':
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case '"', '\'':
			// A string, basic or literal, on one line or (tripled) many;
			// only a basic one has escapes.
			quote := string(data[i : i+1])
			if i+2 < len(data) && data[i+1] == c && data[i+2] == c {
				quote = strings.Repeat(quote, 3)
			}
			i += len(quote)
			for i < len(data) && !strings.HasPrefix(string(data[i:min(i+len(quote), len(data))]), quote) {
				if data[i] == '\\' && c == '"' {
					i++
				}
				if i < len(data) && data[i] == '\n' {
					line++
				}
				i++
			}
			i += len(quote) - 1
		case '[', '{':
			if depth++; depth > maxNesting {
				return line, true
			}
		case ']', '}':
			depth = max(depth-1, 0)
		}
	}
	return 0, false
}
