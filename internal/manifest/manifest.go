// Package manifest is the snapshot a nightly holds: the commit of every
// component of the build graph, pinned once at plan time. It reads and
// writes the manifest as JSON (the plan's output, the nightly-tag input)
// and as the message of an annotated nightly tag, and compares snapshots.
//
// The package is pure: it sends nothing and reads no file.
package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/plan"
)

// Entry is one component's pinned commit.
type Entry struct {
	Component  string
	Repository string // owner/name
	SHA        string // 40 lower-case hex
	// Rebuilt says whether the run that made the manifest rebuilt the
	// component; snapshots are compared on commits only.
	Rebuilt bool
}

// Manifest is every component of the graph, in the graph's order.
type Manifest []Entry

// MaxBytes bounds a manifest's JSON: about 8,000 components, far beyond a
// build graph, and small enough for a step output and a tag message.
const MaxBytes = 1 << 20

var componentRE = regexp.MustCompile(plan.NamePattern)

// entryJSON is an entry as the JSON spells it.
type entryJSON struct {
	Repository string `json:"repository"`
	SHA        string `json:"sha"`
	Rebuilt    bool   `json:"rebuilt"`
}

// MarshalJSON writes the manifest as one object keyed by component, in the
// manifest's order (encoding/json would sort a map's keys).
func (m Manifest) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range m {
		if i > 0 {
			b.WriteByte(',')
		}
		key, err := json.Marshal(e.Component)
		if err != nil {
			return nil, err
		}
		value, err := json.Marshal(entryJSON{Repository: e.Repository, SHA: e.SHA, Rebuilt: e.Rebuilt})
		if err != nil {
			return nil, err
		}
		b.Write(key)
		b.WriteByte(':')
		b.Write(value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// String is the manifest's compact JSON.
func (m Manifest) String() string {
	data, err := m.MarshalJSON()
	if err != nil {
		return ""
	}
	return string(data)
}

// Parse reads a manifest from its JSON and checks every entry; errors are
// *inputs.Error of the named input and never quote more of the text than
// locates the problem.
func Parse(input, text string) (Manifest, error) {
	if len(text) > MaxBytes {
		return nil, inputs.Errorf(input, "must be at most %d bytes of JSON; got %d", MaxBytes, len(text))
	}
	if !utf8.ValidString(text) {
		return nil, inputs.Errorf(input, "must be UTF-8 text")
	}
	dec := json.NewDecoder(strings.NewReader(text))
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(input, dec, err)
	}
	if tok != json.Delim('{') {
		return nil, inputs.Errorf(input, `must be a JSON object mapping each component to {"repository", "sha", "rebuilt"}, as the plan mode's manifest output is; got %s`, describe(tok))
	}
	var m Manifest
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxError(input, dec, err)
		}
		name := tok.(string) // the decoder checked that a key is a string
		switch {
		case !componentRE.MatchString(name) || name == plan.All:
			return nil, inputs.Errorf(input, "component name %q must match %s", name, plan.NamePattern)
		case seen[name]:
			return nil, inputs.Errorf(input, "names component %s twice", name)
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntaxError(input, dec, err)
		}
		fields, err := objectFields(raw)
		if err != nil {
			return nil, inputs.Errorf(input, `component %s must be an object {"repository": "owner/name", "sha": "<40 hex>", "rebuilt": true or false}`, name)
		}
		e, err := entryOf(input, name, fields)
		if err != nil {
			return nil, err
		}
		m = append(m, e)
	}
	if _, err := dec.Token(); err != nil { // the closing }
		return nil, syntaxError(input, dec, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, inputs.Errorf(input, "must hold one JSON object and nothing after it")
	}
	if len(m) == 0 {
		return nil, inputs.Errorf(input, "must name at least one component")
	}
	return m, nil
}

// field is one key of a JSON object and its value, as written.
type field struct {
	key   string
	value json.RawMessage
}

