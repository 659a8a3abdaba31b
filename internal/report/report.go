// Package report is everything the action writes: log lines and workflow
// commands, outputs, the step summary and the dry-run request log. It never
// calls GitHub.
package report

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"unicode"
)

// Field is one output.
type Field struct {
	Name  string
	Value string
}

// Result is what a mode did: the outputs to set, a summary table, and
// whether it only pretended (dry run).
type Result struct {
	Outputs []Field
	Summary Summary
	Notices []string // said as notice annotations, e.g. why a step was skipped
	// Warnings are said as warning annotations: what succeeded but needs
	// a person to look, such as a force-pushed branch.
	Warnings []string
}

// Set appends an output.
func (r *Result) Set(name, value string) { r.Outputs = append(r.Outputs, Field{name, value}) }

// Get returns the value of the named output.
func (r Result) Get(name string) (string, bool) {
	for _, f := range r.Outputs {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// Log writes human-readable lines. In GitHub Actions it uses workflow
// commands (annotations, groups); elsewhere plain text.
//
// The runner reads a line of the log as a command when it starts with "::"
// (after white space), or when it holds "##[" anywhere (its older syntax).
// Messages carry values from inputs, events and servers, so every message
// goes out through emit, which escapes any that is not inert: no value can
// end a line, start one, or hold "##[". A dry run's request, inert by its
// own syntax, is shown as it is too (see Request).
type Log struct {
	w         *Redactor
	raw       io.Writer // only for ::add-mask::, which must carry the secret
	inActions bool
}

// NewLog returns a Log writing to w, with every secret replaced by ***.
func NewLog(w io.Writer, inActions bool, secrets ...string) *Log {
	return &Log{w: NewRedactor(w, secrets...), raw: w, inActions: inActions}
}

// Infof writes a plain line.
func (l *Log) Infof(format string, args ...any) { l.emit("", "", fmt.Sprintf(format, args...)) }

// Noticef writes a notice annotation.
func (l *Log) Noticef(format string, args ...any) {
	l.emit("notice", "notice: ", fmt.Sprintf(format, args...))
}

// Warningf writes a warning annotation.
func (l *Log) Warningf(format string, args ...any) {
	l.emit("warning", "warning: ", fmt.Sprintf(format, args...))
}

// Errorf writes an error annotation.
func (l *Log) Errorf(format string, args ...any) {
	l.emit("error", "error: ", fmt.Sprintf(format, args...))
}

// Group starts a collapsible group.
func (l *Log) Group(title string) { l.emit("group", "== ", title) }

// EndGroup ends the group Group started.
func (l *Log) EndGroup() {
	if l.inActions {
		fmt.Fprint(l.w, "::endgroup::\n")
	}
}

// AddSecret redacts secret from everything written from now on, and asks
// the runner to mask it.
func (l *Log) AddSecret(secret string) {
	l.Mask(secret)
	l.w.Add(secret)
}

// Mask asks the runner to hide a secret in everything it shows. The
// runner consumes the command and never shows it, so this one line carries
// the secret itself, past the redactor.
func (l *Log) Mask(secret string) {
	if l.inActions && secret != "" {
		fmt.Fprintf(l.raw, "::add-mask::%s\n", EscapeData(secret))
	}
}

// Request prints one request a dry run would send: method, URL and the
// JSON body, indented. Both are shown exactly as they are sent when their
// own syntax already keeps them inert (a URL is percent-encoded, JSON
// escapes line breaks), so that a dry run shows what a real run sends.
func (l *Log) Request(method, url string, body []byte) {
	if line := method + " " + url; inert(line) {
		fmt.Fprintf(l.w, "%s\n", line)
	} else {
		l.emit("", "", line)
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return
	}
	var out bytes.Buffer
	if err := json.Indent(&out, body, "", "  "); err != nil {
		// An upload, described by the client rather than read.
		l.emit("", "", string(body))
		return
	}
	// No line of indented JSON breaks or starts with "::"; "##[" can only
	// be inside a string, where \u005b is the same value.
	text := strings.ReplaceAll(out.String(), "##[", `##\u005b`)
	fmt.Fprintf(l.w, "%s\n", text)
}

// emit writes message as one line: in Actions as the workflow command
// named, else (a plain line, or outside Actions) after the plain prefix.
// Annotation data is escaped as GitHub's toolkit escapes it, which the
// runner undoes (it reads such a line as that command alone, so "##[" in
// it is text). A plain line the runner would read as text is written as
// it is, since nothing undoes an escape there: "40%" stays 40%, and a URL
// stays one to copy. Any other is escaped the same way as annotation
// data, and also kept from starting with "::" or holding "##[", which the
// runner would obey.
func (l *Log) emit(command, plainPrefix, message string) {
	if l.inActions && command != "" {
		fmt.Fprintf(l.w, "::%s::%s\n", command, EscapeData(message))
		return
	}
	if !inert(message) {
		message = escapeLine(message)
	}
	fmt.Fprintf(l.w, "%s%s\n", plainPrefix, message)
}

// Quote is a value from outside (an input, an event, a server) as a message
// shows it: %q, cut to 100 characters, so that it can neither break the
// line nor pass for the message's own words.
func Quote(s string) string {
	if runes := []rune(s); len(runes) > 100 {
		return fmt.Sprintf("%q…", string(runes[:100]))
	}
	return fmt.Sprintf("%q", s)
}

// Value is like Quote, but leaves a value of plain printable ASCII that
// cannot be read as a command (a status, a conclusion, a URL) as it is,
// so ordinary messages read naturally.
func Value(s string) string {
	if s != "" && len(s) <= 200 && !strings.HasPrefix(s, "::") && !strings.Contains(s, "##[") && !strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r > '~' || r == '"' || r == '\\' }) {
		return s
	}
	return Quote(s)
}

var dataEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")

// EscapeData escapes s as GitHub's toolkit escapes the data of a workflow
// command: %, CR and LF become %25, %0D and %0A.
func EscapeData(s string) string { return dataEscaper.Replace(s) }

// escapeLine makes s safe as a plain line of the log: escaped as command
// data, with "##[" written ##%5B and a leading "::" written %3A:, both
// unambiguous since % itself is escaped.
func escapeLine(s string) string {
	s = strings.ReplaceAll(EscapeData(s), "##[", "##%5B")
	if rest := strings.TrimLeftFunc(s, runnerSpace); strings.HasPrefix(rest, "::") {
		s = s[:len(s)-len(rest)] + "%3A" + rest[1:]
	}
	return s
}

// inert tells whether the runner would read s, as one plain line, as text.
func inert(s string) bool {
	return !strings.ContainsAny(s, "\r\n") && !strings.Contains(s, "##[") && !strings.HasPrefix(strings.TrimLeftFunc(s, runnerSpace), "::")
}

// runnerSpace is what the runner (.NET's char.IsWhiteSpace) trims before
// looking for "::": Go's white space and the separators U+001C to U+001F.
func runnerSpace(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f }

// Redactor replaces every occurrence of the secrets in what is written
// through it by ***. Writes must be whole lines or more for a secret not to
// be split across two writes, which is how everything here writes.
type Redactor struct {
	mu      sync.Mutex
	w       io.Writer
	secrets [][]byte
}

// NewRedactor wraps w. Empty secrets are ignored.
func NewRedactor(w io.Writer, secrets ...string) *Redactor {
	r := &Redactor{w: w}
	for _, s := range secrets {
		if s = strings.TrimSpace(s); s != "" {
			r.secrets = append(r.secrets, []byte(s))
		}
	}
	return r
}

// Add redacts one more secret.
func (r *Redactor) Add(secret string) {
	if secret = strings.TrimSpace(secret); secret != "" {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.secrets = append(r.secrets, []byte(secret))
	}
}

func (r *Redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := p
	for _, s := range r.secrets {
		out = bytes.ReplaceAll(out, s, []byte("***"))
	}
	if _, err := r.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Redact returns s with every secret replaced by ***.
func Redact(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret = strings.TrimSpace(secret); secret != "" {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return s
}

var outputName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// WriteOutputs sets the outputs. With a GITHUB_OUTPUT file it appends them
// in the multi-line form with a random delimiter that none of the values
// contains, so no value can end its own entry early and add or change
// another output. Without one (outside Actions) it prints name=value lines
// to stdout, and refuses, before printing any, a value holding a line
// break: escaping it would hand a shell reading the lines a value it never
// had, and no output of this action holds one legitimately (its JSON
// outputs are compact), so a line break can only come from a crafted value.
func WriteOutputs(path string, stdout io.Writer, random io.Reader, outputs []Field) error {
	var buf bytes.Buffer
	for _, f := range outputs {
		if !outputName.MatchString(f.Name) {
			return fmt.Errorf("write output %q: not a valid output name", f.Name)
		}
		if path == "" {
			if strings.ContainsAny(f.Value, "\r\n") {
				return fmt.Errorf("write output %s: its value %s holds a line break, which would add a line to the name=value outputs; no output is printed", f.Name, Quote(f.Value))
			}
			fmt.Fprintf(&buf, "%s=%s\n", f.Name, f.Value)
			continue
		}
		delimiter, err := newDelimiter(random, f.Value)
		if err != nil {
			return fmt.Errorf("write output %s: %w", f.Name, err)
		}
		fmt.Fprintf(&buf, "%s<<%s\n%s\n%s\n", f.Name, delimiter, f.Value, delimiter)
	}
	if path == "" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	return appendFile(path, buf.Bytes())
}

func newDelimiter(random io.Reader, value string) (string, error) {
	if random == nil {
		random = rand.Reader
	}
	for range 8 {
		b := make([]byte, 16)
		if _, err := io.ReadFull(random, b); err != nil {
			return "", fmt.Errorf("make a delimiter: %w", err)
		}
		d := "ghadelimiter_" + hex.EncodeToString(b)
		if !strings.Contains(value, d) {
			return d, nil
		}
	}
	return "", fmt.Errorf("make a delimiter: the value contains every delimiter tried")
}

func appendFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
