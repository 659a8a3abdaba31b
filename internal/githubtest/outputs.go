package githubtest

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// ReadOutputs reads a GITHUB_OUTPUT file the way the runner does:
// name=value lines and name<<DELIMITER blocks. A name set twice keeps its
// last value, as on the runner; a missing file means no outputs.
func ReadOutputs(t testing.TB, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return map[string]string{}
	}
	if err != nil {
		t.Fatalf("githubtest: read outputs: %v", err)
	}
	return ParseOutputs(t, string(data))
}

// ParseOutputs parses the content of a GITHUB_OUTPUT file.
func ParseOutputs(t testing.TB, data string) map[string]string {
	t.Helper()
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if name, delimiter, ok := strings.Cut(line, "<<"); ok {
			var value []string
			closed := false
			for sc.Scan() {
				if sc.Text() == delimiter {
					closed = true
					break
				}
				value = append(value, sc.Text())
			}
			if !closed {
				t.Fatalf("githubtest: output %s: delimiter %s never closes", name, delimiter)
			}
			out[name] = strings.Join(value, "\n")
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("githubtest: output line %q is neither name=value nor name<<delimiter", line)
		}
		out[name] = value
	}
	return out
}
