// Package verify compares what an independent builder built with what a
// release published, as Bitcoin Core's builders compare their Guix builds
// through guix.sigs: the release's SHA256SUMS and the builder's, file by
// file, and the reproduction grid that records every builder's result in
// the release's notes. It is pure: no I/O, no GitHub.
package verify

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Entry is one line of a SHA256SUMS file.
type Entry struct {
	Name   string
	Digest string // 64 lower-case hexadecimal characters
}

// Limits on a SHA256SUMS file read from a release: GitHub holds at most
// 1000 assets, and a line is at most 64 + 2 + MaxNameLength + 1 bytes.
const (
	MaxEntries    = 1000
	MaxNameLength = 255
	MaxSumsBytes  = 1 << 20
)

// assetNameRE is a name GitHub gives an asset as it is: the names its
// renaming (see prerelease's githubAssetName) leaves unchanged, which are
// ASCII letters, digits, "-", "_", "+" and "@" in runs joined by single
// periods. Such a name is inert in a Markdown table, a log line, a path
// component and a shell word.
var assetNameRE = regexp.MustCompile(`^[A-Za-z0-9_+@-]+(\.[A-Za-z0-9_+@-]+)*$`)

// IsAssetName says whether name is one GitHub would give an asset.
func IsAssetName(name string) bool {
	return len(name) <= MaxNameLength && assetNameRE.MatchString(name)
}

var digestRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Parse reads a SHA256SUMS file as sha256sum prints it and create-prerelease
// writes it: lines of 64 lower-case hexadecimal characters, two spaces and
// an asset name, each ending in a newline (the last may lack it). Anything
// else is refused, saying which line and why, never quoting more than a
// few characters of it: binary mode ("*name"), escaped names, carriage
// returns, blank lines, a name GitHub would never give an asset, a name
// twice, an empty file, more lines than a release holds assets.
func Parse(data []byte) ([]Entry, error) {
	text := string(data)
	if text == "" {
		return nil, errors.New("it lists no file")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) > MaxEntries {
		return nil, fmt.Errorf("it lists %d files; a release holds at most %d assets", len(lines), MaxEntries)
	}
	entries := make([]Entry, 0, len(lines))
	seen := make(map[string]bool, len(lines))
	for i, line := range lines {
		bad := func(why string) error { return fmt.Errorf("line %d %s", i+1, why) }
		switch {
		case len(line) < 67 || !digestRE.MatchString(line[:64]):
			return nil, bad(fmt.Sprintf("is not <64 lower-case hex>  <name>: it starts %.20q", line))
		case line[64:66] != "  ":
			return nil, bad("does not separate the digest from the name with two spaces, as sha256sum does in text mode")
		}
		name := line[66:]
		switch {
		case !IsAssetName(name):
			return nil, bad(fmt.Sprintf("names %.40q…, not a name GitHub gives an asset (letters, digits, -, _, +, @ and single periods, at most %d)", name, MaxNameLength))
		case seen[name]:
			return nil, bad(fmt.Sprintf("names %s again", name))
		}
		seen[name] = true
		entries = append(entries, Entry{Name: name, Digest: line[:64]})
	}
	return entries, nil
}

// Text is entries as sha256sum prints them, sorted by name: what
// sha256sum -c verifies, and Parse reads back.
func Text(entries []Entry) string {
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	var b strings.Builder
	for _, e := range sorted {
		b.WriteString(e.Digest + "  " + e.Name + "\n")
	}
	return b.String()
}

// Difference is a file the builder built whose SHA-256 is not the release's.
type Difference struct {
	Name           string
	Release, Built string // hexadecimal digests
}

// Comparison is a builder's files compared, by name, with a release's
// SHA256SUMS. Every list is sorted by name.
type Comparison struct {
	Matched  []string
	Differed []Difference
	// Missing are the names the release lists that the builder did not
	// build; Unlisted, those it built that the release does not list.
	Missing, Unlisted []string
}

// Compare compares built with release by name.
func Compare(release, built []Entry) Comparison {
	digests := make(map[string]string, len(built))
	for _, e := range built {
		digests[e.Name] = e.Digest
	}
	listed := make(map[string]bool, len(release))
	c := Comparison{Matched: []string{}, Differed: []Difference{}, Missing: []string{}, Unlisted: []string{}}
	for _, e := range release {
		listed[e.Name] = true
		switch digest, ok := digests[e.Name]; {
		case !ok:
			c.Missing = append(c.Missing, e.Name)
		case digest == e.Digest:
			c.Matched = append(c.Matched, e.Name)
		default:
			c.Differed = append(c.Differed, Difference{Name: e.Name, Release: e.Digest, Built: digest})
		}
	}
	for _, e := range built {
		if !listed[e.Name] {
			c.Unlisted = append(c.Unlisted, e.Name)
		}
	}
	slices.Sort(c.Matched)
	slices.Sort(c.Missing)
	slices.Sort(c.Unlisted)
	slices.SortFunc(c.Differed, func(a, b Difference) int { return strings.Compare(a.Name, b.Name) })
	return c
}

// Compared says whether the builder built anything the release lists.
func (c Comparison) Compared() bool { return len(c.Matched)+len(c.Differed) > 0 }

// Reproduced says whether every file of the release the builder built is
// the release's, byte for byte, and there was at least one: a builder that
// built nothing the release lists reproduced nothing.
func (c Comparison) Reproduced() bool { return c.Compared() && len(c.Differed) == 0 }

// Marks are the builder's marks in the grid: one per name the release
// lists.
func (c Comparison) Marks() map[string]Mark {
	marks := make(map[string]Mark, len(c.Matched)+len(c.Differed)+len(c.Missing))
	for _, name := range c.Matched {
		marks[name] = Match
	}
	for _, d := range c.Differed {
		marks[d.Name] = Mismatch
	}
	for _, name := range c.Missing {
		marks[name] = NotBuilt
	}
	return marks
}
