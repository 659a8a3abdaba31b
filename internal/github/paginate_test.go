package github

import (
	"errors"
	"testing"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPagesNext(t *testing.T) {
	const route = "GET /repos/o/r/releases"
	forever := make([]int, MaxPages+5)
	for i := range forever {
		forever[i] = i + 2
	}
	tests := []struct {
		name string
		max  int
		// next is the next page each answer names, in order; -1 is no
		// answer at all (a nil *gh.Response).
		next      []int
		wantPages []int // what Next returns, up to the error
		wantErr   string
	}{
		{"one page", 0, []int{0}, []int{0}, ""},
		{"no response", 0, []int{-1}, []int{0}, ""},
		{"forward to the end", 0, []int{2, 3, 0}, []int{2, 3, 0}, ""},
		{"forward, skipping pages", 0, []int{3, 7, 0}, []int{3, 7, 0}, ""},
		{"the first page names itself", 0, []int{1}, nil, route + ": the answer for page 1 names page 1 as the next, which does not come after it; reading stopped there"},
		{"a later page names itself", 0, []int{2, 2}, []int{2}, "the answer for page 2 names page 2 as the next"},
		{"an earlier page never read", 0, []int{3, 2}, []int{3}, "the answer for page 3 names page 2 as the next"},
		{"a loop back to the first", 0, []int{2, 1}, []int{2}, "the answer for page 2 names page 1 as the next"},
		{"a page below 1", 0, []int{-5}, nil, "names page -5 as the next"},
		{"at the cap, the last page", 3, []int{2, 3, 0}, []int{2, 3, 0}, ""},
		{"past the cap", 3, []int{2, 3, 4}, []int{2, 3}, route + ": the listing goes on past 3 pages; reading stopped there"},
		{"past the default cap", 0, forever, forever[:MaxPages-1], "the listing goes on past 100 pages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages := Pages{Route: route, Max: tt.max}
			var got []int
			var err error
			for _, n := range tt.next {
				var resp *gh.Response
				if n != -1 {
					resp = &gh.Response{NextPage: n}
				}
				var page int
				if page, err = pages.Next(resp); err != nil {
					break
				}
				got = append(got, page)
				if page == 0 {
					break
				}
			}
			assert.Equal(t, tt.wantPages, got)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			var answerErr *AnswerError
			require.True(t, errors.As(err, &answerErr))
			assert.Equal(t, route, answerErr.Route)
		})
	}
}

func TestMalformed(t *testing.T) {
	err := Malformed("GET /repos/o/r/actions/runs", "the answer is null, not the list of runs")
	assert.Equal(t, "GET /repos/o/r/actions/runs: the answer is null, not the list of runs; GitHub does not answer so: run the job again, and if it recurs, look for a proxy between the runner and GitHub", err.Error())
	var answerErr *AnswerError
	assert.True(t, errors.As(err, &answerErr))
}
