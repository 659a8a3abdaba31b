package githubtest

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHostileAnswers(t *testing.T) {
	const tagsURL = "https://api.github.com/repos/BTCDecoded/bllvm/tags"
	const tagsPath = "/repos/BTCDecoded/bllvm/tags"
	tests := []struct {
		name     string
		answer   Hostile
		url      string
		wantLink string
		wantBody string // "" for the fake's own
	}{
		{"the same page", Hostile{Method: "GET", Path: tagsPath, Next: SamePage}, tagsURL + "?per_page=2&page=2",
			`<` + tagsURL + `?page=2&per_page=2>; rel="next"`, ""},
		{"no page asked for is page 1", Hostile{Method: "GET", Path: tagsPath, Next: SamePage}, tagsURL,
			`<` + tagsURL + `?page=1>; rel="next"`, ""},
		{"an earlier page, from page 3", Hostile{Method: "GET", Path: tagsPath, Next: EarlierPage}, tagsURL + "?page=3",
			`<` + tagsURL + `?page=2>; rel="next"`, ""},
		{"an earlier page, page 1 first leads to 3", Hostile{Method: "GET", Path: tagsPath, Next: EarlierPage}, tagsURL,
			`<` + tagsURL + `?page=3>; rel="next"`, ""},
		{"a loop back to page 1", Hostile{Method: "GET", Path: tagsPath, Next: PageLoop}, tagsURL + "?page=2",
			`<` + tagsURL + `?page=1>; rel="next"`, ""},
		{"endless pages, past the last", Hostile{Method: "GET", Path: tagsPath, Next: EndlessPages}, tagsURL + "?per_page=2&page=9",
			`<` + tagsURL + `?page=10&per_page=2>; rel="next"`, ""},
		{"no next: the fake's own Link is removed too", Hostile{Method: "GET", Path: tagsPath, Next: func(int) int { return 0 }}, tagsURL + "?per_page=2",
			"", ""},
		{"a null body, the fake's Link kept", Hostile{Method: "GET", Path: "/repos/*/*/tags", Body: "null"}, tagsURL + "?per_page=2",
			`<` + tagsURL + `?page=2&per_page=2>; rel="next", <` + tagsURL + `?page=3&per_page=2>; rel="last"`, "null"},
		{"another route is left alone", Hostile{Method: "GET", Path: "/repos/*/*/releases", Body: "null", Next: SamePage}, tagsURL + "?per_page=2",
			`<` + tagsURL + `?page=2&per_page=2>; rel="next", <` + tagsURL + `?page=3&per_page=2>; rel="last"`, ""},
		{"another method is left alone", Hostile{Method: "POST", Path: tagsPath, Body: "null"}, tagsURL + "?per_page=2",
			`<` + tagsURL + `?page=2&per_page=2>; rel="next", <` + tagsURL + `?page=3&per_page=2>; rel="last"`, ""},
		{"on a GitHub Enterprise Server", Hostile{Method: "GET", Path: tagsPath, Next: SamePage}, "https://ghes.example.com/api/v3/repos/BTCDecoded/bllvm/tags?page=2",
			`<https://ghes.example.com/api/v3/repos/BTCDecoded/bllvm/tags?page=2>; rel="next"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository(repoName))
			for i := range 5 {
				fake.SetTag(repoName, fmt.Sprintf("v0.0.%d", i), shaMain)
			}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, tt.url, nil)
			require.NoError(t, err)

			resp, err := fake.HostileClient(10, tt.answer).Do(req)

			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, tt.wantLink, resp.Header.Get("Link"))
			if tt.wantBody != "" {
				assert.Equal(t, tt.wantBody, string(body))
			} else {
				assert.NotEqual(t, "null", string(body))
			}
			assert.Len(t, fake.Requests(), 1, "the fake answered")
		})
	}
}

// A program that loops on hostile answers ends at the client's limit,
// with a failed test that says so, and the fake never sees the request
// past it.
func TestHostileClientLimit(t *testing.T) {
	recorder := &recordingTB{TB: t}
	fake := New(recorder, WithRepository(repoName))
	client := fake.HostileClient(2, Hostile{Method: "GET", Path: "/repos/*/*/tags", Next: SamePage})

	var statuses []int
	for range 4 {
		resp, err := client.Get("https://api.github.com/repos/BTCDecoded/bllvm/tags")
		require.NoError(t, err)
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
	}

	assert.Equal(t, []int{http.StatusOK, http.StatusOK, http.StatusBadRequest, http.StatusBadRequest}, statuses)
	assert.Len(t, fake.Requests(), 2)
	require.Len(t, recorder.reported(), 2)
	assert.Contains(t, recorder.reported()[0], "past the test's limit of 2: the program does not stop")
}

// The fake's Link headers come from its pagination alone, as GitHub's
// do: a canned response cannot set one.
func TestFailRefusesALinkHeader(t *testing.T) {
	for _, name := range []string{"Link", "link"} {
		t.Run(name, func(t *testing.T) {
			recorder := &fatalRecorder{TB: t}
			fake := New(recorder, WithRepository(repoName))
			ran := make(chan struct{})
			go func() {
				defer close(ran)
				fake.Fail("GET", "/repos/*/*/tags", Response{Status: http.StatusOK, Header: map[string]string{name: `<https://api.github.com/repos/BTCDecoded/bllvm/tags?page=1>; rel="next"`}, Body: "[]"})
			}()
			<-ran
			assert.Contains(t, recorder.fatal, "a response with a Link header")
		})
	}
}
