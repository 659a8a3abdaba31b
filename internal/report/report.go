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

	"github.com/sethvargo/go-githubactions"
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
type Log struct {
	w         *Redactor
	raw       io.Writer // only for ::add-mask::, which must carry the secret
	inActions bool
	action    *githubactions.Action
}

// NewLog returns a Log writing to w, with every secret replaced by ***.
func NewLog(w io.Writer, inActions bool, secrets ...string) *Log {
	redacted := NewRedactor(w, secrets...)
	noEnv := githubactions.WithGetenv(func(string) string { return "" })
	return &Log{w: redacted, raw: w, inActions: inActions, action: githubactions.New(githubactions.WithWriter(redacted), noEnv)}
}

// Infof writes a plain line.
func (l *Log) Infof(format string, args ...any) { fmt.Fprintf(l.w, format+"\n", args...) }

// Noticef writes a notice annotation.
func (l *Log) Noticef(format string, args ...any) {
	if l.inActions {
		l.action.Noticef(format, args...)
		return
	}
	fmt.Fprintf(l.w, "notice: "+format+"\n", args...)
}

// Warningf writes a warning annotation.
func (l *Log) Warningf(format string, args ...any) {
	if l.inActions {
		l.action.Warningf(format, args...)
		return
	}
	fmt.Fprintf(l.w, "warning: "+format+"\n", args...)
}

// Errorf writes an error annotation.
func (l *Log) Errorf(format string, args ...any) {
	if l.inActions {
		l.action.Errorf(format, args...)
		return
	}
	fmt.Fprintf(l.w, "error: "+format+"\n", args...)
}

// Group starts a collapsible group.
func (l *Log) Group(title string) {
	if l.inActions {
		l.action.Group(title)
		return
	}
	fmt.Fprintf(l.w, "== %s\n", title)
}

// EndGroup ends the group Group started.
func (l *Log) EndGroup() {
	if l.inActions {
		l.action.EndGroup()
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
		githubactions.New(githubactions.WithWriter(l.raw)).AddMask(secret)
	}
}

// Request prints one request a dry run would send: method, URL and the
// JSON body, indented.
func (l *Log) Request(method, url string, body []byte) {
	fmt.Fprintf(l.w, "%s %s\n", method, url)
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return
	}
	var out bytes.Buffer
	if err := json.Indent(&out, body, "", "  "); err != nil {
		// An upload, described by the client rather than read.
		fmt.Fprintf(l.w, "%s\n", body)
		return
	}
	fmt.Fprintf(l.w, "%s\n", out.String())
}

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
// to stdout.
func WriteOutputs(path string, stdout io.Writer, random io.Reader, outputs []Field) error {
	var buf bytes.Buffer
	for _, f := range outputs {
		if !outputName.MatchString(f.Name) {
			return fmt.Errorf("write output %q: not a valid output name", f.Name)
		}
		if path == "" {
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
