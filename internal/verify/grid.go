package verify

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Mark is one builder's result for one asset in the grid.
type Mark int

// The marks of the grid.
const (
	NotBuilt Mark = iota // the builder did not build it
	Match                // the builder's file has the digest SHA256SUMS lists
	Mismatch             // it has another
)

// markText is each mark as the grid shows it.
var markText = map[Mark]string{NotBuilt: "—", Match: "✅", Mismatch: "❌"}

// The lines that open and close the grid in a release's notes. Only the
// text between them is ever rewritten.
const (
	GridStart = "<!-- release-action: reproduction grid -->"
	GridEnd   = "<!-- release-action: reproduction grid end -->"
)

// gridHeading and gridLegend are the grid's fixed text, between the start
// marker and the table.
const (
	gridHeading = "### Reproductions"
	gridLegend  = "Each builder built this release's files on its own from the same commits. ✅ its file has the SHA-256 that SHA256SUMS lists, ❌ another, — it did not build it."
)

// Grid is every builder's marks for every asset a release's SHA256SUMS
// lists: one row per asset, one column per builder.
type Grid struct {
	Assets   []string                   // the rows, in order
	Builders []string                   // the columns, sorted
	Marks    map[string]map[string]Mark // by builder, then asset; absent is NotBuilt
}

