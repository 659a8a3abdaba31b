package github

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	gh "github.com/google/go-github/v66/github"
)

// maxLogRead bounds what is read of a log whose storage ignores the Range
// header (or a GitHub Enterprise Server that serves it whole): the tail is
// kept from at most this much.
const maxLogRead = 256 << 20

// JobLogTail returns at most the last most bytes of a job's log: GET
// repos/{owner}/{repo}/actions/jobs/{id}/logs, which GitHub answers with
// a redirect to its storage, then that download with a suffix Range,
// without the token, as asset downloads are made. When the log was cut,
// its first, partial line is dropped.
func JobLogTail(ctx context.Context, client *gh.Client, owner, repo string, jobID int64, most int) ([]byte, error) {
	what := fmt.Sprintf("the log of job %d", jobID)
	req, err := client.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/actions/jobs/%d/logs", url.PathEscape(owner), url.PathEscape(repo), jobID), nil)
	if err != nil {
		return nil, err
	}
	resp, err := fromStorage(ctx, client, req, what, fmt.Sprintf("bytes=-%d", most))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	whole := resp.StatusCode != http.StatusPartialContent
	tail, cutOff, err := readTail(io.LimitReader(resp.Body, maxLogRead), most)
	if err != nil {
		return nil, fmt.Errorf("read %s from GitHub's storage: %w", what, withoutURL(err))
	}
	if cutOff || !whole && startsMidway(resp.Header.Get("Content-Range")) {
		tail = dropFirstLine(tail)
	}
	return tail, nil
}

// readTail reads r to its end and keeps its last most bytes; cut says
// bytes before them were dropped.
func readTail(r io.Reader, most int) ([]byte, bool, error) {
	buf := make([]byte, 0, min(most, 64<<10))
	chunk := make([]byte, 32<<10)
	cut := false
	for {
		n, err := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		// Compacted only past twice the tail, so a long log is copied
		// about once.
		if len(buf) > 2*most {
			buf = append(buf[:0], buf[len(buf)-most:]...)
			cut = true
		}
		if err == io.EOF {
			if over := len(buf) - most; over > 0 {
				buf, cut = buf[over:], true
			}
			return buf, cut, nil
		}
		if err != nil {
			return nil, false, err
		}
	}
}

// startsMidway says a Content-Range answer ("bytes 100-199/200") starts
// after the first byte of the file.
func startsMidway(contentRange string) bool {
	var first, last, size int64
	if _, err := fmt.Sscanf(contentRange, "bytes %d-%d/%d", &first, &last, &size); err != nil {
		return true
	}
	return first > 0
}

func dropFirstLine(b []byte) []byte {
	for i, c := range b {
		if c == '\n' {
			return b[i+1:]
		}
	}
	return nil
}
