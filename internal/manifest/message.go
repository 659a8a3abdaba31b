package manifest

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// trailer starts the line of a tag message that carries the manifest as
// compact JSON, so that the API and git show return it whole, and that a
// reader of the message can tell it from the table above it.
const trailer = "Release-Action-Manifest: "

// Message is the message of the annotated nightly tag: a line naming the
// snapshot, a table a person reads in git show, and the manifest itself on
// its trailer line. Every value in it was checked by Parse or comes from a
// checked input, so it holds no line break.
func Message(tag, orchestrator, commit string, m Manifest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s at %s\n\n", tag, orchestrator, commit)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, e := range m {
		how := "carried over"
		if e.Rebuilt {
			how = "rebuilt"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Component, e.Repository, e.SHA, how)
	}
	tw.Flush()
	b.WriteString("\n" + trailer + m.String() + "\n")
	return b.String()
}

// FromMessage finds the manifest in a tag message. found is false for a
// message without one (a lightweight tag's, or a nightly tagged before
// manifests were recorded); a trailer that does not parse is an error.
func FromMessage(message string) (m Manifest, found bool, err error) {
	lines := strings.Split(message, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		text, ok := strings.CutPrefix(strings.TrimRight(lines[i], "\r"), trailer)
		if !ok {
			continue
		}
		m, err := Parse("manifest", text)
		if err != nil {
			return nil, true, err
		}
		return m, true, nil
	}
	return nil, false, nil
}
