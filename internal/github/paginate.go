package github

import (
	"fmt"

	gh "github.com/google/go-github/v66/github"
)

// MaxPages bounds the pages of one listing: 10,000 items at 100 a page,
// far beyond any listing the action reads.
const MaxPages = 100

// Pages follows the pages of one listing. GitHub's Link header always
// leads forward; one that names the page just read, or an earlier one,
// would make a loop that follows it run forever, as would a listing that
// never ends. A zero Pages is ready for the first page.
type Pages struct {
	// Route is what is listed, for the error: "GET /repos/o/r/releases".
	Route string
	// Max is the most pages read; 0 is MaxPages.
	Max int

	page int // the page just read; 0 before the first answer
	read int
}

// Next returns the page to read after the one resp answers, 0 when that
// was the last (resp is nil, or has no next page). It is an *AnswerError
// naming Route when the next page does not come after the one just read,
// or would be past Max.
func (p *Pages) Next(resp *gh.Response) (int, error) {
	p.read++
	current := max(p.page, 1)
	if resp == nil || resp.NextPage == 0 {
		return 0, nil
	}
	limit := p.Max
	if limit <= 0 {
		limit = MaxPages
	}
	switch {
	case resp.NextPage <= current:
		return 0, &AnswerError{Route: p.Route, Problem: fmt.Sprintf("the answer for page %d names page %d as the next, which does not come after it; reading stopped there", current, resp.NextPage)}
	case p.read >= limit:
		return 0, &AnswerError{Route: p.Route, Problem: fmt.Sprintf("the listing goes on past %d pages; reading stopped there", limit)}
	}
	p.page = resp.NextPage
	return p.page, nil
}

// AnswerError is an answer from GitHub the action cannot use: a listing
// whose pages do not move forward, or a body without a field the action
// reads (null where GitHub documents an object). GitHub does not send
// them; a proxy or an outage between the runner and GitHub may.
type AnswerError struct {
	Route   string // the request: "GET /repos/o/r/actions/runs"
	Problem string // what is wrong with the answer
}

func (e *AnswerError) Error() string {
	return fmt.Sprintf("%s: %s; GitHub does not answer so: run the job again, and if it recurs, look for a proxy between the runner and GitHub", e.Route, e.Problem)
}

// Malformed is the *AnswerError of route for an answer without what the
// action needs of it; problem says what that is, as "the answer is null".
func Malformed(route, problem string) error {
	return &AnswerError{Route: route, Problem: problem}
}