// Markdown renders the grid with its markers, one line each, with no
// newline after the end marker.
func (g Grid) Markdown() string {
	var b strings.Builder
	b.WriteString(GridStart + "\n" + gridHeading + "\n\n" + gridLegend + "\n\n")
	b.WriteString("| asset |")
	for _, builder := range g.Builders {
		b.WriteString(" " + builder + " |")
	}
	b.WriteString("\n|---|")
	for range g.Builders {
		b.WriteString(":-:|")
	}
	b.WriteString("\n")
	for _, asset := range g.Assets {
		b.WriteString("| `" + asset + "` |")
		for _, builder := range g.Builders {
			b.WriteString(" " + markText[g.Marks[builder][asset]] + " |")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n" + GridEnd)
	return b.String()
}

// parseGrid reads a grid as Markdown renders it, with Windows line endings
// (the way GitHub's web editor saves a body) taken as Unix ones. It is
// strict: anything Markdown would not render exactly as it is, a builder's
// name or an asset's that the action would not write, a mark of another
// kind, and the grid is not read.
func parseGrid(block string) (Grid, bool) {
	lines := strings.Split(strings.ReplaceAll(block, "\r\n", "\n"), "\n")
	// The start marker, heading, blank, legend, blank, header, rule, the
	// rows, blank, the end marker.
	if len(lines) < 9 {
		return Grid{}, false
	}
	header := strings.Split(lines[5], " | ")
	if len(header) < 2 || header[0] != "| asset" || !strings.HasSuffix(header[len(header)-1], " |") {
		return Grid{}, false
	}
	header[len(header)-1] = strings.TrimSuffix(header[len(header)-1], " |")
	g := Grid{Builders: header[1:], Marks: map[string]map[string]Mark{}}
	for _, builder := range g.Builders {
		if !isBuilder(builder) || g.Marks[builder] != nil {
			return Grid{}, false
		}
		g.Marks[builder] = map[string]Mark{}
	}
	byText := map[string]Mark{}
	for mark, text := range markText {
		byText[text] = mark
	}
	for _, row := range lines[7 : len(lines)-2] {
		cells, ok := strings.CutPrefix(row, "| `")
		if !ok {
			return Grid{}, false
		}
		asset, rest, ok := strings.Cut(cells, "` | ")
		if !ok || !IsAssetName(asset) || slices.Contains(g.Assets, asset) {
			return Grid{}, false
		}
		marks := strings.Split(strings.TrimSuffix(rest, " |"), " | ")
		if len(marks) != len(g.Builders) {
			return Grid{}, false
		}
		for i, text := range marks {
			mark, ok := byText[text]
			if !ok {
				return Grid{}, false
			}
			g.Marks[g.Builders[i]][asset] = mark
		}
		g.Assets = append(g.Assets, asset)
	}
	// Whatever the checks above let through, the grid is read only when
	// it is exactly what the action would write.
	return g, slices.IsSorted(g.Builders) && g.Markdown() == strings.Join(lines, "\n")
}

func isBuilder(name string) bool {
	if name == "" || len(name) > 39 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// Recorded is a release body with a builder's column recorded in its grid.
type Recorded struct {
	Body    string
	Grid    Grid
	Changed bool // Body differs from the body given
	// Replaced says the body held a grid (or its markers) that could not
	// be read, which is now replaced by a grid of this builder's column
	// alone.
	Replaced bool
}

// Record sets builder's column of the grid in body to marks, over the
// rows assets (the release's SHA256SUMS, in its order): every other
// builder's marks stay as they were, the other parts of the body byte for
// byte. A body without a grid gets one, before the hidden marker lines that
// end it (the complete nightly's), or at its end. An asset the grid had
// no row for is NotBuilt for the other builders; a row SHA256SUMS no
// longer lists is dropped. Recording the marks the grid already shows
// leaves the body as it is, Changed false.
//
// A grid that does not read (people edited it; see parseGrid), a second
// one, or a marker without its pair is replaced: the first of them by a
// grid of this builder's column alone, the others removed, and Replaced
// says so. Nothing outside them changes, the action's other markers
// least of all.
func Record(body, builder string, assets []string, marks map[string]Mark) Recorded {
	spans, paired := gridSpans(body)
	var old Grid
	readable := false
	if len(spans) == 1 && paired {
		old, readable = parseGrid(body[spans[0].start:spans[0].end])
	}
	g := Grid{Assets: slices.Clone(assets), Marks: map[string]map[string]Mark{}}
	if readable {
		for _, other := range old.Builders {
			if other == builder {
				continue
			}
			g.Marks[other] = map[string]Mark{}
			for _, asset := range assets {
				g.Marks[other][asset] = old.Marks[other][asset]
			}
		}
	}
	g.Marks[builder] = maps.Clone(marks)
	g.Builders = slices.Sorted(maps.Keys(g.Marks))
	rendered := g.Markdown()
	if readable {
		if first := spans[0]; rendered != strings.ReplaceAll(body[first.start:first.end], "\r\n", "\n") {
			return Recorded{Body: body[:first.start] + rendered + body[first.end:], Grid: g, Changed: true}
		}
		return Recorded{Body: body, Grid: g}
	}
	if len(spans) > 0 {
		// The first grid, or marker, becomes the new grid; every other
		// one goes, with its line break.
		var b strings.Builder
		at := 0
		for i, sp := range spans {
			b.WriteString(body[at:sp.start])
			at = sp.end
			if i == 0 {
				b.WriteString(rendered)
				continue
			}
			if strings.HasPrefix(body[at:], "\r\n") {
				at += 2
			} else if strings.HasPrefix(body[at:], "\n") {
				at++
			}
		}
		b.WriteString(body[at:])
		return Recorded{Body: b.String(), Grid: g, Changed: true, Replaced: true}
	}
	at := insertionPoint(body)
	before := body[:at]
	// A blank line before the grid, whatever line breaks the body uses.
	switch last := strings.TrimSuffix(before, "\n"); {
	case before == "":
	case last == before:
		before += "\n\n"
	case last == "" || strings.HasSuffix(last, "\n") || strings.HasSuffix(last, "\n\r"):
	default:
		before += "\n"
	}
	after := body[at:]
	if after != "" {
		rendered += "\n\n"
	} else {
		rendered += "\n"
	}
	return Recorded{Body: before + rendered + after, Grid: g, Changed: true}
}

// span is a part of a body: from the start of a line to the end of a line,
// before its line break.
type span struct{ start, end int }

// gridSpans finds the grids of body, each from its start marker's line to
// its end marker's, in order, and every marker line that opens or closes
// none: a start marker followed by an end marker is one grid, unless a line
// of another of the action's markers (the complete nightly's) lies between
// them, which is never taken for part of a grid. paired says the first
// span is a grid rather than a lone marker.
func gridSpans(body string) (spans []span, paired bool) {
	type marker struct {
		span
		kind string // GridStart, GridEnd or "other"
	}
	var found []marker
	for offset := 0; offset < len(body); {
		next := strings.IndexByte(body[offset:], '\n')
		line := body[offset:]
		if next >= 0 {
			line = body[offset : offset+next]
		}
		line = strings.TrimSuffix(line, "\r")
		switch {
		case line == GridStart, line == GridEnd:
			found = append(found, marker{span{offset, offset + len(line)}, line})
		case strings.HasPrefix(line, "<!-- release-action: "):
			found = append(found, marker{span{offset, offset + len(line)}, "other"})
		}
		if next < 0 {
			break
		}
		offset += next + 1
	}
	for i := 0; i < len(found); i++ {
		m := found[i]
		switch {
		case m.kind == "other":
		case m.kind == GridStart && i+1 < len(found) && found[i+1].kind == GridEnd:
			spans = append(spans, span{m.start, found[i+1].end})
			paired = paired || len(spans) == 1
			i++
		default:
			spans = append(spans, m.span)
		}
	}
	return spans, paired
}

// insertionPoint is where a new grid goes: before the run of hidden
// release-action marker lines that ends the body (a complete nightly's
// complete and manifest markers), else at the end. A yank marker stays
// the body's first line: the run stops at it.
func insertionPoint(body string) int {
	end := len(strings.TrimRight(body, "\r\n"))
	at, lineEnd := end, end
	for lineEnd >= 0 {
		lineStart := strings.LastIndexByte(body[:lineEnd], '\n') + 1
		line := strings.TrimSuffix(body[lineStart:lineEnd], "\r")
		if !strings.HasPrefix(line, "<!-- release-action: ") || strings.HasPrefix(line, "<!-- release-action: yanked ") {
			break
		}
		at, lineEnd = lineStart, lineStart-1
	}
	if at == end {
		return len(body)
	}
	return at
}

// String is the mark as the grid shows it.
func (m Mark) String() string {
	if text, ok := markText[m]; ok {
		return text
	}
	return fmt.Sprintf("Mark(%d)", int(m))
}
