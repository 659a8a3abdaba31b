package github

import (
	"errors"
	"net/http"

	gh "github.com/google/go-github/v66/github"
)

// IsStatus tells whether err is GitHub's answer with the given status:
// one place to look at a response's status, instead of a matcher per mode.
func IsStatus(err error, status int) bool {
	var apiErr *gh.ErrorResponse
	return errors.As(err, &apiErr) && apiErr.Response != nil && apiErr.Response.StatusCode == status
}

// IsValidationCode tells whether err is GitHub's 422 with an error of the
// given code, such as already_exists for a release or an asset name taken.
func IsValidationCode(err error, code string) bool {
	var apiErr *gh.ErrorResponse
	if !IsStatus(err, http.StatusUnprocessableEntity) || !errors.As(err, &apiErr) {
		return false
	}
	for _, item := range apiErr.Errors {
		if item.Code == code {
			return true
		}
	}
	return false
}