// objectFields splits raw, valid JSON, into the fields of the object it
// is, in order and duplicates kept, which decoding into a map would hide
// (the last key wins there). It fails when raw is not an object.
func objectFields(raw json.RawMessage) ([]field, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not an object")
	}
	var fields []field
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		f := field{key: tok.(string)} // the decoder checked that a key is a string
		if err := dec.Decode(&f.value); err != nil {
			return nil, err
		}
		fields = append(fields, f)
	}
	return fields, nil
}

func entryOf(input, name string, fields []field) (Entry, error) {
	e := Entry{Component: name}
	seen := map[string]bool{}
	for _, f := range fields {
		if seen[f.key] {
			// Decoded as usual, the last would win over the one a reader
			// of the manifest sees first: refused before any value is
			// looked at, so the error names the cause.
			return Entry{}, inputs.Errorf(input, "component %s has key %q twice; give each of repository, sha and rebuilt once", name, f.key)
		}
		seen[f.key] = true
	}
	for _, f := range fields {
		key, value := f.key, f.value
		var err error
		switch key {
		case "repository":
			if json.Unmarshal(value, &e.Repository) != nil || inputs.CheckRepository(input, e.Repository) != nil {
				err = inputs.Errorf(input, "repository of component %s must be a repository as owner/name, such as BTCDecoded/bllvm-%s", name, name)
			}
		case "sha":
			if json.Unmarshal(value, &e.SHA) != nil || !inputs.IsSHA(e.SHA) {
				err = inputs.Errorf(input, "sha of component %s must be a full commit id of 40 hexadecimal characters", name)
			}
			e.SHA = strings.ToLower(e.SHA)
		case "rebuilt":
			if json.Unmarshal(value, &e.Rebuilt) != nil {
				err = inputs.Errorf(input, "rebuilt of component %s must be true or false", name)
			}
		default:
			err = inputs.Errorf(input, "component %s has unknown key %q; the keys are repository, sha and rebuilt", name, key)
		}
		if err != nil {
			return Entry{}, err
		}
	}
	switch {
	case e.Repository == "":
		return Entry{}, inputs.Errorf(input, "component %s has no repository", name)
	case e.SHA == "":
		return Entry{}, inputs.Errorf(input, "component %s has no sha", name)
	}
	return e, nil
}

func syntaxError(input string, dec *json.Decoder, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return inputs.Errorf(input, "must be a JSON object; the text ends too early (is a } missing?)")
	}
	return inputs.Errorf(input, "must be valid JSON: at byte %d: %v", dec.InputOffset(), err)
}

func describe(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		return "an array"
	case string:
		return "a string"
	case nil:
		return "null"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}

// Lookup returns the entry of the named component.
func (m Manifest) Lookup(component string) (Entry, bool) {
	for _, e := range m {
		if e.Component == component {
			return e, true
		}
	}
	return Entry{}, false
}

// SameCommits tells whether two manifests are one snapshot: the same
// components, each from the same repository at the same commit. Rebuilt
// and order do not count.
func (m Manifest) SameCommits(other Manifest) bool {
	return len(m) == len(other) && len(m.Changed(other)) == 0
}

// Changed returns, in m's order, the components whose repository or commit
// differs from previous, or that previous does not hold. Every component
// has changed when there is no previous manifest.
func (m Manifest) Changed(previous Manifest) []string {
	changed := []string{}
	for _, e := range m {
		before, ok := previous.Lookup(e.Component)
		if !ok || before.SHA != e.SHA || !strings.EqualFold(before.Repository, e.Repository) {
			changed = append(changed, e.Component)
		}
	}
	return changed
}

// Rebuilt returns the components marked rebuilt, in order.
func (m Manifest) Rebuilt() []string {
	var names []string
	for _, e := range m {
		if e.Rebuilt {
			names = append(names, e.Component)
		}
	}
	return names
}
