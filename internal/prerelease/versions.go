package prerelease

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/BTCDecoded/release-action/internal/nightly"
)

// versionsTOML is the release as BTCDecoded's versions.toml records one: a
// [versions] table with, for every repository of the nightly (and the
// orchestrator's, when no component is built from it), the version (the
// tag without a leading v), git_tag and git_commit, the commit the
// release's assets were built from. git_tag is the tag only where this
// release put it on that commit (tagged): the orchestrator's, and with
// tag-components every component repository's; elsewhere it is empty,
// for no such tag exists there. requires and binaries are left out: the
// manifest knows neither (crates state what they require in their
// Cargo.toml, and the assets list what was built), and a file that
// records a release should hold only what the release proves.
func versionsTOML(tag, orchestrator string, from nightly.Base, tagged func(repository, commit string) bool) string {
	type entry struct{ repository, commit string }
	var entries []entry
	seen := map[string]bool{}
	for _, e := range from.Manifest {
		if key := strings.ToLower(e.Repository); !seen[key] {
			seen[key] = true
			entries = append(entries, entry{e.Repository, e.SHA})
		}
	}
	if !seen[strings.ToLower(orchestrator)] {
		entries = append(entries, entry{orchestrator, from.Commit})
	}
	// Keyed by repository name, as BTCDecoded's file is; by owner/name
	// when two owners have a repository of the same name.
	names := map[string]int{}
	for _, e := range entries {
		_, name, _ := strings.Cut(e.repository, "/")
		names[strings.ToLower(name)]++
	}
	version := tag
	if len(tag) > 1 && (tag[0] == 'v' || tag[0] == 'V') && tag[1] >= '0' && tag[1] <= '9' {
		version = tag[1:]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Release %s of %s, promoted from %s: each repository at the\n", tag, orchestrator, from.Tag)
	b.WriteString("# commit its assets were built from. Written by BTCDecoded/release-action.\n")
	b.WriteString("[versions]\n")
	for _, e := range entries {
		key := e.repository
		if _, name, _ := strings.Cut(e.repository, "/"); names[strings.ToLower(name)] == 1 {
			key = name
		}
		gitTag := ""
		if tagged(e.repository, e.commit) {
			gitTag = tag
		}
		fmt.Fprintf(&b, "%s = { version = %s, git_tag = %s, git_commit = %s }\n", tomlKey(key), tomlString(version), tomlString(gitTag), tomlString(e.commit))
	}
	return b.String()
}

var bareKeyRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// tomlKey is key as TOML takes it: bare when it can be, else quoted.
func tomlKey(key string) string {
	if bareKeyRE.MatchString(key) {
		return key
	}
	return tomlString(key)
}

// tomlString is s as a TOML basic string: a quote and a backslash are
// escaped, a control character is written \uXXXX, and everything else is
// itself (TOML is UTF-8).
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
