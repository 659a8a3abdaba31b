package github

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
)

func TestJobLogTail(t *testing.T) {
	var long strings.Builder
	line := func(i int) string { return fmt.Sprintf("2026-12-07T02:00:00.0000000Z line %05d of the build", i) }
	for i := range 20_000 {
		long.WriteString(line(i) + "\n")
	}
	// 4096 bytes end the log: the whole lines in them, the partial one
	// before them dropped.
	whole := 4096 / (len(line(0)) + 1)
	tests := []struct {
		name      string
		log       string
		most      int
		wantFirst string // the first line kept
		wantLast  string
	}{
		{"a short log whole", "first\nsecond\n", 1024, "first", "second"},
		{"a long log's tail, from a whole line", long.String(), 4096, line(20_000 - whole), line(19_999)},
		{"exactly the limit", "abc\n", 4, "abc", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := githubtest.New(t, githubtest.WithToken(testToken), githubtest.WithRepository("BTCDecoded/bllvm"))
			run := srv.AddRun("BTCDecoded/bllvm", githubtest.Run{WorkflowID: "release_orchestrator.yml"})
			jobs := srv.SetJobs("BTCDecoded/bllvm", run.ID, githubtest.Job{Name: "build-node", Conclusion: "failure", Log: tt.log})
			client, err := NewClient(Config{Token: testToken, HTTPClient: srv.Client(), MaxWait: time.Minute, Sleep: func(context.Context, time.Duration) error { return nil }})
			require.NoError(t, err)

			tail, err := JobLogTail(context.Background(), client, "BTCDecoded", "bllvm", jobs[0].ID, tt.most)
			require.NoError(t, err)
			assert.LessOrEqual(t, len(tail), tt.most)
			lines := strings.Split(strings.TrimSuffix(string(tail), "\n"), "\n")
			assert.Equal(t, tt.wantFirst, lines[0])
			assert.Equal(t, tt.wantLast, lines[len(lines)-1])

			requests := srv.Requests()
			require.Len(t, requests, 2, "the API's redirect, then storage")
			assert.NotEmpty(t, requests[0].Header.Get("Authorization"))
			assert.Empty(t, requests[1].Header.Get("Authorization"), "the token never goes to storage")
			assert.NotEqual(t, requests[0].Host, requests[1].Host)
			assert.Equal(t, fmt.Sprintf("bytes=-%d", tt.most), requests[1].Header.Get("Range"), "only the tail is asked for")
		})
	}
}

func TestJobLogTailOfAnUnknownJob(t *testing.T) {
	srv := githubtest.New(t, githubtest.WithToken(testToken), githubtest.WithRepository("BTCDecoded/bllvm"))
	client, err := NewClient(Config{Token: testToken, HTTPClient: srv.Client(), MaxWait: time.Minute, Sleep: func(context.Context, time.Duration) error { return nil }})
	require.NoError(t, err)
	_, err = JobLogTail(context.Background(), client, "BTCDecoded", "bllvm", 424242, 1024)
	require.Error(t, err)
	assert.True(t, IsStatus(err, http.StatusNotFound), "%v", err)
	assert.Contains(t, err.Error(), "download the log of job 424242")
}

// A storage that ignores Range sends the whole log: only its tail is
// kept, from a whole line, whatever its size.
func TestReadTail(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		most    int
		want    string
		wantCut bool
	}{
		{"shorter", "abc", 10, "abc", false},
		{"equal", "abcdefghij", 10, "abcdefghij", false},
		{"longer", "0123456789abcdefghij", 10, "abcdefghij", true},
		{"far longer", strings.Repeat("x", 100_000) + "tail", 4, "tail", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cut, err := readTail(strings.NewReader(tt.in), tt.most)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
			assert.Equal(t, tt.wantCut, cut)
		})
	}
	assert.Equal(t, "next\n", string(dropFirstLine([]byte("partial\nnext\n"))))
	assert.Empty(t, dropFirstLine([]byte("no line end")))
	assert.True(t, startsMidway("bytes 100-199/200"))
	assert.False(t, startsMidway("bytes 0-199/200"))
}
